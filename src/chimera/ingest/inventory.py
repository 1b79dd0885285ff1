"""The inventory: what a tree holds, what could not be used, and what is missing.

It is the part of an ingestion a reviewer reads first, and the part the agents'
prompts quote, so every count here is computed from the scan and the dataset,
and every file that could not be used carries a reason a person understands.
It serialises to strict JSON (``model_dump_json``) beside a saved dataset.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.0"
FILE_TYPES = ("csv", "tsv", "json", "jsonl", "md", "txt", "other")


class TypeStats(BaseModel):
    """Files of one type: how many, how big, modified when (UTC)."""

    files: int = 0
    bytes: int = 0
    earliest_mtime: datetime | None = None
    latest_mtime: datetime | None = None


class DirStats(BaseModel):
    """Files under one top-level folder ("." for files at the root)."""

    files: int = 0
    bytes: int = 0


class Totals(BaseModel):
    """Whole-tree counts. ``bytes`` counts file contents only;
    ``bytes_with_dirs`` adds the folders' own sizes, as ``du -sb`` reports."""

    files: int = 0
    bytes: int = 0
    directories: int = 0
    bytes_with_dirs: int = 0
    skipped_files: int = 0
    skipped_bytes: int = 0


class FileIssue(BaseModel):
    """A file (or folder) that was skipped, unusable, or read with a caveat."""

    path: str
    reason: str


class DuplicateGroup(BaseModel):
    """Byte-identical files; the first path is the one ingested."""

    sha256: str
    bytes: int
    paths: list[str]


class RecordDuplicate(BaseModel):
    """Records of one file that repeat records of another, counted once."""

    path: str
    duplicate_of: str
    records: int
    rule: str


class Coverage(BaseModel):
    """Expected folder names and where in the tree each was found."""

    expected: list[str] = Field(default_factory=list)
    present: dict[str, list[str]] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)


class Gaps(BaseModel):
    """What a reviewer would miss in these results."""

    throughput_without_ttft: int = 0
    throughput_without_ttft_files: list[str] = Field(default_factory=list)
    single_runs: int = 0
    single_run_files: list[str] = Field(default_factory=list)
    configs_without_model: int = 0
    configs_without_model_files: list[str] = Field(default_factory=list)
    failed_runs: int = 0
    failed_run_files: dict[str, int] = Field(default_factory=dict)
    files_without_metrics: list[str] = Field(default_factory=list)
    missing_telemetry: list[FileIssue] = Field(default_factory=list)


class FileEntryInfo(BaseModel):
    """One scanned file as the ``files`` query table shows it."""

    path: str
    type: str
    top_dir: str
    bytes: int
    mtime: datetime
    status: str  # ingested | duplicate | unusable | skipped | no_metrics | partial
    records: int = 0
    measurements: int = 0
    failed_records: int = 0
    reason: str | None = None


class Inventory(BaseModel):
    """Everything known about an ingested tree except the measurements."""

    schema_version: str = SCHEMA_VERSION
    root: str
    totals: Totals = Field(default_factory=Totals)
    by_type: dict[str, TypeStats] = Field(
        default_factory=lambda: {kind: TypeStats() for kind in FILE_TYPES}
    )
    by_top_dir: dict[str, DirStats] = Field(default_factory=dict)
    top_level_dirs: list[str] = Field(default_factory=list)
    coverage: Coverage = Field(default_factory=Coverage)
    earliest_mtime: datetime | None = None
    latest_mtime: datetime | None = None
    data_time_earliest: str | None = None
    data_time_latest: str | None = None
    duplicates: list[DuplicateGroup] = Field(default_factory=list)
    record_duplicates: list[RecordDuplicate] = Field(default_factory=list)
    skipped: list[FileIssue] = Field(default_factory=list)
    unusable: list[FileIssue] = Field(default_factory=list)
    notes: list[FileIssue] = Field(default_factory=list)
    gaps: Gaps = Field(default_factory=Gaps)
    measurements: int = 0
    records: int = 0
    models: list[str] = Field(default_factory=list)
    files: list[FileEntryInfo] = Field(default_factory=list)

    def issues_for(self, path: str) -> list[FileIssue]:
        """Every skipped / unusable / note entry about ``path``."""
        return [
            issue
            for issue in (*self.skipped, *self.unusable, *self.notes)
            if issue.path == path
        ]

    def summary_lines(self, max_paths: int = 5) -> list[str]:
        """A compact plain-text summary for prompts and terminals.

        Counts come first (they are the facts most often quoted), then coverage,
        timestamps, sample paths, problems and gaps.
        """
        from chimera.ingest.summary import summary_lines

        return summary_lines(self, max_paths)
