"""The CLI boundary: usage errors exit 2 with Click's message, errors print as text."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "artifacts"


def run_chimera(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chimera", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("run", str(SAMPLES), "--scenario", "fastest"), "--scenario"),
        (("run", str(SAMPLES), "--agents", "0"), "--agents"),
        (("run", str(SAMPLES), "--no-such-flag"), "No such option"),
        (("run",), "Missing argument"),
        (("no-such-command",), "No such command"),
    ],
)
def test_click_usage_errors_exit_2_without_unexpected_error(
    args: tuple[str, ...], says: str
) -> None:
    result = run_chimera(*args)

    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "unexpected error" not in result.stderr


def test_error_text_in_brackets_is_printed_not_read_as_markup(
    tmp_path: Path,
) -> None:
    config = tmp_path / "run.toml"
    config.write_text("[agents.c]\npersona = 'insight'\n")

    result = run_chimera("run", str(SAMPLES), "--config", str(config))

    assert result.returncode == 2
    assert "agents.c.[key]" in result.stderr


def test_compare_help_names_the_options_table() -> None:
    result = run_chimera("compare", "--help")

    assert result.returncode == 0
    assert "[options]" in result.stdout


def test_a_cause_every_agent_shares_is_said_once(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        host = f"http://127.0.0.1:{sock.getsockname()[1]}"
    out = tmp_path / "run"

    result = run_chimera(
        "run", str(SAMPLES), "--backend", "ollama", "--model", "m",
        "--host", host, "--out", str(out), "--no-progress",
    )  # fmt: skip

    assert result.returncode == 1
    error = result.stderr[result.stderr.index("error: every agent failed") :]
    assert error.count(host) == 1
    assert "combined_report.md" in error and "metrics.json" in error


def test_timeout_flag_applies_alone_and_keeps_the_configs_otherwise(
    tmp_path: Path,
) -> None:
    from chimera.agents.run_config import load_run_config
    from chimera.cli.run_cmd import merge_run_config

    config = tmp_path / "run.toml"
    config.write_text(
        "[backend]\ntimeout_s = 42.0\n"
        '[agents.b.backend]\nkind = "ollama"\nmodel = "m"\n'
    )
    base = load_run_config(config)

    def merged(timeout_s: float | None, model_path: Path | None = None):
        return merge_run_config(
            base, None, None, None, None, model_path, timeout_s, None, None, None
        )

    alone = merge_run_config(
        base, None, None, None, None, None, 7.0, None, None, ["num_gpu=1"]
    )
    assert alone.backend.timeout_s == 7.0
    assert alone.agents["b"].backend is not None
    assert alone.agents["b"].backend.timeout_s == 7.0
    assert merged(None, tmp_path / "m.gguf").backend.timeout_s == 42.0
