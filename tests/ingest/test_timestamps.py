"""Times written inside the data: ISO strings, compact dates and epochs."""

from __future__ import annotations

from tests.ingest.conftest import TreeWriter, rows, run


def test_epoch_seconds_in_a_timestamp_column(write_tree: TreeWriter) -> None:
    text = "timestamp,model,tokens_s\n1717000000,m,10\n1717000000123,m,11\n"
    result = run(write_tree({"runs.csv": text}))
    data = rows(result, "runs.csv", "tokens_s")
    assert data["timestamp"].tolist() == [
        "2024-05-29T16:26:40+00:00",
        "2024-05-29T16:26:40.123000+00:00",
    ]
