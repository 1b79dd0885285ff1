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
    records: int = 0
    failed_records: int = 0
    fingerprints: list[tuple[str, str, int, str]] = field(default_factory=list)
    time_first: tuple[str, str] | None = None  # (sortable ISO, display)
    time_last: tuple[str, str] | None = None
    directory_context: dict[str, object] | None = None
