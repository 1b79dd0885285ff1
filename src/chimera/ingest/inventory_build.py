"""Filling in the inventory from the scan, the file results and the dataset.

Counts come from the scan (every regular file, whether read or not), problems
from the readers, and per-file measurement counts and gaps from the final
dataset, so the inventory and the dataset always agree.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from chimera.ingest.fileresult import FileResult
from chimera.ingest.gaps import compute_gaps
from chimera.ingest.inventory import (
    Coverage,
    DirStats,
    DuplicateGroup,
    FileEntryInfo,
    FileIssue,
    Gaps,
    Inventory,
    RecordDuplicate,
    Totals,
)
from chimera.ingest.options import IngestOptions
from chimera.ingest.scan import FileEntry, ScanResult, printable

logger = logging.getLogger(__name__)

# Reasons that mean the file was never read (as opposed to read and rejected).
_NOT_READ = ("too large", "permission denied", "unreadable")
# DuckDB spills its groupings to disk but still needs room per thread. Two
# threads and 96 MB keep the whole ingestion of 1 GB of typical results under
# 500 MB; far larger trees may exceed it, and then the gaps (only they) are
# reported as not computed instead of failing the ingestion.
_DUCKDB_MEMORY = "96MB"
_DUCKDB_THREADS = 2


def build_inventory(
    scanned: ScanResult,
    results: list[FileResult],
    groups: list[DuplicateGroup],
    dataset: Path,
    record_duplicates: list[RecordDuplicate],
    options: IngestOptions,
) -> Inventory:
    """The complete inventory of one ingestion (``dataset``: its Parquet file)."""
    with duckdb.connect(config=_duckdb_config(dataset.parent)) as connection:
        connection.read_parquet(str(dataset)).create_view("m")
        return _build(scanned, results, groups, connection, record_duplicates, options)


def _duckdb_config(work: Path) -> dict[str, str | bool | int | float | list[str]]:
    """Bounded memory: DuckDB spills its group-bys to ``work`` beyond this."""
    return {
        "memory_limit": _DUCKDB_MEMORY,
        "threads": min(_DUCKDB_THREADS, os.cpu_count() or 1),
        "temp_directory": str(work / "duckdb"),
        "preserve_insertion_order": "false",
    }


def _build(
    scanned: ScanResult,
    results: list[FileResult],
    groups: list[DuplicateGroup],
    connection: duckdb.DuckDBPyConnection,
    record_duplicates: list[RecordDuplicate],
    options: IngestOptions,
) -> Inventory:
    inventory = Inventory(root=printable(str(scanned.root)))
    _counts(inventory, scanned)
    inventory.coverage = _coverage(scanned, options.expected_dirs)
    inventory.duplicates = groups
    inventory.record_duplicates = record_duplicates
    inventory.skipped = list(scanned.skipped)
    _issues(inventory, results)
    _data_times(inventory, results)
    per_file = _dataset_facts(inventory, connection)
    copies = {path: group.paths[0] for group in groups for path in group.paths[1:]}
    inventory.files = _file_infos(
        scanned.files, results, per_file, copies, record_duplicates
    )
    kinds = {entry.rel: entry.kind for entry in scanned.files}
    no_metrics = [info.path for info in inventory.files if info.status == "no_metrics"]
    telemetry = [
        FileIssue(path=result.report.rel, reason=reason)
        for result in results
        for reason in result.report.missing_telemetry
    ]
    inventory.gaps = _gaps(inventory, connection, kinds, no_metrics, telemetry)
    return inventory


def _gaps(
    inventory: Inventory,
    connection: duckdb.DuckDBPyConnection,
    kinds: dict[str, str],
    no_metrics: list[str],
    telemetry: list[FileIssue],
) -> Gaps:
    """The gaps, or (if DuckDB fails on them) a note saying so: the dataset and
    the rest of the inventory are still good."""
    try:
        # A file whose results are counted in another file has results too.
        repeats = [info.path for info in inventory.files if info.status == "duplicate"]
        return compute_gaps(connection, kinds, no_metrics, telemetry, repeats)
    except duckdb.Error as error:
        logger.warning("gaps could not be computed: %s", error, exc_info=True)
        first_line = str(error).partition("\n")[0]
        reason = f"gaps could not be computed ({first_line})"
        inventory.notes.append(FileIssue(path=".", reason=reason))
        return Gaps(
            files_without_metrics=sorted(no_metrics), missing_telemetry=telemetry
        )


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _counts(inventory: Inventory, scanned: ScanResult) -> None:
    total_bytes = sum(entry.size for entry in scanned.files)
    inventory.totals = Totals(
        files=len(scanned.files),
        bytes=total_bytes,
        directories=len(scanned.directories),
        bytes_with_dirs=total_bytes + scanned.dir_bytes,
        skipped_files=scanned.skipped_files,
        skipped_bytes=scanned.skipped_bytes,
    )
    for entry in scanned.files:
        stats = inventory.by_type[entry.kind]
        stats.files += 1
        stats.bytes += entry.size
        moment = _utc(entry.mtime)
        stats.earliest_mtime = min(filter(None, (stats.earliest_mtime, moment)))
        stats.latest_mtime = max(filter(None, (stats.latest_mtime, moment)))
        top = inventory.by_top_dir.setdefault(entry.top_dir, DirStats())
        top.files += 1
        top.bytes += entry.size
    if scanned.files:
        inventory.earliest_mtime = _utc(min(entry.mtime for entry in scanned.files))
        inventory.latest_mtime = _utc(max(entry.mtime for entry in scanned.files))
    inventory.top_level_dirs = [
        rel for rel in scanned.directories if rel != "." and "/" not in rel
    ]


def _coverage(scanned: ScanResult, expected: list[str]) -> Coverage:
    coverage = Coverage(expected=list(expected))
    for name in expected:
        found = [
            rel
            for rel in scanned.directories
            if rel.rsplit("/", 1)[-1].lower() == name.lower()
        ]
        if found:
            coverage.present[name] = found
        else:
            coverage.missing.append(name)
    return coverage


def _issues(inventory: Inventory, results: list[FileResult]) -> None:
    for result in results:
        report = result.report
        if report.unusable:
            issue = FileIssue(path=report.rel, reason=report.unusable)
            target = (
                inventory.skipped
                if report.unusable.startswith(_NOT_READ)
                else inventory.unusable
            )
            target.append(issue)
        elif report.partial:
            inventory.unusable.append(FileIssue(path=report.rel, reason=report.partial))
        inventory.notes.extend(
            FileIssue(path=report.rel, reason=note) for note in report.notes
        )


def _data_times(inventory: Inventory, results: list[FileResult]) -> None:
    firsts = [result.time_first for result in results if result.time_first]
    lasts = [result.time_last for result in results if result.time_last]
    if firsts:
        inventory.data_time_earliest = min(firsts)[1]
    if lasts:
        inventory.data_time_latest = max(lasts)[1]


# Records are grouped first and counted after: DuckDB can spill a grouping to
# disk, where count(DISTINCT ...) must hold each file's record ids in memory.
_PER_FILE = """
    SELECT source_file, sum(rows) AS measurements, count(*) AS records,
           count_if(failed) AS failed
    FROM (
        SELECT source_file, record_id, count(*) AS rows,
               bool_or(status = 'failed') AS failed
        FROM m GROUP BY source_file, record_id
    ) GROUP BY source_file
