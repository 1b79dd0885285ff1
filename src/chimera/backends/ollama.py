"""The Ollama backend: streaming ``/api/chat`` through the official ``ollama`` client.

Ollama reports its own durations, in nanoseconds, only in the final ``done``
chunk, and leaves out fields that are zero; ``prompt_eval_count`` disappears when
the prompt came from its cache. Absent stays absent here: each missing figure is
``None`` in the metrics with a note saying why, never a 0 that would drag an
average down. When the caller knows roughly how long its prompt was, the server's
prompt count is checked against it, because Ollama silently cuts prompts that do
not fit ``num_ctx``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
from ollama import AsyncClient, ChatResponse

from chimera.backends._calls import chat_messages, log_call, ns_to_ms, truncation_note
from chimera.backends._errors import CallContext, cut_stream, ollama_error
from chimera.backends._ndjson import BlankLineFilteringTransport
from chimera.backends.base import Capabilities, GenerationRequest, GenerationResult
from chimera.backends.registry import DEFAULT_OLLAMA_HOST, BackendSpec
from chimera.errors import UsageError
from chimera.metrics.record import (
    CallMetrics,
    Clock,
    StreamClock,
    client_decode_rate,
    rate_per_s,
)

logger = logging.getLogger(__name__)

OLLAMA_DEFAULT_PORT = 11434


def normalize_host(host: str) -> str:
    """An Ollama host as a full base URL, the way Ollama's own tools read it.

    >>> normalize_host("127.0.0.1:11500")
    'http://127.0.0.1:11500'
    >>> normalize_host("http://gpu-box")
    'http://gpu-box:80'
    >>> normalize_host("localhost")
    'http://localhost:11434'
    """
    text = host.strip() or DEFAULT_OLLAMA_HOST
    has_scheme = "://" in text
    url = httpx.URL(text if has_scheme else f"http://{text}")
    if url.port is not None:
        port = url.port
    elif has_scheme:
        port = 443 if url.scheme == "https" else 80
    else:
        port = OLLAMA_DEFAULT_PORT
    host_part = f"[{url.host}]" if ":" in url.host else url.host or "127.0.0.1"
    return f"{url.scheme}://{host_part}:{port}{url.path.rstrip('/')}"


class OllamaBackend:
    """An Ollama server (or anything speaking its NDJSON protocol)."""

    kind = "ollama"
    # Ollama has no tokenize endpoint, so callers estimate token counts themselves.
    capabilities = Capabilities(
        streaming=True, json_schema=True, tokenizer=False, parallel_requests=True
    )

    def __init__(
        self,
        model: str,
        host: str = DEFAULT_OLLAMA_HOST,
        *,
        keep_alive: str | None = None,
        timeout_s: float = 300.0,
        clock: Clock = time.perf_counter,
    ) -> None:
        self.model = model
        self.endpoint = normalize_host(host)
        self.keep_alive = keep_alive
        self.timeout_s = timeout_s
        self._clock = clock
        self._client = AsyncClient(
            host=self.endpoint,
            timeout=timeout_s,
            transport=BlankLineFilteringTransport(),
        )

    @classmethod
    def from_spec(cls, spec: BackendSpec) -> OllamaBackend:
        if not spec.model:
            raise UsageError(
                "the ollama backend needs a model name",
                hint="pass --model (e.g. --model llama3.2:3b); "
                "`ollama list` shows the installed ones",
            )
        return cls(
            spec.model,
            spec.resolved_host() or DEFAULT_OLLAMA_HOST,
            keep_alive=spec.keep_alive,
            timeout_s=spec.timeout_s,
        )

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        clock = StreamClock(self._clock)
        call = CallContext("Ollama", self.endpoint, self.model, self.timeout_s)
        pieces: list[str] = []
        final: ChatResponse | None = None
        clock.start()
        try:
            async with asyncio.timeout(self.timeout_s):
                async for part in await self._chat(request):
                    text = part.message.content or ""
                    clock.chunk(text)
                    pieces.append(text)
                    if part.done:
                        final = part
        except Exception as error:
            mapped = ollama_error(error, call)
            if mapped is None:
                raise
            raise mapped from error
        if final is None:
            raise cut_stream(call, "no chunk with done: true")

        text = "".join(pieces)
        logger.debug("ollama response: %r; final %r", text, final)
        metrics = self._metrics(clock, final, request)
        log_call(logger, metrics)
        return GenerationResult(text=text, metrics=metrics)

    async def count_tokens(self, text: str) -> int | None:
        """Always None: Ollama offers no tokenizer endpoint."""
        return None

    async def aclose(self) -> None:
        await self._client.close()  # type: ignore[no-untyped-call]

    async def _chat(self, request: GenerationRequest) -> Any:
        options = request.options.sent() or None
        messages = chat_messages(request)
        logger.debug(
            "ollama request to %s: model %s, options %s, messages %s",
            self.endpoint,
            self.model,
            options,
            messages,
        )
        return await self._client.chat(
            model=self.model,
            messages=messages,
            stream=True,
            options=options,
            format=request.json_schema,
            keep_alive=self.keep_alive,
        )

    def _metrics(
        self, clock: StreamClock, final: ChatResponse, request: GenerationRequest
    ) -> CallMetrics:
        wall_ms = clock.elapsed_ms()
        ttft_ms = clock.ttft_ms()
        notes: list[str] = []
        durations = final_durations_ms(final, notes)
        tokens, tokens_source = final.eval_count, "server"
        if tokens is None:
            tokens, tokens_source = clock.content_chunks, "chunks"
            notes.append("eval_count absent: token count estimated from chunks")
        eval_rate, eval_why = rate_per_s(final.eval_count, durations["eval"])
        if eval_rate is None:
            notes.append(f"eval tok/s {eval_why}")
        prompt_rate = None
        if final.prompt_eval_count is None:
            notes.append(
                "prompt_eval_count absent in response (likely prompt-cache hit); "
                "prompt tok/s not computed"
            )
        else:
            prompt_rate, _ = rate_per_s(
                final.prompt_eval_count, durations["prompt_eval"]
            )
        truncated = self._check_truncation(final, request, notes)
        decode_rate, _ = client_decode_rate(tokens, ttft_ms, wall_ms)
        return CallMetrics(
            backend=self.kind,
            endpoint=self.endpoint,
            model=self.model,
            ttft_ms=ttft_ms,
            wall_ms=wall_ms,
            content_chunks=clock.content_chunks,
            chunk_gaps_ms=tuple(clock.chunk_gaps_ms),
            tokens_generated=tokens,
            tokens_generated_source=tokens_source,
            prompt_tokens=final.prompt_eval_count,
            prompt_tokens_source="server"
            if final.prompt_eval_count is not None
            else None,
            server_total_ms=durations["total"],
            server_load_ms=durations["load"],
            server_prompt_eval_ms=durations["prompt_eval"],
            server_eval_ms=durations["eval"],
            eval_tokens_per_s=eval_rate,
            client_decode_tokens_per_s=decode_rate,
            prompt_tokens_per_s=prompt_rate,
            finish_reason=final.done_reason,
            prompt_truncated=truncated,
            notes=tuple(notes),
        )

    def _check_truncation(
        self, final: ChatResponse, request: GenerationRequest, notes: list[str]
    ) -> bool | None:
        if request.expected_prompt_tokens is None or final.prompt_eval_count is None:
            return None
        note = truncation_note(
            final.prompt_eval_count,
            request.expected_prompt_tokens,
            request.options.num_ctx,
            exact=request.expected_prompt_tokens_exact,
        )
        if note is None:
            return False
        notes.append(note)
        logger.warning("%s %s at %s: %s", self.kind, self.model, self.endpoint, note)
        return True


def final_durations_ms(
    final: ChatResponse, notes: list[str]
) -> dict[str, float | None]:
    """The done chunk's durations in ms; absent or zero ones are None with a note."""
    fields = {
        "total": final.total_duration,
        "load": final.load_duration,
        "prompt_eval": final.prompt_eval_duration,
        "eval": final.eval_duration,
    }
    durations = {name: ns_to_ms(value) for name, value in fields.items()}
    for name, value in durations.items():
        if value is None:
            notes.append(f"{name}_duration not reported (absent or zero)")
    return durations
