"""JSON and JSON Lines: paths, records, units beside values, scoped failures."""

from __future__ import annotations

import json

from tests.ingest.conftest import TreeWriter, reasons, rows, run


def test_nested_objects_keep_their_paths_and_sibling_units(
    write_tree: TreeWriter,
) -> None:
    report = {
        "decode": {
            "latency": {"unit": "s", "mean": 1.5, "p50": 1.4, "count": 10},
            "throughput": {"unit": "tokens/s", "value": 43.1},
            "memory": {"unit": "MB", "max_allocated": 6813.98},
        },
        "prefill": {"throughput": {"unit": "samples/s", "value": 30.8}},
    }
    result = run(write_tree({"report.json": json.dumps(report)}))
    data = rows(result, "report.json").set_index("original_name")
    assert data.loc["decode.latency.mean", "value"] == 1500.0
    assert data.loc["decode.latency.mean", "metric"] == "eval_duration_ms"
    assert data.loc["decode.latency.mean", "stat"] == "mean"
    assert data.loc["decode.latency.count", "value"] == 10
    assert data.loc["decode.latency.count", "unit"] == "count"
    assert data.loc["decode.throughput.value", "metric"] == "throughput_tok_s"
    assert data.loc["prefill.throughput.value", "metric"] == "throughput_samples_s"
    assert data.loc["decode.memory.max_allocated", "metric"] == "memory_mb"
    assert data.loc["decode.latency.mean", "locator"] == "$.decode.latency.mean"


def test_arrays_of_runs_inherit_the_document_context(write_tree: TreeWriter) -> None:
    document = {
        "model": "gemma3:latest",
        "options": {"temperature": 0.3, "num_ctx": 2048},
        "results": [
            {"prompt": "a", "ttft_s": 0.12, "tokens_s": 101.0, "samples": [1.0, 2.0]},
            {"prompt": "b", "ttft_s": 0.15, "tokens_s": 103.0},
        ],
    }
    result = run(write_tree({"baseline.json": json.dumps(document)}))
    data = rows(result, "baseline.json", "tokens_s")
    assert data["record_id"].tolist() == [
        "baseline.json#$.results[0]",
        "baseline.json#$.results[1]",
    ]
    assert set(data["model"].astype(str)) == {"gemma3:latest"}
    assert set(data["temperature"]) == {0.3}
    assert set(data["num_ctx"]) == {2048.0}
    samples = rows(result, "baseline.json", "samples")
    assert samples["locator"].tolist() == [
        "$.results[0].samples[0]",
        "$.results[0].samples[1]",
    ]


def test_failure_applies_to_the_object_that_holds_it(write_tree: TreeWriter) -> None:
    document = {
        "backends": {
            "eager": {"compilation": None, "benchmark": {"mean_time_ms": 3.8}},
            "torch_compile": {
                "compilation": {"success": False, "error": "no triton"},
                "benchmark": {"mean_time_ms": 0.0, "max_time_ms": 0.0},
            },
        }
    }
    result = run(write_tree({"compile.json": json.dumps(document)}))
    data = rows(result, "compile.json")
    eager = data[data["locator"].astype(str).str.contains("eager")]
    assert eager["status"].tolist() == ["ok"] and eager["value"].tolist() == [3.8]
    failed = data[data["locator"].astype(str).str.contains("torch_compile")]
    assert set(failed["status"]) == {"failed"}
    assert failed["value"].isna().all()
    assert set(failed["error"].astype(str)) == {"no triton"}


def test_failed_runs_without_metrics_are_still_counted(write_tree: TreeWriter) -> None:
    document = {
        "results": [
            {"name": "a", "error": "charmap codec", "success": False},
            {"name": "b", "tokens_per_second": 14.1, "success": True},
        ]
    }
    result = run(write_tree({"tests.json": json.dumps(document)}))
    data = rows(result, "tests.json")
    assert data.groupby("record_id", observed=True)["status"].first().to_dict() == {
        "tests.json#$.results[0]": "failed",
        "tests.json#$.results[1]": "ok",
    }
    assert result.inventory.gaps.failed_runs == 1


def test_json_lines_missing_fields_are_reported(write_tree: TreeWriter) -> None:
    lines = [
        {
            "model": "m",
            "prompt_eval_count": 27,
            "eval_count": 40,
            "eval_duration": 594601000,
        },
        {"model": "m", "eval_count": 35, "eval_duration": 590000000},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    result = run(write_tree({"chat.jsonl": text}))
    data = rows(result, "chat.jsonl", "eval_duration")
    assert data["value"].tolist() == [594.601, 590.0]
    assert set(data["backend"].astype(str)) == {"ollama"}
    telemetry = [issue.reason for issue in result.inventory.gaps.missing_telemetry]
    assert "prompt_eval_count absent in 1 of 2 records" in telemetry


def test_json_lines_inside_a_json_file(write_tree: TreeWriter) -> None:
    text = '{"tokens_s": 1.5}\n{"tokens_s": 2.5}\n'
    result = run(write_tree({"runs.json": text}))
    assert rows(result, "runs.json", "tokens_s")["value"].tolist() == [1.5, 2.5]
    assert reasons(result, "runs.json") == [
        "JSON Lines content in a .json file; read line by line"
    ]


def test_long_arrays_are_noted_not_expanded(write_tree: TreeWriter) -> None:
    document = {"ttfts": [0.1] * 100, "itls": [[0.01, 0.02]] * 3, "mean_ttft_ms": 100.0}
    result = run(write_tree({"detail.json": json.dumps(document)}))
    assert rows(result, "detail.json")["original_name"].tolist() == ["mean_ttft_ms"]
    assert reasons(result, "detail.json") == [
        "1 numeric arrays longer than 64 kept out of the rows "
        "(e.g. $.ttfts (100 values))"
    ]
    wide = run(write_tree({"detail.json": json.dumps(document)}), max_array_samples=200)
    assert len(rows(wide, "detail.json", "ttfts")) == 100


def test_config_file_names_the_model_of_its_folder(write_tree: TreeWriter) -> None:
    root = write_tree(
        {
            "run/benchmark_config.json": json.dumps(
                {"backend": {"model": "org/model-7b", "batch_size": 4}}
            ),
            "run/benchmark_report.json": json.dumps(
                {"decode": {"throughput": {"unit": "tokens/s", "value": 25.0}}}
            ),
        }
    )
    result = run(root)
    report = rows(result, "run/benchmark_report.json")
    assert report["model"].astype(str).tolist() == ["org/model-7b"]
    info = {entry.path: entry.status for entry in result.inventory.files}
    assert info["run/benchmark_config.json"] == "config"


def test_unknown_numbers_are_kept_under_their_own_name(write_tree: TreeWriter) -> None:
    result = run(write_tree({"q.json": json.dumps({"baseline": {"accuracy": 0.75}})}))
    data = rows(result, "q.json")
    assert data[["original_name", "metric", "value"]].values.tolist() == [
        ["baseline.accuracy", "accuracy", 0.75]
    ]


def test_statistics_with_units_under_a_metric(write_tree: TreeWriter) -> None:
    document = {"results": {"ttft": {"mean_ms": 120, "p99_ms": 300}}}
    result = run(write_tree({"run.json": json.dumps(document)}))
    data = rows(result, "run.json").set_index("original_name")
    assert data.loc["results.ttft.mean_ms", "metric"] == "ttft_ms"
    assert data.loc["results.ttft.mean_ms", "stat"] == "mean"
    assert data.loc["results.ttft.p99_ms", "value"] == 300.0
    assert data.loc["results.ttft.p99_ms", "stat"] == "p99"
