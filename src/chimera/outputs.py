"""Writing results to disk so that a crash never leaves a half-written file.

Every file goes to a temporary name in the same directory and is renamed into place,
which is atomic on POSIX filesystems. JSON is strict: NaN and Infinity are refused.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

import chimera


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: Path, data: Any) -> Path:
    """Strict JSON (no NaN/Infinity), indented, written atomically."""
    return atomic_write_text(
        path, json.dumps(data, indent=2, allow_nan=False, default=str) + "\n"
    )


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def default_run_dir(base: Path = Path("chimera-runs")) -> Path:
    """``chimera-runs/<UTC timestamp>/``, unique to the second."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return base / stamp


def system_info() -> dict[str, Any]:
    """The machine a run was measured on, recorded beside every result."""
    memory = psutil.virtual_memory()
    info: dict[str, Any] = {
        "chimera_version": chimera.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count_logical": psutil.cpu_count(logical=True),
        "cpu_count_physical": psutil.cpu_count(logical=False),
        "memory_total_mb": round(memory.total / 1e6, 1),
    }
    try:
        import llama_cpp

        info["llama_cpp_python"] = llama_cpp.__version__
    except ImportError:
        info["llama_cpp_python"] = None
    return info
