"""Remote stores for the tests: an Oxigraph server (`oxigraph serve`) on 127.0.0.1.

`scripts/test` starts one for the whole run and exports its URL as DUTYGRAPH_TEST_OXIGRAPH;
without it (plain `pytest`) the fixture starts its own from the venv on a free port. A
missing `oxigraph` binary skips the tests that need it, except in CI (CI=true), where it
fails them: CI must test the remote store.

DUTYGRAPH_TEST_STORE says what the servers and the in-process knowledge of the tests read
from: unset or `embedded`, the built folder itself (`serve --data DIR`, `load_knowledge`);
`oxigraph`, an Oxigraph server holding that folder (`serve --store URL`, `read_knowledge` of
a `RemoteStore`), so that the same tests check that both give the same answers. Each data
folder gets its own fresh, in-memory server, filled once with `dutygraph push` and stopped
when the session ends (`close_test_stores`, from conftest.py): no test sees another's data,
and the DUTYGRAPH_TEST_OXIGRAPH server that test_store.py pushes to stays out of it.
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

from dutygraph.graph.knowledge import Knowledge, read_knowledge
from dutygraph.graph.store import RemoteStore
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .servers import free_port, stop

OXIGRAPH_ENV = "DUTYGRAPH_TEST_OXIGRAPH"
TEST_STORE_ENV = "DUTYGRAPH_TEST_STORE"
TEST_STORES = ("embedded", "oxigraph")
STARTUP_TIMEOUT = 20.0
PUSH_TIMEOUT = 120.0


def store_kind() -> str:
    """What the tests' servers read from: `embedded` (the default) or `oxigraph`."""
    given = os.environ.get(TEST_STORE_ENV, "").strip().lower() or "embedded"
    if given not in TEST_STORES:
        raise pytest.UsageError(f"{TEST_STORE_ENV}={given!r}: expected one of {', '.join(TEST_STORES)}")
    return given


def remote_mode() -> bool:
    return store_kind() != "embedded"


def embedded_only(why: str) -> pytest.MarkDecorator:
    """Skip a test when the servers read from a remote store: `why` says what it is about
    that a remote store does not have (the worker pool, for instance)."""
    return pytest.mark.skipif(
        remote_mode(), reason=f"{TEST_STORE_ENV}={os.environ.get(TEST_STORE_ENV)}: {why}"
    )


def fails_on_a_remote_store(why: str) -> pytest.MarkDecorator:
    """A test that shows a difference of the remote store the code should not have (`why`
    says which, and where the fix belongs): expected to fail in remote mode, strictly, so that
    the fix has to remove this marker."""
    return pytest.mark.xfail(remote_mode(), reason=f"remote store: {why}", strict=True)


def oxigraph_binary() -> str | None:
    """`oxigraph` from the venv this Python runs in, else from PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true" or remote_mode():
        pytest.fail(f"{reason} (CI=true or {TEST_STORE_ENV}: the remote-store tests must run)")
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
def oxigraph_process(*options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A fresh, in-memory `oxigraph serve` of our own on a free port: its base URL and its
    process (for the tests that stop it under a server's feet)."""
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
                yield base, process
            finally:
                stop(process)


@contextlib.contextmanager
def oxigraph_serving(*options: str) -> Iterator[str]:
    """A fresh, in-memory `oxigraph serve` of our own on a free port; yields its base URL."""
    with oxigraph_process(*options) as (base, _):
        yield base


def push(folder: Path, base: str) -> None:
    """`dutygraph push --data folder --to base`, as a user would fill a store; fail saying why."""
    command = [sys.executable, "-m", "dutygraph", "push", "--data", str(folder), "--to", base]
    pushed = subprocess.run(command, capture_output=True, text=True, timeout=PUSH_TIMEOUT)
    if pushed.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited with {pushed.returncode}:\n{pushed.stderr}")


# the session's stores, one per data folder, stopped by close_test_stores()
_stores: dict[Path, str] = {}
_running = contextlib.ExitStack()


def store_of(folder: Path | None = None) -> str:
    """The base URL of an Oxigraph server holding the built `folder` (the packaged build by
    default): started and pushed on first use, kept for the rest of the session."""
    key = (folder or DEFAULT_BUILD_DIR).resolve()
    if key not in _stores:
        base = _running.enter_context(oxigraph_serving())
        push(key, base)
        _stores[key] = base
    return _stores[key]


def close_test_stores() -> None:
    _stores.clear()
    _running.close()


def remote_knowledge(folder: Path | None = None) -> Knowledge | None:
    """In remote mode, the knowledge of `folder` as read from its Oxigraph server (what
    `serve --store` reads); None when the tests run on the embedded store."""
    if not remote_mode():
        return None
    return read_knowledge(RemoteStore.oxigraph(store_of(folder)))


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
