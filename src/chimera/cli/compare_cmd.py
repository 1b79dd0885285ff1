"""`chimera compare`: two configurations, same model and prompt, with intervals.

Also home of the backend flags and the progress view that `chimera sweep` shares.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from chimera.agents.run_config import load_run_config
from chimera.backends.base import Backend
from chimera.backends.registry import BackendSpec, create_backend
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
from chimera.measure.compare import (
    DEFAULT_PROMPT,
    ComparePlan,
    CompareResult,
    ConfigUnderTest,
    run_compare,
)
from chimera.measure.compare_report import render_compare, write_compare
from chimera.measure.retry import RetryingBackend, RetryPolicy
from chimera.measure.trials import Trial
from chimera.options import ModelOptions

console = Console()
err_console = Console(stderr=True)


def default_out_dir(command: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("chimera-runs") / f"{command}-{stamp}"


def open_backend(spec: BackendSpec, max_attempts: int) -> Backend:
    """The backend a spec describes, retrying transient failures when asked."""
    backend = create_backend(spec)
    if max_attempts <= 1:
        return backend
    return RetryingBackend(backend, RetryPolicy(max_attempts=max_attempts))


@contextmanager
def trial_progress(
    description: str, total: int, *, enabled: bool, done: int = 0
) -> Iterator[Callable[[Trial], None]]:
    """A Rich progress bar on stderr, advanced once per measured trial."""
    if not enabled:
        yield lambda trial: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task(description, total=total, completed=done)

        def advance(trial: Trial) -> None:
            what = "warm-up" if trial.warmup else f"run {trial.repetition}"
            progress.update(
                task,
                advance=0 if trial.warmup else 1,
                description=f"{description} · {trial.config} {what}: {trial.status}",
            )

        yield advance


def config_options(
    common: ModelOptions, config_file: Path | None, pairs: list[str] | None, flag: str
) -> ModelOptions:
    """Common options, then the TOML file's ``[options]``, then the flags."""
    options = common
    if config_file is not None:
        options = options.merged(load_run_config(config_file).options)
    flags = build_options(parse_option_pairs(pairs, flag), flag)
    return options.merged(flags)


def compare(
    a_option: list[str] | None = typer.Option(
        None, "--a-option", help="Option of config A, NAME=VALUE (repeatable)."
    ),
    b_option: list[str] | None = typer.Option(
        None, "--b-option", help="Option of config B, NAME=VALUE (repeatable)."
    ),
    a_config: Path | None = typer.Option(
        None, "--a-config", help="TOML whose \\[options] table configures A."
    ),
    b_config: Path | None = typer.Option(
        None, "--b-config", help="TOML whose \\[options] table configures B."
    ),
    option: list[str] | None = typer.Option(
        None, "--option", help="Option sent by both configs, NAME=VALUE."
    ),
    a_label: str = typer.Option("baseline", "--a-label", help="Name of config A."),
    b_label: str = typer.Option("chimera", "--b-label", help="Name of config B."),
    runs: int = typer.Option(
        5, "--runs", "-n", min=2, help="Measured runs per config."
    ),
    warmup: int = typer.Option(1, "--warmup", min=0, help="Warm-up runs per config."),
    num_predict: int = typer.Option(
        64, "--num-predict", min=1, help="Token cap for both configs (comparable runs)."
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
        None, "--out", "-o", help="Output folder (default chimera-runs/compare-<time>)."
    ),
    as_json: JsonFlag = False,
    no_progress: NoProgressFlag = False,
) -> None:
    """Compare config A against B: interleaved runs, deltas with 95 % CI, Welch p."""
    spec = build_backend_spec(backend, model, host, model_path, timeout_s)
    common = build_options(
        {**parse_option_pairs(option, "--option"), "num_predict": num_predict},
        "--option",
    )
    plan = ComparePlan(
        a=ConfigUnderTest(
            a_label, config_options(common, a_config, a_option, "--a-option")
        ),
        b=ConfigUnderTest(
            b_label, config_options(common, b_config, b_option, "--b-option")
        ),
        runs=runs,
        warmup=warmup,
        prompt=prompt,
        system=system,
        metrics=tuple(metric or ()),
    )
    out_dir = out or default_out_dir("compare")
    result = asyncio.run(_run(plan, spec, max_attempts, not no_progress))
    json_path, md_path = write_compare(result, out_dir)
    if as_json:
        console.print_json(json.dumps(result.to_dict(), allow_nan=False))
        return
    console.print(Markdown(render_compare(result)))
    console.print(f"wrote {md_path} and {json_path}")


async def _run(
    plan: ComparePlan, spec: BackendSpec, max_attempts: int, progress: bool
) -> CompareResult:
    backend_a = open_backend(spec, max_attempts)
    backend_b: Backend | None = None
    # The embedded engine holds one loaded model per instance: configs that load
    # differently each get their own, so no run pays for a reload.
    if spec.kind == "embedded" and (
        plan.a.options.load_time_key() != plan.b.options.load_time_key()
    ):
        backend_b = open_backend(spec, max_attempts)
    total = 2 * plan.runs
    try:
        with trial_progress("compare", total, enabled=progress) as advance:
            return await run_compare(plan, backend_a, backend_b, on_trial=advance)
    finally:
        await backend_a.aclose()
        if backend_b is not None:
            await backend_b.aclose()


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
