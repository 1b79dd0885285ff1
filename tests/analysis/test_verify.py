"""Verification: wrong figures are flagged, correctly rounded ones are not."""

from __future__ import annotations

import pandas as pd
import pytest

from chimera.analysis.digest import build_digest
from chimera.analysis.verify import Verifier


@pytest.fixture
def verifier(dataset: pd.DataFrame) -> Verifier:
    digest = build_digest(dataset, None)
    return Verifier(digest, dataset, digest.ids)


@pytest.mark.parametrize(
    "text",
    [
        "gemma3:latest averaged 106 tok/s",  # mean 106.0 exactly
        "gemma3:latest averaged 106.0 tok/s",
        "p95 throughput was 111.7 tok/s",  # 111.70
        "p95 throughput was 112 tok/s",  # 111.70 rounded to units
        "TTFT averaged 0.55 s",  # 550 ms, written in seconds
        "TTFT averaged 550 ms and at best 0.5 s",
        "llama3.1:8b ran at 78.5 tok/s over 3 runs",
        "the best config is 12% faster than the worst",
        "1 of 5 runs failed (20%)",
        "at num_ctx 2048 with num_gpu 999",
    ],
)
def test_correct_and_correctly_rounded_figures_are_verified(
    verifier: Verifier, text: str
) -> None:
    checked = verifier.check_text("summary", text)
    assert checked.flags == ()
    assert checked.marked() == text


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("gemma3:latest averaged 108.5 tok/s", "108.5 tok/s"),
        ("p95 throughput was 111.2 tok/s", "111.2 tok/s"),
        ("TTFT averaged 0.56 s", "0.56 s"),
        ("TTFT averaged 106 ms", "106 ms"),  # right number, wrong unit
        ("throughput improved by 37%", "37%"),
        ("we measured 250 tok/s on 16 GPUs", "250 tok/s"),
    ],
)
def test_wrong_figures_are_flagged_and_marked(
    verifier: Verifier, text: str, wrong: str
) -> None:
    checked = verifier.check_text("finding 1", text)
    assert checked.flags[0].written == wrong
    assert f"{wrong} [unverified #U1]" in checked.marked()


def test_dates_section_numbers_and_ordinals_are_not_claims(verifier: Verifier) -> None:
    text = "1. On 2025-10-08 (see Section 3.2), the 2nd run of RUN-2 ended at 16:29."
    checked = verifier.check_text("summary", text)
    assert (checked.figures, checked.flags) == (0, ())


def test_raw_dataset_values_verify_only_precise_figures(dataset: pd.DataFrame) -> None:
    digest = build_digest(dataset.iloc[:0], None)  # no facts: only the dataset
    verifier = Verifier(digest, dataset, ())
    assert verifier.check_text("x", "one run reached 112.0 tok/s").flags == ()
    # A bare "2" matches too much raw data to prove anything.
    assert len(verifier.check_text("x", "2 runs").flags) == 1


def test_citations_of_missing_facts_are_flagged(dataset: pd.DataFrame) -> None:
    digest = build_digest(dataset, None)
    given = ["RUN-1", "RUN-2"]
    verifier = Verifier(digest, dataset, given)

    flags = verifier.check_citations("finding 1", ["RUN-2", "RUN-99", "BEST-1"])
    assert [(f.written, f.reason) for f in flags] == [
        ("RUN-99", "cites a fact that does not exist"),
        ("BEST-1", "cites a fact the model was not given"),
    ]
    checked = verifier.check_text("finding 2", "as RUN-2 and CFG-40 show")
    assert checked.marked() == "as RUN-2 and CFG-40 [unverified #C3] show"

    summary = verifier.summary()
    assert (summary.citations_total, summary.citations_flagged) == (5, 3)


def test_summary_counts_every_claim(verifier: Verifier) -> None:
    verifier.check_text("a", "106 tok/s, 999 tok/s and 2048")
    verifier.check_citations("a", ["RUN-2"])
    summary = verifier.summary()
    assert (summary.claims_total, summary.claims_verified, summary.claims_flagged) == (
        4,
        3,
        1,
    )
    record = summary.to_dict()
    assert record["flagged"][0]["written"] == "999 tok/s"
    assert record["flagged"][0]["label"] == "U1"


def test_flag_labels_run_across_texts(verifier: Verifier) -> None:
    first = verifier.check_text("a", "7 tok/s")
    second = verifier.check_text("b", "8 tok/s and 9 tok/s")
    assert [f.label for f in first.flags + second.flags] == ["U1", "U2", "U3"]
    assert [text for text, flag in second.segments() if flag] == ["8 tok/s", "9 tok/s"]
