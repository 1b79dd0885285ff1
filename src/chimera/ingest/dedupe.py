"""Counting each measurement once, however many files repeat it.

Three rules, applied in order (the third lives in ``renderings``):

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

import pyarrow as pa
import pyarrow.compute as pc

from chimera.ingest.fingerprints import (
    Fingerprint,
    RecordIdentity,
    identities_agree,
)
from chimera.ingest.inventory import DuplicateGroup, RecordDuplicate
from chimera.ingest.scan import FileEntry

_TYPE_RANK = {"csv": 0, "tsv": 0, "jsonl": 1, "json": 2, "md": 3, "txt": 4}


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
class Member:
    """One record (prefix "") or nested object of a file, by its values."""

    rel: str
    record_id: str
    prefix: str
    values: int
    digest: int
    identity: RecordIdentity


# One file's fingerprints (see ``RowSink.fingerprints``).
FilePrints = list[Fingerprint]


def repeated_records(
    prints: dict[str, FilePrints],
    records_per_file: dict[str, int],
    kinds: dict[str, str],
) -> tuple[dict[str, list[tuple[str, str]]], list[RecordDuplicate]]:
    """Per file, the (record_id, prefix) pairs to drop; and the inventory's note."""
    # Only digests seen in two files can be repeats; most records are unique.
    seen: dict[int, str] = {}
    shared: set[int] = set()
    for rel, file_prints in prints.items():
        for _record, _prefix, _values, digest, _identity in file_prints:
            if seen.setdefault(digest, rel) != rel:
                shared.add(digest)
    del seen
    groups: dict[int, list[Member]] = defaultdict(list)
    for rel, file_prints in prints.items():
        for local, prefix, values, digest, identity in file_prints:
            if digest in shared:
                member = Member(rel, f"{rel}#{local}", prefix, values, digest, identity)
                groups[digest].append(member)
    drops: dict[tuple[str, str, str], str] = {}
    for members in groups.values():
        if len({member.rel for member in members}) < 2:
            continue
        if not any(member.prefix == "" for member in members):
            continue
        keeper = min(members, key=lambda m: _rank(m, records_per_file, kinds))
        for member in members:
            if (
                member.rel != keeper.rel
                and _related(member.rel, keeper.rel)
                and identities_agree(member.identity, keeper.identity)
            ):
                key = (member.rel, member.record_id, member.prefix)
                drops.setdefault(key, keeper.rel)
    kept = _outermost(drops)
    per_file: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rel, record_id, prefix in kept:
        per_file[rel].append((record_id, prefix))
    return dict(per_file), _summaries(kept)


def _rank(
    member: Member, records_per_file: dict[str, int], kinds: dict[str, str]
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


Drop = tuple[str, str, str]  # (file, record id, name prefix; "" = whole record)


def _outermost(drops: dict[Drop, str]) -> dict[Drop, str]:
    """A dropped object inside an already dropped one needs no entry of its own."""
    kept: dict[Drop, str] = {}
    for (rel, record_id, prefix), keeper in sorted(drops.items()):
        covered = any(
            other_id == record_id
            and (other_prefix == "" or prefix.startswith(other_prefix + "."))
            for _rel, other_id, other_prefix in kept
        )
        if not covered:
            kept[(rel, record_id, prefix)] = keeper
    return kept


def _summaries(drops: dict[Drop, str]) -> list[RecordDuplicate]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (rel, _record_id, _prefix), keeper in drops.items():
        counts[(rel, keeper)] += 1
    return [
        RecordDuplicate(path=path, duplicate_of=keeper, records=count, rule="record")
        for (path, keeper), count in sorted(counts.items())
    ]


def drop_records(table: pa.Table, drops: list[tuple[str, str]]) -> pa.Table:
    """``table`` (one file's rows) without dropped records and nested objects."""
    if not drops:
        return table
    record_ids = table["record_id"].cast(pa.string())
    whole = [record_id for record_id, prefix in drops if prefix == ""]
    mask = pc.is_in(record_ids, value_set=pa.array(whole, type=pa.string()))
    names = table["original_name"].cast(pa.string())
    for record_id, prefix in drops:
        if prefix:
            inside = pc.and_(
                pc.equal(record_ids, record_id), pc.starts_with(names, prefix + ".")
            )
            mask = pc.or_(mask, inside)
    return table.filter(pc.invert(pc.fill_null(mask, False)))
