"""The Data Ingestion Summary: what the inventory found, as the report shows it.

Every count here is read from the inventory that ingestion computed; none is
written by the model. Long lists (unusable files, duplicates) are cut to a
readable length with the number left out stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chimera.ingest.inventory import Inventory

SUMMARY_PATHS = 5
MAX_LISTED = 20


@dataclass(frozen=True)
class TypeRow:
    name: str
    files: int
    bytes: int
    latest_mtime: str


@dataclass(frozen=True)
class InventoryView:
    files_total: int | None
    bytes_total: int | None = None
    directories: int | None = None
    by_type: list[TypeRow] = field(default_factory=list)
    top_dirs: list[tuple[str, int, int]] = field(default_factory=list)
    expected_present: list[str] = field(default_factory=list)
    expected_missing: list[str] = field(default_factory=list)
    latest_mtime: str | None = None
    data_time_range: str | None = None
    duplicates: list[str] = field(default_factory=list)
    unusable: list[tuple[str, str]] = field(default_factory=list)
    unusable_total: int = 0
    gaps: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def inventory_view(inventory: Inventory | None) -> InventoryView:
    """The report's view of an inventory."""
    if inventory is None:
        return InventoryView(None, lines=["no inventory: ingestion did not run"])
    coverage = inventory.coverage
    return InventoryView(
        files_total=inventory.totals.files,
        bytes_total=inventory.totals.bytes,
        directories=inventory.totals.directories,
        by_type=[
            TypeRow(name, stats.files, stats.bytes, _when(stats.latest_mtime))
            for name, stats in inventory.by_type.items()
            if stats.files
        ],
        top_dirs=[
            (name, stats.files, stats.bytes)
            for name, stats in sorted(inventory.by_top_dir.items())
        ],
        expected_present=[name for name, paths in coverage.present.items() if paths],
        expected_missing=list(coverage.missing),
        latest_mtime=_when(inventory.latest_mtime),
        data_time_range=_data_range(inventory),
        duplicates=[" = ".join(group.paths) for group in inventory.duplicates],
        unusable=[(i.path, i.reason) for i in inventory.unusable[:MAX_LISTED]],
        unusable_total=len(inventory.unusable),
        gaps=_gap_lines(inventory),
        lines=[
            " ".join(line.split()) for line in inventory.summary_lines(SUMMARY_PATHS)
        ],
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "not recorded"
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + " UTC"


def _data_range(inventory: Inventory) -> str | None:
    if not (inventory.data_time_earliest or inventory.data_time_latest):
        return None
    return f"{inventory.data_time_earliest} to {inventory.data_time_latest}"


def _gap_lines(inventory: Inventory) -> list[str]:
    gaps = inventory.gaps
    lines = []
    for count, what in (
        (gaps.failed_runs, "failed runs"),
        (gaps.throughput_without_ttft, "results with throughput but no TTFT"),
        (gaps.single_runs, "configs measured once (no repetitions)"),
        (gaps.configs_without_model, "configs without a model name"),
        (len(gaps.files_without_metrics), "files without any numeric metric"),
        (len(gaps.missing_telemetry), "files with missing telemetry"),
    ):
        if count:
            lines.append(f"{count} {what}")
    return lines
