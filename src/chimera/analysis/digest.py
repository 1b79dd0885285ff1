"""The facts digest: what an analyst needs from the metrics dataset, computed once.

Models reason badly over thousands of rows and invent numbers when asked to
summarise them. So every figure a report can state is computed here, from the
tidy dataset, as a ``Fact`` with an id and its source files: per model the run
count and mean / median / p95 of throughput, TTFT, total and load durations; the
best and worst config per metric; the effect of each option; failed runs; and per
config the same statistics. Failed and warm-up rows never enter a statistic;
which other rows do is decided in ``measured``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chimera.analysis.digest_options import config_labels, effect_facts
from chimera.analysis.facts import (
    Digest,
    FactBuilder,
    FactKind,
    MetricStats,
    fmt_num,
    fmt_qty,
)
from chimera.analysis.inventory_facts import inventory_facts
from chimera.analysis.measured import (
    KIND_COLUMN,
    aggregate_label,
    usable_rows,
    warmup_rows,
)
from chimera.ingest.inventory import Inventory

# Canonical metric -> (label, higher is better). Only these are summarised.
METRICS: dict[str, tuple[str, bool]] = {
    "throughput_tok_s": ("throughput", True),
    "ttft_ms": ("TTFT", False),
    "total_duration_ms": ("total duration", False),
    "load_duration_ms": ("load duration", False),
    "e2e_latency_ms": ("end-to-end latency", False),
    "latency_ms": ("latency", False),
    "tpot_ms": ("time per output token", False),
    "itl_ms": ("inter-token latency", False),
    "prompt_throughput_tok_s": ("prompt throughput", True),
    "request_throughput_req_s": ("request throughput", True),
    "prompt_eval_duration_ms": ("prompt eval duration", False),
    "eval_duration_ms": ("eval duration", False),
    "memory_mb": ("memory", False),
}
# Per-config facts and option effects only for the metrics a tuning decision rests on.
HEADLINE = ("throughput_tok_s", "ttft_ms", "total_duration_ms", "load_duration_ms")
EFFECT_METRICS = ("throughput_tok_s", "ttft_ms")
UNNAMED_MODEL = "unnamed model"


def build_digest(dataset: pd.DataFrame, inventory: Inventory | None) -> Digest:
    """All facts for one ingested tree, ids in a deterministic order."""
    builder = FactBuilder()
    if inventory is not None:
        inventory_facts(builder, inventory)
    frame = _prepared(dataset)
    _overall_facts(builder, frame)
    _warmup_fact(builder, frame)
    measured = _measured(frame)
    for model in _models_by_size(measured):
        _model_facts(builder, frame, measured, model)
    _failure_facts(builder, frame)
    return Digest(facts=builder.facts(), dataset_rows=len(dataset))


def measured_rows(dataset: pd.DataFrame) -> pd.DataFrame:
    """Usable measurements with ``_model`` and ``_config`` labels, as facts use them."""
    return _measured(_prepared(dataset))


def _prepared(dataset: pd.DataFrame) -> pd.DataFrame:
    # Categorical columns (as a stored dataset may load) become plain objects, so
    # missing models can be named and groups hold only what is present.
    frame = dataset.astype(
        {
            column: "object"
            for column, dtype in dataset.dtypes.items()
            if isinstance(dtype, pd.CategoricalDtype)
        }
    )
    frame["_model"] = frame["model"].where(frame["model"].notna(), UNNAMED_MODEL)
    frame["_model"] = frame["_model"].astype(str)
    frame["_failed"] = frame["status"].astype("string").fillna("") == "failed"
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["_config"] = config_labels(frame)
    return frame


def _measured(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that hold a usable value of a summarised metric."""
    return usable_rows(frame, set(METRICS))


def _models_by_size(measured: pd.DataFrame) -> list[str]:
    """Models with the most measurements first; ties by name, so ids are stable."""
    sizes = measured.groupby("_model").size()
    return sorted(sizes.index, key=lambda model: (-int(sizes[model]), model))


