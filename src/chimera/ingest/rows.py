"""One file's measurements, collected row by row and turned into an Arrow table.

A record (one run) carries the same model, configuration and timestamp for all
of its measurements, so those are stored once per record and spread over its
rows with one ``take`` when the table is built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import pyarrow as pa

from chimera.ingest.schema import DATASET_COLUMNS
from chimera.ingest.timestamps import Timestamp
from chimera.ingest.vocabulary import CONFIG_COLUMNS

# Internal column: where the model name came from ("data", "hint", "name").
MODEL_SOURCE = "_model_source"
_ARROW_TYPES = {"string": pa.string(), "double": pa.float64()}


@cache
def dataset_schema() -> pa.Schema:
    """The dataset's Arrow schema (plus the internal model-source column)."""
    fields = [
        pa.field(name, _ARROW_TYPES[kind])
        for name, (kind, _) in DATASET_COLUMNS.items()
    ]
    return pa.schema([*fields, pa.field(MODEL_SOURCE, pa.string())])


@dataclass
class RecordContext:
    """What is known about one run apart from its measurements."""

    model: str | None = None
    model_source: str | None = None
    quantization: str | None = None
    backend: str | None = None
    timestamp: str | None = None
    config: dict[str, float] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)
    # Quantization spelled in the path; used only when the data names none.
    name_quantization: str | None = None

    def child(self) -> RecordContext:
        """A copy that nested objects can extend without touching this one."""
        return RecordContext(
            self.model,
            self.model_source,
            self.quantization,
            self.backend,
            self.timestamp,
            dict(self.config),
            dict(self.params),
            self.name_quantization,
        )


# The per-record and per-row fields a sink keeps, in the order it keeps them.
_RECORD_FIELDS = (
    "record_id", "model", "quantization", "backend", *CONFIG_COLUMNS, "params",
    "timestamp", MODEL_SOURCE,
)  # fmt: skip
_ROW_FIELDS = (
    "_record", "locator", "metric", "value", "unit", "original_name",
    "original_value", "original_unit", "status", "error", "stat", "_number",
)  # fmt: skip


