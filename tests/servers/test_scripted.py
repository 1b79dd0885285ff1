"""The scripted streaming server: wire shapes, schedule, modes and scripted failures."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from chimera.backends.base import GenerationRequest, Message
from chimera.backends.ollama import OllamaBackend
from chimera.errors import StreamInterrupted
from chimera.servers.scripted import Schedule, ScriptedServer

CHAT = {"model": "scripted", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[ScriptedServer]:
    schedule = getattr(request, "param", Schedule(ttft_ms=10, interval_ms=2, tokens=5))
    with ScriptedServer(schedule) as running:
        yield running


def test_ollama_stream_has_content_chunks_and_a_real_final_chunk(
    server: ScriptedServer,
) -> None:
    response = httpx.post(f"{server.url}/api/chat", json=CHAT)
    lines = [json.loads(line) for line in response.text.splitlines()]

    assert response.headers["content-type"] == "application/x-ndjson"
    assert "".join(line["message"]["content"] for line in lines) == "w0 w1 w2 w3 w4 "
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    assert (final["eval_count"], final["prompt_eval_count"]) == (5, 24)
    # Durations in nanoseconds, measured: evaluation spans 5 intervals of 2 ms.
    assert final["eval_duration"] >= 10_000_000
    assert final["prompt_eval_duration"] == 8_000_000
    assert final["total_duration"] >= final["eval_duration"]
    assert all(not line["done"] for line in lines[:-1])


def test_openai_stream_ends_with_usage_and_done(server: ScriptedServer) -> None:
    body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    response = httpx.post(f"{server.url}/v1/chat/completions", json=body)
    events = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e]

    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(
        c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]
    )
    assert text == "w0 w1 w2 w3 w4 "
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 24, "completion_tokens": 5, "total_tokens": 29
    }  # fmt: skip


def test_openai_without_stream_answers_whole(server: ScriptedServer) -> None:
    body = httpx.post(f"{server.url}/v1/chat/completions", json=CHAT).json()

    assert body["choices"][0]["message"]["content"] == "w0 w1 w2 w3 w4 "
    assert body["usage"]["completion_tokens"] == 5


@pytest.mark.parametrize(
    "server", [Schedule(ttft_ms=5, tokens=6, tokens_per_chunk=4)], indirect=True
)
def test_several_tokens_per_chunk(server: ScriptedServer) -> None:
    response = httpx.post(f"{server.url}/api/chat", json=CHAT)
    lines = response.text.splitlines()
    contents = [json.loads(line)["message"]["content"] for line in lines]

    assert contents[:2] == ["w0 w1 w2 w3 ", "w4 w5 "]


@pytest.mark.parametrize(
    "server", [Schedule(ttft_ms=5, tokens=2, fail_every=2)], indirect=True
)
def test_every_kth_request_fails_with_500(server: ScriptedServer) -> None:
    statuses = [httpx.post(f"{server.url}/api/chat", json=CHAT) for _ in range(4)]

    assert [r.status_code for r in statuses] == [200, 500, 200, 500]
    assert "scripted failure" in statuses[1].json()["error"]


@pytest.mark.parametrize(
    "server", [Schedule(ttft_ms=5, tokens=6, cut_every=1)], indirect=True
)
async def test_a_cut_stream_reaches_the_client_as_interrupted(
    server: ScriptedServer,
) -> None:
    backend = OllamaBackend("scripted", server.url)
    request = GenerationRequest(messages=(Message("user", "hi"),))

    with pytest.raises(StreamInterrupted):
        await backend.generate(request)
    await backend.aclose()


@pytest.mark.parametrize(
    "server", [Schedule(ttft_ms=30, tokens=1, mode="serial")], indirect=True
)
async def test_serial_mode_queues_requests(server: ScriptedServer) -> None:
    async with httpx.AsyncClient() as client:
        started = asyncio.get_running_loop().time()
        await asyncio.gather(
            *(client.post(f"{server.url}/api/chat", json=CHAT) for _ in range(3))
        )
        elapsed = asyncio.get_running_loop().time() - started

    # Three 30 ms responses one after another cannot finish in under 90 ms.
    assert elapsed >= 0.09


@pytest.mark.integration
def test_runs_as_a_module_and_prints_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "chimera.servers.scripted", "--ttft-ms", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        version = httpx.get(f"{url}/api/version").json()
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert url.startswith("http://127.0.0.1:")
    assert "version" in version
