"""One measured call as a durable record, and statistics over many of them.

A ``Trial`` is what compare, sweep and the retry wrapper all produce: which
configuration ran, its options, the repetition, whether it was a warm-up, whether
the call succeeded, the error text when it did not, and the call's metrics.

Failed calls keep their error and carry no metrics at all, so they count toward
the error rate and can never leak a 0 into a throughput or latency statistic.
Warm-up trials are stored (their load time is worth seeing) but kept out of
steady-state figures. Records serialise to strict JSON: a NaN is a bug, not data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chimera.backends.base import Backend, GenerationRequest
from chimera.errors import BackendError, BackendHTTPError
from chimera.measure.catalog import MetricSpec
from chimera.measure.retry import RetryingBackend
from chimera.measure.stats import Summary, summarize
from chimera.metrics.record import CallMetrics

TRIAL_SCHEMA_VERSION = 1

TrialStatus = Literal["ok", "failed"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Trial(BaseModel):
    """One call of one configuration, successful or not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = TRIAL_SCHEMA_VERSION
    config: str = Field(description="Configuration label, e.g. 'A' or a grid point.")
    options: dict[str, Any] = Field(description="Options sent (unset ones omitted).")
    repetition: int = Field(ge=0, description="Repetition index within the config.")
    warmup: bool = Field(False, description="Warm-up call, kept out of statistics.")
    status: TrialStatus = "ok"
    error: str | None = None
    error_type: str | None = None
    http_status: int | None = None
    attempts: int = Field(1, ge=1, description="Calls made, retries included.")
    started_at: str = Field(default_factory=utc_now)
    metrics: dict[str, Any] | None = Field(
        None, description="CallMetrics.to_dict() of a successful call; else None."
    )

    def value(self, metric: str) -> float | None:
        """The metric's value, ``None`` for failed calls and unmeasured values."""
        if self.metrics is None:
            return None
        raw = self.metrics.get(metric)
        return None if raw is None else float(raw)

    def to_json(self) -> str:
        """One strict JSON line (``allow_nan=False``: NaN or inf raises)."""
        return json.dumps(self.model_dump(), allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Trial:
        return cls.model_validate_json(line)


async def run_trial(
    backend: Backend,
    request: GenerationRequest,
    *,
    config: str,
    repetition: int,
    warmup: bool = False,
) -> Trial:
    """Make one call and record it; a backend failure becomes a failed trial.

    Only ``BackendError`` is recorded: anything else is a bug and propagates.
    """
    started_at = utc_now()
    fields: dict[str, Any] = {
        "config": config,
        "options": request.options.sent(),
        "repetition": repetition,
        "warmup": warmup,
        "started_at": started_at,
    }
    if isinstance(backend, RetryingBackend):
        outcome = await backend.call(request)
        fields["attempts"] = len(outcome.attempts)
        if outcome.result is not None:
            return Trial(**fields, metrics=plain_metrics(outcome.result.metrics))
        assert outcome.error is not None
        return failed_trial(outcome.error, **fields)
    try:
        result = await backend.generate(request)
    except BackendError as error:
        return failed_trial(error, **fields)
    return Trial(**fields, metrics=plain_metrics(result.metrics))


def plain_metrics(metrics: CallMetrics) -> dict[str, Any]:
    """The metrics as they will read back from JSON (lists, not tuples).

    Going through strict JSON here also refuses a NaN the moment it is measured.
    """
    data: dict[str, Any] = json.loads(json.dumps(metrics.to_dict(), allow_nan=False))
    return data


def failed_trial(error: BackendError, **fields: Any) -> Trial:
    status = error.status_code if isinstance(error, BackendHTTPError) else None
    return Trial(
        **fields,
        status="failed",
        error=error.one_line(),
        error_type=type(error).__name__,
        http_status=status,
    )


@dataclass(frozen=True)
class TrialSetSummary:
    """Error rate and per-metric statistics over the measured trials of a set."""

    n_trials: int
    n_ok: int
    n_failed: int
    error_rate: float | None
    metrics: dict[str, Summary]
    errors: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["metrics"] = {name: s.to_dict() for name, s in self.metrics.items()}
        return data


def measured(trials: Iterable[Trial]) -> list[Trial]:
    """Trials that count: warm-ups left out."""
    return [trial for trial in trials if not trial.warmup]


def summarize_trials(
    trials: Sequence[Trial], metrics: Sequence[MetricSpec]
) -> TrialSetSummary:
    """Summarise measured trials: failures give the error rate, successes the rest.

    A failed trial has no metrics, so it drops out of every timing statistic
    without being counted as a missing (unmeasurable) value.
    """
    counted = measured(trials)
    ok = [trial for trial in counted if trial.status == "ok"]
    failed = [trial for trial in counted if trial.status == "failed"]
    error_rate = len(failed) / len(counted) if counted else None
    return TrialSetSummary(
        n_trials=len(counted),
        n_ok=len(ok),
        n_failed=len(failed),
        error_rate=error_rate,
        metrics={
            spec.name: summarize(trial.value(spec.name) for trial in ok)
            for spec in metrics
        },
        errors=tuple(sorted({trial.error for trial in failed if trial.error})),
    )


def values_of(trials: Iterable[Trial], metric: str) -> list[float | None]:
    """A metric's values over the successful measured trials (None kept)."""
    return [t.value(metric) for t in measured(trials) if t.status == "ok"]