@dataclass
class RowSink:
    """Measurements of one file: a tuple per record and a tuple per row.

    Rows are kept as tuples (one append per measurement) and turned into
    columns once, when the table is built.
    """

    source_file: str
    _records: list[tuple[object, ...]] = field(default_factory=list)
    _rows: list[tuple[object, ...]] = field(default_factory=list)
    time_first: Timestamp | None = None
    time_last: Timestamp | None = None
    failed_records: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def records(self) -> int:
        return len(self._records)

    def add_record(self, record_id: str, context: RecordContext) -> int:
        """Store a run's context once; returns the index rows refer to."""
        config = context.config
        params = context.params
        self._records.append(
            (
                record_id,
                context.model,
                context.quantization,
                context.backend,
                *[config.get(name) for name in CONFIG_COLUMNS],
                json.dumps(params, sort_keys=True, default=str) if params else None,
                context.timestamp,
                context.model_source,
            )
        )
        return len(self._records) - 1

    def add_row(
        self,
        record: int,
        locator: str,
        metric: str | None = None,
        value: float | None = None,
        unit: str | None = None,
        original: tuple[str | None, str | None, str | None] = (None, None, None),
        status: str = "ok",
        error: str | None = None,
        stat: str | None = None,
        number: float | None = None,
    ) -> None:
        """One measurement of record ``record``.

        ``original`` is (name, value as written, unit as written); ``number`` is
        the value before unit conversion, used to recognise repeated records.
        """
        self._rows.append(
            (record, locator, metric, value, unit, *original, status, error, stat,
             number)
        )  # fmt: skip
        if status == "failed":
            self.failed_records.add(str(self._records[record][0]))

    def record_count(self) -> int:
        """Distinct runs with at least one measurement."""
        return len({self._records[cast(int, row[0])][0] for row in self._rows})

    def data_models(self) -> list[str]:
        """Model names that came from the data itself."""
        model, source = _RECORD_FIELDS.index("model"), len(_RECORD_FIELDS) - 1
        return sorted(
            {str(row[model]) for row in self._records if row[source] == "data"}
        )

    def models_settled(self) -> bool:
        """Whether every record's model was found in the data (written there or
        hinted by a model file's path), not missing or guessed from the path."""
        return all(row[-1] not in (None, "name") for row in self._records)

    def observe_time(self, stamp: Timestamp) -> None:
        """Widen the file's range of timestamps found inside the data."""
        if self.time_first is None or stamp.sortable < self.time_first.sortable:
            self.time_first = stamp
        if self.time_last is None or stamp.sortable > self.time_last.sortable:
            self.time_last = stamp

    def table(self) -> pa.Table:
        """The file's measurements as a table in the dataset's column order."""
        schema = dataset_schema()
        rows = dict(zip(_ROW_FIELDS, zip(*self._rows, strict=True), strict=True))
        index = pa.array(rows["_record"], type=pa.int64())
        # The few per-record values are built once and spread over their rows.
        records = pa.Table.from_arrays(
            [
                pa.array(column, type=schema.field(name).type)
                for name, column in zip(
                    _RECORD_FIELDS, zip(*self._records, strict=True), strict=True
                )
            ],
            names=list(_RECORD_FIELDS),
        ).take(index)
        arrays: list[pa.Array | pa.ChunkedArray] = []
        for schema_field in schema:
            name = schema_field.name
            if name == "source_file":
                arrays.append(_constant(self.source_file, len(self._rows)))
            elif name in rows:
                arrays.append(pa.array(rows[name], type=schema_field.type))
            else:
                arrays.append(records[name])
        return pa.Table.from_arrays(arrays, schema=schema)

    def fingerprints(self) -> list[Fingerprint]:
        """(record id without the file part, name prefix, values, hash, identity)
        of each record's measured values (kept for the whole tree, so kept small).

        Hashes cover (name relative to the prefix, original number) pairs of the
        ok measurements; JSON records also get one per nested object, so a file
        that wraps another file's record (``{"config":…, "report":…}``) is found.
        The identity (see ``record_identity``) tells runs of different models or
        settings apart when their numbers happen to be equal.
        """
        payloads: dict[tuple[str, str], list[tuple[str, str]]] = {}
        identities: dict[str, RecordIdentity] = {}
        shared: dict[RecordIdentity, RecordIdentity] = {}
        # A record's rows follow one another: look its id up once per run of rows.
        last: object = None
        record_id, whole = "", []
        for row in self._rows:
            record, number, status, name = row[0], row[11], row[8], row[5]
            if status != "ok" or number is None:
                continue
            text = repr(number)
            if record != last:
                values = self._records[cast(int, record)]
                last, record_id = record, str(values[0])
                identity = record_identity(values)
                identities.setdefault(record_id, shared.setdefault(identity, identity))
                whole = payloads.setdefault((record_id, ""), [])
            whole.append((str(name), text))
            if "." not in str(name):
                continue
            parts = str(name).split(".")
            for cut in range(1, len(parts)):
                prefix = ".".join(parts[:cut])
                rest = ".".join(parts[cut:])
                payloads.setdefault((record_id, prefix), []).append((rest, text))
        skip = len(self.source_file) + 1
        return [
            (
                record_id[skip:],
                prefix,
                len(items),
                _digest(items),
                identities[record_id],
            )
            for (record_id, prefix), items in payloads.items()
            if len(items) >= 2
        ]


# A record's model (when its data names one) and its settings, None where unknown.
RecordIdentity = tuple[object, ...]
# (record id after "file#", name prefix, values, digest, identity).
Fingerprint = tuple[str, str, int, int, RecordIdentity]
_MODEL_AT = _RECORD_FIELDS.index("model")
_CONFIG_AT = slice(_MODEL_AT + 3, _MODEL_AT + 3 + len(CONFIG_COLUMNS))


def record_identity(values: tuple[object, ...]) -> RecordIdentity:
    """What tells one run from another besides its numbers: the model its data
    names (a model guessed from a path is too loose to tell runs apart) and
    its settings."""
    model = values[_MODEL_AT] if values[-1] == "data" else None
    return (model, *values[_CONFIG_AT])


def identities_agree(one: RecordIdentity, other: RecordIdentity) -> bool:
    """Whether two records may be the same run: no field known on both sides
    differs."""
    pairs = zip(one, other, strict=True)
    return all(a is None or b is None or a == b for a, b in pairs)


def _constant(value: str, count: int) -> pa.Array:
    """``value`` on each of ``count`` rows."""
    return pa.repeat(pa.scalar(value, pa.string()), count)


def _digest(items: list[tuple[str, str]]) -> int:
    text = "\n".join(f"{name}={number}" for name, number in sorted(items))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
