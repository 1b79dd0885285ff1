"""``compare.md`` and ``compare.json``: a comparison a reviewer can check.

The Markdown lists both configurations option by option, then one row per metric
with each side's mean and interval, the delta with its interval and Welch p-value,
and a verdict in words. Error rates come first: a config that fails half its calls
is not faster, whatever its successful calls say.
"""

from __future__ import annotations

from pathlib import Path

from chimera.measure.compare import CompareResult
from chimera.measure.render import delta_ci, mean_ci, num, p_value, table
from chimera.measure.trials import TrialSetSummary
from chimera.options import ModelOptions
from chimera.outputs import atomic_write_json, atomic_write_text

COMPARE_SCHEMA_VERSION = 1


def write_compare(result: CompareResult, out_dir: Path) -> tuple[Path, Path]:
    """Write ``compare.json`` and ``compare.md`` atomically; returns both paths."""
    data = {"schema_version": COMPARE_SCHEMA_VERSION, **result.to_dict()}
    json_path = atomic_write_json(out_dir / "compare.json", data)
    md_path = atomic_write_text(out_dir / "compare.md", render_compare(result))
    return json_path, md_path


def render_compare(result: CompareResult) -> str:
    plan = result.plan
    a, b = plan.a.label, plan.b.label
    backend = result.backend
    lines = [
        f"# Compare: {a} vs {b}",
        "",
        f"Backend {backend['kind']} at {backend['endpoint']}, model "
        f"{backend['model']}. {plan.runs} measured run(s) per config after "
        f"{plan.warmup} warm-up run(s) each, interleaved ({a} {b} {a} {b} …). "
        "Means with 95 % confidence intervals; deltas are "
        f"{b} minus {a} with Welch's t-test.",
        "",
    ]
    if plan.same_options:
        lines += [
            "Both configs send the same options: this is an A/A run, so any "
            "significant delta below is noise.",
            "",
        ]
    lines += [
        "## Configurations",
        "",
        _options_table(a, plan.a.options, b, plan.b.options),
        "",
        "## Reliability",
        "",
        table(
            ["Config", "Runs", "Failed", "Error rate"],
            [
                _reliability_row(a, result.summary_a),
                _reliability_row(b, result.summary_b),
            ],
        ),
        "",
        "## Metrics",
        "",
        table(
            ["Metric", a, b, f"Delta ({b} - {a})", "p", "Verdict"],
            [
                [
                    f"{c.spec.label} ({c.spec.unit}, {c.spec.better} is better)",
                    mean_ci(result.summary_a.metrics[c.spec.name]),
                    mean_ci(result.summary_b.metrics[c.spec.name]),
                    delta_ci(c.delta),
                    p_value(c.delta.p_value),
                    c.verdict.replace("B ", f"{b} "),
                ]
                for c in result.comparisons
            ],
        ),
        "",
        f"Prompt: {plan.prompt!r}",
        "",
    ]
    errors = set(result.summary_a.errors) | set(result.summary_b.errors)
    if errors:
        lines += ["## Errors", "", *(f"- {error}" for error in sorted(errors)), ""]
    return "\n".join(lines)


def _options_table(
    a: str, options_a: ModelOptions, b: str, options_b: ModelOptions
) -> str:
    described_a, described_b = options_a.described(), options_b.described()
    rows = [
        [name, described_a[name], described_b[name]]
        for name in described_a
        if described_a[name] != "default" or described_b[name] != "default"
    ]
    return table(["Option", a, b], rows or [["(none)", "default", "default"]])


def _reliability_row(label: str, summary: TrialSetSummary) -> list[str]:
    rate = None if summary.error_rate is None else 100 * summary.error_rate
    return [
        label,
        str(summary.n_trials),
        str(summary.n_failed),
        "n/a" if rate is None else f"{num(rate, 1)} %",
    ]
