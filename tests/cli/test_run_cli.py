"""`chimera run` end to end, as a user runs it: a real process, real files on disk."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from chimera.schemas import load_schema

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "artifacts"

REPORT_HEADINGS = (
    "Date",
    "Agent Type",
    "Model",
    "Configuration",
    "Executive Summary",
    "Data Ingestion Summary",
    "Performance Analysis",
    "Key Findings",
    "Recommendations",
    "Appendix",
    "## Workflow Summary",
    "## Metrics",
    "## Key Findings",
    "## Recommendations",
    "## Persona Prompt",
)
METRIC_LABELS = (
    "Throughput",
    "TTFT",
    "Total Duration",
    "Tokens Generated",
    "Prompt Eval",
    "Eval Duration",
    "Load Duration",
)
AGENTS = {
    "baseline_vs_chimera": {
        "baseline_collector": "Baseline Collector",
        "chimera_insight": "Chimera Insight",
    },
    "chimera_hetero": {
        "chimera_agent_a": "Chimera Agent A",
        "chimera_agent_b": "Chimera Agent B",
    },
    "chimera_homo": {
        "chimera_agent_a": "Chimera Agent A",
        "chimera_agent_b": "Chimera Agent B",
    },
}


def run_chimera(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chimera", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def real_counts(root: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in root.rglob("*"):
        if path.is_file():
            counts[path.suffix.lstrip(".").lower() or "other"] += 1
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(AGENTS))
def test_run_writes_every_report_for_each_scenario(
    scenario: str, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = run_chimera(
        "run",
        str(SAMPLES),
        "--scenario",
        scenario,
        "--out",
        str(out),
        "--no-progress",
        "-O",
        "num_predict=160",
        "-O",
        "seed=3",
    )
    assert result.returncode == 0, result.stderr

    for agent_id, label in AGENTS[scenario].items():
        report = (out / f"{agent_id}_report.md").read_text()
        assert report.startswith(f"# {label}")
        for heading in REPORT_HEADINGS + METRIC_LABELS:
            assert heading in report, f"{heading!r} missing from {agent_id} report"
        assert (out / f"{agent_id}_report.html").stat().st_size > 0
        assert str(out / f"{agent_id}_report.md") in result.stdout.replace("\n", "")

    combined = (out / "combined_report.md").read_text()
    assert scenario in combined
    assert all(label in combined for label in AGENTS[scenario].values())

    metrics = json.loads((out / "metrics.json").read_text())
    jsonschema.validate(metrics, load_schema("metrics"))
    assert metrics["scenario"] == scenario
    assert [a["status"] for a in metrics["agents"]] == ["ok", "ok"]

    # The inventory the agents worked from matches what is really on disk.
    counts = real_counts(SAMPLES)
    for agent in metrics["agents"]:
        by_type = agent["inventory"]["by_type"]
        for ext, count in counts.items():
            assert by_type[ext]["files"] == count
        assert agent["inventory"]["totals"]["files"] == sum(counts.values())


@pytest.mark.slow
def test_baseline_sends_no_options_and_chimera_sends_its_own(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = run_chimera(
        "run",
        str(SAMPLES),
        "--out",
        str(out),
        "--no-progress",
        "-O",
        "num_ctx=1024",
        "-O",
        "num_predict=96",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["failures"] == {}

    baseline, chimera = json.loads((out / "metrics.json").read_text())["agents"]
    assert baseline["options_sent"] == {}
    assert baseline["configuration"]["num_ctx"] == "default"
    assert chimera["options_sent"]["num_ctx"] == 1024
    assert chimera["options_sent"]["num_predict"] == 96


def test_refused_backend_is_one_line_and_exit_1(tmp_path: Path) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    out = tmp_path / "run"
    result = run_chimera(
        "run",
        str(SAMPLES),
        "--backend",
        "ollama",
        "--model",
        "gemma3:latest",
        "--host",
        host,
        "--out",
        str(out),
        "--no-progress",
    )
    assert result.returncode == 1
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1
    assert host in error_lines[0]
    assert "Traceback" not in result.stderr

    metrics = json.loads((out / "metrics.json").read_text())
    jsonschema.validate(metrics, load_schema("metrics"))
    assert {a["status"] for a in metrics["agents"]} == {"failed"}


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    result = run_chimera(
        "--debug",
        "run",
        str(SAMPLES),
        "--backend",
        "ollama",
        "--model",
        "m",
        "--host",
        host,
        "--out",
        str(tmp_path / "run"),
        "--no-progress",
    )
    assert result.returncode == 1
    assert "Traceback" in result.stderr


@pytest.mark.slow
def test_a_failing_agent_keeps_the_other_agents_results(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text(
        'scenario = "chimera_hetero"\n'
        "[options]\nnum_predict = 96\n"
        "[agents.b.backend]\n"
        f'kind = "ollama"\nmodel = "gemma3:latest"\nhost = "http://127.0.0.1:{free_port()}"\n'
    )
    out = tmp_path / "run"
    result = run_chimera(
        "run", str(SAMPLES), "--config", str(config), "--out", str(out), "--no-progress"
    )
    assert result.returncode == 1
    assert (out / "chimera_agent_a_report.md").exists()
    assert not (out / "chimera_agent_b_report.md").exists()
    agents = json.loads((out / "metrics.json").read_text())["agents"]
    assert [a["status"] for a in agents] == ["ok", "failed"]
    assert "127.0.0.1" in agents[1]["error"]


def test_missing_artifact_dir_is_a_clear_error(tmp_path: Path) -> None:
    result = run_chimera("run", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_bad_option_is_a_usage_error() -> None:
    result = run_chimera("run", str(SAMPLES), "-O", "temperature=hot")
    assert result.returncode == 2
    assert "temperature" in result.stderr
