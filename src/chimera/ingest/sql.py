"""Ad-hoc SQL over an ingested tree with DuckDB.

The dataset is the table ``measurements``; the inventory's file list is the
table ``files`` (path, type, top_dir, bytes, mtime, status, records,
measurements, failed_records, reason). DuckDB reads the pandas frames in place.

>>> import pandas as pd
>>> frame = pd.DataFrame({"metric": ["ttft_ms"], "value": [12.5]})
>>> query(frame, "SELECT value FROM measurements").iloc[0, 0]
np.float64(12.5)
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from chimera.errors import UsageError
from chimera.ingest.inventory import FileEntryInfo, Inventory


def files_frame(inventory: Inventory) -> pd.DataFrame:
    """The inventory's per-file list as a frame."""
    rows = [info.model_dump() for info in inventory.files]
    return pd.DataFrame(rows, columns=list(FileEntryInfo.model_fields))


def query(
    dataset: pd.DataFrame | Path, sql: str, inventory: Inventory | None = None
) -> pd.DataFrame:
    """Run ``sql`` on ``measurements`` (and ``files`` when an inventory is given).

    ``dataset`` is a frame or a dataset Parquet file; a file is scanned by DuckDB
    where it lies, never loaded whole.
    """
    connection = duckdb.connect()
    try:
        if isinstance(dataset, Path):
            connection.read_parquet(str(dataset)).create_view("measurements")
        else:
            connection.register("measurements", _plain(dataset))
        if inventory is not None:
            connection.register("files", files_frame(inventory))
        return connection.execute(sql).fetchdf()
    except duckdb.Error as error:
        raise UsageError(
            f"query failed: {str(error).splitlines()[0]}",
            hint="tables: measurements" + (", files" if inventory is not None else ""),
        ) from error
    finally:
        connection.close()


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as text, so SQL compares them as strings."""
    converted = {
        name: frame[name].astype("string")
        for name in frame.columns
        if isinstance(frame[name].dtype, pd.CategoricalDtype)
    }
    return frame.assign(**converted) if converted else frame
