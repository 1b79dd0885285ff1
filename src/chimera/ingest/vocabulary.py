"""What a column, key or label means: identity, configuration, status or a metric.

Benchmark tools name the same thing many ways (``ttft_s``, ``mean_ttft_ms``,
``Time to First Token (ms)``, ``decode.latency.mean``). ``classify`` reads a name
once (results are cached per name) and says which role it plays, which canonical
metric it measures, which statistic it is (mean, p99, ...) and which unit the
name itself carries. Values decide the rest: an unknown name holding numbers is
kept as a metric under its own slug, never dropped and never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Role = Literal[
    "model", "model_hint", "quantization", "backend", "timestamp", "run",
    "status", "error", "config", "param", "config_blob", "metric", "text",
]  # fmt: skip

CONFIG_COLUMNS = (
    "num_gpu", "num_ctx", "temperature", "top_p", "top_k",
    "repeat_penalty", "batch_size", "concurrency",
)  # fmt: skip


@dataclass(frozen=True)
class Field:
    """How one name is read. ``target`` is the config column, metric or slug."""

    role: Role
    target: str
    stat: str | None = None
    unit: str | None = None  # unit written in the name: "ms" in "ttft_ms"
    implied_unit: str | None = None  # unit the name implies: tok/s for eval_rate
    slug: str = ""


def _names(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


_MODEL = _names("model model_name model_id model_tag modelname llm model_tag_name")
_MODEL_HINT = _names("model_type model_filename model_file model_path checkpoint")
_QUANT = _names(
    "quant quantization quant_type quantization_type qtype quant_method "
    "quantization_method quantization_scheme quant_level tag variant"
)
_BACKEND = _names("backend engine runtime provider framework tool inference_engine")
_TIME = _names(
    "timestamp time_stamp datetime date date_time generated_at created_at "
    "started_at finished_at start_time end_time test_time test_datetime "
    "export_datetime export_timestamp test_timestamp demo_timestamp time"
)
_RUN = _names(
    "run run_id run_number iteration iter rep repetition trial id request_id "
    "sample_id prompt_index prompt_id test_id index idx test_name config_name "
    "name label test case"
)
_STATUS = _names("success succeeded ok passed pass status state outcome")
_ERROR = _names(
    "error error_message err exception failure failure_reason error_msg "
    "fail_reason traceback"
)
_TEXT = _names(
    "prompt prompt_text response text content message output generated_text "
    "banter_text variations notes note description comment input question "
    "answer completion system_prompt context tone"
)
_BLOB = _names("options params parameters config settings kwargs generate_kwargs")
_CONFIG_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        _names("num_gpu n_gpu_layers ngl gpu_layers num_gpu_layers n_gpu"), "num_gpu"
    ),
    **dict.fromkeys(
        _names(
            "num_ctx n_ctx ctx ctx_size context_size context_length "
            "context_window max_context ctx_len"
        ),
        "num_ctx",
    ),
    **dict.fromkeys(_names("temperature temp sampling_temperature"), "temperature"),
    **dict.fromkeys(_names("top_p topp"), "top_p"),
    **dict.fromkeys(_names("top_k topk"), "top_k"),
    **dict.fromkeys(
        _names("repeat_penalty repetition_penalty rep_penalty"), "repeat_penalty"
    ),
    **dict.fromkeys(
        _names("batch_size n_batch batch bs max_batch_size per_device_batch_size"),
        "batch_size",
    ),
    **dict.fromkeys(
        _names(
            "concurrency max_concurrency num_concurrent concurrent_requests "
            "parallel num_parallel n_parallel num_clients concurrent_users"
        ),
        "concurrency",
    ),
}
_PARAMS = _names(
    "seed num_predict max_tokens max_new_tokens min_new_tokens n_prompt n_gen "
    "n_depth n_threads n_ubatch num_prompts request_rate burstiness max_num_seqs "
    "max_num_batched_tokens tensor_parallel_size runs warmup_runs warmup "
    "iterations repeats repetitions samples_per_run num_samples sequence_length "
    "seq_len flash_attn type_k type_v use_mmap main_gpu poll cpu_strict "
    "split_mode tensor_split n_cpu_moe no_kv_offload embeddings num_beams "
    "do_sample device dtype torch_dtype keep_alive num_thread mirostat "
    "build_commit build_number cpu_info gpu_info devices backends model_size "
    "model_n_params n_params group_size bits channels height width embed_dim "
    "num_heads num_layers hidden_size device_ids gpu_count cuda_available "
    "python_version torch_version os os_version nvidia_driver prompt_count "
    "total_tests samples pid cpu_mask fit_target fit_min_ctx no_op_offload no_host "
    "use_direct_io tensor_buft_overrides rtfx_enabled endpoint_type tokenizer_id"
)
_PARAM_PATTERN = re.compile(
    r"^(n|num|use|enable|is|has|with)_\w+$|_(len|length|version|info|dtype|path|"
    r"url|host|port|dir|mode|type|kwargs|target|flag|id)$"
)
# Parents whose leaves describe the setup rather than measure it.
CONFIG_PARENTS = _names(
    "config configuration settings options parameters params args arguments "
    "hyperparameters hparams environment env system_info sysinfo hardware "
    "machine platform launcher scenario input_shapes generate_kwargs model_kwargs "
    "quantization_config metadata model backend call_kwargs forward_kwargs"
)

_STATS: dict[str, str] = {
    **dict.fromkeys(_names("mean avg average overall_mean"), "mean"),
    **dict.fromkeys(_names("median p50"), "p50"),
    **dict.fromkeys(_names("std stdev stddev sd"), "std"),
    **dict.fromkeys(_names("min minimum"), "min"),
    **dict.fromkeys(_names("max maximum peak"), "max"),
    "sum": "sum",
    "count": "count",
    "samples": "sample",
    "values": "sample",
}
_STAT_ONLY = {**_STATS, "total": "sum"}
_PERCENTILE = re.compile(r"^p\d{1,2}(?:\.\d+)?$|^p999$")
# Leaves that only say "the value" or a statistic; the parent names the metric.
_GENERIC_LEAVES = _names("value val mean avg median std stdev count total values")

# Trailing name tokens -> the unit they spell (longest first).
_UNIT_SUFFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("tokens", "per", "second"), "tok/s"),
    (("tokens", "per", "sec"), "tok/s"),
    (("tokens", "per", "s"), "tok/s"),
    (("tok", "per", "s"), "tok/s"),
    (("requests", "per", "second"), "req/s"),
    (("requests", "per", "s"), "req/s"),
    (("tokens", "s"), "tok/s"),
    (("tok", "s"), "tok/s"),
    (("t", "s"), "tok/s"),
    (("req", "s"), "req/s"),
    (("ms",), "ms"),
    (("msec",), "ms"),
    (("s",), "s"),
    (("sec",), "s"),
    (("secs",), "s"),
    (("seconds",), "s"),
    (("us",), "us"),
    (("ns",), "ns"),
    (("mb",), "MB"),
    (("gb",), "GB"),
    (("kb",), "KB"),
    (("mib",), "MiB"),
    (("gib",), "GiB"),
    (("bytes",), "bytes"),
    (("pct",), "%"),
    (("percent",), "%"),
    (("w",), "W"),
    (("ts",), "tok/s"),
)

# (pattern on the base name, canonical metric, unit the name implies).
_METRIC_PATTERNS: tuple[tuple[re.Pattern[str], str, str | None], ...] = tuple(
    (re.compile(pattern), metric, unit)
    for pattern, metric, unit in (
        (r"time_to_(first_output|second)_token|ttfb|inter_chunk", "", None),
        (r"(^|_)ttft($|_)|time_to_first_token|first_token_(latency|time)", "ttft_ms", None),  # noqa: E501
        (r"(^|_)itl($|_)|inter_token_latency", "itl_ms", None),
        (r"(^|_)tpot($|_)|time_per_output_token|^per_token(_latency)?$", "tpot_ms", None),  # noqa: E501
        (r"(^|_)e2el($|_)|e2e_latency|end_to_end_latency|^request_latency$", "e2e_latency_ms", None),  # noqa: E501
        (r"^prompt_eval(_duration|_time)?$|^prefill(_latency|_time|_duration)?$", "prompt_eval_duration_ms", None),  # noqa: E501
        (r"^(model_)?load(_model)?(_duration|_time|_latency)?$", "load_duration_ms", None),  # noqa: E501
        (r"^eval(_duration|_time)?$|^decode(_latency|_time|_duration)?$", "eval_duration_ms", None),  # noqa: E501
        (r"^(total_)?duration$|^benchmark_duration$|^total_time$|^wall(_time)?$", "total_duration_ms", None),  # noqa: E501
        (r"^prompt_eval_count$|^(total_)?(prompt|input)_tokens$|^input_sequence_length$", "prompt_tokens", "tokens"),  # noqa: E501
        (r"^eval_count$|^(total_)?(completion|output|generated)_tokens$|^tokens(_generated)?$|^num_tokens$|^(total_)?output_sequence_length$|^output_token_count$", "tokens_generated", "tokens"),  # noqa: E501
        (r"^prompt_(eval_rate|throughput|tps)$|^(input|prefill)_throughput$|^prompt_eval_tokens", "prompt_throughput_tok_s", None),  # noqa: E501
        (r"^total_token_throughput$", "total_throughput_tok_s", "tok/s"),
        (r"throughput_per_user|^e2e_output_token_throughput$", "throughput_per_user_tok_s", "tokens/sec/user"),  # noqa: E501
        (r"goodput", "goodput_req_s", "req/s"),
        (r"^request_throughput$|^requests?$|^qps$|^rps$", "request_throughput_req_s", "req/s"),  # noqa: E501
        (r"eval_rate|^(output|generation|decode)(_token)?_throughput$|^tokens$|^tok$|^token_throughput$|^tps$|^throughput$", "throughput_tok_s", None),  # noqa: E501
        (r"memory|(^|_)mem($|_)|(^|_)v?ram($|_)|(^|_)rss($|_)|allocated|reserved", "memory_mb", None),  # noqa: E501
        (r"gpu_(util|utilization|usage|load)|utilization_gpu", "gpu_utilization_pct", "%"),  # noqa: E501
        (r"cpu_(percent|util|utilization|usage|load)", "cpu_utilization_pct", "%"),
        (r"temperature|(^|_)temp(_c)?$", "temperature_c", "C"),
        (r"^(gpu_)?power(_draw|_usage)?$|^watts$", "power_w", "W"),
        (r"^completed$|^(total_)?request_count$|^num_requests$|^successful_requests$|^completed_requests$", "request_count", "count"),  # noqa: E501
        (r"latency|(^|_)time$|^time_|_time_|elapsed", "latency_ms", None),
    )
)
_RATE_WORDS = ("eval_rate", "throughput", "tokens", "tok", "tps")
_SPLIT = re.compile(r"[^0-9a-zA-Z%]+")
_PARENS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")


def normalize(name: str) -> str:
    """``"Time to First Token (ms)"`` -> ``"time_to_first_token_ms"``."""
    text = name.replace("\ufeff", "").replace("%", " pct ").strip().lower()
    return "_".join(token for token in _SPLIT.split(text) if token)


@lru_cache(maxsize=65536)
def classify(
    name: str, parents: tuple[str, ...] = (), config_context: bool = False
) -> Field:
    """How ``name`` (a column, a label or a JSON key under ``parents``) is read.

    ``config_context`` says the whole document describes a setup (a
    ``benchmark_config.json``), so its numbers are parameters, not measurements.
    """
    written_unit = _unit_in_parens(name)
    key = normalize(_PARENS.sub(" ", name)) if written_unit else normalize(name)
    parent_keys = [normalize(part) for part in parents]
    if parent_keys[-1:] == ["model"] and key in ("name", "id"):
        return Field("model", key, slug=key)
    identity = _identity_role(key)
    if identity is not None:
        return Field(identity, key, slug=key)
    if config_context or any(p in CONFIG_PARENTS for p in parent_keys[-3:]):
        return _config_field(key, parent_keys)
    if name.endswith("_") and key in ("stdev", "std"):
        # optimum-benchmark's "stdev_" is the relative deviation in percent.
        slug = "_".join([*parent_keys[-2:], "cv_pct"])
        return Field("metric", "", "cv_pct", "%", slug=slug)
    if (key in _GENERIC_LEAVES or _PERCENTILE.match(key)) and parent_keys:
        return _generic_leaf(key, written_unit, parent_keys)
    return _metric_or_config(key, written_unit, parent_keys)


def _generic_leaf(key: str, unit: str | None, parents: list[str]) -> Field:
    """``decode.latency.mean``: the leaf is the statistic, the parents the metric."""
    stat = None if key in ("value", "val") else _STAT_ONLY.get(key, key)
    base = "_".join(parents[-2:])
    slug = base if stat is None else f"{base}_{key}"
    metric, implied = _match_metric(base, unit)
    return Field("metric", metric, stat, unit, implied, slug=slug)


def _identity_role(key: str) -> Role | None:
    """Names that identify a run rather than measure it (model, time, status)."""
    for names, role in (
        (_MODEL, "model"),
        (_MODEL_HINT, "model_hint"),
        (_QUANT, "quantization"),
        (_BACKEND, "backend"),
        (_TIME, "timestamp"),
        (_RUN, "run"),
        (_STATUS, "status"),
        (_ERROR, "error"),
        (_TEXT, "text"),
        (_BLOB, "config_blob"),
    ):
        if key in names:
            return role  # type: ignore[return-value]
    if key.endswith(("_at", "_timestamp", "_datetime", "_date")):
        return "timestamp"
    return None


def _config_field(key: str, parents: list[str]) -> Field:
    column = _CONFIG_SYNONYMS.get(key)
    if column is not None:
        return Field("config", column, slug=key)
    return Field("param", key, slug="_".join([*parents[-1:], key]))


def _metric_or_config(key: str, written_unit: str | None, parents: list[str]) -> Field:
    column = _CONFIG_SYNONYMS.get(key)
    is_temp_metric = key in ("temperature", "temp") and _hardware(parents)
    if column is not None and not is_temp_metric:
        return Field("config", column, slug=key)
    if key in _PARAMS or _PARAM_PATTERN.search(key):
        return Field("param", key, slug=key)
    tokens = key.split("_")
    stat, tokens = _take_stat(tokens)
    name_unit, tokens = _take_unit(tokens)
    unit = written_unit or name_unit
    base = "_".join(tokens)
    if is_temp_metric:
        return Field("metric", "temperature_c", stat, unit, "C", slug=key)
    metric, implied = _match_metric(base, unit)
    return Field("metric", metric, stat, unit, implied, slug=key)


def _hardware(parents: list[str]) -> bool:
    words = ("gpu", "cpu", "system", "sensor", "thermal", "hardware", "device")
    return any(word in parent for parent in parents for word in words)


def _take_stat(tokens: list[str]) -> tuple[str | None, list[str]]:
    """Split a statistic off either end: mean_ttft_ms, latency_p99, avg_ts."""
    if len(tokens) > 1 and tokens[0] == "overall" and tokens[1] in _STATS:
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0] in _STATS:
        return _STATS[tokens[0]], []
    first = tokens[0] if tokens else ""
    stat = _STATS.get(first) or (first if _PERCENTILE.match(first) else None)
    if stat is not None and len(tokens) > 1:
        return stat, tokens[1:]
    last = tokens[-1] if tokens else ""
    # A trailing "count" names a metric of its own (eval_count), not a statistic.
    stat = _STATS.get(last) if last not in ("count", "samples") else None
    stat = stat or (last if _PERCENTILE.match(last) else None)
    if stat is not None and len(tokens) > 1:
        return stat, tokens[:-1]
    return None, tokens


def _take_unit(tokens: list[str]) -> tuple[str | None, list[str]]:
    for suffix, unit in _UNIT_SUFFIXES:
        size = len(suffix)
        if suffix == ("ts",) and tokens != ["ts"]:
            continue  # "ts" is tokens/s only in llama-bench's avg_ts, stddev_ts
        if len(tokens) >= size and tuple(tokens[-size:]) == suffix:
            rest = tokens[:-size]
            if unit in ("tok/s", "req/s") and suffix[0] in ("tokens", "tok", "t"):
                rest = [*rest, "tokens"] if rest else ["tokens"]
            return unit, rest
    return None, tokens


def _match_metric(base: str, unit: str | None) -> tuple[str, str | None]:
    """The canonical metric for ``base``; "" when only the slug can be trusted."""
    if unit is not None and "/" in unit and base in ("", "tokens", "tok"):
        return "throughput_tok_s", None
    for pattern, metric, implied in _METRIC_PATTERNS:
        if pattern.search(base):
            if metric == "throughput_tok_s" and base == "throughput" and unit is None:
                return metric, None
            if metric == "throughput_tok_s" and implied is None:
                implied = "tok/s" if any(w in base for w in _RATE_WORDS) else None
            return metric, implied
    if base == "" and unit is not None:
        return "latency_ms", None
    return "", None


def _unit_in_parens(name: str) -> str | None:
    """The last parenthesised group of a header that reads as a unit."""
    from chimera.ingest.units import unit_dimension

    found = None
    for match in _PARENS.finditer(name):
        group = (match.group(1) or match.group(2) or "").strip()
        if unit_dimension(group) is not None or group.lower() in ("ratio", "-"):
            found = group
    return found


# Metrics a rate unit should not be re-labelled away from.
_RATE_METRICS = frozenset(
    {"prompt_throughput_tok_s", "total_throughput_tok_s", "throughput_per_user_tok_s"}
)
_UNITLESS_OK = frozenset({"tokens", "count", "%", "W", "C", "req/s", "tok/s"})


@lru_cache(maxsize=65536)
def resolve_metric(field: Field, unit: str | None) -> tuple[str, str | None, bool]:
    """Final (metric, unit, canonical) for a value of ``field`` written in ``unit``.

    A canonical name promises a canonical unit: when the unit is unknown or does
    not fit the metric, the value keeps its slug and its unit as written.
    """
    from chimera.ingest.schema import CANONICAL_METRICS
    from chimera.ingest.units import convert, unit_dimension

    unit = unit or field.unit or field.implied_unit
    if field.stat in ("count", "cv_pct"):
        return field.slug, ("count" if field.stat == "count" else "%"), False
    metric = _by_dimension(field.target, unit_dimension(unit))
    if not metric:
        return field.slug, unit, False
    canonical_unit = CANONICAL_METRICS[metric]
    if unit is None:
        if canonical_unit in _UNITLESS_OK:
            return metric, canonical_unit, True
        return field.slug, None, False
    if convert(1.0, unit, canonical_unit) is None:
        return field.slug, unit, False
    return metric, canonical_unit, True


def _by_dimension(metric: str, dimension: str | None) -> str:
    if dimension == "sample_rate":
        return "throughput_samples_s"
    if dimension == "tok_rate_user":
        return "throughput_per_user_tok_s"
    if dimension == "tok_rate" and metric not in _RATE_METRICS:
        return "throughput_tok_s"
    if dimension == "req_rate" and metric != "goodput_req_s":
        return "request_throughput_req_s"
    if dimension == "temp":
        return "temperature_c"
    return metric


def stat_word(word: str) -> str | None:
    """The statistic a trailing word names: "avg" -> mean, "peak" -> max."""
    lowered = word.strip(" ,;:()").lower()
    return _STATS.get(lowered) or (lowered if _PERCENTILE.match(lowered) else None)
