"""Each measurement counted once: byte copies, repeated records, renderings."""

from __future__ import annotations

import json

from tests.ingest.conftest import TreeWriter, rows, run

RUN_0 = {
    "model_id": "m",
    "completed": 8,
    "failed": 0,
    "mean_ttft_ms": 217.3,
    "output_throughput": 93.7,
}
RUN_1 = {
    "model_id": "m",
    "completed": 8,
    "failed": 0,
    "mean_ttft_ms": 39.3,
    "output_throughput": 199.4,
}


def test_byte_identical_files_are_read_once(write_tree: TreeWriter) -> None:
    text = "model,tokens_s\nm,10\nm,12\n"
    result = run(
        write_tree(
            {"a/runs.csv": text, "b/runs.csv": text, "c/other.csv": text + "m,14\n"}
        )
    )
    assert [group.paths for group in result.inventory.duplicates] == [
        ["a/runs.csv", "b/runs.csv"]
    ]
    assert rows(result, "b/runs.csv").empty
    assert rows(result, "a/runs.csv", "tokens_s")["value"].tolist() == [10.0, 12.0]
    status = {info.path: info.status for info in result.inventory.files}
    assert status["b/runs.csv"] == "duplicate"


def test_summary_listing_its_runs_adds_nothing(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "sweep/run=0.json": json.dumps(RUN_0),
            "sweep/run=1.json": json.dumps(RUN_1),
            "sweep/summary.json": json.dumps([RUN_0, RUN_1], indent=4),
        }
    )
    result = run(root)
    assert result.dataset["record_id"].nunique() == 2
    assert rows(result, "sweep/summary.json").empty
    notes = [
        (item.path, item.duplicate_of, item.records)
        for item in result.inventory.record_duplicates
    ]
    assert notes == [
        ("sweep/summary.json", "sweep/run=0.json", 1),
        ("sweep/summary.json", "sweep/run=1.json", 1),
    ]


def test_wrapper_document_is_counted_once(write_tree: TreeWriter) -> None:
    report = {
        "decode": {
            "throughput": {"unit": "tokens/s", "value": 43.1},
            "latency": {"unit": "s", "mean": 1.46},
        }
    }
    root = write_tree(
        {
            "run/benchmark_report.json": json.dumps(report),
            "run/benchmark.json": json.dumps(
                {"config": {"name": "x"}, "report": report}
            ),
        }
    )
    result = run(root)
    assert rows(result, "run/benchmark.json").empty
    assert len(rows(result, "run/benchmark_report.json")) == 2


def test_csv_and_json_exports_of_the_same_runs(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "gemma/base.csv": "prompt,ttft_s,tokens_s\na,0.12,101.5\nb,0.13,102.5\n",
            "gemma/base.json": json.dumps(
                {
                    "model": "gemma3:latest",
                    "results": [
                        {"prompt": "a", "ttft_s": 0.12, "tokens_s": 101.5},
                        {"prompt": "b", "ttft_s": 0.13, "tokens_s": 102.5},
                    ],
                }
            ),
        }
    )
    result = run(root)
    assert rows(result, "gemma/base.json").empty
    kept = rows(result, "gemma/base.csv")
    assert kept["record_id"].nunique() == 2


def test_equal_values_in_unrelated_folders_are_both_kept(
    write_tree: TreeWriter,
) -> None:
    text = "ttft_s,tokens_s\n0.12,101.5\n"
    root = write_tree({"a/x/run.csv": text, "b/y/run.csv": text + "0.2,90\n"})
    result = run(root)
    assert rows(result, "a/x/run.csv")["record_id"].nunique() == 1
    assert rows(result, "b/y/run.csv")["record_id"].nunique() == 2


def test_markdown_rendering_of_a_json_report_is_dropped(write_tree: TreeWriter) -> None:
    report = {
        "load": {
            "latency": {
                "unit": "s",
                "mean": 11.7544541,
                "p50": 11.7544541,
                "p90": 11.76,
            }
        },
        "decode": {
            "memory": {
                "unit": "MB",
                "max_ram": 1449.189376,
                "max_allocated": 6813.98784,
            }
        },
    }
    rendered = (
        "# load:\n## latency:\n| metric | value | unit |\n| --- | --- | --- |\n"
        "| mean | 11.754454 | s |\n| p50 | 11.754454 | s |\n| p90 | 11.760000 | s |\n"
        "# decode:\n## memory:\n| metric | value | unit |\n| --- | --- | --- |\n"
        "| max_ram | 1449.19 | MB |\n| max_allocated | 6813.99 | MB |\n"
    )
    root = write_tree(
        {"run/report.json": json.dumps(report), "run/report.md": rendered}
    )
    result = run(root)
    assert rows(result, "run/report.md").empty
    assert [item.rule for item in result.inventory.record_duplicates] == ["rendering"]
    assert len(rows(result, "run/report.json")) == 5


def test_equal_numbers_of_different_models_are_different_runs(
    write_tree: TreeWriter,
) -> None:
    llama = {**RUN_0, "model_id": "llama3:8b"}
    mistral = {**RUN_0, "model_id": "mistral:7b"}
    result = run(
        write_tree(
            {
                "llama.csv": "model,tokens_per_second,ttft_ms\nllama3:8b,10.5,120\n",
                "mistral.csv": "model,tokens_per_second,ttft_ms\nmistral:7b,10.5,120\n",
                "run_llama.json": json.dumps(llama),
                "run_mistral.json": json.dumps(mistral),
            }
        )
    )
    for path in ("llama.csv", "mistral.csv", "run_llama.json", "run_mistral.json"):
        assert not rows(result, path).empty, path
    assert result.inventory.record_duplicates == []


def test_a_folder_holding_only_a_copy_is_not_a_gap(write_tree: TreeWriter) -> None:
    text = "model,tokens_s\nm,10\nm,12\n"
    result = run(
        write_tree(
            {
                "runs/a/results.csv": text,
                "runs/b/results.csv": text,
                "runs/c/x.txt": "-",
            }
        )
    )
    gaps = {
        issue.path: issue.reason for issue in result.inventory.gaps.missing_telemetry
    }
    assert "runs/b" not in gaps
    assert gaps["runs/c"].startswith("run folder without results")
