"""Fitting the prompt into the context window, and noticing when it did not fit.

A prompt longer than ``num_ctx`` is not refused: Ollama silently drops its start
and answers anyway, so a report can rest on facts the model never saw. Chimera
therefore counts the prompt before sending it (the backend's tokenizer where it
has one, a deliberately pessimistic estimate otherwise), keeps the most
important facts that fit beside the tokens reserved for the answer, and says how
many it left out. After the call it compares the prompt size the backend reports
with its own count and flags a prompt that came back much shorter.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace

from chimera.analysis.facts import Fact
from chimera.backends.base import Backend, Message
from chimera.errors import UsageError
from chimera.metrics.record import CallMetrics
from chimera.options import ModelOptions

logger = logging.getLogger(__name__)

# Used when the agent does not set num_ctx: the embedded engine's default, and the
# smallest default among the servers we talk to, so the prompt fits either way.
DEFAULT_NUM_CTX = 2048
# Tokens kept free for the answer when num_predict is unset, per call.
DEFAULT_ANSWER_TOKENS = 512
# Chat-template tokens around each message, and a margin for the whole prompt.
MESSAGE_OVERHEAD_TOKENS = 8
SAFETY_TOKENS = 16
# Pessimistic estimate: small-vocabulary tokenizers split every digit, so
# number-heavy fact lines run near two characters per token.
ESTIMATE_CHARS_PER_TOKEN = 1.8
MAX_CHARS_PER_TOKEN = 8.0
# A reported prompt below this share of the expected size was cut short.
TRUNCATION_RATIO = {"tokenizer": 0.9, "estimate": 0.5}

Assemble = Callable[[Sequence[Fact], int], tuple[Message, ...]]


@dataclass(frozen=True)
class PromptBudget:
    """How one call's prompt was fitted, and what the backend said about it."""

    stage: str
    num_ctx: int
    num_ctx_source: str
    answer_tokens: int
    prompt_limit: int
    prompt_tokens_expected: int
    count_method: str
    facts_total: int
    facts_kept: int
    prompt_tokens_reported: int | None = None
    truncated: bool | None = None
    warning: str | None = None

    @property
    def facts_left_out(self) -> int:
        return self.facts_total - self.facts_kept

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "facts_left_out": self.facts_left_out}


