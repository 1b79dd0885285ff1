"""Trial records: strict JSON, failures without metrics, warm-ups kept apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chimera.backends.base import GenerationRequest
from chimera.backends.ollama import OllamaBackend
from chimera.errors import UsageError
from chimera.measure.catalog import METRICS, metric_specs
from chimera.measure.trials import Trial, run_trial, summarize_trials
from chimera.servers.scripted import ScriptedServer


def _trial(value: float | None, *, warmup: bool = False, rep: int = 0) -> Trial:
    metrics = None if value is None else {"ttft_ms": value}
    status = "failed" if value is None else "ok"
    return Trial(
        config="A",
        options={},
        repetition=rep,
        warmup=warmup,
        status=status,
        metrics=metrics,
        error="boom" if value is None else None,
    )


def test_round_trips_through_json() -> None:
    trial = _trial(12.5)

    assert Trial.from_json(trial.to_json()) == trial


def test_nan_is_refused_when_written() -> None:
    trial = Trial(
        config="A", options={}, repetition=0, metrics={"ttft_ms": float("nan")}
    )

    with pytest.raises(ValueError, match="JSON compliant"):
        trial.to_json()


def test_warmups_and_failures_stay_out_of_timing_statistics() -> None:
    trials = [
        _trial(500.0, warmup=True),
        _trial(10.0, rep=0),
        _trial(None, rep=1),
        _trial(14.0, rep=2),
    ]

    summary = summarize_trials(trials, [METRICS["ttft_ms"]])

    assert (summary.n_trials, summary.n_ok, summary.n_failed) == (3, 2, 1)
    assert summary.error_rate == pytest.approx(1 / 3)
    assert summary.metrics["ttft_ms"].mean == 12.0
    assert summary.metrics["ttft_ms"].n_missing == 0
    assert summary.errors == ("boom",)


def test_unknown_metric_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError) as caught:
        metric_specs(["tokens_per_sec"])

    assert "tokens_per_s" in (caught.value.hint or "")


async def test_run_trial_records_a_real_call(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    server = scripted()
    backend = OllamaBackend("scripted", server.url)

    trial = await run_trial(
        backend, make_request(temperature=0.5), config="A", repetition=3
    )
    await backend.aclose()

    assert trial.status == "ok" and trial.error is None
    assert trial.options == {"temperature": 0.5}
    assert trial.value("ttft_ms") is not None and trial.value("ttft_ms") > 0
    assert trial.value("tokens_generated") == 8


async def test_run_trial_turns_a_backend_error_into_a_failed_trial(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    server = scripted(fail_every=1)
    backend = OllamaBackend("scripted", server.url)

    trial = await run_trial(backend, make_request(), config="A", repetition=0)
    await backend.aclose()

    assert trial.status == "failed"
    assert trial.http_status == 500
    assert trial.error_type == "BackendHTTPError"
    assert trial.metrics is None and trial.value("ttft_ms") is None
