"""Option sweeps: every point of a grid, N runs each, resumable after a kill.

A grid such as ``num_gpu=60,80,120`` × ``num_ctx=512,1024`` becomes a list of
points. Points are visited grouped by their load-time options (``num_ctx``,
``num_gpu``, ``num_batch``, ``num_thread``) so the model is reloaded as rarely as
possible, and after every change of those a warm-up call is made and recorded as
such: its load time is kept, but out of the steady-state figures.

Every trial is appended to ``trials.jsonl`` the moment it finishes. ``resume``
reads that file back and skips each (point, repetition) already there, failed ones
included: a failure is a result. The plan is saved beside the results, and a
resume with a different plan is refused rather than mixed in.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chimera.backends.base import Backend, GenerationRequest, Message
from chimera.errors import UsageError
from chimera.measure.journal import TrialJournal
from chimera.measure.trials import Trial, run_trial
from chimera.options import ModelOptions
from chimera.outputs import atomic_write_json

logger = logging.getLogger(__name__)

PLAN_FILE = "plan.json"
TRIALS_FILE = "trials.jsonl"

TrialHook = Callable[[Trial], None]


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``["num_ctx=512,1024"]`` -> ``{"num_ctx": [512, 1024]}``, each value checked.

    >>> parse_grid(["num_ctx=512,1024", "temperature=0.6"])
    {'num_ctx': [512, 1024], 'temperature': [0.6]}
    """
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise UsageError(
                f"--grid expects NAME=V1,V2,..., got {spec!r}",
                hint="e.g. --grid num_ctx=512,1024",
            )
        if name in grid:
            raise UsageError(
                f"--grid {name} given twice", hint="list all its values once"
            )
        grid[name] = [_checked(name, raw.strip()) for raw in values.split(",")]
    return grid


def _checked(name: str, raw: str) -> Any:
    """The value as ModelOptions parses it, or a usage error naming the problem."""
    if name not in ModelOptions.model_fields:
        raise UsageError(
            f"unknown option {name!r} in --grid",
            hint=f"valid options: {', '.join(ModelOptions.model_fields)}",
        )
    try:
        return getattr(ModelOptions.model_validate({name: raw}), name)
    except ValidationError as error:
        reason = error.errors()[0]["msg"]
        raise UsageError(
            f"--grid {name}: bad value {raw!r}: {reason}",
            hint="values are comma-separated, e.g. --grid temperature=0.6,0.8",
        ) from error


@dataclass(frozen=True)
class GridPoint:
    key: str
    values: dict[str, Any]
    options: ModelOptions


class SweepPlan(BaseModel):
    """Everything that defines a sweep; saved so a resume can check it is the same."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grid: dict[str, list[Any]] = Field(min_length=1)
    base_options: dict[str, Any] = Field(default_factory=dict)
    runs: int = Field(3, ge=1)
    prompt: str
    system: str | None = None
    backend: dict[str, str | None] = Field(default_factory=dict)

    def points(self) -> list[GridPoint]:
        """Grid points in run order: grouped by load-time options, stable within."""
        names = list(self.grid)
        points = []
        for combo in itertools.product(*(self.grid[name] for name in names)):
            values = dict(zip(names, combo, strict=True))
            options = ModelOptions.model_validate({**self.base_options, **values})
            key = ",".join(f"{name}={value}" for name, value in values.items())
            points.append(GridPoint(key, values, options))
        # Group points that load alike, keeping the grid's order otherwise.
        groups: dict[tuple[tuple[str, Any], ...], list[GridPoint]] = {}
        for point in points:
            groups.setdefault(point.options.load_time_key(), []).append(point)
        return [point for group in groups.values() for point in group]

    def request(self, options: ModelOptions) -> GenerationRequest:
        messages = [Message("user", self.prompt)]
        if self.system:
            messages.insert(0, Message("system", self.system))
        return GenerationRequest(messages=tuple(messages), options=options)

    @property
    def total_trials(self) -> int:
        return len(self.points()) * self.runs


def prepare_out_dir(out_dir: Path, plan: SweepPlan, *, resume: bool) -> TrialJournal:
    """Save the plan, or check it against the saved one when resuming."""
    plan_path = out_dir / PLAN_FILE
    journal = TrialJournal(out_dir / TRIALS_FILE)
    if not resume:
        if journal.path.exists() and journal.path.stat().st_size > 0:
            raise UsageError(
                f"{journal.path} already holds trials",
                hint="add --resume to continue that sweep, or choose another --out",
            )
        atomic_write_json(plan_path, plan.model_dump(mode="json"))
        return journal
    if not plan_path.exists():
        raise UsageError(
            f"nothing to resume in {out_dir}: no {PLAN_FILE}",
            hint="run the sweep without --resume first",
        )
    saved = SweepPlan.model_validate(json.loads(plan_path.read_text("utf-8")))
    _require_same(saved, plan, plan_path)
    return journal


def _require_same(saved: SweepPlan, plan: SweepPlan, plan_path: Path) -> None:
    new = plan.model_dump(mode="json")
    old = saved.model_dump(mode="json")
    differing = [name for name in new if new[name] != old[name]]
    if differing:
        raise UsageError(
            f"--resume with a different sweep: {', '.join(differing)} differ from "
            f"{plan_path}",
            hint="repeat the original flags, or choose another --out for a new sweep",
        )


async def run_sweep(
    plan: SweepPlan,
    backend: Backend,
    journal: TrialJournal,
    *,
    on_trial: TrialHook | None = None,
) -> list[Trial]:
    """Run every unfinished trial of ``plan``, appending each to ``journal``.

    Returns every trial of the sweep, those from earlier runs included.
    """
    recorder = _Recorder(plan, backend, journal, journal.load(), on_trial)
    finished = {(t.config, t.repetition) for t in recorder.trials if not t.warmup}
    if finished:
        logger.info("resuming: %s trial(s) already done", len(finished))
    loaded: tuple[tuple[str, Any], ...] | None = None
    for point in plan.points():
        todo = [r for r in range(plan.runs) if (point.key, r) not in finished]
        if not todo:
            continue
        load_key = point.options.load_time_key()
        if load_key != loaded:
            # A new model load: measured on its own, outside the steady state.
            await recorder.record(point, recorder.warmups_of(point), warmup=True)
            loaded = load_key
        for repetition in todo:
            await recorder.record(point, repetition, warmup=False)
    return recorder.trials


@dataclass
class _Recorder:
    plan: SweepPlan
    backend: Backend
    journal: TrialJournal
    trials: list[Trial]
    on_trial: TrialHook | None

    def warmups_of(self, point: GridPoint) -> int:
        return sum(t.warmup and t.config == point.key for t in self.trials)

    async def record(self, point: GridPoint, repetition: int, *, warmup: bool) -> None:
        trial = await run_trial(
            self.backend,
            self.plan.request(point.options),
            config=point.key,
            repetition=repetition,
            warmup=warmup,
        )
        self.journal.append(trial)
        self.trials.append(trial)
        kind = "warm-up" if warmup else "run"
        logger.info("%s %s %s: %s", point.key, kind, repetition, trial.status)
        if self.on_trial is not None:
            self.on_trial(trial)
