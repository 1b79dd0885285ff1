"""The HTML report's charts, drawn with matplotlib and inlined as base64 PNG.

Images keep the report a single self-contained file that needs no script to
display. Charts are drawn through matplotlib's object API on an Agg canvas, so
no global backend is chosen and nothing opens a window. Labels from artifacts
are drawn as plain text (mathtext off): a ``$`` in a model name is not markup.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from chimera.analysis.digest import measured_rows

MAX_BARS = 20
LABEL_CHARS = 48
_STYLE = {"text.parse_math": False, "font.size": 8, "axes.titlesize": 10}


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
    with mpl.rc_context(_STYLE):
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
    top = means.sort_values(ascending=False).head(MAX_BARS).sort_values()
    labels = [_short(f"{model} {config}") for model, config in top.index]
    figure = _figure(height=1.2 + 0.28 * len(top))
    axes = figure.add_subplot()
    axes.barh(range(len(top)), top.to_numpy(), color="#3b6ea5")
    axes.set_yticks(range(len(top)), labels)
    axes.set_xlabel("tok/s")
    axes.set_title(title)
    shown = f"top {len(top)} of {len(means)}" if len(means) > len(top) else "all"
    return Chart(
        title, _png(figure), f"{shown} model/config pairs, failed runs excluded"
    )


def _ttft_distribution(rows: pd.DataFrame) -> Chart:
    title = "TTFT distribution (ms)"
    values = rows.loc[rows["metric"] == "ttft_ms", "value"]
    if values.empty:
        return Chart(title, None, "The dataset has no TTFT values.")
    figure = _figure(height=3.0)
    axes = figure.add_subplot()
    axes.hist(
        values.to_numpy(), bins=min(30, max(5, len(values) // 3)), color="#a5633b"
    )
    axes.set_xlabel("ms")
    axes.set_ylabel("measurements")
    axes.set_title(title)
    return Chart(title, _png(figure), f"{len(values)} measurements")


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
    FigureCanvasAgg(figure).print_png(buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
