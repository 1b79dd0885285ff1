"""Finding the numbers a text claims, with their units and written precision.

Verification needs every figure a model wrote, but not every digit is a figure:
dates, clock times, section and list numbers, and digits inside names
(``gemma3:1b-it-qat``, ``q4_0``, ``RUN-3``, file names) are not claims about the
data. This module finds the rest, reads units written after them ("0.1289 s",
"45 tok/s", "75%") and converts them to a canonical unit so that 0.1289 s and
128.9 ms compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Written unit -> (canonical unit, factor to the canonical unit). None: a plain count.
_UNITS: dict[str, tuple[str | None, float]] = {
    "ns": ("ms", 1e-6),
    "nanoseconds": ("ms", 1e-6),
    "µs": ("ms", 1e-3),
    "μs": ("ms", 1e-3),
    "us": ("ms", 1e-3),
    "microseconds": ("ms", 1e-3),
    "ms": ("ms", 1.0),
    "msec": ("ms", 1.0),
    "millisecond": ("ms", 1.0),
    "milliseconds": ("ms", 1.0),
    "s": ("ms", 1000.0),
    "sec": ("ms", 1000.0),
    "secs": ("ms", 1000.0),
    "second": ("ms", 1000.0),
    "seconds": ("ms", 1000.0),
    "min": ("ms", 60_000.0),
    "mins": ("ms", 60_000.0),
    "minute": ("ms", 60_000.0),
    "minutes": ("ms", 60_000.0),
    "hours": ("ms", 3_600_000.0),
    "tok/s": ("tok/s", 1.0),
    "tok/sec": ("tok/s", 1.0),
    "tokens/s": ("tok/s", 1.0),
    "tokens/sec": ("tok/s", 1.0),
    "token/s": ("tok/s", 1.0),
    "tokens per second": ("tok/s", 1.0),
    "t/s": ("tok/s", 1.0),
    "tps": ("tok/s", 1.0),
    "req/s": ("req/s", 1.0),
    "requests/s": ("req/s", 1.0),
    "%": ("%", 1.0),
    "percent": ("%", 1.0),
    "bytes": ("MB", 1e-6),
    "B": ("MB", 1e-6),
    "KB": ("MB", 1e-3),
    "kB": ("MB", 1e-3),
    "KiB": ("MB", 1.024e-3),
    "MB": ("MB", 1.0),
    "MiB": ("MB", 1.048576),
    "GB": ("MB", 1e3),
    "GiB": ("MB", 1073.741824),
    "x": ("x", 1.0),
    "×": ("x", 1.0),
    "k": (None, 1e3),
    "K": (None, 1e3),
}

_UNIT_PATTERN = "|".join(
    re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True)
)

# A figure: not glued to a name, path, id or version on the left; an optional unit
# on the right; never followed by more letters or digits ("8b", "2D", "1.2.3").
_NUMBER = re.compile(
    r"(?<![\w.:/\\#])(?<![A-Za-z_]-)"
    r"(?P<sign>[-−+])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    rf"(?:(?P<space>[ \u00a0]?)(?P<unit>{_UNIT_PATTERN}))?"
    r"(?![\w]|\.\d|:\d)"
)

# Nouns that make a number a count ("in 2048 tokens"), never a year.
_COUNT_NOUNS = r"tokens?|files?|runs?|rows?|configs?|requests?|measurements?|records?"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
    r"|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Spans that are dates, times, section numbers or list ordinals: never claims.
_NOT_CLAIMS = [
    re.compile(
        r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
        r"(?:Z|[+-]\d{2}:?\d{2})?)?"
    ),
    re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    re.compile(r"\b(?:19|20)\d{6}(?:[-_T]\d{4,6})?\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"),
    re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}})?"),
    re.compile(rf"\b{_MONTH}\.?\s+\d{{4}}\b"),
    re.compile(
        r"\b(?:in|since|by|from|until|till|during|year|early|late|mid)\s+"
        r"(?:19|20)\d{2}\b(?!\s*(?:" + _UNIT_PATTERN + "|" + _COUNT_NOUNS + r")\b)",
        re.IGNORECASE,
    ),
    re.compile(r"(?m)^[ \t>]*(?:#+[ \t]*)?(?:[-*+][ \t]+)?\(?\d+(?:\.\d+)*[.)](?=\s)"),
    re.compile(
        r"\b(?:section|sec\.|table|figure|fig\.|step|phase|stage|appendix|chapter"
        r"|part|item|finding|recommendation|risk|option|priority|rank|no\.|"
        r"number|tier|level)\s*#?\d+(?:\.\d+)*\b",
        re.IGNORECASE,
    ),
    re.compile(r"§\s*\d+(?:\.\d+)*|\(\d{1,2}\)"),
]


@dataclass(frozen=True)
class NumberMention:
    """One figure in a text. ``value`` is as written; ``canonical`` in ``unit``."""

    start: int
    end: int
    raw: str
    value: float
    decimals: int
    significant: int
    unit: str | None
    scale: float

    @property
    def canonical(self) -> float:
        return self.value * self.scale

    @property
    def tolerance(self) -> float:
        """Half a unit of the last written digit, in the canonical unit."""
        return 0.5 * 10.0 ** (-self.decimals) * self.scale


def excluded_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that hold dates, times, section numbers or ordinals."""
    spans = [m.span() for pattern in _NOT_CLAIMS for m in pattern.finditer(text)]
    return sorted(spans)


def find_numbers(text: str) -> list[NumberMention]:
    """Every figure in ``text`` that is a claim, in order.

    >>> found = find_numbers("TTFT 0.1289 s, 45 tok/s on 2025-10-08")
    >>> [(m.value, m.unit, round(m.canonical, 6)) for m in found]
    [(0.1289, 'ms', 128.9), (45.0, 'tok/s', 45.0)]
    >>> [m.value for m in find_numbers("1. gemma3:1b-it-qat at num_ctx=2048 (RUN-3)")]
    [2048.0]
    """
    skip = excluded_spans(text)
    mentions = []
    for match in _NUMBER.finditer(text):
        if _inside(match.start("num"), skip):
            continue
        mentions.append(_mention(match))
    return mentions


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _mention(match: re.Match[str]) -> NumberMention:
    digits = match.group("num").replace(",", "")
    sign = -1.0 if match.group("sign") in {"-", "−"} else 1.0
    written_unit = match.group("unit")
    unit, scale = _UNITS.get(written_unit, (None, 1.0)) if written_unit else (None, 1.0)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return NumberMention(
        start=match.start(),
        end=match.end(),
        raw=match.group(0),
        value=sign * float(digits),
        decimals=decimals,
        significant=_significant_digits(digits),
        unit=unit,
        scale=scale,
    )


def _significant_digits(digits: str) -> int:
    """Significant digits as written: '0.0450' has 3, '2048' has 4, '0' has 1."""
    stripped = digits.replace(".", "").lstrip("0")
    return max(len(stripped), 1)


def canonical_unit(unit: str | None) -> tuple[str | None, float]:
    """The canonical unit and factor for a unit as a fact or dataset states it."""
    if unit is None or unit in {"", "count", "tokens"}:
        return None, 1.0
    return _UNITS.get(unit, (unit, 1.0))
