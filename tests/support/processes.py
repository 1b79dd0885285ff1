"""Real server processes on free loopback ports, for session fixtures."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import httpx

# A llama-cpp-python server started through this wrapper loads its model with the
# same CPU safeguard as Chimera's embedded engine (see ``cpu_safe_model_params``);
# everything else is ``python -m llama_cpp.server`` unchanged.
LLAMA_CPP_SERVER = (
    "import runpy\n"
    "from chimera.backends._llama_load import cpu_safe_model_params\n"
    "with cpu_safe_model_params():\n"
    "    runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)\n"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    args: list[str], ready_url: str, timeout_s: float = 60.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``python args...``, wait until ``ready_url`` answers 200, stop after."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            _wait_ready(process, ready_url, timeout_s, log)
            yield process
        finally:
            _stop(process)


def _wait_ready(
    process: subprocess.Popen[bytes], url: str, timeout_s: float, log: IO[bytes]
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {_tail(log)}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} not ready in {timeout_s} s: {_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-2000:]
