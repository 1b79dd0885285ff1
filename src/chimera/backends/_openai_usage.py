"""Token counts and timings for OpenAI-compatible streams, wherever they come from.

In order of preference: the ``usage`` chunk (server count), the server's own
tokenizer endpoint applied to the streamed text (llama.cpp's ``/tokenize``,
vLLM's ``/tokenize``, llama-cpp-python's ``/extras/tokenize/count``), and last
the number of content chunks, which is only an estimate because a chunk can carry
several tokens. ``tokens_generated_source`` and a note say which one was used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionChunk

from chimera.backends._calls import truncation_note
from chimera.backends._errors import CallContext, timed_out, unreachable
from chimera.backends.base import GenerationRequest
from chimera.errors import BackendError
from chimera.metrics.record import (
    CallMetrics,
    StreamClock,
    client_decode_rate,
    rate_per_s,
)

if TYPE_CHECKING:
    from chimera.backends.openai_compat import OpenAIBackend

logger = logging.getLogger(__name__)


@dataclass
class StreamTotals:
    """What a chat-completions stream delivered, chunk by chunk."""

    pieces: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: CompletionUsage | None = None
    # llama.cpp's server adds its own ``timings`` object to the last chunk.
    timings: dict[str, Any] | None = None

    def add(self, chunk: ChatCompletionChunk, clock: StreamClock) -> None:
        if chunk.usage is not None:
            self.usage = chunk.usage
        timings = (chunk.model_extra or {}).get("timings")
        if isinstance(timings, dict):
            self.timings = timings
        # The usage chunk has an empty ``choices`` list; only choice 0 is ours.
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = getattr(choice, "delta", None)
            text = getattr(delta, "content", None)
            clock.chunk(text)
            if text:
                self.pieces.append(text)
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason

    def text(self) -> str:
        return "".join(self.pieces)


@dataclass(frozen=True)
class _TokenizeRoute:
    path: str
    body: Callable[[str, str], dict[str, Any]]


def _count_from(data: Any) -> int | None:
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("count"), int):
        return int(data["count"])
    if isinstance(data.get("tokens"), list):
        return len(data["tokens"])
    return None


_ROUTES = (
    # llama.cpp's server reads "content", vLLM's reads "prompt"; each ignores the other.
    _TokenizeRoute(
        "/tokenize",
        lambda text, model: {
            "content": text,
            "prompt": text,
            "model": model,
            "add_special": False,
        },
    ),
    _TokenizeRoute(
        "/extras/tokenize/count", lambda text, model: {"input": text, "model": model}
    ),
)


class TokenizerProbe:
    """Finds the server's tokenizer endpoint once, then counts tokens with it."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self._root = base_url.rstrip("/").removesuffix("/v1")
        self._http = httpx.AsyncClient(timeout=timeout_s)
        self._routes: tuple[_TokenizeRoute, ...] = _ROUTES

    async def count(self, text: str, model: str, call: CallContext) -> int | None:
        """Tokens in ``text``, or None when the server has no tokenizer endpoint."""
        for route in self._routes:
            count = await self._try(route, text, model, call)
            if count is not None:
                self._routes = (route,)
                return count
        self._routes = ()
        return None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _try(
        self, route: _TokenizeRoute, text: str, model: str, call: CallContext
    ) -> int | None:
        url = self._root + route.path
        try:
            response = await self._http.post(url, json=route.body(text, model))
        except httpx.TimeoutException as error:
            raise timed_out(call) from error
        except httpx.ConnectError as error:
            raise unreachable(call) from error
        if response.status_code >= 400:
            logger.debug("no tokenizer at %s (HTTP %s)", url, response.status_code)
            return None
        try:
            return _count_from(response.json())
        except json.JSONDecodeError:
            return None


