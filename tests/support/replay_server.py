"""A loopback HTTP server that replays exact bytes on a schedule.

Transport-level faults — a body cut mid-stream, a line split across chunks, a
malformed line, a server that never answers — cannot be produced reliably by a
real model server. This one answers each path with scripted replies: every piece
of the body is sent as its own HTTP chunk at a given time after the request was
read, so the client sees the same arrival pattern every run. It records what it
received, so tests can check what a client sent.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

CRLF = b"\r\n"


@dataclass(frozen=True)
class Piece:
    """Bytes sent as one HTTP chunk, ``at_ms`` after the request was read."""

    data: bytes
    at_ms: float = 0.0


@dataclass(frozen=True)
class Reply:
    """One scripted response."""

    status: int = 200
    content_type: str = "application/x-ndjson"
    pieces: tuple[Piece, ...] = ()
    # False: close the connection without the chunked body's terminator.
    complete: bool = True
    # True: read the request and never answer.
    hang: bool = False

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        data = json.dumps(value).encode()
        return cls(
            status=status, content_type="application/json", pieces=(Piece(data),)
        )

    @classmethod
    def lines(cls, lines: list[str], gap_ms: float = 0.0, **kwargs: Any) -> Reply:
        """NDJSON lines, one chunk each, ``gap_ms`` apart."""
        pieces = tuple(
            Piece((line + "\n").encode(), at_ms=i * gap_ms)
            for i, line in enumerate(lines)
        )
        return cls(pieces=pieces, **kwargs)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ReplayServer:
    """``async with ReplayServer({"/api/chat": reply}) as server: server.url``.

    A path given a list of replies answers them in order, repeating the last.
    Unknown paths get 404.
    """

    routes: dict[str, Reply | list[Reply]]
    received: list[Received] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _served: dict[str, int] = field(default_factory=dict)
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    url: str = ""

    async def __aenter__(self) -> ReplayServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        # Connections still open (a hanging reply) end with the server.
        for handler in self._handlers:
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def _next_reply(self, path: str) -> Reply:
        route = self.routes.get(path)
        if route is None:
            return Reply.json({"error": f"no route for {path}"}, status=404)
        replies = route if isinstance(route, list) else [route]
        index = self._served.get(path, 0)
        self._served[path] = index + 1
        return replies[min(index, len(replies) - 1)]

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            request = await _read_request(reader)
            self.received.append(request)
            reply = self._next_reply(request.path)
            if reply.hang:
                await asyncio.wait_for(reader.read(), timeout=60)
                return
            await _send(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away; nothing left to answer
        finally:
            writer.close()
            self._handlers.discard(task)


async def _read_request(reader: asyncio.StreamReader) -> Received:
    head = await reader.readuntil(CRLF + CRLF)
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in header_lines if line)
    }
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Received(method, target.split("?", 1)[0], body)


async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    reason = HTTPStatus(reply.status).phrase
    writer.write(
        f"HTTP/1.1 {reply.status} {reason}\r\n"
        f"Content-Type: {reply.content_type}\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    for piece in reply.pieces:
        delay = started + piece.at_ms / 1000.0 - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        writer.write(f"{len(piece.data):x}".encode() + CRLF + piece.data + CRLF)
        await writer.drain()
    if reply.complete:
        writer.write(b"0" + CRLF + CRLF)
        await writer.drain()
