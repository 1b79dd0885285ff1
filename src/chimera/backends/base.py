"""The interface every model backend implements, and what a call returns.

A backend is anything that turns chat messages into streamed text plus one
``CallMetrics`` record: the embedded llama.cpp engine, an Ollama server, or an
OpenAI-compatible server. Backends declare their capabilities so callers can check
them before relying on, say, JSON-schema constrained output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from chimera.metrics.record import CallMetrics
from chimera.options import ModelOptions

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """One chat call. ``json_schema`` asks for output constrained to that schema."""

    messages: tuple[Message, ...]
    options: ModelOptions = field(default_factory=ModelOptions)
    json_schema: dict[str, Any] | None = None
    # Client-side estimate of the prompt size, to detect silent truncation.
    expected_prompt_tokens: int | None = None
    # True when that size was counted by the model's tokenizer; an estimate errs
    # high on purpose, so a server count well below it is not by itself a cut.
    expected_prompt_tokens_exact: bool = False


@dataclass(frozen=True)
class GenerationResult:
    text: str
    metrics: CallMetrics


@dataclass(frozen=True)
class Capabilities:
    streaming: bool = True
    json_schema: bool = False
    tokenizer: bool = False
    # Whether concurrent calls are served in parallel (False: queued one by one).
    parallel_requests: bool = True


@runtime_checkable
class Backend(Protocol):
    """What the agents and the measurement code need from a model backend."""

    kind: str
    endpoint: str
    model: str
    capabilities: Capabilities

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        """Run one streamed chat call and measure it.

        Raises a ``chimera.errors.BackendError`` subclass on any failure.
        """
        ...

    async def count_tokens(self, text: str) -> int | None:
        """Tokens in ``text`` by the backend's own tokenizer, or None if it has none."""
        ...

    async def aclose(self) -> None:
        """Release connections or model memory."""
        ...
