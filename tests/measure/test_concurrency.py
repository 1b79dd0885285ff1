"""Sequential against concurrent wall time, on scripted servers and on known runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from chimera.backends.base import GenerationRequest
from chimera.backends.ollama import OllamaBackend
from chimera.measure.concurrency import (
    JobOutcome,
    JobResult,
    PhaseRun,
    call_job,
    identical_jobs,
    measure_concurrency,
    summarize_runs,
)
from chimera.measure.concurrency_report import write_summary
from chimera.metrics.record import CallMetrics
from chimera.servers.scripted import ScriptedServer

N_AGENTS = 4


def _metrics(ttft_ms: float, tokens: int = 10, rate: float = 50.0) -> CallMetrics:
    return CallMetrics(
        backend="ollama",
        endpoint="http://127.0.0.1:1",
        model="m",
        ttft_ms=ttft_ms,
        wall_ms=100.0,
        tokens_generated=tokens,
        eval_tokens_per_s=rate,
    )


def _run(phase: str, rep: int, wall_ms: float, ttft_ms: float) -> PhaseRun:
    outcomes = tuple(
        JobOutcome(JobResult(f"agent {i + 1}", (_metrics(ttft_ms),))) for i in range(4)
    )
    return PhaseRun(phase, rep, False, wall_ms, outcomes)  # type: ignore[arg-type]


def test_speedup_efficiency_and_throughput_from_known_runs() -> None:
    runs = [
        _run("sequential", 0, 400.0, 20.0),
        _run("concurrent", 0, 100.0, 21.0),
        _run("sequential", 1, 420.0, 20.0),
        _run("concurrent", 1, 140.0, 22.0),
    ]

    s = summarize_runs(runs, n_jobs=4, repetitions=2, warmup=0)

    assert s.speedup.mean == pytest.approx((4.0 + 3.0) / 2)
    assert s.efficiency.mean == pytest.approx(0.875)
    # 4 jobs x 10 tokens over each wall time.
    assert s.concurrent_tokens_per_s.mean == pytest.approx((400.0 + 40 / 0.14) / 2)
    assert s.sequential_tokens_per_s.mean == pytest.approx((100.0 + 40 / 0.42) / 2)
    assert not s.contention


def test_a_failed_job_takes_its_repetition_out_of_the_ratios() -> None:
    broken = PhaseRun("concurrent", 1, False, 50.0, (JobOutcome(None, "HTTP 500"),) * 4)
    runs = [
        _run("sequential", 0, 400.0, 20.0),
        _run("concurrent", 0, 100.0, 20.0),
        _run("sequential", 1, 400.0, 20.0),
        broken,
    ]

    s = summarize_runs(runs, n_jobs=4, repetitions=2, warmup=0)

    assert s.failed_repetitions == 1
    assert (s.speedup.n, s.speedup.mean) == (1, 4.0)


def test_slower_first_token_under_concurrency_is_flagged() -> None:
    runs = [
        _run("sequential", 0, 400.0, 20.0),
        _run("concurrent", 0, 390.0, 80.0),
        _run("sequential", 1, 400.0, 21.0),
        _run("concurrent", 1, 395.0, 90.0),
    ]

    s = summarize_runs(runs, n_jobs=4, repetitions=2, warmup=0)

    assert s.contention
    assert all("TTFT" in job.reasons[0] for job in s.jobs)


async def _measure(
    server: ScriptedServer, request: GenerationRequest, repetitions: int = 2
):  # type: ignore[no-untyped-def]
    backend = OllamaBackend("scripted", server.url)
    jobs = identical_jobs(
        lambda i: call_job(backend, request, f"agent {i + 1}"), N_AGENTS
    )
    try:
        return await measure_concurrency(jobs, repetitions, warmup=1)
    finally:
        await backend.aclose()


async def test_serial_server_gives_no_speedup_and_flags_contention(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    summary = await _measure(scripted(mode="serial"), make_request())

    assert summary.speedup.mean is not None and summary.speedup.mean < 1.3
    assert summary.contention
    # The first job in line is served at once; the ones queued behind it wait.
    assert sum(job.contended for job in summary.jobs) >= N_AGENTS - 1


async def test_parallel_server_gives_near_n_speedup(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    summary = await _measure(scripted(mode="parallel"), make_request())

    assert summary.speedup.mean is not None
    assert summary.speedup.mean > 0.6 * N_AGENTS
    assert summary.efficiency.mean is not None and summary.efficiency.mean > 0.6


async def test_failing_calls_are_reported_not_raised(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    summary = await _measure(scripted(fail_every=3), make_request())

    errors = [
        job["error"]
        for run in summary.to_dict()["runs"]
        for job in run["jobs"]
        if job["error"]
    ]
    assert summary.failed_repetitions > 0
    assert errors and all("500" in error or "scripted" in error for error in errors)


async def test_writes_strict_json_and_markdown(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
    tmp_path: Path,
) -> None:
    summary = await _measure(scripted(mode="serial"), make_request(), repetitions=2)

    json_path, md_path = write_summary(summary, tmp_path)

    data = json.loads(json_path.read_text())
    assert data["n_jobs"] == N_AGENTS and data["contention"] is True
    assert len(data["runs"]) == 2 * (1 + 2)
    text = md_path.read_text()
    assert "Speedup (sequential / concurrent)" in text
    assert "**Contention:**" in text


def test_identical_jobs_needs_at_least_one() -> None:
    with pytest.raises(ValueError):
        identical_jobs(lambda i: None, 0)  # type: ignore[arg-type,return-value]


async def test_a_job_bug_is_not_recorded_as_a_failure() -> None:
    async def broken() -> JobResult:
        raise KeyError("not a backend error")

    with pytest.raises(KeyError):
        await measure_concurrency([broken, broken], repetitions=1, warmup=0)
