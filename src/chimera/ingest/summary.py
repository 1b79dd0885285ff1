"""The inventory as a few plain-text lines, for prompts and for people.

Agents quote these lines, so they hold computed figures only: counts per type
and folder, expected-folder coverage, the latest modification and data times,
sample paths per type, problems and gaps. ``max_paths`` bounds every list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chimera.ingest.inventory import Inventory


def summary_lines(inventory: Inventory, max_paths: int = 5) -> list[str]:
    """Compact summary lines; the most quoted counts come first."""
    totals = inventory.totals
    lines = [
        f"Files: {totals.files:,} ({totals.bytes:,} bytes) in "
        f"{totals.directories:,} directories including the root {inventory.root}",
        "By type: " + _by_type(inventory),
        "Top-level directories: " + _top_dirs(inventory, max_paths),
        _coverage(inventory),
        _times(inventory),
        f"Dataset: {inventory.measurements:,} measurements in "
        f"{inventory.records:,} records; models: "
        + (_limited(inventory.models, max_paths) or "none named"),
    ]
    lines.extend(_samples(inventory, max_paths))
    lines.extend(_problems(inventory, max_paths))
    lines.extend(_gap_lines(inventory, max_paths))
    return [line for line in lines if line]


def _by_type(inventory: Inventory) -> str:
    parts = [
        f"{kind} {stats.files:,} ({stats.bytes:,} bytes)"
        for kind, stats in inventory.by_type.items()
        if stats.files
    ]
    return ", ".join(parts) or "no files"


def _top_dirs(inventory: Inventory, max_paths: int) -> str:
    parts = [
        f"{name}/ ({stats.files:,} files)"
        for name, stats in sorted(inventory.by_top_dir.items())
        if name != "."
    ]
    root_files = inventory.by_top_dir.get(".")
    if root_files:
        parts.append(f"root ({root_files.files:,} files)")
    return _limited(parts, max_paths) or "none"


def _coverage(inventory: Inventory) -> str:
    coverage = inventory.coverage
    if not coverage.expected:
        return ""
    present = [
        f"{name}/ at {', '.join(paths[:2])}" for name, paths in coverage.present.items()
    ]
    missing = ", ".join(f"{name}/" for name in coverage.missing) or "none"
    shown = ", ".join(present) or "none"
    return f"Expected directories present: {shown}; missing: {missing}"


def _times(inventory: Inventory) -> str:
    modified = (
        inventory.latest_mtime.strftime("%Y-%m-%dT%H:%M:%SZ")
        if inventory.latest_mtime
        else "unknown"
    )
    inside = (
        f"{inventory.data_time_earliest} to {inventory.data_time_latest}"
        if inventory.data_time_latest
        else "none found"
    )
    return (
        f"Latest file modified (UTC): {modified}; timestamps inside the data: {inside}"
    )


def _samples(inventory: Inventory, max_paths: int) -> list[str]:
    by_type: dict[str, list[str]] = {}
    for entry in inventory.files:
        by_type.setdefault(entry.type, []).append(entry.path)
    return [
        f"Sample {kind} files: {_limited(paths, max_paths)}"
        for kind, paths in sorted(by_type.items())
    ]


def _problems(inventory: Inventory, max_paths: int) -> list[str]:
    lines: list[str] = []
    if inventory.duplicates:
        pairs = [" = ".join(group.paths) for group in inventory.duplicates]
        lines.append(
            f"Byte-identical duplicates ({len(pairs)} groups, counted once): "
            + _limited(pairs, max_paths)
        )
    if inventory.record_duplicates:
        shown = [
            f"{item.path} repeats {item.duplicate_of}"
            for item in inventory.record_duplicates
        ]
        lines.append("Repeated records counted once: " + _limited(shown, max_paths))
    for title, issues in (
        ("Unusable files", inventory.unusable),
        ("Skipped", inventory.skipped),
    ):
        if issues:
            shown = [f"{issue.path} ({issue.reason})" for issue in issues]
            lines.append(f"{title} ({len(issues)}): " + _limited(shown, max_paths))
    return lines


def _gap_lines(inventory: Inventory, max_paths: int) -> list[str]:
    gaps = inventory.gaps
    lines = [
        f"Gaps: {gaps.failed_runs} failed runs; {gaps.throughput_without_ttft} runs "
        f"with throughput but without TTFT; {gaps.single_runs} configurations measured "
        f"once; {gaps.configs_without_model} configurations without a model name; "
        f"{len(gaps.files_without_metrics)} files without a numeric metric",
    ]
    if gaps.failed_run_files:
        shown = [f"{path} ({count})" for path, count in gaps.failed_run_files.items()]
        lines.append("Failed runs in: " + _limited(shown, max_paths))
    if gaps.missing_telemetry:
        shown = [f"{issue.path}: {issue.reason}" for issue in gaps.missing_telemetry]
        lines.append("Missing telemetry: " + _limited(shown, max_paths))
    return lines


def _limited(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    extra = len(items) - limit
    return f"{shown} (+{extra} more)" if extra > 0 else shown
