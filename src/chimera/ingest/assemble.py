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
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chimera.ingest.dedupe import drop_records, repeated_records
from chimera.ingest.fileresult import FileResult
from chimera.ingest.inventory import DuplicateGroup, Inventory
from chimera.ingest.inventory_build import build_inventory
from chimera.ingest.names import model_key, quantization_from_text
from chimera.ingest.options import IngestOptions
from chimera.ingest.renderings import renderings
from chimera.ingest.rows import MODEL_SOURCE, dataset_schema
from chimera.ingest.scan import ScanResult
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
    rendered, render_notes = renderings(spill.files, spill.read, kinds)
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
            if table.num_rows:
                config = configs.get(_folder(rel))
                writer.add(_fill_from_folder(rel, table, config, data_models))
    return build_inventory(
        scanned, results, groups, target, [*notes, *render_notes], options
    )


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
        table = pa.concat_tables(self._pending).combine_chunks()
        self._writer = self._writer or pq.ParquetWriter(self.target, table.schema)
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
    source = table[MODEL_SOURCE].cast(pa.string())
    open_rows = pc.fill_null(pc.equal(source, "name"), True)
    if not pc.any(open_rows).as_py():
        return table
    model = table["model"].cast(pa.string())
    replacement = _model_for(rel, model, open_rows, config, data_models)
    if replacement is not None:
        model = pc.if_else(open_rows, replacement, model)
    columns = {"model": model}
    for name in ("quantization", "backend"):
        column = table[name].cast(pa.string())
        fallback = (config or {}).get(name)
        if name == "quantization" and replacement is not None:
            fallback = quantization_from_text(replacement) or fallback
        if fallback:
            empty = pc.and_(open_rows, pc.is_null(column))
            columns[name] = pc.if_else(empty, str(fallback), column)
    for name, column in columns.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, column)
    return table


def _model_for(
    rel: str,
    model: pa.ChunkedArray,
    open_rows: pa.ChunkedArray,
    config: Context | None,
    data_models: dict[str, set[str]],
) -> str | None:
    current = pc.unique(model.filter(open_rows)).to_pylist()
    if current == [None] and config and config.get("model"):
        return str(config["model"])
    named = [value for value in current if value]
    if len(named) != 1:
        return None
    key = model_key(named[0])
    matches = [m for m in data_models.get(_folder(rel), ()) if model_key(m) == key]
    return matches[0] if len(matches) == 1 else None
