"""Fixtures for ingestion tests: small trees written on the fly, and ingest helpers.

Trees are built in ``tmp_path`` from literal content so each test shows the input
it checks; case inputs copied from ``../shared/cases`` live in
``tests/fixtures/cases``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from chimera.ingest import IngestOptions, IngestResult, ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = FIXTURES / "cases"

TreeWriter = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def write_tree(tmp_path: Path) -> TreeWriter:
    """Write ``{relative path: text or bytes}`` under a fresh root and return it."""

    def write(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "tree"
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        root.mkdir(exist_ok=True)
        return root

    return write


def run(root: Path, **options: object) -> IngestResult:
    """Ingest ``root`` in this process with the given options."""
    return ingest(root, IngestOptions.model_validate({"workers": 1, **options}))


def rows(result: IngestResult, source: str, name: str | None = None) -> pd.DataFrame:
    """The dataset rows of one file (and one original column / key name)."""
    data = result.dataset
    picked = data[data["source_file"] == source]
    if name is not None:
        picked = picked[picked["original_name"] == name]
    return picked


def ok_mean(result: IngestResult, source: str, name: str) -> float:
    """Mean of the usable values of one original column in one file."""
    picked = rows(result, source, name)
    return float(picked.loc[picked["status"] == "ok", "value"].mean())


def reasons(result: IngestResult, path: str) -> list[str]:
    """Every skipped / unusable / note reason the inventory gives for ``path``."""
    return [issue.reason for issue in result.inventory.issues_for(path)]


def copy_case(case: str, destination: Path) -> Path:
    """A writable copy of one case's inputs."""
    target = destination / case
    shutil.copytree(CASES / case, target)
    for folder, _dirs, names in os.walk(target):
        os.chmod(folder, 0o755)
        for name in names:
            os.chmod(os.path.join(folder, name), 0o644)
    return target
