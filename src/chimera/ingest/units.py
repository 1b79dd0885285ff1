"""Numbers and units as benchmark tools write them, and their canonical forms.

Artifacts write the same quantity many ways: ``12.3 ms``, ``0.0123`` under a
``_s`` column, ``5534.73 (MB)``, ``1,234.5``, ``12,5`` in a semicolon CSV,
``45 tok/s``, ``2 000``, ``1.5k``. This module turns such text into a float plus
the unit as written, and converts a value into the canonical unit of its
dimension (time -> ms, token rates -> tok/s, sizes -> MB), keeping the original
beside it. Text that holds two numbers (``1 2``) is no number at all, never the
first of them.

>>> parse_number("1,234.5 ms")
ParsedNumber(value=1234.5, unit='ms', rest='')
>>> parse_number("1.5k tok/s")
ParsedNumber(value=1500.0, unit='tok/s', rest='')
>>> convert(2.5, "s", "ms")
2500.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

DecimalMark = Literal[".", ","]

# Unit as written (lower-cased, spaces squeezed) -> (dimension, factor to canonical).
_UNITS: dict[str, tuple[str, float]] = {}


def _add(dimension: str, factor: float, *names: str) -> None:
    for name in names:
        _UNITS[name] = (dimension, factor)


_add("time", 1.0, "ms", "msec", "msecs", "millisecond", "milliseconds")
_add("time", 1000.0, "s", "sec", "secs", "second", "seconds")
_add("time", 0.001, "us", "µs", "μs", "usec", "microsecond", "microseconds")
_add("time", 1e-6, "ns", "nsec", "nanosecond", "nanoseconds")
_add("time", 60000.0, "min", "mins", "minute", "minutes")
_add("tok_rate", 1.0, "tok/s", "tokens/s", "token/s", "tokens/sec", "tok/sec")
_add("tok_rate", 1.0, "t/s", "tps", "tokens per second", "tokens/second", "toks/s")
_add("tok_rate", 1.0, "tokens_per_s", "tokens_per_second", "tok_per_s")
_add("tok_rate", 1 / 60, "tok/min", "tokens/min", "token/min", "toks/min")
_add("tok_rate", 1 / 60, "tokens/minute", "tokens per minute", "tok/minute")
_add("tok_rate_user", 1.0, "tokens/sec/user", "tok/s/user", "tokens/s/user")
_add("req_rate", 1.0, "req/s", "requests/sec", "requests/s", "qps", "rps")
_add("req_rate", 1.0, "requests per second", "queries/sec", "queries/s")
# Not "rpm": that is a fan's revolutions per minute (see _UNIT_WORDS_OK).
_add("req_rate", 1 / 60, "req/min", "requests/min", "requests/minute", "queries/min")
_add("req_rate", 1 / 60, "requests per minute")
_add("sample_rate", 1.0, "samples/s", "samples/sec", "it/s", "iterations/s")
_add("bytes", 1e-6, "b", "byte", "bytes")
_add("bytes", 1e-3, "kb", "kilobytes")
_add("bytes", 1.0, "mb", "megabytes")
_add("bytes", 1e3, "gb", "gigabytes")
_add("bytes", 1e6, "tb")
_add("bytes", 1024 / 1e6, "kib")
_add("bytes", 1024**2 / 1e6, "mib")
_add("bytes", 1024**3 / 1e6, "gib")
_add("pct", 1.0, "%", "pct", "percent")
_add("power", 1.0, "w", "watt", "watts")
_add("temp", 1.0, "c", "°c", "celsius", "degc")
_add("tokens", 1.0, "tokens", "token", "tok", "toks")
_add("count", 1.0, "count", "-", "requests", "req", "n")

# Canonical unit name of each dimension, as written in the dataset's ``unit``.
CANONICAL_UNIT: dict[str, str] = {
    "time": "ms",
    "tok_rate": "tok/s",
    "tok_rate_user": "tok/s",
    "req_rate": "req/s",
    "sample_rate": "samples/s",
    "bytes": "MB",
    "pct": "%",
    "power": "W",
    "temp": "C",
    "tokens": "tokens",
    "count": "count",
}

# Spaces that group thousands: "2 000", and the no-break and thin spaces.
_GROUP_SPACES = " \u00a0\u202f\u2009"
# A leading number: digits with optional grouping marks, decimals and exponent.
# Space-grouped digits come in threes only ("12 500", not "1 2").
_NUMBER = re.compile(
    r"^\s*(?P<num>[-+]?"
    rf"(?:\d{{1,3}}(?:[{_GROUP_SPACES}]\d{{3}})+(?:[.,]\d+)?|\d[\d,.']*\d|\d)"
    r"(?:[eE][-+]?\d+)?)(?P<rest>.*)$",
    re.DOTALL,
)
# Go's durations of a minute or more (Ollama's --verbose): "1m2.0435s", "1h3m5s".
_GO_DURATION = re.compile(r"^\s*(?:(?P<h>\d+)h)?(?P<m>\d+)m(?P<s>\d+(?:\.\d+)?)s\s*$")
# A thousand written right after the digits: "1.5k" tok/s. "512M" and "8G" are
# left alone: in memory columns they mean megabytes and gigabytes, not 1e6.
_MAGNITUDES = {"k": 1e3, "K": 1e3}
# A unit right after the number: "(MB)", "ms", "tok/s", "°C", "%".
_UNIT = re.compile(
    r"^\s*(?:\((?P<paren>[^()]{1,24})\)|(?P<word>[%°A-Za-zµμ][\w°µμ/%.]*"
    r"(?:\s*/\s*[A-Za-z]+)*))(?P<rest>.*)$",
    re.DOTALL,
)
_PER_TIME = re.compile(
    r"^\s*per\s+(?:(?P<second>second|sec|s)|minute|min)\b", re.IGNORECASE
)
# Words accepted as units although they have no conversion (kept as written).
_UNIT_WORDS_OK = frozenset({"mhz", "ghz", "rpm", "ratio", "x", "fps", "flops"})
_MISSING = frozenset(
    {"", "n/a", "na", "nan", "none", "null", "-", "--", "—", "?", "n.a.", "#n/a"}
)
_NONFINITE = frozenset({"inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"})
_MARKUP = re.compile(r"\*\*|__|~~|`")


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text: the value, the unit right after it, the rest."""

    value: float
    unit: str | None
    rest: str


