"""Harness accuracy: how far Chimera's measurements sit from a known token schedule.

A scripted server (``chimera.servers.scripted``, in its own process) sends the first
chunk ``--ttft-ms`` after each request arrives and one chunk every
``--interval-ms`` after that. Chimera's Ollama and OpenAI backends drive it at 1,
16 and 64 concurrent streams; whatever they measure beyond the schedule is error
added by the harness (HTTP client, parsing, the event loop, the kernel). For each
protocol and stream count this prints:

- TTFT error: measured TTFT minus the scheduled TTFT (p50, p99), in ms;
- inter-chunk error: each measured gap minus the scheduled interval (p50, p99);
- server lateness: how late the server itself wrote chunks (p99), which is part of
  the error but not the client's doing;
- client CPU time per token (``time.process_time`` over the run / tokens received).

Streams run closed-loop: each of N workers sends its next request when the last one
ends, and workers start spread over one request's duration, as they would be in a
steady state. ``--start burst`` instead starts all N at the same instant each round,
which adds the client's queueing of N simultaneous requests to the error.

If ``--guidellm PATH`` names a GuideLLM executable (installed in its own virtualenv),
it is run against the same server and its TTFT and inter-token latency are printed
beside Chimera's.

    .venv/bin/python benchmarks/harness_overhead.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from chimera.backends.base import Backend, GenerationRequest, Message
from chimera.backends.registry import BackendSpec, create_backend
from chimera.errors import BackendError

PROTOCOLS = ("ollama", "openai")


@dataclass
class Measured:
    protocol: str
    streams: int
    ttft_error_ms: list[float] = field(default_factory=list)
    gap_error_ms: list[float] = field(default_factory=list)
    server_late_ms: list[float] = field(default_factory=list)
    tokens: int = 0
    cpu_s: float = 0.0
    failures: int = 0

    def row(self) -> list[str]:
        ttft = _pcts(self.ttft_error_ms)
        gaps = _pcts(self.gap_error_ms)
        late = _pcts(self.server_late_ms)
        cpu_us = 1e6 * self.cpu_s / self.tokens if self.tokens else float("nan")
        return [
            self.protocol,
            str(self.streams),
            str(len(self.ttft_error_ms)),
            f"{ttft[0]:.3f}",
            f"{ttft[1]:.3f}",
            f"{gaps[0]:.3f}",
            f"{gaps[1]:.3f}",
            f"{late[1]:.3f}",
            f"{cpu_us:.0f}",
            str(self.failures),
        ]


HEADERS = [
    "client",
    "streams",
    "requests",
    "TTFT err p50 ms",
    "TTFT err p99 ms",
    "gap err p50 ms",
    "gap err p99 ms",
    "server late p99 ms",
    "CPU µs/token",
    "failed",
]


def _pcts(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(values), [50, 99])
    return float(p50), float(p99)


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    """The scripted server in its own process, so its CPU is not the client's."""
    command = [
        sys.executable, "-m", "chimera.servers.scripted",
        "--ttft-ms", str(args.ttft_ms), "--interval-ms", str(args.interval_ms),
        "--tokens", str(args.tokens), "--mode", "parallel",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    return process, url


def _backend(protocol: str, url: str) -> Backend:
    host = url if protocol == "ollama" else f"{url}/v1"
    return create_backend(BackendSpec(kind=protocol, host=host, model="scripted"))


async def _one(backend: Backend, request: GenerationRequest, out: Measured) -> float:
    """One call; returns its wall time in seconds (0 when it failed)."""
    try:
        result = await backend.generate(request)
    except BackendError as error:
        out.failures += 1
        print(f"  call failed: {error.one_line()}", file=sys.stderr)
        return 0.0
    metrics = result.metrics
    out.tokens += metrics.tokens_generated or 0
    if metrics.ttft_ms is not None:
        out.ttft_error_ms.append(metrics.ttft_ms - ARGS.ttft_ms)
    out.gap_error_ms.extend(gap - ARGS.interval_ms for gap in metrics.chunk_gaps_ms)
    return metrics.wall_ms / 1000.0


async def _worker(
    backend: Backend,
    request: GenerationRequest,
    out: Measured,
    delay_s: float,
    rounds: int,
) -> None:
    await asyncio.sleep(delay_s)
    for _ in range(rounds):
        await _one(backend, request, out)


async def drive(protocol: str, url: str, streams: int) -> Measured:
    """Warm the connection pool, then measure ``streams`` concurrent streams."""
    backend = _backend(protocol, url)
    request = GenerationRequest(messages=(Message("user", "benchmark"),))
    out = Measured(protocol, streams)
    warm = Measured(protocol, streams)
    await asyncio.gather(*(_one(backend, request, warm) for _ in range(streams)))
    httpx.get(f"{url}/scripted/lateness")

    duration_s = (ARGS.ttft_ms + ARGS.tokens * ARGS.interval_ms) / 1000.0
    cpu_started = time.process_time()
    if ARGS.start == "burst":
        for _ in range(ARGS.rounds):
            await asyncio.gather(*(_one(backend, request, out) for _ in range(streams)))
    else:
        await asyncio.gather(
            *(
                _worker(backend, request, out, i * duration_s / streams, ARGS.rounds)
                for i in range(streams)
            )
        )
    out.cpu_s = time.process_time() - cpu_started
    lateness = httpx.get(f"{url}/scripted/lateness").json()["lateness_s"]
    out.server_late_ms = [1000.0 * value for value in lateness]
    await backend.aclose()
    return out


def run_guidellm(executable: str, url: str, streams: list[int]) -> list[list[str]]:
    """GuideLLM's own TTFT and inter-token latency against the same server.

    GuideLLM reports inter-token latency as each request's mean gap, so its
    percentiles are over requests, not over individual gaps as ours are.
    """
    prompts = Path("/tmp/harness-overhead-prompts.txt")
    prompts.write_text("".join(f"Benchmark prompt number {i}.\n" for i in range(64)))
    rows = []
    for count in streams:
        report = Path(f"/tmp/harness-overhead-guidellm-{count}.json")
        command = [
            executable, "run",
            "--backend", f"kind=openai_http,target={url},model=scripted",
            "--profile", f"kind=concurrent,streams={count}",
            "--constraint", f"kind=max_requests,count={count * ARGS.rounds}",
            "--data", f"kind=text_file,path={prompts}",
            "--output", f"kind=json,path={report}",
            "--disable-console",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
            rows.append(["guidellm", str(count), "failed: " + " / ".join(tail)])
            continue
        rows.append(["guidellm", str(count), *_guidellm_figures(report)])
    return rows


def _guidellm_figures(report: Path) -> list[str]:
    metrics = json.loads(report.read_text())["benchmarks"][0]["metrics"]
    ttft = metrics["time_to_first_token_ms"]["successful"]
    itl = metrics["inter_token_latency_ms"]["successful"]["percentiles"]
    pcts = ttft["percentiles"]
    return [
        str(ttft["count"]),
        f"{pcts['p50'] - ARGS.ttft_ms:.3f}",
        f"{pcts['p99'] - ARGS.ttft_ms:.3f}",
        f"{itl['p50'] - ARGS.interval_ms:.3f}*",
        f"{itl['p99'] - ARGS.interval_ms:.3f}*",
        "",
        "",
        "",
    ]


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", default="1,16,64")
    parser.add_argument("--rounds", type=int, default=5, help="requests per stream")
    parser.add_argument("--ttft-ms", type=float, default=50.0)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--start", choices=["spread", "burst"], default="spread")
    parser.add_argument("--guidellm", default=None, help="path to a guidellm binary")
    return parser.parse_args()


ARGS = argparse.Namespace()


async def main() -> None:
    streams = [int(part) for part in ARGS.streams.split(",")]
    server, url = start_server(ARGS)
    try:
        print(
            f"schedule: TTFT {ARGS.ttft_ms} ms, then {ARGS.tokens} chunks every "
            f"{ARGS.interval_ms} ms; {ARGS.rounds} requests per stream; "
            f"start {ARGS.start}; server {url} (own process)"
        )
        rows = []
        for count in streams:
            for protocol in PROTOCOLS:
                rows.append((await drive(protocol, url, count)).row())
        if ARGS.guidellm:
            rows += run_guidellm(ARGS.guidellm, url, streams)
        _print_table(HEADERS, [row + [""] * (len(HEADERS) - len(row)) for row in rows])
        if ARGS.guidellm:
            print("* GuideLLM: percentiles of each request's mean inter-token gap")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    ARGS = _parse_args()
    asyncio.run(main())
