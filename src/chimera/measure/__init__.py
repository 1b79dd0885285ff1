"""Measurement over many calls: statistics, comparisons, concurrency and sweeps.

Everything here works on ``CallMetrics`` records produced by any backend, and never
turns a missing or failed measurement into a 0.
"""

from chimera.measure.concurrency import (
    ConcurrencySummary,
    JobResult,
    call_job,
    identical_jobs,
    measure_concurrency,
)
from chimera.measure.concurrency_report import write_summary
from chimera.measure.retry import RetryingBackend, RetryPolicy
from chimera.measure.stats import Delta, Summary, summarize, welch_delta
from chimera.measure.trials import Trial, run_trial, summarize_trials

__all__ = [
    "ConcurrencySummary",
    "Delta",
    "JobResult",
    "RetryPolicy",
    "RetryingBackend",
    "Summary",
    "Trial",
    "call_job",
    "identical_jobs",
    "measure_concurrency",
    "run_trial",
    "summarize",
    "summarize_trials",
    "welch_delta",
    "write_summary",
]
