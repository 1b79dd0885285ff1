"""``run_agent`` end to end on the embedded engine over a small real tree."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from chimera.agents.personas import builtin_personas
from chimera.agents.spec import AgentSpec
from chimera.agents.workflow import run_agent
from chimera.analysis.figures import find_numbers
from chimera.analysis.verify import CONFIG_NUMBER_COLUMNS
from chimera.backends.embedded import EmbeddedBackend
from chimera.ingest import ingest
from chimera.options import ModelOptions

TREE = Path(__file__).resolve().parents[1] / "fixtures" / "analysis" / "tree"
SECTIONS = (
    "### Executive Summary",
    "### Data Ingestion Summary",
    "### Performance Analysis",
    "### Key Findings",
    "### Recommendations",
    "### Appendix",
    "## Workflow Summary",
    "## Metrics",
    "## Key Findings",
    "## Recommendations",
    "## Persona Prompt",
)


def _real_counts(root: Path) -> Counter[str]:
    return Counter(
        name.rsplit(".", 1)[-1] for _, _, files in os.walk(root) for name in files
    )


@pytest.mark.slow
@pytest.mark.parametrize("persona", ["datacollector", "insight"])
async def test_run_agent_writes_a_grounded_report(
    embedded_backend: EmbeddedBackend, persona: str
) -> None:
    spec = AgentSpec(
        agent_id=f"test_{persona}",
        label=f"Test {persona}",
        persona=builtin_personas()[persona],
        options=ModelOptions(num_ctx=1024, num_predict=256, temperature=0.2, seed=3),
    )
    ticks = iter(float(n) for n in range(100))
    outcome = await run_agent(spec, embedded_backend, TREE, clock=lambda: next(ticks))

    # Stages are timed with the injected clock: one tick each.
    assert outcome.stage_ms == {"ingest": 1000.0, "analysis": 1000.0, "report": 1000.0}
    markdown = outcome.markdown
    assert markdown.startswith(f"# Test {persona}\n")
    lines = markdown.splitlines()
    positions = [lines.index(section) for section in SECTIONS]
    assert positions == sorted(positions)

    # Inventory counts in the report are the real ones.
    real = _real_counts(TREE)
    assert outcome.inventory is not None
    assert outcome.inventory.totals.files == sum(real.values()) == 3
    for kind, count in real.items():
        assert outcome.inventory.by_type[kind].files == count
    assert f"Files analysed: **{sum(real.values())}**" in markdown

    # Every call is on record, with the options the agent sent.
    assert outcome.calls[0].stage == "analysis"
    assert outcome.calls[-1].stage.startswith("report")
    record = outcome.to_record()
    json.dumps(record, allow_nan=False)
    assert record["calls"][0]["messages"][0]["role"] == "system"
    for budget in outcome.budgets:
        assert budget.prompt_tokens_expected + budget.answer_tokens <= 1024
        assert budget.truncated is False

    _assert_no_unflagged_unverifiable_figures(outcome)
    assert "<script" not in outcome.html.lower()


def _assert_no_unflagged_unverifiable_figures(outcome) -> None:
    """Independently of the verifier: every unflagged figure in model text rounds
    from a number in the facts given to the model or in the dataset."""
    known = [q.value for fact in outcome.digest.facts for q in fact.quantities]
    known += _dataset_values(outcome)
    flagged = {
        (flag.field, flag.start)
        for flag in outcome.verification.flags
        if flag.start >= 0
    }
    checked = 0
    for field, text in outcome.checked.items():
        for mention in find_numbers(text.text):
            if (field, mention.start) in flagged:
                continue
            checked += 1
            assert any(
                abs(value - mention.canonical) <= mention.tolerance + 1e-9
                or abs(value - abs(mention.canonical)) <= mention.tolerance + 1e-9
                for value in known
            ), f"{mention.raw!r} in {field} is neither verified nor flagged"
    summary = outcome.verification
    assert summary.figures_total - summary.figures_flagged == checked


def _dataset_values(outcome) -> list[float]:
    dataset = ingest(TREE).dataset
    columns = ["value", *CONFIG_NUMBER_COLUMNS]
    numbers = dataset[columns].apply(pd.to_numeric, errors="coerce")
    return [float(v) for v in numbers.to_numpy().ravel() if not pd.isna(v)]