def _overall_facts(builder: FactBuilder, frame: pd.DataFrame) -> None:
    if frame.empty:
        builder.add(
            FactKind.RUNS,
            "The dataset holds no measurements: no file yielded a metric.",
            tier=0,
        )
        return
    runs = frame["record_id"].nunique()
    failed = frame.loc[frame["_failed"], "record_id"].nunique()
    models = frame.loc[frame["_model"] != UNNAMED_MODEL, "_model"].nunique()
    files = frame["source_file"].nunique()
    text = (
        f"Dataset: {len(frame)} measurements from {files} files; {runs} runs "
        f"({runs - failed} ok, {failed} failed) of {models} named models."
    )
    builder.add(FactKind.RUNS, text, (len(frame), files, runs, failed), tier=0)


def _warmup_fact(builder: FactBuilder, frame: pd.DataFrame) -> None:
    warmup = warmup_rows(frame)
    if warmup.empty:
        return
    rows, runs = len(warmup), int(warmup["record_id"].nunique())
    text = (
        f"{rows} warm-up rows ({_runs(runs)}) excluded from every statistic: "
        "warm-up calls carry the model load and are not measured runs."
    )
    builder.add(FactKind.RUNS, text, [(rows, None), (runs, None)], tier=0)


@dataclass(frozen=True)
class _Series:
    """One metric's usable values for one model."""

    model: str
    metric: str
    values: pd.DataFrame

    @property
    def label(self) -> str:
        return METRICS[self.metric][0]

    @property
    def higher_better(self) -> bool:
        return METRICS[self.metric][1]

    @property
    def unit(self) -> str:
        return _unit(self.values)

    @property
    def kind(self) -> str:
        """' (tool-reported mean per run)' when built from aggregates."""
        kinds = self.values[KIND_COLUMN].dropna()
        label = aggregate_label(str(kinds.iloc[0]) if not kinds.empty else None)
        return f" ({label})" if label else ""

    def config_means(self) -> pd.Series:
        return self.values.groupby("_config", sort=True)["value"].mean()

    def best_and_worst(self) -> tuple[str, str] | None:
        means = self.config_means()
        if len(means) < 2:
            return None
        if self.higher_better:
            return str(means.idxmax()), str(means.idxmin())
        return str(means.idxmin()), str(means.idxmax())


def _model_facts(
    builder: FactBuilder, frame: pd.DataFrame, measured: pd.DataFrame, model: str
) -> None:
    rows = measured[measured["_model"] == model]
    for metric in METRICS:
        series = _Series(model, metric, rows[rows["metric"] == metric])
        if series.values.empty:
            continue
        _summary_fact(builder, series)
        if series.best_and_worst() is not None:
            _best_fact(builder, series)
        if metric in EFFECT_METRICS:
            model_rows = frame[frame["_model"] == model]
            effect_facts(builder, model_rows, series.values, series.label)
    if rows["_config"].nunique() > 1:
        _config_facts(builder, model, rows)


def _stats(values: Sequence[float]) -> tuple[float, float, float, float, float]:
    """Mean, median, p95, min and max."""
    data = np.asarray(values, dtype=float)
    p50, p95 = np.percentile(data, [50, 95])
    low, high = float(data.min()), float(data.max())
    return float(data.mean()), float(p50), float(p95), low, high


def _summary_fact(builder: FactBuilder, series: _Series) -> None:
    unit, values = series.unit, series.values
    mean, median, p95, low, high = _stats(values["value"].tolist())
    runs = int(values["record_id"].nunique())
    best, worst = series.best_and_worst() or (None, None)
    stats = MetricStats(
        series.model,
        None,
        series.metric,
        unit,
        runs,
        mean,
        median,
        p95,
        low,
        high,
        best,
        worst,
    )
    configs = values["_config"].nunique()
    across = f" across {configs} configs" if configs > 1 else ""
    text = (
        f"{series.model} {_labelled(series.label, unit)} over {_runs(runs)}"
        f"{series.kind}{across}: "
        f"mean {fmt_num(mean)}, median {fmt_num(median)}, p95 {fmt_num(p95)}, "
        f"range {fmt_num(low)} to {fmt_num(high)}."
    )
    metric = series.metric
    tier = 1 if metric == "throughput_tok_s" else 2 if metric in HEADLINE else 4
    builder.add(
        FactKind.RUNS,
        text,
        [(v, unit) for v in (mean, median, p95, low, high)] + [(runs, None)],
        sources=_sources(values),
        tier=tier,
        weight=len(values),
        stats=stats,
    )


