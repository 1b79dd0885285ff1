"""Backend kinds by name, and the one place that builds a backend from a spec."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chimera.backends.base import Backend
from chimera.errors import UsageError

BackendKind = Literal["embedded", "ollama", "openai"]
BACKEND_KINDS: tuple[str, ...] = ("embedded", "ollama", "openai")

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"


class BackendSpec(BaseModel):
    """Where and how to reach a model. Per agent, so agents may use different ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: BackendKind = Field("embedded", description="embedded | ollama | openai")
    model: str | None = Field(
        None, description="Model name on the server (Ollama tag, served model id)."
    )
    host: str | None = Field(
        None, description="Server URL (Ollama host or OpenAI-compatible base URL)."
    )
    model_path: Path | None = Field(
        None, description="GGUF file for the embedded engine (default: SmolLM2-135M)."
    )
    api_key: str | None = Field(None, description="API key for OpenAI-compatible APIs.")
    keep_alive: str | None = Field(
        None,
        description="How long Ollama keeps the model loaded after a call "
        "(e.g. '5m', '0'); unset = the server's default.",
    )
    timeout_s: float = Field(300.0, gt=0, description="Per-call timeout in seconds.")

    def resolved_host(self) -> str | None:
        if self.kind == "ollama":
            return self.host or os.environ.get("OLLAMA_HOST") or DEFAULT_OLLAMA_HOST
        return self.host


def create_backend(spec: BackendSpec) -> Backend:
    """Build the backend a spec describes; an unknown kind lists the valid ones."""
    if spec.kind == "embedded":
        from chimera.backends.embedded import EmbeddedBackend

        return EmbeddedBackend.from_spec(spec)
    if spec.kind == "ollama":
        from chimera.backends.ollama import OllamaBackend

        return OllamaBackend.from_spec(spec)
    if spec.kind == "openai":
        from chimera.backends.openai_compat import OpenAIBackend

        return OpenAIBackend.from_spec(spec)
    raise UsageError(
        f"unknown backend kind {spec.kind!r}",
        hint=f"use one of: {', '.join(BACKEND_KINDS)}",
    )
