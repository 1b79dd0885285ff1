"""Metric names: the statistic, the unit and the canonical metric a name spells.

``mean_ttft_ms`` is the mean (statistic) of the time to first token (canonical
``ttft_ms``) in milliseconds (unit); ``avg_ts`` is llama-bench's mean tokens per
second; ``Output Token Throughput Per User`` is a per-stream rate. The patterns
below are tried in order on the name with its statistic and unit removed.

>>> split_name("mean_ttft_ms".split("_"))
('mean', 'ms', 'ttft')
>>> match_metric("output_throughput", None)
('throughput_tok_s', 'tok/s')
"""

from __future__ import annotations

import re

STATS: dict[str, str] = {
    **dict.fromkeys(("mean", "avg", "average", "overall_mean"), "mean"),
    **dict.fromkeys(("median", "p50"), "p50"),
    **dict.fromkeys(("std", "stdev", "stddev", "sd"), "std"),
    **dict.fromkeys(("min", "minimum"), "min"),
    **dict.fromkeys(("max", "maximum", "peak"), "max"),
    **dict.fromkeys(("sum", "totalsum"), "sum"),
    **dict.fromkeys(("variance", "var"), "var"),
    "count": "count",
    "samples": "sample",
    "values": "sample",
}
# Words that group percentiles: "ttft_s_quantiles_p50", {"percentiles": {"99": ...}}.
PERCENTILE_WORDS = frozenset({"quantiles", "quantile", "percentiles", "percentile"})
# As a leaf under a metric (decode.latency.total), "total" is the sum.
STAT_LEAVES = {**STATS, "total": "sum"}
PERCENTILE = re.compile(r"^p\d{1,2}(?:\.\d+)?$|^p999$")

# Trailing name tokens -> the unit they spell (longest first).
_UNIT_SUFFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("tokens", "per", "second"), "tok/s"),
    (("tokens", "per", "sec"), "tok/s"),
    (("tokens", "per", "s"), "tok/s"),
    (("token", "per", "second"), "tok/s"),
    (("token", "per", "sec"), "tok/s"),
    (("token", "per", "s"), "tok/s"),
    (("tok", "per", "s"), "tok/s"),
    (("requests", "per", "second"), "req/s"),
    (("requests", "per", "s"), "req/s"),
    (("tokens", "s"), "tok/s"),
    (("tok", "s"), "tok/s"),
    (("t", "s"), "tok/s"),
    (("req", "s"), "req/s"),
    *(((word,), "ms") for word in ("ms", "msec")),
    *(((word,), "s") for word in ("s", "sec", "secs", "seconds")),
    (("us",), "us"),
    (("ns",), "ns"),
    *(((word,), word.upper()) for word in ("mb", "gb", "kb")),
    (("mib",), "MiB"),
    (("gib",), "GiB"),
    (("bytes",), "bytes"),
    (("pct",), "%"),
    (("percent",), "%"),
    (("w",), "W"),
    (("ts",), "tok/s"),
)


def _any(*alternatives: str) -> str:
    return "|".join(alternatives)


