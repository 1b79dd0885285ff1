"""Honest concurrency measurement: the same jobs run one after another, then together.

A speedup is only meaningful as a ratio of two wall times measured on the same
jobs: all of them run sequentially (one wall time) and all of them run at once with
``asyncio`` (another). Summing the durations each job saw during the concurrent run
instead gives a "speedup" near N whatever the hardware does. Each repetition
measures both phases, alternating which goes first so warm caches and thermal
drift hit both; figures across repetitions come with 95 % intervals.

Contention is judged per job: when its time to first token grows, or its tokens
per second drop, by more than a threshold under concurrency compared with its own
sequential runs, the server is not really serving the jobs in parallel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from chimera.backends.base import Backend, GenerationRequest
from chimera.errors import BackendError
from chimera.measure.stats import Delta, Summary, ratio_summary, summarize, welch_delta
from chimera.metrics.record import CallMetrics, Clock

logger = logging.getLogger(__name__)

Phase = Literal["sequential", "concurrent"]
DEFAULT_CONTENTION_THRESHOLD = 0.25


@dataclass(frozen=True)
class JobResult:
    """What one job (an agent's whole workflow, or one call) measured."""

    label: str
    calls: tuple[CallMetrics, ...]

    @property
    def tokens(self) -> int | None:
        """Tokens generated over all calls; None if any call lacks a count."""
        counts = [call.tokens_generated for call in self.calls]
        if not counts or any(count is None for count in counts):
            return None
        return sum(count for count in counts if count is not None)

    @property
    def ttft_ms(self) -> float | None:
        """Mean time to first token over the job's calls."""
        return summarize(call.ttft_ms for call in self.calls).mean

    @property
    def tokens_per_s(self) -> float | None:
        """Mean headline throughput over the job's calls."""
        return summarize(call.tokens_per_s for call in self.calls).mean


Job = Callable[[], Awaitable[JobResult]]
ProgressHook = Callable[[str, int, int], None]


@dataclass(frozen=True)
class JobOutcome:
    result: JobResult | None
    error: str | None = None


@dataclass(frozen=True)
class PhaseRun:
    """One phase of one repetition: its wall time and each job's outcome."""

    phase: Phase
    repetition: int
    warmup: bool
    wall_ms: float
    outcomes: tuple[JobOutcome, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "repetition": self.repetition,
            "warmup": self.warmup,
            "wall_ms": self.wall_ms,
            "tokens": self.tokens,
            "tokens_per_s": self.tokens_per_s,
            "jobs": [
                {
                    "label": o.result.label if o.result else None,
                    "ttft_ms": o.result.ttft_ms if o.result else None,
                    "tokens_per_s": o.result.tokens_per_s if o.result else None,
                    "tokens": o.result.tokens if o.result else None,
                    "error": o.error,
                }
                for o in self.outcomes
            ],
        }

    @property
    def failed(self) -> bool:
        return any(outcome.result is None for outcome in self.outcomes)

    @property
    def tokens(self) -> int | None:
        counts = [o.result.tokens if o.result else None for o in self.outcomes]
        if any(count is None for count in counts):
            return None
        return sum(count for count in counts if count is not None)

    @property
    def tokens_per_s(self) -> float | None:
        """Aggregate throughput: every token of every job over this wall time."""
        tokens = self.tokens
        return None if tokens is None else tokens / (self.wall_ms / 1000.0)


@dataclass(frozen=True)
class JobContention:
    """How one job fared concurrently against its own sequential runs."""

    index: int
    label: str
    ttft_ms: Delta
    tokens_per_s: Delta
    ttft_change_pct: float | None
    tokens_per_s_change_pct: float | None
    contended: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ConcurrencySummary:
    n_jobs: int
    repetitions: int
    warmup: int
    contention_threshold: float
    sequential_wall_ms: Summary
    concurrent_wall_ms: Summary
    speedup: Summary
    efficiency: Summary
    sequential_tokens_per_s: Summary
    concurrent_tokens_per_s: Summary
    jobs: tuple[JobContention, ...]
    failed_repetitions: int
    runs: tuple[PhaseRun, ...] = field(repr=False)

    @property
    def contention(self) -> bool:
        return any(job.contended for job in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON-ready; each run keeps its wall time, tokens and errors."""
        data = {
            name: value.to_dict() if isinstance(value, Summary) else value
            for name, value in self.__dict__.items()
            if name not in ("jobs", "runs")
        }
        data["contention"] = self.contention
        data["jobs"] = [asdict(job) for job in self.jobs]
        data["runs"] = [run.to_dict() for run in self.runs]
        return data


async def _run_job(job: Job) -> JobOutcome:
    try:
        return JobOutcome(await job())
    except BackendError as error:
        logger.warning("job failed: %s", error.one_line())
        return JobOutcome(None, error.one_line())


async def run_phase(
    jobs: Sequence[Job],
    phase: Phase,
    repetition: int,
    *,
    warmup: bool = False,
    clock: Clock = time.perf_counter,
) -> PhaseRun:
    """Run every job, one after another or all at once, timing the whole phase."""
    started = clock()
    if phase == "sequential":
        outcomes = [await _run_job(job) for job in jobs]
    else:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_run_job(job)) for job in jobs]
        outcomes = [task.result() for task in tasks]
    wall_ms = (clock() - started) * 1000.0
    logger.info("%s phase, repetition %s: %.1f ms", phase, repetition, wall_ms)
    return PhaseRun(phase, repetition, warmup, wall_ms, tuple(outcomes))


async def measure_concurrency(
    jobs: Sequence[Job],
    repetitions: int = 3,
    *,
    warmup: int = 1,
    contention_threshold: float = DEFAULT_CONTENTION_THRESHOLD,
    clock: Clock = time.perf_counter,
    on_progress: ProgressHook | None = None,
) -> ConcurrencySummary:
    """Measure sequential against concurrent wall time of ``jobs``.

    ``warmup`` repetitions run first and are excluded (model loads, connection
    set-up). ``on_progress(phase, done, total)`` is called after every phase.
    """
    if not jobs:
        raise ValueError("measure_concurrency needs at least one job")
    total = 2 * (warmup + repetitions)
    runs: list[PhaseRun] = []
    for index in range(warmup + repetitions):
        is_warmup = index < warmup
        repetition = index - warmup
        # Alternate which phase goes first so drift does not favour one.
        order: tuple[Phase, Phase] = (
            ("sequential", "concurrent")
            if index % 2 == 0
            else ("concurrent", "sequential")
        )
        for phase in order:
            run = await run_phase(
                jobs, phase, repetition, warmup=is_warmup, clock=clock
            )
            runs.append(run)
            if on_progress is not None:
                on_progress(phase, len(runs), total)
    return summarize_runs(runs, len(jobs), repetitions, warmup, contention_threshold)


def summarize_runs(
    runs: Sequence[PhaseRun],
    n_jobs: int,
    repetitions: int,
    warmup: int,
    contention_threshold: float = DEFAULT_CONTENTION_THRESHOLD,
) -> ConcurrencySummary:
    """Speedup, efficiency, throughput and contention over the measured runs.

    A repetition in which any job failed in either phase is left out of the
    wall-time figures: its phases did not do the same work.
    """
    measured = [run for run in runs if not run.warmup]
    failed = {run.repetition for run in measured if run.failed}
    clean = [run for run in measured if run.repetition not in failed]
    seq = _by_repetition(clean, "sequential")
    conc = _by_repetition(clean, "concurrent")
    reps = sorted(seq.keys() & conc.keys())
    seq_walls = [seq[r].wall_ms for r in reps]
    conc_walls = [conc[r].wall_ms for r in reps]
    speedups = ratio_summary(seq_walls, conc_walls)
    efficiencies = summarize(
        None if s is None else s / n_jobs for s in _ratios(seq_walls, conc_walls)
    )
    return ConcurrencySummary(
        n_jobs=n_jobs,
        repetitions=repetitions,
        warmup=warmup,
        contention_threshold=contention_threshold,
        sequential_wall_ms=summarize(seq_walls),
        concurrent_wall_ms=summarize(conc_walls),
        speedup=speedups,
        efficiency=efficiencies,
        sequential_tokens_per_s=summarize(seq[r].tokens_per_s for r in reps),
        concurrent_tokens_per_s=summarize(conc[r].tokens_per_s for r in reps),
        jobs=tuple(
            _job_contention(index, measured, contention_threshold)
            for index in range(n_jobs)
        ),
        failed_repetitions=len(failed),
        runs=tuple(runs),
    )


def _by_repetition(runs: Sequence[PhaseRun], phase: Phase) -> dict[int, PhaseRun]:
    return {run.repetition: run for run in runs if run.phase == phase}


def _ratios(tops: Sequence[float], bottoms: Sequence[float]) -> list[float | None]:
    return [t / b if b else None for t, b in zip(tops, bottoms, strict=True)]


def _job_values(runs: Sequence[PhaseRun], index: int, phase: Phase) -> list[JobResult]:
    """The job's successful results in every measured run of ``phase``."""
    results = [run.outcomes[index].result for run in runs if run.phase == phase]
    return [result for result in results if result is not None]


def _job_contention(
    index: int, runs: Sequence[PhaseRun], threshold: float
) -> JobContention:
    seq = _job_values(runs, index, "sequential")
    conc = _job_values(runs, index, "concurrent")
    label = (seq or conc)[0].label if (seq or conc) else f"job {index + 1}"
    ttft = welch_delta([r.ttft_ms for r in seq], [r.ttft_ms for r in conc])
    rate = welch_delta([r.tokens_per_s for r in seq], [r.tokens_per_s for r in conc])
    reasons: list[str] = []
    if ttft.delta_pct is not None and ttft.delta_pct > 100 * threshold:
        reasons.append(
            f"TTFT {ttft.mean_a:.1f} -> {ttft.mean_b:.1f} ms "
            f"(+{ttft.delta_pct:.0f} %) under concurrency"
        )
    if rate.delta_pct is not None and -rate.delta_pct > 100 * threshold:
        reasons.append(
            f"throughput {rate.mean_a:.1f} -> {rate.mean_b:.1f} tok/s "
            f"({rate.delta_pct:.0f} %) under concurrency"
        )
    return JobContention(
        index=index,
        label=label,
        ttft_ms=ttft,
        tokens_per_s=rate,
        ttft_change_pct=ttft.delta_pct,
        tokens_per_s_change_pct=rate.delta_pct,
        contended=bool(reasons),
        reasons=tuple(reasons),
    )


def call_job(backend: Backend, request: GenerationRequest, label: str) -> Job:
    """A job that makes one call: the unit of the ``--agents N`` form."""

    async def job() -> JobResult:
        result = await backend.generate(request)
        return JobResult(label, (result.metrics,))

    return job


def identical_jobs(make_job: Callable[[int], Job], n: int) -> list[Job]:
    """``--agents N``: N jobs built from one factory (given the job's index).

    The factory decides labels and per-job state, e.g. ``f"agent {i + 1}"``.
    """
    if n < 1:
        raise ValueError(f"need at least one agent, got {n}")
    return [make_job(index) for index in range(n)]
