"""What one agent's run produced: timings, every call, the facts, the checked answer.

``AgentOutcome`` is the unit the orchestrator writes to disk and the combined
report compares. ``to_record()`` is its part of ``metrics.json``: strict JSON
(non-finite numbers become null), every call with its prompt, response and
metrics, the stage timings, the prompt budgets, the claim counts and the
inventory the agent worked from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from chimera.agents.spec import AgentSpec
from chimera.analysis.answer_schema import AnalysisAnswer, ReportProse
from chimera.analysis.ask import CallRecord
from chimera.analysis.budget import PromptBudget
from chimera.analysis.facts import Digest, Fact
from chimera.analysis.verify import CheckedText, VerificationSummary
from chimera.ingest.inventory import Inventory
from chimera.metrics.record import CallMetrics

__all__ = ["STAGES", "AgentOutcome", "CallRecord"]

STAGES = ("ingest", "analysis", "report")


@dataclass(frozen=True)
class AgentOutcome:
    """Everything one agent run produced. ``markdown``/``html`` are its reports."""

    spec: AgentSpec
    started_at: str
    finished_at: str
    stage_ms: dict[str, float]
    calls: tuple[CallRecord, ...]
    inventory: Inventory | None
    digest: Digest
    facts_given: tuple[Fact, ...]
    answer: AnalysisAnswer | None
    prose: ReportProse | None
    checked: dict[str, CheckedText]
    unstructured: dict[str, str]
    verification: VerificationSummary
    budgets: tuple[PromptBudget, ...]
    dataset_rows: int = 0
    markdown: str = ""
    html: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_ms(self) -> float:
        return sum(self.stage_ms.values())

    @property
    def report_call(self) -> CallRecord:
        """The last call: its metrics are the agent's headline figures."""
        return self.calls[-1]

    @property
    def headline_metrics(self) -> CallMetrics:
        return self.report_call.metrics

    @property
    def truncation_warnings(self) -> list[str]:
        return [b.warning for b in self.budgets if b.truncated and b.warning]

    def to_record(self) -> dict[str, Any]:
        """This agent's entry in metrics.json (merged beside its config)."""
        summary = self.verification
        record: dict[str, Any] = {
            "agent_id": self.spec.agent_id,
            "label": self.spec.label,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "stage_ms": dict(self.stage_ms),
            "total_ms": self.total_ms,
            "calls": [call.to_dict() for call in self.calls],
            "claims_total": summary.claims_total,
            "claims_verified": summary.claims_verified,
            "claims_flagged": summary.claims_flagged,
            "verification": summary.to_dict(),
            "prompt_budgets": [budget.to_dict() for budget in self.budgets],
            "facts_total": len(self.digest.facts),
            "facts_given": [fact.id for fact in self.facts_given],
            "dataset_rows": self.dataset_rows,
            "inventory": _inventory(self.inventory),
            "structured_answer": _dump(self.answer),
            "report_prose": _dump(self.prose),
            "unstructured": dict(self.unstructured),
            "notes": list(self.notes),
        }
        strict: dict[str, Any] = strict_json(record)
        return strict


def _inventory(inventory: Inventory | None) -> dict[str, Any] | None:
    """The inventory the agent worked from, without its per-file table (which
    grows with the tree; ``chimera ingest --json`` gives it whole)."""
    if inventory is None:
        return None
    return inventory.model_dump(mode="json", exclude={"files"})


def _dump(model: AnalysisAnswer | ReportProse | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump()


def strict_json(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by None, tuples as lists.

    >>> strict_json({"a": float("nan"), "b": (1.5, float("inf"))})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(key): strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    return value
