"""Ollama failures become typed errors that name the endpoint; requests are as sent.

A loopback server replays exact bytes, so each fault (HTTP 500, a body cut in
half, a broken line, silence) happens the same way every run.
"""

from __future__ import annotations

import json

import pytest

from chimera.backends.base import GenerationRequest, Message
from chimera.backends.ollama import OllamaBackend, normalize_host
from chimera.backends.registry import BackendSpec, create_backend
from chimera.errors import (
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    BackendUnavailable,
    MalformedResponse,
    ModelNotFound,
    StreamInterrupted,
)
from chimera.options import ModelOptions
from support.processes import free_port
from support.replay_server import Piece, ReplayServer, Reply

MODEL = "demo-3b"


def line(content: str, done: bool = False, **stats: object) -> str:
    return json.dumps(
        {
            "model": MODEL,
            "created_at": "2025-06-03T09:00:00Z",
            "message": {"role": "assistant", "content": content},
            "done": done,
            **stats,
        }
    )


FINAL = line("", done=True, done_reason="stop", eval_count=3, eval_duration=30_000_000)
REQUEST = GenerationRequest(messages=(Message("user", "Hello"),))


async def call(
    url: str, request: GenerationRequest = REQUEST, timeout_s: float = 30.0
) -> None:
    backend = OllamaBackend(MODEL, url, timeout_s=timeout_s)
    try:
        await backend.generate(request)
    finally:
        await backend.aclose()


async def fails_with(
    kind: type[BackendError], reply: Reply, timeout_s: float = 30.0
) -> BackendError:
    async with ReplayServer({"/api/chat": reply}) as server:
        with pytest.raises(kind) as caught:
            await call(server.url, timeout_s=timeout_s)
    error = caught.value
    # What the CLI prints names the endpoint, so users know which server to check.
    assert server.url in error.one_line()
    assert error.endpoint == server.url and error.model == MODEL
    return error


async def test_refused_port_is_unavailable_with_a_hint() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(BackendUnavailable) as caught:
        await call(url)

    assert caught.value.one_line().startswith(f"could not reach Ollama at {url}")
    assert "ollama serve" in caught.value.one_line()


async def test_http_500_carries_status_and_server_text() -> None:
    reply = Reply.json({"error": "llama runner process has terminated"}, status=500)

    error = await fails_with(BackendHTTPError, reply)

    assert isinstance(error, BackendHTTPError) and error.status_code == 500
    assert "llama runner process has terminated" in error.message


async def test_unknown_model_404_is_model_not_found() -> None:
    reply = Reply.json({"error": f"model '{MODEL}' not found"}, status=404)

    error = await fails_with(ModelNotFound, reply)

    assert f"ollama pull {MODEL}" in error.one_line()


async def test_stream_cut_mid_way_is_interrupted() -> None:
    reply = Reply.lines([line("Hel"), line("lo")], complete=False)

    await fails_with(StreamInterrupted, reply)


async def test_stream_ending_without_done_is_interrupted() -> None:
    await fails_with(StreamInterrupted, Reply.lines([line("Hel"), line("lo")]))


async def test_error_line_inside_the_stream_is_interrupted_with_its_text() -> None:
    reply = Reply.lines([line("Hel"), json.dumps({"error": "runner crashed"})])

    error = await fails_with(StreamInterrupted, reply)

    assert "runner crashed" in error.message


async def test_malformed_chunk_is_malformed_response() -> None:
    reply = Reply.lines(
        [line("Hel"), '{"model": "demo-3b", "message": {"content', FINAL]
    )

    await fails_with(MalformedResponse, reply)


async def test_silent_server_times_out() -> None:
    error = await fails_with(BackendTimeout, Reply(hang=True), timeout_s=0.3)

    assert "0.3 s" in error.message


async def test_baseline_sends_no_options_and_chimera_sends_only_its_own() -> None:
    reply = Reply.lines([line("ok"), FINAL])
    tuned = GenerationRequest(
        messages=(Message("user", "Hello"),),
        options=ModelOptions(num_ctx=1024, temperature=0.6),
        json_schema={"type": "object"},
    )
    async with ReplayServer({"/api/chat": reply}) as server:
        await call(server.url)
        backend = OllamaBackend(MODEL, server.url, keep_alive="5m")
        await backend.generate(tuned)
        await backend.aclose()
    baseline, chimera = (r.json() for r in server.received)

    assert "options" not in baseline and "format" not in baseline
    assert baseline["stream"] is True
    assert chimera["options"] == {"num_ctx": 1024, "temperature": 0.6}
    assert chimera["format"] == {"type": "object"}
    assert chimera["keep_alive"] == "5m"


async def test_blank_lines_and_split_lines_are_read_as_whole_objects() -> None:
    body = (line("Hel") + "\n\n" + line("lo") + "\n\r\n" + FINAL + "\n").encode()
    pieces = tuple(Piece(body[i : i + 7]) for i in range(0, len(body), 7))
    async with ReplayServer({"/api/chat": Reply(pieces=pieces)}) as server:
        backend = OllamaBackend(MODEL, server.url)
        result = await backend.generate(REQUEST)
        await backend.aclose()

    assert result.text == "Hello"
    assert result.metrics.tokens_generated == 3


def test_host_comes_from_ollama_host_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:11500")

    backend = create_backend(BackendSpec(kind="ollama", model="m"))

    assert backend.endpoint == "http://127.0.0.1:11500"
    assert normalize_host("https://example.org") == "https://example.org:443"
