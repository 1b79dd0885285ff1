"""Names, units and values: the vocabulary every reader relies on."""

from __future__ import annotations

import doctest
import importlib

import pytest

from chimera.ingest.names import (
    config_from_name,
    context_from_path,
    model_from_stem,
    quantization_from_text,
)
from chimera.ingest.units import convert, parse_number
from chimera.ingest.vocabulary import classify, resolve_metric


@pytest.mark.parametrize(
    "module",
    [
        "chimera.ingest.units",
        "chimera.ingest.names",
        "chimera.ingest.failures",
        "chimera.ingest.timestamps",
        "chimera.ingest.tools",
        "chimera.ingest.sql",
    ],
)
def test_doctests(module: str) -> None:
    failures, _tests = doctest.testmod(importlib.import_module(module))
    assert failures == 0


@pytest.mark.parametrize(
    ("name", "metric", "stat", "unit"),
    [
        ("ttft_s", "ttft_ms", None, "ms"),
        ("mean_ttft_ms", "ttft_ms", "mean", "ms"),
        ("Time to First Token (ms)", "ttft_ms", None, "ms"),
        ("p99_itl_ms", "itl_ms", "p99", "ms"),
        ("median_e2el_ms", "e2e_latency_ms", "p50", "ms"),
        ("tokens_s", "throughput_tok_s", None, "tok/s"),
        ("Tokens per Second", "throughput_tok_s", None, "tok/s"),
        ("Output Token Throughput (tokens/sec)", "throughput_tok_s", None, "tok/s"),
        ("eval rate", "throughput_tok_s", None, "tok/s"),
        ("avg_ts", "throughput_tok_s", "mean", "tok/s"),
        ("avg_ns", "latency_ms", "mean", "ms"),
        ("eval_count", "tokens_generated", None, "tokens"),
        ("prompt_eval_count", "prompt_tokens", None, "tokens"),
        ("request_throughput", "request_throughput_req_s", None, "req/s"),
        ("Request Count", "request_count", None, "count"),
        ("load_s", "load_duration_ms", None, "ms"),
        ("memory_used_gb", "memory_mb", None, "MB"),
        ("cpu_percent", "cpu_utilization_pct", None, "%"),
    ],
)
def test_metric_names(name: str, metric: str, stat: str | None, unit: str) -> None:
    field = classify(name)
    assert field.role == "metric"
    assert field.stat == stat
    assert resolve_metric(field, None)[:2] == (metric, unit)


@pytest.mark.parametrize(
    ("name", "role", "target"),
    [
        ("num_gpu", "config", "num_gpu"),
        ("n_gpu_layers", "config", "num_gpu"),
        ("n_ctx", "config", "num_ctx"),
        ("temperature", "config", "temperature"),
        ("max_concurrency", "config", "concurrency"),
        ("n_batch", "config", "batch_size"),
        ("model_name", "model", "model_name"),
        ("quant", "quantization", "quant"),
        ("error", "error", "error"),
        ("success", "status", "success"),
        ("generated_at", "timestamp", "generated_at"),
        ("prompt_text", "text", "prompt_text"),
        ("options", "config_blob", "options"),
        ("num_prompts", "param", "num_prompts"),
    ],
)
def test_other_roles(name: str, role: str, target: str) -> None:
    field = classify(name)
    assert (field.role, field.target) == (role, target)


def test_context_changes_the_reading() -> None:
    assert classify("temperature", ("metrics", "gpu")).target == "temperature_c"
    assert classify("batch_size", ("model",)).role == "config"
    assert classify("seed", ("config", "backend")).role == "param"
    assert classify("model", ("config", "backend")).role == "model"
    mean = classify("mean", ("decode", "latency"))
    assert resolve_metric(mean, "s")[:2] == ("eval_duration_ms", "ms")
    unknown = classify("response_chars")
    assert resolve_metric(unknown, None) == ("response_chars", None, False)
    # A canonical name promises its unit: "duration" without one keeps its slug.
    assert resolve_metric(classify("duration"), None)[0] == "duration"


@pytest.mark.parametrize(
    ("text", "decimal", "value", "unit"),
    [
        ("12.3 ms", ".", 12.3, "ms"),
        ("45 tok/s", ".", 45.0, "tok/s"),
        ("1,234.5", ".", 1234.5, None),
        ("1.234,5", ",", 1234.5, None),
        ("12,5", ",", 12.5, None),
        ("3,503", ".", 3503.0, None),
        ("5534.73 (MB)", ".", 5534.73, "MB"),
        ("54.7°C avg", ".", 54.7, "°C"),
        ("**0.651**", ".", None, None),
    ],
)
def test_numbers_in_cells(
    text: str, decimal: str, value: float | None, unit: str | None
) -> None:
    parsed = parse_number(text, decimal)  # type: ignore[arg-type]
    if value is None:
        assert parsed is None  # markup is stripped before parsing, not here
        return
    assert parsed is not None
    assert (parsed.value, parsed.unit) == (value, unit)


@pytest.mark.parametrize("text", ["2025-10-02", "0.5.7", "v1.2", "N/A", "", "10:30"])
def test_non_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_unit_conversions() -> None:
    assert convert(1.5, "s", "ms") == 1500.0
    assert convert(1500.0, "us", "ms") == pytest.approx(1.5)
    assert convert(594601000.0, "ns", "ms") == pytest.approx(594.601)
    assert convert(5976195072.0, "bytes", "MB") == pytest.approx(5976.195072)
    assert convert(2.0, "GB", "MB") == 2000.0
    assert convert(10.0, "tokens/sec", "tok/s") == 10.0
    assert convert(10.0, "ms", "tok/s") is None


def test_config_and_models_from_names() -> None:
    assert config_from_name("gpu80_ctx512_temp0p8") == {
        "num_gpu": 80.0,
        "num_ctx": 512.0,
        "temperature": 0.8,
    }
    assert config_from_name(
        "SERVE--max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8"
    ) == {
        "max_num_seqs": 4.0,
        "concurrency": 2.0,
        "num_prompts": 8.0,
    }
    assert config_from_name("concurrency_16") == {"concurrency": 16.0}
    assert config_from_name("conv_bench_20251002-170837") == {}
    assert model_from_stem("gemma3_270m_param_tuning") == "gemma3:270m"
    assert model_from_stem("gemma3_param_tuning") == "gemma3"
    assert model_from_stem("ollama_param_tuning") is None
    assert quantization_from_text("llama3.1:8b-instruct-q5_K_M") == "q5_K_M"
    assert quantization_from_text("qwen35moe 35B.A3B Q5_K - Small") == "Q5_K_S"
    assert quantization_from_text("Meta-Llama-3.1-8B-Instruct-AWQ-INT4") == "AWQ-INT4"
    context = context_from_path("llama3.1_8b-instruct-q4_0/g60_c2048_t0.8/run.csv")
    assert context.model == "llama3.1:8b-instruct-q4_0"
    assert context.quantization == "q4_0"
    assert context.config == {"num_gpu": 60.0, "num_ctx": 2048.0, "temperature": 0.8}
