"""The JSON shapes the model answers in, and reading them back.

Asking for JSON that matches a schema (llama.cpp grammar, Ollama ``format``,
OpenAI ``response_format``) turns "find the lines that say finding" into reading
fields. Each finding and recommendation lists the fact ids it rests on; where the
backend enforces the schema, the ids are restricted to the facts in the prompt.
String lengths and item counts are bounded so that the answer fits the tokens
reserved for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Sizing the answer so that its JSON always closes within the tokens reserved
# for it: a generated token carries at least one character (small models do
# spend a token per digit), each item costs its keys, quotes and cited ids, and
# the object its braces.
OUTPUT_CHARS_PER_TOKEN = 1.0
ITEM_OVERHEAD_TOKENS = 32
OBJECT_OVERHEAD_TOKENS = 16
MIN_TEXT_CHARS = 40
MAX_TEXT_CHARS = 320
MAX_CITATIONS = 3


class AnswerItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    facts: list[str] = Field(default_factory=list)


class RiskItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    risk: str = Field(min_length=1)
    mitigation: str = ""
    facts: list[str] = Field(default_factory=list)


class AnalysisAnswer(BaseModel):
    """Findings and recommendations, each citing fact ids."""

    model_config = ConfigDict(extra="ignore")

    findings: list[AnswerItem] = Field(min_length=1)
    recommendations: list[AnswerItem] = Field(min_length=1)
    risks: list[RiskItem] = Field(default_factory=list)


class ReportProse(BaseModel):
    """The prose sections of the technical report."""

    model_config = ConfigDict(extra="ignore")

    executive_summary: str = Field(min_length=1)
    performance_commentary: str = ""


Answer = TypeVar("Answer", bound=BaseModel)


@dataclass(frozen=True)
class AnswerShape:
    """How many items of each kind fit the answer tokens, and how long each text."""

    findings: int
    recommendations: int
    risks: int
    text_chars: int


def answer_shape(answer_tokens: int, *, with_risks: bool) -> AnswerShape:
    """Item counts and text length that fit ``answer_tokens``.

    >>> answer_shape(1024, with_risks=True)
    AnswerShape(findings=3, recommendations=3, risks=2, text_chars=75)
    >>> answer_shape(512, with_risks=True)
    AnswerShape(findings=2, recommendations=2, risks=1, text_chars=56)
    >>> answer_shape(256, with_risks=False)
    AnswerShape(findings=1, recommendations=1, risks=0, text_chars=88)
    """
    if answer_tokens >= 1024:
        counts = (3, 3, 2 if with_risks else 0)
    elif answer_tokens >= 512:
        counts = (2, 2, 1 if with_risks else 0)
    else:
        counts = (1, 1, 0)
    items = sum(counts)
    strings = counts[0] + counts[1] + 2 * counts[2]
    return AnswerShape(*counts, text_limit(answer_tokens, strings, items))


def text_limit(answer_tokens: int, strings: int, items: int) -> int:
    """Characters per string so that ``strings`` texts in ``items`` items fit."""
    room = answer_tokens - OBJECT_OVERHEAD_TOKENS - ITEM_OVERHEAD_TOKENS * items
    share = int(room * OUTPUT_CHARS_PER_TOKEN / max(strings, 1))
    return max(MIN_TEXT_CHARS, min(MAX_TEXT_CHARS, share))


def analysis_schema(
    fact_ids: list[str], answer_tokens: int, *, with_risks: bool
) -> dict[str, Any]:
    """Schema of the analysis answer; citations limited to ``fact_ids``."""
    shape = answer_shape(answer_tokens, with_risks=with_risks)
    citations = _citations(fact_ids)
    text = _text(shape.text_chars)
    item = {
        "type": "object",
        "properties": {"text": text, "facts": citations},
        "required": ["text", "facts"],
    }
    properties: dict[str, Any] = {
        "findings": _array(item, 1, shape.findings),
        "recommendations": _array(item, 1, shape.recommendations),
    }
    if shape.risks:
        risk = {
            "type": "object",
            "properties": {"risk": text, "mitigation": text, "facts": citations},
            "required": ["risk", "mitigation", "facts"],
        }
        properties["risks"] = _array(risk, 0, shape.risks)
    return {"type": "object", "properties": properties, "required": list(properties)}


def report_schema(answer_tokens: int) -> dict[str, Any]:
    """Schema of the report call: a summary and a commentary half its length."""
    limit = text_limit(answer_tokens, 3, 0)
    return {
        "type": "object",
        "properties": {
            "executive_summary": _text(2 * limit),
            "performance_commentary": _text(limit),
        },
        "required": ["executive_summary", "performance_commentary"],
    }


def _text(max_chars: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_chars}


def _array(item: dict[str, Any], low: int, high: int) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": low, "maxItems": high}


def _citations(fact_ids: list[str]) -> dict[str, Any]:
    if not fact_ids:
        return {"type": "array", "items": {"type": "string"}, "maxItems": 0}
    return _array({"type": "string", "enum": fact_ids}, 0, MAX_CITATIONS)


def parse_answer(text: str, shape: type[Answer]) -> Answer | None:
    """The answer as ``shape``, or None when it is not valid JSON of that shape.

    Tolerates prose or a code fence around the JSON object, and raw line breaks
    inside strings (models write them; strict JSON forbids them).

    >>> parse_answer('```json\\n{"executive_summary": "ok"}\\n```', ReportProse)
    ReportProse(executive_summary='ok', performance_commentary='')
    >>> parse_answer('{"executive_summary": "two\\nlines"}', ReportProse)
    ReportProse(executive_summary='two\\nlines', performance_commentary='')
    >>> parse_answer('{"executive_summary": ', ReportProse) is None
    True
    """
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        return shape.model_validate(json.loads(text[start : end + 1], strict=False))
    except (json.JSONDecodeError, ValidationError):
        return None
