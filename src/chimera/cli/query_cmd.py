"""`chimera query DIR "SQL"`: ad-hoc questions over an ingested tree.

DIR is an artifact folder (ingested on the fly) or a dataset saved with
``chimera ingest --out``. The SQL runs in DuckDB against ``measurements`` (the
dataset) and ``files`` (the inventory's file list).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from chimera.cli.ingest_cmd import build_options
from chimera.errors import UsageError
from chimera.ingest import IngestOptions, ingested_file, load_dataset, query
from chimera.ingest.storage import load_inventory

console = Console()


def query_command(
    source: Path = typer.Argument(
        ..., help="Artifact folder, or a .parquet/.csv written by chimera ingest."
    ),
    sql: str = typer.Argument(..., help="SQL over the tables measurements and files."),
    as_json: bool = typer.Option(False, "--json", help="Print rows as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print rows as CSV."),
    limit: int = typer.Option(
        200, "--limit", min=1, help="Rows shown in the table view."
    ),
    max_file_mb: float = typer.Option(
        64.0, "--max-file-mb", min=0.001, help="Files larger than this are not read."
    ),
    include_hidden: bool = typer.Option(
        False, "--include-hidden", help="Also scan hidden files and folders."
    ),
) -> None:
    """Run SQL over the measurements of SOURCE."""
    if as_json and as_csv:
        raise UsageError("--json and --csv exclude each other", hint="pick one")
    options = build_options(max_file_mb, include_hidden, None)
    frame = _run_query(source, sql, options)
    if as_json:
        typer.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif as_csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        console.print(_table(frame, limit))


def _run_query(source: Path, sql: str, options: IngestOptions) -> pd.DataFrame:
    """DuckDB scans Parquet where it lies: a folder is ingested to a temporary
    file, a saved Parquet dataset is read in place; a CSV dataset is loaded."""
    if source.is_dir():
        with ingested_file(source, options) as (path, inventory):
            return query(path, sql, inventory)
    if source.suffix.lower() == ".parquet" and source.exists():
        return query(source, sql, load_inventory(source))
    dataset, inventory = load_dataset(source, options)
    return query(dataset, sql, inventory)


def _table(frame: pd.DataFrame, limit: int) -> Table:
    table = Table(show_edge=False)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.head(limit).itertuples(index=False):
        table.add_row(*("" if _missing(value) else str(value) for value in row))
    if len(frame) > limit:
        table.caption = f"{limit} of {len(frame):,} rows (use --limit, --json or --csv)"
    return table


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def register(app: typer.Typer) -> None:
    """Add ``chimera query`` to the application."""
    app.command("query")(query_command)
