"""The one metrics record every backend produces for every call.

Timings are taken from the client's own clock (``time.perf_counter`` by default,
injectable for tests). Server-reported durations are stored beside them, in
milliseconds, and are ``None`` when the server did not report them: a missing value
is never turned into 0. ``notes`` says why a value is missing where we know.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

Clock = Callable[[], float]

# Below these a decode rate is not a measurement but a division artefact: a single
# token "generated" in a microsecond reads as a million tokens per second.
MIN_RATE_TOKENS = 2
MIN_RATE_DURATION_MS = 1.0


def rate_per_s(
    count: int | None, duration_ms: float | None
) -> tuple[float | None, str | None]:
    """Tokens per second, or ``None`` and the reason it cannot be measured.

    >>> rate_per_s(212, 3030.0)[0]
    69.96699669966997
    >>> rate_per_s(1, 0.001)
    (None, 'not measurable: 1 token(s) in 0.001 ms')
    """
    if count is None or duration_ms is None:
        return None, "not reported"
    if count < MIN_RATE_TOKENS or duration_ms < MIN_RATE_DURATION_MS:
        return None, f"not measurable: {count} token(s) in {duration_ms:g} ms"
    return count / (duration_ms / 1000.0), None


@dataclass
class StreamClock:
    """Timestamps of one streamed call, on the client's clock.

    ``start()`` at request time, ``chunk(text)`` for every content chunk as it
    arrives; the first non-empty one fixes the time to first token.
    """

    clock: Clock = time.perf_counter
    started_at: float | None = None
    first_token_at: float | None = None
    last_chunk_at: float | None = None
    chunk_gaps_ms: list[float] = field(default_factory=list)
    content_chunks: int = 0

    def start(self) -> None:
        self.started_at = self.clock()

    def chunk(self, text: str | None) -> None:
        """Record the arrival of a chunk; empty chunks do not count as content."""
        if not text:
            return
        now = self.clock()
        if self.first_token_at is None:
            self.first_token_at = now
        elif self.last_chunk_at is not None:
            self.chunk_gaps_ms.append((now - self.last_chunk_at) * 1000.0)
        self.last_chunk_at = now
        self.content_chunks += 1

    def ttft_ms(self) -> float | None:
        if self.started_at is None or self.first_token_at is None:
            return None
        return (self.first_token_at - self.started_at) * 1000.0

    def elapsed_ms(self) -> float:
        if self.started_at is None:
            raise RuntimeError("StreamClock.start() was never called")
        return (self.clock() - self.started_at) * 1000.0


@dataclass(frozen=True)
class CallMetrics:
    """Everything measured about one model call. Units are in the field names."""

    backend: str
    endpoint: str
    model: str
    # Client side, from our own clock.
    ttft_ms: float | None
    wall_ms: float
    content_chunks: int = 0
    chunk_gaps_ms: tuple[float, ...] = ()
    # Token counts and where they came from: "server", "tokenizer", "chunks".
    tokens_generated: int | None = None
    tokens_generated_source: str | None = None
    prompt_tokens: int | None = None
    prompt_tokens_source: str | None = None
    # Server-reported durations (ms); None when not reported.
    server_total_ms: float | None = None
    server_load_ms: float | None = None
    server_prompt_eval_ms: float | None = None
    server_eval_ms: float | None = None
    # Rates: the server's eval rate and the client's decode rate, side by side.
    eval_tokens_per_s: float | None = None
    client_decode_tokens_per_s: float | None = None
    prompt_tokens_per_s: float | None = None
    finish_reason: str | None = None
    prompt_truncated: bool | None = None
    notes: tuple[str, ...] = ()

    @property
    def tokens_per_s(self) -> float | None:
        """Headline throughput: the server's eval rate, else the client decode rate.

        Which one it is can be read from ``throughput_source``.
        """
        if self.eval_tokens_per_s is not None:
            return self.eval_tokens_per_s
        return self.client_decode_tokens_per_s

    @property
    def throughput_source(self) -> str | None:
        if self.eval_tokens_per_s is not None:
            return "server eval rate"
        if self.client_decode_tokens_per_s is not None:
            return "client decode rate"
        return None

    @property
    def tokens_per_chunk(self) -> float | None:
        """More than 1 means chunks carry several tokens (gaps are per chunk)."""
        if not self.tokens_generated or not self.content_chunks:
            return None
        return self.tokens_generated / self.content_chunks

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tokens_per_s"] = self.tokens_per_s
        data["throughput_source"] = self.throughput_source
        data["tokens_per_chunk"] = self.tokens_per_chunk
        return data


def client_decode_rate(
    tokens_generated: int | None, ttft_ms: float | None, wall_ms: float
) -> tuple[float | None, str | None]:
    """Tokens after the first divided by the time after the first token arrived."""
    if tokens_generated is None or ttft_ms is None:
        return None, "not measurable: no token count or no first token"
    return rate_per_s(tokens_generated - 1, wall_ms - ttft_ms)
