"""The combined report: agents side by side, deltas, failures, concurrency."""

from __future__ import annotations

from chimera.options import ModelOptions
from chimera.reports.combined import render_combined_report

from .conftest import OutcomeFactory, metrics


def test_agents_side_by_side_with_deltas(make_outcome: OutcomeFactory) -> None:
    baseline = make_outcome(
        label="Baseline Collector", baseline=True, report_metrics=metrics("report")
    )
    tuned = make_outcome(
        label="Chimera Insight",
        options=ModelOptions(num_ctx=1024),
        report_metrics=metrics("report", eval_tokens_per_s=50.0, ttft_ms=60.0,
                               server_total_ms=1800.0),
    )  # fmt: skip
    text = render_combined_report(
        "baseline_vs_chimera", [baseline, tuned], 5432.1, failures={}
    )

    assert text.startswith("# Combined Report: baseline_vs_chimera")
    assert "**Concurrent wall time:** 5,432.1 ms" in text
    assert (
        "| Baseline Collector | SmolLM2-135M-Instruct (Q4_1, embedded) "
        "| none (defaults) | 40.00 | 80.2 | 2,400.0 |"
    ) in text
    assert "| Chimera Insight |" in text and "| num_ctx=1024 |" in text
    assert (
        "| Chimera Insight | Throughput (tok/s) | 40.00 | 50.00 | +10.00 | +25.0% |"
        in text
    )
    assert "| Chimera Insight | TTFT (ms) | 80.2 | 60.0 | -20.2 | -25.2% |" in text
    assert (
        "| Chimera Insight | Total Duration (ms) | 2,400.0 | 1,800.0 | -600.0 "
        "| -25.0% |" in text
    )
    assert "## Failed agents" not in text


def test_failed_agents_are_listed(make_outcome: OutcomeFactory) -> None:
    text = render_combined_report(
        "chimera_hetero",
        [make_outcome(label="Chimera Agent A")],
        1000.0,
        failures={"chimera_agent_b": "could not reach Ollama at http://127.0.0.1:9"},
    )
    assert "1 finished, 1 failed" in text
    assert "- **chimera_agent_b**: could not reach Ollama at http://127.0.0.1:9" in text
    assert "## Deltas" not in text


def test_missing_metrics_give_not_reported_deltas(make_outcome: OutcomeFactory) -> None:
    first = make_outcome(label="A")
    second = make_outcome(label="B", report_metrics=metrics("report", ttft_ms=None))
    text = render_combined_report("chimera_homo", [first, second], 10.0, failures={})
    assert (
        "| B | TTFT (ms) | 80.2 | not reported | not reported | not reported |" in text
    )


def test_concurrency_section_shows_intervals(make_outcome: OutcomeFactory) -> None:
    summary = {"n": 5, "mean": 1.84, "ci95_low": 1.71, "ci95_high": 1.97}
    concurrency = {
        "n_jobs": 2,
        "repetitions": 5,
        "speedup": summary,
        "efficiency": {"n": 5, "mean": 0.92, "ci95_low": None, "ci95_high": None},
        "contention": False,
        "jobs": [{"label": "agent a", "contended": True, "reasons": ["TTFT +40%"]}],
    }
    text = render_combined_report(
        "chimera_homo", [make_outcome()], 10.0, {}, concurrency=concurrency
    )
    assert "## Concurrency" in text
    assert "| speedup | 1.840 | 1.710 to 1.970 | 5 |" in text
    assert "| efficiency | 0.920 | — | 5 |" in text
    assert "- **contention:** False" in text
    assert "- agent a: contended (TTFT +40%)" in text
