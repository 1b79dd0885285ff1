"""Timestamps found inside the data, normalised for sorting and display.

Copied trees lose file modification times, so the inventory also reports the
earliest and latest date-times written inside CSV and JSON files. Values with a
zone are converted to UTC; naive values are taken as written (the tools that
write them rarely say which zone they meant).

>>> parse_timestamp("2025-10-08T16:29:55.590582+00:00").display
'2025-10-08T16:29:55Z'
>>> parse_timestamp("20250607-101500", time_name=True).iso
'2025-06-07T10:15:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})[-_T](\d{2})(\d{2})(\d{2})$")
_EPOCH_TEXT = re.compile(r"^\d{9,13}(?:\.\d+)?$")
# Plausible epochs (2001 .. 2096) in seconds and in milliseconds.
_EPOCH_S = (1.0e9, 4.0e9)
_EPOCH_MS = (1.0e12, 4.0e12)


@dataclass(frozen=True)
class Timestamp:
    """One parsed date-time: ISO text, a sortable naive value, and whether it had
    a zone (then the sortable value is UTC)."""

    iso: str
    sortable: datetime
    aware: bool

    @property
    def display(self) -> str:
        text = self.sortable.strftime("%Y-%m-%dT%H:%M:%S")
        return f"{text}Z" if self.aware else text


def looks_like_datetime(text: str) -> bool:
    """A cheap test run on every string cell before the real parse."""
    return len(text) >= 16 and text[4:5] == "-" and text[:4].isdigit()


@lru_cache(maxsize=4096)
def parse_timestamp(value: object, *, time_name: bool = False) -> Timestamp | None:
    """An ISO date-time string; with ``time_name`` also compact dates and epochs.

    ``time_name`` says the value sits under a name like ``timestamp`` or ``date``,
    which makes ``20250607-101500`` or ``1759098967.2`` safe to read as times.
    """
    if isinstance(value, str):
        text = value.strip()
        if looks_like_datetime(text) and _ISO.match(text):
            return _from_iso(text)
        compact = _COMPACT.match(text) if time_name else None
        if compact:
            return _from_parts(*(int(part) for part in compact.groups()))
        if time_name and _EPOCH_TEXT.match(text):
            return _from_epoch(float(text))  # a CSV cell holds epochs as text
        return None
    if time_name and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    return None


def _from_iso(text: str) -> Timestamp | None:
    try:
        moment = datetime.fromisoformat(text.replace(",", "."))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return Timestamp(moment.isoformat(), moment, aware=False)
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return Timestamp(moment.isoformat(), utc, aware=True)


def _from_parts(
    year: int, month: int, day: int, hour: int, minute: int, second: int
) -> Timestamp | None:
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return Timestamp(moment.isoformat(), moment, aware=False)


def _from_epoch(seconds: float) -> Timestamp | None:
    if _EPOCH_MS[0] <= seconds <= _EPOCH_MS[1]:
        seconds /= 1000.0
    if not _EPOCH_S[0] <= seconds <= _EPOCH_S[1]:
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    return Timestamp(moment.isoformat(), moment.replace(tzinfo=None), aware=True)


def is_epoch(value: float) -> bool:
    """True for numbers that read as a Unix time in seconds or milliseconds."""
    return _EPOCH_S[0] <= value <= _EPOCH_S[1] or _EPOCH_MS[0] <= value <= _EPOCH_MS[1]
