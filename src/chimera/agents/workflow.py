"""One agent's run: ingest the tree, one analysis call, one report call, each timed.

The model never sees raw files and never writes a count or a table: ingestion
builds the inventory and dataset, the digest turns them into facts, the analysis
call answers from those facts in a JSON schema, and the report call writes the
prose. Everything the model wrote is then checked figure by figure before the
Markdown and HTML reports are rendered. Backend errors propagate unchanged; the
orchestrator records the failure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from chimera.agents.outcome import AgentOutcome
from chimera.agents.spec import AgentSpec
from chimera.analysis.answer_schema import (
    AnalysisAnswer,
    ReportProse,
    analysis_schema,
    report_schema,
)
from chimera.analysis.ask import Asked, ask
from chimera.analysis.digest import build_digest
from chimera.analysis.facts import Digest, Fact
from chimera.analysis.prompts import (
    analysis_messages,
    ranked_facts,
    report_messages,
    wants_risks,
)
from chimera.analysis.verify import CheckedText, Verifier
from chimera.backends.base import Backend, Message
from chimera.ingest import IngestOptions, ingest
from chimera.ingest.inventory import Inventory
from chimera.reports.html import render_html
from chimera.reports.markdown import render_markdown

Clock = Callable[[], float]


async def run_agent(
    spec: AgentSpec,
    backend: Backend,
    artifacts_root: Path,
    *,
    ingest_options: IngestOptions | None = None,
    clock: Clock = time.perf_counter,
) -> AgentOutcome:
    """Run ``spec`` over ``artifacts_root`` on ``backend`` and render its reports."""
    started_at = _utc_now()
    began = clock()
    ingested = await asyncio.to_thread(ingest, artifacts_root, ingest_options)
    ingest_ms = (clock() - began) * 1000.0
    return await analyse(
        spec,
        backend,
        ingested.inventory,
        ingested.dataset,
        ingest_ms=ingest_ms,
        started_at=started_at,
        clock=clock,
    )


async def analyse(
    spec: AgentSpec,
    backend: Backend,
    inventory: Inventory | None,
    dataset: pd.DataFrame,
    *,
    ingest_ms: float,
    started_at: str,
    clock: Clock = time.perf_counter,
) -> AgentOutcome:
    """The analysis and report stages over an already ingested tree."""
    began = clock()
    digest = await asyncio.to_thread(build_digest, dataset, inventory)
    analysis = await _analysis_call(spec, backend, digest)
    analysis_ms = (clock() - began) * 1000.0

    began = clock()
    report = await _report_call(spec, backend, digest, analysis)
    report_ms = (clock() - began) * 1000.0

    stage_ms = {"ingest": ingest_ms, "analysis": analysis_ms, "report": report_ms}
    return await asyncio.to_thread(
        assemble_outcome,
        spec,
        inventory,
        dataset,
        digest,
        analysis,
        report,
        stage_ms=stage_ms,
        started_at=started_at,
    )


def assemble_outcome(
    spec: AgentSpec,
    inventory: Inventory | None,
    dataset: pd.DataFrame,
    digest: Digest,
    analysis: Asked[AnalysisAnswer],
    report: Asked[ReportProse],
    *,
    stage_ms: dict[str, float],
    started_at: str,
) -> AgentOutcome:
    """Check everything the model wrote, then render both reports."""
    given = analysis.facts + tuple(f for f in report.facts if f not in analysis.facts)
    verifier = Verifier(digest, dataset, [fact.id for fact in given])
    unstructured = _unstructured(analysis, report)
    checked = check_answers(verifier, analysis.answer, report.answer, unstructured)
    outcome = AgentOutcome(
        spec=spec,
        started_at=started_at,
        finished_at=_utc_now(),
        stage_ms=stage_ms,
        calls=analysis.calls + report.calls,
        inventory=inventory,
        digest=digest,
        facts_given=given,
        answer=analysis.answer,
        prose=report.answer,
        checked=checked,
        unstructured=unstructured,
        verification=verifier.summary(),
        budgets=analysis.budgets + report.budgets,
        dataset_rows=len(dataset),
    )
    return replace(
        outcome, markdown=render_markdown(outcome), html=render_html(outcome, dataset)
    )


async def _analysis_call(
    spec: AgentSpec, backend: Backend, digest: Digest
) -> Asked[AnalysisAnswer]:
    persona = spec.persona
    risks = wants_risks(persona)

    def assemble(
        facts: Sequence[Fact], left_out: int, example: bool
    ) -> tuple[Message, ...]:
        return analysis_messages(persona, facts, left_out, json_example=example)

    def schema_for(fact_ids: list[str], answer_tokens: int) -> dict[str, Any]:
        return analysis_schema(fact_ids, answer_tokens, with_risks=risks)

    ranked = ranked_facts(digest, persona)
    return await ask(
        "analysis",
        backend,
        spec.sent_options(),
        ranked,
        assemble,
        schema_for,
        AnalysisAnswer,
    )


async def _report_call(
    spec: AgentSpec,
    backend: Backend,
    digest: Digest,
    analysis: Asked[AnalysisAnswer],
) -> Asked[ReportProse]:
    persona, answer = spec.persona, analysis.answer

    def assemble(
        facts: Sequence[Fact], left_out: int, example: bool
    ) -> tuple[Message, ...]:
        return report_messages(persona, facts, left_out, answer, json_example=example)

    def schema_for(fact_ids: list[str], answer_tokens: int) -> dict[str, Any]:
        return report_schema(answer_tokens)

    ranked = _cited_first(ranked_facts(digest, persona), answer)
    return await ask(
        "report",
        backend,
        spec.sent_options(),
        ranked,
        assemble,
        schema_for,
        ReportProse,
    )


def _cited_first(ranked: list[Fact], answer: AnalysisAnswer | None) -> list[Fact]:
    """The facts the analysis cited lead the report prompt, in rank order."""
    if answer is None:
        return ranked
    cited = {fact_id for item in answer.findings + answer.recommendations
             for fact_id in item.facts}  # fmt: skip
    return sorted(ranked, key=lambda fact: fact.id not in cited)


def _unstructured(
    analysis: Asked[AnalysisAnswer], report: Asked[ReportProse]
) -> dict[str, str]:
    """Raw answers of calls whose JSON could not be read, by stage."""
    raw: dict[str, str] = {}
    if analysis.answer is None:
        raw["analysis"] = analysis.raw_text
    if report.answer is None:
        raw["report"] = report.raw_text
    return raw


def check_answers(
    verifier: Verifier,
    answer: AnalysisAnswer | None,
    prose: ReportProse | None,
    unstructured: dict[str, str],
) -> dict[str, CheckedText]:
    """Check every model-written text; keys name the field, in report order."""
    checked: dict[str, CheckedText] = {}

    def check(field: str, text: str, cited: Sequence[str] = ()) -> None:
        checked[field] = verifier.check_text(field, text)
        verifier.check_citations(field, cited)

    if prose is not None:
        check("executive_summary", prose.executive_summary)
        check("performance_commentary", prose.performance_commentary)
    if answer is not None:
        for number, item in enumerate(answer.findings, start=1):
            check(f"finding {number}", item.text, item.facts)
        for number, item in enumerate(answer.recommendations, start=1):
            check(f"recommendation {number}", item.text, item.facts)
        for number, risk in enumerate(answer.risks, start=1):
            check(f"risk {number}", risk.risk, risk.facts)
            check(f"mitigation {number}", risk.mitigation)
    for stage, text in unstructured.items():
        check(f"unstructured {stage}", text)
    return checked


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
