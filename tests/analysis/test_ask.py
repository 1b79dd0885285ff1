"""One grounded call end to end: schema-constrained answers, retries, truncation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd
import pytest

from chimera.agents.personas import builtin_personas
from chimera.analysis.answer_schema import AnalysisAnswer, analysis_schema
from chimera.analysis.ask import ask
from chimera.analysis.digest import build_digest
from chimera.analysis.facts import Fact
from chimera.analysis.prompts import analysis_messages, ranked_facts
from chimera.backends.base import Message
from chimera.backends.embedded import EmbeddedBackend
from chimera.backends.ollama import OllamaBackend
from chimera.options import ModelOptions
from chimera.servers.scripted import Schedule, ScriptedServer

PERSONA = builtin_personas()["insight"]


def _assemble(
    facts: Sequence[Fact], left_out: int, example: bool
) -> tuple[Message, ...]:
    return analysis_messages(PERSONA, facts, left_out, json_example=example)


def _schema(fact_ids: list[str], answer_tokens: int) -> dict[str, object]:
    return analysis_schema(fact_ids, answer_tokens, with_risks=True)


@pytest.mark.slow
async def test_structured_answer_round_trip_with_the_embedded_engine(
    embedded_backend: EmbeddedBackend, dataset: pd.DataFrame
) -> None:
    digest = build_digest(dataset, None)
    options = ModelOptions(num_ctx=1024, num_predict=256, temperature=0.2, seed=11)
    asked = await ask(
        "analysis",
        embedded_backend,
        options,
        ranked_facts(digest, PERSONA),
        _assemble,
        _schema,
        AnalysisAnswer,
    )

    assert asked.answer is not None, asked.raw_text
    assert asked.calls[0].json_schema is True
    given = {fact.id for fact in asked.facts}
    items = asked.answer.findings + asked.answer.recommendations
    assert 1 <= len(asked.answer.findings) <= 2
    # The schema restricts citations to the facts that were in the prompt.
    assert {fact_id for item in items for fact_id in item.facts} <= given
    assert asked.budget.truncated is False
    assert asked.budget.prompt_tokens_reported is not None


@pytest.fixture
def lying_server() -> Iterator[ScriptedServer]:
    """An Ollama-protocol server that always reports a 24-token prompt (C04) and
    answers with plain words, never JSON."""
    with ScriptedServer(Schedule(ttft_ms=5, interval_ms=1, tokens=6)) as server:
        yield server


async def test_truncated_prompt_is_retried_with_fewer_facts_then_kept_unstructured(
    lying_server: ScriptedServer, dataset: pd.DataFrame
) -> None:
    backend = OllamaBackend("scripted", lying_server.url)
    digest = build_digest(dataset, None)
    # No num_ctx sent: the server's window is unknown, so its low count is believed
    # (a prompt that fits a num_ctx the server was given cannot have been cut).
    asked = await ask(
        "analysis",
        backend,
        ModelOptions(),
        ranked_facts(digest, PERSONA),
        _assemble,
        _schema,
        AnalysisAnswer,
    )

    assert [call.stage for call in asked.calls] == [
        "analysis",
        "analysis (retry: prompt truncated)",
        "analysis (retry: invalid JSON)",
    ]
    first, retry, _ = asked.budgets
    assert first.truncated and retry.truncated
    assert retry.prompt_limit < first.prompt_limit
    assert "prompt truncated: the backend counted 24 prompt tokens" in (
        first.warning or ""
    )
    assert asked.answer is None
    assert asked.raw_text.startswith("w0 w1")
    await backend.aclose()
