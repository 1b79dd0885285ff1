"""Failed runs: recognised from what the record says about itself.

Tools record failures in different ways: an ``error`` column or key holding a
message, ``success: false`` or ``status: failed``, or counters saying that no
request completed (vLLM's ``completed: 0, failed: 8``). A failed run's numbers
are placeholders (often 0.0), so its measurements are stored with status
``failed`` and no value: a failed run never averages in as 0 tok/s.

>>> failure_reason([("error", "error", "timed out")])
'timed out'
>>> failure_reason([("metric", "completed", 0), ("metric", "failed", 8)])
'no request completed (completed=0, failed=8)'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

_MAX_MESSAGE = 300
_NO_ERROR = frozenset(
    {"", "none", "null", "nan", "ok", "success", "0", "false", "n/a", "-", "[]", "{}"}
)
_FAILED_STATUS = frozenset(
    {
        "failed", "failure", "fail", "error", "errored", "timeout", "timed_out",
        "crashed", "aborted", "cancelled", "canceled", "killed", "false", "no",
    }
)  # fmt: skip
_YES_NO = frozenset({"false", "no"})
_SUCCESS_COUNTS = frozenset(
    {
        "completed", "successful_tests", "successful_requests", "completed_requests",
        "success_count", "num_success", "successes", "succeeded", "num_completed",
        "total_inferences", "successful_runs",
    }
)  # fmt: skip
_ATTEMPT_COUNTS = frozenset(
    {
        "failed", "failed_requests", "num_failed", "prompt_count", "num_prompts",
        "total_tests", "total", "total_requests", "num_requests", "total_runs",
    }
)  # fmt: skip


# Every counter name the rule below reads, for callers that pre-filter cells.
COUNTER_NAMES = _SUCCESS_COUNTS | _ATTEMPT_COUNTS


def failure_reason(cells: Iterable[tuple[str, str, object]]) -> str | None:
    """Why a record (or one JSON object) is a failed run, or None when it is not.

    ``cells`` are ``(role, normalized name, value)`` triples: the role from
    ``vocabulary.classify``, so an ``error`` column and an ``error`` key are one.
    """
    successes: dict[str, float] = {}
    attempts: dict[str, float] = {}
    status: str | None = None
    code: str | None = None
    for role, name, value in cells:
        if role == "error":
            message = _error_text(value)
            if message:
                return message
            # llmperf's "error_code": 429 beside an empty message still fails.
            if code is None and name.endswith("code") and _count(value):
                code = f"{name} {value}"
        elif role == "status" and status is None and _is_failed_status(value):
            status = f"marked failed ({name}={_short(value)})"
        if name not in _SUCCESS_COUNTS and name not in _ATTEMPT_COUNTS:
            continue
        number = _count(value)
        if number is None:
            continue
        if name in _SUCCESS_COUNTS:
            successes[name] = number
        elif name in _ATTEMPT_COUNTS:
            attempts[name] = number
    return status or code or _counter_reason(successes, attempts)


def _error_text(value: object) -> str | None:
    if value is True:
        return "error flag set"
    if isinstance(value, str):
        text = " ".join(value.split())
        if text.lower() not in _NO_ERROR:
            return text[:_MAX_MESSAGE]
        return None
    if isinstance(value, list):
        texts = [_error_text(item) for item in value]
        found = [text for text in texts if text]
        return f"{len(found)} errors, first: {found[0]}" if found else None
    if isinstance(value, dict):
        inner = value.get("message") or value.get("error") or value.get("detail")
        return _error_text(inner)
    return None


def _is_failed_status(value: object) -> bool:
    """``failed``, ``false``, or a failed word leading a message
    (``FAILED: OOM``, ``error - timed out``)."""
    if isinstance(value, bool):
        return value is False
    if isinstance(value, str):
        text = value.strip().lower()
        first = text.replace(":", " ").replace("-", " ").split(maxsplit=1)
        return text in _FAILED_STATUS or (
            bool(first) and first[0] in _FAILED_STATUS and first[0] not in _YES_NO
        )
    return False


def _count(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _counter_reason(
    successes: dict[str, float], attempts: dict[str, float]
) -> str | None:
    """Zero successes out of a positive number of attempts: nothing was measured."""
    if not successes or any(value > 0 for value in successes.values()):
        return None
    tried = {name: value for name, value in attempts.items() if value > 0}
    if not tried:
        return None
    shown = ", ".join(
        f"{name}={value:g}" for name, value in (*successes.items(), *tried.items())
    )
    return f"no request completed ({shown})"


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
