"""The dataset as a pandas frame: columns in order, repeated text categorical.

``ingest`` returns this frame and ``load_dataset`` reads it back from a saved
file. Text that repeats (file, model, metric, unit, status, ...) is categorical,
which keeps a large dataset small; the written value, the locator and the
timestamp stay plain text, so they sort and compare as strings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chimera.errors import IngestError
from chimera.ingest.inventory import Inventory
from chimera.ingest.options import IngestOptions
from chimera.ingest.schema import DATASET_COLUMNS, REPEATING_COLUMNS
from chimera.ingest.storage import atomic, check_format, load_inventory, write_inventory

# Low-cardinality text columns are categorical in the returned frame.
CATEGORICAL = REPEATING_COLUMNS


def read_dataset_file(path: Path) -> pd.DataFrame:
    """A dataset Parquet file as the public frame."""
    return finalize(pq.read_table(path, read_dictionary=list(CATEGORICAL)))


def finalize(data: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """The public frame: ``DATASET_COLUMNS`` in order, repeated text categorical."""
    if isinstance(data, pa.Table):
        data = _arrow_columns(data)
        frame = data.to_pandas(self_destruct=True, split_blocks=True)
        del data
        pa.default_memory_pool().release_unused()
    else:
        frame = data.reset_index(drop=True)
    columns: dict[str, pd.Series] = {}
    for name, (kind, _meaning) in DATASET_COLUMNS.items():
        column = frame[name] if name in frame else pd.Series([None] * len(frame))
        if kind == "double":
            if column.dtype != "float64":
                column = pd.to_numeric(column, errors="coerce").astype("float64")
        elif name in CATEGORICAL:
            if not isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype("category")
        elif not pd.api.types.is_string_dtype(column.dtype) or isinstance(
            column.dtype, pd.CategoricalDtype
        ):
            column = column.astype(object).astype("string")
        columns[name] = column
    return pd.DataFrame(columns, copy=False)


def _arrow_columns(table: pa.Table) -> pa.Table:
    """The dataset columns only; text that sorts (locator, timestamp) as strings."""
    names = [name for name in DATASET_COLUMNS if name in table.schema.names]
    table = table.select(names)
    for name in names:
        kind = DATASET_COLUMNS[name][0]
        if kind == "string" and name not in CATEGORICAL:
            index = table.schema.get_field_index(name)
            table = table.set_column(index, name, table[name].cast(pa.string()))
    return table


def save_dataset(dataset: pd.DataFrame, inventory: Inventory, path: Path) -> Path:
    """Write ``dataset`` to ``path`` (.parquet or .csv) and its inventory beside it."""
    suffix = check_format(path)
    with atomic(path) as temporary:
        if suffix == ".parquet":
            dataset.to_parquet(temporary, index=False)
        else:
            dataset.to_csv(temporary, index=False)
    write_inventory(inventory, path)
    return path


def load_dataset(
    path: Path | str, options: IngestOptions | None = None
) -> tuple[pd.DataFrame, Inventory]:
    """The dataset and inventory of a folder (ingested now) or of a saved dataset."""
    path = Path(path)
    if path.is_dir():
        from chimera.ingest.pipeline import ingest  # the pipeline imports this module

        result = ingest(path, options)
        return result.dataset, result.inventory
    if not path.exists():
        raise IngestError(
            f"{path} does not exist", hint="pass a folder or a saved dataset"
        )
    suffix = check_format(path)
    frame = read_dataset_file(path) if suffix == ".parquet" else pd.read_csv(path)
    return finalize(frame), load_inventory(path)
