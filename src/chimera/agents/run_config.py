"""Run configuration: from CLI flags and/or a TOML file, validated by pydantic.

A TOML file looks like::

    scenario = "chimera_hetero"

    [backend]            # default for every agent
    kind = "ollama"
    model = "gemma3:latest"

    [options]            # Chimera options shared by the Chimera agents
    num_ctx = 2048

    [agents.a.options]   # agent A only
    num_gpu = 80
    temperature = 0.6

    [agents.b.backend]   # agent B on its own endpoint
    kind = "ollama"
    model = "gemma3:latest"
    host = "http://127.0.0.1:11435"

Flags given on the command line win over the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chimera.backends.registry import BackendSpec
from chimera.errors import ConfigError, field_problems
from chimera.options import ModelOptions

ScenarioName = Literal["baseline_vs_chimera", "chimera_hetero", "chimera_homo"]


class AgentOverrides(BaseModel):
    """Per-agent settings; anything unset falls back to the run's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    persona: str | None = Field(None, description="Persona id to use for this agent.")
    backend: BackendSpec | None = None
    options: ModelOptions = Field(default_factory=ModelOptions)


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: ScenarioName = "baseline_vs_chimera"
    backend: BackendSpec = Field(default_factory=BackendSpec)
    options: ModelOptions = Field(default_factory=ModelOptions)
    agents: dict[Literal["a", "b"], AgentOverrides] = Field(default_factory=dict)


def format_validation_error(error: ValidationError, source: str) -> str:
    """One bullet per bad field, as the CLI prints it."""
    bullets = [f"  • {problem}" for problem in field_problems(error)]
    return "\n".join([f"{source} is invalid:", *bullets])


def load_run_config(path: Path) -> RunConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(
            f"cannot read config {path}: {error.strerror}",
            hint="pass an existing TOML file to --config",
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(
            format_validation_error(error, str(path)),
            hint="see the example at the top of chimera/agents/run_config.py",
        ) from error
