"""Cases C02, C03, C04, C09 and C10 (``../shared/cases/CASES.md``) end to end.

Each case input (copied into ``tests/fixtures/cases``) is replayed byte for byte by
a loopback server to the real backend, and the metrics record is checked against
the expected values the case states.
"""

from __future__ import annotations

import json
import logging
import statistics
from pathlib import Path
from typing import Any

import pytest

from chimera.backends.base import GenerationRequest, GenerationResult, Message
from chimera.backends.ollama import OllamaBackend
from chimera.backends.openai_compat import OpenAIBackend
from chimera.options import ModelOptions
from support.replay_server import Piece, ReplayServer, Reply

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"
REQUEST = GenerationRequest(messages=(Message("user", "Summarise the results."),))


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text().splitlines() if text.strip()]


def as_chat(obj: dict[str, Any]) -> dict[str, Any]:
    """A ``/api/generate`` object as the equivalent ``/api/chat`` object."""
    chat = {k: v for k, v in obj.items() if k not in ("response", "run")}
    chat["message"] = {"role": "assistant", "content": obj.get("response", "")}
    chat.setdefault("model", "demo-7b")
    chat.setdefault("done", True)
    return chat


async def ollama_calls(
    replies: list[Reply], request: GenerationRequest = REQUEST
) -> list[GenerationResult]:
    async with ReplayServer({"/api/chat": replies}) as server:
        backend = OllamaBackend("demo", server.url)
        try:
            return [await backend.generate(request) for _ in replies]
        finally:
            await backend.aclose()


async def test_c02_one_token_rate_is_not_measurable() -> None:
    lines = [
        json.dumps(as_chat(o)) for o in jsonl(CASES / "C02/stream_one_token.ndjson")
    ]

    (result,) = await ollama_calls([Reply.lines(lines)])
    m = result.metrics

    assert result.text == "OK"
    assert m.tokens_generated == 1
    assert m.eval_tokens_per_s is None
    assert any("eval tok/s not measurable" in note for note in m.notes)
    assert m.server_total_ms == 310.0 and m.server_prompt_eval_ms == 295.0


async def test_c02_mean_over_valid_runs_excludes_the_one_token_run() -> None:
    runs = jsonl(CASES / "C02/three_runs_final_stats.jsonl")
    replies = [Reply.lines([json.dumps(as_chat(run))]) for run in runs]

    results = await ollama_calls(replies)
    rates = [r.metrics.eval_tokens_per_s for r in results]

    assert rates[1] is None
    valid = [rate for rate in rates if rate is not None]
    assert statistics.fmean(valid) == pytest.approx(69.72, abs=0.005)


async def test_c03_missing_prompt_eval_count_is_absent_with_reason() -> None:
    lines = (CASES / "C03/repeat_same_prompt.jsonl").read_text().splitlines()

    first, second = await ollama_calls([Reply.lines([text]) for text in lines])

    assert first.metrics.prompt_tokens == 12
    assert first.metrics.prompt_tokens_per_s is not None
    assert second.metrics.prompt_tokens is None
    assert second.metrics.prompt_tokens_per_s is None
    assert any(
        "absent in response (likely prompt-cache hit)" in note
        for note in second.metrics.notes
    )
    assert second.metrics.server_prompt_eval_ms == 9.0
    assert first.metrics.eval_tokens_per_s == pytest.approx(67.27, abs=0.005)
    assert second.metrics.eval_tokens_per_s == pytest.approx(59.32, abs=0.005)
    assert second.text == "Second answer."


async def test_c04_truncated_prompt_is_flagged_and_warned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = json.loads((CASES / "C04/truncated_call.json").read_text())
    sent = case["request"]
    request = GenerationRequest(
        messages=(Message("user", f"{sent['prompt_head']}\n{sent['prompt_tail']}"),),
        options=ModelOptions(**sent["options"]),
        expected_prompt_tokens=sent["client_estimated_prompt_tokens"],
    )
    reply = Reply.lines([json.dumps(case["response"])], status=case["http_status"])

    with caplog.at_level(logging.WARNING, logger="chimera.backends.ollama"):
        (result,) = await ollama_calls([reply], request)

    assert result.metrics.prompt_truncated is True
    assert result.metrics.prompt_tokens == 4098
    note = next(n for n in result.metrics.notes if n.startswith("prompt truncated"))
    assert "4098" in note and "20480" in note and "8192" in note
    assert "prompt truncated" in caplog.text


