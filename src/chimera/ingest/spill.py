"""Per-file measurement tables parked on disk while the rest of the tree is read.

Holding every file's rows in memory until the whole tree is seen would make
memory grow with the tree. Each file's table is appended, as record batches, to
one Arrow IPC file the moment it arrives (every table has the dataset's schema,
so one file holds them all), and is read back one file at a
time when the dataset is assembled.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from chimera.ingest.rows import dataset_schema


class TableSpill:
    """Write tables by file name; read them back by file name.

    All tables are added first and read afterwards: the first ``read`` closes
    the file for writing.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "tables.arrow"
        self._sink = pa.OSFile(str(self.path), "wb")
        self._writer = pa.ipc.new_file(self._sink, dataset_schema())
        self._batches: dict[str, range] = {}
        self._count = 0
        self._reader: pa.ipc.RecordBatchFileReader | None = None

    def add(self, rel: str, table: pa.Table) -> None:
        """Park ``rel``'s table."""
        if self._reader is not None:
            raise RuntimeError("tables cannot be added once reading has started")
        batches = table.to_batches()
        for batch in batches:
            self._writer.write_batch(batch)
        self._batches[rel] = range(self._count, self._count + len(batches))
        self._count += len(batches)

    @property
    def files(self) -> list[str]:
        """Files with a parked table, in the order they were added."""
        return list(self._batches)

    def read(self, rel: str) -> pa.Table:
        """``rel``'s table, as it was added."""
        if self._reader is None:
            self._writer.close()
            self._sink.close()
            # Read, not memory-mapped: a map would keep every page it touched
            # resident (and counted in this process's memory) until it closes.
            self._reader = pa.ipc.open_file(pa.OSFile(str(self.path), "rb"))
        reader = self._reader
        batches = [reader.get_batch(index) for index in self._batches[rel]]
        return pa.Table.from_batches(batches, schema=dataset_schema())

    def close(self) -> None:
        """Release the file (it stays on disk, for its folder's owner to remove)."""
        if self._reader is None:
            self._writer.close()
            self._sink.close()
        self._reader = None
        self._batches.clear()
