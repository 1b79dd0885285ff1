"""An Ollama-compatible HTTP server running the embedded llama.cpp engine.

It speaks the documented parts of Ollama's API that benchmark clients use —
``/api/chat`` and ``/api/generate`` (NDJSON streaming or one JSON object),
``/api/tags``, ``/api/version`` and ``/api/show`` — with real text and real
llama.cpp timings, reported the way Ollama reports them: durations in
nanoseconds in the final ``done`` object, zero-valued durations left out, and
``prompt_eval_count`` left out when the whole prompt came from the KV cache.

Use it to point an Ollama client at a GGUF file without installing Ollama:

    python -m chimera.servers.ollama_protocol --host 127.0.0.1 --port 11434

Models stay loaded for the life of the process (``keep_alive`` is accepted and
ignored); ``raw`` prompts are not supported.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.responses import StreamingResponse as NDJSONStream
from starlette.routing import Route

from chimera import __version__
from chimera.backends._llama_load import LoadSettings
from chimera.backends._llama_run import (
    EngineStats,
    load_model,
    sampling_kwargs,
    stream_chat,
)
from chimera.backends.model_files import model_display_name, resolve_model_path
from chimera.errors import ChimeraError
from chimera.options import ModelOptions

logger = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
NS_PER_MS = 1_000_000


class RequestError(Exception):
    """A request this server answers with an HTTP error and an ``error`` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServedModel:
    name: str
    path: Path

    def matches(self, requested: str) -> bool:
        return _with_tag(requested) == _with_tag(self.name)


def _with_tag(name: str) -> str:
    return name if ":" in name else f"{name}:latest"


# A route's work once the body is parsed and the model checked: (body, model, start).
Handler = Callable[[dict[str, Any], ServedModel, float], Awaitable[Response]]


def create_app(
    model_path: Path | None = None, model_name: str | None = None
) -> Starlette:
    """The Starlette application serving one GGUF model under one name."""
    path = resolve_model_path(model_path)
    served = ServedModel(model_name or model_display_name(path), path)

    async def root(_: Request) -> Response:
        return PlainTextResponse("Ollama is running")

    async def version(_: Request) -> Response:
        return JSONResponse({"version": f"{__version__}-chimera"})

    async def tags(_: Request) -> Response:
        return JSONResponse({"models": [_tag_entry(served)]})

    async def show(request: Request) -> Response:
        return await _answer(request, served, _show)

    async def chat(request: Request) -> Response:
        return await _answer(request, served, _generation("chat"))

    async def generate(request: Request) -> Response:
        return await _answer(request, served, _generation("generate"))

    return Starlette(
        routes=[
            Route("/", root, methods=["GET", "HEAD"]),
            Route("/api/version", version, methods=["GET"]),
            Route("/api/tags", tags, methods=["GET"]),
            Route("/api/show", show, methods=["POST"]),
            Route("/api/chat", chat, methods=["POST"]),
            Route("/api/generate", generate, methods=["POST"]),
        ]
    )


async def _answer(request: Request, served: ServedModel, handler: Handler) -> Response:
    """Parse the body, check the model, run ``handler``; errors as Ollama sends them."""
    started = time.perf_counter()
    try:
        body = await _json_body(request)
        name = body.get("model") or body.get("name")
        if not isinstance(name, str) or not name:
            raise RequestError(400, "model is required")
        if not served.matches(name):
            raise RequestError(404, f"model '{name}' not found")
        return await handler(body, served, started)
    except RequestError as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    except ChimeraError as error:
        logger.error("%s", error.one_line())
        return JSONResponse({"error": error.one_line()}, status_code=500)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as error:
        raise RequestError(400, f"invalid JSON body: {error}") from error
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    return body


def _generation(kind: str) -> Handler:
    async def handler(
        body: dict[str, Any], served: ServedModel, started: float
    ) -> Response:
        options = _options(body.get("options"))
        settings, _ = LoadSettings.from_options(served.path, options)
        sampling = _sampling(options, body.get("format"))
        messages = _chat_messages(body) if kind == "chat" else _generate_messages(body)
        items = stream_chat(settings, messages, sampling).__aiter__()
        # The first item is awaited here so that a failure to start (model load,
        # prompt longer than the context) is an HTTP error, not a broken stream.
        first = await _first_item(items)
        frames = _frames(kind, served.name, first, items, started)
        if body.get("stream", True):
            return NDJSONStream(_ndjson(frames), media_type=NDJSON)
        return JSONResponse(await _collapse(kind, frames))

    return handler


async def _first_item(items: AsyncIterator[str | EngineStats]) -> str | EngineStats:
    try:
        return await items.__anext__()
    except ValueError as error:
        raise RequestError(400, str(error)) from error
    except RuntimeError as error:
        raise RequestError(500, f"llama.cpp failed: {error}") from error


def _options(raw: Any) -> ModelOptions:
    if raw is None:
        return ModelOptions()
    if not isinstance(raw, dict):
        raise RequestError(400, "options must be a JSON object")
    known = {k: v for k, v in raw.items() if k in ModelOptions.model_fields}
    ignored = sorted(set(raw) - set(known))
    if ignored:
        logger.warning("ignoring options this server does not apply: %s", ignored)
    try:
        return ModelOptions(**known)
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        raise RequestError(400, f"invalid options: {problems}") from error


