"""A real `dutygraph serve` in a child process, for the tests that talk HTTP to it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest

STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(*options: str) -> Iterator[str]:
    """`dutygraph serve` in a child process on a free port; yields its base URL once /healthz answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # the access log goes to a file: a pipe nobody reads would fill up and stall the server
    with tempfile.TemporaryFile() as log:
        command = [
            sys.executable,
            "-m",
            "dutygraph",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *options,
        ]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"dutygraph serve exited with {process.returncode}:\n{log.read().decode()}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"no answer on {base}/healthz in {STARTUP_TIMEOUT} s:\n{log.read().decode()}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
