"""A sorted index of known values, for "is this figure any of them?" in log time.

A digest holds a few thousand numbers and a dataset can hold hundreds of
thousands; checking each figure a model wrote against all of them one by one
would be quadratic. Values are kept sorted per canonical unit, plus one list over
every unit for figures written without a unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

ANY_UNIT = "*"


class ValueIndex:
    """Sorted values per canonical unit, each with where it came from.

    >>> index = ValueIndex([(128.9, "ms", "RUN-1"), (101.994, "tok/s", "RUN-2")])
    >>> index.find(102.0, 0.5, "tok/s"), index.find(102.0, 0.5, "ms")
    ('RUN-2', None)
    >>> index.find(128.9, 0.05, None)
    'RUN-1'
    """

    def __init__(self, entries: Iterable[tuple[float, str | None, str]]) -> None:
        grouped: dict[str | None, list[tuple[float, str]]] = {}
        for value, unit, origin in entries:
            if math.isfinite(value):
                grouped.setdefault(unit, []).append((value, origin))
                grouped.setdefault(ANY_UNIT, []).append((value, origin))
        self._values: dict[str | None, np.ndarray] = {}
        self._origins: dict[str | None, list[str]] = {}
        for unit, items in grouped.items():
            items.sort(key=lambda item: item[0])
            self._values[unit] = np.array([value for value, _ in items], dtype=float)
            self._origins[unit] = [origin for _, origin in items]

    def find(self, value: float, tolerance: float, unit: str | None) -> str | None:
        """Origin of a value within ``tolerance`` of ``value``; any unit for None."""
        key = ANY_UNIT if unit is None else unit
        values = self._values.get(key)
        if values is None:
            return None
        # Float noise: 0.1 + 0.2 must still match 0.3 at zero decimals of slack.
        slack = tolerance + 1e-9 * max(1.0, abs(value))
        low = int(np.searchsorted(values, value - slack, side="left"))
        if low < len(values) and values[low] <= value + slack:
            return self._origins[key][low]
        return None
