"""Checking every figure and fact citation a model wrote against what was computed.

A figure is verified when it equals a number in the facts digest, or a value in
the dataset, to the precision it was written with and after unit conversion
(0.1289 s equals 128.9 ms; 102 equals 101.994 written without decimals). A figure
that matches nothing is flagged: marked in the text where it stands and listed in
the report's "Unverified figures" appendix. Matching the raw dataset is allowed
only for figures precise enough not to match by accident (three significant
digits, or two with a unit). A citation of a fact id the model was not given is
flagged too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chimera.analysis.facts import Digest, FactKind
from chimera.analysis.numbers import NumberMention, canonical_unit, find_numbers

FACT_ID = re.compile(r"\b(?:" + "|".join(kind.value for kind in FactKind) + r")-\d+\b")
# Config columns whose values are figures a model may quote ("num_ctx 2048").
_CONFIG_NUMBERS = ("num_gpu", "num_ctx", "temperature", "top_p", "top_k",
                   "repeat_penalty", "batch_size", "concurrency")  # fmt: skip
_CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Claim:
    """One figure in model-written text and what it matched, if anything."""

    field: str
    mention: NumberMention
    matched: str | None
    context: str
    label: str | None = None  # "U3" when flagged

    @property
    def verified(self) -> bool:
        return self.matched is not None


@dataclass(frozen=True)
class Citation:
    field: str
    fact_id: str
    problem: str | None  # None when the fact exists and was given to the model


@dataclass(frozen=True)
class Flag:
    """One entry of the "Unverified figures" appendix."""

    label: str
    field: str
    written: str
    context: str
    reason: str


@dataclass(frozen=True)
class VerificationSummary:
    """Counts for metrics.json and the flags for the report's appendix.

    A claim is a figure or a fact citation in model-written text.
    """

    figures_total: int
    figures_flagged: int
    citations_total: int
    citations_flagged: int
    flags: tuple[Flag, ...]

    @property
    def claims_total(self) -> int:
        return self.figures_total + self.citations_total

    @property
    def claims_flagged(self) -> int:
        return self.figures_flagged + self.citations_flagged

    @property
    def claims_verified(self) -> int:
        return self.claims_total - self.claims_flagged

    def to_dict(self) -> dict[str, object]:
        return {
            "claims_total": self.claims_total,
            "claims_verified": self.claims_verified,
            "claims_flagged": self.claims_flagged,
            "figures_total": self.figures_total,
            "figures_flagged": self.figures_flagged,
            "citations_total": self.citations_total,
            "citations_flagged": self.citations_flagged,
            "flagged": [flag.__dict__ for flag in self.flags],
        }


@dataclass(frozen=True)
class CheckedText:
    """A model-written text with every figure in it checked."""

    field: str
    text: str
    claims: tuple[Claim, ...]

    def segments(self) -> list[tuple[str, Claim | None]]:
        """The text cut into plain pieces and flagged figures, in order."""
        pieces: list[tuple[str, Claim | None]] = []
        cursor = 0
        for claim in self.claims:
            if claim.verified:
                continue
            start, end = claim.mention.start, claim.mention.end
            pieces.append((self.text[cursor:start], None))
            pieces.append((self.text[start:end], claim))
            cursor = end
        pieces.append((self.text[cursor:], None))
        return [(text, claim) for text, claim in pieces if text]

    def marked(self) -> str:
        """The text with "[unverified #U3]" after every flagged figure."""
        return "".join(
            text if claim is None else f"{text} [unverified #{claim.label}]"
            for text, claim in self.segments()
        )


class _Index:
    """Sorted values per canonical unit, with where each came from."""

    def __init__(self, entries: Iterable[tuple[float, str | None, str]]) -> None:
        grouped: dict[str | None, list[tuple[float, str]]] = {}
        for value, unit, origin in entries:
            if np.isfinite(value):
                grouped.setdefault(unit, []).append((value, origin))
                grouped.setdefault("*", []).append((value, origin))
        self._values: dict[str | None, np.ndarray] = {}
        self._origins: dict[str | None, list[str]] = {}
        for unit, items in grouped.items():
            items.sort(key=lambda item: item[0])
            self._values[unit] = np.array([value for value, _ in items])
            self._origins[unit] = [origin for _, origin in items]

    def find(self, value: float, tolerance: float, unit: str | None) -> str | None:
        """Where a value within ``tolerance`` came from; any unit when unit is None."""
        key = "*" if unit is None else unit
        values = self._values.get(key)
        if values is None:
            return None
        slack = tolerance + 1e-9 * max(1.0, abs(value))
        low = int(np.searchsorted(values, value - slack, side="left"))
        if low < len(values) and values[low] <= value + slack:
            return self._origins[key][low]
        return None


class Verifier:
    """Checks model-written texts against one digest and its dataset.

    ``given_ids`` are the fact ids that were in the prompt; citing any other id is
    flagged. Flag labels (U1, U2, ...) run across every text this verifier checks,
    in the order they are checked.
    """

    def __init__(
        self, digest: Digest, dataset: pd.DataFrame, given_ids: Iterable[str]
    ) -> None:
        self.digest = digest
        self.given_ids = frozenset(given_ids)
        self._facts = _Index(_fact_entries(digest))
        self._dataset = _Index(_dataset_entries(dataset))
        self._flags = 0
        self.texts: list[CheckedText] = []
        self.citations: list[Citation] = []

    def check_text(self, field: str, text: str) -> CheckedText:
        claims = [self._claim(field, text, mention) for mention in find_numbers(text)]
        checked = CheckedText(field, text, tuple(claims))
        self.texts.append(checked)
        self.check_citations(field, FACT_ID.findall(text))
        return checked

    def check_citations(self, field: str, fact_ids: Sequence[str]) -> list[Citation]:
        found = [
            Citation(field, fact_id, self._problem(fact_id)) for fact_id in fact_ids
        ]
        self.citations.extend(found)
        return found

    def summary(self) -> VerificationSummary:
        claims = [claim for text in self.texts for claim in text.claims]
        flags = [
            Flag(
                claim.label or "",
                claim.field,
                claim.mention.raw,
                claim.context,
                "matches no fact or dataset value",
            )
            for claim in claims
            if not claim.verified
        ]
        bad = [citation for citation in self.citations if citation.problem]
        flags += [
            Flag(
                f"C{number}",
                citation.field,
                citation.fact_id,
                citation.fact_id,
                citation.problem or "",
            )
            for number, citation in enumerate(bad, start=1)
        ]
        return VerificationSummary(
            figures_total=len(claims),
            figures_flagged=sum(not claim.verified for claim in claims),
            citations_total=len(self.citations),
            citations_flagged=len(bad),
            flags=tuple(flags),
        )

    def _problem(self, fact_id: str) -> str | None:
        if fact_id in self.given_ids:
            return None
        if fact_id in self.digest.ids:
            return "fact exists but was not given to the model"
        return "no such fact"

    def _claim(self, field: str, text: str, mention: NumberMention) -> Claim:
        matched = self.match(mention)
        context = _context(text, mention)
        if matched is not None:
            return Claim(field, mention, matched, context)
        self._flags += 1
        return Claim(field, mention, None, context, label=f"U{self._flags}")

    def match(self, mention: NumberMention) -> str | None:
        """The fact id or dataset location a figure matches, or None."""
        for value in dict.fromkeys((mention.canonical, abs(mention.canonical))):
            found = self._facts.find(value, mention.tolerance, mention.unit)
            if found is None and _precise(mention):
                found = self._dataset.find(value, mention.tolerance, mention.unit)
            if found is not None:
                return found
        return None


def _precise(mention: NumberMention) -> bool:
    """Precise enough that a match in thousands of raw values is no accident."""
    return mention.significant >= 3 or (
        mention.unit is not None and mention.significant >= 2
    )


def _context(text: str, mention: NumberMention) -> str:
    start = max(0, mention.start - _CONTEXT_CHARS)
    end = min(len(text), mention.end + _CONTEXT_CHARS)
    return " ".join(text[start:end].split())


def _fact_entries(digest: Digest) -> Iterable[tuple[float, str | None, str]]:
    for fact in digest.facts:
        for quantity in fact.quantities:
            unit, factor = canonical_unit(quantity.unit)
            yield quantity.value * factor, unit, fact.id
            if factor != 1.0:
                yield quantity.value, None, fact.id


def _dataset_entries(dataset: pd.DataFrame) -> Iterable[tuple[float, str | None, str]]:
    if dataset.empty:
        return
    origins = (
        "dataset "
        + dataset["source_file"].astype(str)
        + " "
        + dataset["locator"].astype(str)
    ).tolist()
    values = pd.to_numeric(dataset["value"], errors="coerce").tolist()
    units = dataset["unit"].tolist()
    for value, unit, origin in zip(values, units, origins, strict=True):
        if pd.isna(value):
            continue
        canonical, factor = canonical_unit(None if pd.isna(unit) else str(unit))
        yield float(value) * factor, canonical, origin
    for column in _CONFIG_NUMBERS:
        if column not in dataset:
            continue
        numbers = pd.to_numeric(dataset[column], errors="coerce")
        for position in numbers.drop_duplicates().dropna().index:
            yield (
                float(numbers[position]),
                None,
                origins[dataset.index.get_loc(position)],
            )
