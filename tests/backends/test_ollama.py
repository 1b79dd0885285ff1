"""The Ollama backend against a real Ollama-protocol server run by llama.cpp.

The server (``chimera.servers.ollama_protocol``) produces real text and real
timings, and reports them the way Ollama does, so these tests exercise both sides
of the protocol: the official ``ollama`` client talking to our server, and our
backend reading what it sends.
"""

from __future__ import annotations

import json

import httpx
import ollama
import pytest

from chimera.backends.base import GenerationRequest, Message
from chimera.backends.model_files import BUNDLED_MODEL_NAME
from chimera.backends.ollama import OllamaBackend
from chimera.errors import ModelNotFound
from chimera.options import ModelOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def chat(text: str, **options: object) -> GenerationRequest:
    return GenerationRequest(
        messages=(Message("system", "Answer briefly."), Message("user", text)),
        options=ModelOptions(**options),
    )


async def test_text_and_real_timings(ollama_server_url: str) -> None:
    backend = OllamaBackend(BUNDLED_MODEL_NAME, ollama_server_url)
    try:
        result = await backend.generate(chat("Name a fruit.", num_predict=8, seed=3))
    finally:
        await backend.aclose()
    m = result.metrics

    assert result.text.strip()
    assert m.endpoint == ollama_server_url
    assert m.tokens_generated is not None and 0 < m.tokens_generated <= 8
    assert m.tokens_generated_source == "server"
    assert m.server_total_ms is not None and m.server_total_ms > 0
    assert m.server_eval_ms is not None and m.server_eval_ms > 0
    assert m.ttft_ms is not None and m.ttft_ms > 0
    assert m.finish_reason in ("stop", "length")


async def test_repeated_prompt_omits_zero_fields_and_prompt_eval_count(
    ollama_server_url: str,
) -> None:
    body = {
        "model": BUNDLED_MODEL_NAME,
        "messages": [{"role": "user", "content": "Count to three."}],
        "options": {"num_predict": 6, "seed": 9},
    }
    async with httpx.AsyncClient(base_url=ollama_server_url, timeout=60) as client:
        await client.post("/api/chat", json=body)
        repeat = await client.post("/api/chat", json=body)
    final = json.loads(repeat.text.strip().splitlines()[-1])

    assert repeat.headers["content-type"].startswith("application/x-ndjson")
    assert final["done"] is True
    # Served from the KV cache: no prompt evaluation, no load, and so no fields.
    for absent in ("prompt_eval_count", "prompt_eval_duration", "load_duration"):
        assert absent not in final
    assert final["eval_count"] > 0 and final["eval_duration"] > 0
    assert final["total_duration"] > final["eval_duration"] / 2


async def test_backend_records_absent_prompt_count_as_absent(
    ollama_server_url: str,
) -> None:
    backend = OllamaBackend(BUNDLED_MODEL_NAME, ollama_server_url)
    request = chat("Spell cat.", num_predict=5, seed=5)
    try:
        await backend.generate(request)
        cached = (await backend.generate(request)).metrics
    finally:
        await backend.aclose()

    assert cached.prompt_tokens is None
    assert cached.prompt_tokens_per_s is None
    assert cached.server_load_ms is None
    assert any("likely prompt-cache hit" in note for note in cached.notes)
    assert any("load_duration not reported" in note for note in cached.notes)
    assert cached.eval_tokens_per_s is not None and cached.eval_tokens_per_s > 0


async def test_json_schema_is_sent_as_format(ollama_server_url: str) -> None:
    backend = OllamaBackend(BUNDLED_MODEL_NAME, ollama_server_url)
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
    }
    request = GenerationRequest(
        messages=(Message("user", "Is water wet? Reply in JSON."),),
        options=ModelOptions(num_predict=16, seed=1),
        json_schema=schema,
    )
    try:
        result = await backend.generate(request)
    finally:
        await backend.aclose()

    assert isinstance(json.loads(result.text)["ok"], bool)


async def test_unknown_model_is_model_not_found(ollama_server_url: str) -> None:
    backend = OllamaBackend("no-such-model:7b", ollama_server_url)
    try:
        with pytest.raises(ModelNotFound) as caught:
            await backend.generate(chat("Hi", num_predict=2))
    finally:
        await backend.aclose()

    assert caught.value.status_code == 404
    assert ollama_server_url in caught.value.one_line()
    assert "ollama pull no-such-model:7b" in caught.value.one_line()


async def test_official_client_reads_tags_version_and_generate(
    ollama_server_url: str,
) -> None:
    client = ollama.AsyncClient(host=ollama_server_url)
    try:
        tags = await client.list()
        answer = await client.generate(
            model=BUNDLED_MODEL_NAME,
            prompt="Say hello.",
            options={"num_predict": 4},
            stream=False,
        )
    finally:
        await client.close()

    assert [entry.model for entry in tags.models] == [BUNDLED_MODEL_NAME]
    assert httpx.get(f"{ollama_server_url}/api/version").json()["version"]
    assert answer.done and answer.response
    assert answer.eval_count is not None and 0 < answer.eval_count <= 4


async def test_server_streams_generate_and_rejects_bad_requests(
    ollama_server_url: str,
) -> None:
    generate = {
        "model": BUNDLED_MODEL_NAME,
        "prompt": "Say hi.",
        "system": "Be brief.",
        "options": {"num_predict": 3, "mirostat": 1},
    }
    async with httpx.AsyncClient(base_url=ollama_server_url, timeout=60) as client:
        streamed = await client.post("/api/generate", json=generate)
        no_model = await client.post("/api/chat", json={"messages": []})
        not_json = await client.post("/api/chat", content=b"{nope")
        bad_option = await client.post(
            "/api/chat",
            json={
                **generate,
                "messages": [{"role": "user", "content": "x"}],
                "options": {"temperature": 99},
            },
        )
    lines = [json.loads(text) for text in streamed.text.splitlines()]

    assert all("response" in obj for obj in lines)
    assert lines[-1]["done"] is True and lines[-1]["eval_count"] <= 3
    assert "".join(obj["response"] for obj in lines).strip()
    assert (no_model.status_code, no_model.json()) == (
        400,
        {"error": "model is required"},
    )
    assert not_json.status_code == 400 and "invalid JSON" in not_json.json()["error"]
    assert bad_option.status_code == 400 and "temperature" in bad_option.json()["error"]
