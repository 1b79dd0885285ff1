"""Markdown reports: pipe tables, metric bullets, and the headings around them.

Hand-written and generated reports are rarely clean GFM: a table header glued
to the end of a bullet or a sentence, the next heading glued to the last table
row, several headings merged on one line. A table is recognised by its
``| --- |`` separator row, which fixes the number of columns; whatever precedes
the header cells on that line, or follows the last cell of a row, is read as
ordinary text. Headings give context (``# decode:`` / ``## latency:``) to the
tables and bullets below them; fenced code blocks are skipped. A table without a
model column measured the model its nearest heading names, when it names exactly
one ("# Parameter sweep — SmolLM2-135M-Instruct (Q4_1)").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from chimera.ingest.fileresult import FileReport, Unusable
from chimera.ingest.names import models_in_text, quantization_from_text
from chimera.ingest.records import FlatRecord
from chimera.ingest.rows import RecordContext
from chimera.ingest.tables import Table, clean_rows, records_from_table
from chimera.ingest.text_reader import LineExtractor

# GFM needs one hyphen per cell; llama-bench writes "| --: |" for narrow columns.
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MERGED_HEADING = re.compile(r"\s+(?=#{1,6}\s+\S)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def read_markdown(
    text: str, rel: str, base: RecordContext, report: FileReport
) -> Iterator[FlatRecord]:
    """Records of every table and metric line of a Markdown file."""
    lines = text.splitlines()
    extractor = LineExtractor(rel, base)
    headings: list[tuple[int, str]] = []
    found = tables = 0
    index, fenced = 0, False
    while index < len(lines):
        line, number = lines[index], index + 1
        if _FENCE.match(line):
            fenced = not fenced
            index += 1
            continue
        if fenced:
            index += 1
            continue
        if index + 1 < len(lines) and _is_separator(lines[index + 1]):
            table, prefix, leftover, index = _read_table(lines, index, headings)
            tables += 1
            for piece, at in ((prefix, number), (leftover, index)):
                for record in _text_pieces(piece, at, extractor, headings):
                    found += 1
                    yield record
            context = _heading_context(base, headings)
            for record in records_from_table(table, rel, context, observe_times=False):
                found += 1
                yield record
            continue
        for record in _text_pieces(line, number, extractor, headings):
            found += 1
            yield record
        index += 1
    if not found:
        reason = "no table or metrics found" if not tables else "tables hold no metrics"
        raise Unusable(reason)


def _text_pieces(
    line: str,
    number: int,
    extractor: LineExtractor,
    headings: list[tuple[int, str]],
) -> Iterator[FlatRecord]:
    """Split merged headings off a line, then read each piece."""
    if not line.strip():
        return
    # Most lines are prose without a '#': no heading to split off.
    pieces = _MERGED_HEADING.split(line) if "#" in line else (line,)
    for piece in pieces:
        heading = _HEADING.match(piece)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).rstrip(":").strip()
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, title))
            extractor.sections.clear()
            continue
        record = extractor.feed(piece, number, tuple(title for _, title in headings))
        if record is not None:
            yield record


def _is_separator(line: str) -> bool:
    """``| --- | --: |``; the substring test skips the regex on prose lines."""
    return "-" in line and "|" in line and _SEPARATOR.match(line) is not None


def _heading_context(
    base: RecordContext, headings: list[tuple[int, str]]
) -> RecordContext:
    """``base`` with the model the nearest model-naming heading names.

    A model column in the table, or a model the data set, still wins: the
    heading ranks with file and folder names.
    """
    if base.model_source == "data":
        return base
    for _, title in reversed(headings):
        models = models_in_text(title)
        if not models:
            continue
        if len(models) > 1:
            return base
        context = base.child()
        context.model, context.model_source = models[0], "name"
        context.quantization = base.quantization or quantization_from_text(title)
        return context
    return base


def _read_table(
    lines: list[str], index: int, headings: list[tuple[int, str]]
) -> tuple[Table, str, str, int]:
    """The table whose header is on line ``index``; returns (table, text before
    the header, text glued after the last row, next line index)."""
    width = len(_cells(lines[index + 1]))
    prefix, header = _split_header(lines[index], width)
    table = Table(
        header, [], [], index + 1, parents=tuple(title for _, title in headings)
    )
    position, leftover = index + 2, ""
    piped = lines[index + 1].lstrip().startswith("|")
    while position < len(lines) and _is_row(lines, position, piped):
        cells, leftover = _split_row(lines[position], width)
        table.rows.append(cells)
        table.lines.append(position + 1)
        position += 1
        if leftover:
            break
    return clean_rows(table), prefix, leftover, position


def _is_row(lines: list[str], position: int, piped: bool) -> bool:
    """A table row; not the header of the next table (its separator follows)."""
    line = lines[position]
    if "|" not in line or (piped and not line.lstrip().startswith("|")):
        return False
    return not (position + 1 < len(lines) and _SEPARATOR.match(lines[position + 1]))


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    return [cell.strip() for cell in body.split("|")]


def _split_header(line: str, width: int) -> tuple[str, list[str]]:
    """Header cells are the last ``width`` cells; anything before is prose."""
    body = line.rstrip()
    body = body[:-1] if body.endswith("|") else body
    parts = body.split("|")
    if len(parts) <= width:
        return "", [cell.strip() for cell in _cells(line)][:width]
    head = parts[-width:]
    prefix = "|".join(parts[:-width]).strip()
    return prefix, [cell.strip() for cell in head]


def _split_row(line: str, width: int) -> tuple[list[str], str]:
    """A row's cells, and any text glued after its last cell.

    A row that ends with a pipe keeps extra pipes inside its last cell; one that
    does not has its first ``width`` cells taken and the rest read as text.
    """
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    if body.endswith("|"):
        parts = body[:-1].split("|")
        if len(parts) > width:
            parts = [*parts[: width - 1], "|".join(parts[width - 1 :])]
        return [part.strip() for part in parts], ""
    parts = body.split("|")
    if len(parts) > width:
        return [part.strip() for part in parts[:width]], "|".join(parts[width:]).strip()
    return [part.strip() for part in parts], ""
