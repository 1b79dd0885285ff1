"""Everything a report shows, computed once from an ``AgentOutcome``.

The Markdown and HTML templates render the same view, so the two reports cannot
disagree. Counts, tables and metrics come from the inventory, the facts digest
and the metrics records; the only model-written parts are the checked texts,
which carry their flags with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeGuard

from chimera.agents.outcome import STAGES, AgentOutcome
from chimera.analysis.ask import CallRecord
from chimera.analysis.budget import PromptBudget
from chimera.analysis.facts import MetricStats, fmt_num
from chimera.analysis.verify import CheckedText, Flag
from chimera.reports.inventory_view import InventoryView, inventory_view

NOT_REPORTED = "not reported"
# Rows of the Metrics section: label, CallMetrics attribute, decimals, summed.
METRIC_ROWS: tuple[tuple[str, str, int, bool], ...] = (
    ("Throughput (tok/s)", "tokens_per_s", 2, False),
    ("TTFT (ms)", "ttft_ms", 1, False),
    ("Total Duration (ms)", "server_total_ms", 1, True),
    ("Tokens Generated", "tokens_generated", 0, True),
    ("Prompt Eval (ms)", "server_prompt_eval_ms", 1, True),
    ("Eval Duration (ms)", "server_eval_ms", 1, True),
    ("Load Duration (ms)", "server_load_ms", 1, True),
    ("Prompt Tokens", "prompt_tokens", 0, True),
    ("Wall Time, client (ms)", "wall_ms", 1, True),
)


@dataclass(frozen=True)
class Item:
    """A finding, recommendation or risk: checked text and the facts it cites."""

    text: CheckedText
    facts: tuple[str, ...] = ()
    mitigation: CheckedText | None = None


@dataclass(frozen=True)
class ReportView:
    label: str
    date: str
    agent_type: str
    persona_name: str
    persona_prompt: str
    model: str
    backend: str
    baseline: bool
    configuration: dict[str, str]
    summary: CheckedText | None
    commentary: CheckedText | None
    findings: list[Item]
    recommendations: list[Item]
    risks: list[Item]
    performance: list[dict[str, str]]
    inventory: InventoryView
    facts_given: list[dict[str, str]]
    facts_total: int
    budgets: list[dict[str, str]]
    warnings: list[str]
    flags: list[Flag]
    unstructured: list[CheckedText]
    stage_ms: dict[str, str]
    total_ms: str
    metric_columns: list[str]
    metric_rows: list[tuple[str, list[str]]]
    claims: dict[str, int]
    notes: list[str] = field(default_factory=list)


def build_view(outcome: AgentOutcome) -> ReportView:
    spec, checked = outcome.spec, outcome.checked
    columns, rows = metric_table(outcome)
    return ReportView(
        label=spec.label,
        date=outcome.finished_at[:10],
        agent_type=spec.persona.agent_type,
        persona_name=spec.persona.name,
        persona_prompt=spec.persona.system_prompt.strip(),
        model=spec.model_name(),
        backend=f"{spec.backend.kind} ({outcome.headline_metrics.endpoint})",
        baseline=spec.baseline,
        configuration=spec.sent_options().described(),
        summary=checked.get("executive_summary"),
        commentary=checked.get("performance_commentary"),
        findings=_items(outcome, "finding"),
        recommendations=_items(outcome, "recommendation"),
        risks=_risks(outcome),
        performance=[
            _performance_row(stats) for stats in outcome.digest.performance_rows()
        ],
        inventory=inventory_view(outcome.inventory),
        facts_given=[
            {"id": f.id, "text": f.text, "sources": ", ".join(f.sources[:3])}
            for f in outcome.facts_given
        ],
        facts_total=len(outcome.digest.facts),
        budgets=[_budget_row(budget) for budget in outcome.budgets],
        warnings=outcome.truncation_warnings,
        flags=list(outcome.verification.flags),
        unstructured=[
            checked[f"unstructured {stage}"]
            for stage in outcome.unstructured
            if f"unstructured {stage}" in checked
        ],
        stage_ms={stage: fmt_ms(outcome.stage_ms.get(stage)) for stage in STAGES},
        total_ms=fmt_ms(outcome.total_ms),
        metric_columns=columns,
        metric_rows=rows,
        claims={
            "total": outcome.verification.claims_total,
            "verified": outcome.verification.claims_verified,
            "flagged": outcome.verification.claims_flagged,
        },
        notes=list(outcome.notes),
    )


def _items(outcome: AgentOutcome, kind: str) -> list[Item]:
    answer = outcome.answer
    if answer is None:
        return []
    source = answer.findings if kind == "finding" else answer.recommendations
    return [
        Item(outcome.checked[f"{kind} {number}"], tuple(item.facts))
        for number, item in enumerate(source, start=1)
    ]


def _risks(outcome: AgentOutcome) -> list[Item]:
    if outcome.answer is None:
        return []
    return [
        Item(
            outcome.checked[f"risk {number}"],
            tuple(risk.facts),
            outcome.checked[f"mitigation {number}"],
        )
        for number, risk in enumerate(outcome.answer.risks, start=1)
    ]


def _performance_row(stats: MetricStats) -> dict[str, str]:
    return {
        "model": stats.model,
        "metric": stats.metric,
        "unit": stats.unit,
        "runs": str(stats.runs),
        "mean": fmt_num(stats.mean),
        "median": fmt_num(stats.median),
        "p95": fmt_num(stats.p95),
        "best": stats.best_config or "—",
        "worst": stats.worst_config or "—",
    }


def _budget_row(budget: PromptBudget) -> dict[str, str]:
    reported = budget.prompt_tokens_reported
    return {
        "stage": budget.stage,
        "num_ctx": f"{budget.num_ctx} ({budget.num_ctx_source})",
        "answer": str(budget.answer_tokens),
        "expected": f"{budget.prompt_tokens_expected} ({budget.count_method})",
        "reported": NOT_REPORTED if reported is None else str(reported),
        "facts": f"{budget.facts_kept} of {budget.facts_total}",
        "left_out": str(budget.facts_left_out),
        "truncated": {True: "yes", False: "no", None: "unknown"}[budget.truncated],
    }


def metric_table(
    outcome: AgentOutcome,
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Columns (one per call, then all calls) and one row per metric."""
    calls = outcome.calls
    columns = [call.stage for call in calls] + ["all calls"]
    rows = []
    for label, attribute, decimals, summed in METRIC_ROWS:
        cells = [fmt_metric(getattr(c.metrics, attribute), decimals) for c in calls]
        cells.append(_all_calls(calls, attribute, decimals, summed))
        rows.append((label, cells))
    return columns, rows


def _all_calls(
    calls: Sequence[CallRecord], attribute: str, decimals: int, summed: bool
) -> str:
    """Sums over every call; throughput from the summed tokens and eval time."""
    metrics = [call.metrics for call in calls]
    if attribute == "tokens_per_s":
        tokens = [m.tokens_generated for m in metrics]
        eval_ms = [m.server_eval_ms for m in metrics]
        if not _all_known(tokens) or not _all_known(eval_ms) or not sum(eval_ms):
            return NOT_REPORTED
        return fmt_metric(sum(tokens) / (sum(eval_ms) / 1000.0), decimals)
    if not summed:
        return "—"
    values = [getattr(m, attribute) for m in metrics]
    if not _all_known(values):
        return NOT_REPORTED
    return fmt_metric(sum(values), decimals)


def _all_known(values: Sequence[float | int | None]) -> TypeGuard[Sequence[float]]:
    return all(value is not None for value in values)


def fmt_metric(value: float | int | None, decimals: int) -> str:
    """A metric for a table: thousands separators, "not reported" for None."""
    if value is None:
        return NOT_REPORTED
    return f"{value:,.{decimals}f}"


def fmt_ms(value: float | None) -> str:
    return fmt_metric(value, 1)
