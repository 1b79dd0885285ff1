"""Checking every figure and fact citation a model wrote against what was computed.

A figure is verified when it equals a number in the facts digest, or a value in
the dataset, to the precision it was written with and after unit conversion
(0.1289 s equals 128.9 ms; 102 equals 101.994 written without decimals). A figure
that matches nothing is flagged: marked in the text where it stands and listed in
the report's "Unverified figures" appendix. Matching the raw dataset is allowed
only for figures precise enough not to match by accident (three significant
digits, or two with a unit). Citing a fact id the model was not given is flagged
the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from chimera.analysis.facts import Digest, FactKind
from chimera.analysis.figures import NumberMention, canonical_unit, find_numbers
from chimera.analysis.value_index import ValueIndex

FACT_ID = re.compile(r"\b(?:" + "|".join(kind.value for kind in FactKind) + r")-\d+\b")
# Config columns whose values are figures a model may quote ("num_ctx 2048").
CONFIG_NUMBER_COLUMNS = ("num_gpu", "num_ctx", "temperature", "top_p", "top_k",
                         "repeat_penalty", "batch_size", "concurrency")  # fmt: skip
_CONTEXT_CHARS = 40
UNMATCHED = "matches no fact or dataset value"


@dataclass(frozen=True)
class Flag:
    """Something in model-written text that could not be verified.

    ``label`` is "U<n>" for a figure, "C<n>" for a citation; ``start``/``end``
    locate ``written`` in the text of ``field`` (both -1 for a citation that came
    as a list item rather than in the text).
    """

    label: str
    field: str
    written: str
    context: str
    reason: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class CheckedText:
    """A model-written text, with what in it could not be verified."""

    field: str
    text: str
    figures: int
    citations: int
    flags: tuple[Flag, ...]

    def segments(self) -> list[tuple[str, Flag | None]]:
        """The text cut into plain pieces and flagged pieces, in order."""
        pieces: list[tuple[str, Flag | None]] = []
        cursor = 0
        for flag in sorted(self.flags, key=lambda flag: flag.start):
            if flag.start < cursor:
                continue
            pieces.append((self.text[cursor : flag.start], None))
            pieces.append((self.text[flag.start : flag.end], flag))
            cursor = flag.end
        pieces.append((self.text[cursor:], None))
        return [(text, flag) for text, flag in pieces if text]

    def marked(self) -> str:
        """The text with "[unverified #U3]" after every flagged piece."""
        return "".join(
            text if flag is None else f"{text} [unverified #{flag.label}]"
            for text, flag in self.segments()
        )


@dataclass(frozen=True)
class VerificationSummary:
    """Counts for metrics.json and the flags for the report's appendix.

    A claim is a figure or a fact citation in model-written text.
    """

    figures_total: int = 0
    figures_flagged: int = 0
    citations_total: int = 0
    citations_flagged: int = 0
    flags: tuple[Flag, ...] = ()

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
            "flagged": [asdict(flag) for flag in self.flags],
        }


class Verifier:
    """Checks model-written texts against one digest and its dataset.

    ``given_ids`` are the fact ids that were in the prompt; citing any other id is
    flagged. Flag labels run across every text this verifier checks, in order.
    """

    def __init__(
        self, digest: Digest, dataset: pd.DataFrame, given_ids: Iterable[str]
    ) -> None:
        self.digest = digest
        self.given_ids = frozenset(given_ids)
        self._facts = ValueIndex(_fact_entries(digest))
        self._dataset = ValueIndex(_dataset_entries(dataset))
        self._figures = self._citations = 0
        self._flags: list[Flag] = []

    def check_text(self, field: str, text: str) -> CheckedText:
        """Check every figure and every fact id written in ``text``."""
        flags: list[Flag] = []
        mentions = find_numbers(text)
        for mention in mentions:
            if self.match(mention) is None:
                flags.append(self._figure_flag(field, text, mention))
        ids = list(FACT_ID.finditer(text))
        for found in ids:
            reason = self._problem(found.group(0))
            if reason:
                span = found.span()
                flags.append(self._citation_flag(field, found.group(0), reason, span))
        self._figures += len(mentions)
        self._citations += len(ids)
        return CheckedText(field, text, len(mentions), len(ids), tuple(flags))

    def check_citations(self, field: str, fact_ids: Sequence[str]) -> list[Flag]:
        """Check the fact ids a structured answer item cites."""
        self._citations += len(fact_ids)
        return [
            self._citation_flag(field, fact_id, reason, (-1, -1))
            for fact_id in fact_ids
            if (reason := self._problem(fact_id))
        ]

    def match(self, mention: NumberMention) -> str | None:
        """The fact id or dataset location a figure matches, or None."""
        for value in dict.fromkeys((mention.canonical, abs(mention.canonical))):
            found = self._facts.find(value, mention.tolerance, mention.unit)
            if found is None and _precise(mention):
                found = self._dataset.find(value, mention.tolerance, mention.unit)
            if found is not None:
                return found
        return None

    def summary(self) -> VerificationSummary:
        figures = sum(flag.label.startswith("U") for flag in self._flags)
        return VerificationSummary(
            figures_total=self._figures,
            figures_flagged=figures,
            citations_total=self._citations,
            citations_flagged=len(self._flags) - figures,
            flags=tuple(self._flags),
        )

    def _problem(self, fact_id: str) -> str | None:
        if fact_id in self.given_ids:
            return None
        if fact_id in self.digest.ids:
            return "cites a fact the model was not given"
        return "cites a fact that does not exist"

    def _figure_flag(self, field: str, text: str, mention: NumberMention) -> Flag:
        label = f"U{sum(f.label.startswith('U') for f in self._flags) + 1}"
        flag = Flag(
            label,
            field,
            mention.raw,
            _context(text, mention.start, mention.end),
            UNMATCHED,
            mention.start,
            mention.end,
        )
        self._flags.append(flag)
        return flag

    def _citation_flag(
        self, field: str, fact_id: str, reason: str, span: tuple[int, int]
    ) -> Flag:
        label = f"C{sum(f.label.startswith('C') for f in self._flags) + 1}"
        flag = Flag(label, field, fact_id, fact_id, reason, *span)
        self._flags.append(flag)
        return flag


def _precise(mention: NumberMention) -> bool:
    """Precise enough that a match among thousands of raw values is no accident."""
    return mention.significant >= 3 or (
        mention.unit is not None and mention.significant >= 2
    )


def _context(text: str, start: int, end: int) -> str:
    head = max(0, start - _CONTEXT_CHARS)
    tail = min(len(text), end + _CONTEXT_CHARS)
    return " ".join(text[head:tail].split())


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
    for value, unit, origin in zip(values, dataset["unit"], origins, strict=True):
        if pd.isna(value):
            continue
        canonical, factor = canonical_unit(None if pd.isna(unit) else str(unit))
        yield float(value) * factor, canonical, origin
    for column in CONFIG_NUMBER_COLUMNS:
        if column not in dataset:
            continue
        numbers = pd.to_numeric(dataset[column], errors="coerce").tolist()
        seen: set[float] = set()
        for value, origin in zip(numbers, origins, strict=True):
            if not pd.isna(value) and value not in seen:
                seen.add(value)
                yield float(value), None, origin
