"""The Markdown report: every section, tables from facts, flags in place."""

from __future__ import annotations

import json
import re

from chimera.agents.outcome import AgentOutcome

from .conftest import OutcomeFactory

TECHNICAL_SECTIONS = (
    "### Executive Summary",
    "### Data Ingestion Summary",
    "### Performance Analysis",
    "### Key Findings",
    "### Recommendations",
    "### Appendix",
)
TRAILING_SECTIONS = (
    "## Workflow Summary",
    "## Metrics",
    "## Key Findings",
    "## Recommendations",
    "## Persona Prompt",
)


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("#")]


def test_every_section_in_order(make_outcome: OutcomeFactory) -> None:
    markdown = make_outcome().markdown
    found = headings(markdown)
    assert found[0] == "# Chimera Insight"
    expected = list(TECHNICAL_SECTIONS) + list(TRAILING_SECTIONS)
    positions = [found.index(section) for section in expected]
    assert positions == sorted(positions)
    for field in (
        "**Date:** 20",
        "**Agent Type:**",
        "**Model:**",
        "**Configuration:**",
    ):
        assert field in markdown
    assert "`num_ctx`=2048" in markdown and "`num_gpu`=default" in markdown


def test_performance_table_is_rendered_from_the_facts(
    make_outcome: OutcomeFactory,
) -> None:
    outcome = make_outcome()
    rows = [
        line for line in outcome.markdown.splitlines() if "| throughput_tok_s |" in line
    ]
    assert rows[0] == (
        "| gemma3:latest | throughput_tok_s | tok/s | 4 | 106 | 106 | 111.70 "
        "| num_gpu=999 num_ctx=2048 | num_gpu=60 num_ctx=1024 |"
    )
    assert len(rows) == len(
        [r for r in outcome.digest.performance_rows() if r.metric == "throughput_tok_s"]
    )


def test_inventory_counts_come_from_the_inventory(make_outcome: OutcomeFactory) -> None:
    markdown = make_outcome().markdown
    counts = "Files analysed: **5** (4,096 bytes) in 3 directories including the root"
    assert counts in markdown
    assert "| csv | 2 | 2,048 | 2025-10-08T16:29:55 UTC |" in markdown
    assert "missing: artifacts" in markdown
    assert "- **Files analysed:** 5" in markdown


def test_unverified_figures_are_marked_and_listed(make_outcome: OutcomeFactory) -> None:
    outcome = make_outcome()
    markdown = outcome.markdown
    assert "It reaches 150 [unverified #U1]" not in markdown  # marker follows the unit
    assert "150 tok/s **[unverified #U1]**" in markdown
    assert "RUN-99" in markdown
    appendix = markdown.split("#### Unverified figures", 1)[1].split("####", 1)[0]
    assert "**U1** (finding 2): `150 tok/s`" in appendix
    assert "**C1** (recommendation 1): `RUN-99` — cites a fact that does not exist" in (
        appendix
    )
    summary = outcome.verification
    assert summary.claims_flagged == 2
    assert f"{summary.claims_verified} verified" in markdown


def test_correct_figures_are_left_unmarked(make_outcome: OutcomeFactory) -> None:
    markdown = make_outcome().markdown
    assert "gemma3:latest averages 106 tok/s (RUN-2)." in markdown
    assert "TTFT averaged 0.55 s." in markdown
    assert "1 of 5 gemma runs failed (20%)." in markdown


def test_metrics_section_says_not_reported_for_missing_values(
    make_outcome: OutcomeFactory,
) -> None:
    markdown = make_outcome().markdown
    metrics = markdown.split("## Metrics", 1)[1].split("## Key Findings", 1)[0]
    assert (
        "| Load Duration (ms) | not reported | not reported | not reported |" in metrics
    )
    assert "| Throughput (tok/s) | 32.00 | 40.00 | 32.00 |" in metrics
    assert "| TTFT (ms) | 120.5 | 80.2 | — |" in metrics
    assert "report call's" in metrics


def test_workflow_summary_splits_the_execution_time(
    make_outcome: OutcomeFactory,
) -> None:
    markdown = make_outcome().markdown
    assert (
        "**Execution time:** 5,112.5 ms (ingest 12.5 ms | analysis 2,500.0 ms | "
        "report 2,600.0 ms)"
    ) in markdown


def test_script_in_model_text_cannot_open_a_tag(make_outcome: OutcomeFactory) -> None:
    markdown = make_outcome().markdown
    assert "<script>" not in markdown
    assert "&lt;script>" in markdown


def test_unparsable_answers_are_kept_in_an_unstructured_section(
    make_outcome: OutcomeFactory,
) -> None:
    outcome = make_outcome(answer=None, prose=None, raw="Throughput was 999 tok/s!")
    markdown = outcome.markdown
    assert "#### Unstructured answers" in markdown
    assert "> Throughput was 999 tok/s **[unverified #U1]**!" in markdown
    assert "_No structured findings" in markdown
    assert outcome.verification.claims_flagged == 2  # once per call


def test_record_is_strict_json_with_every_call(make_outcome: OutcomeFactory) -> None:
    outcome: AgentOutcome = make_outcome()
    record = outcome.to_record()
    text = json.dumps(record, allow_nan=False)
    assert [call["stage"] for call in record["calls"]] == ["analysis", "report"]
    assert record["calls"][0]["messages"][0] == {"role": "system", "content": "persona"}
    assert set(record["stage_ms"]) == {"ingest", "analysis", "report"}
    assert record["claims_total"] == (
        record["claims_verified"] + record["claims_flagged"]
    )
    assert record["prompt_budgets"][0]["facts_left_out"] == 20 - len(
        outcome.facts_given
    )
    assert not re.search(r"\bNaN\b|Infinity", text)


def test_record_carries_the_inventory_without_the_file_table(
    make_outcome: OutcomeFactory,
) -> None:
    record = make_outcome().to_record()
    assert record["inventory"]["totals"]["files"] == 5
    assert record["inventory"]["by_type"]["csv"]["files"] == 2
    assert "files" not in record["inventory"]
