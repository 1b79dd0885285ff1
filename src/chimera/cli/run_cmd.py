"""`chimera run DIR`: two persona agents analyse an artifact tree and write reports."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from chimera.agents.orchestrator import RunResult, run_scenario
from chimera.agents.personas import load_personas
from chimera.agents.run_config import AgentOverrides, RunConfig, load_run_config
from chimera.agents.scenarios import Scenario, build_agents
from chimera.agents.spec import AgentSpec
from chimera.cli.options_flags import (
    build_backend_spec,
    build_options,
    parse_option_pairs,
)
from chimera.errors import ChimeraError, IngestError
from chimera.outputs import default_run_dir

console = Console()


def run(
    artifacts_dir: Path = typer.Argument(..., help="Tree of benchmark artifacts."),
    scenario: Scenario | None = typer.Option(
        None,
        "--scenario",
        "-s",
        help="Which two agents to run (default baseline_vs_chimera).",
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help="Run config TOML."),
    personas: Path | None = typer.Option(
        None, "--personas", help="Extra persona TOML."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output folder (default chimera-runs/<UTC time>)."
    ),
    backend: str | None = typer.Option(
        None, "--backend", "-b", help="embedded (default) | ollama | openai."
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Model name on the server."
    ),
    host: str | None = typer.Option(
        None, "--host", help="Server URL (Ollama: also OLLAMA_HOST; OpenAI: base URL)."
    ),
    model_path: Path | None = typer.Option(
        None, "--model-path", help="GGUF file for the embedded engine."
    ),
    timeout_s: float | None = typer.Option(
        None,
        "--timeout",
        min=0.001,
        help="Per-call timeout, seconds (default 300, or the config's).",
    ),
    option: list[str] | None = typer.Option(
        None,
        "--option",
        "-O",
        help=(
            "Chimera option NAME=VALUE for every Chimera agent; the baseline "
            "sends none (repeatable)."
        ),
    ),
    a_option: list[str] | None = typer.Option(
        None, "--a-option", help="Option NAME=VALUE for agent A only."
    ),
    b_option: list[str] | None = typer.Option(
        None, "--b-option", help="Option NAME=VALUE for agent B only."
    ),
    agent_count: int = typer.Option(
        2, "--agents", "-n", min=1, help="Number of agents (slots A, B repeat)."
    ),
    speedup_runs: int = typer.Option(
        0,
        "--speedup-runs",
        min=0,
        help=(
            "Also measure speedup: run the agents one after another and together "
            "this many times (after a warm-up)."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No live status."),
) -> None:
    """Run two persona agents over ARTIFACTS_DIR and write their reports and metrics."""
    if not artifacts_dir.is_dir():
        raise IngestError(
            f"artifact directory {artifacts_dir} does not exist or is not a directory",
            hint="pass the root of a tree of benchmark results",
        )
    run_config = merge_run_config(
        load_run_config(config) if config else RunConfig(),
        scenario,
        backend,
        model,
        host,
        model_path,
        timeout_s,
        option,
        a_option,
        b_option,
    )
    agents = build_agents(run_config, load_personas(personas), agent_count)
    out_dir = out or default_run_dir()
    result = _execute(
        run_config.scenario, agents, artifacts_dir, out_dir, no_progress, speedup_runs
    )
    if as_json:
        print(json.dumps(_summary(result), indent=2))
    else:
        _print_result(result)
    if not result.outcomes:
        raise all_failed_error(result)
    if result.failures:
        raise typer.Exit(1)


def merge_run_config(
    base: RunConfig,
    scenario: Scenario | None,
    backend: str | None,
    model: str | None,
    host: str | None,
    model_path: Path | None,
    timeout_s: float | None,
    option: list[str] | None,
    a_option: list[str] | None,
    b_option: list[str] | None,
) -> RunConfig:
    """Flags win over the config file; unset flags leave the file's values."""
    data: dict[str, Any] = base.model_dump()
    if scenario is not None:
        data["scenario"] = scenario.value
    if backend or model or host or model_path or timeout_s is not None:
        spec = build_backend_spec(
            backend or base.backend.kind,
            model or base.backend.model,
            host or base.backend.host,
            model_path or base.backend.model_path,
            base.backend.timeout_s if timeout_s is None else timeout_s,
        )
        data["backend"] = spec.model_dump()
    if timeout_s is not None:
        # Agents on their own endpoints get the flag's timeout too.
        for agent in data["agents"].values():
            if agent["backend"] is not None:
                agent["backend"]["timeout_s"] = timeout_s
    shared = parse_option_pairs(option, "--option")
    data["options"] = build_options({**data["options"], **shared}, "--option").sent()
    for slot, pairs, flag in (
        ("a", a_option, "--a-option"),
        ("b", b_option, "--b-option"),
    ):
        values = parse_option_pairs(pairs, flag)
        if not values:
            continue
        agents = data.setdefault("agents", {})
        current = agents.get(slot) or AgentOverrides().model_dump()
        current["options"] = build_options(
            {**current["options"], **values}, flag
        ).sent()
        agents[slot] = current
    return RunConfig.model_validate(data)


