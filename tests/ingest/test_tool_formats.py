"""Output shapes of other benchmark tools: llama-bench's Markdown and CSV,
GuideLLM's nested statistics, llmperf's summary and per-request files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tests.ingest.conftest import TreeWriter, rows, run

LLAMA_BENCH_MD = """\
| model                          |       size |     params | backend    | ngl |          test |                  t/s |
| ------------------------------ | ---------: | ---------: | ---------- | --: | ------------: | -------------------: |
| llama 7B Q4_0                  |   3.56 GiB |     6.74 B | CUDA       |  99 |         pp512 |      4251.42 ± 23.61 |
| llama 7B Q4_0                  |   3.56 GiB |     6.74 B | CUDA       |  99 |         tg128 |        148.12 ± 0.45 |

build: 8e672efe (3385)
"""  # noqa: E501

LLAMA_BENCH_CSV = """\
build_commit,model_filename,model_type,n_gpu_layers,n_prompt,n_gen,test_time,avg_ns,stddev_ns,avg_ts,stddev_ts
"8e672efe","models/7B/ggml-model-q4_0.gguf","llama 7B Q4_0","99","512","0","2024-07-15T10:00:00Z","120427131","668614","4251.417829","23.610000"
"8e672efe","models/7B/ggml-model-q4_0.gguf","llama 7B Q4_0","99","0","128","2024-07-15T10:00:05Z","864161411","2620000","148.120000","0.450000"
"""  # noqa: E501


def _distribution(mean: float, p99: float) -> dict[str, object]:
    return {
        "mean": mean,
        "median": mean,
        "std_dev": 1.0,
        "min": mean / 2,
        "max": p99,
        "count": 98,
        "percentiles": {"p50": mean, "p99": p99},
    }


GUIDELLM = {
    "benchmarks": [
        {
            "type_": "generative_benchmark",
            "args": {"profile": {"type_": "concurrent", "streams": [4]}},
            "worker": {"backend_model": "Qwen/Qwen2.5-7B-Instruct"},
            "run_stats": {"requests_made": {"successful": 98, "errored": 2}},
            "metrics": {
                "time_to_first_token_ms": {
                    "successful": _distribution(120.5, 280.0),
                    "errored": {"mean": 0.0, "count": 0},
                },
                "output_tokens_per_second": {"successful": _distribution(180.3, 200.0)},
            },
        }
    ]
}

LLMPERF_SUMMARY = {
    "model": "meta-llama/Llama-3-8b",
    "num_concurrent_requests": 4,
    "results_ttft_s_mean": 0.41,
    "results_ttft_s_quantiles_p99": 0.91,
    "results_request_output_throughput_token_per_s_mean": 44.5,
    "results_mean_output_throughput_token_per_s": 160.3,
    "results_num_completed_requests_per_min": 88.2,
}
LLMPERF_REQUESTS = [
    {"error_code": None, "error_msg": "", "ttft_s": 0.31, "number_output_tokens": 110},
    {"error_code": 429, "error_msg": "", "ttft_s": 0, "number_output_tokens": 0},
]


def test_llama_bench_markdown_table(write_tree: TreeWriter) -> None:
    result = run(write_tree({"bench.md": LLAMA_BENCH_MD}))
    data = rows(result, "bench.md", "t/s").set_index("value")
    # "| --: |" separates the header; "± 23.61" says the value is a mean.
    assert data.loc[4251.42, "metric"] == "prompt_throughput_tok_s"
    assert data.loc[148.12, "metric"] == "throughput_tok_s"
    assert set(data["stat"]) == {"mean"}
    assert set(data["num_gpu"]) == {99.0}
    assert set(data["backend"].astype(str)) == {"CUDA"}


def test_llama_bench_csv_tests_written_as_text(write_tree: TreeWriter) -> None:
    result = run(write_tree({"bench.csv": LLAMA_BENCH_CSV}))
    data = rows(result, "bench.csv", "avg_ts").set_index("value")
    assert data.loc[4251.417829, "metric"] == "prompt_throughput_tok_s"
    assert data.loc[148.12, "metric"] == "throughput_tok_s"
    params = rows(result, "bench.csv", "avg_ts")["params"].astype(str)
    assert any('"test": "pp512"' in text for text in params)


def test_guidellm_statistics_are_named_by_their_metric(write_tree: TreeWriter) -> None:
    result = run(write_tree({"benchmarks.json": json.dumps(GUIDELLM)}))
    data = rows(result, "benchmarks.json")
    ttft = data[data["metric"] == "ttft_ms"].set_index("original_name")
    prefix = "metrics.time_to_first_token_ms.successful"
    assert ttft.loc[f"{prefix}.mean", "value"] == 120.5
    assert ttft.loc[f"{prefix}.percentiles.p99", "stat"] == "p99"
    assert ttft.loc[f"{prefix}.std_dev", "stat"] == "std"
    assert ttft.loc[f"{prefix}.max", "stat"] == "max"
    # Statistics over errored requests keep their own name, out of ttft_ms.
    errored = data[data["original_name"].astype(str).str.contains("errored.mean")]
    assert errored["metric"].tolist() == ["time_to_first_token_ms_errored_mean"]
    rate = data[data["metric"] == "throughput_tok_s"]
    assert rate["unit"].astype(str).unique().tolist() == ["tok/s"]
    # The model sits in a sibling object; the stream count is a setting.
    assert set(data["model"].astype(str)) == {"Qwen/Qwen2.5-7B-Instruct"}
    assert "sample" not in set(data["stat"].dropna())


def test_llmperf_summary_and_requests(write_tree: TreeWriter) -> None:
    result = run(
        write_tree(
            {
                "llama_summary.json": json.dumps(LLMPERF_SUMMARY),
                "llama_individual_responses.json": json.dumps(LLMPERF_REQUESTS),
            }
        )
    )
    summary = rows(result, "llama_summary.json").set_index("original_name")
    assert summary.loc["results_ttft_s_mean", "value"] == 410.0
    assert summary.loc["results_ttft_s_quantiles_p99", "metric"] == "ttft_ms"
    assert summary.loc["results_ttft_s_quantiles_p99", "stat"] == "p99"
    per_user = "results_request_output_throughput_token_per_s_mean"
    assert summary.loc[per_user, "metric"] == "throughput_per_user_tok_s"
    overall = "results_mean_output_throughput_token_per_s"
    assert summary.loc[overall, "metric"] == "throughput_tok_s"
    assert summary.loc[overall, "unit"] == "tok/s"
    # "per_min" is a rate, not a minimum.
    assert pd.isna(summary.loc["results_num_completed_requests_per_min", "stat"])
    assert set(summary["concurrency"]) == {4.0}
    requests = rows(result, "llama_individual_responses.json")
    failed = requests[requests["status"] == "failed"]
    assert set(failed["error"].astype(str)) == {"error_code 429"}
    assert failed["value"].isna().all()
    tokens = requests[requests["status"] == "ok"].set_index("metric")
    assert tokens.loc["tokens_generated", "value"] == 110


def test_ollama_verbose_durations_over_a_minute(write_tree: TreeWriter) -> None:
    text = (
        "total duration:       1m2.0435s\n"
        "load duration:        5.026ms\n"
        "eval count:           290 token(s)\n"
        "eval duration:        1m1.709213s\n"
        "eval rate:            4.70 tokens/s\n"
    )
    data = rows(run(write_tree({"verbose.txt": text})), "verbose.txt")
    values = data.set_index("metric")["value"]
    assert values["total_duration_ms"] == pytest.approx(62043.5)
    assert values["eval_duration_ms"] == pytest.approx(61709.213)
    assert values["load_duration_ms"] == pytest.approx(5.026)


def test_vllm_percentiles_samples_and_sglang(write_tree: TreeWriter) -> None:
    serve = {
        "backend": "vllm",
        "model_id": "Qwen/Qwen3-8B",
        "request_throughput": 5.0,
        "output_throughput": 600.0,
        "mean_ttft_ms": 120.0,
        "p99_ttft_ms": 400.0,
        "p99.9_ttft_ms": 520.0,
        "ttfts": [0.1, 0.2],
    }
    sglang = {**serve, "backend": "sglang", "mean_ttft_ms": 90.0, "ttfts": [0.3]}
    latency = {"avg_latency": 1.2345, "percentiles": {"50": 1.24, "99": 1.2597}}
    result = run(
        write_tree(
            {
                "serve.json": json.dumps(serve),
                "sglang.jsonl": json.dumps(sglang) + "\n",
                "latency.json": json.dumps(latency),
            }
        )
    )
    data = rows(result, "serve.json").set_index("original_name")
    assert data.loc["p99_ttft_ms", "stat"] == "p99"
    assert data.loc["p99.9_ttft_ms", "stat"] == "p99.9"
    samples = rows(result, "serve.json", "ttfts")
    assert samples["metric"].unique().tolist() == ["ttft_ms"]
    assert samples["value"].tolist() == pytest.approx([100.0, 200.0])
    assert set(rows(result, "sglang.jsonl")["backend"].astype(str)) == {"sglang"}
    stats = rows(result, "latency.json").set_index("original_name")["stat"]
    assert stats["percentiles.50"] == "p50"
    assert stats["percentiles.99"] == "p99"


def test_genai_perf_csv_rates_and_lengths(write_tree: TreeWriter) -> None:
    text = (
        "Metric,avg,min,max,p99,p50\n"
        "Time To First Token (ms),45.1,30.2,80.0,79.0,44.0\n"
        "Output Sequence Length (tokens),256.0,240.0,260.0,260.0,256.0\n"
        "\n"
        "Metric,Value\n"
        "Request Throughput (per sec),5.58\n"
        "Output Token Throughput (per sec),1432.47\n"
    )
    data = rows(
        run(write_tree({"profile_export_genai_perf.csv": text})),
        "profile_export_genai_perf.csv",
    )
    found = data.set_index(["original_name", "stat"])["metric"].to_dict()
    assert found[("Output Sequence Length (tokens)", "mean")] == "tokens_generated"
    by_name = data[data["stat"].isna()].set_index("original_name")
    assert (
        by_name.loc["Request Throughput (per sec)", "metric"]
        == "request_throughput_req_s"
    )
    assert by_name.loc["Output Token Throughput (per sec)", "unit"] == "tok/s"


def test_llama_bench_combined_and_depth_tests(write_tree: TreeWriter) -> None:
    text = (
        "| model | test | t/s |\n"
        "| --- | --: | --: |\n"
        "| llama 8B Q4_K_M | pp512 @ d4096 | 3900.10 ± 20.00 |\n"
        "| llama 8B Q4_K_M | pp512+tg128 | 447.39 ± 1.00 |\n"
        "| llama 8B Q4_K_M | tg128 | 100.00 ± 0.50 |\n"
    )
    data = rows(run(write_tree({"bench.md": text})), "bench.md", "t/s")
    assert data["metric"].tolist() == [
        "prompt_throughput_tok_s",
        "total_throughput_tok_s",
        "throughput_tok_s",
    ]


def test_vllm_failed_requests_are_not_samples(write_tree: TreeWriter) -> None:
    detailed = {
        "backend": "vllm",
        "model_id": "m",
        "request_throughput": 5.0,
        "mean_ttft_ms": 120.0,
        "ttfts": [0.1, 0.2, 0.0],
        "output_lens": [100, 100, 0],
        "errors": ["", "", "Bad Request: context length exceeded"],
    }
    data = rows(
        run(write_tree({"detailed.json": json.dumps(detailed)})), "detailed.json"
    )
    ttfts = data[data["original_name"] == "ttfts"]
    assert ttfts["status"].tolist() == ["ok", "ok", "failed"]
    assert ttfts["value"].tolist()[:2] == pytest.approx([100.0, 200.0])
    failed = ttfts[ttfts["status"] == "failed"]
    assert failed["value"].isna().all()
    assert failed["error"].tolist() == ["Bad Request: context length exceeded"]
    assert set(failed["model"].astype(str)) == {"m"}


def test_llama_server_timings_and_token_ids(write_tree: TreeWriter) -> None:
    completion = {
        "model": "qwen2.5-7b-instruct-q4_k_m.gguf",
        "timings": {
            "prompt_n": 30,
            "prompt_ms": 114.0,
            "prompt_per_second": 263.16,
            "predicted_n": 128,
            "predicted_ms": 1234.4,
            "predicted_per_second": 103.69,
        },
        "generation_settings": {"min_p": 0.05, "temperature": 0.8},
    }
    ollama = {"model": "gemma3", "context": [128006, 882], "eval_count": 10}
    result = run(
        write_tree(
            {
                "completion.json": json.dumps(completion),
                "ollama.json": json.dumps(ollama),
            }
        )
    )
    metrics = rows(result, "completion.json").set_index("metric")["value"]
    assert metrics["throughput_tok_s"] == 103.69
    assert metrics["prompt_throughput_tok_s"] == 263.16
    assert metrics["eval_duration_ms"] == 1234.4
    assert metrics["prompt_eval_duration_ms"] == 114.0
    assert metrics["tokens_generated"] == 128
    assert "min_p" not in metrics.index
    # Token ids under a text name are not measurements.
    assert rows(result, "ollama.json")["original_name"].tolist() == ["eval_count"]


MLPERF_SUMMARY = """\
================================================
MLPerf Results Summary
================================================
Scenario : Offline
Samples per second: 3215.48
Result is : {verdict}

