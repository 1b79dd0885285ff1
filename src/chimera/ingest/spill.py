"""Per-file measurement tables parked on disk while the rest of the tree is read.

Holding every file's rows in memory until the whole tree is seen would make
memory grow with the tree. Each file's table is written to its own Arrow IPC
file in a temporary folder the moment it arrives (one file each keeps no
growing metadata in memory, unlike one large Parquet file with a row group per
table) and is read back, memory-mapped, one file at a time when the dataset is
assembled.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa


class TableSpill:
    """Write tables by file name; read them back by file name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._paths: dict[str, Path] = {}

    def add(self, rel: str, table: pa.Table) -> None:
        """Park ``rel``'s table."""
        path = self.folder / f"{len(self._paths)}.arrow"
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        self._paths[rel] = path

    @property
    def files(self) -> list[str]:
        """Files with a parked table, in the order they were added."""
        return list(self._paths)

    def read(self, rel: str) -> pa.Table:
        """``rel``'s table, as it was added."""
        # The table's buffers keep the map open for as long as they are used.
        source = pa.memory_map(str(self._paths[rel]))
        return pa.ipc.open_file(source).read_all()
