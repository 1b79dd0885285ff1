"""Fingerprints of records: what recognises the same run written twice.

Tools write one run in several files (a sweep's ``summary.json`` lists its
``run=N.json`` files; a CSV and a JSON export of the same results sit side by
side). Each record, and each nested object of a JSON record, is fingerprinted by
its (name, number) pairs; ``dedupe`` compares the fingerprints of the whole tree.
They are kept for every record of the tree, so they are kept small.
"""

from __future__ import annotations

import hashlib
from typing import cast

from chimera.ingest.sink_fields import (
    RECORD_CONFIG,
    RECORD_ID,
    RECORD_MODEL,
    RECORD_MODEL_SOURCE,
    ROW_NAME,
    ROW_NUMBER,
    ROW_RECORD,
    ROW_STATUS,
)

# A record's model (when its data names one) and its settings, None where unknown.
RecordIdentity = tuple[object, ...]
# (record id after "file#", name prefix ("" = the whole record), values, digest,
# identity).
Fingerprint = tuple[str, str, int, int, RecordIdentity]


def record_fingerprints(
    source_file: str,
    records: list[tuple[object, ...]],
    rows: list[tuple[object, ...]],
) -> list[Fingerprint]:
    """Fingerprints of the records ``rows`` measure (a sink's tuples).

    Hashes cover (name relative to the prefix, original number) pairs of the ok
    measurements; JSON records also get one per nested object, so a file that
    wraps another file's record (``{"config":…, "report":…}``) is found.
    """
    payloads: dict[tuple[str, str], list[tuple[str, str]]] = {}
    identities: dict[str, RecordIdentity] = {}
    shared: dict[RecordIdentity, RecordIdentity] = {}
    # A record's rows follow one another: look its id up once per run of rows.
    last: object = None
    record_id, whole = "", []
    for row in rows:
        record, number = row[ROW_RECORD], row[ROW_NUMBER]
        if row[ROW_STATUS] != "ok" or number is None:
            continue
        text, name = repr(number), str(row[ROW_NAME])
        if record != last:
            values = records[cast(int, record)]
            last, record_id = record, str(values[RECORD_ID])
            identity = record_identity(values)
            identities.setdefault(record_id, shared.setdefault(identity, identity))
            whole = payloads.setdefault((record_id, ""), [])
        whole.append((name, text))
        if "." not in name:
            continue
        parts = name.split(".")
        for cut in range(1, len(parts)):
            prefix, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
            payloads.setdefault((record_id, prefix), []).append((rest, text))
    skip = len(source_file) + 1
    return [
        (record_id[skip:], prefix, len(items), _digest(items), identities[record_id])
        for (record_id, prefix), items in payloads.items()
        if len(items) >= 2
    ]


def record_identity(values: tuple[object, ...]) -> RecordIdentity:
    """What tells one run from another besides its numbers: the model its data
    names (a model guessed from a path is too loose to tell runs apart) and
    its settings."""
    model = values[RECORD_MODEL] if values[RECORD_MODEL_SOURCE] == "data" else None
    return (model, *values[RECORD_CONFIG])


def identities_agree(one: RecordIdentity, other: RecordIdentity) -> bool:
    """Whether two records may be the same run: no field known on both sides
    differs."""
    pairs = zip(one, other, strict=True)
    return all(a is None or b is None or a == b for a, b in pairs)


def _digest(items: list[tuple[str, str]]) -> int:
    text = "\n".join(f"{name}={number}" for name, number in sorted(items))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
