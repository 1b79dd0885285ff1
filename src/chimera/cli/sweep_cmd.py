"""`chimera sweep`: a grid of options, N runs per point, resumable with --resume."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown

from chimera.backends.registry import BackendSpec
from chimera.cli.compare_cmd import default_out_dir, open_backend, trial_progress
from chimera.cli.options_flags import (
    BackendFlag,
    HostFlag,
    JsonFlag,
    MaxAttemptsFlag,
    MetricFlag,
    ModelFlag,
    ModelPathFlag,
    NoProgressFlag,
    SystemFlag,
    TimeoutFlag,
    build_backend_spec,
    build_options,
    parse_option_pairs,
)
from chimera.errors import UsageError
from chimera.measure.catalog import metric_specs
from chimera.measure.compare import DEFAULT_PROMPT
from chimera.measure.journal import TrialJournal
from chimera.measure.sweep import SweepPlan, parse_grid, prepare_out_dir, run_sweep
from chimera.measure.sweep_report import write_sweep_outputs
from chimera.measure.trials import Trial

console = Console()


def sweep(
    grid: list[str] = typer.Option(
        ..., "--grid", "-g", help="NAME=V1,V2,... one per option (repeatable)."
    ),
    runs: int = typer.Option(3, "--runs", "-n", min=1, help="Measured runs per point."),
    option: list[str] | None = typer.Option(
        None, "--option", help="Option fixed for every point, NAME=VALUE."
    ),
    num_predict: int = typer.Option(
        64, "--num-predict", min=1, help="Token cap for every call (comparable runs)."
    ),
    prompt: str = typer.Option(DEFAULT_PROMPT, "--prompt", help="User prompt."),
    system: SystemFlag = None,
    metric: MetricFlag = None,
    backend: BackendFlag = "embedded",
    model: ModelFlag = None,
    host: HostFlag = None,
    model_path: ModelPathFlag = None,
    timeout_s: TimeoutFlag = 300.0,
    max_attempts: MaxAttemptsFlag = 3,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Sweep folder (default chimera-runs/sweep-<time>)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Continue the sweep in --out, skipping finished trials."
    ),
    as_json: JsonFlag = False,
    no_progress: NoProgressFlag = False,
) -> None:
    """Run every grid point N times; each trial is saved the moment it finishes."""
    if resume and out is None:
        raise UsageError("--resume needs --out", hint="pass the folder of the sweep")
    spec = build_backend_spec(backend, model, host, model_path, timeout_s)
    base = build_options(
        {**parse_option_pairs(option, "--option"), "num_predict": num_predict},
        "--option",
    )
    plan = SweepPlan(
        grid=parse_grid(grid),
        base_options=base.sent(),
        runs=runs,
        prompt=prompt,
        system=system,
        backend=_describe(spec),
    )
    specs = metric_specs(metric)
    out_dir = out or default_out_dir("sweep")
    journal = prepare_out_dir(out_dir, plan, resume=resume)
    trials = asyncio.run(_run(plan, spec, journal, max_attempts, not no_progress))
    paths = write_sweep_outputs(out_dir, plan, trials, specs)
    if as_json:
        summary = json.loads(paths["summary.json"].read_text("utf-8"))
        console.print_json(json.dumps(summary, allow_nan=False))
        return
    console.print(Markdown(paths["summary.md"].read_text("utf-8")))
    console.print(f"wrote {out_dir} ({', '.join(paths)}, {journal.path.name})")


async def _run(
    plan: SweepPlan,
    spec: BackendSpec,
    journal: TrialJournal,
    max_attempts: int,
    progress: bool,
) -> list[Trial]:
    done = sum(not t.warmup for t in journal.load())
    backend = open_backend(spec, max_attempts)
    try:
        with trial_progress(
            "sweep", plan.total_trials, enabled=progress, done=done
        ) as advance:
            return await run_sweep(plan, backend, journal, on_trial=advance)
    finally:
        await backend.aclose()


def _describe(spec: BackendSpec) -> dict[str, str | None]:
    return {
        "kind": spec.kind,
        "model": spec.model,
        "host": spec.resolved_host(),
        "model_path": str(spec.model_path) if spec.model_path else None,
    }


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
