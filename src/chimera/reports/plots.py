"""The HTML report's charts, drawn with matplotlib and inlined as base64 PNG.

Images keep the report a single self-contained file that needs no script to
display. Charts are drawn through matplotlib's object API on an Agg canvas, so
no global backend is chosen and nothing opens a window. Labels from artifacts
are drawn as plain text (mathtext off): a ``$`` in a model name is not markup.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from chimera.analysis.digest import measured_rows

_DRAWING = threading.Lock()
MAX_BARS = 20
LABEL_CHARS = 60
_SHORT_NAMES = (("num_gpu=", "gpu="), ("num_ctx=", "ctx="), ("temperature=", "temp="))


@dataclass(frozen=True)
class Chart:
    title: str
    png_base64: str | None  # None: nothing to draw
    note: str

    @property
    def data_uri(self) -> str:
        return f"data:image/png;base64,{self.png_base64}"


def charts(dataset: pd.DataFrame, stage_ms: Mapping[str, float]) -> list[Chart]:
    """Throughput by config, the TTFT distribution, and this run's stage times."""
    rows = measured_rows(dataset)
    style = {"text.parse_math": False, "font.size": 8, "axes.titlesize": 10}
    # rc_context changes process-wide settings: agents render one at a time.
    with _DRAWING, mpl.rc_context(style):  # type: ignore[arg-type]
        return [
            _throughput_by_config(rows),
            _ttft_distribution(rows),
            _stage_durations(stage_ms),
        ]


def _throughput_by_config(rows: pd.DataFrame) -> Chart:
    title = "Throughput by config (mean tok/s)"
    values = rows[rows["metric"] == "throughput_tok_s"]
    if values.empty:
        return Chart(title, None, "The dataset has no throughput values.")
    means = values.groupby(["_model", "_config"])["value"].mean()
    picked = _best_and_worst(means, values["_model"].value_counts().index)
    labels = [_short(f"{model}  {_compact(config)}") for model, config in picked.index]
    figure = _figure(height=1.2 + 0.28 * len(picked))
    axes = figure.add_subplot()
    axes.barh(range(len(picked)), picked.to_numpy(), color="#3b6ea5")
    axes.set_yticks(range(len(picked)), labels)
    axes.invert_yaxis()
    axes.set_xlabel("tok/s")
    axes.set_title(title)
    note = (
        f"best and worst config of each model: {len(picked)} of {len(means)} "
        "model/config pairs; failed runs and warm-up calls excluded"
    )
    return Chart(title, _png(figure), note)


def _best_and_worst(means: pd.Series, models: Iterable[object]) -> pd.Series:
    """Each model's best and worst config, busiest models first, capped."""
    keys: list[tuple[object, object]] = []
    for model in models:
        configs = means.loc[model].sort_values(ascending=False)
        for config in dict.fromkeys([configs.index[0], configs.index[-1]]):
            keys.append((model, config))
        if len(keys) >= MAX_BARS:
            break
    return means.loc[keys[:MAX_BARS]]


def _compact(config: str) -> str:
    """Shorter option names for chart labels."""
    for long, short in _SHORT_NAMES:
        config = config.replace(long, short)
    return config


def _ttft_distribution(rows: pd.DataFrame) -> Chart:
    title = "TTFT distribution (ms)"
    values = rows.loc[rows["metric"] == "ttft_ms", "value"].to_numpy(dtype=float)
    if values.size == 0:
        return Chart(title, None, "The dataset has no TTFT values.")
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    low, high = values.min(), values.max()
    bins: int | list[float] = min(30, max(5, values.size // 3))
    # A long tail (cold loads next to warm calls) reads better on a log axis.
    if low > 0 and high / low > 100:
        bins = [float(edge) for edge in np.geomspace(low, high, 30)]
        axes.set_xscale("log")
        # Plain tick labels: log axes default to mathtext, which is off here.
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.hist(values, bins=bins, color="#a5633b")
    axes.set_xlabel("ms")
    axes.set_ylabel("measurements")
    axes.set_title(title)
    return Chart(title, _png(figure), f"{values.size} measurements")


def _stage_durations(stage_ms: Mapping[str, float]) -> Chart:
    title = "This run: duration per stage (ms)"
    figure = _figure(height=2.2)
    axes = figure.add_subplot()
    names = list(stage_ms)
    axes.barh(names, [stage_ms[name] for name in names], color="#4f8a4f")
    axes.invert_yaxis()
    axes.set_xlabel("ms")
    axes.set_title(title)
    return Chart(title, _png(figure), "ingest, analysis call, report call")


def _figure(height: float) -> Figure:
    return Figure(figsize=(7.5, height), dpi=100, layout="constrained")


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    # A standalone Figure renders PNG through the Agg canvas: no pyplot state.
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