async def metrics_for(
    backend: OpenAIBackend,
    clock: StreamClock,
    totals: StreamTotals,
    request: GenerationRequest,
    notes: tuple[str, ...],
    tokenizer: TokenizerProbe,
) -> CallMetrics:
    """The call's metrics record from what the stream delivered."""
    wall_ms = clock.elapsed_ms()
    ttft_ms = clock.ttft_ms()
    all_notes = list(notes)
    tokens, source = await _completion_tokens(
        backend, clock, totals, tokenizer, all_notes
    )
    prompt_tokens = totals.usage.prompt_tokens if totals.usage else None
    if prompt_tokens is None:
        all_notes.append("prompt tokens not reported (no usage in the stream)")
    timing = _server_timings(totals.timings, all_notes)
    truncated = _truncation(backend, prompt_tokens, request, all_notes)
    decode_rate, _ = client_decode_rate(tokens, ttft_ms, wall_ms)
    return CallMetrics(
        backend=backend.kind,
        endpoint=backend.endpoint,
        model=backend.model,
        ttft_ms=ttft_ms,
        wall_ms=wall_ms,
        content_chunks=clock.content_chunks,
        chunk_gaps_ms=tuple(clock.chunk_gaps_ms),
        tokens_generated=tokens,
        tokens_generated_source=source,
        prompt_tokens=prompt_tokens,
        prompt_tokens_source="server" if prompt_tokens is not None else None,
        server_prompt_eval_ms=timing["prompt_ms"],
        server_eval_ms=timing["eval_ms"],
        eval_tokens_per_s=timing["eval_rate"],
        client_decode_tokens_per_s=decode_rate,
        prompt_tokens_per_s=timing["prompt_rate"],
        finish_reason=totals.finish_reason,
        prompt_truncated=truncated,
        notes=tuple(all_notes),
    )


async def _completion_tokens(
    backend: OpenAIBackend,
    clock: StreamClock,
    totals: StreamTotals,
    tokenizer: TokenizerProbe,
    notes: list[str],
) -> tuple[int, str]:
    if totals.usage is not None and totals.usage.completion_tokens is not None:
        return totals.usage.completion_tokens, "server"
    text = totals.text()
    counted: int | None = None
    if text:
        call = CallContext(
            "the OpenAI-compatible server",
            backend.endpoint,
            backend.model,
            backend.timeout_s,
        )
        try:
            counted = await tokenizer.count(text, backend.model, call)
        except BackendError as error:
            logger.warning("could not count tokens at %s: %s", backend.endpoint, error)
            notes.append(f"tokenizer endpoint failed: {error.message}")
    if counted is not None:
        notes.append(
            "server sent no usage: completion tokens counted by the server's "
            "tokenizer on the streamed text"
        )
        return counted, "tokenizer"
    notes.append(
        f"estimated: server sent no usage and offers no tokenizer; token count = "
        f"{clock.content_chunks} content chunk(s), and a chunk may hold several tokens"
    )
    return clock.content_chunks, "chunks"


def _server_timings(
    timings: dict[str, Any] | None, notes: list[str]
) -> dict[str, float | None]:
    if timings is None:
        notes.append(
            "server durations not reported (the OpenAI API has none); "
            "throughput is the client decode rate"
        )
        return {
            "prompt_ms": None,
            "eval_ms": None,
            "eval_rate": None,
            "prompt_rate": None,
        }
    prompt_ms = _positive(timings.get("prompt_ms"))
    eval_ms = _positive(timings.get("predicted_ms"))
    eval_rate, why = rate_per_s(_count(timings.get("predicted_n")), eval_ms)
    if eval_rate is None:
        notes.append(f"eval tok/s {why}")
    prompt_rate, _ = rate_per_s(_count(timings.get("prompt_n")), prompt_ms)
    notes.append("durations from the server's own timings (llama.cpp)")
    return {
        "prompt_ms": prompt_ms,
        "eval_ms": eval_ms,
        "eval_rate": eval_rate,
        "prompt_rate": prompt_rate,
    }


def _truncation(
    backend: OpenAIBackend,
    prompt_tokens: int | None,
    request: GenerationRequest,
    notes: list[str],
) -> bool | None:
    if prompt_tokens is None or request.expected_prompt_tokens is None:
        return None
    # num_ctx is never sent over the OpenAI API: the server's window is unknown.
    note = truncation_note(
        prompt_tokens,
        request.expected_prompt_tokens,
        None,
        exact=request.expected_prompt_tokens_exact,
    )
    if note is None:
        return False
    notes.append(note)
    logger.warning(
        "%s %s at %s: %s", backend.kind, backend.model, backend.endpoint, note
    )
    return True


def _positive(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None
