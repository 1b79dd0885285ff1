"""The OpenAI-compatible backend: a real llama-cpp-python server, replayed faults."""

from __future__ import annotations

import json
import logging

import pytest

from chimera.backends.base import GenerationRequest, GenerationResult, Message
from chimera.backends.openai_compat import OpenAIBackend
from chimera.backends.registry import BackendSpec, create_backend
from chimera.errors import (
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    BackendUnavailable,
    MalformedResponse,
    ModelNotFound,
    StreamInterrupted,
    UsageError,
)
from chimera.options import ModelOptions
from support.processes import free_port
from support.replay_server import Piece, ReplayServer, Reply

MODEL = "demo-8b"
REQUEST = GenerationRequest(messages=(Message("user", "Hello"),))
PATH = "/v1/chat/completions"


def sse(*events: dict[str, object] | str) -> Reply:
    """An SSE reply: one HTTP chunk per event, ``[DONE]`` given as a string."""
    pieces = tuple(
        Piece(f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode())
        for e in events
    )
    return Reply(content_type="text/event-stream", pieces=pieces)


def delta(content: str | None, finish: str | None = None) -> dict[str, object]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [
            {"index": 0, "delta": {"content": content}, "finish_reason": finish}
        ],
    }


GOOD = sse(delta("Hi"), delta(" there"), delta(None, "stop"), "[DONE]")


async def run(
    url: str, request: GenerationRequest = REQUEST, timeout_s: float = 30.0
) -> GenerationResult:
    backend = OpenAIBackend(f"{url}/v1", MODEL, timeout_s=timeout_s)
    try:
        return await backend.generate(request)
    finally:
        await backend.aclose()


async def fails_with(
    kind: type[BackendError], reply: Reply, timeout_s: float = 30.0
) -> BackendError:
    async with ReplayServer({PATH: reply}) as server:
        with pytest.raises(kind) as caught:
            await run(server.url, timeout_s=timeout_s)
    assert f"{server.url}/v1" in caught.value.one_line()
    return caught.value


@pytest.mark.integration
@pytest.mark.slow
async def test_llama_cpp_server_text_tokens_and_ttft(llama_server_url: str) -> None:
    backend = OpenAIBackend(llama_server_url)  # the model id comes from /v1/models
    request = GenerationRequest(
        messages=(Message("user", "Name a fruit."),),
        options=ModelOptions(num_predict=8, seed=2, top_k=20),
    )
    try:
        result = await backend.generate(request)
        counted = await backend.count_tokens("Hello world")
    finally:
        await backend.aclose()
    m = result.metrics

    assert result.text.strip()
    assert backend.model == "smollm2"
    assert m.ttft_ms is not None and 0 < m.ttft_ms <= m.wall_ms
    assert m.tokens_generated is not None and 0 < m.tokens_generated <= 8
    # llama-cpp-python's server sends no usage; its tokenizer endpoint counts.
    assert m.tokens_generated_source == "tokenizer"
    assert m.client_decode_tokens_per_s is not None
    assert m.finish_reason in ("stop", "length")
    assert counted is not None and counted > 0


@pytest.mark.integration
@pytest.mark.slow
async def test_json_schema_reaches_a_llama_cpp_server(llama_server_url: str) -> None:
    schema = {
        "type": "object",
        "properties": {"fruit": {"type": "string"}},
        "required": ["fruit"],
    }
    backend = OpenAIBackend(llama_server_url)
    request = GenerationRequest(
        messages=(Message("user", "Name a fruit as JSON."),),
        options=ModelOptions(num_predict=24, seed=2),
        json_schema=schema,
    )
    try:
        result = await backend.generate(request)
    finally:
        await backend.aclose()

    assert isinstance(json.loads(result.text)["fruit"], str)
    assert any("json_object schema" in note for note in result.metrics.notes)


async def test_refused_port_is_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(BackendUnavailable) as caught:
        await run(url)

    expected = f"could not reach the OpenAI-compatible server at {url}/v1"
    assert caught.value.one_line().startswith(expected)


async def test_usage_and_options_on_the_wire(caplog: pytest.LogCaptureFixture) -> None:
    usage = {
        **delta(None),
        "choices": [],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }
    reply = sse(delta("Hi"), delta(" there"), delta(None, "stop"), usage, "[DONE]")
    request = GenerationRequest(
        messages=(Message("user", "Hello"),),
        options=ModelOptions(
            num_ctx=4096, temperature=0.5, top_k=30, repeat_penalty=1.1, num_predict=9
        ),
        json_schema={"type": "object"},
    )
    async with ReplayServer({PATH: reply}) as server:
        with caplog.at_level(logging.WARNING):
            result = await run(server.url, request)
    sent = server.received[0].json()

    assert result.text == "Hi there"
    assert (result.metrics.tokens_generated, result.metrics.prompt_tokens) == (2, 7)
    assert sent["stream_options"] == {"include_usage": True}
    assert (sent["temperature"], sent["top_k"], sent["max_tokens"]) == (0.5, 30, 9)
    assert sent["repeat_penalty"] == sent["repetition_penalty"] == 1.1
    assert "num_ctx" not in sent
    assert sent["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert any("num_ctx=4096" in note for note in result.metrics.notes)
    assert "load-time settings" in caplog.text


async def test_rejected_stream_options_are_retried_without() -> None:
    rejected = Reply.json({"error": {"message": "unknown field stream_options"}}, 400)
    async with ReplayServer({PATH: [rejected, GOOD]}) as server:
        result = await run(server.url)
    first, second = (r.json() for r in server.received if r.path == PATH)

    assert "stream_options" in first and "stream_options" not in second
    assert result.text == "Hi there"
    assert any("rejected stream_options" in note for note in result.metrics.notes)


async def test_unknown_model_is_model_not_found() -> None:
    reply = Reply.json({"error": {"message": f"model {MODEL} does not exist"}}, 404)

    error = await fails_with(ModelNotFound, reply)

    assert "does not exist" in error.message


async def test_http_500_carries_status_and_text() -> None:
    reply = Reply.json({"error": {"message": "CUDA out of memory"}}, 500)

    error = await fails_with(BackendHTTPError, reply)

    assert isinstance(error, BackendHTTPError) and error.status_code == 500
    assert "CUDA out of memory" in error.message


async def test_stream_cut_mid_way_is_interrupted() -> None:
    cut = Reply(
        content_type="text/event-stream", pieces=GOOD.pieces[:1], complete=False
    )

    await fails_with(StreamInterrupted, cut)


async def test_stream_without_finish_reason_is_interrupted() -> None:
    await fails_with(StreamInterrupted, sse(delta("Hi"), "[DONE]"))


async def test_malformed_chunk_is_malformed_response() -> None:
    await fails_with(
        MalformedResponse, sse(delta("Hi"), '{"id": "c1", "choi', "[DONE]")
    )


async def test_silent_server_times_out() -> None:
    await fails_with(BackendTimeout, Reply(hang=True), timeout_s=0.3)


def test_openai_backend_needs_a_base_url() -> None:
    with pytest.raises(UsageError):
        create_backend(BackendSpec(kind="openai", model=MODEL))


async def test_a_request_rejected_with_and_without_stream_options_is_http_400() -> None:
    reply = Reply.json({"error": {"message": "messages must not be empty"}}, 400)

    error = await fails_with(BackendHTTPError, reply)

    assert isinstance(error, BackendHTTPError) and error.status_code == 400
    assert "messages must not be empty" in error.message
