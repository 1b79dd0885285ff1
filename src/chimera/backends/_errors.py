"""The one place where transport and client exceptions become Chimera errors.

The ``ollama`` client raises builtin ``ConnectionError``, its own
``ResponseError`` and raw ``httpx`` / ``json`` / ``pydantic`` exceptions; the
``openai`` client raises its ``APIError`` tree. Each backend passes whatever it
caught through ``ollama_error`` or ``openai_error`` and raises the result, so
callers only ever see the ``chimera.errors`` hierarchy, with the endpoint and the
model attached and a hint that says what to check.

Exceptions that are not transport failures (programming errors) are not mapped:
the functions return ``None`` and the backend re-raises the original.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import openai
import pydantic
from ollama import ResponseError

from chimera.errors import (
    BackendError,
    BackendHTTPError,
    BackendTimeout,
    BackendUnavailable,
    MalformedResponse,
    ModelNotFound,
    StreamInterrupted,
)


@dataclass(frozen=True)
class CallContext:
    """What a failed call was talking to, and how far it had got."""

    server: str  # "Ollama" or "the OpenAI-compatible server"
    endpoint: str
    model: str
    timeout_s: float
    stream_started: bool = False


def ollama_error(error: BaseException, call: CallContext) -> BackendError | None:
    """The Chimera error for an exception from the ``ollama`` client, or None."""
    if isinstance(error, ResponseError):
        return _ollama_response_error(error, call)
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return timed_out(call)
    if isinstance(error, ConnectionError | httpx.ConnectError):
        return unreachable(call)
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return cut_stream(call, str(error))
    if isinstance(error, json.JSONDecodeError | pydantic.ValidationError):
        return malformed(call, error)
    if isinstance(error, httpx.HTTPError):
        return BackendError(
            f"request to {call.server} at {call.endpoint} failed: {error}",
            endpoint=call.endpoint,
            model=call.model,
            hint="check the host and the network",
        )
    return None


def openai_error(error: BaseException, call: CallContext) -> BackendError | None:
    """The Chimera error for an exception from the ``openai`` client, or None."""
    if isinstance(error, openai.APITimeoutError | TimeoutError):
        return timed_out(call)
    if isinstance(error, openai.APIConnectionError):
        if call.stream_started:
            return cut_stream(call, str(error.__cause__ or error))
        return unreachable(call)
    if isinstance(error, openai.NotFoundError):
        return model_not_found(call, _openai_error_text(error))
    if isinstance(error, openai.APIStatusError):
        return http_error(call, error.status_code, _openai_error_text(error))
    if isinstance(error, openai.APIError):
        # An error event inside an open stream: the server gave up mid-answer.
        return cut_stream(call, f"server reported: {squash(error.message)}")
    if isinstance(error, json.JSONDecodeError | pydantic.ValidationError):
        return malformed(call, error)
    return None


def unreachable(call: CallContext) -> BackendUnavailable:
    if call.server == "Ollama":
        hint = "is `ollama serve` running? check --host or OLLAMA_HOST"
    else:
        hint = "is the server running? check --host (the base URL, often ending in /v1)"
    return BackendUnavailable(
        f"could not reach {call.server} at {call.endpoint}",
        endpoint=call.endpoint,
        model=call.model,
        hint=hint,
    )


def timed_out(call: CallContext) -> BackendTimeout:
    return BackendTimeout(
        f"{call.server} at {call.endpoint} did not answer within {call.timeout_s:g} s",
        endpoint=call.endpoint,
        model=call.model,
        hint="the model may still be loading or the server is overloaded; "
        "raise the timeout or lower num_predict",
    )


def model_not_found(call: CallContext, server_text: str) -> ModelNotFound:
    if call.server == "Ollama":
        hint = f"run `ollama pull {call.model}` or pick a name from `ollama list`"
    else:
        hint = f"check the model id; GET {call.endpoint}/models lists the served ones"
    return ModelNotFound(
        f"{call.server} at {call.endpoint} does not serve model {call.model!r}"
        f" ({squash(server_text)})",
        status_code=404,
        endpoint=call.endpoint,
        model=call.model,
        hint=hint,
    )


def http_error(call: CallContext, status: int, server_text: str) -> BackendHTTPError:
    if status in (401, 403):
        hint = "check the API key (--api-key)"
    elif status >= 500:
        hint = "the server failed; its log says why (retrying may help)"
    else:
        hint = "the server rejected the request; check the model name and options"
    return BackendHTTPError(
        f"HTTP {status} from {call.server} at {call.endpoint}: {squash(server_text)}",
        status_code=status,
        endpoint=call.endpoint,
        model=call.model,
        hint=hint,
    )


def cut_stream(call: CallContext, detail: str) -> StreamInterrupted:
    return StreamInterrupted(
        f"the stream from {call.server} at {call.endpoint} ended before the final "
        f"chunk ({detail})",
        endpoint=call.endpoint,
        model=call.model,
        hint="the server stopped mid-answer; check its log (retrying may help)",
    )


def malformed(call: CallContext, error: BaseException) -> MalformedResponse:
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    return MalformedResponse(
        f"unparseable chunk from {call.server} at {call.endpoint}: {detail}",
        endpoint=call.endpoint,
        model=call.model,
        hint="the endpoint may not speak this protocol; "
        "check --host and the backend kind",
    )


def squash(text: str, limit: int = 300) -> str:
    """Server text on one line and of bounded length, for one-line messages.

    >>> squash("1 validation error:\\n  field   missing")
    '1 validation error: field missing'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _ollama_response_error(error: ResponseError, call: CallContext) -> BackendError:
    text = str(error.error)
    if error.status_code == 404 or (
        error.status_code == -1 and "not found" in text and call.model in text
    ):
        return model_not_found(call, text)
    if error.status_code == -1:
        # The ollama client raises status -1 for an {"error": ...} line in a stream.
        return cut_stream(call, f"server reported: {squash(text)}")
    return http_error(call, error.status_code, text)


def _openai_error_text(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return error.message
