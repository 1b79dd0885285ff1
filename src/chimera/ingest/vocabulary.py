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

from chimera.ingest.metric_names import (
    PERCENTILE,
    PERCENTILE_WORDS,
    STAT_LEAVES,
    by_dimension,
    match_metric,
    split_name,
    stat_word,
)
from chimera.ingest.schema import CANONICAL_METRICS
from chimera.ingest.units import convert, unit_dimension

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


_MODEL = _names(
    "model model_name model_id model_tag modelname llm model_tag_name "
    "backend_model served_model_name model_name_or_path"
)
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
    "fail_reason traceback error_code error_type"
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
            "parallel num_parallel n_parallel num_clients concurrent_users "
            "num_concurrent_requests streams num_streams concurrent_streams"
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
    "use_direct_io tensor_buft_overrides rtfx_enabled endpoint_type tokenizer_id "
    "fa"
)
# Lengths a tool measures per request, not settings (GenAI-Perf's
# "Output Sequence Length (tokens)").
_MEASURED_LENGTH = re.compile(r"^(input|output)_sequence_length(_tokens)?$")
_PARAM_PATTERN = re.compile(
    r"^(n|num|use|enable|is|has|with)_\w+$|_(len|length|version|info|dtype|path|"
    r"url|host|port|dir|mode|type|kwargs|target|flag|id)$"
)
# Parents whose leaves describe the setup rather than measure it.
CONFIG_PARENTS = _names(
    "config configuration settings options parameters params args arguments "
    "hyperparameters hparams environment env system_info sysinfo hardware "
    "machine platform launcher scenario input_shapes generate_kwargs model_kwargs "
    "quantization_config metadata model backend call_kwargs forward_kwargs "
    "input_config generation_settings"
)

# Leaves that only say "the value" or a statistic; the parent names the metric.
_GENERIC_LEAVES = _names(
    "value val mean avg median std stdev std_dev stddev count total values min max "
    "total_sum"
)
# Parents that only group statistics (GuideLLM's metrics.ttft_ms.successful.
# percentiles.p99); the metric is named further up.
_GROUPING_PARENTS = _names(
    "successful success percentiles percentile quantiles quantile stats "
    "statistics summary distribution values metrics results"
)
# Parents that hold statistics over failed or unfinished requests: kept under
# their own slug, never read as the canonical metric.
_FAILED_PARENTS = _names("errored error errors failed failure incomplete cancelled")
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
    key = _percentile_key(key, parent_keys)
    if (key in _GENERIC_LEAVES or PERCENTILE.match(key)) and _names_metric(parent_keys):
        return _generic_leaf(key, written_unit, parent_keys)
    stat, name_unit, base = split_name(key.split("_"))
    if stat and name_unit and not base and _names_metric(parent_keys):
        # "ttft": {"mean_ms": 120, "p99_ms": 300}: a statistic with its unit,
        # of the metric its parent names (when the parent names a known one).
        leaf = _generic_leaf(stat, written_unit or name_unit, parent_keys)
        if leaf.target:
            return leaf
    return _metric_or_config(key, written_unit, parent_keys)


def _generic_leaf(key: str, unit: str | None, parents: list[str]) -> Field:
    """``decode.latency.mean``: the leaf is the statistic, the parents the metric.

    Grouping parents are passed over (``ttft_ms.successful.percentiles.p99`` is
    the p99 of ``ttft_ms``), and a unit the metric's own name spells counts
    (``time_to_first_token_ms``).
    """
    joined = key.replace("_", "")
    stat = None if key in ("value", "val") else STAT_LEAVES.get(joined, key)
    base = "_".join(_metric_parents(parents))
    failed = [parent for parent in parents[-3:] if parent in _FAILED_PARENTS][:1]
    parts = (base, *failed) if stat is None else (base, *failed, key)
    slug = "_".join(part for part in parts if part)
    _, name_unit, stem = split_name(base.split("_"))
    unit = unit or name_unit
    metric, implied = ("", None) if failed else match_metric(stem, unit)
    return Field("metric", metric, stat, unit, implied, slug=slug)


