"""Runs a scenario's agents concurrently and writes everything they produce.

Each agent's report is written the moment that agent finishes, so an agent that fails
later (or a backend that dies) never takes another agent's finished results with it.
``metrics.json`` and ``combined_report.md`` are written last, from whatever finished.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chimera.agents.outcome import AgentOutcome
from chimera.agents.spec import AgentSpec
from chimera.agents.workflow import run_agent
from chimera.backends import Backend, BackendSpec, create_backend
from chimera.errors import ChimeraError
from chimera.ingest import IngestOptions
from chimera.measure.concurrency import (
    ConcurrencySummary,
    Job,
    JobResult,
    measure_concurrency,
)
from chimera.measure.concurrency_report import write_summary
from chimera.outputs import (
    atomic_write_json,
    atomic_write_text,
    system_info,
    utc_now_iso,
)
from chimera.reports.combined import render_combined_report

logger = logging.getLogger(__name__)

METRICS_SCHEMA_VERSION = "1.0"

# Called with (agent_id, event) where event is "started", "finished" or "failed".
ProgressHook = Callable[[str, str], None]


@dataclass
class RunResult:
    scenario: str
    out_dir: Path
    agents: list[AgentSpec]
    outcomes: dict[str, AgentOutcome]
    failures: dict[str, str]
    concurrent_wall_ms: float
    files: list[Path] = field(default_factory=list)
    concurrency: ConcurrencySummary | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


class BackendPool:
    """One backend per distinct spec: agents on the same endpoint share a client."""

    def __init__(self) -> None:
        self._backends: dict[BackendSpec, Backend] = {}

    def get(self, spec: BackendSpec) -> Backend:
        if spec not in self._backends:
            self._backends[spec] = create_backend(spec)
        return self._backends[spec]

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()


async def run_scenario(
    scenario: str,
    agents: list[AgentSpec],
    artifacts_root: Path,
    out_dir: Path,
    *,
    ingest_options: IngestOptions | None = None,
    progress: ProgressHook | None = None,
    speedup_repetitions: int = 0,
    clock: Callable[[], float] = time.perf_counter,
) -> RunResult:
    """Run ``agents`` concurrently over ``artifacts_root`` and write their outputs.

    With ``speedup_repetitions`` > 0 the agents' workflows are then also run one
    after another and together that many times (after a warm-up), and the measured
    speedup goes into ``summary.json``/``summary.md``, metrics.json and the
    combined report.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    pool = BackendPool()
    result = RunResult(scenario, out_dir, agents, {}, {}, 0.0)
    notify = progress or (lambda agent_id, event: None)

    async def one(spec: AgentSpec) -> None:
        notify(spec.agent_id, "started")
        try:
            backend = pool.get(spec.backend)
            outcome = await run_agent(
                spec,
                backend,
                artifacts_root,
                ingest_options=ingest_options,
                clock=clock,
            )
        except ChimeraError as error:
            result.failures[spec.agent_id] = error.one_line()
            logger.warning("agent %s failed: %s", spec.agent_id, error.one_line())
            notify(spec.agent_id, "failed")
            return
        result.outcomes[spec.agent_id] = outcome
        result.files.extend(_write_agent_files(out_dir, outcome))
        notify(spec.agent_id, "finished")

    started = clock()
    try:
        # return_exceptions: an unexpected bug in one agent must not cancel the other.
        raised = await asyncio.gather(
            *(one(spec) for spec in agents), return_exceptions=True
        )
    finally:
        result.concurrent_wall_ms = (clock() - started) * 1000.0
        await pool.aclose()
    unexpected = [error for error in raised if isinstance(error, BaseException)]
    for spec, error in zip(agents, raised, strict=True):
        if isinstance(error, BaseException):
            result.failures[spec.agent_id] = f"unexpected error: {error!r}"
    if speedup_repetitions > 0 and not result.failures:
        # The reports are already on disk; only now spend time on the speedup.
        result.concurrency = await measure_speedup(
            agents, artifacts_root, speedup_repetitions, ingest_options
        )
        result.files.extend(write_summary(result.concurrency, out_dir))
    result.files.extend(_write_run_files(result, artifacts_root))
    if unexpected:
        raise unexpected[0]
    return result


async def measure_speedup(
    agents: list[AgentSpec],
    root: Path,
    repetitions: int,
    ingest_options: IngestOptions | None = None,
) -> ConcurrencySummary:
    """Sequential vs concurrent wall time of the agents' whole workflows."""
    pool = BackendPool()

    def job_for(spec: AgentSpec) -> Job:
        async def job() -> JobResult:
            outcome = await run_agent(
                spec, pool.get(spec.backend), root, ingest_options=ingest_options
            )
            return JobResult(spec.label, tuple(c.metrics for c in outcome.calls))

        return job

    try:
        jobs = [job_for(spec) for spec in agents]
        return await measure_concurrency(jobs, repetitions, warmup=1)
    finally:
        await pool.aclose()


def _write_agent_files(out_dir: Path, outcome: AgentOutcome) -> list[Path]:
    agent_id = outcome.spec.agent_id
    return [
        atomic_write_text(out_dir / f"{agent_id}_report.md", outcome.markdown),
        atomic_write_text(out_dir / f"{agent_id}_report.html", outcome.html),
    ]


def _write_run_files(result: RunResult, artifacts_root: Path) -> list[Path]:
    outcomes = [
        result.outcomes[a.agent_id]
        for a in result.agents
        if a.agent_id in result.outcomes
    ]
    concurrency = result.concurrency.to_dict() if result.concurrency else None
    combined = render_combined_report(
        result.scenario,
        outcomes,
        result.concurrent_wall_ms,
        result.failures,
        concurrency=concurrency,
    )
    return [
        atomic_write_text(result.out_dir / "combined_report.md", combined),
        atomic_write_json(
            result.out_dir / "metrics.json", metrics_document(result, artifacts_root)
        ),
    ]


def metrics_document(result: RunResult, artifacts_root: Path) -> dict[str, Any]:
    """The content of ``metrics.json`` (validated by ``metrics.schema.json``)."""
    agents: list[dict[str, Any]] = []
    for spec in result.agents:
        entry: dict[str, Any] = {
            "agent_id": spec.agent_id,
            "label": spec.label,
            "persona": spec.persona.name,
            "baseline": spec.baseline,
            "model": spec.model_name(),
            "backend": spec.backend.model_dump(mode="json", exclude={"api_key"}),
            "options_sent": spec.sent_options().sent(),
            "configuration": spec.sent_options().described(),
        }
        if spec.agent_id in result.outcomes:
            entry["status"] = "ok"
            entry["error"] = None
            entry.update(result.outcomes[spec.agent_id].to_record())
        else:
            entry["status"] = "failed"
            entry["error"] = result.failures.get(spec.agent_id, "did not finish")
        agents.append(entry)
    return {
        "schema_version": METRICS_SCHEMA_VERSION,
        "created_at": utc_now_iso(),
        "scenario": result.scenario,
        "artifacts_root": str(artifacts_root),
        "system": system_info(),
        "concurrent_wall_ms": result.concurrent_wall_ms,
        "concurrency": result.concurrency.to_dict() if result.concurrency else None,
        "agents": agents,
    }