def _sampling(options: ModelOptions, format_: Any) -> dict[str, Any]:
    if isinstance(format_, dict):
        return sampling_kwargs(options, json_schema=format_)
    sampling = sampling_kwargs(options)
    if format_ == "json":
        sampling["response_format"] = {"type": "json_object"}
    elif format_ not in (None, ""):
        raise RequestError(400, f"invalid format {format_!r}: use 'json' or a schema")
    return sampling


def _chat_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "messages must be a non-empty list")
    parsed = []
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise RequestError(400, "each message needs a role and content")
        parsed.append(
            {"role": message["role"], "content": str(message.get("content", ""))}
        )
    return parsed


def _generate_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    if body.get("raw"):
        raise RequestError(400, "raw prompts are not supported by this server")
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        raise RequestError(400, "prompt must be a string")
    messages = [{"role": "user", "content": prompt}]
    if isinstance(body.get("system"), str):
        messages.insert(0, {"role": "system", "content": body["system"]})
    return messages


async def _frames(
    kind: str,
    model: str,
    first: str | EngineStats,
    rest: AsyncIterator[str | EngineStats],
    started: float,
) -> AsyncIterator[dict[str, Any]]:
    """Ollama's response objects: one per text piece, then the ``done`` object."""
    item = first
    while True:
        if isinstance(item, EngineStats):
            yield _done_frame(kind, model, item, started)
            return
        yield _frame(kind, model, item)
        try:
            item = await rest.__anext__()
        except (ValueError, RuntimeError) as error:
            # Headers are gone; Ollama reports a late failure as an error line.
            yield {"error": f"llama.cpp failed: {error}"}
            return


def _frame(kind: str, model: str, text: str) -> dict[str, Any]:
    frame: dict[str, Any] = {"model": model, "created_at": _now(), "done": False}
    if kind == "chat":
        frame["message"] = {"role": "assistant", "content": text}
    else:
        frame["response"] = text
    return frame


def _done_frame(
    kind: str, model: str, stats: EngineStats, started: float
) -> dict[str, Any]:
    frame = _frame(kind, model, "")
    frame["done"] = True
    frame["done_reason"] = stats.finish_reason or "stop"
    frame.update(done_statistics(stats, (time.perf_counter() - started) * 1000.0))
    return frame


def done_statistics(stats: EngineStats, total_ms: float) -> dict[str, int]:
    """The ``done`` object's counts and durations (ns), leaving out zero values.

    Ollama omits zero-valued fields, and omits ``prompt_eval_count`` when the
    prompt was served entirely from the cache; so does this server.
    """
    values = {
        "total_duration": _ns(total_ms),
        "load_duration": _ns(stats.load_ms),
        "prompt_eval_count": stats.prompt_eval_tokens,
        "prompt_eval_duration": _ns(stats.prompt_eval_ms),
        "eval_count": stats.generated_tokens,
        "eval_duration": _ns(stats.eval_ms),
    }
    return {name: value for name, value in values.items() if value}


def _ns(value_ms: float | None) -> int | None:
    return round(value_ms * NS_PER_MS) if value_ms else None


async def _ndjson(frames: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    async for frame in frames:
        yield (json.dumps(frame) + "\n").encode("utf-8")


async def _collapse(kind: str, frames: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    """The non-streaming answer: the ``done`` object carrying the whole text."""
    key = "message" if kind == "chat" else "response"
    text: list[str] = []
    async for frame in frames:
        if "error" in frame:
            raise RequestError(500, frame["error"])
        if not frame["done"]:
            text.append(frame[key]["content"] if kind == "chat" else frame[key])
            continue
        if kind == "chat":
            frame[key]["content"] = "".join(text)
        else:
            frame[key] = "".join(text)
        return frame
    raise RequestError(500, "the engine ended without its statistics")


async def _show(body: dict[str, Any], served: ServedModel, started: float) -> Response:
    model, _ = await load_model(LoadSettings(served.path))
    metadata = model.llama.metadata
    return JSONResponse(
        {
            "modelfile": f"FROM {served.path}",
            "parameters": "",
            "template": metadata.get("tokenizer.chat_template", ""),
            "details": _details(served, metadata),
            "model_info": {
                "general.architecture": metadata.get("general.architecture"),
                "context_length": model.context_length(),
            },
        }
    )


def _tag_entry(served: ServedModel) -> dict[str, Any]:
    stat = served.path.stat()
    return {
        "name": served.name,
        "model": served.name,
        "modified_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
        "size": stat.st_size,
        "details": _details(served, {}),
    }


def _details(served: ServedModel, metadata: dict[str, str]) -> dict[str, Any]:
    details: dict[str, Any] = {"format": "gguf"}
    if "general.architecture" in metadata:
        details["family"] = metadata["general.architecture"]
    if "general.size_label" in metadata:
        details["parameter_size"] = metadata["general.size_label"]
    quant = served.path.stem.rsplit(".", 1)[-1]
    if quant.upper().startswith(("Q", "F", "BF", "IQ")):
        details["quantization_level"] = quant.upper()
    return details


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> None:
    """``python -m chimera.servers.ollama_protocol``: serve until interrupted."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--model-path", type=Path, default=None, help="GGUF file")
    parser.add_argument("--model-name", default=None, help="name clients ask for")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(levelname)s %(message)s"
    )
    try:
        app = create_app(args.model_path, args.model_name)
    except ChimeraError as error:
        print(f"error: {error.one_line()}", file=sys.stderr)
        sys.exit(1)
    print(f"Ollama API on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
