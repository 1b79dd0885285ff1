"""Regenerate Chimera's sample artifact tree by measuring the embedded model.

The demo and the tests need a small tree of benchmark results that Chimera owns. This
script measures SmolLM2-135M (the embedded default) over a small grid of options with
repetitions and writes the results the way benchmark tools usually do:

    <out>/csv_data/embedded_param_sweep.csv       one row per call
    <out>/artifacts/embedded_param_sweep.json     per-config summary + system info
    <out>/reports/embedded_param_sweep.md         a Markdown report with a table

Run it with ``make samples`` (or ``python scripts/make_samples.py --out DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import itertools
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chimera.backends import BackendSpec, GenerationRequest, Message, create_backend
from chimera.errors import BackendError
from chimera.options import ModelOptions
from chimera.outputs import atomic_write_json, atomic_write_text, system_info

PROMPTS = (
    "Explain in two sentences why time to first token matters for chat users.",
    "List three ways to raise LLM decode throughput on a CPU.",
)
GRID = {"num_ctx": (512, 2048), "temperature": (0.2, 0.8)}
MODEL = "SmolLM2-135M-Instruct"
QUANT = "Q4_1"
CSV_COLUMNS = (
    "timestamp",
    "model",
    "quantization",
    "backend",
    "config_name",
    "num_ctx",
    "temperature",
    "num_predict",
    "prompt_id",
    "repetition",
    "warmup",
    "ttft_ms",
    "tokens_per_s",
    "client_decode_tokens_per_s",
    "tokens_generated",
    "prompt_tokens",
    "wall_ms",
    "prompt_eval_ms",
    "eval_ms",
    "load_ms",
    "error",
)


def configurations(num_predict: int) -> list[ModelOptions]:
    """Backend defaults first (the baseline), then the Chimera grid."""
    baseline = ModelOptions(num_predict=num_predict, seed=7)
    return [baseline] + [
        ModelOptions(
            num_ctx=num_ctx, temperature=temperature, num_predict=num_predict, seed=7
        )
        for num_ctx, temperature in itertools.product(*GRID.values())
    ]


async def measure(repetitions: int, num_predict: int) -> list[dict[str, Any]]:
    backend = create_backend(BackendSpec())
    rows: list[dict[str, Any]] = []
    try:
        for options in configurations(num_predict):
            # A new num_ctx means a new llama.cpp context: one warm-up call takes the
            # load time so that it stays out of the steady-state figures.
            warmup = await _one_call(backend, options, 0, PROMPTS[0], -1)
            rows.append({**warmup, "warmup": 1})
            for rep, (prompt_id, prompt) in itertools.product(
                range(repetitions), enumerate(PROMPTS)
            ):
                rows.append(await _one_call(backend, options, prompt_id, prompt, rep))
    finally:
        await backend.aclose()
    return rows


async def _one_call(
    backend: Any, options: ModelOptions, prompt_id: int, prompt: str, rep: int
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": MODEL,
        "quantization": QUANT,
        "backend": "llama.cpp (embedded)",
        "config_name": _config_name(options),
        "num_ctx": options.num_ctx,
        "temperature": options.temperature,
        "num_predict": options.num_predict,
        "prompt_id": prompt_id,
        "repetition": rep,
        "warmup": 0,
    }
    request = GenerationRequest(messages=(Message("user", prompt),), options=options)
    try:
        metrics = (await backend.generate(request)).metrics
    except BackendError as error:
        return {**row, "error": error.one_line()}
    return {
        **row,
        "ttft_ms": metrics.ttft_ms,
        "tokens_per_s": metrics.eval_tokens_per_s,
        "client_decode_tokens_per_s": metrics.client_decode_tokens_per_s,
        "tokens_generated": metrics.tokens_generated,
        "prompt_tokens": metrics.prompt_tokens,
        "wall_ms": metrics.wall_ms,
        "prompt_eval_ms": metrics.server_prompt_eval_ms,
        "eval_ms": metrics.server_eval_ms,
        "load_ms": metrics.server_load_ms,
        "error": "",
    }


def _config_name(options: ModelOptions) -> str:
    if options.num_ctx is None and options.temperature is None:
        return "baseline"
    return f"ctx{options.num_ctx}_temp{options.temperature}"


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _round(row.get(k)) for k in CSV_COLUMNS})
    atomic_write_text(path, buffer.getvalue())


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-config means over successful calls, warm-up calls excluded."""
    summaries = []
    for name in dict.fromkeys(row["config_name"] for row in rows):
        group = [
            r
            for r in rows
            if r["config_name"] == name and not r["error"] and not r["warmup"]
        ]
        summary = {k: group[0][k] for k in ("config_name", "num_ctx", "temperature")}
        summary["runs"] = len(group)
        for metric in ("tokens_per_s", "ttft_ms", "wall_ms"):
            values = [r[metric] for r in group if r.get(metric) is not None]
            summary[f"mean_{metric}"] = (
                round(statistics.fmean(values), 3) if values else None
            )
        summaries.append(summary)
    return summaries


def write_json(
    summaries: list[dict[str, Any]], rows: list[dict[str, Any]], path: Path
) -> None:
    atomic_write_json(
        path,
        {
            "benchmark": "embedded_param_sweep",
            "model": MODEL,
            "quantization": QUANT,
            "started_at": rows[0]["timestamp"],
            "finished_at": rows[-1]["timestamp"],
            "system": system_info(),
            "prompts": list(PROMPTS),
            "failed_calls": sum(1 for r in rows if r["error"]),
            "configs": summaries,
        },
    )


def write_markdown(
    summaries: list[dict[str, Any]], rows: list[dict[str, Any]], path: Path
) -> None:
    lines = [
        f"# Embedded engine parameter sweep — {MODEL} ({QUANT})",
        "",
        f"Measured {rows[0]['timestamp']} to {rows[-1]['timestamp']} on the embedded "
        "llama.cpp engine, "
        f"{len(rows)} calls over {len(summaries)} configurations.",
        "",
        "| Model | Config | num_ctx | temperature | Runs | Throughput (tok/s) "
        "| TTFT (ms) | Wall (ms) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in summaries:
        lines.append(
            f"| {MODEL} | {s['config_name']} | {s['num_ctx'] or 'default'} "
            f"| {s['temperature'] or 'default'} "
            f"| {s['runs']} | {s['mean_tokens_per_s']} | {s['mean_ttft_ms']} "
            f"| {s['mean_wall_ms']} |"
        )
    best = max(summaries, key=lambda s: s["mean_tokens_per_s"] or 0.0)
    lines += [
        "",
        "## Findings",
        "",
        f"- Highest mean throughput: {best['config_name']} at "
        f"{best['mean_tokens_per_s']} tok/s.",
        "- Warm-up calls (warmup = 1 in the CSV) carry the model load and are left "
        "out of the means.",
        "",
    ]
    atomic_write_text(path, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("samples/artifacts"))
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--num-predict", type=int, default=48)
    args = parser.parse_args()
    rows = asyncio.run(measure(args.repetitions, args.num_predict))
    summaries = summarise(rows)
    write_csv(rows, args.out / "csv_data" / "embedded_param_sweep.csv")
    write_json(summaries, rows, args.out / "artifacts" / "embedded_param_sweep.json")
    write_markdown(summaries, rows, args.out / "reports" / "embedded_param_sweep.md")
    print(f"wrote {len(rows)} measurements to {args.out}")


if __name__ == "__main__":
    main()
