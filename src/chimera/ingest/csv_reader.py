"""CSV and TSV files: dialect, blocks, repeated headers, then records.

The delimiter is sniffed (comma, semicolon, tab, pipe) from the first lines by
which one gives the most rows of one consistent width. Line endings are made
``\n`` first (old Mac exports end lines with a bare ``\r``); quoted newlines are
kept by the ``csv`` module. A file may hold several tables separated by blank lines
(AIPerf's export holds three with different headers); a table whose header has
no rows under it is reported as missing telemetry, not as an error.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from chimera.ingest.fileresult import FileReport, Unusable
from chimera.ingest.records import FlatRecord
from chimera.ingest.rows import RecordContext
from chimera.ingest.tables import Table, clean_rows, records_from_table
from chimera.ingest.units import parse_number

if TYPE_CHECKING:
    import _csv

logger = logging.getLogger(__name__)

_DELIMITERS = (",", ";", "\t", "|")
_EXCEL_SEPARATOR = re.compile(r"^\ufeff?sep=(.)[ \t]*\n", re.IGNORECASE)
_SNIFF_LINES = 40
_SNIFF_CHARS = 32768


def sniff_delimiter(text: str, kind: str) -> str:
    """The delimiter that splits the first lines into the most equal-width rows."""
    if kind == "tsv":
        return "\t"
    head = text[:_SNIFF_CHARS]
    sample = head.splitlines()[:_SNIFF_LINES]
    best, best_score = ",", 0
    for delimiter in _DELIMITERS:
        if delimiter not in head:
            continue  # every row would be one cell wide
        widths = _row_widths(sample, delimiter)
        if not widths:
            continue  # no rows, or not parseable this way (the full read says why)
        width, count = Counter(widths).most_common(1)[0]
        if width > 1 and count > best_score:
            best, best_score = delimiter, count
    return best


def _row_widths(lines: list[str], delimiter: str) -> list[int] | None:
    try:
        return [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
    except csv.Error:
        return None


def normalize_newlines(text: str) -> str:
    r"""Every line ending as ``\n``: CRLF (Windows) and bare CR (old Mac) too.

    The ``csv`` module stops at a bare ``\r`` in an unquoted field.

    >>> normalize_newlines("a,b\rJ,12\r\nK,13\n")
    'a,b\nJ,12\nK,13\n'
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_csv(
    text: str, rel: str, kind: str, base: RecordContext, report: FileReport
) -> Iterator[FlatRecord]:
    """Records of every table in a CSV/TSV text; findings go to ``report``."""
    text = normalize_newlines(text)
    declared = _EXCEL_SEPARATOR.match(text)
    if declared:
        # Excel's "sep=;" line names the delimiter; blank it, keeping line numbers.
        delimiter, text = declared.group(1), "\n" + text[declared.end() :]
    else:
        delimiter = sniff_delimiter(text, kind)
    tables = list(_tables(text, delimiter))
    if not tables:
        raise Unusable("no table or metrics found")
    if all(not table.rows for table in tables):
        raise Unusable("no data rows (header only)")
    if all(len(table.header) == 1 for table in tables) and not any(
        _is_data_row(row) for table in tables for row in table.rows
    ):
        raise Unusable("no table or metrics found (one column of text)")
    for table in tables:
        _note(table, report)
        yield from records_from_table(table, rel, base, delimiter)


def _note(table: Table, report: FileReport) -> None:
    where = f"table at line {table.first_line}"
    if table.dropped_headers:
        report.notes.append(
            f"header row repeated ({table.dropped_headers} rows dropped, {where})"
        )
    if table.ragged_rows:
        report.notes.append(
            f"{table.ragged_rows} rows with a different number of cells ({where})"
        )
    if not table.rows:
        columns = ", ".join(table.header[:6])
        report.missing_telemetry.append(
            f"{where} has a header ({columns}, ...) but no data rows"
        )


def _tables(text: str, delimiter: str) -> Iterator[Table]:
    """Split the rows into tables at blank lines; continue a table when a block
    after a blank line has the same width and starts with data, not a header."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        current: Table | None = None
        for block in _blocks(text, delimiter):
            first_row = block[0][0]
            if current is not None and _continues(current, first_row):
                _extend(current, block)
                continue
            if current is not None:
                yield clean_rows(current)
            current = _start_table(block)
        if current is not None:
            yield clean_rows(current)
    finally:
        csv.field_size_limit(limit)


def _blocks(text: str, delimiter: str) -> Iterator[list[tuple[list[str], int]]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    block: list[tuple[list[str], int]] = []
    line = 1
    for row in _checked(reader):
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            if block:
                yield block
                block = []
            continue
        block.append((row, start))
    if block:
        yield block


def _checked(reader: _csv.Reader) -> Iterator[list[str]]:
    """The reader's rows; a malformed file is unusable with one line saying why."""
    try:
        yield from reader
    except csv.Error as error:
        line = reader.line_num
        raise Unusable(f"not a valid CSV: {error} (line {line})") from None


def _start_table(block: list[tuple[list[str], int]]) -> Table:
    (header, line), rest = block[0], block[1:]
    header = [cell.replace("\ufeff", "").strip() for cell in header]
    if _is_data_row(header):
        names = [f"column_{index}" for index in range(1, len(header) + 1)]
        return Table(names, [row for row, _ in block], [n for _, n in block], line)
    return Table(header, [row for row, _ in rest], [n for _, n in rest], line)


def _continues(table: Table, first_row: list[str]) -> bool:
    cells = [cell.strip() for cell in first_row]
    if cells == [cell.strip() for cell in table.header]:
        return True
    return len(cells) == len(table.header) and _is_data_row(cells)


def _extend(table: Table, block: list[tuple[list[str], int]]) -> None:
    for row, line in block:
        table.rows.append(row)
        table.lines.append(line)


def _is_data_row(cells: list[str]) -> bool:
    """A row of mostly numbers is data; a header row is mostly names."""
    filled = [cell for cell in cells if cell.strip()]
    numeric = sum(1 for cell in filled if parse_number(cell) is not None)
    return bool(filled) and numeric * 2 > len(filled)
