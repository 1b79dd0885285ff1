"""An httpx transport that removes blank lines from NDJSON response bodies.

Ollama streams one JSON object per line, but the transport may deliver a body
with empty lines in it (proxies, other servers that speak the protocol). The
``ollama`` client parses every line it reads and fails on an empty one with a
``JSONDecodeError``, ending an otherwise healthy stream. Dropping whitespace-only
lines below the client keeps its parsing intact and changes nothing else: a JSON
document stays valid without them, and chunks pass through as soon as they arrive,
so arrival times are unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx


class BlankLineFilter(httpx.AsyncByteStream):
    """A response body with whitespace-only lines removed, chunk by chunk."""

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner
        # Whether the next byte starts a line (the previous chunk ended with "\n").
        self._at_line_start = True

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            kept = self.filter(chunk)
            if kept:
                yield kept

    async def aclose(self) -> None:
        await self._inner.aclose()

    def filter(self, chunk: bytes) -> bytes:
        """``chunk`` without the blank lines that start and end inside it.

        >>> BlankLineFilter(httpx.ByteStream(b"")).filter(b'{"a": 1}\\n\\n{"b"')
        b'{"a": 1}\\n{"b"'
        """
        kept = bytearray()
        for piece in chunk.splitlines(keepends=True):
            complete = piece.endswith((b"\n", b"\r"))
            if self._at_line_start and complete and not piece.strip():
                continue
            kept += piece
            self._at_line_start = complete
        return bytes(kept)


class BlankLineFilteringTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport`` whose response bodies skip blank lines."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        stream = response.stream
        if not isinstance(stream, httpx.AsyncByteStream):
            return response
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=BlankLineFilter(stream),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
