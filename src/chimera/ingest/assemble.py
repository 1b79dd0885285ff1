"""One dataset from many files: dedupe, folder-level context, final columns.

After every file is read on its own, this is where the tree is seen whole:
repeated records are dropped (see ``dedupe``), renderings of data files are set
aside, and a model named once for a folder (optimum-benchmark's
``benchmark_config.json``, a sibling ``*_baseline.json``) reaches the files in
that folder that do not name one themselves.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa

from chimera.ingest.dedupe import (
    Fingerprint,
    drop_records,
    renderings,
    repeated_records,
)
from chimera.ingest.fileresult import FileResult
from chimera.ingest.inventory import DuplicateGroup, Inventory, RecordDuplicate
from chimera.ingest.inventory_build import build_inventory
from chimera.ingest.names import model_key, quantization_from_text
from chimera.ingest.options import IngestOptions
from chimera.ingest.rows import MODEL_SOURCE, dataset_schema
from chimera.ingest.scan import ScanResult
from chimera.ingest.schema import DATASET_COLUMNS

# Low-cardinality text columns stay categorical in the returned frame.
CATEGORICAL = (
    "source_file", "model", "quantization", "backend", "params", "metric", "unit",
    "original_name", "original_unit", "status", "error", "stat",
)  # fmt: skip


def assemble(
    scanned: ScanResult,
    results: list[FileResult],
    groups: list[DuplicateGroup],
    options: IngestOptions,
) -> tuple[pd.DataFrame, Inventory]:
    """The dataset and the inventory of a scanned, read tree."""
    kinds = {entry.rel: entry.kind for entry in scanned.files}
    frame = _concat([result.table for result in results if result.table is not None])
    folder_models = _data_models(frame)
    records_per_file = (
        frame.groupby("source_file", observed=True)["record_id"].nunique().to_dict()
    )
    prints = [
        Fingerprint(result.report.rel, *fingerprint)
        for result in results
        for fingerprint in result.fingerprints
    ]
    drops, record_notes = repeated_records(prints, records_per_file, kinds)
    frame = drop_records(frame, drops)
    rendered, render_notes = renderings(frame, kinds)
    frame = frame.loc[~frame["source_file"].isin(list(rendered))]
    frame = _fill_from_folders(frame, results, folder_models)
    dataset = finalize(frame)
    notes: list[RecordDuplicate] = [*record_notes, *render_notes]
    inventory = build_inventory(scanned, results, groups, dataset, notes, options)
    return dataset, inventory


def _concat(tables: list[pa.Table]) -> pd.DataFrame:
    if not tables:
        return dataset_schema().empty_table().to_pandas()
    table = pa.concat_tables(tables)
    frame = table.to_pandas()
    del table
    return frame


def _folder(rel: object) -> str:
    return str(PurePosixPath(str(rel)).parent)


def _data_models(frame: pd.DataFrame) -> dict[str, set[str]]:
    """Model names written inside the data, per folder (before any row is dropped)."""
    rows = frame.loc[frame[MODEL_SOURCE] == "data", ["source_file", "model"]]
    found: dict[str, set[str]] = defaultdict(set)
    for rel, model in rows.drop_duplicates().itertuples(index=False):
        found[_folder(rel)].add(str(model))
    return found


def _fill_from_folders(
    frame: pd.DataFrame, results: list[FileResult], data_models: dict[str, set[str]]
) -> pd.DataFrame:
    """Give rows without a model in their data the folder's model, if it has one."""
    configs = {
        _folder(result.report.rel): result.directory_context
        for result in results
        if result.directory_context
    }
    if frame.empty or (not configs and not data_models):
        return frame
    frame = frame.copy()
    folders = _per_file(frame["source_file"], _folder)
    models, quants, backends, sources = (
        _objects(frame[name]) for name in ("model", "quantization", "backend", MODEL_SOURCE)
    )
    for position in np.flatnonzero([source in (None, "name") for source in sources]):
        folder = folders[position]
        found = _folder_model(folder, models[position], configs, data_models)
        if found is not None:
            models[position] = found
            quants[position] = quants[position] or quantization_from_text(found)
        config = configs.get(folder) or {}
        quants[position] = quants[position] or config.get("quantization")
        backends[position] = backends[position] or config.get("backend")
    frame["model"], frame["quantization"] = models, quants
    frame["backend"] = backends
    return frame


def _per_file(column: pd.Series, function: object) -> np.ndarray:
    """``function`` of each row's file, computed once per distinct file."""
    codes, uniques = pd.factorize(column.astype(str))
    mapped = np.array([function(value) for value in uniques], dtype=object)  # type: ignore[operator]
    return mapped[codes] if len(uniques) else np.array([], dtype=object)


def _objects(column: pd.Series) -> np.ndarray:
    """A writable object array with None (not NaN) for missing values."""
    values = column.astype(object).to_numpy(copy=True)
    values[pd.isna(values)] = None
    return values


def _folder_model(
    folder: str,
    current: object,
    configs: dict[str, dict[str, object]],
    data_models: dict[str, set[str]],
) -> str | None:
    config_model = (configs.get(folder) or {}).get("model")
    if config_model and current is None:
        return str(config_model)
    if isinstance(current, str):
        key = model_key(current)
        matches = [m for m in data_models.get(folder, ()) if model_key(m) == key]
        if len(matches) == 1:
            return matches[0]
    return None


def finalize(frame: pd.DataFrame) -> pd.DataFrame:
    """The public frame: ``DATASET_COLUMNS`` in order, repeated text categorical."""
    frame = frame.reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    for name, (kind, _meaning) in DATASET_COLUMNS.items():
        column = frame[name] if name in frame else pd.Series([None] * len(frame))
        if kind == "double":
            columns[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif name in CATEGORICAL:
            columns[name] = column.astype("category")
        else:
            columns[name] = column.astype("string")
    return pd.DataFrame(columns)