# (pattern on the base name, canonical metric, unit the name implies). A metric
# of "" keeps the name's own slug: these look like the canonical ones but are not.
_PATTERNS: tuple[tuple[str, str, str | None], ...] = (
    (_any(r"time_to_(first_output|second)_token", "ttfb", "inter_chunk"), "", None),
    (
        _any(r"(^|_)ttfts?($|_)", "time_to_first_token", r"first_token_(latency|time)"),
        "ttft_ms",
        None,
    ),
    (_any(r"(^|_)itls?($|_)", "inter_token_latency"), "itl_ms", None),
    (
        _any(
            r"(^|_)tpot($|_)",
            "time_per_output_token",
            r"^per_token(_latency)?$",
            "time_to_output_token",  # MLPerf
        ),
        "tpot_ms",
        None,
    ),
    (
        _any(
            r"(^|_)e2el($|_)", "e2e_latency", "end_to_end_latency", "^request_latency$"
        ),
        "e2e_latency_ms",
        None,
    ),
    (
        _any(
            r"^prompt_eval(_duration|_time)?$",
            r"^prefill(_latency|_time|_duration)?$",
            "^prompt$",  # llama.cpp server's timings.prompt_ms
        ),
        "prompt_eval_duration_ms",
        None,
    ),
    (r"^(model_)?load(_model)?(_duration|_time|_latency)?$", "load_duration_ms", None),
    (
        _any(
            r"^eval(_duration|_time)?$",
            r"^decode(_latency|_time|_duration)?$",
            "^predicted$",  # llama.cpp server's timings.predicted_ms
        ),
        "eval_duration_ms",
        None,
    ),
    (
        _any(
            r"^(total_)?duration$",
            "^benchmark_duration$",
            "^total_time$",
            "^wall",
            "^elapsed_time$",
        ),
        "total_duration_ms",
        None,
    ),
    (
        _any(
            "^prompt_eval_count$",
            r"^(total_|number_)?(prompt|input)_tokens$",
            "^input_sequence_length$",
            "^prompt_n$",
        ),
        "prompt_tokens",
        "tokens",
    ),
    (
        _any(
            "^eval_count$",
            r"^(total_|number_)?(completion|output|generated)_tokens$",
            r"^tokens(_generated)?$",
            "^num_tokens$",
            r"^(total_)?output_sequence_length$",
            "^output_token_count$",
            "^predicted_n$",
        ),
        "tokens_generated",
        "tokens",
    ),
    (
        _any(
            r"^prompt_(eval_rate|throughput|tps)$",
            r"^(input|prefill)_throughput$",
            "^prompt_eval_tokens",
        ),
        "prompt_throughput_tok_s",
        None,
    ),
    (r"^total_token_throughput$", "total_throughput_tok_s", "tok/s"),
    # llama.cpp server's timings.
    (r"^prompt_per_second$", "prompt_throughput_tok_s", "tok/s"),
    (r"^predicted_per_second$", "throughput_tok_s", "tok/s"),
    (
        _any(
            "throughput_per_user",
            "^e2e_output_token_throughput$",
            "request_output_throughput",
        ),
        "throughput_per_user_tok_s",
        "tokens/sec/user",
    ),
    (r"goodput", "goodput_req_s", "req/s"),
    (
        _any("^request_throughput$", "^requests?$", "^qps$", "^rps$"),
        "request_throughput_req_s",
        "req/s",
    ),
    (
        _any(
            "eval_rate",
            r"^(output|generation|decode)(_token)?_throughput$",
            "^tokens$",
            "^tok$",
            "^token_throughput$",
            "^tps$",
            "^throughput$",
        ),
        "throughput_tok_s",
        None,
    ),
    (
        _any(
            "memory",
            r"(^|_)mem($|_)",
            r"(^|_)v?ram($|_)",
            r"(^|_)rss($|_)",
            "allocated",
            "reserved",
        ),
        "memory_mb",
        None,
    ),
    (
        _any(r"^gpu(_(util|utilization|usage|load|percent))?$", "utilization_gpu"),
        "gpu_utilization_pct",
        "%",
    ),
    (r"^cpu(_(percent|util|utilization|usage|load))?$", "cpu_utilization_pct", "%"),
    (_any("temperature", r"(^|_)temp(_c)?$"), "temperature_c", "C"),
    (_any(r"^(gpu_)?power(_draw|_usage)?$", "^watts$"), "power_w", "W"),
    (
        _any(
            "^completed$",
            r"^(total_)?request_count$",
            "^num_requests$",
            "^successful_requests$",
            "^completed_requests$",
        ),
        "request_count",
        "count",
    ),
    (_any("latency", r"(^|_)time$", "^time_", "_time_", "elapsed"), "latency_ms", None),
)
_COMPILED = tuple((re.compile(p), metric, unit) for p, metric, unit in _PATTERNS)
_RATE_WORDS = ("eval_rate", "throughput", "tokens", "tok", "tps")


def split_name(tokens: list[str]) -> tuple[str | None, str | None, str]:
    """(statistic, unit, base) of a name already split on underscores."""
    stat, tokens = _take_stat(_join_stat_words(tokens))
    unit, tokens = _take_unit(tokens)
    return stat, unit, "_".join(tokens)


_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")


def _leading_percentile(tokens: list[str]) -> tuple[str | None, list[str]]:
    """``99.90 percentile latency`` (MLPerf) or ``99th percentile ttft``."""
    if "percentile" not in tokens[:3] or len(tokens) < 3:
        return None, tokens
    at = tokens.index("percentile")
    head = tokens[:at]
    ordinal = _ORDINAL.match(head[0]) if len(head) == 1 else None
    if ordinal:
        return f"p{ordinal.group(1)}", tokens[at + 1 :]
    if 1 <= len(head) <= 2 and all(part.isdigit() for part in head):
        decimals = head[1].rstrip("0") if len(head) == 2 else ""
        stat = f"p{int(head[0])}" + (f".{decimals}" if decimals else "")
        return stat, tokens[at + 1 :]
    return None, tokens


