"""Configs and option effects: which settings a run used, and what each one changed.

A "config" is the set of options that vary between a model's runs; options that
are the same for every run of a model say nothing about the differences and are
left out of its config names ("num_gpu=60 num_ctx=2048 temperature=0.8"). An
option's effect is the mean of a metric at each of its values, averaged over the
other settings, with the spread between the best and worst value.
"""

from __future__ import annotations

import json

import pandas as pd

from chimera.analysis.facts import FactBuilder, FactKind, fmt_num, fmt_qty

# Dataset columns that describe how a run was configured, in display order.
CONFIG_COLUMNS = (
    "backend",
    "quantization",
    "num_gpu",
    "num_ctx",
    "temperature",
    "top_p",
    "top_k",
    "repeat_penalty",
    "batch_size",
    "concurrency",
)
NO_OPTIONS = "options not recorded"
SINGLE_CONFIG = "single config"


def varying_columns(rows: pd.DataFrame) -> list[str]:
    """Config columns with more than one distinct value among ``rows``."""
    return [
        column
        for column in CONFIG_COLUMNS
        if column in rows and rows[column].dropna().nunique() > 1
    ]


def config_labels(frame: pd.DataFrame) -> pd.Series:
    """A config name per row, from the options that vary within its model."""
    labels = pd.Series(SINGLE_CONFIG, index=frame.index, dtype="object")
    for _, rows in frame.groupby("_model", sort=False):
        columns = varying_columns(rows)
        if not columns:
            continue
        labels.loc[rows.index] = [
            _label(row, columns) for row in rows[columns].itertuples(index=False)
        ]
    unlabelled = labels == NO_OPTIONS
    if unlabelled.any() and "params" in frame:
        labels.loc[unlabelled] = frame.loc[unlabelled, "params"].map(_named_config)
    return labels


# Keys under which tools name a configuration ("baseline", "g60_c2048_t0.8").
_CONFIG_NAME_KEYS = ("config_name", "config", "configuration", "profile")


def _named_config(params: object) -> str:
    """The run's own name for its config, for runs that recorded no options.

    >>> _named_config('{"config_name": "baseline"}')
    'baseline (no options recorded)'
    >>> _named_config(None)
    'options not recorded'
    """
    try:
        values = json.loads(params) if isinstance(params, str) else {}
    except ValueError:
        values = {}
    for key in _CONFIG_NAME_KEYS:
        name = values.get(key) if isinstance(values, dict) else None
        if isinstance(name, str) and name.strip():
            return f"{name.strip()} (no options recorded)"
    return NO_OPTIONS


def _label(row: tuple[object, ...], columns: list[str]) -> str:
    parts = [
        f"{column}={_value_text(value)}"
        for column, value in zip(columns, row, strict=True)
        if not pd.isna(value)
    ]
    return " ".join(parts) if parts else NO_OPTIONS


def _value_text(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return fmt_num(float(value))
    return str(value)


def effect_facts(
    builder: FactBuilder, model_rows: pd.DataFrame, values: pd.DataFrame, label: str
) -> None:
    """One fact per option that varies for this model.

    It states the metric's mean at each value of the option (over the other
    settings), and, when other options vary too, the change from the option's
    first value measured at fixed other settings: pairs of configs that differ
    in this option only, so a change is not confounded with the others.
    """
    if values.empty:
        return
    model = str(values["_model"].iloc[0])
    unit = str(values["unit"].dropna().iloc[0]) if values["unit"].notna().any() else ""
    columns = varying_columns(model_rows)
    for column in columns:
        by_value = values.dropna(subset=[column]).groupby(column, sort=True)["value"]
        means = by_value.mean()
        if len(means) < 2:
            continue
        others = [other for other in columns if other != column]
        figures: list[tuple[float, str | None]] = []
        text = f"{model} {label} by {column}: " + _marginal(means, unit, figures)
        paired = _paired(values, column, others, unit, figures) if others else ""
        builder.add(
            FactKind.EFFECT,
            text + paired + ".",
            figures,
            sources=tuple(sorted(values["source_file"].unique())),
            tier=3,
            weight=len(values),
        )


def _marginal(
    means: pd.Series, unit: str, figures: list[tuple[float, str | None]]
) -> str:
    """'1024: 105 tok/s, 2048: 107 tok/s (mean over the other settings; spread
    2 tok/s, 1.90%)'."""
    figures.extend((float(mean), unit) for mean in means)
    parts = ", ".join(
        f"{_value_text(value)}: {fmt_qty(float(mean), unit)}"
        for value, mean in means.items()
    )
    low, spread = float(means.min()), float(means.max() - means.min())
    figures.append((spread, unit))
    spread_text = f"spread {fmt_qty(spread, unit)}"
    if low:
        spread_pct = 100.0 * spread / abs(low)
        figures.append((spread_pct, "%"))
        spread_text += f", {fmt_qty(spread_pct, '%')}"
    return f"{parts} (mean over the other settings; {spread_text})"


def _paired(
    values: pd.DataFrame,
    column: str,
    others: list[str],
    unit: str,
    figures: list[tuple[float, str | None]],
) -> str:
    """'; at fixed other settings: num_ctx=2048 vs 1024: +2 tok/s (2 pairs)'."""
    table = values.groupby([*others, column])["value"].mean().unstack(column)
    if table.empty or len(table.columns) < 2:
        return ""
    base = table.columns[0]
    parts = []
    for value in table.columns[1:]:
        change = (table[value] - table[base]).dropna()
        if change.empty:
            continue
        mean = float(change.mean())
        figures.append((mean, unit))
        pairs = f"{len(change)} pair" + ("" if len(change) == 1 else "s")
        parts.append(
            f"{column}={_value_text(value)} vs {_value_text(base)}: "
            f"{_signed(mean, unit)} ({pairs})"
        )
    if not parts:
        return ""
    return "; at fixed other settings: " + ", ".join(parts)


def _signed(value: float, unit: str) -> str:
    text = fmt_qty(value, unit)
    return text if text.startswith("-") else f"+{text}"
