"""The digest of a small real tree, ingested from files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from chimera.analysis.digest import build_digest
from chimera.analysis.facts import Digest
from chimera.ingest import ingest

TREE = Path(__file__).resolve().parents[1] / "fixtures" / "analysis" / "tree"


@pytest.fixture(scope="module")
def digest() -> Digest:
    result = ingest(TREE)
    return build_digest(result.dataset, result.inventory)


def _text(digest: Digest, fact_id: str) -> str:
    fact = digest.get(fact_id)
    assert fact is not None, [f.line() for f in digest.facts]
    return fact.text


def test_inventory_facts_count_the_files_on_disk(digest: Digest) -> None:
    assert _text(digest, "INV-1").startswith("3 files (1 csv, 1 json, 1 md), 662 bytes")
    assert "missing: artifacts" in _text(digest, "COV-1")
    unusable = [f.text for f in digest.facts if "unusable" in f.text]
    assert unusable == ["1 file unusable: reports/notes.md: no table or metrics found."]


def test_statistics_match_the_csv_and_json_by_hand(digest: Digest) -> None:
    rows = {(r.model, r.metric): r for r in digest.performance_rows()}
    gemma = rows[("gemma3:latest", "throughput_tok_s")]
    # tokens_s of the four ok rows: 100, 102, 110, 112; the timed-out row is out.
    assert (gemma.runs, gemma.mean, gemma.maximum) == (4, 106.0, 112.0)
    assert gemma.best_config == "num_gpu=999 num_ctx=2048"
    ttft = rows[("gemma3:latest", "ttft_ms")]
    assert ttft.mean == pytest.approx(550.0)  # ttft_s 0.5 / 0.6 read as ms
    load = rows[("gemma3:latest", "load_duration_ms")]
    assert load.mean == pytest.approx(1200.0)
    llama = rows[("llama3.1:8b", "throughput_tok_s")]
    assert (llama.runs, llama.mean) == (3, 78.5)


def test_failures_and_sources(digest: Digest) -> None:
    failures = [f for f in digest.facts if f.id.startswith("FAIL")]
    assert [f.text for f in failures] == [
        "gemma3:latest: 1 of 5 runs failed (20%); most common error (1x): 'timed out'."
    ]
    assert failures[0].sources == ("reports/gemma_tuning.csv",)
