"""Per-file measurement tables parked on disk while the rest of the tree is read.

Holding every file's rows in memory until the whole tree is seen would make
memory grow with the tree. Each file's table is written as one row group of a
temporary Parquet file the moment it arrives, and read back one file at a time
when the dataset is assembled, so memory stays near the size of the largest
file rather than of the tree.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from chimera.ingest.rows import DICTIONARY_COLUMNS


class TableSpill:
    """Write tables by file name; read them back by file name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._groups: dict[str, int] = {}
        self._reader: pq.ParquetFile | None = None

    def add(self, rel: str, table: pa.Table) -> None:
        """Park ``rel``'s table (one row group)."""
        if self._writer is None:
            # Every file's table has the dataset schema, so the first one's fits all.
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table, row_group_size=max(1, table.num_rows))
        self._groups[rel] = len(self._groups)

    def close(self) -> None:
        """Finish writing; reading may start."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def files(self) -> list[str]:
        """Files with a parked table, in the order they were added."""
        return list(self._groups)

    def read(self, rel: str) -> pa.Table:
        """``rel``'s table, as it was added."""
        if self._reader is None:
            columns = sorted(DICTIONARY_COLUMNS)
            self._reader = pq.ParquetFile(self.path, read_dictionary=columns)
        return self._reader.read_row_group(self._groups[rel])
