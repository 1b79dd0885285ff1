"""The HTML report: self-contained, escaped, and inert in a real browser."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from chimera.ingest.schema import DATASET_COLUMNS
from chimera.reports.plots import charts

from .conftest import SCRIPT, OutcomeFactory

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
)


def test_html_is_self_contained_with_inline_charts(
    make_outcome: OutcomeFactory,
) -> None:
    html = make_outcome().html
    images = re.findall(r'<img alt="[^"]*" src="([^"]+)"', html)
    assert len(images) == 3  # throughput by config, TTFT distribution, stages
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r"""(?:src|href)="(?!data:)""", html)
    assert "default-src 'none'" in html


def test_every_section_is_present(make_outcome: OutcomeFactory) -> None:
    html = make_outcome().html
    for heading in (
        "<h1>Chimera Insight</h1>",
        "<h3>Executive Summary</h3>",
        "<h3>Data Ingestion Summary</h3>",
        "<h3>Performance Analysis</h3>",
        "<h3>Key Findings</h3>",
        "<h3>Recommendations</h3>",
        "<h3>Appendix</h3>",
        "<h2>Workflow Summary</h2>",
        "<h2>Metrics</h2>",
        "<h2>Key Findings</h2>",
        "<h2>Recommendations</h2>",
        "<h2>Persona Prompt</h2>",
    ):
        assert heading in html


def test_text_from_the_model_and_artifacts_is_escaped(
    make_outcome: OutcomeFactory,
) -> None:
    html = make_outcome(label="Agent <b>bold</b>").html
    assert "<script>" not in html
    assert "&lt;script&gt;document.body.setAttribute(" in html
    assert "<h1>Agent &lt;b&gt;bold&lt;/b&gt;</h1>" in html


def test_flags_are_highlighted(make_outcome: OutcomeFactory) -> None:
    html = make_outcome().html
    assert (
        '<mark class="unverified" title="matches no fact or dataset value">150 tok/s '
        "[unverified #U1]</mark>"
    ) in html


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    return path


def test_injected_script_does_not_run_in_chromium(
    chromium: str, make_outcome: OutcomeFactory, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(make_outcome().html, encoding="utf-8")
    profile = tmp_path / "profile"
    result = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
         page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<h2>Persona Prompt</h2>" in dom  # the page rendered to the end
    assert "data-injected" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert "&lt;script&gt;document.body.setAttribute" in dom
    assert SCRIPT not in dom
    console_errors = [
        line
        for line in result.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert console_errors == []


def test_charts_draw_names_with_markup_characters_as_text() -> None:
    rows = [
        {"source_file": "r.csv", "locator": f"row {i}", "record_id": f"r#{i}",
         "model": name, "status": "ok", "metric": metric, "value": value,
         "unit": unit}
        for i, (name, metric, value, unit) in enumerate([
            ("cost $5 and $x^2$", "throughput_tok_s", 12.5, "tok/s"),
            ("<script>m</script>", "throughput_tok_s", 14.0, "tok/s"),
            ("cost $5 and $x^2$", "ttft_ms", 3.0, "ms"),
            ("<script>m</script>", "ttft_ms", 9000.0, "ms"),
        ])
    ]  # fmt: skip
    dataset = pd.DataFrame(rows).reindex(columns=list(DATASET_COLUMNS))
    drawn = charts(dataset, {"ingest": 1.0, "analysis": 2.0, "report": 3.0})
    assert [chart.png_base64 is not None for chart in drawn] == [True, True, True]
    assert base64.b64decode(drawn[0].png_base64 or "")[:4] == b"\x89PNG"


def test_charts_say_when_there_is_nothing_to_draw() -> None:
    empty = pd.DataFrame(columns=list(DATASET_COLUMNS))
    throughput, ttft, stages = charts(empty, {"ingest": 1.0})
    assert throughput.png_base64 is None and "no throughput" in throughput.note
    assert ttft.png_base64 is None and stages.png_base64 is not None
