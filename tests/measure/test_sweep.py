"""Sweeps: grid parsing, warm-ups after reloads, failures, resume, and outputs."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from chimera.backends.ollama import OllamaBackend
from chimera.errors import UsageError
from chimera.measure.catalog import metric_specs
from chimera.measure.sweep import SweepPlan, parse_grid, prepare_out_dir, run_sweep
from chimera.measure.sweep_report import trials_csv, write_sweep_outputs
from chimera.servers.scripted import ScriptedServer


def _plan(runs: int = 2, **grid: list[object]) -> SweepPlan:
    return SweepPlan(
        grid=grid or {"num_ctx": [512, 1024], "temperature": [0.1, 0.2]},
        base_options={"num_predict": 8},
        runs=runs,
        prompt="hello",
        backend={"kind": "ollama", "model": "scripted"},
    )


def test_grid_values_are_typed_and_checked() -> None:
    grid = parse_grid(["num_gpu=60,80", "temperature=0.6, 0.8"])

    assert grid == {"num_gpu": [60, 80], "temperature": [0.6, 0.8]}
    with pytest.raises(UsageError, match="unknown option 'gpus'"):
        parse_grid(["gpus=1,2"])
    with pytest.raises(UsageError, match="bad value 'hot'"):
        parse_grid(["temperature=hot"])
    with pytest.raises(UsageError, match="NAME=V1,V2"):
        parse_grid(["num_ctx"])


def test_points_that_load_alike_run_together() -> None:
    plan = _plan(temperature=[0.1, 0.2], num_ctx=[512, 1024])

    keys = [point.key for point in plan.points()]

    assert keys == [
        "temperature=0.1,num_ctx=512",
        "temperature=0.2,num_ctx=512",
        "temperature=0.1,num_ctx=1024",
        "temperature=0.2,num_ctx=1024",
    ]


async def test_a_warm_up_follows_each_load_time_change(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted()
    plan = _plan()
    backend = OllamaBackend("scripted", server.url)
    journal = prepare_out_dir(tmp_path, plan, resume=False)

    trials = await run_sweep(plan, backend, journal)
    await backend.aclose()

    warmups = [t.config for t in trials if t.warmup]
    assert warmups == ["num_ctx=512,temperature=0.1", "num_ctx=1024,temperature=0.1"]
    assert sum(not t.warmup for t in trials) == plan.total_trials == 8
    assert journal.load() == trials


async def test_a_backend_error_mid_sweep_becomes_a_failed_trial(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted(fail_every=4)
    plan = _plan()
    backend = OllamaBackend("scripted", server.url)
    journal = prepare_out_dir(tmp_path, plan, resume=False)

    trials = await run_sweep(plan, backend, journal)
    await backend.aclose()
    paths = write_sweep_outputs(tmp_path, plan, trials, metric_specs(None))

    failed = [t for t in trials if t.status == "failed"]
    assert len(failed) == 2 and all(t.http_status == 500 for t in failed)
    assert sum(not t.warmup for t in trials) == 8
    table = pd.read_csv(paths["trials.csv"])
    bad = table[table["status"] == "failed"]
    assert len(table) == 8 and len(bad) == sum(not t.warmup for t in failed)
    assert bad["tokens_s"].isna().all() and bad["error"].str.contains("500").all()
    assert table.loc[table["status"] == "ok", "tokens_s"].gt(0).all()


async def test_resume_skips_finished_trials(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted()
    plan = _plan()
    backend = OllamaBackend("scripted", server.url)
    await run_sweep(plan, backend, prepare_out_dir(tmp_path, plan, resume=False))
    served = server.requests_received

    again = await run_sweep(plan, backend, prepare_out_dir(tmp_path, plan, resume=True))
    await backend.aclose()

    assert server.requests_received == served
    assert len(again) == 10


def test_resume_refuses_a_different_plan(tmp_path: Path) -> None:
    prepare_out_dir(tmp_path, _plan(runs=2), resume=False)

    with pytest.raises(UsageError, match="runs"):
        prepare_out_dir(tmp_path, _plan(runs=3), resume=True)


def test_a_fresh_sweep_will_not_overwrite_trials(tmp_path: Path) -> None:
    (tmp_path / "trials.jsonl").write_text("{}\n")

    with pytest.raises(UsageError, match="already holds trials") as caught:
        prepare_out_dir(tmp_path, _plan(), resume=False)

    assert "--resume" in (caught.value.hint or "")


async def test_outputs_name_the_best_point_per_metric(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted()
    plan = _plan(runs=3)
    backend = OllamaBackend("scripted", server.url)
    trials = await run_sweep(
        plan, backend, prepare_out_dir(tmp_path, plan, resume=False)
    )
    await backend.aclose()

    paths = write_sweep_outputs(tmp_path, plan, trials, metric_specs(None))

    summary = json.loads(paths["summary.json"].read_text())
    assert set(summary["best"]) == {
        "tokens_per_s", "ttft_ms", "wall_ms", "client_decode_tokens_per_s"
    }  # fmt: skip
    assert len(summary["points"]) == 4
    assert all(point["n_ok"] == 3 for point in summary["points"])
    assert "Best point per metric" in paths["summary.md"].read_text()
    table = pd.read_csv(io.StringIO(trials_csv(plan, trials)))
    assert list(table.columns[:5]) == [
        "config_name", "repetition", "num_ctx", "temperature", "num_predict"
    ]  # fmt: skip
    assert Counter(table["config_name"]) == {point.key: 3 for point in plan.points()}


@pytest.mark.slow
def test_cli_sweep_on_the_embedded_engine(cli_app: typer.Typer, tmp_path: Path) -> None:
    args = [
        "sweep", "--grid", "num_ctx=512,1024", "--grid", "temperature=0.6",
        "--option", "seed=1", "--runs", "2", "--num-predict", "8",
        "--out", str(tmp_path), "--json", "--no-progress",
    ]  # fmt: skip

    result = CliRunner().invoke(cli_app, args)

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [point["n_ok"] for point in summary["points"]] == [2, 2]
    # One warm-up per load-time setting, each with its own measured wall time.
    assert all(point["warmup_wall_ms"] > 0 for point in summary["points"])
    table = pd.read_csv(tmp_path / "trials.csv")
    assert table["num_ctx"].tolist() == [512, 512, 1024, 1024]
    assert table["tokens_s"].gt(0).all()
