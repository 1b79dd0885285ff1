"""Running one chat generation on the in-process llama.cpp engine, and measuring it.

Generation is blocking C code, so it runs in a worker thread; text pieces are
handed back to the event loop as they are produced, so the caller's clock sees
them arrive the way it would see a network stream. llama.cpp's own performance
counters are reset before each call and read after it: they give the prompt and
generation durations exactly as the engine measured them.

Both the embedded backend and the Ollama-protocol server run generations through
``stream_chat``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import llama_cpp

from chimera.backends._llama_load import LoadedModel, LoadSettings, get_model
from chimera.options import ModelOptions

ChatMessage = dict[str, str]


@dataclass(frozen=True)
class EngineStats:
    """What llama.cpp measured about one generation. Times in ms; None = none."""

    finish_reason: str | None
    prompt_tokens: int | None
    generated_tokens: int
    # Prompt tokens the engine actually evaluated: fewer than ``prompt_tokens`` when
    # a cached prefix was reused, None when the whole prompt came from the cache.
    prompt_eval_tokens: int | None
    prompt_eval_ms: float | None
    # Single-token decode steps and their time (llama.cpp's "eval").
    eval_steps: int | None
    eval_ms: float | None
    # Engine time for the call: from picking up the model to the last token,
    # including the load when this call loaded the model, excluding any wait.
    total_ms: float
    loaded_now: bool
    load_ms: float | None
    load_wall_ms: float | None
    # Time spent waiting for another call to release the (serial) engine.
    queued_ms: float = 0.0


def sampling_kwargs(
    options: ModelOptions, json_schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Per-call llama-cpp-python arguments for the options that were set.

    Unset options are left out so llama-cpp-python's own defaults apply.
    """
    names = {
        "temperature": "temperature",
        "top_p": "top_p",
        "top_k": "top_k",
        "repeat_penalty": "repeat_penalty",
        "seed": "seed",
        "num_predict": "max_tokens",
    }
    sent = options.sent()
    kwargs = {ours: sent[theirs] for theirs, ours in names.items() if theirs in sent}
    if json_schema is not None:
        # A grammar built from the schema constrains every sampled token.
        kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
    return kwargs


def run_chat(
    settings: LoadSettings,
    messages: Sequence[ChatMessage],
    sampling: dict[str, Any],
    on_text: Callable[[str], None],
    cancelled: threading.Event,
) -> EngineStats:
    """Generate one answer, calling ``on_text`` for each piece. Blocking."""
    started = time.perf_counter()
    while True:
        model, loaded_now = get_model(settings)
        waiting_since = time.perf_counter()
        with model.lock:
            # A model evicted between lookup and lock is closed; look it up again.
            if model.closed:
                continue
            queued_ms = (time.perf_counter() - waiting_since) * 1000.0
            finish_reason = _generate(model, messages, sampling, on_text, cancelled)
            stats = _stats(model, loaded_now, finish_reason, started)
            return replace(
                stats, total_ms=stats.total_ms - queued_ms, queued_ms=queued_ms
            )


def _generate(
    model: LoadedModel,
    messages: Sequence[ChatMessage],
    sampling: dict[str, Any],
    on_text: Callable[[str], None],
    cancelled: threading.Event,
) -> str | None:
    llama_cpp.llama_perf_context_reset(model.llama.ctx)
    model.llama.prompt_token_count = None
    model.llama.generated_token_count = 0
    stream: Any = model.llama.create_chat_completion(
        messages=list(messages),  # type: ignore[arg-type]
        stream=True,
        **sampling,
    )
    finish_reason: str | None = None
    try:
        for chunk in stream:
            if cancelled.is_set():
                return "cancelled"
            choice = chunk["choices"][0]
            text = choice["delta"].get("content")
            if text:
                on_text(text)
            finish_reason = choice.get("finish_reason") or finish_reason
    finally:
        stream.close()
    return finish_reason


def _stats(
    model: LoadedModel, loaded_now: bool, finish_reason: str | None, started: float
) -> EngineStats:
    perf = llama_cpp.llama_perf_context(model.llama.ctx)
    # llama.cpp reports counts of at least 1 even when nothing ran; a zero duration
    # is the reliable sign that a phase did not happen.
    prompt_ran = perf.t_p_eval_ms > 0
    eval_ran = perf.t_eval_ms > 0
    return EngineStats(
        finish_reason=finish_reason,
        prompt_tokens=model.llama.prompt_token_count,
        generated_tokens=model.llama.generated_token_count,
        prompt_eval_tokens=perf.n_p_eval if prompt_ran else None,
        prompt_eval_ms=perf.t_p_eval_ms if prompt_ran else None,
        eval_steps=perf.n_eval if eval_ran else None,
        eval_ms=perf.t_eval_ms if eval_ran else None,
        total_ms=(time.perf_counter() - started) * 1000.0,
        loaded_now=loaded_now,
        load_ms=model.load_ms if loaded_now else None,
        load_wall_ms=model.load_wall_ms if loaded_now else None,
    )


async def stream_chat(
    settings: LoadSettings,
    messages: Sequence[ChatMessage],
    sampling: dict[str, Any],
) -> AsyncIterator[str | EngineStats]:
    """Text pieces as the engine produces them, then the call's ``EngineStats``.

    Leaving the iteration early stops the generation at its next token.
    """
    loop = asyncio.get_running_loop()
    pieces: asyncio.Queue[str | None] = asyncio.Queue()
    cancelled = threading.Event()

    def on_text(text: str) -> None:
        loop.call_soon_threadsafe(pieces.put_nowait, text)

    worker = asyncio.ensure_future(
        asyncio.to_thread(run_chat, settings, messages, sampling, on_text, cancelled)
    )
    # Runs after every piece queued by the thread: the end marker comes last.
    worker.add_done_callback(lambda _: pieces.put_nowait(None))
    try:
        while (piece := await pieces.get()) is not None:
            yield piece
        yield await worker
    finally:
        cancelled.set()
        if not worker.done():
            worker.add_done_callback(_retrieve_outcome)


def _retrieve_outcome(worker: asyncio.Future[EngineStats]) -> None:
    # The caller has gone; the outcome is consumed so asyncio does not report it
    # as never retrieved.
    if not worker.cancelled():
        worker.exception()


async def count_tokens(settings: LoadSettings, text: str) -> int:
    """Tokens in ``text`` by the model's own tokenizer (loads the model if needed)."""

    def count() -> int:
        while True:
            model, _ = get_model(settings)
            tokens = model.count_tokens(text)
            if tokens is not None:
                return tokens

    return await asyncio.to_thread(count)


async def load_model(settings: LoadSettings) -> tuple[LoadedModel, bool]:
    """Load (or find) the model for ``settings`` without blocking the event loop."""
    return await asyncio.to_thread(get_model, settings)
