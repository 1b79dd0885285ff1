"""The pipeline's own promises: worker processes give the same dataset as one
process, and progress is reported file by file."""

from __future__ import annotations

from tests.ingest.conftest import TreeWriter, run


def test_worker_processes_give_the_same_dataset(write_tree: TreeWriter) -> None:
    files: dict[str, str | bytes] = {
        f"runs/r{index}.csv": f"model,tokens_s,ttft_ms\nm{index % 3},{index}.5,12\n"
        for index in range(40)
    }
    files["runs/summary.json"] = '{"model": "m1", "tokens_s": 1.5, "ttft_ms": 12}'
    files["broken.json"] = '{"tokens_s": '
    root = write_tree(files)
    alone = run(root, workers=1)
    pooled = run(root, workers=2)
    assert pooled.inventory.model_dump(exclude={"files"}) == alone.inventory.model_dump(
        exclude={"files"}
    )
    columns = ["record_id", "metric", "value", "model"]
    assert (
        pooled.dataset[columns].astype(str).values.tolist()
        == alone.dataset[columns].astype(str).values.tolist()
    )


def test_progress_is_reported_per_file(write_tree: TreeWriter) -> None:
    from chimera.ingest import IngestOptions, ingest

    root = write_tree({f"r{i}.csv": f"tokens_s\n{i}.5\n" for i in range(5)})
    seen: list[tuple[int, int]] = []
    ingest(
        root,
        IngestOptions(workers=1),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(done, 5) for done in range(1, 6)]
