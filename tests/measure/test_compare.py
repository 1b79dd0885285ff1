"""`chimera compare` and its core: interleaved runs, deltas, the written report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chimera.backends.ollama import OllamaBackend
from chimera.measure.compare import ComparePlan, ConfigUnderTest, run_compare
from chimera.measure.compare_report import render_compare, write_compare
from chimera.options import ModelOptions
from chimera.servers.scripted import ScriptedServer


def _plan(runs: int = 3, same: bool = False) -> ComparePlan:
    b_options = ModelOptions() if same else ModelOptions(temperature=0.2)
    return ComparePlan(
        a=ConfigUnderTest("baseline", ModelOptions()),
        b=ConfigUnderTest("chimera", b_options),
        runs=runs,
        warmup=1,
    )


async def test_runs_alternate_and_every_metric_gets_a_delta(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted()
    backend = OllamaBackend("scripted", server.url)
    seen: list[str] = []

    result = await run_compare(
        _plan(), backend, on_trial=lambda t: seen.append(t.config)
    )
    await backend.aclose()

    assert seen == ["baseline", "chimera"] * 4
    assert [t.warmup for t in result.trials][:2] == [True, True]
    assert result.summary_a.n_trials == result.summary_b.n_trials == 3
    assert result.trials[1].options == {"temperature": 0.2}
    names = [c.spec.name for c in result.comparisons]
    assert names == ["tokens_per_s", "ttft_ms", "wall_ms", "client_decode_tokens_per_s"]
    ttft = next(c for c in result.comparisons if c.spec.name == "ttft_ms")
    assert ttft.delta.n_a == ttft.delta.n_b == 3
    assert ttft.delta.delta is not None and ttft.delta.p_value is not None


async def test_report_names_both_configs_and_flags_an_a_a_run(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted()
    backend = OllamaBackend("scripted", server.url)
    result = await run_compare(_plan(runs=2, same=True), backend)
    await backend.aclose()

    json_path, md_path = write_compare(result, tmp_path)

    data = json.loads(json_path.read_text())
    assert data["interleaved"] is True
    assert set(data["deltas"]) >= {"ttft_ms", "tokens_per_s"}
    assert len(data["trials"]) == 6
    text = md_path.read_text()
    assert "A/A run" in text
    assert text == render_compare(result)


async def test_failures_show_as_error_rate_not_as_zero(
    scripted: Callable[..., ScriptedServer],
) -> None:
    server = scripted(fail_every=4)
    backend = OllamaBackend("scripted", server.url)

    result = await run_compare(_plan(runs=3), backend)
    await backend.aclose()

    # Requests 4 and 8 fail: warm-ups are 1-2, so runs 4 (B) and 8 (B) fail.
    assert result.summary_b.n_failed == 2 and result.summary_b.error_rate == 2 / 3
    assert result.summary_b.metrics["ttft_ms"].n == 1
    assert "Errors" in render_compare(result)


def test_cli_compare_prints_json_and_writes_files(
    scripted: Callable[..., ScriptedServer], cli_app: typer.Typer, tmp_path: Path
) -> None:
    server = scripted()
    args = [
        "compare",
        "--backend", "ollama", "--host", server.url, "--model", "scripted",
        "--a-option", "num_ctx=1024", "--b-option", "num_ctx=2048",
        "--runs", "2", "--warmup", "0", "--out", str(tmp_path),
        "--json", "--no-progress",
    ]  # fmt: skip

    result = CliRunner().invoke(cli_app, args)

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["a"]["options"] == {"num_ctx": 1024, "num_predict": 64}
    assert data["b"]["options"] == {"num_ctx": 2048, "num_predict": 64}
    assert (tmp_path / "compare.md").exists()


def test_cli_compare_reads_the_b_config_from_toml(
    scripted: Callable[..., ScriptedServer], cli_app: typer.Typer, tmp_path: Path
) -> None:
    server = scripted()
    config = tmp_path / "chimera.toml"
    config.write_text("[options]\nnum_ctx = 2048\ntemperature = 0.3\n")
    args = [
        "compare",
        "--backend", "ollama", "--host", server.url, "--model", "scripted",
        "--b-config", str(config), "--runs", "2", "--warmup", "0",
        "--out", str(tmp_path / "out"), "--json", "--no-progress",
    ]  # fmt: skip

    result = CliRunner().invoke(cli_app, args)

    assert result.exit_code == 0, result.output
    b_options = json.loads(result.stdout)["b"]["options"]
    assert b_options == {"num_ctx": 2048, "temperature": 0.3, "num_predict": 64}


@pytest.mark.slow
def test_cli_compare_on_the_embedded_engine(
    cli_app: typer.Typer, tmp_path: Path
) -> None:
    args = [
        "compare", "--b-option", "num_ctx=1024", "--option", "seed=1",
        "--runs", "2", "--warmup", "1", "--num-predict", "8",
        "--out", str(tmp_path), "--json", "--no-progress",
    ]  # fmt: skip

    result = CliRunner().invoke(cli_app, args)

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"]["kind"] == "embedded"
    assert data["summary_a"]["n_ok"] == data["summary_b"]["n_ok"] == 2
    assert data["summary_b"]["metrics"]["tokens_per_s"]["mean"] > 0
