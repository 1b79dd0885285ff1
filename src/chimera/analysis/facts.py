"""Facts: the computed statements an agent reasons over, each with an id and sources.

A fact is one line a model can read ("RUN-2: gemma3:latest throughput over 36 runs:
mean 101.99 tok/s ...") plus the exact numbers behind it, so that anything the model
writes can be checked against them. Ids are stable for a given dataset: they are
assigned in a deterministic order of kind and key, never from dict or hash order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chimera.analysis.figures import NumberMention, find_numbers


class FactKind(StrEnum):
    """What a fact is about; the value is also the prefix of its id."""

    INVENTORY = "INV"
    COVERAGE = "COV"
    GAP = "GAP"
    RUNS = "RUN"
    BEST = "BEST"
    EFFECT = "EFF"
    FAILURES = "FAIL"
    CONFIG = "CFG"


# Facts about the files themselves (a collector's focus) versus about the measurements.
INVENTORY_KINDS = frozenset({FactKind.INVENTORY, FactKind.COVERAGE, FactKind.GAP})


@dataclass(frozen=True)
class Quantity:
    """One number a fact states, in the unit it is stated in (None: a plain count)."""

    value: float
    unit: str | None = None


@dataclass(frozen=True)
class MetricStats:
    """Centre and spread of one metric for one model (and config, when set)."""

    model: str
    config: str | None
    metric: str
    unit: str
    runs: int
    mean: float
    median: float
    p95: float
    minimum: float
    maximum: float
    best_config: str | None = None
    worst_config: str | None = None


@dataclass(frozen=True)
class Fact:
    """A computed statement. ``tier`` orders importance: 0 is kept first."""

    id: str
    kind: FactKind
    text: str
    quantities: tuple[Quantity, ...] = ()
    sources: tuple[str, ...] = ()
    tier: int = 5
    weight: float = 0.0
    stats: MetricStats | None = None

    def line(self, max_sources: int = 1) -> str:
        """The fact as the model sees it: id, statement, its main source file.

        Sources cost prompt tokens and small models do nothing with them, so one
        is shown; the report's appendix lists them all.
        """
        shown = ", ".join(self.sources[:max_sources])
        more = len(self.sources) - max_sources
        if more > 0:
            shown += f" +{more} more"
        return f"{self.id}: {self.text}" + (f" [{shown}]" if shown else "")


@dataclass(frozen=True)
class Digest:
    """Every fact computed for one artifact tree, in id order."""

    facts: tuple[Fact, ...]
    dataset_rows: int = 0

    def __post_init__(self) -> None:
        ids = [fact.id for fact in self.facts]
        if len(ids) != len(set(ids)):
            raise ValueError("fact ids must be unique within a digest")

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(fact.id for fact in self.facts)

    def get(self, fact_id: str) -> Fact | None:
        return next((fact for fact in self.facts if fact.id == fact_id), None)

    def of_kind(self, *kinds: FactKind) -> list[Fact]:
        return [fact for fact in self.facts if fact.kind in kinds]

    def performance_rows(self) -> list[MetricStats]:
        """Per-model metric summaries: the rows of the Performance Analysis table."""
        return [
            fact.stats
            for fact in self.facts
            if fact.kind is FactKind.RUNS and fact.stats is not None
        ]


Figure = float | tuple[float, str | None]


class FactBuilder:
    """Collects facts in order and hands out ``KIND-n`` ids, one counter per kind.

    Every number written in a fact's text is also recorded as a quantity (as
    written, with its unit), so a model that copies a figure from the text, or
    from a config name or error message inside it, is checked against it.
    """

    def __init__(self) -> None:
        self._next: dict[FactKind, int] = {}
        self._facts: list[Fact] = []

    def add(
        self,
        kind: FactKind,
        text: str,
        figures: Sequence[Figure] = (),
        *,
        sources: Sequence[str] = (),
        tier: int = 5,
        weight: float = 0.0,
        stats: MetricStats | None = None,
    ) -> Fact:
        number = self._next.get(kind, 0) + 1
        self._next[kind] = number
        quantities = [_quantity(figure) for figure in figures]
        quantities += [_written(mention) for mention in find_numbers(text)]
        fact = Fact(
            id=f"{kind.value}-{number}",
            kind=kind,
            text=text,
            quantities=tuple(quantities),
            sources=tuple(sources),
            tier=tier,
            weight=weight,
            stats=stats,
        )
        self._facts.append(fact)
        return fact

    def facts(self) -> tuple[Fact, ...]:
        return tuple(self._facts)


def _quantity(figure: Figure) -> Quantity:
    if isinstance(figure, tuple):
        value, unit = figure
        return Quantity(float(value), unit or None)
    return Quantity(float(figure))


def _written(mention: NumberMention) -> Quantity:
    """A figure parsed from a fact's own text, in its canonical unit."""
    return Quantity(mention.canonical, mention.unit)


def fmt_num(value: float) -> str:
    """A number as facts state it: short, no thousands separators, no exponent.

    >>> [fmt_num(v) for v in (36.0, 101.99401, 1209.44, 0.12891, -3.5)]
    ['36', '101.99', '1209.4', '0.129', '-3.50']
    """
    if not math.isfinite(value):
        raise ValueError(f"facts never state non-finite numbers, got {value!r}")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_qty(value: float, unit: str | None) -> str:
    """A number with its unit as facts state it ("101.99 tok/s", "36")."""
    if unit is None or unit in {"count", ""}:
        return fmt_num(value)
    if unit == "%":
        return f"{fmt_num(value)}%"
    return f"{fmt_num(value)} {unit}"
