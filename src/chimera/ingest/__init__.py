"""Artifact ingestion: any tree of benchmark results as an inventory and a dataset.

    result = ingest(Path("results"))        # IngestResult
    result.inventory.summary_lines()         # counts, coverage, problems, gaps
    result.dataset                           # one row per measurement
    query(result.dataset, "SELECT model, avg(value) FROM measurements "
                          "WHERE metric = 'throughput_tok_s' GROUP BY model")

``load_dataset(path)`` does the same for a folder, or reads back a dataset saved
with ``chimera ingest DIR --out FILE.parquet`` (``ingest_to_file`` in Python, which
never holds the whole dataset in memory).

Names are imported on first use, so worker processes that only parse files do
not load pandas or DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chimera.ingest.frames import load_dataset as load_dataset
    from chimera.ingest.frames import save_dataset as save_dataset
    from chimera.ingest.inventory import FileIssue as FileIssue
    from chimera.ingest.inventory import Inventory as Inventory
    from chimera.ingest.options import IngestOptions as IngestOptions
    from chimera.ingest.pipeline import IngestResult as IngestResult
    from chimera.ingest.pipeline import ingest as ingest
    from chimera.ingest.pipeline import ingest_to_file as ingest_to_file
    from chimera.ingest.pipeline import ingested_file as ingested_file
    from chimera.ingest.schema import CANONICAL_METRICS as CANONICAL_METRICS
    from chimera.ingest.schema import DATASET_COLUMNS as DATASET_COLUMNS
    from chimera.ingest.sql import query as query

_EXPORTS = {
    "CANONICAL_METRICS": "chimera.ingest.schema",
    "DATASET_COLUMNS": "chimera.ingest.schema",
    "FileIssue": "chimera.ingest.inventory",
    "IngestOptions": "chimera.ingest.options",
    "IngestResult": "chimera.ingest.pipeline",
    "Inventory": "chimera.ingest.inventory",
    "ingest": "chimera.ingest.pipeline",
    "ingest_to_file": "chimera.ingest.pipeline",
    "ingested_file": "chimera.ingest.pipeline",
    "load_dataset": "chimera.ingest.frames",
    "query": "chimera.ingest.sql",
    "save_dataset": "chimera.ingest.frames",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chimera.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