def _take_stat(tokens: list[str]) -> tuple[str | None, list[str]]:
    """Split a statistic off either end: mean_ttft_ms, latency_p99, avg_ts."""
    stat, rest = _leading_percentile(tokens)
    if stat is not None and rest:
        return stat, rest
    if len(tokens) > 1 and tokens[0] == "overall" and tokens[1] in STATS:
        tokens = tokens[1:]
    if len(tokens) == 1 and tokens[0] in STATS:
        return STATS[tokens[0]], []
    if len(tokens) == 1 and PERCENTILE.match(tokens[0]):
        return tokens[0], []
    first = tokens[0] if tokens else ""
    stat = STATS.get(first) or (first if PERCENTILE.match(first) else None)
    # "samples_per_second" is a rate of samples, not samples of a rate.
    if stat is not None and len(tokens) > 1 and tokens[1] != "per":
        return stat, tokens[1:]
    last = tokens[-1] if tokens else ""
    # A trailing "count" names a metric of its own (eval_count), not a statistic;
    # "requests_per_min" is a rate, not a minimum.
    if last in ("count", "samples") or (len(tokens) > 1 and tokens[-2] == "per"):
        return None, tokens
    stat = STATS.get(last) or (last if PERCENTILE.match(last) else None)
    if stat is not None and len(tokens) > 1:
        rest = tokens[:-1]
        # llmperf's "ttft_s_quantiles_p50": the percentile of the ttft in s.
        if stat.startswith("p") and rest[-1] in PERCENTILE_WORDS and len(rest) > 1:
            rest = rest[:-1]
        return stat, rest
    return None, tokens


def _join_stat_words(tokens: list[str]) -> list[str]:
    """``std_dev`` and ``total_sum`` are one statistic word each, and so is
    ``p99_9`` (vLLM's ``p99.9_ttft_ms``, its dot turned into a separator)."""
    joined: list[str] = []
    for token in tokens:
        if joined and (joined[-1], token) in (("std", "dev"), ("total", "sum")):
            joined[-1] += token
        elif joined and token.isdigit() and re.fullmatch(r"p\d{1,2}", joined[-1]):
            joined[-1] += f".{token}"
        else:
            joined.append(token)
    return joined


_TOKEN_WORDS = ("tokens", "token", "tok", "t")
_SECOND_WORDS = frozenset({"sec", "second", "s"})


def _take_unit(tokens: list[str]) -> tuple[str | None, list[str]]:
    if len(tokens) > 2 and tokens[-2] == "per" and tokens[-1] in _SECOND_WORDS:
        # GenAI-Perf's "Request Throughput (per sec)": the rate of what it names.
        rest = tokens[:-2]
        if rest[-1].startswith("token"):
            return "tok/s", rest  # llmperf's "..._token_per_s"
        if rest[-1].startswith("request"):
            return "req/s", rest
        if rest[-1].startswith("sample"):
            return "samples/s", rest  # MLPerf's "Samples per second"
        if any(word.startswith("token") for word in rest):
            return "tok/s", rest
        if any(word.startswith("request") for word in rest):
            return "req/s", rest
    for suffix, unit in _UNIT_SUFFIXES:
        size = len(suffix)
        if suffix == ("ts",) and tokens != ["ts"]:
            continue  # "ts" is tokens/s only in llama-bench's avg_ts, stddev_ts
        if len(tokens) >= size and tuple(tokens[-size:]) == suffix:
            rest = tokens[:-size]
            if unit in ("tok/s", "req/s") and suffix[0] in _TOKEN_WORDS:
                rest = [*rest, "tokens"] if rest else ["tokens"]
            return unit, rest
    return None, tokens


def match_metric(base: str, unit: str | None) -> tuple[str, str | None]:
    """The canonical metric for ``base``; "" when only the slug can be trusted."""
    if unit is not None and "/" in unit and base in ("", "tokens", "tok"):
        return "throughput_tok_s", None
    for pattern, metric, implied in _COMPILED:
        if pattern.search(base):
            if metric == "throughput_tok_s" and base == "throughput" and unit is None:
                return metric, None
            if metric == "throughput_tok_s" and implied is None:
                implied = "tok/s" if any(w in base for w in _RATE_WORDS) else None
            return metric, implied
    if base == "" and unit is not None:
        return "latency_ms", None
    return "", None


# Metrics a rate unit should not be re-labelled away from.
_RATE_METRICS = frozenset(
    {"prompt_throughput_tok_s", "total_throughput_tok_s", "throughput_per_user_tok_s"}
)


def by_dimension(metric: str, dimension: str | None) -> str:
    """The metric a unit's dimension demands (a samples/s value is no tok/s)."""
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
    return STATS.get(lowered) or (lowered if PERCENTILE.match(lowered) else None)
