"""Configs and option effects: which settings a run used, and what each one changed.

A "config" is the set of options that vary between a model's runs; options that
are the same for every run of a model say nothing about the differences and are
left out of its config names ("num_gpu=60 num_ctx=2048 temperature=0.8"). An
option's effect is the mean of a metric at each of its values, averaged over the
other settings, with the spread between the best and worst value.
"""

from __future__ import annotations

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
    return labels


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
    """One fact per option that varies for this model: the metric at each value."""
    if values.empty:
        return
    model = str(values["_model"].iloc[0])
    unit = str(values["unit"].dropna().iloc[0]) if values["unit"].notna().any() else ""
    for column in varying_columns(model_rows):
        means = values.dropna(subset=[column]).groupby(column, sort=True)["value"]
        by_value = means.mean()
        if len(by_value) < 2:
            continue
        parts = ", ".join(
            f"{_value_text(value)}: {fmt_qty(float(mean), unit)}"
            for value, mean in by_value.items()
        )
        spread = float(by_value.max() - by_value.min())
        low = float(by_value.min())
        spread_pct = 100.0 * spread / abs(low) if low else None
        pct = f", {fmt_qty(spread_pct, '%')}" if spread_pct is not None else ""
        text = (
            f"{model} {label} by {column} (mean over the other settings): {parts}; "
            f"spread {fmt_qty(spread, unit)}{pct}."
        )
        figures: list[tuple[float, str | None]] = [
            (float(mean), unit) for mean in by_value
        ]
        figures.append((spread, unit))
        if spread_pct is not None:
            figures.append((spread_pct, "%"))
        builder.add(
            FactKind.EFFECT,
            text,
            figures,
            sources=tuple(sorted(values["source_file"].unique())),
            tier=3,
            weight=len(values),
        )
