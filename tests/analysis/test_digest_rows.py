"""Which rows the digest's run statistics use: raw runs over a tool's own
summaries, one kind of aggregate, one column per run, no warm-up calls."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from chimera.analysis.digest import build_digest
from chimera.analysis.digest_options import config_labels
from chimera.analysis.facts import Digest, MetricStats
from chimera.ingest import IngestOptions, ingest

CALLS_CSV = (
    "model,num_ctx,warmup,ttft_ms,tokens_per_s,client_decode_tokens_per_s\n"
    "gemma3:1b,512,1,900.0,30.0,29.0\n"
    "gemma3:1b,512,0,100.0,50.0,49.0\n"
    "gemma3:1b,512,0,120.0,52.0,51.0\n"
    "gemma3:1b,2048,0,140.0,44.0,43.0\n"
    "gemma3:1b,2048,0,160.0,46.0,45.0\n"
)
# The same tool's per-config means, written beside the calls.
SUMMARY = {
    "model": "gemma3:1b",
    "configs": [
        {"num_ctx": 512, "runs": 3, "mean_tokens_per_s": 44.0},
        {"num_ctx": 2048, "runs": 2, "mean_tokens_per_s": 45.0},
    ],
}


def _digest(root: Path, files: dict[str, str]) -> Digest:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = ingest(root, IngestOptions.model_validate({"workers": 1}))
    return build_digest(result.dataset, result.inventory)


def _row(digest: Digest, model: str, metric: str) -> MetricStats:
    rows = {(row.model, row.metric): row for row in digest.performance_rows()}
    return rows[(model, metric)]


def test_raw_runs_win_over_the_tools_own_means(tmp_path: Path) -> None:
    files = {"calls.csv": CALLS_CSV, "summary/means.json": json.dumps(SUMMARY)}
    digest = _digest(tmp_path, files)
    throughput = _row(digest, "gemma3:1b", "throughput_tok_s")
    # tokens_per_s of the four measured calls; no warm-up, no written means,
    # and not the second (client-side) column of the same metric.
    assert throughput.runs == 4
    assert throughput.mean == pytest.approx(48.0)
    assert throughput.median == pytest.approx(48.0)
    assert throughput.best_config == "num_ctx=512"
    ttft = _row(digest, "gemma3:1b", "ttft_ms")
    assert (ttft.runs, ttft.mean, ttft.maximum) == (4, 130.0, 160.0)


def test_warmup_rows_are_excluded_and_counted(tmp_path: Path) -> None:
    digest = _digest(tmp_path, {"calls.csv": CALLS_CSV})
    warm = [fact for fact in digest.facts if "warm-up rows" in fact.text]
    assert len(warm) == 1
    assert warm[0].text.startswith("3 warm-up rows (1 run) excluded")
    assert all(row.maximum < 900.0 for row in digest.performance_rows())


def test_series_of_aggregates_only_use_one_kind_and_say_so(tmp_path: Path) -> None:
    runs = [
        {"model": "llama3.1:8b", "max_concurrency": c, "mean_ttft_ms": m,
         "median_ttft_ms": m - 5.0, "p99_ttft_ms": m * 3}
        for c, m in ((1, 100.0), (4, 140.0), (8, 210.0))
    ]  # fmt: skip
    files = {f"run={i}.json": json.dumps(run) for i, run in enumerate(runs)}
    digest = _digest(tmp_path, files)
    ttft = _row(digest, "llama3.1:8b", "ttft_ms")
    assert (ttft.runs, ttft.mean) == (3, pytest.approx(150.0))
    assert ttft.maximum == 210.0  # the means, never the p99s or medians
    summary = [
        fact
        for fact in digest.facts
        if fact.stats is not None and fact.stats.metric == "ttft_ms"
    ]
    assert "over 3 runs (tool-reported mean per run)" in summary[0].text


def test_inventory_fact_says_the_root_is_counted(tmp_path: Path) -> None:
    digest = _digest(tmp_path, {"a/calls.csv": CALLS_CSV, "b/c/x.csv": CALLS_CSV})
    inventory = next(fact for fact in digest.facts if fact.id == "INV-1")
    assert "in 4 directories including the root;" in inventory.text


def test_runs_without_options_are_named_by_their_own_config_name() -> None:
    frame = pd.DataFrame(
        {
            "_model": ["m", "m", "m"],
            "num_ctx": [512.0, 1024.0, None],
            "params": ['{"config_name": "a"}', "{}", '{"config_name": "baseline"}'],
        }
    )
    assert list(config_labels(frame)) == [
        "num_ctx=512",
        "num_ctx=1024",
        "baseline (no options recorded)",
    ]
