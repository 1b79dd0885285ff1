"""The facts digest: figures computed right, failed runs kept out, ids stable."""

from __future__ import annotations

import pandas as pd
import pytest

from chimera.analysis.digest import build_digest
from chimera.analysis.facts import FactKind
from chimera.ingest.inventory import Inventory

from .data import BASELINE, TUNING


def _fact(digest, prefix: str, *words: str):
    matches = [
        fact
        for fact in digest.facts
        if fact.id.startswith(prefix) and all(word in fact.text for word in words)
    ]
    assert len(matches) == 1, [fact.line() for fact in digest.facts]
    return matches[0]


def test_per_model_summary_has_run_count_mean_median_and_p95(dataset) -> None:
    digest = build_digest(dataset, None)
    rows = {(row.model, row.metric): row for row in digest.performance_rows()}

    gemma = rows[("gemma3:latest", "throughput_tok_s")]
    assert gemma.runs == 4  # the failed fifth run is not a measurement
    assert gemma.mean == pytest.approx(106.0)
    assert gemma.median == pytest.approx(106.0)
    assert gemma.p95 == pytest.approx(111.7)
    assert (gemma.minimum, gemma.maximum) == (100.0, 112.0)
    assert gemma.best_config == "num_gpu=999 num_ctx=2048"
    assert gemma.worst_config == "num_gpu=60 num_ctx=1024"

    ttft = rows[("gemma3:latest", "ttft_ms")]
    assert ttft.mean == pytest.approx(550.0)
    assert ttft.best_config == "num_gpu=60 num_ctx=1024"  # lower is better

    llama = rows[("llama3.1:8b", "throughput_tok_s")]
    assert (llama.runs, llama.mean, llama.best_config) == (3, 78.5, None)


def test_best_and_worst_configs_and_spread(dataset) -> None:
    fact = _fact(build_digest(dataset, None), "BEST", "best throughput")
    assert "num_gpu=999 num_ctx=2048 at 112 tok/s" in fact.text
    assert "worst: num_gpu=60 num_ctx=1024 at 100 tok/s" in fact.text
    assert "spread 12 tok/s, 12%" in fact.text
    assert fact.sources == (TUNING,)


def test_option_effects_average_over_the_other_settings(dataset) -> None:
    digest = build_digest(dataset, None)
    by_gpu = _fact(digest, "EFF", "throughput by num_gpu")
    assert "60: 101 tok/s, 999: 111 tok/s (mean over the other settings; " in (
        by_gpu.text
    )
    assert "spread 10 tok/s, 9.90%" in by_gpu.text
    # Paired at fixed num_ctx: 110 - 100 and 112 - 102.
    assert "at fixed other settings: num_gpu=999 vs 60: +10 tok/s (2 pairs)" in (
        by_gpu.text
    )
    by_ctx = _fact(digest, "EFF", "TTFT by num_ctx")
    assert "1024: 500 ms, 2048: 600 ms" in by_ctx.text
    # temperature is the same for every run: it explains no difference.
    assert not [f for f in digest.facts if "by temperature" in f.text]


def test_failed_runs_are_counted_and_never_averaged(dataset) -> None:
    digest = build_digest(dataset, None)
    failure = _fact(digest, "FAIL", "gemma3:latest")
    assert "1 of 5 runs failed (20%)" in failure.text
    assert "'timed out'" in failure.text
    overall = _fact(digest, "RUN", "Dataset:")
    assert "8 runs (7 ok, 1 failed) of 2 named models" in overall.text


def test_every_config_gets_a_fact_with_its_sources(dataset) -> None:
    configs = build_digest(dataset, None).of_kind(FactKind.CONFIG)
    assert len(configs) == 4
    best = next(f for f in configs if "num_gpu=999 num_ctx=2048" in f.text)
    assert "throughput (tok/s) 112; TTFT (ms) 600 (1 run)" in best.text
    assert best.sources == (TUNING,)


def test_ids_are_stable_whatever_the_row_order(dataset) -> None:
    first = build_digest(dataset, None)
    shuffled = dataset.sample(frac=1.0, random_state=7).reset_index(drop=True)
    second = build_digest(shuffled, None)
    assert [f.line() for f in first.facts] == [f.line() for f in second.facts]
    assert len(first.ids) == len(first.facts)


def test_inventory_facts_state_counts_coverage_and_problems(
    dataset, inventory: Inventory
) -> None:
    digest = build_digest(dataset, inventory)
    totals = digest.facts[0]
    assert totals.id == "INV-1"
    assert totals.text.startswith("5 files (2 csv, 2 json, 1 md), 4096 bytes")
    coverage = _fact(digest, "COV", "Expected directories")
    assert "2 of 3 present" in coverage.text and "missing: artifacts" in coverage.text
    assert _fact(digest, "GAP", "unusable").text.startswith(
        "1 file unusable: reports/broken.json: truncated JSON"
    )
    assert (
        "csv_data/a.csv = reports/a.csv" in _fact(digest, "INV", "byte-identical").text
    )
    times = _fact(digest, "INV", "Latest file modified 2025-10-08T16:29:55 UTC")
    assert "2025-09-28T18:36:07 to 2025-10-08T16:29:55" in times.text


def test_figures_in_fact_texts_are_recorded_for_verification(dataset) -> None:
    fact = _fact(build_digest(dataset, None), "RUN", "llama3.1:8b")
    values = {quantity.value for quantity in fact.quantities}
    assert {78.5, 77.5, 79.5, 3.0} <= values


def test_an_empty_dataset_still_gives_a_fact() -> None:
    empty = pd.DataFrame(columns=list(dataset_columns()))
    digest = build_digest(empty, None)
    assert [fact.id for fact in digest.facts] == ["RUN-1"]
    assert "no measurements" in digest.facts[0].text


def dataset_columns() -> list[str]:
    from chimera.ingest.schema import DATASET_COLUMNS

    return list(DATASET_COLUMNS)


def test_sources_list_the_busiest_file_first(dataset) -> None:
    summary = _fact(build_digest(dataset, None), "RUN", "llama3.1:8b")
    assert summary.sources == (BASELINE,)


def test_categorical_columns_give_the_same_facts(dataset) -> None:
    """A dataset read back from Parquet holds categorical string columns."""
    categorical = dataset.copy()
    categorical.loc[categorical.index[-1], "model"] = None
    plain = build_digest(categorical, None)
    columns = ["source_file", "model", "backend", "metric", "unit", "status", "error"]
    converted = build_digest(
        categorical.astype({column: "category" for column in columns}), None
    )
    assert [f.line() for f in converted.facts] == [f.line() for f in plain.facts]
    assert any("unnamed model" in fact.text for fact in converted.facts)


def test_paired_effects_are_not_confounded_by_missing_configs(dataset) -> None:
    """Without the num_gpu=999 num_ctx=2048 run, the plain means mix num_ctx
    into the num_gpu effect; the pair at fixed num_ctx does not."""
    missing = (dataset["num_gpu"] == 999) & (dataset["num_ctx"] == 2048)
    digest = build_digest(dataset[~missing], None)
    by_gpu = _fact(digest, "EFF", "throughput by num_gpu")
    assert "60: 101 tok/s, 999: 110 tok/s" in by_gpu.text  # a 9 tok/s gap
    assert "num_gpu=999 vs 60: +10 tok/s (1 pair)" in by_gpu.text
