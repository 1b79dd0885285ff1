"""Inventory facts: what files the tree holds, what is missing, what could not be read.

The inventory already states its findings as short lines (totals per type,
directory coverage, timestamps, duplicates, unusable files, gaps). Each line
becomes one fact, so the counts a collector agent repeats are the inventory's own,
and the numbers in them are recorded for verification like any other fact.
"""

from __future__ import annotations

from typing import Protocol

from chimera.analysis.facts import FactBuilder, FactKind

# Lines after these many are kept only when the context has room for them.
HEADLINE_LINES = 4
SOURCE = "inventory"


class InventoryLike(Protocol):
    """What the digest needs from an ingestion inventory."""

    def summary_lines(self, max_paths: int = 5) -> list[str]: ...


def inventory_facts(
    builder: FactBuilder, inventory: InventoryLike, max_paths: int = 3
) -> None:
    """One fact per inventory summary line; the first few are kept first."""
    for position, raw in enumerate(inventory.summary_lines(max_paths=max_paths)):
        line = " ".join(raw.split())
        if not line:
            continue
        kind = _kind(line)
        tier = 0 if position < HEADLINE_LINES else 1 if kind is FactKind.GAP else 2
        builder.add(kind, line, sources=(SOURCE,), tier=tier, weight=-position)


def _kind(line: str) -> FactKind:
    """Gaps and coverage are told apart from plain counts for ranking."""
    lowered = line.lower()
    if any(word in lowered for word in ("gap", "missing", "without", "unusable")):
        return FactKind.GAP
    if any(word in lowered for word in ("director", "coverage", "expected")):
        return FactKind.COVERAGE
    return FactKind.INVENTORY
