"""Small pieces every backend call shares: wire messages, the log line, unit helpers.

Each backend logs exactly one INFO line per call (model, endpoint, TTFT,
throughput) and its payloads only at DEBUG, so ``-v`` shows a readable trace of a
run and ``--debug`` shows what went over the wire.
"""

from __future__ import annotations

import logging

from chimera.backends.base import GenerationRequest
from chimera.metrics.record import CallMetrics

NS_PER_MS = 1_000_000

# A server count this far below the client's count means the prompt was cut, not
# that the count was rough: a tokenizer count is off by a few template tokens, a
# pessimistic estimate (characters / 1.8) runs up to about twice the real size.
TRUNCATION_RATIO = 0.9
ESTIMATE_TRUNCATION_RATIO = 0.5
TRUNCATION_MIN_SHORTFALL = 32


def chat_messages(request: GenerationRequest) -> list[dict[str, str]]:
    """The request's messages as the ``{"role", "content"}`` dicts all APIs take."""
    return [{"role": m.role, "content": m.content} for m in request.messages]


def log_call(logger: logging.Logger, metrics: CallMetrics) -> None:
    """The one INFO line for a finished call."""
    logger.info(
        "%s %s at %s: ttft %s ms, %s tok/s (%s), %s tokens, finish %s",
        metrics.backend,
        metrics.model,
        metrics.endpoint,
        _figure(metrics.ttft_ms),
        _figure(metrics.tokens_per_s),
        metrics.throughput_source or "no rate",
        metrics.tokens_generated if metrics.tokens_generated is not None else "?",
        metrics.finish_reason or "?",
    )


def ns_to_ms(value_ns: int | None) -> float | None:
    """Nanoseconds to milliseconds; absent or zero stays None (never a silent 0).

    >>> ns_to_ms(60_000_000)
    60.0
    >>> ns_to_ms(0) is None and ns_to_ms(None) is None
    True
    """
    if not value_ns:
        return None
    return value_ns / NS_PER_MS


def truncation_note(
    server_prompt_tokens: int | None,
    expected_prompt_tokens: int | None,
    num_ctx: int | None,
    *,
    exact: bool = False,
) -> str | None:
    """A note when the server evaluated far fewer prompt tokens than were sent.

    Servers such as Ollama cut a prompt that does not fit the context window and
    answer HTTP 200; the prompt count is the only trace. ``num_ctx`` is the window
    the server was told to use (None when it was not sent): a prompt whose count
    (exact, or an estimate that errs high) fits it was not cut, and a smaller
    server count then means a reused prompt cache. ``exact`` says the expected
    size came from the model's tokenizer rather than an estimate.

    >>> truncation_note(4098, 20480, 8192)[:16]
    'prompt truncated'
    >>> truncation_note(980, 1000, 2048) is None
    True
    >>> truncation_note(124, 924, 2048) is None  # fits: the prefix was cached
    True
    >>> truncation_note(1278, 1971, None) is None  # within an estimate's error
    True
    """
    if server_prompt_tokens is None or expected_prompt_tokens is None:
        return None
    if num_ctx is not None and expected_prompt_tokens <= num_ctx:
        return None
    ratio = TRUNCATION_RATIO if exact else ESTIMATE_TRUNCATION_RATIO
    shortfall = expected_prompt_tokens - server_prompt_tokens
    if (
        server_prompt_tokens >= expected_prompt_tokens * ratio
        or shortfall < TRUNCATION_MIN_SHORTFALL
    ):
        return None
    window = ""
    if num_ctx is not None:
        window = f"; num_ctx is {num_ctx}"
        if expected_prompt_tokens > num_ctx:
            window += " and the prompt does not fit it"
    return (
        f"prompt truncated: the server evaluated {server_prompt_tokens} prompt tokens "
        f"but about {expected_prompt_tokens} were sent{window}; the answer is based "
        "on a prompt the model never fully saw (raise num_ctx or shorten the input)"
    )


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
