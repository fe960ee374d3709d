"""Remote stores for the tests: an Oxigraph server (`oxigraph serve`) on 127.0.0.1.

`scripts/test` starts one for the whole run and exports its URL as DUTYGRAPH_TEST_OXIGRAPH;
without it (plain `pytest`) the fixture starts its own from the venv on a free port. A
missing `oxigraph` binary skips the tests that need it, except in CI (CI=true), where it
fails them: CI must test the remote store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .servers import free_port, stop

OXIGRAPH_ENV = "DUTYGRAPH_TEST_OXIGRAPH"
STARTUP_TIMEOUT = 20.0


def oxigraph_binary() -> str | None:
    """`oxigraph` from the venv this Python runs in, else from PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the remote-store tests must run)")
    pytest.skip(reason)


def wait_until_answering(base: str, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Until `{base}/query` answers an ASK, or fail saying why."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process is not None and process.poll() is not None:
            told = log.read_text(errors="replace") if log else ""
            pytest.fail(f"oxigraph serve exited with {process.returncode}:\n{told}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"no Oxigraph server answering on {base} within {STARTUP_TIMEOUT:g} s")
        time.sleep(0.05)


@contextlib.contextmanager
def oxigraph_serving(*options: str) -> Iterator[str]:
    """A fresh, in-memory `oxigraph serve` of our own on a free port; yields its base URL."""
    binary = oxigraph_binary()
    if binary is None:
        _missing("no `oxigraph` binary (pip install oxigraph, in the dev extras)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="dutygraph-oxigraph-") as folder:
        log_path = Path(folder) / "oxigraph.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [binary, "serve", "--bind", f"127.0.0.1:{port}", *options],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_until_answering(base, process, log_path)
                yield base
            finally:
                stop(process)


@pytest.fixture(scope="session")
def oxigraph_url() -> Iterator[str]:
    """The base URL of the test run's Oxigraph server (shared: push only the packaged data)."""
    given = os.environ.get(OXIGRAPH_ENV)
    if given:
        wait_until_answering(given.rstrip("/"))
        yield given.rstrip("/")
        return
    with oxigraph_serving() as base:
        yield base
