"""The prompt fits num_ctx beside the answer; truncation is noticed afterwards."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from chimera.agents.personas import builtin_personas
from chimera.analysis.budget import (
    PromptBudget,
    TokenCounter,
    check_truncation,
    estimate_tokens,
    fit_facts,
)
from chimera.analysis.digest import build_digest
from chimera.analysis.facts import Digest, FactBuilder, FactKind
from chimera.analysis.prompts import analysis_messages, ranked_facts
from chimera.backends.base import Backend
from chimera.backends.embedded import EmbeddedBackend
from chimera.backends.ollama import OllamaBackend
from chimera.errors import UsageError
from chimera.metrics.record import CallMetrics
from chimera.options import ModelOptions

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"


def _big_digest(dataset: pd.DataFrame, extra: int = 150) -> Digest:
    """The fixture's facts plus many long config facts, far more than 2048 tokens."""
    builder = FactBuilder()
    for fact in build_digest(dataset, None).facts:
        builder.add(fact.kind, fact.text, tier=fact.tier, sources=fact.sources)
    for index in range(extra):
        builder.add(
            FactKind.CONFIG,
            f"model-{index} num_gpu={index} num_ctx=4096: throughput (tok/s) "
            f"{50 + index / 7:.2f}; TTFT (ms) {300 + index * 3.3:.1f} (1 run).",
            sources=(f"reports/run_{index}.csv",),
        )
    return Digest(builder.facts())


def _assemble(facts, left_out):
    persona = builtin_personas()["insight"]
    return analysis_messages(persona, facts, left_out, json_example=False)


async def _fit(backend: Backend, digest: Digest, options: ModelOptions):
    ranked = ranked_facts(digest, builtin_personas()["insight"])
    counter = TokenCounter(backend)
    messages, kept, budget = await fit_facts(
        "analysis", ranked, _assemble, counter, options
    )
    return messages, kept, budget, counter


@pytest.mark.parametrize(("num_ctx", "num_predict"), [(512, 128), (2048, 384)])
async def test_prompt_fits_num_ctx_by_the_real_tokenizer(
    embedded_backend: EmbeddedBackend,
    dataset: pd.DataFrame,
    num_ctx: int,
    num_predict: int,
) -> None:
    digest = _big_digest(dataset)
    options = ModelOptions(num_ctx=num_ctx, num_predict=num_predict)
    messages, kept, budget, _ = await _fit(embedded_backend, digest, options)

    text = "".join(message.content for message in messages)
    counted = sum(
        [await embedded_backend.count_tokens(m.content) or 0 for m in messages]
    )
    assert budget.count_method == "tokenizer"
    assert counted + num_predict < num_ctx
    assert budget.prompt_tokens_expected <= num_ctx - num_predict
    assert 0 < budget.facts_kept < len(digest.facts)
    assert budget.facts_left_out == len(digest.facts) - len(kept)
    assert f"({budget.facts_left_out} less important facts were left out" in text
    # The most important facts are the ones kept.
    ranked = ranked_facts(digest, builtin_personas()["insight"])
    assert kept[0] == ranked[0]


async def test_bigger_window_keeps_more_facts(
    embedded_backend: EmbeddedBackend, dataset: pd.DataFrame
) -> None:
    digest = _big_digest(dataset)
    small = await _fit(embedded_backend, digest, ModelOptions(num_ctx=512))
    large = await _fit(embedded_backend, digest, ModelOptions(num_ctx=2048))
    assert small[2].facts_kept < large[2].facts_kept
    # num_predict unset: a quarter of the window at most is kept for the answer.
    assert small[2].answer_tokens == 128
    assert large[2].answer_tokens == 512


async def test_without_a_tokenizer_the_estimate_errs_high(
    embedded_backend: EmbeddedBackend, dataset: pd.DataFrame
) -> None:
    digest = _big_digest(dataset)
    ollama = OllamaBackend("any-model", "http://127.0.0.1:9")
    messages, _, budget, _ = await _fit(ollama, digest, ModelOptions(num_ctx=2048))
    assert budget.count_method == "estimate"
    real = sum([await embedded_backend.count_tokens(m.content) or 0 for m in messages])
    assert real <= budget.prompt_tokens_expected <= budget.prompt_limit
    assert budget.num_ctx_source == "num_ctx option"


async def test_unset_num_ctx_assumes_the_embedded_default(
    embedded_backend: EmbeddedBackend, dataset: pd.DataFrame
) -> None:
    _, _, budget, _ = await _fit(
        embedded_backend, build_digest(dataset, None), ModelOptions()
    )
    assert budget.num_ctx == 2048
    assert budget.num_ctx_source.startswith("assumed default")
    assert budget.facts_left_out == 0


async def test_a_window_too_small_for_the_persona_is_a_usage_error(
    embedded_backend: EmbeddedBackend, dataset: pd.DataFrame
) -> None:
    with pytest.raises(UsageError, match="num_ctx 128"):
        await _fit(
            embedded_backend, build_digest(dataset, None), ModelOptions(num_ctx=128)
        )


def test_estimate_is_pessimistic_for_digits() -> None:
    assert estimate_tokens("1234567890" * 9) == 50


def _budget(expected: int, method: str = "tokenizer") -> PromptBudget:
    return PromptBudget("analysis", 8192, "num_ctx option", 512, 7680, expected,
                        method, 40, 40)  # fmt: skip


def _metrics(prompt_tokens: int | None) -> CallMetrics:
    return CallMetrics(
        backend="ollama", endpoint="http://127.0.0.1:11434", model="demo-20b",
        ttft_ms=9850.0, wall_ms=14200.0, prompt_tokens=prompt_tokens,
    )  # fmt: skip


def test_c04_silent_truncation_is_detected() -> None:
    case = json.loads((CASES / "C04" / "truncated_call.json").read_text())
    expected = case["request"]["client_estimated_prompt_tokens"]
    reported = case["response"]["prompt_eval_count"]

    budget = check_truncation(_budget(expected, "estimate"), _metrics(reported))
    assert budget.truncated is True
    assert budget.prompt_tokens_reported == 4098
    assert "4098 prompt tokens where 20480 were sent" in (budget.warning or "")


def test_a_prompt_counted_as_sent_is_not_truncated() -> None:
    budget = check_truncation(_budget(1500), _metrics(1496))
    assert (budget.truncated, budget.warning) == (False, None)


def test_a_missing_prompt_count_cannot_be_checked() -> None:
    budget = check_truncation(_budget(1500), _metrics(None))
    assert budget.truncated is None
    assert "could not be checked" in (budget.warning or "")


def test_the_backends_verdict_on_truncation_wins() -> None:
    # Ollama with num_ctx sent and a cached prefix: 124 evaluated of 924 sent.
    metrics = replace(_metrics(124), prompt_truncated=False)

    budget = check_truncation(_budget(924, "estimate"), metrics)

    assert (budget.truncated, budget.warning) == (False, None)
    assert budget.prompt_tokens_reported == 124
