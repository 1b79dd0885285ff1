"""Loading GGUF models into llama.cpp once per process, and keeping them loaded.

Loading is the expensive part of an embedded call, and the load-time settings
(context size, GPU layers, batch size, threads) are fixed for the life of a
llama.cpp context. So each distinct (file, load-time settings) pair is loaded once
and kept in a small least-recently-used cache; a call with the same settings reuses
it, a call with different ones loads another (and is told so in its metrics).

A llama.cpp context is not thread-safe: every use of a ``LoadedModel`` happens
under its ``lock``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import llama_cpp
from llama_cpp import Llama

from chimera.errors import BackendUnavailable
from chimera.options import ModelOptions

logger = logging.getLogger(__name__)

DEFAULT_N_CTX = 2048
# llama.cpp pads smaller contexts up to this, and llama-cpp-python's buffers then
# disagree with the padded size; asking for it directly avoids the mismatch.
MIN_N_CTX = 256
# Each loaded model holds its weights and KV cache; a sweep over load-time options
# would otherwise keep every variant in memory.
MAX_LOADED_MODELS = 2

# "1" keeps llama.cpp's extra CPU buffer types even where they are unsafe by default,
# "0" turns them off everywhere; unset decides from the CPU (see below).
EXTRA_BUFFERS_ENV = "CHIMERA_LLAMA_EXTRA_BUFFERS"


@dataclass(frozen=True)
class LoadSettings:
    """The load-time settings of one llama.cpp model; ``None`` = llama.cpp default."""

    model_path: Path
    n_ctx: int = DEFAULT_N_CTX
    n_gpu_layers: int | None = None
    n_batch: int | None = None
    n_threads: int | None = None

    @classmethod
    def from_options(
        cls, model_path: Path, options: ModelOptions
    ) -> tuple[LoadSettings, tuple[str, ...]]:
        """Settings for ``options`` (Ollama names), and notes on defaults applied."""
        n_ctx = options.num_ctx or DEFAULT_N_CTX
        notes: tuple[str, ...] = ()
        if options.num_ctx is None:
            notes = (f"num_ctx not set: using n_ctx {DEFAULT_N_CTX}",)
        elif n_ctx < MIN_N_CTX:
            notes = (f"num_ctx {n_ctx} raised to {MIN_N_CTX}, llama.cpp's smallest",)
            n_ctx = MIN_N_CTX
        settings = cls(
            model_path=model_path,
            n_ctx=n_ctx,
            n_gpu_layers=options.num_gpu,
            n_batch=options.num_batch,
            n_threads=options.num_thread,
        )
        return settings, notes

    def llama_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model_path": str(self.model_path),
            "n_ctx": self.n_ctx,
        }
        if self.n_gpu_layers is not None:
            kwargs["n_gpu_layers"] = self.n_gpu_layers
        if self.n_batch is not None:
            kwargs["n_batch"] = self.n_batch
        if self.n_threads is not None:
            kwargs["n_threads"] = self.n_threads
            kwargs["n_threads_batch"] = self.n_threads
        return kwargs


class CountingLlama(Llama):
    """A ``Llama`` that counts the prompt and generated tokens of its last call.

    Streamed chat chunks from llama-cpp-python carry no token counts, and a chunk
    may hold several tokens; counting at the token generator is exact.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._vocab = llama_cpp.llama_model_get_vocab(self.model)
        self.prompt_token_count: int | None = None
        self.generated_token_count = 0

    def generate(
        self, tokens: Sequence[int], *args: Any, **kwargs: Any
    ) -> Generator[int, Any, None]:
        self.prompt_token_count = len(tokens)
        self.generated_token_count = 0
        for token in super().generate(tokens, *args, **kwargs):
            # The end-of-generation token ends the answer; it is not part of it.
            if not llama_cpp.llama_vocab_is_eog(self._vocab, token):
                self.generated_token_count += 1
            yield token


