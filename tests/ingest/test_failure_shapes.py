"""Failed runs and warm-ups written the ways tools write them."""

from __future__ import annotations

import json

from tests.ingest.conftest import TreeWriter, rows, run


def test_error_objects_flags_and_codes_fail_the_run(write_tree: TreeWriter) -> None:
    measured = {"model": "m", "tokens_per_second": 12.0, "ttft_ms": 100}
    result = run(
        write_tree(
            {
                "object.json": json.dumps({**measured, "error": {"message": "boom"}}),
                "flag.json": json.dumps({**measured, "error": True}),
                "clean.json": json.dumps({**measured, "error": None}),
            }
        )
    )
    for path, reason in (("object.json", "boom"), ("flag.json", "error flag set")):
        data = rows(result, path)
        assert set(data["status"]) == {"failed"}, path
        assert set(data["error"].astype(str)) == {reason}
        assert data["value"].isna().all()
    assert set(rows(result, "clean.json")["status"]) == {"ok"}


def test_status_messages_and_warmup_phases(write_tree: TreeWriter) -> None:
    text = (
        "model,status,tokens_per_second\n"
        "m,FAILED: OOM,0\n"
        "m,ok,12\n"
        "m,warm-up,30\n"
        "m,no errors,5\n"
    )
    data = rows(run(write_tree({"runs.csv": text})), "runs.csv")
    assert data["status"].tolist() == ["failed", "ok", "warmup", "ok"]
    assert data["error"].iloc[0] == "marked failed (status=FAILED: OOM)"
    assert data["value"].tolist()[1:] == [12.0, 30.0, 5.0]
