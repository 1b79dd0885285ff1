"""``ingest(root)``: scan a tree, read every file, and assemble the results.

Files are read independently (in worker processes when the tree is large, since
parsing is CPU-bound), byte-identical copies are read once, and everything that
needs the whole tree (repeated records, model names shared through a folder,
gaps) happens afterwards in ``assemble``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from chimera.ingest.assemble import assemble
from chimera.ingest.dedupe import byte_duplicates
from chimera.ingest.fileresult import FileResult
from chimera.ingest.inventory import Inventory
from chimera.ingest.options import IngestOptions
from chimera.ingest.reader import read_file
from chimera.ingest.scan import FileEntry, scan

logger = logging.getLogger(__name__)

# Below these sizes starting worker processes costs more than it saves.
_PARALLEL_MIN_FILES = 200
_PARALLEL_MIN_BYTES = 32 * 1024 * 1024
_MAX_AUTO_WORKERS = 8

# Called with (files read so far, files to read).
ProgressHook = Callable[[int, int], None]


@dataclass
class IngestResult:
    """The inventory and the tidy dataset (columns: ``DATASET_COLUMNS``)."""

    inventory: Inventory
    dataset: pd.DataFrame
    timings_s: dict[str, float] = field(default_factory=dict)


def ingest(
    root: Path | str,
    options: IngestOptions | None = None,
    progress: ProgressHook | None = None,
) -> IngestResult:
    """Ingest the artifact tree at ``root``.

    Raises ``IngestError`` only when the tree itself cannot be read (missing root,
    not a folder); every problem with single files is reported in the inventory.
    """
    options = options or IngestOptions()
    started = time.perf_counter()
    scanned = scan(Path(root), options)
    groups = byte_duplicates(scanned.files)
    copies = {path for group in groups for path in group.paths[1:]}
    to_read = [entry for entry in scanned.files if entry.rel not in copies]
    scanned_at = time.perf_counter()
    results = _read_all(to_read, options, progress)
    read_at = time.perf_counter()
    dataset, inventory = assemble(scanned, results, groups, options)
    done = time.perf_counter()
    logger.info(
        "ingested %s: %d files, %d measurements in %.2f s",
        inventory.root,
        inventory.totals.files,
        len(dataset),
        done - started,
    )
    timings = {
        "scan": scanned_at - started,
        "read": read_at - scanned_at,
        "assemble": done - read_at,
    }
    return IngestResult(inventory, dataset, timings)


def _workers(entries: list[FileEntry], options: IngestOptions) -> int:
    if options.workers is not None:
        return options.workers
    total = sum(entry.size for entry in entries if not entry.too_large)
    if len(entries) < _PARALLEL_MIN_FILES and total < _PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, _MAX_AUTO_WORKERS))


def _read_all(
    entries: list[FileEntry], options: IngestOptions, progress: ProgressHook | None
) -> list[FileResult]:
    notify = progress or (lambda done, total: None)
    workers = _workers(entries, options)
    if workers > 1:
        try:
            return _read_parallel(entries, options, workers, notify)
        except BrokenProcessPool as error:
            # E.g. a calling script that starts work at import time; reading in
            # this process is slower but always works.
            logger.warning("worker processes failed (%s); reading in-process", error)
    results = []
    for done, entry in enumerate(entries, start=1):
        results.append(read_file(entry, options))
        notify(done, len(entries))
    return results


def _read_parallel(
    entries: list[FileEntry],
    options: IngestOptions,
    workers: int,
    notify: ProgressHook,
) -> list[FileResult]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["chimera.ingest.reader"])
    chunk = max(1, min(64, len(entries) // (workers * 8) or 1))
    reader = partial(_read_packed, options=options)
    results = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for done, result in enumerate(pool.map(reader, entries, chunksize=chunk), 1):
            results.append(result.unpack())
            notify(done, len(entries))
    return results


def _read_packed(entry: FileEntry, options: IngestOptions) -> FileResult:
    """``read_file`` in a worker, its table packed for the trip back."""
    return read_file(entry, options).pack()
