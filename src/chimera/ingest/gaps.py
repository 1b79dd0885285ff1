"""Gaps: what a reviewer of these results would miss.

Computed from the finished dataset (with DuckDB over the Arrow table, so large
datasets are grouped without copying them), so they describe what was actually
ingested: runs with a throughput but no time to first token, configurations
measured only once,
settings recorded without a model name, failed runs, files that yielded no
number, and telemetry that is absent (a telemetry table without rows, a run
folder without results while its siblings have them, fields most records of a
file carry but some lack).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePosixPath

import duckdb
import pyarrow as pa

from chimera.ingest.inventory import FileIssue, Gaps
from chimera.ingest.vocabulary import CONFIG_COLUMNS

_MAX_FILES = 20
_CONFIG = ", ".join(CONFIG_COLUMNS)
_KEYS = f"model, quantization, backend, {_CONFIG}"

_FILES = "SELECT DISTINCT source_file FROM m"
_WITHOUT_TTFT = """
    SELECT record_id, any_value(source_file) AS file FROM m
    WHERE status <> 'failed' GROUP BY record_id
    HAVING bool_or(metric = 'throughput_tok_s') AND NOT bool_or(metric = 'ttft_ms')
"""
_SINGLE_RUNS = f"""
    WITH runs AS (
        SELECT DISTINCT record_id, source_file, {_KEYS} FROM m
        WHERE status <> 'failed' AND stat IS NULL
          AND metric IN ('throughput_tok_s', 'ttft_ms', 'latency_ms', 'e2e_latency_ms')
    ), sized AS (
        SELECT source_file, count(*) OVER (PARTITION BY {_KEYS}) AS runs FROM runs
    )
    SELECT source_file AS file FROM sized WHERE runs = 1
"""
_WITHOUT_MODEL = f"""
    SELECT DISTINCT record_id, source_file AS file FROM m
    WHERE model IS NULL AND coalesce({_CONFIG}) IS NOT NULL
"""
_FAILED = """
    SELECT source_file AS file, count(DISTINCT record_id) AS runs FROM m
    WHERE status = 'failed' GROUP BY source_file ORDER BY source_file
"""
# Records of one kind only: rows of a table, or elements of one JSON array.
_MISSING_FIELDS = """
    WITH kinds AS (
        SELECT source_file, record_id, original_name,
               regexp_replace(regexp_replace(split_part(record_id, '#', 2),
                   '\\[\\d+\\]', '[]', 'g'), '^line \\d+', 'line') AS kind
        FROM m JOIN kinds USING (source_file)
        WHERE status <> 'failed' AND source_type IN ('csv', 'tsv', 'json', 'jsonl')
    ), totals AS (
        SELECT source_file, kind, count(DISTINCT record_id) AS records
        FROM kinds GROUP BY ALL HAVING records >= 2
    ), present AS (
        SELECT source_file, kind, original_name, count(DISTINCT record_id) AS seen
        FROM kinds GROUP BY ALL
    )
    SELECT p.source_file AS file, p.original_name AS name, t.records, p.seen
    FROM present p JOIN totals t USING (source_file, kind)
    WHERE p.seen < t.records AND p.seen * 2 >= t.records
    ORDER BY file, name
"""


def compute_gaps(
    connection: duckdb.DuckDBPyConnection,
    kinds: dict[str, str],
    files_without_metrics: list[str],
    telemetry_notes: list[FileIssue],
) -> Gaps:
    """All gap counts for one ingested tree; table ``m`` holds the measurements."""
    gaps = Gaps(files_without_metrics=sorted(files_without_metrics))
    types = pa.table(
        {"source_file": list(kinds), "source_type": list(kinds.values())},
        schema=pa.schema([("source_file", pa.string()), ("source_type", pa.string())]),
    )
    connection.register("kinds", types)
    _fill(gaps, connection)
    files = [str(row[0]) for row in connection.execute(_FILES).fetchall()]
    gaps.missing_telemetry = [
        *telemetry_notes,
        *_missing_fields(connection),
        *_empty_run_folders(files, kinds),
    ]
    return gaps


def _fill(gaps: Gaps, connection: duckdb.DuckDBPyConnection) -> None:
    without_ttft = connection.execute(_WITHOUT_TTFT).fetchall()
    gaps.throughput_without_ttft = len(without_ttft)
    gaps.throughput_without_ttft_files = _files(row[1] for row in without_ttft)
    single = connection.execute(_SINGLE_RUNS).fetchall()
    gaps.single_runs = len(single)
    gaps.single_run_files = _files(row[0] for row in single)
    unnamed = connection.execute(_WITHOUT_MODEL).fetchall()
    gaps.configs_without_model = len(unnamed)
    gaps.configs_without_model_files = _files(row[1] for row in unnamed)
    failed = connection.execute(_FAILED).fetchall()
    gaps.failed_run_files = {str(file): int(runs) for file, runs in failed}
    gaps.failed_runs = sum(gaps.failed_run_files.values())


def _files(found: Iterable[object]) -> list[str]:
    return sorted({str(name) for name in found})[:_MAX_FILES]


def _missing_fields(connection: duckdb.DuckDBPyConnection) -> list[FileIssue]:
    """Fields most records of a file carry but some lack (e.g. a prompt-cache hit
    that drops ``prompt_eval_count``)."""
    found = connection.execute(_MISSING_FIELDS).fetchall()
    return [
        FileIssue(
            path=str(file),
            reason=f"{name} absent in {records - seen} of {records} records",
        )
        for file, name, records, seen in found
    ]


def _empty_run_folders(files: list[str], kinds: dict[str, str]) -> list[FileIssue]:
    """Folders with files but no measurements, whose sibling folders have some."""
    measured = {str(PurePosixPath(rel).parent) for rel in files}
    by_parent: dict[str, set[str]] = defaultdict(set)
    for rel in kinds:
        parent = PurePosixPath(rel).parent
        if str(parent) != ".":
            by_parent[str(parent.parent)].add(str(parent))
    issues: list[FileIssue] = []
    for siblings in by_parent.values():
        if len(siblings) < 2 or not siblings & measured:
            continue
        for folder in sorted(siblings - measured):
            if not any(_inside(other, folder) for other in measured):
                issues.append(
                    FileIssue(
                        path=folder,
                        reason="run folder without results "
                        "(its sibling folders have some)",
                    )
                )
    return issues


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")
