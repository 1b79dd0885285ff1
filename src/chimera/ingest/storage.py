"""Saving and loading a dataset with its inventory beside it.

A dataset is written as Parquet (typed, compact) or CSV (for spreadsheets), with
the inventory as strict JSON in a sidecar ``<name>.inventory.json``; files are
written to a temporary name and renamed, so a crash never leaves half a file.
``load_dataset`` reads either form back, or ingests a folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from chimera.errors import IngestError, UsageError
from chimera.ingest.assemble import finalize
from chimera.ingest.inventory import Inventory
from chimera.ingest.options import IngestOptions

_FORMATS = (".parquet", ".csv")


def inventory_path(dataset_path: Path) -> Path:
    """The sidecar that holds a saved dataset's inventory."""
    return dataset_path.with_name(dataset_path.stem + ".inventory.json")


def save_dataset(dataset: pd.DataFrame, inventory: Inventory, path: Path) -> Path:
    """Write ``dataset`` to ``path`` (.parquet or .csv) and its inventory beside it."""
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise UsageError(
            f"cannot write {path.name}: unknown format",
            hint="use a file name ending in .parquet or .csv",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with _atomic(path) as temporary:
        if suffix == ".parquet":
            dataset.to_parquet(temporary, index=False)
        else:
            dataset.to_csv(temporary, index=False)
    with _atomic(inventory_path(path)) as temporary:
        temporary.write_text(inventory.model_dump_json(indent=2), encoding="utf-8")
    return path


class _atomic:
    """A temporary file in the target's folder, renamed over the target on success."""

    def __init__(self, target: Path) -> None:
        self.target = target
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        os.close(handle)
        self.temporary = Path(name)

    def __enter__(self) -> Path:
        return self.temporary

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if error is None:
            os.replace(self.temporary, self.target)
        else:
            self.temporary.unlink(missing_ok=True)


def load_dataset(
    path: Path | str, options: IngestOptions | None = None
) -> tuple[pd.DataFrame, Inventory]:
    """The dataset and inventory of a folder (ingested now) or of a saved dataset."""
    path = Path(path)
    if path.is_dir():
        from chimera.ingest.pipeline import ingest

        result = ingest(path, options)
        return result.dataset, result.inventory
    if not path.exists():
        raise IngestError(
            f"{path} does not exist", hint="pass a folder or a saved dataset"
        )
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise UsageError(
            f"cannot read {path.name} as a dataset",
            hint="pass an artifact folder, or a .parquet / .csv from chimera ingest",
        )
    sidecar = inventory_path(path)
    if not sidecar.exists():
        raise IngestError(
            f"{path.name} has no inventory beside it ({sidecar.name})",
            hint="write datasets with `chimera ingest DIR --out FILE`",
        )
    frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path)
    inventory = Inventory.model_validate_json(sidecar.read_text(encoding="utf-8"))
    return finalize(frame), inventory
