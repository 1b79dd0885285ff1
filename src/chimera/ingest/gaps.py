"""Gaps: what a reviewer of these results would miss.

Computed from the finished dataset, so they describe what was actually ingested:
runs with a throughput but no time to first token, configurations measured only
once, settings recorded without a model name, failed runs, files that yielded no
number, and telemetry that is absent (a telemetry table without rows, a run
folder without results while its siblings have them, fields most records of a
file carry but some lack).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import PurePosixPath

import pandas as pd

from chimera.ingest.inventory import FileIssue, Gaps
from chimera.ingest.vocabulary import CONFIG_COLUMNS

_RAW_METRICS = ("throughput_tok_s", "ttft_ms", "latency_ms", "e2e_latency_ms")
_FIELD_CHECK_TYPES = frozenset({"csv", "tsv", "json", "jsonl"})
_MAX_FILES = 20
_INDEX = re.compile(r"\[\d+\]")
_LINE = re.compile(r"^line \d+")


def compute_gaps(
    frame: pd.DataFrame,
    kinds: dict[str, str],
    files_without_metrics: list[str],
    telemetry_notes: list[FileIssue],
) -> Gaps:
    """All gap counts for one ingested tree."""
    gaps = Gaps(files_without_metrics=sorted(files_without_metrics))
    if not frame.empty:
        ok = frame[frame["status"].astype(str) != "failed"]
        _throughput_without_ttft(ok, gaps)
        _single_runs(ok, gaps)
        _configs_without_model(frame, gaps)
        _failed(frame, gaps)
        telemetry_notes = [*telemetry_notes, *_missing_fields(ok, kinds)]
    gaps.missing_telemetry = [
        *telemetry_notes,
        *_empty_run_folders(frame, kinds),
    ]
    return gaps


def _metrics_per_record(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["record_id", "source_file", "metric"]].astype(str).drop_duplicates()


def _throughput_without_ttft(ok: pd.DataFrame, gaps: Gaps) -> None:
    pairs = _metrics_per_record(ok)
    with_tps = set(pairs.loc[pairs["metric"] == "throughput_tok_s", "record_id"])
    with_ttft = set(pairs.loc[pairs["metric"] == "ttft_ms", "record_id"])
    missing = with_tps - with_ttft
    gaps.throughput_without_ttft = len(missing)
    files = pairs.loc[pairs["record_id"].isin(missing), "source_file"]
    gaps.throughput_without_ttft_files = sorted(set(files))[:_MAX_FILES]


def _single_runs(ok: pd.DataFrame, gaps: Gaps) -> None:
    """Configurations with exactly one raw measured run (no repetitions)."""
    raw = ok[ok["stat"].isna() & ok["metric"].astype(str).isin(_RAW_METRICS)]
    if raw.empty:
        return
    keys = ["model", "quantization", "backend", *CONFIG_COLUMNS]
    runs = raw[["record_id", "source_file", *keys]].astype(str).drop_duplicates(
        "record_id"
    )
    sizes = runs.groupby(keys, dropna=False)["record_id"].transform("size")
    single = runs[sizes == 1]
    gaps.single_runs = len(single)
    gaps.single_run_files = sorted(set(single["source_file"]))[:_MAX_FILES]


def _configs_without_model(frame: pd.DataFrame, gaps: Gaps) -> None:
    has_config = frame[list(CONFIG_COLUMNS)].notna().any(axis=1)
    rows = frame[has_config & frame["model"].isna()]
    records = rows[["record_id", "source_file"]].astype(str).drop_duplicates()
    gaps.configs_without_model = len(records)
    gaps.configs_without_model_files = sorted(set(records["source_file"]))[:_MAX_FILES]


def _failed(frame: pd.DataFrame, gaps: Gaps) -> None:
    failed = frame[frame["status"].astype(str) == "failed"]
    records = failed[["record_id", "source_file"]].astype(str).drop_duplicates()
    gaps.failed_runs = len(records)
    counts = Counter(records["source_file"])
    gaps.failed_run_files = dict(sorted(counts.items()))


def _missing_fields(ok: pd.DataFrame, kinds: dict[str, str]) -> list[FileIssue]:
    """Fields most records of a file carry but some lack (e.g. a prompt-cache hit
    that drops ``prompt_eval_count``)."""
    issues: list[FileIssue] = []
    data = ok[ok["source_file"].astype(str).map(kinds).isin(_FIELD_CHECK_TYPES)]
    pairs = data[["source_file", "record_id", "original_name"]].astype(str)
    # Records of one kind only: rows of a table, or elements of one JSON array.
    pairs["source_file"] = pairs["source_file"] + " " + pairs["record_id"].map(_kind)
    for key, group in pairs.drop_duplicates().groupby("source_file"):
        rel = str(key).rsplit(" ", 1)[0]
        records = group["record_id"].nunique()
        if records < 2:
            continue
        counts = group.groupby("original_name")["record_id"].nunique()
        for name, present in counts.items():
            if records / 2 <= present < records:
                issues.append(
                    FileIssue(
                        path=str(rel),
                        reason=f"{name} absent in {records - present} of {records} records",
                    )
                )
    return issues


def _kind(record_id: str) -> str:
    locator = record_id.split("#", 1)[-1]
    return _INDEX.sub("[]", _LINE.sub("line", locator))


def _empty_run_folders(frame: pd.DataFrame, kinds: dict[str, str]) -> list[FileIssue]:
    """Folders with files but no measurements, whose sibling folders have some."""
    files = frame["source_file"].astype(str).unique()
    measured = {str(PurePosixPath(rel).parent) for rel in files}
    by_parent: dict[str, set[str]] = defaultdict(set)
    for rel in kinds:
        folder = PurePosixPath(rel).parent
        if str(folder) != ".":
            by_parent[str(folder.parent)].add(str(folder))
    issues: list[FileIssue] = []
    for siblings in by_parent.values():
        if len(siblings) < 2 or not siblings & measured:
            continue
        for folder in sorted(siblings - measured):
            if not any(_inside(other, folder) for other in measured):
                issues.append(
                    FileIssue(
                        path=folder,
                        reason="run folder without results (its sibling folders have some)",
                    )
                )
    return issues


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")
