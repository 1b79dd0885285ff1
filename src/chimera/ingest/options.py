"""What an ingestion scans and how far it goes: the user-facing knobs.

The defaults suit a results folder copied from a benchmark machine: tool and
version-control folders are skipped, links are not followed out of (or around)
the tree, and files over the size limit are listed rather than read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_SKIP_DIRS = [
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
]


class IngestOptions(BaseModel):
    """Options for ``chimera.ingest.ingest`` and ``chimera ingest``."""

    model_config = ConfigDict(extra="forbid")

    skip_dirs: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SKIP_DIRS),
        description="Folder names never descended into (listed as skipped).",
    )
    include_hidden: bool = Field(
        False, description="Also scan hidden files and folders (names with a dot)."
    )
    max_file_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1,
        description="Files larger than this are listed as too large, not read.",
    )
    expected_dirs: list[str] = Field(
        default_factory=lambda: ["reports", "csv_data", "artifacts"],
        description="Folder names whose presence the inventory reports.",
    )
    follow_symlinks: bool = Field(
        False,
        description=(
            "Follow links to folders inside the root (loops are detected); "
            "links leaving the root are never followed."
        ),
    )
    max_array_samples: int = Field(
        64,
        ge=0,
        le=100_000,
        description=(
            "Numeric arrays up to this length become one row per element; longer "
            "ones are kept as a count and noted."
        ),
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=64,
        description="Processes that parse files; default: one per CPU for big trees.",
    )
