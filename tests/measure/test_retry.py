"""Retry policy, the shrinking concurrency limit, and which errors are retried."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable

import pytest

from chimera.backends.base import GenerationRequest
from chimera.backends.ollama import OllamaBackend
from chimera.errors import (
    BackendHTTPError,
    BackendTimeout,
    BackendUnavailable,
    ModelNotFound,
    StreamInterrupted,
)
from chimera.measure.retry import (
    AdaptiveLimit,
    RetryingBackend,
    RetryPolicy,
    is_transient,
)
from chimera.servers.scripted import ScriptedServer


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay_s=0.5, max_delay_s=3.0, jitter=0.0)
    rng = random.Random(1)

    delays = [policy.delay_s(attempt, rng) for attempt in (1, 2, 3, 4)]

    assert delays == [0.5, 1.0, 2.0, 3.0]


def test_jitter_only_stretches_the_delay() -> None:
    policy = RetryPolicy(base_delay_s=1.0, jitter=0.25)
    rng = random.Random(7)

    delays = [policy.delay_s(1, rng) for _ in range(50)]

    assert all(1.0 <= delay <= 1.25 for delay in delays)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (BackendHTTPError("boom", status_code=500), True),
        (BackendHTTPError("busy", status_code=503), True),
        (BackendHTTPError("slow down", status_code=429), True),
        (BackendHTTPError("bad request", status_code=400), False),
        (ModelNotFound("no such model", status_code=404), False),
        (BackendTimeout("late"), True),
        (StreamInterrupted("cut"), True),
        (BackendUnavailable("refused"), False),
    ],
)
def test_which_errors_are_retried(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient  # type: ignore[arg-type]


async def test_adaptive_limit_holds_calls_back_after_lowering() -> None:
    limit = AdaptiveLimit(limit=4)
    for _ in range(4):
        await limit.acquire()

    assert limit.lower() == 2
    waiter = asyncio.create_task(limit.acquire())
    await limit.release()
    await limit.release()
    await asyncio.sleep(0)
    assert not waiter.done()  # 2 still active: at the new limit
    await limit.release()
    await asyncio.wait_for(waiter, 1.0)
    assert limit.active == 2


def test_unlimited_lowers_from_the_calls_in_flight() -> None:
    limit = AdaptiveLimit(limit=None)
    limit.active = 6

    assert limit.lower() == 3
    assert limit.lower() == 1
    assert limit.lower() == 1


async def test_permanent_failure_is_not_retried(
    make_request: Callable[..., GenerationRequest],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = RetryingBackend(OllamaBackend("scripted", f"http://127.0.0.1:{port}"))

    outcome = await backend.call(make_request())
    await backend.aclose()

    assert isinstance(outcome.error, BackendUnavailable)
    assert len(outcome.attempts) == 1
    assert outcome.attempts[0].status == "failed"


async def test_gives_up_after_the_attempt_budget(
    scripted: Callable[..., ScriptedServer],
    make_request: Callable[..., GenerationRequest],
) -> None:
    server = scripted(fail_every=1)
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    policy = RetryPolicy(max_attempts=3, base_delay_s=0.1, jitter=0.0)
    backend = RetryingBackend(
        OllamaBackend("scripted", server.url), policy, sleep=record_sleep
    )
    with pytest.raises(BackendHTTPError) as caught:
        await backend.generate(make_request())
    await backend.aclose()

    assert caught.value.status_code == 500
    assert sleeps == [0.1, 0.2]
    assert [a.attempt for a in backend.attempt_log] == [1, 2, 3]
    assert server.requests_received == 3
