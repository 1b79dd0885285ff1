"""Agent outcomes with known model answers, assembled by the real workflow code.

Only the model is left out: the answers, call records and prompt budgets are
written here, then ``assemble_outcome`` verifies them and renders both reports
exactly as a run does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analysis.data import make_dataset, make_inventory
from chimera.agents.outcome import AgentOutcome
from chimera.agents.personas import builtin_personas
from chimera.agents.spec import AgentSpec
from chimera.agents.workflow import assemble_outcome
from chimera.analysis.answer_schema import (
    AnalysisAnswer,
    AnswerItem,
    ReportProse,
    RiskItem,
)
from chimera.analysis.ask import Asked, CallRecord
from chimera.analysis.budget import PromptBudget
from chimera.analysis.digest import build_digest
from chimera.backends.base import Message
from chimera.metrics.record import CallMetrics
from chimera.options import ModelOptions

SCRIPT = "<script>document.body.setAttribute('data-injected','yes')</script>"

ANSWER = AnalysisAnswer(
    findings=[
        AnswerItem(text="gemma3:latest averages 106 tok/s (RUN-2).", facts=["RUN-2"]),
        AnswerItem(text="It reaches 150 tok/s at num_ctx 2048.", facts=["BEST-1"]),
    ],
    recommendations=[
        AnswerItem(text=f"Use num_gpu 999 {SCRIPT}", facts=["EFF-1", "RUN-99"]),
    ],
    risks=[RiskItem(risk="TTFT rises by 100 ms", mitigation="keep num_ctx 1024")],
)
PROSE = ReportProse(
    executive_summary="Two models were measured; 1 of 5 gemma runs failed (20%).",
    performance_commentary="TTFT averaged 0.55 s.",
)


def metrics(stage: str, **changes: object) -> CallMetrics:
    values: dict[str, object] = {
        "backend": "embedded",
        "endpoint": "embedded:/models/smollm2.gguf",
        "model": "smollm2",
        "ttft_ms": 120.5 if stage == "analysis" else 80.25,
        "wall_ms": 2500.0,
        "tokens_generated": 64,
        "prompt_tokens": 700,
        "server_total_ms": 2400.0,
        "server_prompt_eval_ms": 300.0,
        "server_eval_ms": 2000.0,
        "eval_tokens_per_s": 32.0 if stage == "analysis" else 40.0,
        "finish_reason": "stop",
    }
    values.update(changes)
    return CallMetrics(**values)  # type: ignore[arg-type]


def _asked(stage: str, answer, raw: str, facts, metric: CallMetrics) -> Asked:
    messages = (Message("system", "persona"), Message("user", "facts"))
    budget = PromptBudget(stage, 2048, "num_ctx option", 384, 1664, 702,
                          "tokenizer", 20, len(facts), 700, False, None)  # fmt: skip
    record = CallRecord(stage, messages, raw, metric, json_schema=True)
    return Asked(answer, raw, (record,), (budget,), tuple(facts))


OutcomeFactory = Callable[..., AgentOutcome]


@pytest.fixture
def make_outcome() -> OutcomeFactory:
    def build(
        *,
        answer: AnalysisAnswer | None = ANSWER,
        prose: ReportProse | None = PROSE,
        raw: str = "",
        label: str = "Chimera Insight",
        baseline: bool = False,
        report_metrics: CallMetrics | None = None,
        options: ModelOptions | None = None,
    ) -> AgentOutcome:
        dataset, inventory = make_dataset(), make_inventory()
        digest = build_digest(dataset, inventory)
        given = [f for f in digest.facts if f.id != "BEST-2"]
        spec = AgentSpec(
            agent_id=label.lower().replace(" ", "_"),
            label=label,
            persona=builtin_personas()["insight"],
            options=options or ModelOptions(num_ctx=2048, temperature=0.3),
            baseline=baseline,
        )
        analysis = _asked("analysis", answer, raw or "{}", given, metrics("analysis"))
        report = _asked(
            "report", prose, raw or "{}", given, report_metrics or metrics("report")
        )
        return assemble_outcome(
            spec,
            inventory,
            dataset,
            digest,
            analysis,
            report,
            stage_ms={"ingest": 12.5, "analysis": 2500.0, "report": 2600.0},
            started_at="2025-10-08T16:00:00.000Z",
        )

    return build
