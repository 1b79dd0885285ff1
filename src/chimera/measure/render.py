"""Small text helpers shared by the Markdown summaries of compare, sweep and runs.

Numbers are printed with their interval where there is one, and an unmeasured value
is printed as "n/a", never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from chimera.measure.stats import Delta, Summary

NA = "n/a"


def num(value: float | None, digits: int = 2) -> str:
    """``12.3456 -> '12.35'``; ``None -> 'n/a'``.

    >>> num(1234.5678), num(None), num(3.0, 0)
    ('1,234.57', 'n/a', '3')
    """
    return NA if value is None else f"{value:,.{digits}f}"


def mean_ci(summary: Summary, digits: int = 2) -> str:
    """``'69.72 [68.10, 71.34]'``: the mean and its 95 % interval when there is one."""
    if summary.mean is None:
        return NA
    if summary.ci95_low is None or summary.ci95_high is None:
        return num(summary.mean, digits)
    low, high = num(summary.ci95_low, digits), num(summary.ci95_high, digits)
    return f"{num(summary.mean, digits)} [{low}, {high}]"


def delta_ci(delta: Delta, digits: int = 2) -> str:
    """``'+3.00 (+30.0 %) [1.2, 4.8]'``."""
    if delta.delta is None:
        return NA
    text = f"{delta.delta:+,.{digits}f}"
    if delta.delta_pct is not None:
        text += f" ({delta.delta_pct:+.1f} %)"
    if delta.ci95_low is not None and delta.ci95_high is not None:
        text += f" [{delta.ci95_low:+,.{digits}f}, {delta.ci95_high:+,.{digits}f}]"
    return text


def p_value(value: float | None) -> str:
    if value is None:
        return NA
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table.

    >>> print(table(["a", "b"], [["1", "2"]]))
    | a | b |
    | --- | --- |
    | 1 | 2 |
    """
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    lines += [
        "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
        for row in rows
    ]
    return "\n".join(lines)
