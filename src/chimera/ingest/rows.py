"""One file's measurements, collected row by row and turned into an Arrow table.

A record (one run) carries the same model, configuration and timestamp for all
of its measurements, so those are stored once per record and spread over its
rows with one ``take`` when the table is built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import cast

import pyarrow as pa

from chimera.ingest.fingerprints import Fingerprint, record_fingerprints
from chimera.ingest.schema import DATASET_COLUMNS
from chimera.ingest.sink_fields import (
    MODEL_SOURCE,
    RECORD_FIELDS,
    RECORD_ID,
    RECORD_MODEL,
    RECORD_MODEL_SOURCE,
    ROW_FIELDS,
    ROW_RECORD,
)
from chimera.ingest.timestamps import Timestamp
from chimera.ingest.vocabulary import CONFIG_COLUMNS

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


# Rows kept as Python tuples before they are turned into an Arrow chunk: bounds
# the memory one large file takes while it is read.
CHUNK_ROWS = 50_000


@dataclass
class RowSink:
    """Measurements of one file: a tuple per record and a tuple per row.

    Rows are kept as tuples (one append per measurement) and turned into Arrow
    columns a chunk at a time. A chunk is closed when a record starts, so no
    record is ever split between chunks.
    """

    source_file: str
    time_first: Timestamp | None = None
    time_last: Timestamp | None = None
    failed_records: set[str] = field(default_factory=set)
    _records: list[tuple[object, ...]] = field(default_factory=list)
    _rows: list[tuple[object, ...]] = field(default_factory=list)
    _chunks: list[pa.Table] = field(default_factory=list)
    _prints: list[Fingerprint] = field(default_factory=list)
    _record_ids: set[object] = field(default_factory=set)
    _data_models: set[str] = field(default_factory=set)
    _settled: bool = True
    _closed_rows: int = 0

    def __len__(self) -> int:
        return self._closed_rows + len(self._rows)

    def add_record(self, record_id: str, context: RecordContext) -> int:
        """Store a run's context once; returns the index rows refer to."""
        if len(self._rows) >= CHUNK_ROWS:
            self._close_chunk()
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
            self.failed_records.add(str(self._records[record][RECORD_ID]))

    def observe_time(self, stamp: Timestamp) -> None:
        """Widen the file's range of timestamps found inside the data."""
        if self.time_first is None or stamp.sortable < self.time_first.sortable:
            self.time_first = stamp
        if self.time_last is None or stamp.sortable > self.time_last.sortable:
            self.time_last = stamp

    def table(self) -> pa.Table:
        """The file's measurements as a table in the dataset's column order."""
        self._close_chunk()
        if len(self._chunks) == 1:
            return self._chunks[0]
        return pa.concat_tables(self._chunks)

    def fingerprints(self) -> list[Fingerprint]:
        """Each record's fingerprints (see ``fingerprints.record_fingerprints``)."""
        self._close_chunk()
        return self._prints

    def record_count(self) -> int:
        """Distinct runs with at least one measurement."""
        self._close_chunk()
        return len(self._record_ids)

    def data_models(self) -> list[str]:
        """Model names that came from the data itself."""
        self._close_chunk()
        return sorted(self._data_models)

    def models_settled(self) -> bool:
        """Whether every record's model was found in the data (written there or
        hinted by a model file's path), not missing or guessed from the path."""
        self._close_chunk()
        return self._settled

    def _close_chunk(self) -> None:
        """Turn the rows kept so far into an Arrow chunk and note what the file
        summary needs from them."""
        if not self._rows:
            self._records.clear()
            return
        records, rows = self._records, self._rows
        self._chunks.append(_chunk_table(self.source_file, records, rows))
        self._prints.extend(record_fingerprints(self.source_file, records, rows))
        self._record_ids.update(
            records[cast(int, row[ROW_RECORD])][RECORD_ID] for row in rows
        )
        for values in records:
            source = values[RECORD_MODEL_SOURCE]
            if source == "data":
                self._data_models.add(str(values[RECORD_MODEL]))
            self._settled = self._settled and source not in (None, "name")
        self._closed_rows += len(rows)
        self._records, self._rows = [], []


def _chunk_table(
    source_file: str, records: list[tuple[object, ...]], rows: list[tuple[object, ...]]
) -> pa.Table:
    """Rows (and the records they refer to) as a table in the dataset's order."""
    schema = dataset_schema()
    columns = dict(zip(ROW_FIELDS, zip(*rows, strict=True), strict=True))
    index = pa.array(columns[ROW_FIELDS[ROW_RECORD]], type=pa.int64())
    # The few per-record values are built once and spread over their rows.
    per_record = pa.Table.from_arrays(
        [
            pa.array(column, type=schema.field(name).type)
            for name, column in zip(
                RECORD_FIELDS, zip(*records, strict=True), strict=True
            )
        ],
        names=list(RECORD_FIELDS),
    ).take(index)
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for schema_field in schema:
        name = schema_field.name
        if name == "source_file":
            arrays.append(pa.repeat(pa.scalar(source_file, pa.string()), len(rows)))
        elif name in columns:
            arrays.append(pa.array(columns[name], type=schema_field.type))
        else:
            arrays.append(per_record[name])
    return pa.Table.from_arrays(arrays, schema=schema)
