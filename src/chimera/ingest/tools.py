"""Which benchmark tool wrote a file, from the names it uses.

The producing tool fills the dataset's ``backend`` column when the data does not
name one, and tells a reader how to take the numbers (llama-bench's ``avg_ts``
is tokens per second; vLLM's ``request_rate: "inf"`` is a setting). Detection
looks at keys and file names only, never at values.

>>> detect_tool("r/run=0.json", {"mean_ttft_ms", "output_throughput"}, "")
'vllm'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from chimera.ingest.vocabulary import normalize

_OLLAMA_FIELDS = frozenset(
    {
        "eval_count", "prompt_eval_count", "eval_duration", "prompt_eval_duration",
        "load_duration", "load_s", "prompt_eval_s", "eval_s",
    }
)  # fmt: skip
_STAGES = frozenset({"load_model", "prefill", "decode", "per_token"})
_JSON_KEY = re.compile(r'"([A-Za-z_][\w.-]{0,60})"\s*:')


def detect_tool(rel: str, keys: Iterable[str], head: str) -> str | None:
    """The tool behind a file, or None when nothing identifies it."""
    names = {key.lower() for key in keys}
    path = rel.lower()
    text = head[:4096].lower()
    if {"avg_ts", "n_prompt", "n_gen"} <= names or {"build_commit", "avg_ts"} <= names:
        return "llama-bench"
    if "mean_ttft_ms" in names and names & {"output_throughput", "request_throughput"}:
        # SGLang's bench_serving writes vLLM's keys; its backend field tells.
        return "sglang" if _SGLANG.search(text) else "vllm"
    if {"elapsed_time", "requests_per_second", "tokens_per_second"} <= names:
        return "vllm"  # benchmark_throughput.py
    if "aiperf" in path or "genai_perf" in path or "genai-perf" in path:
        return "aiperf"
    if len(names & _STAGES) >= 2 or "optimum_benchmark" in text:
        return "optimum-benchmark"
    if "guidellm" in path or "guidellm" in text:
        return "guidellm"
    if "llmperf" in path or any(key.startswith("results_ttft_s") for key in names):
        return "llmperf"
    if "eval rate:" in text and "model_name" in text:
        return "ollama"
    if len(names & _OLLAMA_FIELDS) >= 2:
        return "ollama"
    return None


_SGLANG = re.compile(r'"backend"\s*:\s*"sglang')
# Units a tool writes without naming them (Ollama durations are nanoseconds).
_IMPLIED_UNITS: dict[str, dict[str, str]] = {
    "ollama": dict.fromkeys(
        ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration"),
        "ns",
    ),
    # Seconds: run durations, and the per-request arrays of --save-detailed.
    "vllm": dict.fromkeys(("duration", "elapsed_time", "ttfts", "itls", "e2els"), "s"),
    "sglang": dict.fromkeys(("duration", "ttfts", "itls", "e2els"), "s"),
}


# Names a tool gives a metric other than the common reading of the name.
_TOOL_METRICS: dict[str, dict[str, str]] = {
    # benchmark_throughput.py counts prompt and output tokens in tokens_per_second.
    "vllm": {"tokens_per_second": "total_throughput_tok_s"},
}


def tool_metric(tool: str | None, name: str) -> str | None:
    """The canonical metric ``tool`` means by ``name``, where it differs."""
    return _TOOL_METRICS.get(tool or "", {}).get(name)


def implied_unit(tool: str | None, name: str) -> str | None:
    """The unit ``tool`` uses for ``name`` when the data does not say it."""
    return _IMPLIED_UNITS.get(tool or "", {}).get(name)


def keys_in_head(kind: str, head: str) -> set[str]:
    """Field names visible in the first kilobytes: JSON keys or CSV headers."""
    if kind in ("json", "jsonl"):
        return set(_JSON_KEY.findall(head))
    if kind in ("csv", "tsv"):
        first = head.lstrip("\ufeff").split("\n", 1)[0]
        return {normalize(cell) for cell in re.split(r"[,;\t|]", first) if cell}
    return set()