def is_missing(text: str) -> bool:
    """True for the many ways a cell says "no value" (empty, N/A, null, -)."""
    return text.strip().lower() in _MISSING


def is_nonfinite_text(text: str) -> bool:
    """True for written infinities ("inf", "Infinity") and NaN."""
    lowered = text.strip().lower()
    return lowered in _NONFINITE or lowered == "nan"


def strip_markup(text: str) -> str:
    """Drop Markdown emphasis and code marks: ``**0.651**`` -> ``0.651``.

    Single underscores inside words (``q4_0``, ``mean_ttft_ms``) are kept.
    """
    if "*" not in text and "_" not in text and "~" not in text and "`" not in text:
        # Most cells hold no markup; skip the pattern for them.
        return text.strip()
    text = _MARKUP.sub("", text).strip()
    if len(text) > 2 and text[0] == text[-1] and text[0] in "*_":
        text = text[1:-1].strip()
    return text


def unit_dimension(unit: str | None) -> str | None:
    """The dimension of a written unit ("ms" -> "time"), None when unknown."""
    if not unit:
        return None
    key = _unit_key(unit)
    found = _UNITS.get(key)
    if found is None and key.endswith("/user"):
        found = _UNITS.get("tokens/sec/user") if "tok" in key else None
    return found[0] if found else None


def convert(value: float, unit: str | None, canonical: str) -> float | None:
    """``value`` in ``unit`` expressed in ``canonical``; None when they do not mix."""
    if unit is None:
        return value
    factor = _factor(unit, canonical)
    return None if factor is None else value * factor


@lru_cache(maxsize=4096)
def _unit_key(unit: str) -> str:
    """A written unit as looked up: lower-cased, brackets and extra spaces gone."""
    return " ".join(unit.strip().strip("()[]").lower().split())


@lru_cache(maxsize=4096)
def _factor(unit: str, canonical: str) -> float | None:
    """The factor from ``unit`` to ``canonical``, None when they do not mix.

    Cached: a tree writes a handful of units, each on many cells.
    """
    key = _unit_key(unit)
    found = _UNITS.get(key)
    if found is None:
        return 1.0 if key == canonical.lower() else None
    dimension, factor = found
    if CANONICAL_UNIT.get(dimension) != canonical:
        return None
    return factor


