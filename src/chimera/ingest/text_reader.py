"""Metrics in plain text: console logs, ``.txt`` reports, bullets in Markdown.

Lines such as ``eval rate: 67.11 tokens/s``, ``- Throughput: 40.88 tok/s`` or
``+ max_ram: 5534.73 (MB)`` are measurements; ``model_name = mistral:7b`` sets
the model for the lines after it; ``+ decode:`` opens a section that names the
indented lines below it. Log prefixes and ANSI colours are removed first. A
line is kept only when its label names a known metric or its value carries a
unit, so numbers in prose ("runs analyzed: 37") do not become metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from chimera.ingest.fileresult import FileReport, Unusable
from chimera.ingest.records import Cell, FlatRecord, absorb
from chimera.ingest.rows import RecordContext
from chimera.ingest.units import parse_number, strip_markup
from chimera.ingest.vocabulary import Field, classify, normalize

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LOG_PREFIX = re.compile(
    r"^(?:\[[^\]]{0,80}\]\s*)+(?:- )?"
    r"|^\d{4}-\d{2}-\d{2}[ T][\d:.,]+\s*(?:[-|]\s*)?"
    r"(?:(?:DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s*[-:|]?\s*)?"
)
# "label: value", "label = value" or "label：value"; a plain colon must be followed
# by a space, so model tags ("gemma2:9b") and URLs are not split.
_KEY_VALUE = re.compile(
    r"^(?P<indent>[\t ]*)(?:[-*+•]\s+|\d+[.)]\s+)?"
    r"(?P<label>[^:=：|{}\[\]]{1,80}?)\s*(?P<sep>:(?=\s|$)|[=：])"
    r"\s*(?P<value>.*?)\s*$"
)
_AGGREGATE = re.compile(r"^(?:average|mean|avg)\s+of\s+(?P<label>.+)$", re.IGNORECASE)
_TITLE = re.compile(r"^[A-Za-z][A-Za-z0-9 ()/_-]*$")
_SETTINGS_TITLES = frozenset(
    {"parameters", "settings", "configuration", "config", "options", "arguments"}
)
_VERDICT_LABELS = frozenset({"result_is", "result", "run_status", "verdict"})
_BAD_VERDICTS = frozenset({"INVALID", "FAILED", "FAIL", "ERROR"})
_CONTEXT_ROLES = frozenset(
    {"model", "model_hint", "quantization", "backend", "config", "param", "timestamp"}
)


@dataclass
class LineExtractor:
    """Reads measurements line by line, keeping the running context."""

    rel: str
    base: RecordContext
    context: RecordContext = field(init=False)
    sections: list[tuple[int, str]] = field(default_factory=list)
    labels_seen: set[str] = field(default_factory=set)
    # Plain-text reports only: a title line ("Test Parameters Used") opens a
    # block, and a settings block's lines are settings, not measurements.
    titles: bool = False
    # The report's own verdict on the run ("Result is : INVALID").
    verdict: str | None = None

    def __post_init__(self) -> None:
        self.context = self.base.child()

    def feed(
        self, raw: str, number: int, parents: tuple[str, ...] = ()
    ) -> FlatRecord | None:
        """The measurement on line ``number``, or None (context lines update state)."""
        if ":" not in raw and "=" not in raw and "：" not in raw and not self.titles:
            return None  # no "label: value" or "label = value" on this line
        if "\x1b" in raw:
            raw = _ANSI.sub("", raw)
        line = _LOG_PREFIX.sub("", raw).rstrip()
        line = line.replace("**", "").replace("__", "")
        if not line.strip() or line.lstrip()[:1] in "{}\"'[":
            return None
        match = _KEY_VALUE.match(line)
        if match is None:
            if self.titles:
                self._title(line.strip())
            return None
        label = strip_markup(match.group("label")).strip(" *`_")
        value = strip_markup(match.group("value"))
        indent = len(match.group("indent").expandtabs(4))
        if not label:
            return None
        if not value:
            self._open_section(indent, label)
            return None
        while self.sections and self.sections[-1][0] > indent:
            self.sections.pop()
        scope = (*parents, *(name for _, name in self.sections))
        return self._value_line(label, value, scope, number)

    def _title(self, line: str) -> None:
        words = line.split()
        if not words or len(words) > 8 or not _TITLE.match(line):
            return
        lowered = {word.lower() for word in words}
        self.sections = [(-1, "parameters")] if lowered & _SETTINGS_TITLES else []

    def _open_section(self, indent: int, label: str) -> None:
        while self.sections and self.sections[-1][0] >= indent:
            self.sections.pop()
        self.sections.append((indent, label))

    def _value_line(
        self, label: str, value: str, scope: tuple[str, ...], number: int
    ) -> FlatRecord | None:
        verdict = value.strip().upper()
        if normalize(label) in _VERDICT_LABELS and verdict in _BAD_VERDICTS:
            self.verdict = f"run marked {value.strip()} ({label})"
            return None
        info = classify(label, scope)
        parsed = parse_number(value)
        if parsed is None or info.role in ("model", "quantization", "backend"):
            if info.role in _CONTEXT_ROLES:
                self._set_context(info, value)
            return None
        reading = info.role == "metric" or (
            info.target == "temperature" and (parsed.unit or "").endswith("C")
        )
        if not reading:
            if info.role in _CONTEXT_ROLES:
                absorb(self.context, info, value)
            return None
        if info.role == "metric" and not (info.target or parsed.unit or info.unit):
            return None
        if self._is_repeated_average(label):
            return None
        self.labels_seen.add(normalize(label))
        locator = f"line {number}"
        cell = Cell(label, value, locator, scope)
        return FlatRecord(
            f"{self.rel}#{locator}", [cell], self.context.child(), observe_times=False
        )

    def _set_context(self, info: Field, value: str) -> None:
        """A new model starts a new block: averages refer to its lines only."""
        before = self.context.model
        absorb(self.context, info, value)
        if self.context.model != before:
            self.labels_seen.clear()

    def _is_repeated_average(self, label: str) -> bool:
        """ "Average of eval rate" repeats the eval-rate lines already read."""
        match = _AGGREGATE.match(label)
        return match is not None and normalize(match.group("label")) in self.labels_seen


def read_text(
    text: str, rel: str, base: RecordContext, report: FileReport
) -> Iterator[FlatRecord]:
    """Measurements of a ``.txt`` / ``.log`` file."""
    extractor = LineExtractor(rel, base, titles=True)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        record = extractor.feed(line, number)
        if record is not None:
            records.append(record)
    if not records:
        raise Unusable("no table or metrics found")
    for record in records:
        # The verdict may come after the numbers it judges (MLPerf's summary).
        record.failure = record.failure or extractor.verdict
    yield from records
