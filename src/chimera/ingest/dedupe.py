"""Counting each measurement once, however many files repeat it.

Three rules, applied in order:

1. **Byte-identical files** (same SHA-256) are read once: the first path in
   sorted order is ingested, the others are listed as duplicates.
2. **Repeated records.** Tools write the same run twice: vLLM's sweep
   ``summary.json`` lists its ``run=N.json`` files; optimum-benchmark's
   ``benchmark.json`` wraps ``benchmark_report.json``; a CSV and a JSON export of
   the same results sit side by side. Each record, and each nested object of a
   JSON record, is fingerprinted by its (name, number) pairs. When a whole record
   of one file equals a record or nested object of another file in the same
   folder or a folder above or below it, it is kept once: in the file that holds
   it as a whole record, then the file with fewer records (the more specific
   one), then tables before JSON before text, then by path.
3. **Renderings.** A Markdown or text file whose numbers are (within the shown
   rounding) the numbers of the structured files in its folder, such as a
   ``benchmark_report.md`` beside ``benchmark_report.json``, repeats them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from chimera.ingest.inventory import DuplicateGroup, RecordDuplicate
from chimera.ingest.scan import FileEntry
from chimera.ingest.units import parse_number

_TYPE_RANK = {"csv": 0, "tsv": 0, "jsonl": 1, "json": 2, "md": 3, "txt": 4}
_STRUCTURED = frozenset({"csv", "tsv", "json", "jsonl"})
_RENDERED = frozenset({"md", "txt"})
_RENDERING_SHARE = 0.9
_RENDERING_MIN_VALUES = 5


def byte_duplicates(files: list[FileEntry]) -> list[DuplicateGroup]:
    """Groups of byte-identical files; only files of equal size are hashed."""
    by_size: dict[int, list[FileEntry]] = defaultdict(list)
    for entry in files:
        if entry.size > 0 and not entry.too_large:
            by_size[entry.size].append(entry)
    groups: list[DuplicateGroup] = []
    for size, entries in by_size.items():
        if len(entries) < 2:
            continue
        by_hash: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            digest = _sha256(entry)
            if digest is not None:
                by_hash[digest].append(entry.rel)
        groups.extend(
            DuplicateGroup(sha256=digest, bytes=size, paths=sorted(paths))
            for digest, paths in by_hash.items()
            if len(paths) > 1
        )
    return sorted(groups, key=lambda group: group.paths[0])


def _sha256(entry: FileEntry) -> str | None:
    digest = hashlib.sha256()
    try:
        with entry.path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """One record (prefix "") or nested object of a file, by its values."""

    rel: str
    record_id: str
    prefix: str
    values: int
    digest: str


def repeated_records(
    prints: list[Fingerprint], records_per_file: dict[str, int], kinds: dict[str, str]
) -> tuple[list[tuple[str, str]], list[RecordDuplicate]]:
    """(record_id, prefix) pairs to drop, and what the inventory says about them."""
    groups: dict[str, list[Fingerprint]] = defaultdict(list)
    for fingerprint in prints:
        groups[fingerprint.digest].append(fingerprint)
    drops: dict[tuple[str, str], str] = {}
    for members in groups.values():
        if len({member.rel for member in members}) < 2:
            continue
        if not any(member.prefix == "" for member in members):
            continue
        keeper = min(members, key=lambda m: _rank(m, records_per_file, kinds))
        for member in members:
            if member.rel != keeper.rel and _related(member.rel, keeper.rel):
                drops.setdefault((member.record_id, member.prefix), keeper.rel)
    kept = _outermost(drops)
    return list(kept), _summaries(kept)


def _rank(
    member: Fingerprint, records_per_file: dict[str, int], kinds: dict[str, str]
) -> tuple[int, int, int, str]:
    return (
        0 if member.prefix == "" else 1,
        records_per_file.get(member.rel, 0),
        _TYPE_RANK.get(kinds.get(member.rel, ""), 9),
        member.rel,
    )


def _related(one: str, other: str) -> bool:
    """Same folder, or one folder inside the other."""
    first, second = PurePosixPath(one).parent, PurePosixPath(other).parent
    return first == second or first in second.parents or second in first.parents


def _outermost(drops: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """A dropped object inside an already dropped one needs no entry of its own."""
    kept: dict[tuple[str, str], str] = {}
    for (record_id, prefix), keeper in sorted(drops.items()):
        covered = any(
            other_id == record_id
            and (other_prefix == "" or prefix.startswith(other_prefix + "."))
            for other_id, other_prefix in kept
        )
        if not covered:
            kept[(record_id, prefix)] = keeper
    return kept


def _summaries(drops: dict[tuple[str, str], str]) -> list[RecordDuplicate]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (record_id, _prefix), keeper in drops.items():
        counts[(record_id.split("#", 1)[0], keeper)] += 1
    return [
        RecordDuplicate(path=path, duplicate_of=keeper, records=count, rule="record")
        for (path, keeper), count in sorted(counts.items())
    ]


def drop_records(frame: pd.DataFrame, drops: list[tuple[str, str]]) -> pd.DataFrame:
    """``frame`` without the rows of dropped records and nested objects."""
    if not drops:
        return frame
    whole = {record_id for record_id, prefix in drops if prefix == ""}
    mask = frame["record_id"].isin(whole).to_numpy(dtype=bool, copy=True)
    nested = [(record_id, prefix) for record_id, prefix in drops if prefix]
    if nested:
        record_ids = frame["record_id"].astype(str)
        names = frame["original_name"].astype(str)
        for record_id, prefix in nested:
            in_record = (record_ids == record_id).to_numpy(dtype=bool)
            mask |= in_record & names.str.startswith(prefix + ".").to_numpy(dtype=bool)
    return frame.loc[~mask]


def renderings(
    frame: pd.DataFrame, kinds: dict[str, str]
) -> tuple[set[str], list[RecordDuplicate]]:
    """Markdown / text files that repeat the numbers of their folder's data files."""
    folders: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rel, kind in kinds.items():
        group = "structured" if kind in _STRUCTURED else "rendered" if kind in _RENDERED else ""
        if group:
            folders[str(PurePosixPath(rel).parent)][group].append(rel)
    dropped: set[str] = set()
    notes: list[RecordDuplicate] = []
    for members in folders.values():
        if not members["structured"] or not members["rendered"]:
            continue
        pool = _numbers(frame, members["structured"])
        if pool.size == 0:
            continue
        for rel in members["rendered"]:
            if _is_rendering(frame, rel, pool):
                dropped.add(rel)
                source = ", ".join(sorted(members["structured"])[:3])
                notes.append(
                    RecordDuplicate(
                        path=rel, duplicate_of=source, records=0, rule="rendering"
                    )
                )
    return dropped, notes


def _numbers(frame: pd.DataFrame, files: list[str]) -> np.ndarray:
    texts = frame.loc[frame["source_file"].isin(files), "original_value"].dropna()
    values = [_as_float(text) for text in texts.astype(str)]
    return np.sort(np.array([v for v in values if v is not None], dtype=float))


def _is_rendering(frame: pd.DataFrame, rel: str, pool: np.ndarray) -> bool:
    """Most non-zero numbers of ``rel`` appear, as rounded, among ``pool``.

    Zeros are no evidence (every file has some), so they are not counted.
    """
    texts = frame.loc[frame["source_file"] == rel, "original_value"].dropna().astype(str)
    numbers = [text for text in texts if _as_float(text)]
    if len(numbers) < _RENDERING_MIN_VALUES:
        return False
    matched = sum(1 for text in numbers if _matches(text, pool))
    return matched >= _RENDERING_SHARE * len(numbers)


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
