"""Tables (from CSV blocks or Markdown) turned into flat records.

Two shapes occur. *Wide* tables hold one run per row and one field per column
(``timestamp,model,tokens_s,...``). *Long* tables hold one metric per row with
its statistics in columns (AIPerf's ``Metric,avg,min,max,...,p99,std``,
``Metric,Value``, optimum-benchmark's ``| metric | value | unit |``); all rows of
a long table describe one run. Header rows repeated inside the data (files
written in append mode) are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from chimera.ingest.records import Cell, FlatRecord
from chimera.ingest.rows import RecordContext
from chimera.ingest.units import DecimalMark, column_decimal_mark, strip_markup
from chimera.ingest.vocabulary import normalize, stat_word

_LABEL_COLUMNS = frozenset(
    {"metric", "metrics", "name", "measure", "statistic", "key", "field", "item"}
)
_VALUE_COLUMNS = frozenset({"value", "values", "result", "val"})
_UNIT_COLUMNS = frozenset({"unit", "units"})


@dataclass
class Table:
    """A header and its data rows, each row with the line it starts on."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    first_line: int
    parents: tuple[str, ...] = ()
    dropped_headers: int = 0
    ragged_rows: int = 0


@dataclass(frozen=True)
class LongLayout:
    """Where a long table keeps its labels, units, values and row context."""

    label: int
    unit: int | None
    values: dict[int, str | None]  # column -> statistic (None: a plain value)
    context: list[int] = field(default_factory=list)


def long_layout(header: list[str]) -> LongLayout | None:
    """The long layout of ``header``, or None for a wide table."""
    keys = [normalize(strip_markup(cell)) for cell in header]
    labels = [index for index, key in enumerate(keys) if key in _LABEL_COLUMNS]
    if not labels:
        return None
    label = labels[0]
    unit = next((i for i, key in enumerate(keys) if key in _UNIT_COLUMNS), None)
    values: dict[int, str | None] = {}
    context: list[int] = []
    for index, key in enumerate(keys):
        if index in (label, unit):
            continue
        if key in _VALUE_COLUMNS:
            values[index] = None
        elif stat_word(key) is not None:
            values[index] = stat_word(key)
        else:
            context.append(index)
    if not values or len(context) > len(values):
        return None
    return LongLayout(label, unit, values, context)


def clean_rows(table: Table) -> Table:
    """Drop rows that repeat the header; pad or cut rows to the header's width.

    Rows are cleaned in place, each replacing the one it was made from, so a
    large table is never held twice.
    """
    header = [cell.strip() for cell in table.header]
    width = len(header)
    rows, lines = table.rows, table.lines
    kept = 0
    for index in range(len(rows)):
        cells = [cell.strip() for cell in rows[index]]
        rows[index] = cells
        if cells == header:
            table.dropped_headers += 1
            continue
        if len(cells) != width:
            table.ragged_rows += 1
            cells = (cells + [""] * width)[:width]
        rows[kept], lines[kept] = cells, lines[index]
        kept += 1
    del rows[kept:], lines[kept:]
    table.header = header
    return table


def records_from_table(
    table: Table,
    rel: str,
    base: RecordContext,
    delimiter: str = ",",
    observe_times: bool = True,
) -> Iterator[FlatRecord]:
    """One record per row (wide) or one per table and row context (long)."""
    layout = long_layout(table.header)
    if layout is not None:
        yield from _long_records(table, layout, rel, base, observe_times)
        return
    decimals = _decimals(table, delimiter)
    for index, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        locator = f"line {line}"
        cells = [
            Cell(name, value, locator, table.parents)
            for name, value in zip(table.header, row, strict=True)
            if name or value
        ]
        # Each row is read once: let its text go as soon as its record is done.
        table.rows[index] = []
        yield FlatRecord(
            f"{rel}#{locator}",
            cells,
            base,
            decimals=decimals,
            observe_times=observe_times,
        )


def _decimals(table: Table, delimiter: str) -> dict[str, DecimalMark]:
    """Decimal commas anywhere make the whole table European: then a dot groups
    thousands in every column (``1.024`` is 1024)."""
    if delimiter == ",":
        return {}
    for index in range(len(table.header)):
        column = [row[index] for row in table.rows[:200]]
        if column_decimal_mark(column, delimiter) == ",":
            return dict.fromkeys(table.header, ",")
    return {}


def _long_records(
    table: Table, layout: LongLayout, rel: str, base: RecordContext, observe: bool
) -> Iterator[FlatRecord]:
    groups: dict[tuple[str, ...], list[Cell]] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        key = tuple(row[index] for index in layout.context)
        cells = groups.setdefault(key, [])
        if not cells:
            cells.extend(
                Cell(table.header[index], row[index], f"line {line}", table.parents)
                for index in layout.context
            )
        label = row[layout.label]
        unit = row[layout.unit] if layout.unit is not None else None
        for index, stat in layout.values.items():
            cells.append(
                Cell(
                    label, row[index], f"line {line}", table.parents, unit or None, stat
                )
            )
    # Every long table of a file describes the same run (AIPerf writes its
    # per-request and run-level tables into one export), so they share one id.
    for key, cells in groups.items():
        suffix = f" {'/'.join(key)}" if key else ""
        yield FlatRecord(f"{rel}#tables{suffix}", cells, base, observe_times=observe)
