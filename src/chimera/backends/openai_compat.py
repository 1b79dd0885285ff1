"""The OpenAI-compatible backend: any ``/v1/chat/completions`` server.

vLLM, llama.cpp's server, LM Studio and Ollama's ``/v1`` all speak this API, with
differences that matter for measurement. Usage (token counts) arrives in a final
chunk whose ``choices`` list is empty, and only when ``stream_options`` asks for
it; servers that reject the option are asked again without it, and servers that
ignore it send no usage at all. Then the completion is counted by the server's own
tokenizer endpoint where one exists, else estimated from the number of content
chunks and labelled as such. llama.cpp's server also reports its own ``timings``,
which are used when present.

Load-time options (``num_ctx``, ``num_gpu`` ...) cannot be set through this API;
they are reported as not applied rather than silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

import openai
from openai import AsyncOpenAI

from chimera.backends._calls import chat_messages, log_call
from chimera.backends._errors import CallContext, cut_stream, openai_error
from chimera.backends._openai_usage import StreamTotals, TokenizerProbe, metrics_for
from chimera.backends.base import Capabilities, GenerationRequest, GenerationResult
from chimera.backends.registry import BackendSpec
from chimera.errors import UsageError
from chimera.metrics.record import Clock, StreamClock
from chimera.options import LOAD_TIME_OPTIONS

logger = logging.getLogger(__name__)

# Sampling options the OpenAI schema lacks, under the names servers accept as extra
# fields: llama.cpp reads ``repeat_penalty``, vLLM ``repetition_penalty``; each
# ignores the other's name.
EXTRA_BODY_NAMES = {
    "top_k": ("top_k",),
    "repeat_penalty": ("repeat_penalty", "repetition_penalty"),
}


@dataclass(frozen=True)
class _Request:
    params: dict[str, Any]
    notes: tuple[str, ...]


class OpenAIBackend:
    """A server that implements OpenAI's streaming chat completions."""

    kind = "openai"
    capabilities = Capabilities(
        streaming=True, json_schema=True, tokenizer=False, parallel_requests=True
    )

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        clock: Clock = time.perf_counter,
    ) -> None:
        self.endpoint = base_url.rstrip("/")
        # Resolved from the server's model list on first use when not given.
        self.model = model or ""
        self.timeout_s = timeout_s
        self._clock = clock
        self._client = AsyncOpenAI(
            base_url=self.endpoint,
            api_key=api_key or "unused",
            max_retries=0,
            timeout=timeout_s,
        )
        # None until the server has either accepted or rejected the option.
        self._stream_options_accepted: bool | None = None
        # Set once the server refuses OpenAI's json_schema response format.
        self._json_object_schema = False
        self._tokenizer = TokenizerProbe(self.endpoint, timeout_s)

    @classmethod
    def from_spec(cls, spec: BackendSpec) -> OpenAIBackend:
        host = spec.resolved_host()
        if not host:
            raise UsageError(
                "the openai backend needs a base URL",
                hint="pass --host, e.g. --host http://127.0.0.1:8000/v1",
            )
        return cls(host, spec.model, api_key=spec.api_key, timeout_s=spec.timeout_s)

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        call = CallContext(
            "the OpenAI-compatible server", self.endpoint, self.model, self.timeout_s
        )
        clock = StreamClock(self._clock)
        totals = StreamTotals()
        clock.start()
        try:
            async with asyncio.timeout(self.timeout_s):
                call = replace(call, model=await self._resolve_model(call))
                prepared = self._prepare(request)
                stream, retry_note = await self._open_stream(prepared.params)
                call = replace(call, stream_started=True)
                async for chunk in stream:
                    totals.add(chunk, clock)
        except Exception as error:
            mapped = openai_error(error, call)
            if mapped is None:
                raise
            raise mapped from error
        if totals.finish_reason is None:
            raise cut_stream(call, "no chunk with a finish_reason")

        notes = prepared.notes + ((retry_note,) if retry_note else ())
        metrics = await metrics_for(
            self, clock, totals, request, notes, self._tokenizer
        )
        log_call(logger, metrics)
        return GenerationResult(text=totals.text(), metrics=metrics)

    async def count_tokens(self, text: str) -> int | None:
        """Tokens by the server's tokenizer endpoint, or None if it offers none."""
        call = CallContext(
            "the OpenAI-compatible server", self.endpoint, self.model, self.timeout_s
        )
        return await self._tokenizer.count(text, self.model, call)

    async def aclose(self) -> None:
        await self._client.close()
        await self._tokenizer.aclose()

    async def _resolve_model(self, call: CallContext) -> str:
        if not self.model:
            served = [entry.id async for entry in self._client.models.list()]
            if not served:
                raise UsageError(
                    f"the server at {self.endpoint} lists no models",
                    hint="pass --model with the served model id",
                )
            self.model = served[0]
            logger.info(
                "using model %s, the first served by %s", self.model, call.endpoint
            )
        return self.model

    def _prepare(self, request: GenerationRequest) -> _Request:
        sent = request.options.sent()
        params: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(request),
            "stream": True,
        }
        for name in ("temperature", "top_p", "seed"):
            if name in sent:
                params[name] = sent[name]
        if "num_predict" in sent:
            params["max_tokens"] = sent["num_predict"]
        extra = {
            wire: sent[ours]
            for ours, wire_names in EXTRA_BODY_NAMES.items()
            if ours in sent
            for wire in wire_names
        }
        if extra:
            params["extra_body"] = extra
        if request.json_schema is not None:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "answer",
                    "schema": request.json_schema,
                    "strict": True,
                },
            }
        notes = self._unsent_load_options(sent)
        logger.debug("openai request to %s: %s", self.endpoint, params)
        return _Request(params, notes)

    def _unsent_load_options(self, sent: dict[str, Any]) -> tuple[str, ...]:
        unsent = sorted(name for name in sent if name in LOAD_TIME_OPTIONS)
        if not unsent:
            return ()
        listed = ", ".join(f"{name}={sent[name]}" for name in unsent)
        logger.warning(
            "%s: %s are load-time settings the OpenAI API cannot set; not sent "
            "(configure them where the server is started)",
            self.endpoint,
            listed,
        )
        return (
            f"not applied (load-time settings the OpenAI API cannot set): {listed}",
        )

    async def _open_stream(self, params: dict[str, Any]) -> tuple[Any, str | None]:
        """Open the stream; fall back to the llama.cpp schema form if refused.

        OpenAI's ``json_schema`` response format is not universal: llama.cpp's
        Python server answers it with HTTP 500 but accepts the schema inside a
        ``json_object`` format. The fallback is tried once and remembered.
        """
        format_ = params.get("response_format", {})
        if format_.get("type") == "json_schema" and self._json_object_schema:
            params = {**params, "response_format": _json_object_form(format_)}
        try:
            return await self._open_stream_with_usage(params)
        except openai.APIStatusError as error:
            if format_.get("type") != "json_schema" or self._json_object_schema:
                raise
            logger.info(
                "%s refused the json_schema response format (HTTP %s); retrying "
                "with a json_object schema",
                self.endpoint,
                error.status_code,
            )
            self._json_object_schema = True
            params = {**params, "response_format": _json_object_form(format_)}
            stream, note = await self._open_stream_with_usage(params)
            fallback = (
                f"json_schema response format refused (HTTP {error.status_code}); "
                "sent as a json_object schema"
            )
            return stream, f"{note}; {fallback}" if note else fallback

    async def _open_stream_with_usage(
        self, params: dict[str, Any]
    ) -> tuple[Any, str | None]:
        create = self._client.chat.completions.create
        if self._stream_options_accepted is False:
            return await create(**params), "stream_options not sent: rejected earlier"
        try:
            stream = await create(**params, stream_options={"include_usage": True})
        except openai.BadRequestError as error:
            logger.info(
                "%s rejected stream_options (%s); retrying without",
                self.endpoint,
                error.message,
            )
            # A second 400 means the request itself is at fault: that error is raised.
            stream = await create(**params)
            self._stream_options_accepted = False
            return stream, "server rejected stream_options (HTTP 400); retried without"
        self._stream_options_accepted = True
        return stream, None


def _json_object_form(response_format: dict[str, Any]) -> dict[str, Any]:
    """The same schema in the ``json_object`` form llama.cpp servers accept."""
    schema = response_format.get("json_schema", {}).get("schema")
    return {"type": "json_object", "schema": schema}
