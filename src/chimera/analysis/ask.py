"""One grounded model call: fit the facts, ask for JSON, check, retry at most twice.

The steps every agent call shares: fit the top-ranked facts into the context
window, ask for an answer in a JSON schema (enforced by the backend where it can),
compare the prompt size the backend reports with what was sent, and read the
answer back. A truncated prompt is retried once with half the room for facts; an
answer that is not valid JSON is retried once with a shorter schema and an
explicit example. After that the raw text is kept, marked unstructured.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from chimera.analysis.answer_schema import Answer, parse_answer
from chimera.analysis.budget import PromptBudget, TokenCounter, check_truncation
from chimera.analysis.budget import fit_facts as fit
from chimera.analysis.facts import Fact
from chimera.backends.base import Backend, GenerationRequest, Message
from chimera.metrics.record import CallMetrics
from chimera.options import ModelOptions

logger = logging.getLogger(__name__)

# (facts, how many were left out, whether to show a JSON example) -> messages
Assemble = Callable[[Sequence[Fact], int, bool], tuple[Message, ...]]
# (fact ids in the prompt, tokens reserved for the answer) -> JSON schema
SchemaFor = Callable[[list[str], int], dict[str, Any]]
# A retry for truncation gets this share of the room the first prompt had.
TRUNCATION_RETRY_SHARE = 0.5


@dataclass(frozen=True)
class CallRecord:
    """One model call as sent and as answered, for metrics.json."""

    stage: str
    messages: tuple[Message, ...]
    response_text: str
    metrics: CallMetrics
    json_schema: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "response": self.response_text,
            "json_schema": self.json_schema,
            "metrics": self.metrics.to_dict(),
        }


@dataclass(frozen=True)
class Asked(Generic[Answer]):
    """What one grounded call produced."""

    answer: Answer | None
    raw_text: str
    calls: tuple[CallRecord, ...]
    budgets: tuple[PromptBudget, ...]
    facts: tuple[Fact, ...]

    @property
    def budget(self) -> PromptBudget:
        """The budget of the call whose answer was kept."""
        return self.budgets[-1]


@dataclass
class _Call:
    """Everything fixed for one stage's attempts."""

    stage: str
    backend: Backend
    options: ModelOptions
    ranked: Sequence[Fact]
    assemble: Assemble
    schema_for: SchemaFor
    counter: TokenCounter


async def ask(
    stage: str,
    backend: Backend,
    options: ModelOptions,
    ranked: Sequence[Fact],
    assemble: Assemble,
    schema_for: SchemaFor,
    shape: type[Answer],
) -> Asked[Answer]:
    """Run the stage's call (and its retries) and read the answer as ``shape``."""
    call = _Call(
        stage, backend, options, ranked, assemble, schema_for, TokenCounter(backend)
    )
    records: list[CallRecord] = []
    budgets: list[PromptBudget] = []
    record, budget, kept = await _attempt(call, stage, 1.0, example=False)
    records.append(record)
    budgets.append(budget)
    if budget.truncated:
        retry = f"{stage} (retry: prompt truncated)"
        record, budget, kept = await _attempt(
            call, retry, TRUNCATION_RETRY_SHARE, example=False
        )
        records.append(record)
        budgets.append(budget)
    answer = parse_answer(record.response_text, shape)
    if answer is None:
        logger.warning("%s answer is not valid JSON; retrying once", stage)
        retry = f"{stage} (retry: invalid JSON)"
        share = TRUNCATION_RETRY_SHARE if budget.truncated else 1.0
        record, budget, kept = await _attempt(call, retry, share, example=True)
        records.append(record)
        budgets.append(budget)
        answer = parse_answer(record.response_text, shape)
    return Asked(answer, record.response_text, tuple(records), tuple(budgets), kept)


async def _attempt(
    call: _Call, stage: str, share: float, *, example: bool
) -> tuple[CallRecord, PromptBudget, tuple[Fact, ...]]:
    structured = call.backend.capabilities.json_schema
    show_example = example or not structured

    def assemble(facts: Sequence[Fact], left_out: int) -> tuple[Message, ...]:
        return call.assemble(facts, left_out, show_example)

    messages, kept, budget = await fit(
        stage, call.ranked, assemble, call.counter, call.options, share=share
    )
    schema = None
    if structured:
        # A retry after invalid JSON halves the room per string: the usual cause
        # is an answer cut off by the token limit before the JSON closed.
        room = budget.answer_tokens // 2 if example else budget.answer_tokens
        schema = call.schema_for([fact.id for fact in kept], room)
    request = GenerationRequest(
        messages=messages,
        options=call.options,
        json_schema=schema,
        expected_prompt_tokens=budget.prompt_tokens_expected,
        expected_prompt_tokens_exact=budget.count_method == "tokenizer",
    )
    result = await call.backend.generate(request)
    budget = check_truncation(budget, result.metrics)
    record = CallRecord(
        stage, messages, result.text, result.metrics, schema is not None
    )
    return record, budget, tuple(kept)