def parse_number(text: str, decimal: DecimalMark = ".") -> ParsedNumber | None:
    """Read a leading number and its unit from ``text``; None when there is none.

    ``decimal`` says which mark separates decimals in this column; the other one
    groups thousands, as do spaces between groups of three digits. A number
    followed by a dash, colon or slash (``2025-10-02``, ``12:30``) or by another
    number (``1 2``) is rejected, so dates and lists never become values.

    >>> parse_number("2 000")
    ParsedNumber(value=2000.0, unit=None, rest='')
    >>> parse_number("600 tok/min")
    ParsedNumber(value=600.0, unit='tok/min', rest='')
    >>> parse_number("1 2") is None
    True
    """
    go = _GO_DURATION.match(text)
    if go is not None:
        return _go_duration(go)
    match = _NUMBER.match(text)
    if match is None:
        return None
    value = _to_float(match.group("num"), decimal)
    rest = match.group("rest")
    if value is None or rest[:1] in ("-", ":", "/"):
        return None
    value, rest = _magnitude(value, rest)
    if rest.lstrip()[:1].isdigit():
        return None
    unit, rest = _leading_unit(rest)
    if unit is not None and unit.lower() in ("tokens", "tok"):
        per = _PER_TIME.match(rest)
        if per is not None:
            unit = "tok/s" if per.group("second") else "tok/min"
            rest = rest[per.end() :]
    return ParsedNumber(value, unit, rest.strip())


def _go_duration(match: re.Match[str]) -> ParsedNumber:
    """Seconds of a Go duration text."""
    hours, minutes, seconds = match.group("h", "m", "s")
    total = float(hours or 0) * 3600 + float(minutes) * 60 + float(seconds)
    return ParsedNumber(total, "s", "")


def _magnitude(value: float, rest: str) -> tuple[float, str]:
    """Apply a magnitude letter written right after the digits: ``1.5k``.

    The letter must end the word, so units that start with one (``45kB``,
    ``3GB``) and letters after a space (``3 GB``, ``12 ms``) are left to the unit.
    """
    factor = _MAGNITUDES.get(rest[:1])
    if factor is None or (len(rest) > 1 and not rest[1].isspace()):
        return value, rest
    return value * factor, rest[1:]


def _leading_unit(rest: str) -> tuple[str | None, str]:
    match = _UNIT.match(rest)
    if match is None:
        return None, rest
    unit = match.group("paren") or match.group("word")
    known = unit_dimension(unit) is not None or unit.lower() in _UNIT_WORDS_OK
    if not known and match.group("paren") is None:
        # A word that is no unit ("GPU", "runs") stays in the rest.
        return None, rest
    return unit.strip(), match.group("rest")


def _to_float(token: str, decimal: DecimalMark) -> float | None:
    for mark in (*_GROUP_SPACES, "'"):
        token = token.replace(mark, "")
    has_comma, has_dot = "," in token, "." in token
    if has_comma and has_dot:
        # Whichever mark comes last separates decimals; the other groups thousands.
        if token.rfind(",") > token.rfind("."):
            token = token.replace(".", "").replace(",", ".")
        else:
            token = token.replace(",", "")
    elif has_comma:
        normalized = _comma_only(token, decimal)
        if normalized is None:
            return None
        token = normalized
    elif has_dot and (token.count(".") > 1 or decimal == ","):
        if _grouped(token, "."):
            token = token.replace(".", "")
        elif token.count(".") > 1:
            return None
    try:
        return float(token)
    except ValueError:
        return None


def _comma_only(token: str, decimal: DecimalMark) -> str | None:
    if token.count(",") == 1 and (decimal == "," or not _grouped(token, ",")):
        return token.replace(",", ".")
    if _grouped(token, ","):
        return token.replace(",", "")
    return None


def _grouped(token: str, mark: str) -> bool:
    """True for digit groups of three after the first: 1,234,567."""
    head, *groups = token.lstrip("+-").split(mark)
    return 1 <= len(head) <= 3 and all(len(g) == 3 and g.isdigit() for g in groups)


def column_decimal_mark(cells: list[str], delimiter: str) -> DecimalMark:
    """Decide whether a column writes decimals with a comma (``12,5``).

    Only a delimiter other than the comma allows bare decimal commas; a cell like
    ``12,5`` or ``0,25`` (not a group of three digits) settles it.
    """
    if delimiter == ",":
        return "."
    for cell in cells:
        head, sep, tail = cell.strip().partition(",")
        digits = head.lstrip("+-")
        if sep and digits.isdigit() and tail[:1].isdigit():
            tail_digits = re.match(r"\d+", tail)
            if tail_digits and (len(tail_digits.group()) != 3 or digits == "0"):
                return ","
    return "."
