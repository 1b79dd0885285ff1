"""Ingestion speed and memory: Chimera against naive pandas / json readers.

Generates a synthetic artifact tree (default about 10,000 files and 1 GB of
mixed CSV, JSON, JSON Lines and Markdown shaped like real LLM benchmark output,
where generated text takes most of the bytes: per-request CSV rows with prompt
and response text, vLLM ``--save-detailed`` results with per-request arrays and
texts, Ollama final responses with their message, Markdown reports), then
ingests it

* with Chimera: ``chimera`` is ``ingest_to_file`` (what ``chimera ingest DIR
  --out FILE.parquet`` runs; the dataset streams to disk), ``chimera-frame`` is
  ``ingest()``, which also returns the whole dataset as a pandas frame; and
* with two naive baselines that read every file fully into memory, one by one:
  ``naive-sniff`` (``pandas.read_csv(sep=None)`` so semicolons and tabs work,
  ``json.load`` + ``pandas.json_normalize``, ``pandas.read_json(lines=True)``)
  and ``naive-c`` (pandas' C parser with the delimiter taken from the extension,
  skipping lines it cannot split; it misreads the semicolon files); and
* ``parse-floor``, not a reader but a lower bound: every file read, decoded and
  parsed with the standard library's C parsers on all CPUs, nothing kept. The
  last lines compare the time 5x the naive readers' throughput leaves with it.

Each run happens in its own subprocess. Peak memory is the highest sum, over
that process and its worker processes, of the proportional set size (PSS: shared
pages such as loaded libraries are divided among the processes that share them,
so parallel workers are not counted several times), sampled every 50 ms; the
highest plain RSS sum is printed beside it.

    python benchmarks/ingest.py --scale 0.05           # ~500 files, ~50 MB
    python benchmarks/ingest.py                        # ~10k files, ~1 GB
    python benchmarks/ingest.py --tree /tmp/t --keep   # reuse / keep the tree
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

FILES_AT_SCALE_1 = 10_000
WORDS = (
    "the", "model", "answered", "quickly", "with", "a", "detailed", "and", "well",
    "formed", "reply", "about", "latency", "throughput", "tokens", "context",
    "window", "quantization", "cache", "prefill", "decode", "batch",
)  # fmt: skip
CSV_COLUMNS = (
    "timestamp", "model", "num_gpu", "num_ctx", "temperature", "prompt_text",
    "response_text", "ttft_s", "tokens_s", "load_s", "prompt_eval_s", "eval_s",
    "eval_count", "error",
)  # fmt: skip
MODELS = ("llama3.1:8b-instruct-q4_0", "gemma3:latest", "qwen2.5:7b-q5_K_M", "phi4:14b")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _csv_file(rng: random.Random, rows: int, european: bool) -> str:
    sep, dec = (";", ",") if european else (",", ".")
    header = sep.join(CSV_COLUMNS)
    lines = [header]
    for index in range(rows):
        failed = rng.random() < 0.03
        numbers = [rng.uniform(0.05, 3), rng.uniform(20, 120), rng.uniform(0, 2)]
        numbers += [rng.uniform(0, 0.3), rng.uniform(1, 9)]
        cells = ["0" if failed else f"{n:.4f}".replace(".", dec) for n in numbers]
        cells.append("0" if failed else str(rng.randint(50, 900)))
        cells.append("connection refused" if failed else "")
        text = _text(rng, 350).replace(sep, " ")
        lines.append(
            sep.join(
                [
                    f"2025-10-{rng.randint(1, 28):02d}T12:{index % 60:02d}:00",
                    rng.choice(MODELS),
                    str(rng.choice((999, 80, 40))),
                    str(rng.choice((1024, 2048, 4096))),
                    f"0{dec}{rng.choice((2, 4, 8))}",
                    f'"{_text(rng, 12)}"',
                    f'"{text}"',
                    *cells,
                ]
            )
        )
        if rng.random() < 0.01:
            lines.append(header)  # append-mode writers repeat the header
    return "\n".join(lines) + "\n"


def _json_file(rng: random.Random, requests: int) -> str:
    ttfts = [rng.uniform(0.02, 0.4) for _ in range(requests)]
    document = {
        "date": "20250607-101500",
        "backend": "vllm",
        "model_id": rng.choice(MODELS),
        "num_prompts": requests,
        "request_rate": "inf",
        "max_concurrency": rng.choice((1, 4, 16)),
        "completed": requests,
        "failed": 0,
        "output_throughput": rng.uniform(50, 900),
        "request_throughput": rng.uniform(1, 20),
        "mean_ttft_ms": 1000 * sum(ttfts) / requests,
        "median_ttft_ms": 1000 * sorted(ttfts)[requests // 2],
        "p99_ttft_ms": 1000 * max(ttfts),
        "mean_tpot_ms": rng.uniform(5, 30),
        "mean_itl_ms": rng.uniform(5, 30),
        "input_lens": [rng.randint(100, 900) for _ in range(requests)],
        "output_lens": [rng.randint(50, 400) for _ in range(requests)],
        "ttfts": ttfts,
        "itls": [
            [rng.uniform(0.004, 0.03) for _ in range(60)] for _ in range(requests)
        ],
        "generated_texts": [_text(rng, 250) for _ in range(requests)],
        "errors": ["" for _ in range(requests)],
    }
    return json.dumps(document, indent=2)


def _jsonl_file(rng: random.Random, lines: int) -> str:
    out = []
    for _ in range(lines):
        out.append(
            json.dumps(
                {
                    "model": rng.choice(MODELS),
                    "created_at": "2025-10-08T16:29:55.589333Z",
                    "message": {"role": "assistant", "content": _text(rng, 350)},
                    "done": True,
                    "total_duration": rng.randint(10**9, 9 * 10**9),
                    "load_duration": rng.randint(10**6, 10**8),
                    "prompt_eval_count": rng.randint(10, 500),
                    "prompt_eval_duration": rng.randint(10**6, 10**8),
                    "eval_count": rng.randint(50, 900),
                    "eval_duration": rng.randint(10**9, 8 * 10**9),
                }
            )
        )
    return "\n".join(out) + "\n"


def _md_file(rng: random.Random, paragraphs: int) -> str:
    parts = [f"# Benchmark report {rng.randint(1, 9999)}", "", "## Summary", ""]
    parts.append(f"- Throughput: {rng.uniform(20, 120):.2f} tok/s")
    parts.append(f"- TTFT: {rng.uniform(50, 900):.1f} ms")
    parts.append("")
    for _ in range(paragraphs):
        parts.extend([_text(rng, 120), ""])
    parts.append("| model | num_ctx | tokens/s | TTFT (ms) |")
    parts.append("| --- | --- | --- | --- |")
    for _ in range(20):
        parts.append(
            f"| {rng.choice(MODELS)} | {rng.choice((1024, 2048))} | "
            f"{rng.uniform(20, 120):.2f} | {rng.uniform(50, 900):.1f} |"
        )
    return "\n".join(parts) + "\n"


def generate(root: Path, scale: float, seed: int = 7) -> tuple[int, int]:
    """Write the synthetic tree; returns (files, bytes)."""
    rng = random.Random(seed)
    count = max(8, int(FILES_AT_SCALE_1 * scale))
    total = 0
    for index in range(count):
        kind = (
            "csv",
            "csv",
            "json",
            "jsonl",
            "md",
            "csv",
            "json",
            "md",
            "jsonl",
            "csv",
        )[index % 10]
        folder = (
            root / f"run_{index // 200:03d}" / ("reports" if kind == "md" else "raw")
        )
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "csv":
            text = _csv_file(rng, 40, european=index % 7 == 0)
            name = f"results_{index}.csv"
        elif kind == "json":
            text, name = _json_file(rng, 40), f"bench_{index}.json"
        elif kind == "jsonl":
            text, name = _jsonl_file(rng, 40), f"responses_{index}.jsonl"
        else:
            text, name = _md_file(rng, 70), f"report_{index}.md"
        path = folder / name
        path.write_text(text, encoding="utf-8")
        total += path.stat().st_size
    return count, total


def naive(root: Path, mode: str) -> int:
    """Read every file fully with pandas / json and keep it, one file at a time."""
    import pandas as pd

    kept: list[object] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        suffix = path.suffix
        if suffix in (".csv", ".tsv"):
            if mode == "naive-sniff":
                kept.append(pd.read_csv(path, sep=None, engine="python"))
            else:
                # Fast but blind: semicolon files come out wrong, bad lines dropped.
                sep = "\t" if suffix == ".tsv" else ","
                kept.append(pd.read_csv(path, sep=sep, on_bad_lines="skip"))
        elif suffix == ".json":
            with path.open(encoding="utf-8") as handle:
                kept.append(pd.json_normalize(json.load(handle)))
        elif suffix == ".jsonl":
            kept.append(pd.read_json(path, lines=True))
        else:
            kept.append(path.read_text(encoding="utf-8"))
    return len(kept)


def parse_floor(root: Path) -> int:
    """A lower bound for any Python reader, not a reader: every file is read,
    decoded and parsed with the standard library's C parsers (``csv``,
    ``json``) on all CPUs, and everything is thrown away."""
    import multiprocessing
    import os

    paths = sorted(p for p in root.rglob("*") if p.is_file())
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        return sum(pool.imap_unordered(_parse_only, paths, chunksize=32))


def _parse_only(path: Path) -> int:
    import csv
    import io

    text = path.read_bytes().decode("utf-8")
    if path.suffix in (".csv", ".tsv"):
        header = text[: text.find("\n")]
        sep = max(",;\t", key=header.count)
        return sum(1 for _ in csv.reader(io.StringIO(text), delimiter=sep))
    if path.suffix == ".json":
        return len(json.loads(text))
    if path.suffix == ".jsonl":
        return sum(1 for line in text.splitlines() if json.loads(line))
    return len(text.splitlines())


def chimera(root: Path, workers: int | None, frame: bool) -> int:
    """``chimera ingest DIR --out FILE.parquet`` (streaming), or ``ingest()``
    returning the whole dataset as a pandas frame."""
    from chimera.ingest import IngestOptions, ingest, ingest_to_file

    options = IngestOptions(workers=workers)
    if frame:
        return len(ingest(root, options).dataset)
    with tempfile.TemporaryDirectory() as out:
        return ingest_to_file(root, Path(out) / "dataset.parquet", options).measurements


def _child(args: argparse.Namespace) -> None:
    root = Path(args.tree)
    if args.run.startswith("chimera"):
        count = chimera(root, args.workers, frame=args.run == "chimera-frame")
    elif args.run == "parse-floor":
        count = parse_floor(root)
    else:
        count = naive(root, args.run)
    print(json.dumps({"items": count}))


def measure(tree: Path, run: str, workers: int | None) -> dict[str, float]:
    """Run one reader in a subprocess; wall time and peak RSS of its process tree."""
    command = [sys.executable, __file__, "--child", "--run", run, "--tree", str(tree)]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(process.pid)
    peak_pss = peak_rss = 0
    while process.poll() is None:
        pss, rss = _tree_memory(watched)
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"{run} failed with exit code {process.returncode}")
    items = json.loads(output.strip().splitlines()[-1])["items"]
    return {
        "seconds": seconds,
        "peak_pss_mb": peak_pss / 1e6,
        "peak_rss_mb": peak_rss / 1e6,
        "items": items,
    }


def _tree_memory(process: psutil.Process) -> tuple[int, int]:
    """(PSS, RSS) summed over a process and its children; 0s once it is gone."""
    pss = rss = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            info = member.memory_full_info()
        except psutil.Error:
            continue
        pss += getattr(info, "pss", info.rss)
        rss += info.rss
    return pss, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 10k files, 1 GB")
    parser.add_argument("--tree", help="Use (or create) the tree in this folder.")
    parser.add_argument("--keep", action="store_true", help="Keep the generated tree.")
    parser.add_argument("--workers", type=int, help="Chimera worker processes.")
    parser.add_argument(
        "--baselines", default="naive-sniff,naive-c", help="Comma-separated baselines."
    )
    parser.add_argument(
        "--no-floor", action="store_true", help="Skip the parse-only floor run."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    tree = Path(args.tree or tempfile.mkdtemp(prefix="chimera-bench-"))
    if not any(tree.rglob("*")):
        started = time.perf_counter()
        files, size = generate(tree, args.scale)
        elapsed = time.perf_counter() - started
        print(f"generated {files:,} files, {size / 1e6:,.1f} MB in {elapsed:.1f} s")
    files = [p for p in tree.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    runs = {
        name: measure(tree, name, args.workers) for name in ("chimera", "chimera-frame")
    }
    for name in filter(None, args.baselines.split(",")):
        runs[name] = measure(tree, name, None)
    if not args.no_floor:
        runs["parse-floor"] = measure(tree, "parse-floor", None)
    _report(runs, len(files), size)
    if not args.keep and not args.tree:
        shutil.rmtree(tree, ignore_errors=True)


def _report(runs: dict[str, dict[str, float]], files: int, size: int) -> None:
    print(f"tree: {files:,} files, {size / 1e6:,.1f} MB; CPUs: {psutil.cpu_count()}")
    header = ("reader", "seconds", "files/s", "MB/s", "peak PSS MB", "peak RSS MB")
    print(f"{header[0]:<12}" + "".join(f"{name:>12}" for name in header[1:]) + " items")
    for name, run in runs.items():
        seconds = run["seconds"]
        cells = (seconds, files / seconds, size / 1e6 / seconds)
        memory = (run["peak_pss_mb"], run["peak_rss_mb"])
        print(
            f"{name:<12}"
            + "".join(f"{value:>12.2f}" for value in cells)
            + "".join(f"{value:>12.1f}" for value in memory)
            + f" {int(run['items']):,}"
        )
    for ours_name in ("chimera", "chimera-frame"):
        ours = runs[ours_name]
        for name, run in runs.items():
            if name.startswith("naive"):
                speed = run["seconds"] / ours["seconds"]
                memory = ours["peak_pss_mb"] / run["peak_pss_mb"]
                print(
                    f"{ours_name} vs {name}: {speed:.2f}x throughput, "
                    f"{memory:.2f}x peak PSS"
                )
    floor = runs.get("parse-floor")
    if floor is None:
        return
    for name, run in runs.items():
        if name.startswith("naive"):
            budget = run["seconds"] / 5
            print(
                f"5x {name} leaves {budget:.2f} s; parsing alone on all CPUs "
                f"takes {floor['seconds']:.2f} s ({budget / floor['seconds']:.2f}x)"
            )


if __name__ == "__main__":
    main()
