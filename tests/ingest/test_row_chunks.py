"""A large file's rows are turned into Arrow chunks as they come; the dataset
and the file's summary are the same as when they are built in one piece."""

from __future__ import annotations

import pytest
from tests.ingest.conftest import TreeWriter, run

from chimera.ingest import rows as sink_rows


def test_chunked_rows_give_the_same_dataset(
    write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["model,tokens_s,ttft_ms,error"]
    lines += [f"m{index % 3},{10 + index},{100 + index}," for index in range(20)]
    lines.append("m0,0,0,refused")
    root = write_tree({"runs.csv": "\n".join(lines) + "\n"})
    whole = run(root)
    monkeypatch.setattr(sink_rows, "CHUNK_ROWS", 4)
    chunked = run(root)
    assert chunked.dataset.equals(whole.dataset)
    assert len(chunked.dataset) == 42
    summary = {info.path: info for info in chunked.inventory.files}["runs.csv"]
    expected = {info.path: info for info in whole.inventory.files}["runs.csv"]
    assert (summary.records, summary.failed_records) == (21, 1)
    assert summary == expected
