"""A backend wrapper that retries transient failures and backs off under load.

Servers with parallel slots sometimes fail some requests outright when pushed (an
Ollama runner that dies under ``OLLAMA_NUM_PARALLEL`` answers HTTP 500). A
benchmark that assumes every call succeeds either crashes or records zeros; one
that hammers on at the same concurrency keeps failing. ``RetryingBackend`` retries
5xx, timeouts and cut streams with exponential backoff, and after repeated 5xx it
halves the number of calls it lets through at once. Every attempt is kept, so a
report can say how many calls needed retries and why.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from chimera.backends.base import (
    Backend,
    Capabilities,
    GenerationRequest,
    GenerationResult,
)
from chimera.errors import (
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    ModelNotFound,
    StreamInterrupted,
)

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry, and when to lower concurrency."""

    max_attempts: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    # Each delay is stretched by a random factor in [1, 1 + jitter] so that calls
    # failing together do not all come back at the same instant.
    jitter: float = 0.25
    # Consecutive server errors (5xx, without a success between) that halve the
    # concurrency limit.
    lower_after_5xx: int = 2
    min_concurrency: int = 1

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Backoff before retry number ``attempt`` (1 for the first retry)."""
        base = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return float(base * (1.0 + rng.uniform(0.0, self.jitter)))


def is_transient(error: BackendError) -> bool:
    """Failures worth retrying: server errors, rate limits, timeouts, cut streams.

    A 4xx (other than 429) or an unknown model will fail the same way again.
    """
    if isinstance(error, ModelNotFound):
        return False
    if isinstance(error, BackendHTTPError):
        return error.status_code >= 500 or error.status_code == 429
    return isinstance(error, BackendTimeout | StreamInterrupted)


def is_server_error(error: BackendError) -> bool:
    return isinstance(error, BackendHTTPError) and error.status_code >= 500


class AdaptiveLimit:
    """A concurrency limit that can be lowered while calls are waiting on it.

    ``limit=None`` lets every call through until the first lowering, which then
    starts from the number of calls in flight at that moment.
    """

    def __init__(self, limit: int | None = None, minimum: int = 1) -> None:
        self.limit = limit
        self.minimum = minimum
        self.active = 0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        async with self._changed:
            await self._changed.wait_for(self._has_room)
            self.active += 1

    async def release(self) -> None:
        async with self._changed:
            self.active -= 1
            self._changed.notify_all()

    def _has_room(self) -> bool:
        return self.limit is None or self.active < self.limit

    def lower(self) -> int:
        """Halve the limit (not below ``minimum``); returns the new limit."""
        current = self.limit if self.limit is not None else max(self.active, 1)
        self.limit = max(self.minimum, current // 2)
        return self.limit


@dataclass(frozen=True)
class Attempt:
    """One try of one call."""

    call_index: int
    attempt: int
    status: Literal["ok", "failed"]
    error: str | None = None
    http_status: int | None = None
    concurrency_limit: int | None = None
    delay_before_s: float = 0.0


@dataclass
class CallOutcome:
    """The final result of a call, or its last error, and every attempt made."""

    call_index: int
    result: GenerationResult | None = None
    error: BackendError | None = None
    attempts: list[Attempt] = field(default_factory=list)


class RetryingBackend:
    """Wraps any backend; same interface, plus ``call()`` that never raises."""

    def __init__(
        self,
        inner: Backend,
        policy: RetryPolicy | None = None,
        *,
        max_concurrency: int | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.endpoint = inner.endpoint
        self.model = inner.model
        self.capabilities: Capabilities = inner.capabilities
        self.policy = policy or RetryPolicy()
        self.limit = AdaptiveLimit(max_concurrency, self.policy.min_concurrency)
        self.attempt_log: list[Attempt] = []
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._calls = 0
        self._consecutive_5xx = 0

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        outcome = await self.call(request)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.result is not None
        return outcome.result

    async def call(self, request: GenerationRequest) -> CallOutcome:
        """Try until success, a permanent error, or the attempt budget is spent."""
        self._calls += 1
        outcome = CallOutcome(call_index=self._calls)
        delay_s = 0.0
        for attempt in range(1, self.policy.max_attempts + 1):
            if delay_s:
                await self._sleep(delay_s)
            error = await self._attempt(request, outcome, attempt, delay_s)
            if error is None or not is_transient(error):
                outcome.error = error
                return outcome
            outcome.error = error
            delay_s = self.policy.delay_s(attempt, self._rng)
        return outcome

    async def _attempt(
        self,
        request: GenerationRequest,
        outcome: CallOutcome,
        attempt: int,
        delay_s: float,
    ) -> BackendError | None:
        await self.limit.acquire()
        try:
            outcome.result = await self.inner.generate(request)
        except BackendError as error:
            self._record(outcome, attempt, delay_s, error)
            return error
        finally:
            await self.limit.release()
        self._record(outcome, attempt, delay_s, None)
        return None

    def _record(
        self,
        outcome: CallOutcome,
        attempt: int,
        delay_s: float,
        error: BackendError | None,
    ) -> None:
        http_status = error.status_code if isinstance(error, BackendHTTPError) else None
        record = Attempt(
            call_index=outcome.call_index,
            attempt=attempt,
            status="failed" if error else "ok",
            error=error.one_line() if error else None,
            http_status=http_status,
            concurrency_limit=self.limit.limit,
            delay_before_s=delay_s,
        )
        outcome.attempts.append(record)
        self.attempt_log.append(record)
        self._track_server_errors(error)

    def _track_server_errors(self, error: BackendError | None) -> None:
        if error is None:
            self._consecutive_5xx = 0
            return
        if not is_server_error(error):
            return
        self._consecutive_5xx += 1
        logger.info("%s answered %s; will retry", self.endpoint, error.message)
        if self._consecutive_5xx >= self.policy.lower_after_5xx:
            self._consecutive_5xx = 0
            new_limit = self.limit.lower()
            logger.warning(
                "%s keeps failing with server errors; concurrency lowered to %s",
                self.endpoint,
                new_limit,
            )

    async def count_tokens(self, text: str) -> int | None:
        return await self.inner.count_tokens(text)

    async def aclose(self) -> None:
        await self.inner.aclose()
