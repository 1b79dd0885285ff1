"""Flag parsing shared by the commands that take backends and model options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from chimera.backends.registry import BACKEND_KINDS, BackendSpec
from chimera.errors import UsageError, field_problems
from chimera.options import ModelOptions

# Flags that `chimera compare` and `chimera sweep` declare identically.
BackendFlag = Annotated[
    str, typer.Option("--backend", "-b", help="embedded | ollama | openai.")
]
ModelFlag = Annotated[
    str | None, typer.Option("--model", "-m", help="Model on the server.")
]
HostFlag = Annotated[str | None, typer.Option("--host", help="Server URL.")]
ModelPathFlag = Annotated[
    Path | None,
    typer.Option("--model-path", help="GGUF file for the embedded engine."),
]
TimeoutFlag = Annotated[float, typer.Option("--timeout", help="Per-call timeout, s.")]
MaxAttemptsFlag = Annotated[
    int,
    typer.Option(
        "--max-attempts", min=1, help="Tries per call (retries 5xx/timeouts)."
    ),
]
SystemFlag = Annotated[str | None, typer.Option("--system", help="System prompt.")]
MetricFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--metric", help="Metric to report (repeatable; default: the main four)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
NoProgressFlag = Annotated[bool, typer.Option("--no-progress", help="No progress bar.")]


def parse_option_pairs(pairs: list[str] | None, flag: str) -> dict[str, str]:
    """``["num_ctx=1024", "temperature=0.8"]`` -> ``{"num_ctx": "1024", ...}``."""
    parsed: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"{flag} expects NAME=VALUE, got {pair!r}",
                hint=f"e.g. {flag} num_ctx=1024",
            )
        parsed[name.strip()] = value.strip()
    return parsed


def build_options(values: dict[str, Any], source: str) -> ModelOptions:
    """Validate option values; each bad field becomes one bullet in the error."""
    try:
        return ModelOptions.model_validate(values)
    except ValidationError as error:
        bullets = "; ".join(field_problems(error))
        valid = ", ".join(ModelOptions.model_fields)
        raise UsageError(
            f"invalid options from {source}: {bullets}", hint=f"valid options: {valid}"
        ) from error


def build_backend_spec(
    kind: str,
    model: str | None,
    host: str | None,
    model_path: Path | None,
    timeout_s: float,
) -> BackendSpec:
    if kind not in BACKEND_KINDS:
        raise UsageError(
            f"unknown backend {kind!r}", hint=f"use one of: {', '.join(BACKEND_KINDS)}"
        )
    if kind in ("ollama", "openai") and not model:
        raise UsageError(
            f"the {kind} backend needs --model",
            hint=(
                "e.g. --model gemma3:latest "
                "(see `ollama list` or the server's /v1/models)"
            ),
        )
    if kind == "openai" and not host:
        raise UsageError(
            "the openai backend needs --host (the server's base URL)",
            hint="e.g. --host http://127.0.0.1:8000/v1",
        )
    return BackendSpec(
        kind=kind,
        model=model,
        host=host,
        model_path=model_path,
        timeout_s=timeout_s,
    )
