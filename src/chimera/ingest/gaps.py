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
# Each count query returns (file, count) per file rather than one row per run,
# so a tree of millions of runs hands Python a few thousand rows at most.
_WITHOUT_TTFT = """
    WITH runs AS (
        SELECT record_id, any_value(source_file) AS file FROM m
        WHERE status <> 'failed' GROUP BY record_id
        HAVING bool_or(metric = 'throughput_tok_s') AND NOT bool_or(metric = 'ttft_ms')
    )
    SELECT file, count(*) FROM runs GROUP BY file
"""
# A configuration measured once is one whose rows all carry one record id:
# comparing the smallest and largest id needs no list of runs per configuration.
_SINGLE_RUNS = f"""
    WITH single AS (
        SELECT any_value(source_file) AS file FROM m
        WHERE status <> 'failed' AND stat IS NULL
          AND metric IN ('throughput_tok_s', 'ttft_ms', 'latency_ms', 'e2e_latency_ms')
        GROUP BY {_KEYS}
        HAVING min(record_id) = max(record_id) AND min(source_file) = max(source_file)
    )
    SELECT file, count(*) FROM single GROUP BY file
"""
_WITHOUT_MODEL = f"""
    SELECT source_file, count(*) FROM (
        SELECT DISTINCT source_file, record_id FROM m
        WHERE model IS NULL AND coalesce({_CONFIG}) IS NOT NULL
    ) GROUP BY source_file
"""
_FAILED = """
    SELECT source_file, count(*) FROM (
        SELECT DISTINCT source_file, record_id FROM m WHERE status = 'failed'
    ) GROUP BY source_file ORDER BY source_file
"""
# Records of one kind only: rows of a table, or elements of one JSON array.
# Records per kind are counted first into a small table: the fields are then
# counted against it, so DuckDB never holds both groupings at once (each one
# alone it can spill to disk).
_TABLE_ROWS = """
    SELECT source_file, record_id, original_name FROM m
    WHERE status <> 'failed' AND source_file IN (
        SELECT source_file FROM kinds
        WHERE source_type IN ('csv', 'tsv', 'json', 'jsonl')
    )
"""
_KIND = r"""
    regexp_replace(regexp_replace(split_part(record_id, '#', 2),
        '\[\d+\]', '[]', 'g'), '^line \d+', 'line')
"""
_RECORDS_PER_KIND = f"""
    CREATE TEMP TABLE records_per_kind AS
    SELECT source_file, kind, count(*) AS records FROM (
        SELECT source_file, {_KIND} AS kind
        FROM ({_TABLE_ROWS}) GROUP BY source_file, record_id
    ) GROUP BY ALL HAVING records >= 2
"""
_MISSING_FIELDS = f"""
    WITH present AS (
        SELECT source_file, kind, original_name, count(*) AS seen FROM (
            SELECT source_file, original_name, {_KIND} AS kind
            FROM ({_TABLE_ROWS}) GROUP BY source_file, record_id, original_name
        ) GROUP BY ALL
    )
    SELECT p.source_file AS file, p.original_name AS name, t.records, p.seen
    FROM present p JOIN records_per_kind t USING (source_file, kind)
    WHERE p.seen < t.records AND p.seen * 2 >= t.records
    ORDER BY file, name
"""


def compute_gaps(
    connection: duckdb.DuckDBPyConnection,
    kinds: dict[str, str],
    files_without_metrics: list[str],
    telemetry_notes: list[FileIssue],
    repeated_files: list[str] | None = None,
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
        *_empty_run_folders([*files, *(repeated_files or [])], kinds),
    ]
    return gaps


def _fill(gaps: Gaps, connection: duckdb.DuckDBPyConnection) -> None:
    without_ttft = _per_file(connection, _WITHOUT_TTFT)
    gaps.throughput_without_ttft = sum(without_ttft.values())
    gaps.throughput_without_ttft_files = _files(without_ttft)
    single = _per_file(connection, _SINGLE_RUNS)
    gaps.single_runs = sum(single.values())
    gaps.single_run_files = _files(single)
    unnamed = _per_file(connection, _WITHOUT_MODEL)
    gaps.configs_without_model = sum(unnamed.values())
    gaps.configs_without_model_files = _files(unnamed)
    gaps.failed_run_files = _per_file(connection, _FAILED)
    gaps.failed_runs = sum(gaps.failed_run_files.values())


def _per_file(connection: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    """``sql``'s (file, count) rows as a mapping."""
    return {str(file): int(count) for file, count in connection.execute(sql).fetchall()}


def _files(found: Iterable[str]) -> list[str]:
    return sorted(found)[:_MAX_FILES]


def _missing_fields(connection: duckdb.DuckDBPyConnection) -> list[FileIssue]:
    """Fields most records of a file carry but some lack (e.g. a prompt-cache hit
    that drops ``prompt_eval_count``)."""
    connection.execute(_RECORDS_PER_KIND)
    try:
        found = connection.execute(_MISSING_FIELDS).fetchall()
    finally:
        connection.execute("DROP TABLE records_per_kind")
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
