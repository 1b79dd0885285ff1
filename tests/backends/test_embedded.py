"""The embedded llama.cpp backend on the bundled SmolLM2-135M model."""

from __future__ import annotations

import asyncio
import json

import pytest

from chimera.backends.base import GenerationRequest, Message
from chimera.backends.embedded import EmbeddedBackend
from chimera.errors import BackendError, BackendTimeout
from chimera.options import ModelOptions

pytestmark = pytest.mark.slow


def ask(text: str, system: str | None = None, **options: object) -> GenerationRequest:
    messages = (Message("user", text),)
    if system is not None:
        messages = (Message("system", system), *messages)
    return GenerationRequest(messages=messages, options=ModelOptions(**options))


async def test_short_generation_has_text_and_positive_metrics(
    embedded_backend: EmbeddedBackend,
) -> None:
    result = await embedded_backend.generate(
        ask("Name three colours.", system="Answer briefly.", num_predict=12)
    )
    m = result.metrics

    assert result.text.strip()
    assert m.backend == "embedded" and m.model == embedded_backend.model
    assert m.ttft_ms is not None and 0 < m.ttft_ms <= m.wall_ms
    assert m.tokens_generated is not None and 0 < m.tokens_generated <= 12
    assert m.prompt_tokens is not None and m.prompt_tokens > 5
    assert m.prompt_tokens_source == "tokenizer"
    assert m.server_eval_ms is not None and m.server_eval_ms > 0
    assert m.server_total_ms is not None and m.server_total_ms > 0
    assert m.eval_tokens_per_s is not None and m.eval_tokens_per_s > 0
    assert m.content_chunks == len(m.chunk_gaps_ms) + 1
    assert m.finish_reason in ("stop", "length")
    assert m.prompt_truncated is False
    assert any("n_ctx 2048" in note for note in m.notes)


async def test_num_predict_caps_the_tokens_generated(
    embedded_backend: EmbeddedBackend,
) -> None:
    result = await embedded_backend.generate(
        ask("Write a long story about a lighthouse keeper.", num_predict=4)
    )

    assert result.metrics.tokens_generated == 4
    assert result.metrics.finish_reason == "length"


async def test_a_fixed_seed_repeats_the_output(
    embedded_backend: EmbeddedBackend,
) -> None:
    request = ask(
        "Invent a name for a cat.", num_predict=10, temperature=1.0, seed=1234
    )

    first = await embedded_backend.generate(request)
    second = await embedded_backend.generate(request)

    assert first.text == second.text
    assert first.text


async def test_json_schema_output_parses(embedded_backend: EmbeddedBackend) -> None:
    schema = {
        "type": "object",
        "properties": {"colour": {"type": "string", "enum": ["red", "green", "blue"]}},
        "required": ["colour"],
    }
    request = GenerationRequest(
        messages=(Message("user", "What colour is the sky? Answer in JSON."),),
        options=ModelOptions(num_predict=24, seed=1),
        json_schema=schema,
    )

    result = await embedded_backend.generate(request)

    assert json.loads(result.text)["colour"] in {"red", "green", "blue"}


async def test_count_tokens_uses_the_model_tokenizer(
    embedded_backend: EmbeddedBackend,
) -> None:
    short = await embedded_backend.count_tokens("Hello world")
    longer = await embedded_backend.count_tokens("Hello world, " * 20)

    assert short is not None and 1 <= short <= 4
    assert longer is not None and longer > 10 * short


async def test_load_is_reported_on_the_loading_call_and_warm_calls_say_so(
    embedded_backend: EmbeddedBackend,
) -> None:
    # A context size no other test uses forces a fresh load for this test.
    request = ask("Say hi.", num_predict=3, num_ctx=768)

    loading = (await embedded_backend.generate(request)).metrics
    warm = (await embedded_backend.generate(request)).metrics

    assert loading.server_load_ms is not None and loading.server_load_ms > 0
    assert any("loaded by this call" in note for note in loading.notes)
    assert warm.server_load_ms is None
    assert any("warm call" in note for note in warm.notes)
    # The identical prompt is served from llama.cpp's KV cache the second time.
    assert warm.server_prompt_eval_ms is None
    assert any("KV cache" in note for note in warm.notes)


async def test_a_prompt_longer_than_the_context_is_refused_not_cut(
    embedded_backend: EmbeddedBackend,
) -> None:
    with pytest.raises(BackendError) as caught:
        await embedded_backend.generate(ask("word " * 400, num_ctx=256, num_predict=2))

    assert "num_ctx" in (caught.value.hint or "")
    assert embedded_backend.endpoint in caught.value.one_line()


async def test_timeout_stops_the_call_and_the_engine_stays_usable(
    embedded_backend: EmbeddedBackend,
) -> None:
    impatient = EmbeddedBackend(embedded_backend.model_path, timeout_s=0.01)

    with pytest.raises(BackendTimeout) as caught:
        await impatient.generate(ask("Tell a long story.", num_predict=200))
    after = await embedded_backend.generate(ask("Say yes.", num_predict=3))

    assert impatient.endpoint in caught.value.one_line()
    assert after.metrics.tokens_generated is not None


async def test_concurrent_calls_are_served_one_at_a_time(
    embedded_backend: EmbeddedBackend,
) -> None:
    first, second = await asyncio.gather(
        embedded_backend.generate(ask("Name a river.", num_predict=4, seed=1)),
        embedded_backend.generate(ask("Name a mountain.", num_predict=4, seed=1)),
    )

    assert embedded_backend.capabilities.parallel_requests is False
    assert first.text and second.text
    assert first.metrics.tokens_generated == second.metrics.tokens_generated == 4
    # Whichever call queued says so; its wait is in its wall time, not the engine's.
    waited = [
        r.metrics
        for r in (first, second)
        if any("waited" in note for note in r.metrics.notes)
    ]
    assert len(waited) == 1
    queued = waited[0]
    assert queued.server_total_ms is not None
    assert queued.server_total_ms < queued.wall_ms
