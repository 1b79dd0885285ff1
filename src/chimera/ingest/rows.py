"""Column buffers for one file's measurements, turned into an Arrow table.

A record (one run) carries the same model, configuration and timestamp for all
of its measurements, so those are stored once per record and expanded with one
``take``; strings that repeat (file, metric, unit, status) are dictionary
encoded. This keeps memory near the size of the values themselves, which is what
lets a large tree be ingested in a bounded amount of memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache

import pyarrow as pa

from chimera.ingest.schema import DATASET_COLUMNS
from chimera.ingest.timestamps import Timestamp
from chimera.ingest.vocabulary import CONFIG_COLUMNS

# Internal column: where the model name came from ("data", "hint", "name").
MODEL_SOURCE = "_model_source"
# Columns whose values repeat (per file, per record or across the tree) are
# dictionary encoded; only the value as written stays a plain string.
DICTIONARY_COLUMNS = frozenset(
    {
        "source_file", "record_id", "locator", "model", "quantization", "backend",
        "params", "metric", "unit", "original_name", "original_unit", "timestamp",
        "status", "error", "stat", MODEL_SOURCE,
    }
)  # fmt: skip
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


@dataclass
class RowSink:
    """Measurements of one file, column by column."""

    source_file: str
    _records: dict[str, list[object]] = field(default_factory=dict)
    _rows: dict[str, list[object]] = field(default_factory=dict)
    time_first: Timestamp | None = None
    time_last: Timestamp | None = None
    failed_records: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._records = {
            name: []
            for name in (
                "record_id", "model", "quantization", "backend", *CONFIG_COLUMNS,
                "params", "timestamp", MODEL_SOURCE,
            )
        }  # fmt: skip
        self._rows = {
            name: []
            for name in (
                "_record", "locator", "metric", "value", "unit", "original_name",
                "original_value", "original_unit", "status", "error", "stat",
                "_number",
            )
        }  # fmt: skip

    def __len__(self) -> int:
        return len(self._rows["_record"])

    @property
    def records(self) -> int:
        return len(self._records["record_id"])

    def add_record(self, record_id: str, context: RecordContext) -> int:
        """Store a run's context once; returns the index rows refer to."""
        columns = self._records
        columns["record_id"].append(record_id)
        columns["model"].append(context.model)
        columns["quantization"].append(context.quantization)
        columns["backend"].append(context.backend)
        for name in CONFIG_COLUMNS:
            columns[name].append(context.config.get(name))
        params = json.dumps(context.params, sort_keys=True, default=str)
        columns["params"].append(params if context.params else None)
        columns["timestamp"].append(context.timestamp)
        columns[MODEL_SOURCE].append(context.model_source)
        return len(columns["record_id"]) - 1

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
        rows = self._rows
        rows["_record"].append(record)
        rows["locator"].append(locator)
        rows["metric"].append(metric)
        rows["value"].append(value)
        rows["unit"].append(unit)
        rows["original_name"].append(original[0])
        rows["original_value"].append(original[1])
        rows["original_unit"].append(original[2])
        rows["status"].append(status)
        rows["error"].append(error)
        rows["stat"].append(stat)
        rows["_number"].append(number)
        if status == "failed":
            self.failed_records.add(str(self._records["record_id"][record]))

    def record_count(self) -> int:
        """Distinct runs with at least one measurement."""
        ids = self._records["record_id"]
        return len({ids[int(str(index))] for index in set(self._rows["_record"])})

    def data_models(self) -> list[str]:
        """Model names that came from the data itself."""
        pairs = zip(self._records["model"], self._records[MODEL_SOURCE], strict=True)
        return sorted({str(model) for model, source in pairs if source == "data"})

    def observe_time(self, stamp: Timestamp) -> None:
        """Widen the file's range of timestamps found inside the data."""
        if self.time_first is None or stamp.sortable < self.time_first.sortable:
            self.time_first = stamp
        if self.time_last is None or stamp.sortable > self.time_last.sortable:
            self.time_last = stamp

    def table(self) -> pa.Table:
        """The file's measurements as a table in the dataset's column order."""
        schema = dataset_schema()
        count = len(self)
        index = pa.array(self._rows["_record"], type=pa.int64())
        arrays: list[pa.Array] = []
        for schema_field in schema:
            name = schema_field.name
            if name == "source_file":
                arrays.append(_constant(self.source_file, count))
                continue
            column = self._records.get(name)
            array = pa.array(
                self._rows[name] if column is None else column, type=schema_field.type
            )
            if name in DICTIONARY_COLUMNS:
                array = array.dictionary_encode()
            if column is not None:
                # Encoding the few per-record values before spreading them over
                # the rows is cheaper and gives the same values.
                array = array.take(index)
            arrays.append(array)
        return pa.Table.from_arrays(arrays, names=schema.names)

    def fingerprints(self) -> list[tuple[str, str, int, int]]:
        """(record id without the file part, name prefix, values, hash) of each
        record's measured values (kept for the whole tree, so kept small).

        Hashes cover (name relative to the prefix, original number) pairs of the
        ok measurements; JSON records also get one per nested object, so a file
        that wraps another file's record (``{"config":…, "report":…}``) is found.
        """
        payloads: dict[tuple[str, str], list[tuple[str, str]]] = {}
        ids = self._records["record_id"]
        number: object
        rows = self._rows
        columns = zip(
            rows["_record"],
            rows["_number"],
            rows["status"],
            rows["original_name"],
            strict=True,
        )
        # A record's rows follow one another: look its id up once per run of rows.
        last: object = None
        record_id, whole = "", []
        for record, number, status, original_name in columns:
            if status != "ok" or number is None:
                continue
            name = str(original_name)
            number = repr(number)
            if record != last:
                last, record_id = record, str(ids[int(str(record))])
                whole = payloads.setdefault((record_id, ""), [])
            whole.append((name, number))
            parts = name.split(".")
            for cut in range(1, len(parts)):
                prefix = ".".join(parts[:cut])
                rest = ".".join(parts[cut:])
                payloads.setdefault((record_id, prefix), []).append((rest, number))
        skip = len(self.source_file) + 1
        return [
            (record_id[skip:], prefix, len(items), _digest(items))
            for (record_id, prefix), items in payloads.items()
            if len(items) >= 2
        ]


def _constant(value: str, count: int) -> pa.DictionaryArray:
    """``value`` on each of ``count`` rows, built directly as its dictionary."""
    indices = pa.nulls(count, pa.int32()).fill_null(0)
    return pa.DictionaryArray.from_arrays(indices, pa.array([value], pa.string()))


def _digest(items: list[tuple[str, str]]) -> int:
    text = "\n".join(f"{name}={number}" for name, number in sorted(items))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())