@dataclass
class LoadedModel:
    """One model in memory, with llama.cpp's own measure of how long it took."""

    llama: CountingLlama
    settings: LoadSettings
    load_ms: float | None
    load_wall_ms: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Tokenizing reads only the vocabulary, so it need not wait for a generation
    # holding ``lock``; this one only keeps it clear of ``close``.
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock)
    closed: bool = False

    def context_length(self) -> int:
        """The context length the model was trained for (its upper bound)."""
        return int(llama_cpp.llama_model_n_ctx_train(self.llama.model))

    def count_tokens(self, text: str) -> int | None:
        """Tokens in ``text``, or None if the model was unloaded meanwhile."""
        with self.tokenizer_lock:
            if self.closed:
                return None
            return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False))

    def close(self) -> None:
        with self.lock, self.tokenizer_lock:
            self.closed = True
            self.llama.close()


_models: OrderedDict[LoadSettings, LoadedModel] = OrderedDict()
_models_lock = threading.Lock()


def get_model(settings: LoadSettings) -> tuple[LoadedModel, bool]:
    """The loaded model for ``settings`` and whether this call loaded it.

    Blocking; call it from a worker thread.
    """
    with _models_lock:
        model = _models.get(settings)
        if model is not None:
            _models.move_to_end(settings)
            return model, False
        model = _load(settings)
        _models[settings] = model
        while len(_models) > MAX_LOADED_MODELS:
            _, evicted = _models.popitem(last=False)
            logger.info(
                "unloading %s (n_ctx %s)",
                evicted.settings.model_path.name,
                evicted.settings.n_ctx,
            )
            evicted.close()
        return model, True


def loaded_models() -> list[LoadedModel]:
    """The models currently in memory, least recently used first."""
    with _models_lock:
        return list(_models.values())


def release_models() -> None:
    """Unload every cached model (frees memory; the next call loads again)."""
    with _models_lock:
        while _models:
            _, model = _models.popitem()
            model.close()


def _load(settings: LoadSettings) -> LoadedModel:
    kwargs = settings.llama_kwargs()
    started = time.perf_counter()
    try:
        with cpu_safe_model_params():
            llama = CountingLlama(**kwargs, verbose=False)
    except (ValueError, RuntimeError) as error:
        raise BackendUnavailable(
            f"llama.cpp could not load {settings.model_path}: {error}",
            endpoint="embedded",
            model=settings.model_path.name,
            hint="check that the file is a complete GGUF model llama.cpp supports",
        ) from error
    load_wall_ms = (time.perf_counter() - started) * 1000.0
    # llama.cpp folds the first evaluation into t_load_ms once a decode has run, so
    # the model-load figure must be read now, before any call.
    perf = llama_cpp.llama_perf_context(llama.ctx)
    load_ms = perf.t_load_ms if perf.t_load_ms > 0 else None
    logger.info(
        "loaded %s with %s in %.0f ms", settings.model_path.name, kwargs, load_wall_ms
    )
    return LoadedModel(llama, settings, load_ms=load_ms, load_wall_ms=load_wall_ms)


@contextlib.contextmanager
def cpu_safe_model_params() -> Iterator[None]:
    """Load models without llama.cpp's extra CPU buffer types where those crash.

    On CPUs that advertise Intel AMX, llama.cpp repacks weights into AMX tiles. Where
    the operating system or hypervisor does not actually grant the tile state (some
    virtual machines), the first matrix multiply kills the process with a
    segmentation fault: no exception, no message. Turning the extra buffer types off
    costs some prompt-processing speed on real AMX hardware, so the environment
    variable ``CHIMERA_LLAMA_EXTRA_BUFFERS=1`` keeps them on.

    llama-cpp-python builds its model parameters from
    ``llama_model_default_params()`` inside ``Llama.__init__`` with no argument to
    change this one, so the defaults are adjusted for the duration of the load.
    """
    if not _extra_buffers_unsafe():
        yield
        return
    original = llama_cpp.llama_cpp.llama_model_default_params

    def without_extra_buffers() -> llama_cpp.llama_model_params:
        params: llama_cpp.llama_model_params = original()
        params.use_extra_bufts = False
        return params

    llama_cpp.llama_cpp.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        llama_cpp.llama_cpp.llama_model_default_params = original


def _extra_buffers_unsafe() -> bool:
    setting = os.environ.get(EXTRA_BUFFERS_ENV)
    if setting is not None:
        return setting.strip() == "0"
    return _cpu_advertises_amx()


def _cpu_advertises_amx() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(
        line.startswith("flags") and "amx_tile" in line.split()
        for line in cpuinfo.splitlines()
    )