================================================
Additional Stats
================================================
Mean latency (ns)               : 300123456
99.90 percentile latency (ns)   : 599000000
Mean Time to Output Token (ns)  : 20000000

================================================
Test Parameters Used
================================================
target_qps : 3000
min_duration (ms): 600000
"""


def test_mlperf_summary(write_tree: TreeWriter) -> None:
    result = run(
        write_tree(
            {
                "valid/mlperf_log_summary.txt": MLPERF_SUMMARY.format(verdict="VALID"),
                "invalid/mlperf_log_summary.txt": MLPERF_SUMMARY.format(
                    verdict="INVALID"
                ),
            }
        )
    )
    valid = rows(result, "valid/mlperf_log_summary.txt").set_index("original_name")
    assert valid.loc["Samples per second", "metric"] == "throughput_samples_s"
    assert valid.loc["99.90 percentile latency (ns)", "stat"] == "p99.9"
    assert valid.loc["99.90 percentile latency (ns)", "value"] == 599.0
    assert valid.loc["Mean Time to Output Token (ns)", "metric"] == "tpot_ms"
    # The test parameters are settings, not results.
    assert "min_duration (ms)" not in valid.index
    assert set(valid["status"]) == {"ok"}
    invalid = rows(result, "invalid/mlperf_log_summary.txt")
    assert set(invalid["status"]) == {"failed"}
    assert set(invalid["error"]) == {"run marked INVALID (Result is)"}


def test_vllm_offline_throughput(write_tree: TreeWriter) -> None:
    document = {
        "elapsed_time": 12.3,
        "num_requests": 1000,
        "total_num_tokens": 512000,
        "requests_per_second": 81.3,
        "tokens_per_second": 41626.0,
    }
    root = write_tree({"throughput.json": json.dumps(document)})
    found = rows(run(root), "throughput.json").set_index("original_name")
    # Prompt and output tokens over the elapsed time: a total, not a decode rate.
    assert found.loc["tokens_per_second", "metric"] == "total_throughput_tok_s"
    assert found.loc["elapsed_time", "metric"] == "total_duration_ms"
    assert found.loc["elapsed_time", "value"] == 12300.0
