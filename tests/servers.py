"""A real `dutygraph serve` in a child process, for the tests that talk HTTP to it.

With DUTYGRAPH_TEST_STORE=oxigraph (tests/stores.py), a server started here serves the data
folder it was given (`--data DIR`, or the packaged build) from an Oxigraph server holding
it, with `--store URL` instead: the same tests, the same answers expected."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class ServerProcess:
    """A running `dutygraph serve`: where it answers, its process, what it has logged."""

    base: str
    process: subprocess.Popen
    log_file: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        self.log_file.flush()
        with open(self.log_file.name, "rb") as log:
            return log.read().decode(errors="replace")

    def rss_bytes(self) -> int:
        """The server process's resident memory (VmRSS in /proc/PID/status)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise LookupError(f"no VmRSS for process {self.pid}")


def in_test_store(options: Sequence[str]) -> list[str]:
    """The options with `--data DIR` (or the default folder) replaced by `--store URL` of
    the test store holding that folder, in remote mode; unchanged otherwise, or when they
    name a store of their own."""
    from .stores import remote_mode, store_of  # stores.py imports this module

    if not remote_mode() or any(o.split("=")[0] in ("--store", "--store-query") for o in options):
        return list(options)
    kept: list[str] = []
    folder: Path | None = None
    given = iter(options)
    for option in given:
        if option == "--data":
            folder = Path(next(given))
        elif option.startswith("--data="):
            folder = Path(option.removeprefix("--data="))
        else:
            kept.append(option)
    return [*kept, "--store", store_of(folder)]


@contextlib.contextmanager
def serving(*options: str, as_given: bool = False) -> Iterator[ServerProcess]:
    """`dutygraph serve` in a child process on a free port, once /healthz answers; from the
    test store (see in_test_store) unless `as_given`."""
    options = tuple(options) if as_given else tuple(in_test_store(options))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # the access log goes to a file: a pipe nobody reads would fill up and stall the server
    with tempfile.NamedTemporaryFile(prefix="dutygraph-serve-", suffix=".log") as log:
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
        server = ServerProcess(base, process, log)
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while True:
                if process.poll() is not None:
                    pytest.fail(f"dutygraph serve exited with {process.returncode}:\n{server.log()}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    pytest.fail(f"no answer on {base}/healthz in {STARTUP_TIMEOUT} s:\n{server.log()}")
                time.sleep(0.1)
            yield server
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a server to stop; kill it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_server(*options: str, as_given: bool = False) -> Iterator[str]:
    """`dutygraph serve` in a child process on a free port; yields its base URL once /healthz answers."""
    with serving(*options, as_given=as_given) as server:
        yield server.base
