"""Fixtures for the measurement tests: case inputs and scripted servers on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import typer

from chimera.backends.base import GenerationRequest, Message
from chimera.cli import compare_cmd, sweep_cmd
from chimera.options import ModelOptions
from chimera.servers.scripted import Schedule, ScriptedServer

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "cases"

# Short enough to keep the suite fast, long enough that the schedule dominates
# the client's own overhead.
FAST = Schedule(ttft_ms=20.0, interval_ms=4.0, tokens=8)


@pytest.fixture
def cases_dir() -> Path:
    return CASES


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedServer]]:
    """Start scripted servers on free loopback ports; all stop at teardown."""
    servers: list[ScriptedServer] = []

    def start(schedule: Schedule = FAST, **changes: object) -> ScriptedServer:
        if changes:
            schedule = Schedule(**{**schedule.__dict__, **changes})
        server = ScriptedServer(schedule).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def make_request() -> Callable[..., GenerationRequest]:
    """``make_request(num_ctx=512)``: a one-message chat with those options."""

    def build(text: str = "hello", **options: object) -> GenerationRequest:
        return GenerationRequest(
            messages=(Message("user", text),),
            options=ModelOptions.model_validate(options),
        )

    return build


@pytest.fixture
def cli_app() -> typer.Typer:
    """The measurement commands alone, as `chimera` registers them."""
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Measurement commands."""

    compare_cmd.register(app)
    sweep_cmd.register(app)
    return app
