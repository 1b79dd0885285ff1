"""Compare two configurations of the same model on the same prompt.

Runs alternate A B A B … so that whatever drifts during a session (thermal
throttling, other load, caches warming) hits both configurations alike. Warm-up
runs of each come first and are kept out of the figures. Each metric gets both
means with their intervals, the delta of B over A with its 95 % interval, and
Welch's p-value; a delta whose interval spans zero is reported as such.

When the two configurations differ in load-time options, each gets its own backend
instance (``backend_b``), so the comparison measures steady state and not a model
reload before every call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chimera.backends.base import Backend, GenerationRequest, Message
from chimera.measure.catalog import MetricSpec, metric_specs
from chimera.measure.stats import Delta, welch_delta
from chimera.measure.trials import (
    Trial,
    TrialSetSummary,
    run_trial,
    summarize_trials,
    values_of,
)
from chimera.options import ModelOptions

logger = logging.getLogger(__name__)

DEFAULT_PROMPT = (
    "In two sentences, explain why time to first token matters for interactive "
    "applications of language models."
)

TrialHook = Callable[[Trial], None]


@dataclass(frozen=True)
class ConfigUnderTest:
    label: str
    options: ModelOptions


@dataclass(frozen=True)
class ComparePlan:
    a: ConfigUnderTest
    b: ConfigUnderTest
    runs: int = 5
    warmup: int = 1
    prompt: str = DEFAULT_PROMPT
    system: str | None = None
    metrics: tuple[str, ...] = ()

    def request(self, options: ModelOptions) -> GenerationRequest:
        messages = [Message("user", self.prompt)]
        if self.system:
            messages.insert(0, Message("system", self.system))
        return GenerationRequest(messages=tuple(messages), options=options)

    def schedule(self) -> list[tuple[ConfigUnderTest, int, bool]]:
        """(config, repetition, warm-up?) in the order they run: A B A B …"""
        order: list[tuple[ConfigUnderTest, int, bool]] = []
        for index in range(self.warmup):
            order += [(self.a, index, True), (self.b, index, True)]
        for index in range(self.runs):
            order += [(self.a, index, False), (self.b, index, False)]
        return order

    @property
    def same_options(self) -> bool:
        return self.a.options == self.b.options


@dataclass(frozen=True)
class MetricComparison:
    spec: MetricSpec
    delta: Delta

    @property
    def verdict(self) -> str:
        """Plain words: better, worse, or no difference the data can show."""
        if self.delta.delta is None:
            return "not measured"
        if not self.delta.significant():
            return "no significant difference"
        return "B better" if self.spec.improved(self.delta.delta) else "B worse"


@dataclass(frozen=True)
class CompareResult:
    plan: ComparePlan
    backend: dict[str, str]
    trials: tuple[Trial, ...]
    summary_a: TrialSetSummary
    summary_b: TrialSetSummary
    comparisons: tuple[MetricComparison, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "backend": self.backend,
            "prompt": plan.prompt,
            "system": plan.system,
            "runs": plan.runs,
            "warmup": plan.warmup,
            "interleaved": True,
            "a": {"label": plan.a.label, "options": plan.a.options.sent()},
            "b": {"label": plan.b.label, "options": plan.b.options.sent()},
            "summary_a": self.summary_a.to_dict(),
            "summary_b": self.summary_b.to_dict(),
            "deltas": {
                c.spec.name: {**c.delta.to_dict(), "verdict": c.verdict}
                for c in self.comparisons
            },
            "trials": [trial.model_dump() for trial in self.trials],
        }


async def run_compare(
    plan: ComparePlan,
    backend_a: Backend,
    backend_b: Backend | None = None,
    *,
    on_trial: TrialHook | None = None,
) -> CompareResult:
    """Run the plan's interleaved schedule and compare B against A."""
    backends = {plan.a.label: backend_a, plan.b.label: backend_b or backend_a}
    trials: list[Trial] = []
    for config, repetition, warmup in plan.schedule():
        trial = await run_trial(
            backends[config.label],
            plan.request(config.options),
            config=config.label,
            repetition=repetition,
            warmup=warmup,
        )
        logger.info(
            "%s run %s%s: %s",
            config.label,
            repetition,
            " (warm-up)" if warmup else "",
            trial.status,
        )
        trials.append(trial)
        if on_trial is not None:
            on_trial(trial)
    return compare_trials(plan, trials, _describe(backend_a))


def compare_trials(
    plan: ComparePlan, trials: list[Trial], backend: dict[str, str]
) -> CompareResult:
    """Statistics and deltas over already-measured trials of both configs."""
    specs = metric_specs(plan.metrics or None)
    of_a = [t for t in trials if t.config == plan.a.label]
    of_b = [t for t in trials if t.config == plan.b.label]
    comparisons = tuple(
        MetricComparison(
            spec, welch_delta(values_of(of_a, spec.name), values_of(of_b, spec.name))
        )
        for spec in specs
    )
    return CompareResult(
        plan=plan,
        backend=backend,
        trials=tuple(trials),
        summary_a=summarize_trials(of_a, specs),
        summary_b=summarize_trials(of_b, specs),
        comparisons=comparisons,
    )


def _describe(backend: Backend) -> dict[str, str]:
    return {"kind": backend.kind, "endpoint": backend.endpoint, "model": backend.model}
