"""The measurement cases C02 and C06 from ../shared/cases, with their stated values.

Inputs are copied under tests/fixtures/cases. Each successful record is turned into
the metrics record a backend would produce from the same final chunk; each failed
one into the error a backend would raise for the same HTTP answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chimera.backends.base import GenerationRequest
from chimera.backends.ollama import OllamaBackend
from chimera.errors import BackendHTTPError
from chimera.measure.catalog import METRICS
from chimera.measure.retry import RetryingBackend, RetryPolicy
from chimera.measure.trials import Trial, failed_trial, run_trial, summarize_trials
from chimera.metrics.record import CallMetrics, rate_per_s
from chimera.servers.scripted import ScriptedServer

EVAL_RATE = [METRICS["eval_tokens_per_s"], METRICS["tokens_per_s"]]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _from_final(final: dict[str, Any], wall_ms: float) -> CallMetrics:
    eval_ms = final["eval_duration"] / 1e6
    rate, why = rate_per_s(final["eval_count"], eval_ms)
    return CallMetrics(
        backend="ollama",
        endpoint="http://127.0.0.1:11434",
        model="demo",
        ttft_ms=None,
        wall_ms=wall_ms,
        tokens_generated=final["eval_count"],
        tokens_generated_source="server",
        server_eval_ms=eval_ms,
        eval_tokens_per_s=rate,
        notes=(f"eval tok/s {why}",) if why else (),
    )


def test_c02_one_token_run_is_unmeasurable_and_left_out(cases_dir: Path) -> None:
    runs = _lines(cases_dir / "C02" / "three_runs_final_stats.jsonl")
    trials = [
        Trial(
            config="ollama",
            options={},
            repetition=run["run"] - 1,
            metrics=_from_final(run, wall_ms=3100.0).to_dict(),
        )
        for run in runs
    ]
    naive = sum(r["eval_count"] / (r["eval_duration"] / 1e9) for r in runs) / 3

    summary = summarize_trials(trials, EVAL_RATE).metrics["eval_tokens_per_s"]

    assert naive == pytest.approx(333_379.8, abs=0.05)
    assert trials[1].value("eval_tokens_per_s") is None
    assert (summary.n, summary.n_missing) == (2, 1)
    assert summary.mean == pytest.approx(69.72, abs=0.005)


def test_c06_failed_calls_count_as_errors_without_timings(cases_dir: Path) -> None:
    trials = []
    for call in _lines(cases_dir / "C06" / "parallel_calls.jsonl"):
        fields = {"config": "parallel", "options": {}, "repetition": call["call_id"]}
        if call["http_status"] == 200:
            wall_ms = float(call["ended_ms"] - call["started_ms"])
            metrics = _from_final(call["final"], wall_ms).to_dict()
            trials.append(Trial(**fields, metrics=metrics))
        else:
            error = BackendHTTPError(
                call["body"]["error"], status_code=call["http_status"]
            )
            trials.append(failed_trial(error, **fields))

    summary = summarize_trials(trials, [*EVAL_RATE, METRICS["wall_ms"]])
    rate = summary.metrics["eval_tokens_per_s"]

    assert summary.error_rate == 0.5
    assert (summary.n_ok, summary.n_failed) == (2, 2)
    assert [t.http_status for t in trials if t.status == "failed"] == [500, 500]
    assert all(t.metrics is None for t in trials if t.status == "failed")
    assert summary.errors == ("runner process exited unexpectedly; see server log",)
    assert [round(t.value("eval_tokens_per_s") or 0, 2) for t in trials[::2]] == [
        43.90,
        42.71,
    ]
    assert rate.mean == pytest.approx(43.31, abs=0.005)
    # The failed calls' 1.3 s do not enter the latency figures either.
    assert summary.metrics["wall_ms"].min == 5210.0
    # Records stay strict JSON with nulls, not zeros, for the failures.
    assert json.loads(trials[1].to_json())["metrics"] is None


async def test_c06_live_500s_under_parallel_load_are_recorded(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    server = scripted(fail_every=2)
    backend = OllamaBackend("scripted", server.url)
    try:
        trials = await asyncio.gather(
            *(
                run_trial(backend, make_request(), config="p", repetition=i)
                for i in range(4)
            )
        )
    finally:
        await backend.aclose()

    summary = summarize_trials(trials, EVAL_RATE)

    assert summary.error_rate == 0.5
    assert summary.metrics["eval_tokens_per_s"].n == 2
    failed = [t for t in trials if t.status == "failed"]
    assert {t.http_status for t in failed} == {500}
    assert all("scripted failure" in (t.error or "") for t in failed)


async def test_c06_retries_with_backoff_and_lower_concurrency(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    server = scripted(fail_every=2)
    policy = RetryPolicy(max_attempts=4, base_delay_s=0.01, lower_after_5xx=2)
    backend = RetryingBackend(OllamaBackend("scripted", server.url), policy)
    try:
        trials = await asyncio.gather(
            *(
                run_trial(backend, make_request(), config="p", repetition=i)
                for i in range(4)
            )
        )
    finally:
        await backend.aclose()

    assert [t.status for t in trials] == ["ok"] * 4
    assert sum(t.attempts for t in trials) > 4
    failures = [a for a in backend.attempt_log if a.status == "failed"]
    assert failures and all(a.http_status == 500 for a in failures)
    assert backend.limit.limit is not None and backend.limit.limit < 4