def _execute(
    scenario: str,
    agents: list[AgentSpec],
    root: Path,
    out_dir: Path,
    quiet: bool,
    speedup_runs: int,
) -> RunResult:
    if quiet:
        return asyncio.run(
            run_scenario(
                scenario, agents, root, out_dir, speedup_repetitions=speedup_runs
            )
        )
    with console.status("running agents…") as status:

        def progress(agent_id: str, event: str) -> None:
            status.update(f"{agent_id}: {event}")
            console.log(f"{agent_id} {event}")

        return asyncio.run(
            run_scenario(
                scenario,
                agents,
                root,
                out_dir,
                progress=progress,
                speedup_repetitions=speedup_runs,
            )
        )


def _summary(result: RunResult) -> dict[str, Any]:
    concurrency = result.concurrency
    return {
        "scenario": result.scenario,
        "out_dir": str(result.out_dir),
        "concurrent_wall_ms": result.concurrent_wall_ms,
        "speedup": concurrency.speedup.to_dict() if concurrency else None,
        "files": [str(path) for path in result.files],
        "failures": result.failures,
    }


def all_failed_error(result: RunResult) -> ChimeraError:
    """One error for a run where no agent finished; a shared cause is said once."""
    causes = list(dict.fromkeys(result.failures.values()))
    if len(causes) == 1:
        message = f"every agent failed: {causes[0]}"
    else:
        labels = {spec.agent_id: spec.label for spec in result.agents}
        message = "every agent failed: " + "; ".join(
            f"{labels.get(agent_id, agent_id)}: {cause}"
            for agent_id, cause in result.failures.items()
        )
    written = ", ".join(path.name for path in result.files) or "nothing"
    return ChimeraError(message, hint=f"only {written} written to {result.out_dir}")


def _print_result(result: RunResult) -> None:
    table = Table(
        title=f"{result.scenario} — {result.concurrent_wall_ms / 1000:.1f} s wall"
    )
    for column in ("agent", "status", "tok/s", "TTFT ms", "total ms"):
        table.add_column(column)
    for spec in result.agents:
        outcome = result.outcomes.get(spec.agent_id)
        if outcome is None:
            table.add_row(
                spec.label, f"[red]failed[/]: {result.failures[spec.agent_id]}"
            )
            continue
        metrics = outcome.calls[-1].metrics
        table.add_row(
            spec.label,
            "ok",
            _fmt(metrics.tokens_per_s),
            _fmt(metrics.ttft_ms),
            _fmt(metrics.wall_ms),
        )
    console.print(table)
    if result.concurrency is not None:
        speedup = result.concurrency.speedup
        console.print(
            f"Measured speedup (sequential / concurrent wall): {_fmt(speedup.mean)}x, "
            f"95% CI [{_fmt(speedup.ci95_low)}, {_fmt(speedup.ci95_high)}]"
        )
    console.print("[bold]Written:[/]")
    for path in result.files:
        console.print(f"  {path}", highlight=False)


def _fmt(value: float | None) -> str:
    return "not reported" if value is None else f"{value:,.1f}"


def register(app: typer.Typer) -> None:
    app.command("run")(run)
