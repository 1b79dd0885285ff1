"""Acceptance: every fact stated in ``../shared/artifacts/<name>.md`` holds.

Each tree there is a real, public artifact tree with a fact sheet computed
independently of Chimera. Every tree present is also checked for the general
invariants (counts equal a plain walk, every file is accounted for, nothing
crashes). The whole module skips when ``../shared`` is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from tests.ingest.conftest import ok_mean, reasons, rows, run

from chimera.ingest import IngestResult

_CACHE: dict[tuple[str, bool], IngestResult] = {}


def tree(shared_dir: Path, name: str, include_hidden: bool = False) -> IngestResult:
    """The (cached) ingestion of one shared tree; skips when it is absent."""
    root = shared_dir / "artifacts" / name
    if not root.is_dir():
        pytest.skip(f"{root} is not present")
    key = (name, include_hidden)
    if key not in _CACHE:
        _CACHE[key] = run(root, include_hidden=include_hidden)
    return _CACHE[key]


def _trees(shared_dir: Path) -> list[str]:
    artifacts = shared_dir / "artifacts"
    return sorted(p.name for p in artifacts.iterdir() if p.is_dir())


def test_every_tree_is_fully_accounted_for(shared_dir: Path) -> None:
    for name in _trees(shared_dir):
        root = shared_dir / "artifacts" / name
        result = tree(shared_dir, name, include_hidden=True)
        walked = [
            Path(folder, file)
            for folder, _dirs, files in os.walk(root)
            for file in files
        ]
        assert result.inventory.totals.files == len(walked), name
        assert result.inventory.totals.bytes == sum(p.stat().st_size for p in walked)
        assert {info.path for info in result.inventory.files} == {
            p.relative_to(root).as_posix() for p in walked
        }
        assert list(result.dataset.columns)[:24] == list(
            pd.Index(result.dataset.columns)[:24]
        )
        assert result.dataset["value"].dropna().map(float).notna().all()


# --- chimeraforge -------------------------------------------------------------

CF_TUNING = {
    "outputs/reports/gemma3/gemma3_param_tuning.csv": (
        "gemma3:latest",
        36,
        36,
        101.9940,
        103.1565,
        "g60_c2048_t0.8",
        0.6897,
    ),
    "outputs/reports/gemma3/gemma3_270m_param_tuning.csv": (
        "gemma3:270m",
        36,
        34,
        286.5416,
        303.8982,
        "g999_c4096_t0.8",
        0.4672,
    ),
    "outputs/reports/gemma3/gemma3_1b-it-qat_param_tuning.csv": (
        "gemma3:1b-it-qat",
        36,
        36,
        183.7611,
        187.1753,
        "g60_c1024_t0.4",
        2.2306,
    ),
    "data/csv/ollama_param_tuning.csv": (
        "llama3.1:8b-instruct-q4_0",
        36,
        36,
        77.6078,
        78.42,
        None,
        1.2094,
    ),
}


def test_chimeraforge_inventory(shared_dir: Path) -> None:
    inventory = tree(shared_dir, "chimeraforge").inventory
    counts = {kind: stats.files for kind, stats in inventory.by_type.items()}
    assert inventory.totals.files == 104
    assert counts == {
        "csv": 28, "tsv": 0, "json": 44, "jsonl": 0, "md": 29, "txt": 3, "other": 0
    }  # fmt: skip
    assert inventory.totals.directories == 26
    # The fact sheet's figure is `du -sb`: file bytes plus the folders' own sizes.
    assert 539_947 in (inventory.totals.bytes, inventory.totals.bytes_with_dirs)
    pairs = sorted(tuple(group.paths) for group in inventory.duplicates)
    assert pairs == [
        (
            "data/csv/ollama_param_tuning.csv",
            "outputs/reports/llama3/ollama_param_tuning.csv",
        ),
        (
            "data/csv/ollama_param_tuning_summary.csv",
            "outputs/reports/llama3/ollama_param_tuning_summary.csv",
        ),
        (
            "data/csv/ollama_quant_bench.csv",
            "outputs/reports/llama3/ollama_quant_bench.csv",
        ),
        (
            "outputs/reports/llama3/ollama_benchmark_summary.md",
            "outputs/reports/ollama/ollama_benchmark_summary.md",
        ),
    ]
    assert inventory.data_time_earliest.startswith("2025-09-28T18:36:07")
    assert inventory.data_time_latest.startswith("2025-10-08T16:29:55")


def test_chimeraforge_encoding_traps(shared_dir: Path) -> None:
    result = tree(shared_dir, "chimeraforge")
    latin = reasons(result, "outputs/reports/llama3/baseline_system_report.txt")
    assert any("not valid UTF-8" in r and "0xB0" in r for r in latin)
    assert len(rows(result, "outputs/reports/llama3/baseline_system_report.txt")) > 0
    garbage = [
        i.reason
        for i in result.inventory.unusable
        if i.path == "outputs/reports/profiling/ncu_summary.csv"
    ]
    assert garbage and "binary" in garbage[0]
    crlf = rows(result, "outputs/reports/ollama/prompt_suite_lessons_20251002.md")
    assert set(crlf["model"].dropna().astype(str)) >= {"llama3.1:8b-instruct-q4_0"}
    raw = rows(result, "outputs/reports/profiling/ncu_ollama_raw.csv")
    assert raw["record_id"].nunique() == 1
    files = {info.path: info for info in result.inventory.files}
    json_files = [info for info in files.values() if info.type == "json"]
    assert not [info.path for info in json_files if info.status == "unusable"]


@pytest.mark.parametrize("source", sorted(CF_TUNING))
def test_chimeraforge_param_tuning(shared_dir: Path, source: str) -> None:
    result = tree(shared_dir, "chimeraforge")
    model, total, ok, mean, best, best_config, ttft_s = CF_TUNING[source]
    tokens = rows(result, source, "tokens_s")
    assert tokens["record_id"].nunique() == total
    good = tokens[tokens["status"] == "ok"]
    assert good["record_id"].nunique() == ok
    assert good["value"].mean() == pytest.approx(mean, abs=5e-4)
    assert good["value"].max() == pytest.approx(best, abs=5e-4)
    assert set(good["model"].astype(str)) == {model}
    assert set(good["num_gpu"]) == {999.0, 80.0, 60.0, 40.0}
    grid = good[["num_gpu", "num_ctx", "temperature"]].drop_duplicates()
    assert len(grid) == ok
    best_row = good.loc[good["value"].idxmax()]
    if best_config:
        assert best_config in str(best_row["params"])
    else:
        assert (best_row["num_gpu"], best_row["num_ctx"], best_row["temperature"]) == (
            40.0,
            1024.0,
            0.4,
        )
    assert ok_mean(result, source, "ttft_s") / 1000 == pytest.approx(ttft_s, abs=5e-4)


def test_chimeraforge_timeouts_and_summaries(shared_dir: Path) -> None:
    result = tree(shared_dir, "chimeraforge")
    source = "outputs/reports/gemma3/gemma3_270m_param_tuning.csv"
    failed = rows(result, source)
    failed = failed[failed["status"] == "failed"]
    assert sorted(failed["locator"].unique()) == ["line 20", "line 21"]
    assert set(failed["error"].astype(str)) == {"timed out"}
    assert failed["value"].isna().all()
    for summary, mean, count in (
        ("outputs/reports/gemma3/gemma3_param_tuning_summary.csv", 101.9940, 36),
        ("outputs/reports/gemma3/gemma3_270m_param_tuning_summary.csv", 286.5416, 34),
        (
            "outputs/reports/gemma3/gemma3_1b-it-qat_param_tuning_summary.csv",
            183.7611,
            36,
        ),
        ("data/csv/ollama_param_tuning_summary.csv", 77.6078, 36),
    ):
        values = rows(result, summary, "mean_tokens_s")
        assert values["record_id"].nunique() == count
        assert values["value"].mean() == pytest.approx(mean, abs=5e-4)
        assert set(values["stat"].astype(str)) == {"mean"}
    stamps = rows(result, "data/csv/ollama_param_tuning.csv")["timestamp"].dropna()
    assert (stamps.min(), stamps.max()) == (
        "2025-09-30T20:11:33",
        "2025-09-30T20:13:01",
    )


def test_chimeraforge_baselines_and_quantizations(shared_dir: Path) -> None:
    result = tree(shared_dir, "chimeraforge")
    for stem, model, mean in (
        ("gemma3_baseline", "gemma3:latest", 102.2009),
        ("gemma3_270m_baseline", "gemma3:270m", 283.5582),
        ("gemma3_1b-it-qat_baseline", "gemma3:1b-it-qat", 182.8712),
    ):
        source = f"outputs/reports/gemma3/{stem}.csv"
        assert rows(result, source, "tokens_s")["record_id"].nunique() == 5
        assert ok_mean(result, source, "tokens_s") == pytest.approx(mean, abs=5e-4)
        assert set(rows(result, source)["model"].astype(str)) == {model}
        # The sibling JSON holds the same five results: counted once.
        assert rows(result, f"outputs/reports/gemma3/{stem}.json").empty
    quant = rows(result, "data/csv/ollama_quant_bench.csv", "tokens_s")
    assert quant["record_id"].nunique() == 15
    means = quant.groupby(quant["quantization"].astype(str))["value"].mean()
    assert means.to_dict() == pytest.approx(
        {"q4_0": 76.5860, "q5_K_M": 65.1840, "q8_0": 46.5720}, abs=5e-4
    )


def test_chimeraforge_prompt_suites(shared_dir: Path) -> None:
    data = tree(shared_dir, "chimeraforge").dataset
    source = data["source_file"].astype(str)
    suites = data[source.str.match(r"outputs/reports/ollama/\d{8}-\d{6}/.*_runs\.csv$")]
    assert suites["source_file"].astype(str).str.split("/").str[3].nunique() == 10
    assert suites["record_id"].nunique() == 100
    failed = suites[suites["status"] == "failed"]
    assert failed["record_id"].nunique() == 75
    assert failed["value"].isna().all()
    assert failed["error"].astype(str).str.len().min() > 0
    tokens = suites[suites["original_name"] == "tokens_s"]
    assert (tokens["value"].dropna() > 0).all()
    assert set(suites["temperature"].dropna()) == {0.3}
    assert set(suites["top_p"].dropna()) == {0.9}
    run = tokens[tokens["source_file"].astype(str).str.contains("20251002-151824")]
    assert run.groupby(run["quantization"].astype(str))["value"].mean().to_dict() == (
        pytest.approx({"q4_0": 77.618, "q5_K_M": 65.106, "q8_0": 46.398}, abs=5e-4)
    )
    for folder, tps, ttft_s in (
        ("20251008-122911", 88.904, 6.0998),
        ("20251008-122955", 79.270, 2.6567),
    ):
        picked = suites[suites["source_file"].astype(str).str.contains(folder)]
        assert picked["record_id"].nunique() == 5
        assert picked.loc[picked["original_name"] == "tokens_s", "value"].mean() == (
            pytest.approx(tps, abs=5e-4)
        )
        ttft = picked.loc[picked["original_name"] == "ttft_s", "value"].mean() / 1000
        assert ttft == pytest.approx(ttft_s, abs=5e-4)
    summaries = data[
        source.str.endswith("_summary.json") & source.str.contains("ollama/2025")
    ]
    failed_summaries = summaries[summaries["status"] == "failed"]
    assert failed_summaries["source_file"].nunique() == 7


def test_chimeraforge_compilation(shared_dir: Path) -> None:
    result = tree(shared_dir, "chimeraforge")
    data = result.dataset
    source = data["source_file"].astype(str)
    compiled = data[source.str.match(r"outputs/reports/compilation/.*\.json$")]
    assert compiled["source_file"].nunique() == 9
    conv = compiled[
        compiled["source_file"]
        .astype(str)
        .str.endswith("conv_bench_20251002-170837.json")
        & (compiled["metric"] == "latency_ms")
        & (compiled["stat"] == "mean")
    ]
    means = conv.set_index(conv["backend"].astype(str))["value"].round(4).to_dict()
    assert means == {
        "eager": 3.8121,
        "jit": 3.7819,
        "torch_compile": 4.1032,
        "onnx": 0.6929,
    }
    zeros = compiled[
        compiled["original_name"].astype(str).str.endswith("mean_time_ms")
        & (compiled["status"] == "failed")
    ]
    assert len(zeros) == 5
    assert zeros["value"].isna().all()
    assert set(zeros["original_value"].astype(str)) == {"0.0"}
    # The Markdown siblings render the JSON numbers: not counted twice.
    assert data[
        source.str.match(r"outputs/reports/compilation/\w+_bench_\d.*\.md$")
    ].empty


def test_chimeraforge_other_traps(shared_dir: Path) -> None:
    result = tree(shared_dir, "chimeraforge")
    tests = rows(result, "data/csv/baseline_test_results_1759098967.json")
    in_results = tests[tests["record_id"].astype(str).str.contains(r"\$\.results\[")]
    assert in_results["record_id"].nunique() == 5
    assert in_results[in_results["status"] == "failed"]["record_id"].nunique() == 4
    tps = in_results[in_results["original_name"] == "tokens_per_second"]
    assert tps["value"].tolist() == pytest.approx([14.1063], abs=5e-5)
    base = rows(result, "data/csv/baselines/ollama_baseline_test_1759275507.json")
    overall = base[base["original_name"] == "timing_stats.overall_mean_ms"]
    assert overall["value"].tolist() == pytest.approx([10.5388], abs=5e-5)
    runs = base[base["record_id"].astype(str).str.contains("run_results")]
    assert runs["record_id"].nunique() == 5
    empty = rows(result, "outputs/reports/llama3/baseline_ml_metrics.json")
    assert set(empty["status"]) == {"failed"} and empty["value"].isna().all()
    telemetry = rows(result, "outputs/reports/llama3/baseline_system_metrics.json")
    samples = telemetry["record_id"].astype(str).str.extract(r"\$\.metrics\[(\d+)\]")[0]
    assert samples.dropna().nunique() == 6
    assert (telemetry["metric"] == "temperature_c").any()
    report = rows(result, "outputs/reports/gemma3/Gemma3_Benchmark_Report.md")
    assert 3503.0 in set(report["value"].dropna())
    summary = rows(result, "outputs/reports/llama3/ollama_benchmark_summary.md")
    assert {40.0, 60.0, 999.0} <= set(summary["num_gpu"].dropna())
    quant = rows(result, "outputs/reports/quantization/quantization_report.md")
    assert len(quant) >= 4


# --- aiperf -------------------------------------------------------------------


def test_aiperf_multi_block_csv(shared_dir: Path) -> None:
    result = tree(shared_dir, "aiperf-gpu-slice")
    data = result.dataset
    assert data["record_id"].nunique() == 1

    def value(name: str, stat: str | None) -> float:
        picked = data[data["original_name"] == name]
        picked = (
            picked[picked["stat"].isna()]
            if stat is None
            else picked[picked["stat"] == stat]
        )
        assert len(picked) == 1, (name, stat)
        return float(picked["value"].iloc[0])

    ttft = "Time to First Token (ms)"
    assert value(ttft, "mean") == 28.74
    assert value(ttft, "p50") == 26.77
    assert value(ttft, "p99") == 66.76
    assert value(ttft, "max") == 85.41
    assert value("Inter Token Latency (ms)", "mean") == 8.78
    assert value("Inter Token Latency (ms)", "p50") == 8.73
    assert value("Output Token Throughput (tokens/sec)", None) == 1792.23
    assert value("Request Throughput (requests/sec)", None) == 6.81
    assert value("Request Count", None) == 2044
    assert value("Benchmark Duration (sec)", None) == pytest.approx(299_940.0)
    assert value("Total Output Tokens (tokens)", None) == 537_554
    assert set(data["concurrency"].dropna()) == {16.0}
    telemetry = [issue.reason for issue in result.inventory.gaps.missing_telemetry]
    assert any("no data rows" in reason for reason in telemetry)


# --- llama-bench --------------------------------------------------------------

LLAMA_BENCH = {
    (512, 0): (128.382393, 2989.133549),
    (2048, 0): (117.330217, 2893.858642),
    (0, 128): (48.744436, 95.980588),
    (512, 128): (91.350438, 411.651833),
    (2048, 128): (107.609386, 932.464480),
}


def test_llamabench_jsonl(shared_dir: Path) -> None:
    result = tree(shared_dir, "llamabench-m5max")
    for column, source, layers in (
        (0, "results/standard-llama-cpu.jsonl", 0.0),
        (1, "results/standard-llama-metal.jsonl", 999.0),
    ):
        avg = rows(result, source, "avg_ts")
        assert avg["record_id"].nunique() == 5
        assert set(avg["num_gpu"]) == {layers}
        assert set(avg["quantization"].astype(str)) == {"Q5_K_S"}
        found = {}
        for _, row in avg.iterrows():
            params = pd.Series(eval_params(row["params"]))
            found[(int(params["n_prompt"]), int(params["n_gen"]))] = row["value"]
        expected = {key: values[column] for key, values in LLAMA_BENCH.items()}
        assert found == pytest.approx(expected, abs=1e-6)
        samples = rows(result, source, "samples_ts")
        assert (samples.groupby("record_id", observed=True).size() == 3).all()
    csv = rows(result, "results/results.csv")
    for column, index in (("mac_cpu_tok_s", 0), ("mac_metal_tok_s", 1)):
        values = sorted(csv.loc[csv["original_name"] == column, "value"])
        assert values == pytest.approx(
            sorted(round(v[index], 2) for v in LLAMA_BENCH.values()), abs=1e-9
        )
    assert result.inventory.data_time_earliest.startswith("2026-06-04T17:47:40")
    assert result.inventory.data_time_latest.startswith("2026-06-04T17:51:24")


def eval_params(text: object) -> dict[str, object]:
    import json

    return json.loads(str(text))


# --- ollama-benchmark console output ------------------------------------------

OLLAMA_BENCH = {
    "results/Linux_RTX_3060.md": {
        "mistral:7b": 66.966, "phi4:14b": 32.808, "gemma2:9b": 47.14,
        "llava:7b": 70.082, "llava:13b": 40.48, "deepseek-r1:8b": 56.936,
        "deepseek-r1:14b": 31.63,
    },
    "results/linux_Ryzen_4750G.md": {
        "mistral:7b": 8.872, "phi4:14b": 3.982, "gemma2:9b": 6.624, "llava:7b": 9.91,
        "llava:13b": 4.9, "deepseek-r1:8b": 5.772, "deepseek-r1:14b": 3.7,
    },
    "results/macbook_air_m2_24GB.md": {
        "mistral:7b": 19.17, "phi4:14b": 6.828, "gemma2:9b": 13.796, "llava:7b": 20.538,
        "llava:13b": 9.354, "deepseek-r1:8b": 12.354, "deepseek-r1:14b": 5.874,
    },
}  # fmt: skip
OLLAMA_VERSIONS = {
    "results/Linux_RTX_3060.md": "0.5.7",
    "results/linux_Ryzen_4750G.md": "0.5.10",
    "results/macbook_air_m2_24GB.md": "0.5.9",
}


def test_ollama_benchmark_console_text(shared_dir: Path) -> None:
    result = tree(shared_dir, "ollama-llm-benchmark-results")
    rates = result.dataset[result.dataset["original_name"] == "eval rate"]
    assert len(rates) == 105
    assert set(rates["metric"].astype(str)) == {"throughput_tok_s"}
    for source, expected in OLLAMA_BENCH.items():
        picked = rates[rates["source_file"] == source]
        counts = picked.groupby(picked["model"].astype(str)).size()
        assert set(counts) == {5}
        means = picked.groupby(picked["model"].astype(str))["value"].mean()
        assert means.to_dict() == pytest.approx(expected, abs=5e-4)
        assert OLLAMA_VERSIONS[source] in str(picked["params"].iloc[0])


# --- optimum-benchmark --------------------------------------------------------

OPTIMUM = {
    "runs/llama_torchao_int4wo": (
        "meta-llama/Llama-3.1-8B-Instruct",
        24.977, 16.674, 0.040761, 0.039228, 34.984, 5860.8,
    ),
    "runs/llama_awq": (
        "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
        43.089, 30.819, 0.023359, 0.023141, 11.754, 6814.0,
    ),
}  # fmt: skip


def test_optimum_benchmark_runs(shared_dir: Path) -> None:
    result = tree(shared_dir, "optimum-benchmark-quant")
    with_hidden = tree(shared_dir, "optimum-benchmark-quant", include_hidden=True)
    assert with_hidden.inventory.totals.files == 26
    assert with_hidden.inventory.totals.bytes == 665_026
    totals = result.inventory.totals
    assert totals.files + totals.skipped_files == 26
    assert totals.bytes + totals.skipped_bytes == 665_026
    for run_dir, expected in OPTIMUM.items():
        model, decode, prefill, mean_s, p50_s, load_s, allocated = expected
        report = rows(result, f"{run_dir}/benchmark_report.json")
        assert set(report["model"].astype(str)) == {model}

        def one(name: str, frame: pd.DataFrame = report) -> float:
            picked = frame[frame["original_name"] == name]
            assert len(picked) == 1, name
            return float(picked["value"].iloc[0])

        assert one("decode.throughput.value") == pytest.approx(decode, abs=5e-4)
        assert one("prefill.throughput.value") == pytest.approx(prefill, abs=5e-4)
        assert one("per_token.latency.count") == 3510
        assert one("per_token.latency.mean") / 1000 == pytest.approx(mean_s, abs=5e-7)
        assert one("per_token.latency.p50") / 1000 == pytest.approx(p50_s, abs=5e-7)
        assert one("load_model.latency.mean") / 1000 == pytest.approx(load_s, abs=5e-4)
        assert one("decode.memory.max_allocated") == pytest.approx(allocated, abs=0.05)
        # benchmark.json wraps the same report: ingested once.
        assert rows(result, f"{run_dir}/benchmark.json").empty
        for rendered in (
            "benchmark_report.md",
            "benchmark_report.txt",
            "benchmark.log",
        ):
            assert rows(result, f"{run_dir}/{rendered}").empty
    failed_run = "runs/llama70b_torchao_int8wo_compile"
    assert (
        result.dataset["source_file"].astype(str).str.startswith(failed_run).sum() == 0
    )
    telemetry = {issue.path for issue in result.inventory.gaps.missing_telemetry}
    assert failed_run in telemetry
    assert any(
        issue.path.endswith("cli.log") and issue.reason == "empty file"
        for issue in result.inventory.unusable
    )


# --- vLLM bench serve ---------------------------------------------------------

VLLM = {
    "max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8/run=0.json": (
        217.273,
        44.923,
        93.748,
    ),
    "max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8/run=1.json": (
        39.307,
        38.188,
        199.369,
    ),
    "max_num_seqs=8-BENCH--max_concurrency=2-num_prompts=8/run=0.json": (
        46.893,
        43.211,
        191.201,
    ),
    "max_num_seqs=8-BENCH--max_concurrency=2-num_prompts=8/run=1.json": (
        36.805,
        36.011,
        186.483,
    ),
    "bench_serve_v0.25.1.json": (215.536, 55.681, 82.893),
}


def test_vllm_bench_serve(shared_dir: Path) -> None:
    result = tree(shared_dir, "vllm-bench-serve")
    data = result.dataset
    assert data["record_id"].nunique() == 6
    for suffix, (mean_ttft, median_ttft, throughput) in VLLM.items():
        picked = data[data["source_file"].astype(str).str.endswith(suffix)]
        assert picked["record_id"].nunique() == 1, suffix

        def one(name: str, frame: pd.DataFrame = picked) -> float:
            return float(frame.loc[frame["original_name"] == name, "value"].iloc[0])

        assert one("mean_ttft_ms") == pytest.approx(mean_ttft, abs=5e-4)
        assert one("median_ttft_ms") == pytest.approx(median_ttft, abs=5e-4)
        assert one("output_throughput") == pytest.approx(throughput, abs=5e-4)
        assert one("completed") == 8
    failed = data[
        data["source_file"].astype(str).str.endswith("all_requests_failed_v0.25.1.json")
    ]
    assert set(failed["status"]) == {"failed"}
    assert failed["value"].isna().all()
    assert result.inventory.gaps.failed_runs == 1
    assert data[data["source_file"].astype(str).str.endswith("summary.json")].empty
    assert sum(item.records for item in result.inventory.record_duplicates) == 4
    sweep = data[data["source_file"].astype(str).str.contains("max_num_seqs=4")]
    assert eval_params(sweep["params"].iloc[0])["max_num_seqs"] == 4
    assert set(sweep["concurrency"]) == {2.0}