async def test_c04_a_prompt_that_fits_is_not_flagged() -> None:
    case = json.loads((CASES / "C04/truncated_call.json").read_text())
    request = GenerationRequest(
        messages=REQUEST.messages,
        options=ModelOptions(num_ctx=8192),
        expected_prompt_tokens=4200,
    )

    (result,) = await ollama_calls(
        [Reply.lines([json.dumps(case["response"])])], request
    )

    assert result.metrics.prompt_truncated is False


async def test_c09_lines_split_across_chunks_with_a_blank_line() -> None:
    chunks = json.loads((CASES / "C09/http_chunks.json").read_text())
    pieces = tuple(Piece(c["data"].encode(), at_ms=c["t_ms"]) for c in chunks)
    body = (CASES / "C09/stream_body.ndjson").read_text()

    (result,) = await ollama_calls([Reply(pieces=pieces)])
    m = result.metrics

    assert len([text for text in body.splitlines() if text.strip()]) == 5
    assert result.text == 'Hello there, "friend"\n'
    assert m.content_chunks == 3
    assert (m.tokens_generated, m.server_eval_ms) == (4, 60.0)
    assert m.finish_reason == "stop"
    # TTFT is chunk 1's arrival (400 ms, it completes the "Hel" line), not a later one.
    assert m.ttft_ms is not None
    assert abs(m.ttft_ms - 400) < abs(m.ttft_ms - 472)


def sse_reply(path: Path) -> Reply:
    events = [e for e in path.read_text().split("\n\n") if e.strip()]
    pieces = tuple(Piece(f"{event}\n\n".encode()) for event in events)
    return Reply(content_type="text/event-stream", pieces=pieces)


async def openai_call(reply: Reply) -> GenerationResult:
    async with ReplayServer({"/v1/chat/completions": reply}) as server:
        backend = OpenAIBackend(f"{server.url}/v1", "demo-8b")
        try:
            return await backend.generate(REQUEST)
        finally:
            await backend.aclose()


async def test_c10_usage_chunk_with_empty_choices() -> None:
    result = await openai_call(sse_reply(CASES / "C10/sse_with_usage.txt"))

    assert result.text == "Throughput is stable."
    assert (result.metrics.tokens_generated, result.metrics.prompt_tokens) == (5, 27)
    assert result.metrics.tokens_generated_source == "server"
    assert result.metrics.finish_reason == "stop"


async def test_c10_without_usage_the_count_is_marked_estimated() -> None:
    result = await openai_call(sse_reply(CASES / "C10/sse_without_usage.txt"))
    m = result.metrics

    assert result.text == "Throughput is stable."
    assert m.tokens_generated_source == "chunks"
    assert m.tokens_generated == m.content_chunks == 1
    assert any(note.startswith("estimated") for note in m.notes)
    assert m.prompt_tokens is None


def _done_with_prompt_count(prompt_eval_count: int) -> str:
    return json.dumps(
        {
            "model": "demo",
            "message": {"role": "assistant", "content": "ok"},
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": prompt_eval_count,
            "eval_count": 1,
        }
    )


@pytest.mark.parametrize(
    ("num_ctx", "expected", "exact", "reported"),
    [
        # The prompt fits the num_ctx sent: a small count is a reused prompt cache.
        (2048, 924, False, 124),
        # No num_ctx sent, estimated size: 1278 is within the estimate's error.
        (None, 1971, False, 1278),
    ],
)
async def test_a_prompt_that_was_not_cut_is_not_flagged(
    num_ctx: int | None, expected: int, exact: bool, reported: int
) -> None:
    request = GenerationRequest(
        messages=REQUEST.messages,
        options=ModelOptions(num_ctx=num_ctx),
        expected_prompt_tokens=expected,
        expected_prompt_tokens_exact=exact,
    )

    (result,) = await ollama_calls(
        [Reply.lines([_done_with_prompt_count(reported)])], request
    )

    assert result.metrics.prompt_truncated is False
    assert not any(n.startswith("prompt truncated") for n in result.metrics.notes)


async def test_an_exact_count_well_above_the_servers_is_flagged() -> None:
    request = GenerationRequest(
        messages=REQUEST.messages,
        expected_prompt_tokens=1971,
        expected_prompt_tokens_exact=True,
    )

    (result,) = await ollama_calls(
        [Reply.lines([_done_with_prompt_count(1278)])], request
    )

    assert result.metrics.prompt_truncated is True
