"""A loopback streaming server that emits tokens on a known schedule.

It speaks Ollama's NDJSON ``/api/chat`` and OpenAI's SSE ``/v1/chat/completions``,
and sends each chunk at a scheduled offset from the moment the request arrived: the
first after ``ttft_ms``, then one every ``interval_ms``. Because the schedule is
known, whatever a client measures beyond it is the client's own error, which is
what the harness-accuracy benchmark reports. It also stands in for a model server
in tests: ``serial`` mode queues requests like a single-slot server, ``parallel``
serves them all at once, and failures can be scripted (HTTP 500 on every k-th
request, a stream cut half-way).

Each connection gets its own thread that sleeps to the next deadline with
``time.sleep``: the kernel wakes it within tens of microseconds, where an asyncio
loop rounds every timer up to a whole millisecond. Chunks are rendered before the
sleep so that only the socket write happens at the deadline.

Run it alone with ``python -m chimera.servers.scripted --port 8089 --ttft-ms 50``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

logger = logging.getLogger(__name__)

Mode = Literal["serial", "parallel"]


@dataclass(frozen=True)
class Schedule:
    """What every response looks like and when each chunk leaves."""

    ttft_ms: float = 50.0
    interval_ms: float = 10.0
    tokens: int = 32
    tokens_per_chunk: int = 1
    prompt_tokens: int = 24
    mode: Mode = "parallel"
    fail_every: int | None = None
    cut_every: int | None = None
    model: str = "scripted"

    @property
    def chunks(self) -> int:
        return math.ceil(self.tokens / self.tokens_per_chunk)

    def offsets_s(self) -> list[float]:
        """Send time of each chunk, in seconds after the request was admitted."""
        return [
            (self.ttft_ms + i * self.interval_ms) / 1000.0 for i in range(self.chunks)
        ]

    def chunk_texts(self) -> list[str]:
        words = [f"w{i} " for i in range(self.tokens)]
        step = self.tokens_per_chunk
        return ["".join(words[i : i + step]) for i in range(0, self.tokens, step)]


@dataclass
class Timing:
    """Server-side durations of one response, Ollama-style in nanoseconds."""

    arrived: float
    parsed: float
    admitted: float
    last_sent: float = 0.0
    prompt_eval_s: float = 0.0

    def ns(self, seconds: float) -> int:
        return max(1, round(seconds * 1e9))


class _OllamaWire:
    content_type = "application/x-ndjson"

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def chunk(self, text: str) -> bytes:
        return self._line({"message": {"role": "assistant", "content": text}})

    def closing(self, timing: Timing) -> list[bytes]:
        return [self._line(self._final_fields(timing))]

    def whole(self, text: str, timing: Timing) -> bytes:
        fields = self._final_fields(timing)
        fields["message"]["content"] = text
        return json.dumps(self._base() | fields).encode()

    def error(self, message: str) -> bytes:
        return json.dumps({"error": message}).encode()

    def _final_fields(self, timing: Timing) -> dict[str, Any]:
        # Prompt evaluation is the scheduled wait before the first token less one
        # interval; evaluation covers every chunk interval, the first included.
        eval_s = timing.last_sent - timing.admitted - timing.prompt_eval_s
        return {
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "stop",
            "total_duration": timing.ns(timing.last_sent - timing.arrived),
            "load_duration": timing.ns(timing.parsed - timing.arrived),
            "prompt_eval_count": self.schedule.prompt_tokens,
            "prompt_eval_duration": timing.ns(timing.prompt_eval_s),
            "eval_count": self.schedule.tokens,
            "eval_duration": timing.ns(eval_s),
        }

    def _base(self) -> dict[str, Any]:
        created = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return {"model": self.schedule.model, "created_at": created, "done": False}

    def _line(self, fields: dict[str, Any]) -> bytes:
        return json.dumps(self._base() | fields).encode() + b"\n"


class _OpenAIWire:
    content_type = "text/event-stream"

    def __init__(self, schedule: Schedule, request_id: int, usage: bool) -> None:
        self.schedule = schedule
        self.id = f"chatcmpl-scripted-{request_id}"
        self.usage = usage

    def chunk(self, text: str) -> bytes:
        delta = {"role": "assistant", "content": text}
        return self._event([{"index": 0, "delta": delta, "finish_reason": None}])

    def closing(self, timing: Timing) -> list[bytes]:
        events = [self._event([{"index": 0, "delta": {}, "finish_reason": "stop"}])]
        if self.usage:
            events.append(self._event([], usage=self._usage()))
        return [*events, b"data: [DONE]\n\n"]

    def whole(self, text: str, timing: Timing) -> bytes:
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        body = self._fields("chat.completion", [choice]) | {"usage": self._usage()}
        return json.dumps(body).encode()

    def error(self, message: str) -> bytes:
        return json.dumps(
            {"error": {"message": message, "type": "server_error"}}
        ).encode()

    def _usage(self) -> dict[str, int]:
        prompt, completion = self.schedule.prompt_tokens, self.schedule.tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _fields(self, kind: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": kind,
            "created": int(time.time()),
            "model": self.schedule.model,
            "choices": choices,
        }

    def _event(self, choices: list[dict[str, Any]], **extra: Any) -> bytes:
        body = self._fields("chat.completion.chunk", choices) | extra
        return b"data: " + json.dumps(body).encode() + b"\n\n"


_Wire = _OllamaWire | _OpenAIWire


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks open 64+ connections at once; the stdlib default backlog is 5.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], schedule: Schedule) -> None:
        super().__init__(address, _Handler)
        self.schedule = schedule
        self.serial_lock = threading.Lock()
        self.released_at = 0.0
        self.count_lock = threading.Lock()
        self.requests = 0
        # Seconds each chunk left after its deadline; read by the benchmark.
        self.lateness_s: list[float] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-stream is normal under load, not a crash.
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("client %s went away mid-response", client_address)
            return
        super().handle_error(request, client_address)

    def next_request(self) -> int:
        with self.count_lock:
            self.requests += 1
            return self.requests

    @contextlib.contextmanager
    def admission(self, arrived: float) -> Iterator[float]:
        """When the schedule of a request that arrived at ``arrived`` starts.

        Parallel: at once. Serial: one response at a time, each queued request
        starting when the one before it finished.
        """
        if self.schedule.mode == "parallel":
            yield arrived
            return
        with self.serial_lock:
            try:
                yield max(arrived, self.released_at)
            finally:
                self.released_at = time.perf_counter()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        model = self.server.schedule.model
        if self.path == "/api/version":
            self._send_json(200, {"version": "0.0.0-scripted"})
        elif self.path == "/api/tags":
            self._send_json(200, {"models": [{"name": model, "model": model}]})
        elif self.path == "/v1/models":
            entry = {"id": model, "object": "model", "created": 0, "owned_by": "local"}
            self._send_json(200, {"object": "list", "data": [entry]})
        elif self.path == "/health":
            self._send_json(200, {"status": "ok"})
        elif self.path == "/scripted/lateness":
            lateness, self.server.lateness_s = self.server.lateness_s, []
            self._send_json(200, {"lateness_s": lateness})
        else:
            self._send_json(404, {"error": f"no route {self.path}"})

    def parse_request(self) -> bool:
        # The request line has just been read: this is when the request arrived,
        # and the schedule counts from here, not from after our own parsing.
        self.arrived = time.perf_counter()
        return super().parse_request()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)))
        number = self.server.next_request()
        schedule = self.server.schedule
        if self.path == "/api/chat":
            wire: _Wire = _OllamaWire(schedule)
            stream = bool(body.get("stream", True))
        elif self.path == "/v1/chat/completions":
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            wire = _OpenAIWire(schedule, number, usage)
            stream = bool(body.get("stream", False))
        else:
            self._send_json(404, {"error": f"no route {self.path}"})
            return
        if schedule.fail_every and number % schedule.fail_every == 0:
            message = f"scripted failure of request {number}"
            self._send_bytes(500, "application/json", wire.error(message))
            return
        parsed = time.perf_counter()
        with self.server.admission(self.arrived) as admitted:
            timing = Timing(self.arrived, parsed, admitted)
            if stream:
                self._stream(wire, timing, number)
            else:
                self._respond_whole(wire, timing)

    def _stream(self, wire: _Wire, timing: Timing, number: int) -> None:
        schedule = self.server.schedule
        texts, offsets = schedule.chunk_texts(), schedule.offsets_s()
        timing.prompt_eval_s = max(offsets[0] - schedule.interval_ms / 1000.0, 0.0)
        cut_at = len(texts) // 2 if self._cut(number) else None
        self.send_response(200)
        self.send_header("Content-Type", wire.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, (text, offset) in enumerate(zip(texts, offsets, strict=True)):
            if index == cut_at:
                self._cut_connection()
                return
            self._write_chunk(wire.chunk(text), timing.admitted + offset)
        timing.last_sent = time.perf_counter()
        for data in wire.closing(timing):
            self._write_chunk(data, None)
        self.wfile.write(b"0\r\n\r\n")

    def _respond_whole(self, wire: _Wire, timing: Timing) -> None:
        schedule = self.server.schedule
        offsets = schedule.offsets_s()
        timing.prompt_eval_s = max(offsets[0] - schedule.interval_ms / 1000.0, 0.0)
        _sleep_until(timing.admitted + offsets[-1])
        timing.last_sent = time.perf_counter()
        content = "".join(schedule.chunk_texts())
        self._send_bytes(200, "application/json", wire.whole(content, timing))

    def _write_chunk(self, data: bytes, deadline: float | None) -> None:
        frame = b"%x\r\n%s\r\n" % (len(data), data)
        if deadline is not None:
            _sleep_until(deadline)
            self.wfile.write(frame)
            self.server.lateness_s.append(time.perf_counter() - deadline)
        else:
            self.wfile.write(frame)

    def _cut(self, number: int) -> bool:
        every = self.server.schedule.cut_every
        return every is not None and every > 0 and number % every == 0

    def _cut_connection(self) -> None:
        """End the stream mid-way, as a crashed server would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send_bytes(status, "application/json", json.dumps(body).encode())

    def _send_bytes(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _sleep_until(deadline: float) -> None:
    remaining = deadline - time.perf_counter()
    if remaining > 0:
        time.sleep(remaining)


@dataclass
class ScriptedServer:
    """The server on a loopback port, in a background thread of this process.

    >>> with ScriptedServer(Schedule(ttft_ms=5, tokens=2)) as server:
    ...     server.url.startswith("http://127.0.0.1:")
    True
    """

    schedule: Schedule = field(default_factory=Schedule)
    host: str = "127.0.0.1"
    port: int = 0
    _httpd: _HTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def requests_received(self) -> int:
        return self._httpd.requests if self._httpd else 0

    def start(self) -> ScriptedServer:
        self._httpd = _HTTPServer((self.host, self.port), self.schedule)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"scripted-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parse_args(argv: list[str] | None) -> tuple[Schedule, str, int]:
    parser = argparse.ArgumentParser(
        prog="python -m chimera.servers.scripted", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    # One flag per schedule field: --ttft-ms, --interval-ms, --fail-every, ...
    for name, default in asdict(Schedule()).items():
        flag = "--" + name.replace("_", "-")
        if name == "mode":
            parser.add_argument(flag, choices=["serial", "parallel"], default=default)
        else:
            kind = int if default is None else type(default)
            parser.add_argument(flag, type=kind, default=default)
    args = vars(parser.parse_args(argv))
    host, port = args.pop("host"), args.pop("port")
    return Schedule(**args), host, port


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; the first line printed names the URL."""
    schedule, host, port = _parse_args(argv)
    server = ScriptedServer(schedule, host=host, port=port).start()
    print(f"listening on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
