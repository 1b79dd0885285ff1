"""A dataset written into the tree it came from is not read back as results."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.ingest.conftest import TreeWriter, reasons, rows, run

from chimera.ingest import ingest_to_file

_REASON = "a Chimera dataset and its inventory, not benchmark results"


@pytest.mark.parametrize("name", ["ds.csv", "ds.parquet"])
def test_dataset_and_inventory_in_the_tree_are_skipped(
    write_tree: TreeWriter, name: str
) -> None:
    root = write_tree({"good.csv": "model,throughput_tok_s\nC,3\n"})
    ingest_to_file(root, root / name)
    assert {path.name for path in root.iterdir()} == {
        "good.csv",
        name,
        "ds.inventory.json",
    }

    result = run(root)

    assert [info.path for info in result.inventory.files] == ["good.csv"]
    assert rows(result, "good.csv")["value"].tolist() == [3.0]
    assert result.inventory.measurements == 1
    assert reasons(result, name) == [_REASON]
    assert reasons(result, "ds.inventory.json") == [_REASON]
    totals = result.inventory.totals
    written = (root / name).stat().st_size + (root / "ds.inventory.json").stat().st_size
    assert (totals.skipped_files, totals.skipped_bytes) == (2, written)


def test_csv_without_an_inventory_beside_it_is_data(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "ds.csv": "model,throughput_tok_s\nA,1\n",
            "other.inventory.json": '{"model": "B", "throughput_tok_s": 2}',
        }
    )

    result = run(root)

    assert rows(result, "ds.csv")["value"].tolist() == [1.0]
    assert rows(result, "other.inventory.json")["value"].tolist() == [2.0]


def test_sidecar_name_follows_the_dataset_name(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "run.csv").write_text("model,throughput_tok_s\nA,1\n")
    ingest_to_file(root, root / "sub" / "Results.CSV")

    result = run(root)

    assert reasons(result, "sub/Results.CSV") == [_REASON]
    assert reasons(result, "sub/Results.inventory.json") == [_REASON]
    assert [info.path for info in result.inventory.files] == ["sub/run.csv"]
