"""Gaps and per-file counts stay within DuckDB's memory limit on large datasets,
and a failure there costs the gaps, never the ingestion."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.ingest.conftest import TreeWriter, run

from chimera.ingest import inventory_build
from chimera.ingest.gaps import compute_gaps
from chimera.ingest.inventory import Inventory
from chimera.ingest.inventory_build import _dataset_facts
from chimera.ingest.schema import DATASET_COLUMNS

# 200,000 records of one CSV file (a throughput and a TTFT each); row 7, one
# record's TTFT, is left out, so the file has exactly one missing field.
_RECORDS = 200_000
_VALUES = {
    "source_file": "'big.csv'",
    "record_id": "'big.csv#line ' || (i // 2 + 2)",
    "metric": "CASE WHEN i % 2 = 0 THEN 'throughput_tok_s' ELSE 'ttft_ms' END",
    "original_name": "CASE WHEN i % 2 = 0 THEN 'tps' ELSE 'ttft' END",
    "status": "'ok'",
    "model": "'A'",
    "value": "1.0",
}


def _big_dataset(path: Path) -> Path:
    columns = ", ".join(
        f"CAST({_VALUES.get(name, 'NULL')} AS "
        f"{'VARCHAR' if kind == 'string' else 'DOUBLE'}) AS {name}"
        for name, (kind, _meaning) in DATASET_COLUMNS.items()
    )
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT {columns} FROM range({2 * _RECORDS}) AS r(i) "
            f"WHERE i <> 7) TO '{path}' (FORMAT parquet)"
        )
    return path


def test_gaps_of_400k_rows_fit_in_32_mb(tmp_path: Path) -> None:
    dataset = _big_dataset(tmp_path / "big.parquet")
    config = {"memory_limit": "32MB", "threads": 1, "temp_directory": str(tmp_path)}
    with duckdb.connect(config=config) as connection:
        connection.read_parquet(str(dataset)).create_view("m")
        inventory = Inventory(root=str(tmp_path))

        per_file = _dataset_facts(inventory, connection)
        gaps = compute_gaps(connection, {"big.csv": "csv"}, [], [])

    assert per_file == {"big.csv": (2 * _RECORDS - 1, _RECORDS, 0)}
    assert (inventory.measurements, inventory.records) == (2 * _RECORDS - 1, _RECORDS)
    assert gaps.throughput_without_ttft == 1
    assert gaps.throughput_without_ttft_files == ["big.csv"]
    assert gaps.single_runs == 0
    assert [issue.reason for issue in gaps.missing_telemetry] == [
        f"ttft absent in 1 of {_RECORDS} records"
    ]


def test_failed_gaps_leave_a_note_and_the_ingestion(
    write_tree: TreeWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(*_args: object) -> None:
        raise duckdb.OutOfMemoryException(
            "Out of Memory Error: failed to allocate data of size 8.0 MiB\n"
            "Possible solutions: ..."
        )

    monkeypatch.setattr(inventory_build, "compute_gaps", out_of_memory)
    root = write_tree(
        {"run.csv": "model,throughput_tok_s\nA,1\n", "notes.csv": "a,b\nx,y\n"}
    )

    result = run(root)

    assert result.inventory.measurements == 1
    assert [(note.path, note.reason) for note in result.inventory.notes] == [
        (
            ".",
            "gaps could not be computed "
            "(Out of Memory Error: failed to allocate data of size 8.0 MiB)",
        )
    ]
    assert result.inventory.gaps.files_without_metrics == ["notes.csv"]
