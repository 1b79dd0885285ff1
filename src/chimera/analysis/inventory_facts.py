"""Inventory facts: what files the tree holds, what is missing, what could not be read.

These are a collector agent's figures: files and bytes per type, top-level
folders, expected folders present or missing, file and in-data timestamps,
duplicates, unusable files with their reasons, and the gaps a reviewer would miss
(failed runs, throughput without TTFT, single runs, files without metrics).
Every count is the inventory's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from chimera.analysis.facts import FactBuilder, FactKind
from chimera.ingest.inventory import FileIssue, Inventory

SOURCE = "inventory"
MAX_LISTED = 2


def inventory_facts(builder: FactBuilder, inventory: Inventory) -> None:
    """Facts about the tree itself, most quoted first."""
    _totals(builder, inventory)
    _times(builder, inventory)
    _coverage(builder, inventory)
    _folders(builder, inventory)
    _samples(builder, inventory)
    _duplicates(builder, inventory)
    _issues(builder, "unusable", inventory.unusable, tier=1)
    _issues(builder, "skipped", inventory.skipped, tier=2)
    _gaps(builder, inventory)


def _add(builder: FactBuilder, kind: FactKind, text: str, tier: int) -> None:
    builder.add(kind, text, sources=(SOURCE,), tier=tier)


def _totals(builder: FactBuilder, inventory: Inventory) -> None:
    totals = inventory.totals
    types = ", ".join(
        f"{stats.files} {name}"
        for name, stats in inventory.by_type.items()
        if stats.files
    )
    text = (
        f"{_count(totals.files, 'file')} ({types or 'none'}), {totals.bytes} bytes, "
        f"in {totals.directories} directories including the root; "
        f"{inventory.records} records and "
        f"{inventory.measurements} measurements ingested."
    )
    _add(builder, FactKind.INVENTORY, text, tier=0)


def _times(builder: FactBuilder, inventory: Inventory) -> None:
    parts = []
    if inventory.latest_mtime is not None:
        parts.append(f"latest file modified {_iso(inventory.latest_mtime)} UTC")
    if inventory.data_time_earliest or inventory.data_time_latest:
        parts.append(
            f"timestamps inside the data run from {inventory.data_time_earliest} "
            f"to {inventory.data_time_latest}"
        )
    if parts:
        text = "; ".join(parts)
        _add(builder, FactKind.INVENTORY, text[0].upper() + text[1:] + ".", tier=0)


def _coverage(builder: FactBuilder, inventory: Inventory) -> None:
    coverage = inventory.coverage
    if not coverage.expected:
        return
    present = [
        f"{name} (at {', '.join(paths[:MAX_LISTED])})"
        for name, paths in coverage.present.items()
        if paths
    ]
    text = (
        f"Expected directories: {len(present)} of {len(coverage.expected)} present"
        + (f": {'; '.join(present)}" if present else "")
        + (f"; missing: {', '.join(coverage.missing)}" if coverage.missing else "")
        + "."
    )
    _add(builder, FactKind.COVERAGE, text, tier=0)


def _folders(builder: FactBuilder, inventory: Inventory) -> None:
    if not inventory.by_top_dir:
        return
    ranked = sorted(inventory.by_top_dir.items(), key=lambda item: -item[1].files)
    listed = ", ".join(
        f"{name}/ {_count(stats.files, 'file')}" for name, stats in ranked
    )
    _add(builder, FactKind.COVERAGE, f"Top-level folders: {listed}.", tier=1)


def _samples(builder: FactBuilder, inventory: Inventory) -> None:
    """A few real paths per file type, so the model names files that exist."""
    by_type: dict[str, list[str]] = {}
    for entry in inventory.files:
        by_type.setdefault(entry.type, []).append(entry.path)
    if by_type:
        listed = "; ".join(
            f"{kind}: {', '.join(paths[:MAX_LISTED])}"
            for kind, paths in sorted(by_type.items())
        )
        _add(builder, FactKind.INVENTORY, f"Sample files: {listed}.", tier=2)


def _duplicates(builder: FactBuilder, inventory: Inventory) -> None:
    groups = inventory.duplicates
    if not groups:
        return
    examples = "; ".join(" = ".join(group.paths) for group in groups[:MAX_LISTED])
    text = (
        f"{_count(len(groups), 'group')} of byte-identical files, each ingested once "
        f"(e.g. {examples})."
    )
    _add(builder, FactKind.INVENTORY, text, tier=1)


def _issues(
    builder: FactBuilder, what: str, issues: list[FileIssue], *, tier: int
) -> None:
    if not issues:
        return
    listed = "; ".join(f"{issue.path}: {issue.reason}" for issue in issues[:MAX_LISTED])
    more = f" and {len(issues) - MAX_LISTED} more" if len(issues) > MAX_LISTED else ""
    text = f"{_count(len(issues), 'file')} {what}: {listed}{more}."
    _add(builder, FactKind.GAP, text, tier=tier)


def _gaps(builder: FactBuilder, inventory: Inventory) -> None:
    gaps = inventory.gaps
    if gaps.failed_runs:
        where = _top(gaps.failed_run_files)
        text = f"{_count(gaps.failed_runs, 'failed run')} recorded, in {where}."
        _add(builder, FactKind.GAP, text, tier=1)
    for count, files, what, tier in (
        (gaps.throughput_without_ttft, gaps.throughput_without_ttft_files,
         "results with throughput but no TTFT", 1),
        (gaps.single_runs, gaps.single_run_files,
         "configs measured once, without repetitions", 2),
        (gaps.configs_without_model, gaps.configs_without_model_files,
         "configs without a model name", 2),
    ):  # fmt: skip
        if count:
            text = f"{count} {what} (in {_listed(files)})."
            _add(builder, FactKind.GAP, text, tier=tier)
    if gaps.files_without_metrics:
        bare = gaps.files_without_metrics
        text = (
            f"{_count(len(bare), 'file')} without any numeric metric ({_listed(bare)})."
        )
        _add(builder, FactKind.GAP, text, tier=2)
    _issues(builder, "with missing telemetry", gaps.missing_telemetry, tier=2)


def _listed(paths: Iterable[str]) -> str:
    items = list(paths)
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (
        f" +{len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    )


def _top(counts: Mapping[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{path} ({count})" for path, count in ranked[:MAX_LISTED])
    more = len(ranked) - MAX_LISTED
    listed = f"{_count(len(ranked), 'file')}: {shown}"
    return listed + (f" +{more} more" if more > 0 else "")


def _count(number: int, noun: str) -> str:
    """'1 file', '3 files'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0, tzinfo=None).isoformat()
