"""`chimera run --speedup-runs`: a speedup measured against a real sequential run."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from tests.cli.test_run_cli import SAMPLES, run_chimera

from chimera.schemas import load_schema
from chimera.servers.scripted import Schedule, ScriptedServer

# Model time dominates each call, so the agents' overlap is what gets measured.
PARALLEL = Schedule(ttft_ms=300.0, interval_ms=5.0, tokens=8, mode="parallel")


@pytest.mark.integration
def test_parallel_server_gives_a_measured_speedup(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with ScriptedServer(PARALLEL) as server:
        result = run_chimera(
            "run", str(SAMPLES), "--backend", "ollama", "--model", "scripted",
            "--host", server.url, "--scenario", "chimera_homo", "--agents", "3",
            "--speedup-runs", "1", "--out", str(out), "--no-progress", "--json",
        )  # fmt: skip
    assert result.returncode == 0, result.stderr

    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_jobs"] == 3
    assert summary["speedup"]["mean"] > 1.3
    assert (out / "summary.md").exists()

    metrics = json.loads((out / "metrics.json").read_text())
    jsonschema.validate(metrics, load_schema("metrics"))
    assert metrics["concurrency"]["speedup"]["mean"] == summary["speedup"]["mean"]
    assert [a["label"] for a in metrics["agents"]] == [
        "Chimera Agent A",
        "Chimera Agent B",
        "Chimera Agent C",
    ]
    assert "speedup" in (out / "combined_report.md").read_text().lower()
    assert json.loads(result.stdout)["speedup"]["mean"] > 1.3