"""
_TOTALS = """
    SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT record_id FROM m))
    FROM m
"""
_MODELS = """
    SELECT model, count(*) AS n FROM m WHERE model IS NOT NULL
    GROUP BY model ORDER BY n DESC, model
"""


def _dataset_facts(
    inventory: Inventory, connection: duckdb.DuckDBPyConnection
) -> dict[str, tuple[int, int, int]]:
    """Totals and models into ``inventory``; per file (rows, records, failed)."""
    rows, records = connection.execute(_TOTALS).fetchone() or (0, 0)
    inventory.measurements, inventory.records = int(rows), int(records)
    inventory.models = [
        str(model) for model, _ in connection.execute(_MODELS).fetchall()
    ]
    return {
        str(rel): (int(count), int(runs), int(failed))
        for rel, count, runs, failed in connection.execute(_PER_FILE).fetchall()
    }


def _file_infos(
    files: list[FileEntry],
    results: list[FileResult],
    per_file: dict[str, tuple[int, int, int]],
    copies: dict[str, str],
    record_duplicates: list[RecordDuplicate],
) -> list[FileEntryInfo]:
    by_rel = {result.report.rel: result for result in results}
    repeated = {item.path for item in record_duplicates}
    infos: list[FileEntryInfo] = []
    for entry in files:
        result = by_rel.get(entry.rel)
        rows, records, failed = per_file.get(entry.rel, (0, 0, 0))
        status, reason = _status(entry, result, rows, copies, repeated)
        infos.append(
            FileEntryInfo(
                path=entry.rel,
                type=entry.kind,
                top_dir=entry.top_dir,
                bytes=entry.size,
                mtime=_utc(entry.mtime),
                status=status,
                records=records,
                measurements=rows,
                failed_records=failed,
                reason=reason,
            )
        )
    return infos


def _status(
    entry: FileEntry,
    result: FileResult | None,
    rows: int,
    copies: dict[str, str],
    repeated: set[str],
) -> tuple[str, str | None]:
    if entry.rel in copies:
        return "duplicate", f"byte-identical to {copies[entry.rel]}"
    if result is None or entry.kind == "other":
        return "not_parsed", "not a data file type"
    report = result.report
    if report.unusable:
        status = "skipped" if report.unusable.startswith(_NOT_READ) else "unusable"
        return status, report.unusable
    if rows:
        return ("partial", report.partial) if report.partial else ("ingested", None)
    if entry.rel in repeated:
        return "duplicate", "its records repeat another file's"
    if report.config_only:
        return "config", "configuration only; its model applies to the folder"
    return "no_metrics", "no numeric metric found"
