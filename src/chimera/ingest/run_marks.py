"""What a record's own cells say about the record: warm-up, summary, unset.

Benchmark tools mark some rows as not being measured runs. A warm-up call
(``warmup=1``, ``is_warmup: true``) carries the model load and cache fill, so it
must stay out of run statistics. A row that states its run count
(``| baseline | 6 | 52.1 |`` under ``Runs``) holds values summarised over those
runs, not one measurement. And a setting written as "None", "default" or "-"
was left at the tool's default: it is not a value of that setting.
"""

from __future__ import annotations

from chimera.ingest.units import is_missing, parse_number, strip_markup
from chimera.ingest.vocabulary import Field

# A truthy cell under one of these names marks a warm-up call, not a measured run.
WARMUP_NAMES = frozenset(
    {"warmup", "is_warmup", "warm_up", "is_warm_up", "warmup_run", "is_warmup_run"}
)
_TRUE_WORDS = frozenset({"1", "1.0", "true", "yes", "y"})
_WARMUP_WORDS = frozenset({"warmup", "warm-up", "warm_up", "warm up"})
# Run-count names: a row that states more than one run summarises them.
RUN_COUNT_NAMES = frozenset({"runs", "num_runs", "n_runs"})
_UNSET_WORDS = frozenset({"none", "default", "unset"})


def is_warmup_mark(info: Field, value: object) -> bool:
    """``warmup=1`` / ``is_warmup: true``: the record is a warm-up call.

    >>> from chimera.ingest.vocabulary import classify
    >>> is_warmup_mark(classify("warmup", ()), "1")
    True
    >>> is_warmup_mark(classify("is_warmup", ()), False)
    False
    """
    if value is None:
        return False
    if info.role == "status" and isinstance(value, str):
        # A status or phase column that says "warmup" (``status: warm-up``).
        return strip_markup(value).strip().lower() in _WARMUP_WORDS
    if info.slug not in WARMUP_NAMES:
        return False
    return strip_markup(str(value)).strip().lower() in _TRUE_WORDS


def summary_stat(params: dict[str, object]) -> str | None:
    """ "mean" when the record states a run count above one, else None.

    A value written beside "Runs: 6" without a statistic word is read as the
    mean of those runs, the usual way a table summarises repeated runs.

    >>> summary_stat({"runs": "6"}), summary_stat({"runs": 1}), summary_stat({})
    ('mean', None, None)
    """
    for name in RUN_COUNT_NAMES:
        value = params.get(name)
        if value is None or isinstance(value, bool):
            continue
        parsed = parse_number(strip_markup(str(value)))
        if parsed is not None and not parsed.rest and parsed.value > 1:
            return "mean"
    return None


def not_set(text: str) -> bool:
    """ "None", "default", "-": the setting was left at the tool's default.

    >>> not_set("None"), not_set("-"), not_set("512")
    (True, True, False)
    """
    cleaned = strip_markup(text).strip()
    return is_missing(cleaned) or cleaned.lower() in _UNSET_WORDS
