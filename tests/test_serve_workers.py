"""`dutygraph serve --workers N`: N forked server processes answering on one port, supervised
by the process that was started (api/server.py, ServerProcesses).

Which process answers a request is the kernel's choice; to ask one in particular, the others
are stopped (SIGSTOP) meanwhile, so that only it accepts connections.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .servers import ServerProcess, free_port, serving
from .stores import store_of

WAIT_SECONDS = 20.0
SEARCH = "/api/search?q=人才"
DUTIES = "/api/bodies/party-committee/duties"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?duty a odrl:Duty }"


def children_of(parent: int) -> list[int]:
    """The live processes whose parent is `parent` (Linux /proc), zombies left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it has just exited
            continue
        # "pid (command) state ppid …": the command may hold spaces and parentheses
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == parent and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(what: str, condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds:g} s: {what}")
        time.sleep(0.05)


def get(base: str, path: str) -> httpx.Response:
    """On a new connection: a kept-alive one would stay with the process that accepted it."""
    with httpx.Client(timeout=30) as client:
        return client.get(base + path)


@contextlib.contextmanager
def only(pid: int, among: list[int]) -> Iterator[None]:
    """Only `pid` accepts connections meanwhile: the others are stopped, then resumed."""
    others = [other for other in among if other != pid]
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        yield
    finally:
        for other in others:
            os.kill(other, signal.SIGCONT)


@pytest.fixture(scope="module")
def two() -> Iterator[ServerProcess]:
    """One `serve --workers 2` for the tests that only ask it questions."""
    with serving("--workers", "2") as server:
        wait_for("two server processes", lambda: len(children_of(server.pid)) == 2)
        yield server


@pytest.fixture
def own_two() -> Iterator[ServerProcess]:
    """A `serve --workers 2` of its own, for a test that kills some of it."""
    with serving("--workers", "2") as server:
        wait_for("two server processes", lambda: len(children_of(server.pid)) == 2)
        yield server


def test_two_server_processes_answer_on_one_port(two: ServerProcess) -> None:
    health = get(two.base, "/healthz")
    assert health.status_code == 200
    assert health.json()["triples"] > 0
    duties = get(two.base, DUTIES)
    assert duties.status_code == 200
    assert duties.json()["total"] > 0
    assert len(children_of(two.pid)) == 2
    assert "2 server processes" in two.log()


def test_each_process_answers_alike_on_its_own(two: ServerProcess) -> None:
    """The search index (in-memory SQLite) and the knowledge were built before the fork; each
    process answers from its copy, and starts its own SPARQL workers."""
    processes = children_of(two.pid)
    answers = []
    for pid in processes:
        with only(pid, processes):
            search = get(two.base, SEARCH)
            duties = get(two.base, DUTIES)
            sparql = get(two.base, "/sparql?" + str(httpx.QueryParams(query=COUNT)))
        for answer in (search, duties, sparql):
            assert answer.status_code == 200, answer.text
        assert search.json()["total"] > 0
        answers.append([(a.content, a.headers["etag"]) for a in (search, duties, sparql)])
    assert answers[0] == answers[1]


def test_a_killed_process_is_replaced_and_the_server_keeps_answering(own_two: ServerProcess) -> None:
    first, second = children_of(own_two.pid)
    os.kill(first, signal.SIGKILL)
    assert get(own_two.base, "/healthz").status_code == 200  # the other one answers meanwhile
    wait_for(
        "a replacement of the killed process",
        lambda: len(now := children_of(own_two.pid)) == 2 and first not in now,
    )
    assert second in children_of(own_two.pid)
    replacement = next(pid for pid in children_of(own_two.pid) if pid != second)
    with only(replacement, children_of(own_two.pid)):
        assert get(own_two.base, DUTIES).status_code == 200
    assert f"server process {first} was killed by SIGKILL" in own_two.log()


def test_sigterm_to_the_parent_stops_every_process(own_two: ServerProcess) -> None:
    processes = children_of(own_two.pid)
    own_two.process.terminate()
    assert own_two.process.wait(timeout=WAIT_SECONDS) == 0
    assert not any(alive(pid) for pid in processes)
    with pytest.raises(httpx.TransportError):
        get(own_two.base, "/healthz")


def test_the_processes_stop_when_the_parent_is_killed(own_two: ServerProcess) -> None:
    processes = children_of(own_two.pid)
    own_two.process.kill()
    own_two.process.wait()
    wait_for("the orphaned server processes to exit", lambda: not any(alive(pid) for pid in processes))


def test_workers_over_a_store_send_their_queries_apart() -> None:
    """Over a remote store, the processes must not share the HTTP connections the loading
    left open: many store-backed answers at once from both are the embedded server's bytes."""
    store = store_of()
    with (
        serving("--data", str(DEFAULT_BUILD_DIR), as_given=True) as embedded,
        serving("--store", store, "--workers", "2", as_given=True) as remote,
    ):
        wait_for("two server processes", lambda: len(children_of(remote.pid)) == 2)
        bodies = get(embedded.base, "/api/bodies?limit=100").json()["items"]
        # distinct URLs: each is read from the store, not from a process's answer cache
        paths = [f"/id/{'post' if body['kind'] == 'post' else 'body'}/{body['id']}" for body in bodies]
        paths += [
            "/sparql?"
            + str(httpx.QueryParams(query=f"SELECT ?s WHERE {{ ?s a odrl:Duty }} ORDER BY ?s LIMIT {n}"))
            for n in range(1, 21)
        ]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda path: get(remote.base, path), paths))
        for path, answer in zip(paths, answers, strict=True):
            assert answer.status_code == 200, (path, answer.text)
            assert answer.content == get(embedded.base, path).content, path


@pytest.mark.parametrize("given", ["0", "-1", "two", "1.5"])
def test_workers_that_are_no_positive_whole_number_are_a_usage_error(given: str) -> None:
    command = [sys.executable, "-m", "dutygraph", "serve", "--port", str(free_port()), "--workers", given]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "argument --workers" in done.stderr
    assert repr(given) in done.stderr
