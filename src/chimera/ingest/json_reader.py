"""JSON and JSON Lines: lenient parsing, truncated files, and documents to records.

Python's ``json`` accepts ``NaN`` and ``Infinity`` (written by ``json.dump``),
which is what several benchmark tools emit. A JSON array cut off by a crashed
run (llama-bench ``-o json``) is reported as truncated and its complete
elements are salvaged, marked partial. JSON Lines are read one line at a time,
so one bad line costs that line only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from chimera.ingest.fileresult import FileReport, Unusable
from chimera.ingest.json_records import JsonWalker
from chimera.ingest.records import FlatRecord

logger = logging.getLogger(__name__)

_DECODER = json.JSONDecoder()
TRUNCATED = "truncated JSON (unexpected end of data)"


def read_json(
    text: str, walker: JsonWalker, report: FileReport
) -> Iterator[FlatRecord]:
    """Records of a ``.json`` file (falls back to JSON Lines when it is one)."""
    try:
        document = json.loads(text)
    except RecursionError as error:
        raise Unusable("JSON nested too deeply to read") from error
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and _looks_like_lines(text):
            report.notes.append("JSON Lines content in a .json file; read line by line")
            yield from read_json_lines(text, walker, report)
            return
        yield from _truncated_or_invalid(text, error, walker, report)
        return
    _check_not_empty(document)
    yield from walker.document(document)


def read_json_lines(
    text: str, walker: JsonWalker, report: FileReport
) -> Iterator[FlatRecord]:
    """Records of a JSON Lines file; bad lines are counted, not fatal."""
    bad: list[int] = []
    good = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            bad.append(number)
            continue
        good += 1
        yield from walker.line(value, number)
    if bad:
        _report_bad_lines(text, bad, good, report)


def _report_bad_lines(text: str, bad: list[int], good: int, report: FileReport) -> None:
    if not good:
        raise Unusable(f"not JSON Lines (no line parses; first bad line {bad[0]})")
    last = len(text.splitlines())
    if bad == [last] and not text.endswith("\n"):
        report.partial = f"{TRUNCATED}: the last line (line {last}) is cut off"
        return
    shown = ", ".join(str(number) for number in bad[:5])
    report.notes.append(f"{len(bad)} lines are not valid JSON (lines {shown})")


def _looks_like_lines(text: str) -> bool:
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    return len(lines) > 1 and all(line.lstrip()[:1] in "{[" for line in lines)


def _check_not_empty(document: object) -> None:
    if document == []:
        raise Unusable("no records (empty JSON array)")
    if document == {}:
        raise Unusable("no records (empty JSON object)")
    if not isinstance(document, (dict, list)):
        raise Unusable("no records (the document is a single value)")


def _truncated_or_invalid(
    text: str, error: json.JSONDecodeError, walker: JsonWalker, report: FileReport
) -> Iterator[FlatRecord]:
    stripped = text.rstrip()
    truncated = error.msg.startswith("Unterminated string") or error.pos >= len(
        stripped
    )
    if not truncated:
        raise Unusable(
            f"invalid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        )
    salvaged = _salvage_array(stripped)
    if not salvaged:
        raise Unusable(f"{TRUNCATED}; nothing could be salvaged")
    report.partial = (
        f"{TRUNCATED}; {len(salvaged)} complete records salvaged, marked partial"
    )
    walker.partial = True
    yield from walker.document(salvaged)


def _salvage_array(text: str) -> list[object]:
    """The complete elements at the front of a top-level array that was cut off."""
    if not text.startswith("["):
        return []
    items: list[object] = []
    position = 1
    while position < len(text):
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            item, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        items.append(item)
    return items
