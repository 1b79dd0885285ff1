"""The tidy metrics dataset: one row per measurement, and its vocabulary.

Everything downstream (facts digest, queries, reports) reads these columns and
canonical metric names, whatever tool wrote the original artifact.
"""

from __future__ import annotations

# Column name -> (pyarrow/duckdb type, meaning). Order is the dataset's column order.
DATASET_COLUMNS: dict[str, tuple[str, str]] = {
    "source_file": ("string", "path relative to the ingested root, '/' separated"),
    "locator": ("string", "where in the file: 'row 12', 'line 3', '$.results[2].tps'"),
    "record_id": ("string", "run or record id: file + row/record, stable per run"),
    "model": ("string", "model name or tag, from the data or from file/folder names"),
    "quantization": ("string", "q4_0, q8_0, Q5_K_S, int4wo, AWQ-INT4, ... or null"),
    "backend": ("string", "backend or producing tool: ollama, vllm, llama-bench, ..."),
    "num_gpu": ("double", "layers offloaded to GPU (Ollama num_gpu / n_gpu_layers)"),
    "num_ctx": ("double", "context window"),
    "temperature": ("double", "sampling temperature"),
    "top_p": ("double", "nucleus sampling"),
    "top_k": ("double", "top-k sampling"),
    "repeat_penalty": ("double", "repeat penalty"),
    "batch_size": ("double", "batch size"),
    "concurrency": ("double", "concurrent requests / streams"),
    "params": ("string", "other config parameters as a JSON object string"),
    "metric": ("string", "canonical metric name (see CANONICAL_METRICS)"),
    "value": ("double", "value in the canonical unit; null when not measurable"),
    "unit": ("string", "canonical unit"),
    "original_name": ("string", "column / key / label as written in the artifact"),
    "original_value": ("string", "the cell or value as written"),
    "original_unit": ("string", "unit as written, if any"),
    "timestamp": ("string", "ISO-8601 timestamp of the measurement when present"),
    "status": (
        "string",
        "ok | failed | partial | warmup (a warm-up call, not a measured run)",
    ),
    "error": ("string", "error message for failed runs, null value reason otherwise"),
    # Added with artifact ingestion: which statistic the value is. Null for a single
    # measurement; mean / p50 / p90 / p99 / min / max / std / sum / count / cv_pct
    # for aggregates a tool wrote; "sample" for one element of a written array of
    # repetitions. Averages over raw measurements should keep stat IS NULL.
    "stat": ("string", "null for one measurement, else mean, p50, p99, max, sample"),
}

# Text columns whose values repeat (file, model, metric, unit, status, ...):
# categorical in the pandas frame, dictionary pages in the Parquet file. The
# value as written, the locator and the timestamp stay plain text.
REPEATING_COLUMNS = (
    "source_file", "record_id", "model", "quantization", "backend", "params",
    "metric", "unit", "original_name", "original_unit", "status", "error", "stat",
)  # fmt: skip

# Canonical metric name -> canonical unit.
CANONICAL_METRICS: dict[str, str] = {
    "throughput_tok_s": "tok/s",  # decode / output / eval rate
    "prompt_throughput_tok_s": "tok/s",  # prefill / prompt-eval rate
    "request_throughput_req_s": "req/s",
    "ttft_ms": "ms",
    "itl_ms": "ms",  # inter-token latency
    "tpot_ms": "ms",  # time per output token
    "e2e_latency_ms": "ms",  # request end-to-end latency
    "latency_ms": "ms",  # generic latency / time per op
    "total_duration_ms": "ms",
    "load_duration_ms": "ms",
    "prompt_eval_duration_ms": "ms",
    "eval_duration_ms": "ms",
    "tokens_generated": "tokens",
    "prompt_tokens": "tokens",
    "memory_mb": "MB",
    "gpu_utilization_pct": "%",
    "cpu_utilization_pct": "%",
    "temperature_c": "C",
    "power_w": "W",
    "request_count": "count",
    # Added with artifact ingestion.
    "total_throughput_tok_s": "tok/s",  # prompt + output tokens per second
    "throughput_per_user_tok_s": "tok/s",  # per-stream decode rate (AIPerf, ...)
    "goodput_req_s": "req/s",  # requests per second meeting the SLOs
    "throughput_samples_s": "samples/s",  # batches or sequences per second
}
