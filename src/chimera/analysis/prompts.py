"""The two prompts of an agent: the analysis call and the report call.

Both carry the persona as the system message and the facts (id, statement,
source files) as data, never file names alone. The analysis call asks for
findings and recommendations that cite fact ids; the report call gets the
findings back and writes the prose of the report. Facts come ranked: a persona
whose focus is files, directories and gaps sees inventory facts first, an
analyst sees performance facts first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from chimera.agents.personas import Persona
from chimera.analysis.answer_schema import AnalysisAnswer
from chimera.analysis.facts import INVENTORY_KINDS, Digest, Fact, FactKind
from chimera.backends.base import Message

_INVENTORY_WORDS = ("coverage", "file", "director", "timestamp", "telemetry", "gap")
_PERFORMANCE_WORDS = ("throughput", "ttft", "latency", "performance", "optimis")
_PERFORMANCE_KINDS = frozenset({FactKind.BEST, FactKind.EFFECT, FactKind.CONFIG})

ANALYSIS_TASK = (
    "Using only the facts above, write findings and recommendations. Each item "
    'lists in "facts" the ids of the facts it rests on. Copy figures exactly as '
    "the facts state them; do not compute new figures."
)
REPORT_TASK = (
    "Write the executive summary (three or four sentences) and a short "
    "performance commentary for the technical report, using only figures from "
    "the facts above and naming the fact ids you use."
)
EXAMPLE_INTRO = "The form of the answer, with one example item (write your own):"
JSON_REMINDER = "Answer with one JSON object only, shaped like this example:"


def ranked_facts(digest: Digest, persona: Persona) -> list[Fact]:
    """Facts most important first, for this persona's focus.

    A collector sees inventory facts first and performance facts one tier later;
    an analyst sees inventory facts two tiers later. Failures stay where they are:
    both need them.
    """
    inventory_first = _leans_to_inventory(persona)

    def key(item: tuple[int, Fact]) -> tuple[int, float, int]:
        position, fact = item
        tier = fact.tier
        if fact.kind in INVENTORY_KINDS:
            tier += -1 if inventory_first else 2
        elif inventory_first and fact.kind in _PERFORMANCE_KINDS:
            tier += 1
        return tier, -fact.weight, position

    return [fact for _, fact in sorted(enumerate(digest.facts), key=key)]


def _leans_to_inventory(persona: Persona) -> bool:
    words = " ".join(persona.focus).lower()
    inventory = sum(word in words for word in _INVENTORY_WORDS)
    performance = sum(word in words for word in _PERFORMANCE_WORDS)
    return inventory > performance


def wants_risks(persona: Persona) -> bool:
    """Whether the persona is asked for risks and mitigations."""
    text = (persona.system_prompt + " ".join(persona.focus)).lower()
    return "risk" in text


def facts_block(facts: Sequence[Fact], left_out: int) -> str:
    lines = [fact.line() for fact in facts]
    if not facts:
        lines.append("(no facts fit in the context window)")
    if left_out:
        lines.append(f"({left_out} less important facts were left out for space.)")
    return "\n".join(lines)


def analysis_messages(
    persona: Persona,
    facts: Sequence[Fact],
    left_out: int,
    *,
    json_example: bool,
) -> tuple[Message, ...]:
    """Messages of the analysis call.

    The example answer quotes a real fact with its id: small models imitate the
    form they are shown, and a finding that restates a fact is a grounded one.
    ``json_example`` adds the plea for JSON only, for backends that cannot
    enforce a schema and for the retry after invalid JSON.
    """
    parts = [f"Your focus: {'; '.join(persona.focus)}."] if persona.focus else []
    parts += ["Facts:", facts_block(facts, left_out), "", ANALYSIS_TASK]
    parts += [_form(json_example), json.dumps(_analysis_example(facts))]
    return (
        Message("system", persona.system_prompt.strip()),
        Message("user", "\n".join(parts)),
    )


def report_messages(
    persona: Persona,
    facts: Sequence[Fact],
    left_out: int,
    answer: AnalysisAnswer | None,
    *,
    json_example: bool,
) -> tuple[Message, ...]:
    """Messages of the report call: facts, the analysis' findings, the task."""
    parts = ["Facts:", facts_block(facts, left_out)]
    if answer is not None:
        parts += ["", "Findings of your analysis:"]
        parts += [f"- {item.text} {_cited(item.facts)}" for item in answer.findings]
        parts += ["Recommendations:"]
        parts += [
            f"- {item.text} {_cited(item.facts)}" for item in answer.recommendations
        ]
    parts += ["", REPORT_TASK, _form(json_example)]
    example = {
        "executive_summary": _quoted(_example_fact(facts)),
        "performance_commentary": "...",
    }
    parts.append(json.dumps(example))
    return (
        Message("system", persona.system_prompt.strip()),
        Message("user", "\n".join(parts)),
    )


def _form(json_only: bool) -> str:
    return JSON_REMINDER if json_only else EXAMPLE_INTRO


def _cited(fact_ids: Sequence[str]) -> str:
    return f"[{', '.join(fact_ids)}]" if fact_ids else ""


def _example_fact(facts: Sequence[Fact]) -> Fact | None:
    """The first measurement fact in the prompt, else the first fact at all."""
    measured = [fact for fact in facts if fact.kind not in INVENTORY_KINDS]
    candidates = measured or list(facts)
    return candidates[0] if candidates else None


def _quoted(fact: Fact | None) -> str:
    """A fact restated as an example sentence, cut at a word near 90 characters."""
    if fact is None:
        return "..."
    text = fact.text if len(fact.text) <= 90 else fact.text[:90].rsplit(" ", 1)[0]
    return f"{text} ({fact.id})"


def _analysis_example(facts: Sequence[Fact]) -> dict[str, object]:
    fact = _example_fact(facts)
    fact_ids = [fact.id] if fact else []
    return {
        "findings": [{"text": _quoted(fact), "facts": fact_ids}],
        "recommendations": [{"text": "...", "facts": fact_ids}],
    }