def _metric_parents(parents: list[str]) -> list[str]:
    """The parents that name a statistic's metric: the nearest one that is not
    a grouping (or failure) parent, and the one above it when that one is not
    a grouping parent either (``decode.latency``)."""
    skipped = _GROUPING_PARENTS | _FAILED_PARENTS
    index = len(parents) - 1
    while index >= 0 and parents[index] in skipped:
        index -= 1
    if index < 0:
        return parents[-2:]
    if index > 0 and parents[index - 1] not in skipped:
        return parents[index - 1 : index + 1]
    return parents[index : index + 1]


_IDENTITY: tuple[tuple[frozenset[str], Role], ...] = (
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
)


_DOTTED_PERCENTILE = re.compile(r"^p?\d{1,2}(?:_\d+)?$")


def _percentile_key(key: str, parents: list[str]) -> str:
    """``p99_9`` (written ``p99.9``) and, under a ``percentiles`` object, a bare
    ``99`` or ``99_9`` (vLLM's latency results) as percentile names."""
    if not _DOTTED_PERCENTILE.match(key):
        return key
    if not key.startswith("p") and parents[-1:] and parents[-1] in PERCENTILE_WORDS:
        key = f"p{key}"
    return key.replace("_", ".", 1) if key.startswith("p") else key


def _names_metric(parents: list[str]) -> bool:
    """Whether some parent, past the grouping ones, can name a metric."""
    return any(parent not in _GROUPING_PARENTS for parent in parents)


def _identity_role(key: str) -> Role | None:
    """Names that identify a run rather than measure it (model, time, status)."""
    for names, role in _IDENTITY:
        if key in names:
            return role
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
    if (key in _PARAMS or _PARAM_PATTERN.search(key)) and not _MEASURED_LENGTH.match(
        key
    ):
        return Field("param", key, slug=key)
    tokens = key.split("_")
    if len(tokens) > 2 and tokens[0] in ("results", "result"):
        tokens = tokens[1:]  # llmperf's "results_ttft_s_mean"
    stat, name_unit, base = split_name(tokens)
    unit = written_unit or name_unit
    if is_temp_metric:
        return Field("metric", "temperature_c", stat, unit, "C", slug=key)
    metric, implied = match_metric(base, unit)
    return Field("metric", metric, stat, unit, implied, slug=key)


def _hardware(parents: list[str]) -> bool:
    words = ("gpu", "cpu", "system", "sensor", "thermal", "hardware", "device")
    return any(word in parent for parent in parents for word in words)


def _unit_in_parens(name: str) -> str | None:
    """The last parenthesised group of a header that reads as a unit."""
    found = None
    for match in _PARENS.finditer(name):
        group = (match.group(1) or match.group(2) or "").strip()
        if unit_dimension(group) is not None or group.lower() in ("ratio", "-"):
            found = group
    return found


_UNITLESS_OK = frozenset({"tokens", "count", "%", "W", "C", "req/s", "tok/s"})


@lru_cache(maxsize=65536)
def resolve_metric(field: Field, unit: str | None) -> tuple[str, str | None, bool]:
    """Final (metric, unit, canonical) for a value of ``field`` written in ``unit``.

    A canonical name promises a canonical unit: when the unit is unknown or does
    not fit the metric, the value keeps its slug and its unit as written.
    """
    unit = unit or field.unit or field.implied_unit
    if field.stat in ("count", "cv_pct"):
        return field.slug, ("count" if field.stat == "count" else "%"), False
    metric = by_dimension(field.target, unit_dimension(unit))
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


__all__ = [
    "CONFIG_COLUMNS",
    "CONFIG_PARENTS",
    "Field",
    "classify",
    "normalize",
    "resolve_metric",
    "stat_word",
]
