"""What a sweep produced: per-point statistics, the best point per metric, and files.

Three files come out of a sweep folder besides the raw ``trials.jsonl``:

- ``summary.md``: one row per grid point (mean and 95 % interval per metric, error
  rate, load time of its warm-up) and the best point per metric, with the Welch
  p-value of best against runner-up so a "best" inside the noise says so.
- ``trials.csv``: one row per measured trial in the shape of common parameter-tuning
  CSVs (option columns, then ``tokens_s``, ``ttft_ms``, …, ``error``), empty cells
  where nothing was measured, so ``chimera ingest`` reads it back like any other.
- ``summary.json``: the same statistics, machine-readable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chimera.measure.catalog import MetricSpec
from chimera.measure.render import mean_ci, num, p_value, table
from chimera.measure.stats import Delta, summarize, welch_delta
from chimera.measure.sweep import GridPoint, SweepPlan
from chimera.measure.trials import Trial, TrialSetSummary, summarize_trials, values_of
from chimera.outputs import atomic_write_json, atomic_write_text

SWEEP_SCHEMA_VERSION = 1

# trials.csv column -> CallMetrics key. Units in the names, as ingestion expects.
CSV_METRICS: dict[str, str] = {
    "tokens_s": "tokens_per_s",
    "eval_tokens_s": "eval_tokens_per_s",
    "client_decode_tokens_s": "client_decode_tokens_per_s",
    "ttft_ms": "ttft_ms",
    "wall_ms": "wall_ms",
    "total_ms": "server_total_ms",
    "load_ms": "server_load_ms",
    "prompt_eval_ms": "server_prompt_eval_ms",
    "eval_ms": "server_eval_ms",
    "eval_count": "tokens_generated",
    "prompt_eval_count": "prompt_tokens",
}


@dataclass(frozen=True)
class PointResult:
    point: GridPoint
    summary: TrialSetSummary
    warmup_wall_ms: float | None
    warmup_load_ms: float | None


@dataclass(frozen=True)
class Best:
    spec: MetricSpec
    point: PointResult
    mean: float
    versus_runner_up: Delta | None


def point_results(
    plan: SweepPlan, trials: Sequence[Trial], specs: Sequence[MetricSpec]
) -> list[PointResult]:
    results = []
    for point in plan.points():
        mine = [t for t in trials if t.config == point.key]
        warm = [t for t in mine if t.warmup and t.status == "ok"]
        results.append(
            PointResult(
                point=point,
                summary=summarize_trials(mine, specs),
                warmup_wall_ms=summarize(t.value("wall_ms") for t in warm).mean,
                warmup_load_ms=summarize(t.value("server_load_ms") for t in warm).mean,
            )
        )
    return results


def best_points(
    results: Sequence[PointResult], trials: Sequence[Trial], specs: Sequence[MetricSpec]
) -> list[Best]:
    """The point with the best mean per metric, tested against the runner-up."""
    bests = []
    for spec in specs:
        ranked: list[tuple[float, PointResult]] = []
        for result in results:
            mean = result.summary.metrics[spec.name].mean
            if mean is not None:
                ranked.append((mean, result))
        if not ranked:
            continue
        ranked.sort(key=lambda pair: pair[0], reverse=spec.better == "higher")
        (mean, winner), runner = ranked[0], ranked[1] if len(ranked) > 1 else None
        delta = None
        if runner is not None:
            delta = welch_delta(
                _values(trials, runner[1].point.key, spec.name),
                _values(trials, winner.point.key, spec.name),
            )
        bests.append(Best(spec, winner, mean, delta))
    return bests


def _values(trials: Sequence[Trial], key: str, metric: str) -> list[float | None]:
    return values_of([t for t in trials if t.config == key], metric)


def write_sweep_outputs(
    out_dir: Path, plan: SweepPlan, trials: Sequence[Trial], specs: Sequence[MetricSpec]
) -> dict[str, Path]:
    """Write summary.md, summary.json and trials.csv atomically."""
    results = point_results(plan, trials, specs)
    bests = best_points(results, trials, specs)
    data = {
        "schema_version": SWEEP_SCHEMA_VERSION,
        "plan": plan.model_dump(mode="json"),
        "points": [
            {
                "key": r.point.key,
                "values": r.point.values,
                "warmup_wall_ms": r.warmup_wall_ms,
                "warmup_load_ms": r.warmup_load_ms,
                **r.summary.to_dict(),
            }
            for r in results
        ],
        "best": {
            b.spec.name: {
                "key": b.point.point.key,
                "mean": b.mean,
                "versus_runner_up": b.versus_runner_up.to_dict()
                if b.versus_runner_up
                else None,
            }
            for b in bests
        },
    }
    return {
        "summary.json": atomic_write_json(out_dir / "summary.json", data),
        "summary.md": atomic_write_text(
            out_dir / "summary.md", render_sweep(plan, results, bests, specs)
        ),
        "trials.csv": atomic_write_text(
            out_dir / "trials.csv", trials_csv(plan, trials)
        ),
    }


def render_sweep(
    plan: SweepPlan,
    results: Sequence[PointResult],
    bests: Sequence[Best],
    specs: Sequence[MetricSpec],
) -> str:
    names = list(plan.grid)
    backend = plan.backend
    rows = [
        [
            *(str(r.point.values[name]) for name in names),
            f"{r.summary.n_ok}/{r.summary.n_trials}",
            *(mean_ci(r.summary.metrics[s.name]) for s in specs),
            num(r.warmup_wall_ms, 1),
        ]
        for r in results
    ]
    lines = [
        "# Sweep summary",
        "",
        f"Backend {backend.get('kind')} ({backend.get('model') or 'default model'}), "
        f"{len(results)} grid point(s) × {plan.runs} run(s). Means with 95 % "
        "confidence intervals over successful runs; warm-up calls after each "
        "load-time change are excluded and their wall time shown separately.",
        "",
        table(
            [*names, "ok/runs", *(f"{s.name}" for s in specs), "warm-up wall ms"],
            rows,
        ),
        "",
        "## Best point per metric",
        "",
        table(
            ["Metric", "Best point", "Mean", "vs runner-up", "p"],
            [_best_row(b) for b in bests],
        ),
        "",
    ]
    return "\n".join(lines)


def _best_row(best: Best) -> list[str]:
    versus = best.versus_runner_up
    verdict = "only point measured"
    if versus is not None and versus.delta is not None:
        verdict = f"{versus.delta:+.2f} {best.spec.unit}" + (
            "" if versus.significant() else " (within noise)"
        )
    return [
        f"{best.spec.name} ({best.spec.better} is better)",
        best.point.point.key,
        num(best.mean),
        verdict,
        p_value(versus.p_value if versus else None),
    ]


def trials_csv(plan: SweepPlan, trials: Sequence[Trial]) -> str:
    """One row per measured trial; grid options first, metrics, then the error."""
    points = {p.key: p for p in plan.points()}
    option_columns = list(dict.fromkeys([*plan.grid, *plan.base_options]))
    columns = [
        "config_name",
        "repetition",
        *option_columns,
        "backend",
        "model",
        "status",
        *CSV_METRICS,
        "timestamp",
        "error",
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for trial in trials:
        if trial.warmup or trial.config not in points:
            continue
        writer.writerow(_csv_row(plan, points[trial.config], trial, option_columns))
    return buffer.getvalue()


def _cell(value: float | None) -> str:
    """Empty for unmeasured; counts without a trailing ``.0``."""
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


def _csv_row(
    plan: SweepPlan, point: GridPoint, trial: Trial, option_columns: list[str]
) -> dict[str, Any]:
    sent = point.options.sent()
    row: dict[str, Any] = {
        "config_name": point.key,
        "repetition": trial.repetition,
        **{name: sent.get(name, "") for name in option_columns},
        "backend": plan.backend.get("kind") or "",
        "model": (trial.metrics or {}).get("model") or plan.backend.get("model") or "",
        "status": trial.status,
        "timestamp": trial.started_at,
        "error": trial.error or "",
    }
    for column, key in CSV_METRICS.items():
        value = trial.value(key)
        row[column] = _cell(value)
    return row
