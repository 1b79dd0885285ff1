"""Rows that are not measured runs: warm-up calls, host descriptions, summaries."""

from __future__ import annotations

import doctest
import importlib
import json

import pytest
from tests.ingest.conftest import TreeWriter, rows, run

SWEEP_CSV = (
    "model,config_name,num_ctx,{mark},ttft_ms,tokens_per_s\n"
    "gemma3:1b,base,,{yes},250.0,40.0\n"
    "gemma3:1b,base,,{no},20.0,50.0\n"
    "gemma3:1b,base,,{no},30.0,52.0\n"
)


@pytest.mark.parametrize(
    ("mark", "yes", "no"),
    [
        ("warmup", "1", "0"),
        ("is_warmup", "true", "false"),
        ("warm_up", "yes", "no"),
        ("warmup_run", "True", ""),
    ],
)
def test_warmup_rows_get_their_own_status(
    write_tree: TreeWriter, mark: str, yes: str, no: str
) -> None:
    text = SWEEP_CSV.format(mark=mark, yes=yes, no=no)
    result = run(write_tree({"sweep.csv": text}))
    data = rows(result, "sweep.csv", "ttft_ms")
    assert data["status"].tolist() == ["warmup", "ok", "ok"]
    assert data["value"].tolist() == [250.0, 20.0, 30.0]  # kept, only marked


def test_host_description_objects_make_no_metric_rows(write_tree: TreeWriter) -> None:
    document = {
        "model": "gemma3:1b",
        "system": {"memory_total_mb": 25276.1, "cpu_count_logical": 2},
        "Hardware": {"gpu_memory_mb": 12282.0},
        "environment": {"python": "3.11", "host": {"ram_gb": 64}},
        "results": [{"ttft_ms": 120.5, "tokens_per_s": 48.0}],
    }
    result = run(write_tree({"run.json": json.dumps(document)}))
    data = rows(result, "run.json")
    assert sorted(data["metric"]) == ["throughput_tok_s", "ttft_ms"]
    assert set(data["model"]) == {"gemma3:1b"}


def test_timestamped_host_samples_stay_measurements(write_tree: TreeWriter) -> None:
    samples = {
        "metrics": [
            {"system": {"timestamp": 1759275970.66, "cpu_percent": 12.3}},
            {"system": {"timestamp": 1759275975.66, "cpu_percent": 40.5}},
        ]
    }
    result = run(write_tree({"telemetry.json": json.dumps(samples)}))
    data = rows(result, "telemetry.json")
    cpu = data[data["metric"] == "cpu_utilization_pct"]
    assert sorted(cpu["value"]) == [12.3, 40.5]


SWEEP_MD = """# Parameter sweep — SmolLM2-135M-Instruct (Q4_1)

## Results

| Config | num_ctx | temperature | Runs | Throughput (tok/s) |
| --- | --- | --- | --- | --- |
| baseline | None | default | 6 | 52.145 |
| small | 512 | 0.2 | 6 | 53.765 |
"""


def test_markdown_table_takes_its_model_from_the_heading(
    write_tree: TreeWriter,
) -> None:
    result = run(write_tree({"report.md": SWEEP_MD}))
    data = rows(result, "report.md", "Throughput (tok/s)")
    assert set(data["model"]) == {"SmolLM2-135M-Instruct"}
    assert set(data["quantization"]) == {"Q4_1"}
    baseline = data.iloc[0]
    assert baseline["num_ctx"] != baseline["num_ctx"]  # NaN: not set
    assert baseline["temperature"] != baseline["temperature"]
    assert "None" not in str(baseline["params"])
    assert "default" not in str(baseline["params"])
    assert data.iloc[1]["num_ctx"] == 512.0
    # A value beside a run count above one summarises those runs.
    assert set(data["stat"]) == {"mean"}


def test_heading_naming_two_models_names_none(write_tree: TreeWriter) -> None:
    text = SWEEP_MD.replace("SmolLM2-135M-Instruct (Q4_1)", "gemma3:1b vs qwen2.5:7b")
    result = run(write_tree({"report.md": text}))
    data = rows(result, "report.md", "Throughput (tok/s)")
    assert data["model"].isna().all()


def test_model_column_wins_over_the_heading(write_tree: TreeWriter) -> None:
    text = (
        "# Sweep of gemma3:1b\n\n| model | tokens/s |\n| --- | --- |\n"
        "| qwen2.5:7b | 31.0 |\n"
    )
    result = run(write_tree({"report.md": text}))
    assert set(rows(result, "report.md", "tokens/s")["model"]) == {"qwen2.5:7b"}


@pytest.mark.parametrize("name", ["chimera.ingest.run_marks", "chimera.ingest.names"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
