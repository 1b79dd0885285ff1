"""`chimera ingest` and `chimera query` as a user runs them, plus the library
helpers behind them (saving, loading, SQL)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.ingest.conftest import TreeWriter, run

from chimera.errors import UsageError
from chimera.ingest import load_dataset, query, save_dataset
from chimera.ingest.schema import DATASET_COLUMNS

TREE = {
    "reports/summary.md": "# Run\n- Throughput: 40.88 tok/s\n",
    "csv_data/runs.csv": "model,tokens_s,ttft_ms,error\nm,50.5,120,\nm,0,0,refused\n",
    "broken.json": '[{"tokens_s": 1',
}


def chimera(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chimera", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ingest_prints_a_summary_and_writes_the_dataset(
    write_tree: TreeWriter, tmp_path: Path
) -> None:
    root = write_tree(TREE)
    out = tmp_path / "out" / "data.parquet"
    done = chimera("ingest", str(root), "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "3 files" in done.stdout
    assert "broken.json" in done.stdout and "truncated JSON" in done.stdout
    assert "1 failed runs" in done.stdout
    dataset, inventory = load_dataset(out)
    assert list(dataset.columns) == list(DATASET_COLUMNS)
    assert inventory.totals.files == 3
    assert (out.parent / "data.inventory.json").exists()


def test_ingest_json_is_the_inventory(write_tree: TreeWriter) -> None:
    done = chimera("ingest", str(write_tree(TREE)), "--json", "--expect", "reports")
    assert done.returncode == 0, done.stderr
    inventory = json.loads(done.stdout)
    assert inventory["totals"]["files"] == 3
    assert inventory["coverage"] == {
        "expected": ["reports"],
        "present": {"reports": ["reports"]},
        "missing": [],
    }
    assert inventory["unusable"][0]["path"] == "broken.json"


def test_ingest_missing_folder_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = chimera("ingest", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert "does not exist" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_query_over_a_folder(write_tree: TreeWriter) -> None:
    root = write_tree(TREE)
    sql = (
        "SELECT metric, value, status FROM measurements "
        "WHERE source_file = 'csv_data/runs.csv' ORDER BY locator, metric"
    )
    done = chimera("query", str(root), sql, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {"metric": "throughput_tok_s", "value": 50.5, "status": "ok"},
        {"metric": "ttft_ms", "value": 120.0, "status": "ok"},
        {"metric": "throughput_tok_s", "value": None, "status": "failed"},
        {"metric": "ttft_ms", "value": None, "status": "failed"},
    ]
    files = chimera(
        "query", str(root), "SELECT path, status FROM files ORDER BY path", "--csv"
    )
    assert files.stdout.splitlines() == [
        "path,status",
        "broken.json,unusable",
        "csv_data/runs.csv,ingested",
        "reports/summary.md,ingested",
    ]
    bad = chimera("query", str(root), "SELECT nope FROM measurements")
    assert bad.returncode == 2 and "query failed" in bad.stderr


def test_library_save_load_and_query(write_tree: TreeWriter, tmp_path: Path) -> None:
    result = run(write_tree(TREE))
    for name in ("data.parquet", "data.csv"):
        path = save_dataset(result.dataset, result.inventory, tmp_path / name)
        dataset, inventory = load_dataset(path)
        assert len(dataset) == len(result.dataset)
        assert inventory == result.inventory
        means = query(
            dataset,
            "SELECT avg(value) AS v FROM measurements "
            "WHERE metric = 'throughput_tok_s'",
        )
        assert means["v"].tolist() == pytest.approx([(50.5 + 40.88) / 2])
    with pytest.raises(UsageError):
        save_dataset(result.dataset, result.inventory, tmp_path / "data.xlsx")


def test_summary_lines_quote_computed_counts(write_tree: TreeWriter) -> None:
    inventory = run(write_tree(TREE)).inventory
    lines = inventory.summary_lines(max_paths=1)
    assert lines[0].startswith("Files: 3 (")
    assert lines[1].startswith("By type: csv 1")
    assert any(
        line.startswith("Expected directories present: reports/") for line in lines
    )
    assert any("csv_data/" in line for line in lines)
    assert any(line.startswith("Unusable files (1): broken.json") for line in lines)
    assert any(line.startswith("Gaps: 1 failed runs") for line in lines)


def test_streaming_output_equals_the_frame(
    write_tree: TreeWriter, tmp_path: Path
) -> None:
    from chimera.ingest import ingest_to_file

    root = write_tree(TREE)
    frame = run(root).dataset
    for name in ("stream.parquet", "stream.csv"):
        inventory = ingest_to_file(root, tmp_path / name)
        dataset, saved = load_dataset(tmp_path / name)
        assert inventory.measurements == len(frame) == len(dataset)
        assert saved.totals == inventory.totals
        assert dataset["value"].tolist() == pytest.approx(
            frame["value"].tolist(), nan_ok=True
        )
        assert (
            dataset["record_id"].astype(str).tolist()
            == frame["record_id"].astype(str).tolist()
        )
    with pytest.raises(UsageError):
        ingest_to_file(root, tmp_path / "data.xlsx")


def test_ingest_summary_shows_notes_and_repeated_records(
    write_tree: TreeWriter,
) -> None:
    record = {"model_id": "m", "completed": 8, "mean_ttft_ms": 217.3, "tps": 93.7}
    root = write_tree(
        {
            "runs.jsonl": '{"model": "m", "tps": 1}\n{"tps": \n',
            "sweep/run=0.json": json.dumps(record),
            "sweep/summary.json": json.dumps([record, {**record, "tps": 99.0}]),
        }
    )
    done = chimera("ingest", str(root), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "Notes (1)" in done.stdout
    assert "Repeated records (1, counted once)" in done.stdout


def test_an_output_that_cannot_be_written_fails_before_reading(
    write_tree: TreeWriter,
) -> None:
    done = chimera("ingest", str(write_tree(TREE)), "--out", "/proc/x.parquet")
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: cannot write /proc/x.parquet")
    assert "Traceback" not in done.stderr
