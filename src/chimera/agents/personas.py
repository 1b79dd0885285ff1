"""Personas: the system prompts that make an agent a collector or an analyst.

Two personas ship in ``personas.toml`` beside this module. Users add their own in a
TOML file of the same shape (``[personas.<id>]`` tables) passed with ``--personas``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chimera.errors import ConfigError, UsageError, field_problems


class Persona(BaseModel):
    """A persona prompt and the report sections it is asked to fill."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Stable identifier, e.g. 'datacollector'.")
    name: str = Field(description="Display name, e.g. 'DataCollector-9000'.")
    agent_type: str = Field(
        description="Short role, printed as the report's Agent Type."
    )
    system_prompt: str = Field(min_length=20, description="The persona prompt.")
    focus: list[str] = Field(
        default_factory=list,
        description="What this persona's findings must cover, one item per line.",
    )


def _parse(text: str, source: str) -> dict[str, Persona]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{source} is not valid TOML: {error}", hint="check the line it names"
        ) from error
    personas: dict[str, Persona] = {}
    for persona_id, table in raw.get("personas", {}).items():
        try:
            personas[persona_id] = Persona(id=persona_id, **table)
        except ValidationError as error:
            fields = "; ".join(field_problems(error))
            raise ConfigError(
                f"persona {persona_id!r} in {source} is invalid: {fields}",
                hint="see personas.toml shipped with chimera for the shape",
            ) from error
    return personas


def builtin_personas() -> dict[str, Persona]:
    """The personas that ship with Chimera."""
    text = resources.files("chimera.agents").joinpath("personas.toml").read_text()
    return _parse(text, "built-in personas.toml")


def load_personas(extra_file: Path | None = None) -> dict[str, Persona]:
    """Built-in personas, plus (and overridden by) those in ``extra_file``."""
    personas = builtin_personas()
    if extra_file is None:
        return personas
    try:
        text = extra_file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot read persona file {extra_file}: {error.strerror}",
            hint="pass an existing TOML file to --personas",
        ) from error
    personas.update(_parse(text, str(extra_file)))
    return personas


def get_persona(personas: dict[str, Persona], persona_id: str) -> Persona:
    try:
        return personas[persona_id]
    except KeyError:
        raise UsageError(
            f"unknown persona {persona_id!r}",
            hint=f"known personas: {', '.join(sorted(personas))}",
        ) from None
