"""Renderings: Markdown or text files that repeat the numbers of a data file.

Tools often write the same report twice, as data and as a document
(optimum-benchmark's ``benchmark_report.json`` beside ``benchmark_report.md``,
``.txt`` and a ``benchmark.log`` that prints it). A Markdown or text file whose
non-zero numbers nearly all equal, within the rounding shown, numbers of the
structured files (CSV, TSV, JSON, JSON Lines) in the same folder is a rendering:
its rows are set aside and the inventory says which files it repeats.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import PurePosixPath

import numpy as np
import pyarrow as pa

from chimera.ingest.inventory import RecordDuplicate
from chimera.ingest.units import parse_number

_STRUCTURED = frozenset({"csv", "tsv", "json", "jsonl"})
_RENDERED = frozenset({"md", "txt"})
# Share of a document's non-zero numbers that must be found in the data files.
_SHARE = 0.9
# Fewer numbers than this are no evidence either way.
_MIN_VALUES = 5


def renderings(
    files: list[str], read: Callable[[str], pa.Table], kinds: dict[str, str]
) -> tuple[set[str], list[RecordDuplicate]]:
    """The files that render their folder's data, and what the inventory says.

    ``read`` gives a file's table; only folders holding both documents and data
    files are read.
    """
    folders: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rel in files:
        kind = kinds.get(rel, "")
        group = "data" if kind in _STRUCTURED else "text" if kind in _RENDERED else ""
        if group:
            folders[str(PurePosixPath(rel).parent)][group].append(rel)
    dropped: set[str] = set()
    notes: list[RecordDuplicate] = []
    for members in folders.values():
        if not members["data"] or not members["text"]:
            continue
        pool = np.sort(np.concatenate([_numbers(read(rel)) for rel in members["data"]]))
        if pool.size == 0:
            continue
        source = ", ".join(sorted(members["data"])[:3])
        for rel in members["text"]:
            if _is_rendering(read(rel), pool):
                dropped.add(rel)
                notes.append(
                    RecordDuplicate(
                        path=rel, duplicate_of=source, records=0, rule="rendering"
                    )
                )
    return dropped, notes


def _texts(table: pa.Table) -> list[str]:
    return [text for text in table["original_value"].to_pylist() if text is not None]


def _numbers(table: pa.Table) -> np.ndarray:
    values = [_as_float(text) for text in _texts(table)]
    return np.array([value for value in values if value is not None], dtype=float)


def _is_rendering(table: pa.Table, pool: np.ndarray) -> bool:
    """Nearly all non-zero numbers of ``table`` appear, as rounded, in ``pool``.

    Zeros are no evidence (every file has some), so they are not counted.
    """
    numbers = [text for text in _texts(table) if _as_float(text)]
    if len(numbers) < _MIN_VALUES:
        return False
    matched = sum(1 for text in numbers if _matches(text, pool))
    return matched >= _SHARE * len(numbers)


def _matches(text: str, pool: np.ndarray) -> bool:
    value = _as_float(text)
    if value is None:
        return False
    token = text.strip().split()[0]
    decimals = len(token.split(".", 1)[1].rstrip("%)")) if "." in token else 0
    tolerance = 0.5 * 10.0**-decimals + 1e-9
    position = int(np.searchsorted(pool, value))
    near = pool[max(0, position - 1) : position + 1]
    return bool(near.size) and bool(np.min(np.abs(near - value)) <= tolerance)


def _as_float(text: str) -> float | None:
    parsed = parse_number(text)
    return parsed.value if parsed is not None else None
