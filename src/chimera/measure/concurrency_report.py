"""``summary.json`` and ``summary.md`` for a concurrency measurement.

The Markdown says, in order: what was run, the speedup and efficiency with their
intervals, aggregate throughput in both phases, and each job's contention verdict
with the figures behind it, so a reader can check the verdict rather than trust it.
"""

from __future__ import annotations

from pathlib import Path

from chimera.measure.concurrency import ConcurrencySummary
from chimera.measure.render import delta_ci, mean_ci, p_value, table
from chimera.outputs import atomic_write_json, atomic_write_text

SUMMARY_SCHEMA_VERSION = 1


def write_summary(summary: ConcurrencySummary, out_dir: Path) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``summary.md`` atomically; returns both paths."""
    data = {"schema_version": SUMMARY_SCHEMA_VERSION, **summary.to_dict()}
    json_path = atomic_write_json(out_dir / "summary.json", data)
    md_path = atomic_write_text(out_dir / "summary.md", render_markdown(summary))
    return json_path, md_path


def render_markdown(summary: ConcurrencySummary) -> str:
    n = summary.n_jobs
    used = summary.speedup.n
    lines = [
        "# Concurrency summary",
        "",
        f"{n} job(s), {summary.repetitions} measured repetition(s) of each phase "
        f"after {summary.warmup} warm-up repetition(s); {used} repetition(s) "
        f"used, {summary.failed_repetitions} left out because a job failed. "
        "Figures are means with 95 % confidence intervals across repetitions.",
        "",
        table(
            ["Figure", "Value"],
            [
                ["Sequential wall time (ms)", mean_ci(summary.sequential_wall_ms, 1)],
                ["Concurrent wall time (ms)", mean_ci(summary.concurrent_wall_ms, 1)],
                ["Speedup (sequential / concurrent)", mean_ci(summary.speedup)],
                [f"Efficiency (speedup / {n})", mean_ci(summary.efficiency)],
                [
                    "Aggregate throughput, sequential (tok/s)",
                    mean_ci(summary.sequential_tokens_per_s, 1),
                ],
                [
                    "Aggregate throughput, concurrent (tok/s)",
                    mean_ci(summary.concurrent_tokens_per_s, 1),
                ],
            ],
        ),
        "",
        "## Contention",
        "",
        _verdict(summary),
        "",
        table(
            ["Job", "TTFT change (ms)", "p", "Throughput change (tok/s)", "p", "Flag"],
            [
                [
                    job.label,
                    delta_ci(job.ttft_ms, 1),
                    p_value(job.ttft_ms.p_value),
                    delta_ci(job.tokens_per_s, 1),
                    p_value(job.tokens_per_s.p_value),
                    "; ".join(job.reasons) or "none",
                ]
                for job in summary.jobs
            ],
        ),
        "",
    ]
    return "\n".join(lines)


def _verdict(summary: ConcurrencySummary) -> str:
    threshold = f"{summary.contention_threshold:.0%}"
    if summary.contention:
        flagged = sum(job.contended for job in summary.jobs)
        return (
            f"**Contention:** {flagged} of {summary.n_jobs} job(s) lost more than "
            f"{threshold} in TTFT or throughput when run concurrently: the backend "
            "is not serving them fully in parallel."
        )
    return (
        f"No job lost more than {threshold} in TTFT or throughput when run "
        "concurrently."
    )
