"""One dataset from many files: dedupe, folder-level context, final columns.

After every file is read on its own, this is where the tree is seen whole:
repeated records are dropped (see ``dedupe``), renderings of data files are set
aside (see ``renderings``), and a model named once for a folder
(optimum-benchmark's ``benchmark_config.json``, a sibling ``*_baseline.json``)
reaches the files in that folder that do not name one themselves. Everything
is done one file at a time, from the tables parked on disk while reading, into
one Parquet file.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from chimera.ingest.dedupe import drop_records, repeated_records
from chimera.ingest.fileresult import FileResult
from chimera.ingest.inventory import DuplicateGroup, Inventory
from chimera.ingest.inventory_build import build_inventory
from chimera.ingest.names import model_key, quantization_from_text
from chimera.ingest.options import IngestOptions
from chimera.ingest.renderings import renderings
from chimera.ingest.rows import dataset_schema
from chimera.ingest.scan import ScanResult
from chimera.ingest.schema import REPEATING_COLUMNS
from chimera.ingest.sink_fields import MODEL_SOURCE
from chimera.ingest.spill import TableSpill

Context = dict[str, object]


def assemble(
    scanned: ScanResult,
    results: list[FileResult],
    groups: list[DuplicateGroup],
    options: IngestOptions,
    spill: TableSpill,
    target: Path,
) -> Inventory:
    """Write the tree's dataset to ``target`` (Parquet) and return its inventory."""
    kinds = {entry.rel: entry.kind for entry in scanned.files}
    data_models: dict[str, set[str]] = defaultdict(set)
    for result in results:
        data_models[_folder(result.report.rel)].update(result.data_models)
    records = {result.report.rel: result.records for result in results}
    prints = {result.report.rel: result.fingerprints for result in results}
    drops, notes = repeated_records(prints, records, kinds)
    # Fingerprints are the largest part of the results and are done with now.
    del prints
    for result in results:
        result.fingerprints = []
    rendered, render_notes = renderings(spill.files, spill.read, kinds)
    settled = {result.report.rel for result in results if result.models_settled}
    configs = {
        _folder(result.report.rel): result.directory_context
        for result in results
        if result.directory_context
    }
    with _DatasetWriter(target) as writer:
        for rel in spill.files:
            if rel in rendered:
                continue
            table = drop_records(spill.read(rel), drops.get(rel, []))
            if table.num_rows and rel not in settled:
                config = configs.get(_folder(rel))
                table = _fill_from_folder(rel, table, config, data_models)
            if table.num_rows:
                writer.add(table)
    return build_inventory(
        scanned, results, groups, target, [*notes, *render_notes], options
    )


# Dictionary pages pay off where values repeat; trying them on columns of unique
# values (locator, original value) only costs time. Timestamps repeat per run.
_DICTIONARY_COLUMNS = [*REPEATING_COLUMNS, "timestamp"]


class _DatasetWriter:
    """Writes the dataset in row groups of about ``ROWS_PER_GROUP`` rows.

    Files are small and many; one row group per file would leave thousands of
    dictionaries for the reader to merge.
    """

    ROWS_PER_GROUP = 32_768

    def __init__(self, target: Path) -> None:
        self.target = target
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        self._rows = 0

    def __enter__(self) -> _DatasetWriter:
        return self

    def add(self, table: pa.Table) -> None:
        self._pending.append(table.drop_columns([MODEL_SOURCE]))
        self._rows += table.num_rows
        if self._rows >= self.ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        # The files' chunks are written as they are: combining them first
        # would copy every value once more for nothing.
        table = pa.concat_tables(self._pending)
        self._writer = self._writer or pq.ParquetWriter(
            self.target, table.schema, use_dictionary=_DICTIONARY_COLUMNS
        )
        self._writer.write_table(table, row_group_size=max(1, table.num_rows))
        self._pending, self._rows = [], 0
        pa.default_memory_pool().release_unused()

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
        elif error is None:
            empty = dataset_schema().empty_table().drop_columns([MODEL_SOURCE])
            pq.write_table(empty, self.target)


def _folder(rel: str) -> str:
    return str(PurePosixPath(rel).parent)


def _fill_from_folder(
    rel: str,
    table: pa.Table,
    config: Context | None,
    data_models: dict[str, set[str]],
) -> pa.Table:
    """Give rows whose model did not come from their own data the folder's model.

    A folder's configuration file names the model of its runs; a model spelled
    in a file name (``gemma3``) becomes the folder's model written in the data
    (``gemma3:latest``) when exactly one matches.
    """
    # A file's rows are few: plain lists beat many small compute calls.
    open_rows = [source in (None, "name") for source in table[MODEL_SOURCE].to_pylist()]
    if not any(open_rows):
        return table
    models = table["model"].to_pylist()
    replacement = _model_for(rel, models, open_rows, config, data_models)
    changed: dict[str, list[object]] = {}
    if replacement is not None:
        changed["model"] = [
            replacement if is_open else model
            for model, is_open in zip(models, open_rows, strict=True)
        ]
    for name in ("quantization", "backend"):
        fallback = (config or {}).get(name)
        if name == "quantization" and replacement is not None:
            fallback = quantization_from_text(replacement) or fallback
        if fallback:
            changed[name] = [
                str(fallback) if is_open and value is None else value
                for value, is_open in zip(
                    table[name].to_pylist(), open_rows, strict=True
                )
            ]
    for name, values in changed.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.array(values, pa.string()))
    return table


def _model_for(
    rel: str,
    models: list[object],
    open_rows: list[bool],
    config: Context | None,
    data_models: dict[str, set[str]],
) -> str | None:
    current = list(
        dict.fromkeys(
            model for model, is_open in zip(models, open_rows, strict=True) if is_open
        )
    )
    if current == [None] and config and config.get("model"):
        return str(config["model"])
    named = [str(value) for value in current if value]
    if len(named) != 1:
        return None
    key = model_key(named[0])
    matches = [m for m in data_models.get(_folder(rel), ()) if model_key(m) == key]
    return matches[0] if len(matches) == 1 else None
