"""What reading one file produced: measurements, and what a reviewer should know.

Readers record findings here rather than raising: a file that cannot be used
gets one reason, a usable file may carry notes (decoded as cp1252, header rows
dropped, a telemetry table without rows). The pipeline merges these into the
inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa


class Unusable(Exception):
    """Raised by a reader when a file holds nothing it can use; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class FileReport:
    """Findings about one file, filled in while it is read."""

    rel: str
    notes: list[str] = field(default_factory=list)
    missing_telemetry: list[str] = field(default_factory=list)
    unusable: str | None = None
    partial: str | None = None
    tool: str | None = None
    config_only: bool = False


@dataclass
class FileResult:
    """Everything the pipeline needs from one file, small enough to pickle."""

    report: FileReport
    table: pa.Table | None = None
    # The table as an Arrow IPC stream while crossing a process boundary:
    # pickling a table column by column is several times slower.
    table_ipc: bytes | None = None
    records: int = 0
    failed_records: int = 0
    # Model names written inside the data (not guessed from the path).
    data_models: list[str] = field(default_factory=list)
    # No record's model is missing or only guessed from the path, so the
    # folder's configuration has nothing to add (see ``assemble``).
    models_settled: bool = False
    # See ``RowSink.fingerprints``: (record id, prefix, values, digest, identity).
    fingerprints: list[tuple[str, str, int, int, tuple[object, ...]]] = field(
        default_factory=list
    )
    time_first: tuple[str, str] | None = None  # (sortable ISO, display)
    time_last: tuple[str, str] | None = None
    directory_context: dict[str, object] | None = None

    def pack(self) -> FileResult:
        """Ready to send to another process (the table as one IPC buffer)."""
        if self.table is not None:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, self.table.schema) as writer:
                writer.write_table(self.table)
            self.table_ipc, self.table = sink.getvalue().to_pybytes(), None
        return self

    def unpack(self) -> FileResult:
        """The table back from its IPC buffer."""
        if self.table_ipc is not None:
            self.table = pa.ipc.open_stream(self.table_ipc).read_all()
            self.table_ipc = None
        return self
