"""A sweep process killed mid-way resumes and finishes every trial exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from chimera.servers.scripted import Schedule, ScriptedServer

CHIMERA = str(Path(sys.executable).parent / "chimera")
# About 100 ms a trial, so the sweep is still running when the test kills it.
SLOW = Schedule(ttft_ms=40.0, interval_ms=8.0, tokens=8)


def _sweep_args(server: ScriptedServer, out: Path) -> list[str]:
    return [
        CHIMERA, "sweep",
        "--backend", "ollama", "--host", server.url, "--model", "scripted",
        "--grid", "num_ctx=512,1024", "--grid", "temperature=0.1,0.2,0.3",
        "--runs", "2", "--out", str(out), "--no-progress", "--json",
    ]  # fmt: skip


def _measured(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line still being written
        if not record["warmup"]:
            records.append((record["config"], record["repetition"]))
    return records


@pytest.mark.integration
def test_killed_sweep_resumes_without_redoing_or_losing_trials(
    scripted: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    server = scripted(SLOW)
    out = tmp_path / "sweep"
    journal = out / "trials.jsonl"

    process = subprocess.Popen(_sweep_args(server, out), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_measured(journal)) < 4 and process.poll() is None:
        assert time.monotonic() < deadline, "the sweep never got going"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    before = _measured(journal)

    resumed = subprocess.run(
        [*_sweep_args(server, out), "--resume"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert process.returncode == -signal.SIGKILL
    assert 4 <= len(before) < 12
    assert resumed.returncode == 0, resumed.stderr
    after = _measured(journal)
    assert after[: len(before)] == before
    assert Counter(after) == {
        (f"num_ctx={ctx},temperature={t}", rep): 1
        for ctx in (512, 1024)
        for t in (0.1, 0.2, 0.3)
        for rep in (0, 1)
    }
    summary = json.loads(resumed.stdout)
    assert sum(point["n_trials"] for point in summary["points"]) == 12
