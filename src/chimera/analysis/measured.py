"""Which dataset rows a run statistic may use.

The dataset keeps every number an artifact wrote, but not every number is one
run's measurement. Failed runs and warm-up calls are left out. A tool often
writes both its raw runs and its own summary of them (a CSV of calls beside a
JSON of per-config means): averaging them together would count runs twice and
mix a mean of means with raw values. So per model and metric a series uses its
single measurements (``stat`` null, or one ``sample`` of a written array) when it
has any; a series that exists only as tool-written aggregates (vLLM's
``mean_ttft_ms`` per run, AIPerf's ``avg``) uses one kind of them, the mean
first, each row standing for its run, and the kind is named in the facts. When a
run holds two columns of the same metric (an engine-reported and a
client-measured decode rate), the series keeps the column most runs hold, so
each run counts once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Aggregate kinds a series may be summarised from, most representative first.
_AGGREGATE_ORDER = ("mean", "p50")
_SINGLE = ("sample",)
KIND_COLUMN = "_kind"  # None: single measurements; else the aggregate kind used


def usable_rows(frame: pd.DataFrame, metrics: set[str]) -> pd.DataFrame:
    """Rows of ``metrics`` with a finite value, not failed and not warm-up, one
    kind of value and one column per run for each model and metric."""
    status = frame["status"].astype("string").fillna("")
    keep = (status != "failed") & (status != "warmup")
    keep &= frame["value"].notna() & frame["metric"].isin(metrics)
    finite = np.isfinite(frame["value"].to_numpy(dtype=float, na_value=np.nan))
    kept = frame[keep & finite]
    parts = [_one_kind(group) for _, group in kept.groupby(["_model", "metric"])]
    if not parts:
        return kept.assign(**{KIND_COLUMN: pd.Series(dtype="object")})
    return pd.concat(parts).sort_index()


def warmup_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of warm-up calls, which no statistic uses."""
    return frame[frame["status"].astype("string").fillna("") == "warmup"]


def aggregate_label(kind: str | None) -> str:
    """How a fact names the values a series is made of ('' for raw runs)."""
    if kind is None:
        return ""
    spelled = {"mean": "mean", "p50": "median"}.get(kind, kind)
    return f"tool-reported {spelled} per run"


def _one_kind(group: pd.DataFrame) -> pd.DataFrame:
    stats = group["stat"].astype("string")
    single = stats.isna() | stats.isin(_SINGLE)
    if single.any():
        chosen, kind = group[single.to_numpy()], None
    else:
        kind = _aggregate_kind(stats)
        chosen = group[(stats == kind).to_numpy()]
    chosen = _one_column(chosen)
    return chosen.assign(**{KIND_COLUMN: kind})


def _aggregate_kind(stats: pd.Series) -> str:
    present = set(stats.dropna())
    for kind in _AGGREGATE_ORDER:
        if kind in present:
            return kind
    counts = stats.value_counts()
    return str(sorted(counts.index, key=lambda k: (-int(counts[k]), str(k)))[0])


def _one_column(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep one written column when runs hold several of this metric."""
    names = rows["original_name"].astype("string").fillna("")
    if names.groupby(rows["record_id"]).nunique().max() <= 1:
        return rows
    counts = names.value_counts(sort=False)
    first = {name: position for position, name in enumerate(dict.fromkeys(names))}
    best = sorted(counts.index, key=lambda name: (-int(counts[name]), first[name]))[0]
    return rows[(names == best).to_numpy()]
