"""`chimera ingest DIR`: inventory and dataset of an artifact tree, as a summary.

Prints what the tree holds (counts per type and folder), what could not be used
and why, and the gaps a reviewer should know; ``--json`` prints the inventory
instead, and ``--out`` writes the dataset with its inventory beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from chimera.ingest import FileIssue, IngestOptions, Inventory, ingest_to_file
from chimera.ingest.pipeline import ProgressHook, ingested_file

console = Console()


def build_options(
    max_file_mb: float,
    include_hidden: bool,
    expect: list[str] | None,
    follow_symlinks: bool = False,
    workers: int | None = None,
) -> IngestOptions:
    """Ingest options from the shared command-line flags."""
    values: dict[str, object] = {
        "max_file_bytes": max(1, int(max_file_mb * 1024 * 1024)),
        "include_hidden": include_hidden,
        "follow_symlinks": follow_symlinks,
        "workers": workers,
    }
    if expect:
        values["expected_dirs"] = list(expect)
    return IngestOptions.model_validate(values)


def ingest_command(
    directory: Path = typer.Argument(..., help="Tree of benchmark artifacts."),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Write the dataset to FILE.parquet or FILE.csv (inventory beside it).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON."),
    max_file_mb: float = typer.Option(
        64.0,
        "--max-file-mb",
        min=0.001,
        help="Files larger than this many MiB are listed, not read.",
    ),
    include_hidden: bool = typer.Option(
        False, "--include-hidden", help="Also scan hidden files and folders."
    ),
    expect: list[str] | None = typer.Option(
        None, "--expect", help="Expected folder name (repeatable)."
    ),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Follow links to folders inside the tree."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Parsing processes (default: automatic)."
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
) -> None:
    """Scan DIR and report what it holds, what is unusable, and what is missing."""
    options = build_options(
        max_file_mb, include_hidden, expect, follow_symlinks, workers
    )
    with _progress(enabled=not (no_progress or as_json)) as hook:
        if out is not None:
            inventory = ingest_to_file(directory, out, options, progress=hook)
        else:
            with ingested_file(directory, options, progress=hook) as (_path, found):
                inventory = found
    if as_json:
        typer.echo(inventory.model_dump_json(indent=2))
        return
    print_summary(inventory)
    if out is not None:
        console.print(
            f"dataset written to [bold]{out}[/] ({inventory.measurements:,} rows)"
        )


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressHook | None]:
    """A Rich progress bar fed by the ingestion's progress hook."""
    if not enabled:
        yield None
        return
    columns = (TextColumn("reading files"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("read", total=None)

        def hook(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield hook


def print_summary(inventory: Inventory) -> None:
    """The Rich view of an ingestion: counts, problems, gaps."""
    totals = inventory.totals
    console.print(
        f"[bold]{inventory.root}[/]: {totals.files:,} files, {totals.bytes:,} bytes, "
        f"{totals.directories:,} directories; {inventory.measurements:,} measurements "
        f"in {inventory.records:,} records"
    )
    console.print(_counts_table(inventory))
    for line in inventory.summary_lines(max_paths=5)[3:5]:
        console.print(line, highlight=False)
    _issues_table("Unusable files", inventory.unusable)
    _issues_table("Skipped", inventory.skipped)
    _issues_table("Notes", inventory.notes)
    if inventory.duplicates:
        console.print(f"{len(inventory.duplicates)} groups of byte-identical files")
    _record_duplicates(inventory)
    _gaps(inventory)


def _record_duplicates(inventory: Inventory) -> None:
    """Records dropped because another file holds the same run."""
    if not inventory.record_duplicates:
        return
    total = sum(duplicate.records for duplicate in inventory.record_duplicates)
    table = Table(title=f"Repeated records ({total:,}, counted once)", show_edge=False)
    for name in ("path", "records", "kept in"):
        table.add_column(name, justify="right" if name == "records" else "left")
    for duplicate in inventory.record_duplicates:
        table.add_row(duplicate.path, f"{duplicate.records:,}", duplicate.duplicate_of)
    console.print(table)


def _counts_table(inventory: Inventory) -> Table:
    table = Table(title="Files", show_edge=False)
    for name in ("type / folder", "files", "bytes", "latest modified (UTC)"):
        table.add_column(name, justify="left" if name.startswith("type") else "right")
    for kind, stats in inventory.by_type.items():
        if stats.files:
            latest = (
                stats.latest_mtime.strftime("%Y-%m-%d %H:%M")
                if stats.latest_mtime
                else ""
            )
            table.add_row(kind, f"{stats.files:,}", f"{stats.bytes:,}", latest)
    table.add_section()
    for name, folder in sorted(inventory.by_top_dir.items()):
        table.add_row(
            f"{name}/" if name != "." else "(root)",
            f"{folder.files:,}",
            f"{folder.bytes:,}",
            "",
        )
    return table


def _issues_table(title: str, issues: list[FileIssue]) -> None:
    if not issues:
        return
    table = Table(title=f"{title} ({len(issues)})", show_edge=False)
    table.add_column("path")
    table.add_column("reason")
    for issue in issues:
        table.add_row(issue.path, issue.reason)
    console.print(table)


def _gaps(inventory: Inventory) -> None:
    for line in inventory.summary_lines(max_paths=5):
        if line.startswith(("Gaps:", "Failed runs in:", "Missing telemetry:")):
            console.print(line, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``chimera ingest`` to the application."""
    app.command("ingest")(ingest_command)
