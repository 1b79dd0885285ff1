"""The combined report: the agents of one run side by side, and how they differ.

Throughput, TTFT and total duration are each agent's headline figures (its report
call); deltas are taken against the first agent, absolute and relative. A failed
agent is listed with its error instead of silently missing. When the run also
measured concurrency (sequential against concurrent wall time, repeated), its
speedup and efficiency are shown with their confidence intervals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chimera.agents.outcome import AgentOutcome
from chimera.reports.markdown import environment
from chimera.reports.view import NOT_REPORTED, fmt_metric

# (label, CallMetrics attribute, decimals)
COMPARED = (
    ("Throughput (tok/s)", "tokens_per_s", 2),
    ("TTFT (ms)", "ttft_ms", 1),
    ("Total Duration (ms)", "server_total_ms", 1),
)


def render_combined_report(
    scenario: str,
    outcomes: list[AgentOutcome],
    concurrent_wall_ms: float,
    failures: dict[str, str],
    concurrency: dict[str, Any] | None = None,
) -> str:
    """``combined_report.md`` for one run."""
    template = environment().get_template("combined_report.md.j2")
    text = template.render(
        scenario=scenario,
        wall_ms=fmt_metric(concurrent_wall_ms, 1),
        rows=[_row(outcome) for outcome in outcomes],
        deltas=_deltas(outcomes),
        failures=failures,
        concurrency=_concurrency(concurrency) if concurrency else None,
    )
    return re.sub(r"\n{3,}", "\n\n", text)


def _row(outcome: AgentOutcome) -> dict[str, str]:
    metrics = outcome.headline_metrics
    sent = outcome.spec.sent_options().sent()
    summary = outcome.verification
    return {
        "label": outcome.spec.label,
        "model": outcome.spec.model_name(),
        "options": ", ".join(f"{k}={v}" for k, v in sent.items()) or "none (defaults)",
        "throughput": fmt_metric(metrics.tokens_per_s, 2),
        "ttft": fmt_metric(metrics.ttft_ms, 1),
        "total": fmt_metric(metrics.server_total_ms, 1),
        "run_ms": fmt_metric(outcome.total_ms, 1),
        "claims": f"{summary.claims_verified} / {summary.claims_total}",
    }


def _deltas(outcomes: list[AgentOutcome]) -> list[dict[str, str]]:
    if len(outcomes) < 2:
        return []
    base = outcomes[0].headline_metrics
    rows = []
    for outcome in outcomes[1:]:
        metrics = outcome.headline_metrics
        for label, attribute, decimals in COMPARED:
            a, b = getattr(base, attribute), getattr(metrics, attribute)
            rows.append(_delta_row(outcome.spec.label, label, a, b, decimals))
    return rows


def _delta_row(
    agent: str, metric: str, a: float | None, b: float | None, decimals: int
) -> dict[str, str]:
    delta = None if a is None or b is None else b - a
    pct = None if delta is None or not a else 100.0 * delta / abs(a)
    return {
        "label": agent,
        "metric": metric,
        "base": fmt_metric(a, decimals),
        "value": fmt_metric(b, decimals),
        "delta": _signed(delta, decimals),
        "pct": _signed(pct, 1) + ("%" if pct is not None else ""),
    }


def _signed(value: float | None, decimals: int) -> str:
    return NOT_REPORTED if value is None else f"{value:+,.{decimals}f}"


def _concurrency(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Summaries (dicts with a mean) as table rows, scalars as a list, jobs as lines."""
    summaries, scalars = [], []
    for name, value in data.items():
        if isinstance(value, Mapping) and "mean" in value:
            summaries.append((name, _summary_cells(value)))
        elif isinstance(value, bool | int | float | str) or value is None:
            scalars.append((name, _scalar(value)))
    jobs = [_job_line(job) for job in data.get("jobs", []) if isinstance(job, Mapping)]
    return {"summaries": summaries, "scalars": scalars, "jobs": jobs}


def _summary_cells(summary: Mapping[str, Any]) -> dict[str, str]:
    low, high = summary.get("ci95_low"), summary.get("ci95_high")
    ci = "—" if low is None or high is None else f"{low:,.3f} to {high:,.3f}"
    mean = summary.get("mean")
    return {
        "mean": NOT_REPORTED if mean is None else f"{mean:,.3f}",
        "ci": ci,
        "n": str(summary.get("n", "")),
    }


def _scalar(value: Any) -> str:
    if value is None:
        return NOT_REPORTED
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def _job_line(job: Mapping[str, Any]) -> str:
    state = "contended" if job.get("contended") else "no contention"
    reasons = "; ".join(str(r) for r in job.get("reasons", ()))
    return f"{job.get('label', 'job')}: {state}" + (f" ({reasons})" if reasons else "")
