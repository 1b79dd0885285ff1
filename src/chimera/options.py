"""Model options in Ollama's vocabulary, the lingua franca of the CLI and config files.

Baseline agents send no options at all (every field ``None``): the backend's defaults
apply. Chimera agents set some of them. Each backend maps these names onto its own.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Options that change how the model is loaded rather than how it samples. Changing one
# forces a reload on Ollama and a new llama.cpp context for the embedded engine.
LOAD_TIME_OPTIONS = frozenset({"num_ctx", "num_gpu", "num_batch", "num_thread"})


class ModelOptions(BaseModel):
    """Generation options; ``None`` means "leave it to the backend's default"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_gpu: int | None = Field(
        None, ge=0, description="Layers offloaded to the GPU (999 = all)."
    )
    num_ctx: int | None = Field(
        None, ge=64, le=1_048_576, description="Context window."
    )
    num_batch: int | None = Field(None, ge=1, description="Prompt batch size.")
    num_thread: int | None = Field(None, ge=1, description="CPU threads.")
    temperature: float | None = Field(None, ge=0.0, le=5.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    top_k: int | None = Field(None, ge=0)
    repeat_penalty: float | None = Field(None, ge=0.0, le=5.0)
    seed: int | None = Field(None, description="Sampling seed for repeatable output.")
    num_predict: int | None = Field(
        None, ge=1, description="Maximum tokens to generate."
    )

    def sent(self) -> dict[str, Any]:
        """Only the options that were set, as sent over the wire."""
        return self.model_dump(exclude_none=True)

    def described(self) -> dict[str, str]:
        """Every option with its value, or "default" where unset (for reports)."""
        return {
            name: "default" if value is None else str(value)
            for name, value in self.model_dump().items()
        }

    def load_time_key(self) -> tuple[tuple[str, Any], ...]:
        """The options that decide whether a loaded model can be reused."""
        return tuple(
            (name, value)
            for name, value in sorted(self.sent().items())
            if name in LOAD_TIME_OPTIONS
        )

    def merged(self, override: ModelOptions) -> ModelOptions:
        """These options with every field set in ``override`` replacing ours."""
        return ModelOptions(**{**self.sent(), **override.sent()})
