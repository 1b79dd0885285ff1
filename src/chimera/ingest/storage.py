"""Dataset files on disk: Parquet or CSV, with the inventory in a sidecar.

A dataset is written as Parquet (typed, compact) or CSV (for spreadsheets), with
the inventory as strict JSON in ``<name>.inventory.json``. Files are written
under a temporary name and renamed, so a crash never leaves half a file. This
module needs no pandas: a dataset assembled on disk is moved or converted by
DuckDB without being loaded (``frames`` handles pandas frames).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chimera.errors import IngestError, UsageError
from chimera.ingest.inventory import Inventory

_FORMATS = (".parquet", ".csv")


def inventory_path(dataset_path: Path) -> Path:
    """The sidecar that holds a saved dataset's inventory."""
    return dataset_path.with_name(dataset_path.stem + ".inventory.json")


def check_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise UsageError(
            f"cannot use {path.name} as a dataset file: unknown format",
            hint="use a file name ending in .parquet or .csv",
        )
    return suffix


@contextmanager
def atomic(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target``, renamed over it on success."""
    temporary = _temporary_beside(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _temporary_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise IngestError(
            f"cannot write {target}: {error.strerror or error}",
            hint="choose a folder you can write to",
        ) from error
    os.close(handle)
    return Path(name)


def check_writable(target: Path) -> None:
    """Fail now, not after a long ingestion, when ``target`` cannot be written."""
    _temporary_beside(target).unlink()


def write_inventory(inventory: Inventory, path: Path) -> None:
    with atomic(inventory_path(path)) as temporary:
        temporary.write_text(inventory.model_dump_json(indent=2), encoding="utf-8")


def write_outputs(parquet: Path, inventory: Inventory, path: Path) -> Path:
    """Move an assembled Parquet dataset to ``path`` (converting to CSV when asked,
    without loading it) and write the inventory beside it."""
    suffix = check_format(path)
    with atomic(path) as temporary:
        if suffix == ".parquet":
            shutil.copyfile(parquet, temporary)
        else:
            with duckdb.connect() as connection:
                connection.read_parquet(str(parquet)).write_csv(str(temporary))
    write_inventory(inventory, path)
    return path


def load_inventory(path: Path) -> Inventory:
    """The inventory saved beside the dataset file ``path``."""
    sidecar = inventory_path(path)
    if not sidecar.exists():
        raise IngestError(
            f"{path.name} has no inventory beside it ({sidecar.name})",
            hint="write datasets with `chimera ingest DIR --out FILE`",
        )
    return Inventory.model_validate_json(sidecar.read_text(encoding="utf-8"))