def _best_fact(builder: FactBuilder, series: _Series) -> None:
    unit, means = series.unit, series.config_means()
    best_config, worst_config = series.best_and_worst() or ("", "")
    best, worst = float(means[best_config]), float(means[worst_config])
    spread = abs(best - worst)
    figures: list[tuple[float, str | None]] = [(best, unit), (worst, unit)]
    figures.append((spread, unit))
    pct = ""
    if worst:
        spread_pct = 100.0 * spread / abs(worst)
        figures.append((spread_pct, "%"))
        pct = f", {fmt_qty(spread_pct, '%')}"
    text = (
        f"{series.model} best {series.label}: {best_config} at {fmt_qty(best, unit)}"
        f"; worst: {worst_config} at {fmt_qty(worst, unit)} (spread "
        f"{fmt_qty(spread, unit)}{pct})."
    )
    builder.add(
        FactKind.BEST,
        text,
        figures,
        sources=_sources(series.values),
        tier=1 if series.metric in EFFECT_METRICS else 3,
        weight=len(series.values),
    )


def _config_facts(builder: FactBuilder, model: str, rows: pd.DataFrame) -> None:
    """One fact per config with every headline metric measured for it."""
    headline = rows[rows["metric"].isin(HEADLINE)]
    for config, group in headline.groupby("_config", sort=True):
        parts: list[str] = []
        figures: list[tuple[float, str | None]] = []
        for metric in HEADLINE:
            values = group[group["metric"] == metric]
            if values.empty:
                continue
            unit = _unit(values)
            mean, median, p95, low, high = _stats(values["value"].tolist())
            figures += [(v, unit) for v in (mean, median, p95, low, high)]
            label = _labelled(METRICS[metric][0], unit)
            if len(values) == 1:
                parts.append(f"{label} {fmt_num(mean)}")
            else:
                parts.append(
                    f"{label} mean {fmt_num(mean)} (median {fmt_num(median)}, "
                    f"p95 {fmt_num(p95)}, n={len(values)})"
                )
        runs = int(group["record_id"].nunique())
        builder.add(
            FactKind.CONFIG,
            f"{model} {config}: " + "; ".join(parts) + f" ({_runs(runs)}).",
            [*figures, (runs, None)],
            sources=_sources(group),
            tier=5,
            weight=len(group),
        )


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _labelled(label: str, unit: str) -> str:
    """'throughput (tok/s)': the unit once, so figures need not repeat it."""
    return f"{label} ({unit})" if unit else label


def _unit(values: pd.DataFrame) -> str:
    units = values["unit"].dropna()
    return str(units.iloc[0]) if not units.empty else ""


def _failure_facts(builder: FactBuilder, frame: pd.DataFrame) -> None:
    failed = frame[frame["_failed"]]
    if failed.empty:
        return
    for model, group in sorted(failed.groupby("_model"), key=lambda item: item[0]):
        model_rows = frame[frame["_model"] == model]
        total = int(model_rows["record_id"].nunique())
        count = int(group["record_id"].nunique())
        share = 100.0 * count / total
        errors = group.drop_duplicates("record_id")["error"].dropna().astype(str)
        common = _most_common_error(errors)
        text = (
            f"{model}: {count} of {total} runs failed ({fmt_qty(share, '%')}){common}."
        )
        builder.add(
            FactKind.FAILURES,
            text,
            [(count, None), (total, None), (share, "%")],
            sources=_sources(group),
            tier=1,
            weight=count,
        )


def _most_common_error(errors: pd.Series) -> str:
    if errors.empty:
        return ""
    counts = errors.str.slice(0, 70).value_counts()
    message, count = str(counts.index[0]), int(counts.iloc[0])
    return f"; most common error ({count}x): {message!r}"


def _sources(rows: pd.DataFrame) -> tuple[str, ...]:
    """Distinct source files, most rows first, then by path."""
    counts: Any = rows.groupby("source_file").size()
    return tuple(sorted(counts.index, key=lambda path: (-int(counts[path]), path)))