class TokenCounter:
    """Counts prompt tokens with the backend's tokenizer, else estimates."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.method = "tokenizer" if backend.capabilities.tokenizer else "estimate"

    async def count(self, text: str) -> int:
        if self.method == "tokenizer":
            counted = await self._backend.count_tokens(text)
            if counted is not None:
                return counted
            self.method = "estimate"
        return estimate_tokens(text)

    async def count_messages(self, messages: Sequence[Message]) -> int:
        total = sum([await self.count(message.content) for message in messages])
        return total + MESSAGE_OVERHEAD_TOKENS * len(messages) + SAFETY_TOKENS


def estimate_tokens(text: str) -> int:
    """A token count that errs high, for backends without a tokenizer.

    >>> estimate_tokens("x" * 90)
    50
    """
    return math.ceil(len(text) / ESTIMATE_CHARS_PER_TOKEN)


def context_size(options: ModelOptions) -> tuple[int, str]:
    """The context window the call will get, and where that number came from."""
    if options.num_ctx is not None:
        return options.num_ctx, "num_ctx option"
    return DEFAULT_NUM_CTX, f"assumed default ({DEFAULT_NUM_CTX}; num_ctx not set)"


def answer_tokens(options: ModelOptions, num_ctx: int) -> int:
    """Tokens reserved for the answer.

    num_predict when set (at most half the window); otherwise a default of at
    most a quarter of the window, the schema then sizing the answer to fit.

    >>> answer_tokens(ModelOptions(), 512), answer_tokens(ModelOptions(), 4096)
    (128, 512)
    >>> answer_tokens(ModelOptions(num_predict=384), 512)
    256
    """
    if options.num_predict is not None:
        return min(options.num_predict, num_ctx // 2)
    return min(DEFAULT_ANSWER_TOKENS, num_ctx // 4)


async def fit_facts(
    stage: str,
    ranked: Sequence[Fact],
    assemble: Assemble,
    counter: TokenCounter,
    options: ModelOptions,
    *,
    share: float = 1.0,
) -> tuple[tuple[Message, ...], list[Fact], PromptBudget]:
    """The messages with as many of the top-ranked facts as fit.

    ``share`` below 1 shrinks the room for the prompt, for a retry after a
    truncated call. Raises ``UsageError`` when not even a prompt without facts
    fits.
    """
    num_ctx, source = context_size(options)
    reserve = answer_tokens(options, num_ctx)
    limit = int((num_ctx - reserve) * share)
    base = await counter.count_messages(assemble([], len(ranked)))
    if base > limit:
        raise UsageError(
            f"the {stage} prompt needs {base} tokens without any facts, but "
            f"num_ctx {num_ctx} leaves {limit} after {reserve} reserved for the answer",
            hint="raise num_ctx (e.g. -O num_ctx=2048) or lower num_predict",
        )
    kept = await _select(ranked, assemble, counter, limit)
    messages = assemble(kept, len(ranked) - len(kept))
    expected = await counter.count_messages(messages)
    budget = PromptBudget(
        stage, num_ctx, source, reserve, limit, expected, counter.method,
        len(ranked), len(kept),
    )  # fmt: skip
    logger.info(
        "%s prompt: %d of %d facts, %d tokens of %d (num_ctx %d, %d for the answer)",
        stage, len(kept), len(ranked), expected, limit, num_ctx, reserve,
    )  # fmt: skip
    return messages, kept, budget


async def _select(
    ranked: Sequence[Fact],
    assemble: Assemble,
    counter: TokenCounter,
    limit: int,
) -> list[Fact]:
    """Greedy by rank on per-line counts, then trimmed on the whole prompt's count.

    Lines are counted one by one (cheap, and additive to within a token or two per
    line); the assembled prompt is then counted once and trimmed from the least
    important end until it fits.
    """
    used = await counter.count_messages(assemble([], len(ranked)))
    kept: list[Fact] = []
    for fact in ranked:
        line = fact.line()
        # No tokenizer packs more than this many characters into a token: a line
        # that cannot fit even so is not worth a tokenizer call.
        if used + len(line) / MAX_CHARS_PER_TOKEN > limit:
            continue
        cost = await counter.count(line) + 1
        if used + cost <= limit:
            kept.append(fact)
            used += cost
    while kept:
        messages = assemble(kept, len(ranked) - len(kept))
        if await counter.count_messages(messages) <= limit:
            break
        kept.pop()
    return kept


def check_truncation(budget: PromptBudget, metrics: CallMetrics) -> PromptBudget:
    """The budget with the backend's prompt count and a warning if it fell short."""
    reported = metrics.prompt_tokens
    if reported is None:
        unchecked = (
            "the backend reported no prompt token count, so truncation could not "
            "be checked"
        )
        return replace(budget, warning=unchecked)
    # The backend knows whether num_ctx reached the server and what its count
    # means (a prompt cache lowers Ollama's); its verdict wins when it gave one.
    truncated = metrics.prompt_truncated
    if truncated is None:
        floor = budget.prompt_tokens_expected * TRUNCATION_RATIO[budget.count_method]
        truncated = reported < floor
    warning: str | None = None
    if truncated:
        warning = (
            f"prompt truncated: the backend counted {reported} prompt tokens where "
            f"{budget.prompt_tokens_expected} were sent (num_ctx {budget.num_ctx})"
        )
        logger.warning("%s call: %s", budget.stage, warning)
    return replace(
        budget, prompt_tokens_reported=reported, truncated=truncated, warning=warning
    )
