"""Ingesting a tree: scan, read every file, assemble, and hand the results over.

Files are read independently (in worker processes when the tree is large, since
parsing is CPU-bound); byte-identical copies are read once. Each file's rows are
parked on disk as soon as they arrive (see ``spill``), and the dataset is then
assembled file by file into one Parquet file, so memory does not grow with the
tree. ``ingest`` loads that file as a pandas frame; ``ingest_to_file`` leaves it
on disk (with its inventory beside it) and never holds the whole dataset.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from chimera.errors import UsageError
from chimera.ingest.assemble import assemble
from chimera.ingest.dedupe import byte_duplicates
from chimera.ingest.fileresult import FileResult
from chimera.ingest.inventory import Inventory
from chimera.ingest.options import IngestOptions
from chimera.ingest.reader import read_file
from chimera.ingest.scan import FileEntry, scan
from chimera.ingest.spill import TableSpill
from chimera.ingest.storage import check_writable, write_outputs

if TYPE_CHECKING:
    import pandas as pd

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
    """Ingest the artifact tree at ``root`` into an inventory and a dataset frame.

    Raises ``IngestError`` only when the tree itself cannot be read (missing root,
    not a folder); every problem with single files is reported in the inventory.
    """
    # pandas is loaded here, not at import: ingest_to_file never needs it.
    from chimera.ingest.frames import read_dataset_file

    with tempfile.TemporaryDirectory(prefix="chimera-ingest-") as work:
        target = Path(work) / "dataset.parquet"
        inventory, timings = _run(Path(root), options, progress, target, Path(work))
        started = time.perf_counter()
        dataset = read_dataset_file(target)
        timings["load"] = time.perf_counter() - started
    return IngestResult(inventory, dataset, timings)


def ingest_to_file(
    root: Path | str,
    out: Path | str,
    options: IngestOptions | None = None,
    progress: ProgressHook | None = None,
) -> Inventory:
    """Ingest ``root`` straight into ``out`` (.parquet or .csv) and its inventory
    sidecar, without holding the dataset in memory; returns the inventory."""
    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise UsageError(
            f"cannot write {out.name}: unknown format",
            hint="use a file name ending in .parquet or .csv",
        )
    check_writable(out)
    with tempfile.TemporaryDirectory(prefix="chimera-ingest-") as work:
        target = Path(work) / "dataset.parquet"
        inventory, _timings = _run(Path(root), options, progress, target, Path(work))
        write_outputs(target, inventory, out)
    return inventory


@contextmanager
def ingested_file(
    root: Path | str,
    options: IngestOptions | None = None,
    progress: ProgressHook | None = None,
) -> Iterator[tuple[Path, Inventory]]:
    """Ingest ``root`` into a temporary Parquet file, removed on exit; yields the
    file and the inventory (for SQL over trees larger than memory)."""
    with tempfile.TemporaryDirectory(prefix="chimera-ingest-") as work:
        target = Path(work) / "dataset.parquet"
        inventory, _timings = _run(Path(root), options, progress, target, Path(work))
        yield target, inventory


def _run(
    root: Path,
    options: IngestOptions | None,
    progress: ProgressHook | None,
    target: Path,
    work: Path,
) -> tuple[Inventory, dict[str, float]]:
    options = options or IngestOptions()
    started = time.perf_counter()
    scanned = scan(root, options)
    groups = byte_duplicates(scanned.files)
    copies = {path for group in groups for path in group.paths[1:]}
    to_read = [entry for entry in scanned.files if entry.rel not in copies]
    scanned_at = time.perf_counter()
    spill = TableSpill(work / "files")
    try:
        results: list[FileResult] = []
        for result in _read_all(to_read, options, progress):
            if result.table is not None and result.table.num_rows:
                spill.add(result.report.rel, result.table)
            result.table = None
            results.append(result)
        read_at = time.perf_counter()
        inventory = assemble(scanned, results, groups, options, spill, target)
    finally:
        spill.close()
    done = time.perf_counter()
    logger.info(
        "ingested %s: %d files, %d measurements in %.2f s",
        inventory.root,
        inventory.totals.files,
        inventory.measurements,
        done - started,
    )
    timings = {
        "scan": scanned_at - started,
        "read": read_at - scanned_at,
        "assemble": done - read_at,
    }
    return inventory, timings


def _workers(entries: list[FileEntry], options: IngestOptions) -> int:
    if options.workers is not None:
        return options.workers
    total = sum(entry.size for entry in entries if not entry.too_large)
    if len(entries) < _PARALLEL_MIN_FILES and total < _PARALLEL_MIN_BYTES:
        return 1
    # One worker per CPU: parking each table costs this process far less than
    # reading the file costs a worker, so it needs no CPU of its own.
    workers = min(os.cpu_count() or 1, _MAX_AUTO_WORKERS)
    return workers if workers >= 2 else 1


def _read_all(
    entries: list[FileEntry], options: IngestOptions, progress: ProgressHook | None
) -> Iterator[FileResult]:
    notify = progress or (lambda done, total: None)
    workers, done = _workers(entries, options), 0
    if workers > 1:
        try:
            for result in _read_parallel(entries, options, workers):
                yield result.unpack()
                done += 1
                notify(done, len(entries))
            return
        except BrokenProcessPool as error:
            # E.g. a calling script that starts work at import time, so worker
            # processes cannot start; reading the rest in this process works.
            logger.warning("worker processes failed (%s); reading in-process", error)
    for entry in entries[done:]:
        yield read_file(entry, options)
        done += 1
        notify(done, len(entries))


def _read_parallel(
    entries: list[FileEntry], options: IngestOptions, workers: int
) -> Iterator[FileResult]:
    """Results in the order of ``entries``, read by a pool of processes."""
    context = multiprocessing.get_context("forkserver")
    # pyarrow imports pandas on first use; loading both in the fork server
    # shares their pages among the workers instead of importing them in each.
    context.set_forkserver_preload(["chimera.ingest.reader", "pandas"])
    chunk = max(1, min(64, len(entries) // (workers * 8) or 1))
    reader = partial(_read_packed, options=options)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(reader, entries, chunksize=chunk)


def _read_packed(entry: FileEntry, options: IngestOptions) -> FileResult:
    """``read_file`` in a worker, its table packed for the trip back."""
    return read_file(entry, options).pack()
