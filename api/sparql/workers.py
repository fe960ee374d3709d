"""Queries are checked and run in child processes, so that one that passes its time limit
can be stopped.

pyoxigraph cannot interrupt a query inside the process, so each worker is a child process
with its own copy of the store (loaded from the built `dataset.nq`; a few hundred ms). A
query is sent to an idle worker over a pipe; the worker checks it (SERVICE, FROM: see
`check`), evaluates and serialises it. When its answer has not come back within the time
limit the worker is killed, a fresh one started, and the request answered 503. Other
requests never wait on it: they go to the other workers, and the REST API does not use the
workers at all. The server waits for a worker's pipe on its event loop (no thread per
query), so neither parsing nor evaluation ever runs in the server process.

This module imports nothing from the web stack: it is what each `spawn`ed child imports.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .errors import ProtocolError

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
WORKER_STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    query: str
    # the format for each kind of result; "" where the client accepts none. Both are given
    # when the query's kind is not known before the worker parses it.
    results_format: str = ""  # one of RESULT_FORMATS: SELECT, ASK
    graph_format: str = ""  # one of GRAPH_FORMATS: CONSTRUCT, DESCRIBE
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def dataset_given(self) -> bool:  # default-graph-uri / named-graph-uri: they replace FROM
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | refused | syntax | not_acceptable | too_large | error
    body: bytes = b""
    message: str = ""
    form: str = ""  # select | ask | graph, once the query is parsed
    status: int = 0  # refused: the HTTP status and code of the check's refusal
    code: str = ""

    @property
    def returns_graph(self) -> bool:
        return self.form == "graph"


class QueryTimeout(Exception):
    pass


class WorkersBusy(Exception):
    pass


class WorkerFailed(Exception):
    pass


class ResultTooLarge(Exception):
    pass


class _BoundedBuffer:
    """A write target that refuses to grow past `limit` bytes: stops the serialisation."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _form(result: Any) -> str:
    import pyoxigraph as ox

    if isinstance(result, ox.QueryTriples):
        return "graph"
    return "ask" if isinstance(result, ox.QueryBoolean) else "select"


def _serialization(fmt: str) -> Any:
    import pyoxigraph as ox

    return {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
        "rdfxml": ox.RdfFormat.RDF_XML,
    }[fmt]


def _refused(error: ProtocolError) -> Outcome:
    return Outcome("refused", message=error.message, status=error.status, code=error.code)


def _dataset_options(job: Job, from_graphs: tuple[str, ...]) -> dict[str, Any]:
    """The graph parameters replace FROM; with neither, the default graph is the union."""
    import pyoxigraph as ox

    if job.dataset_given:
        return {
            "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    return {} if from_graphs else {"use_default_graph_as_union": True}


def run_job(
    store: Any, prefixes: dict[str, str], graphs: frozenset[str], job: Job, max_bytes: int
) -> Outcome:
    """Check, evaluate and serialise one query on `store` (in the worker)."""
    from .check import check_graphs, check_query, needs_full_check

    full_check = needs_full_check(job.query)
    try:
        check_graphs(job.default_graphs, graphs, "default-graph-uri")
        check_graphs(job.named_graphs, graphs, "named-graph-uri")
        from_graphs = check_query(job.query, prefixes, graphs).from_graphs if full_check else ()
    except ProtocolError as error:
        return _refused(error)
    buffer = _BoundedBuffer(max_bytes)
    form = ""
    try:
        result = store.query(job.query, prefixes=prefixes, **_dataset_options(job, from_graphs))
        form = _form(result)
        fmt = job.graph_format if form == "graph" else job.results_format
        if not fmt:
            return Outcome("not_acceptable", form=form)
        result.serialize(buffer, format=_serialization(fmt))
    except SyntaxError as error:
        if not full_check:  # rdflib's message is clearer, and it tells an update (403)
            try:
                check_query(job.query, prefixes, graphs)
            except ProtocolError as refusal:
                return _refused(refusal)
        return Outcome("syntax", message=str(error))
    except ResultTooLarge:
        return Outcome("too_large", message=f"the result is larger than {max_bytes} bytes", form=form)
    except Exception as error:
        return Outcome("error", message=f"{type(error).__name__}: {error}", form=form)
    return Outcome("ok", b"".join(buffer.parts), form=form)


def _exit_with_parent(parent: int) -> None:
    """A worker busy with a runaway query would outlive a killed server: watch for that."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def worker_main(
    conn: Connection,
    data_file: str,
    prefixes: dict[str, str],
    graphs: frozenset[str],
    max_bytes: int,
    parent: int,
) -> None:
    import pyoxigraph as ox

    from . import check  # noqa: F401  (rdflib's parser: imported once, before the first query)

    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    store = ox.Store()
    store.load(path=data_file, format=ox.RdfFormat.N_QUADS)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_job(store, prefixes, graphs, job, max_bytes))


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


async def _readable(conn: Connection, timeout: float) -> bool:
    """Wait on the event loop until `conn` has something to read, at most `timeout` s."""
    if conn.poll(0):
        return True
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(conn.fileno())
        # uvloop leaves the descriptor non-blocking, and Connection.recv then fails with EAGAIN
        # midway through an answer larger than the pipe's buffer
        os.set_blocking(conn.fileno(), True)
    return True


class WorkerPool:
    """`size` worker processes; `await run(job)` answers one Job (from the event loop)."""

    def __init__(
        self,
        data_file: str,
        prefixes: dict[str, str],
        graphs: frozenset[str],
        *,
        size: int,
        timeout: float,
        max_bytes: int,
    ) -> None:
        self.worker_args = (data_file, prefixes, graphs, max_bytes)
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=worker_main,
            args=(theirs, *self.worker_args, os.getpid()),
            name="dutygraph-sparql-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (in a thread: joining may take a moment) and start a fresh one now."""
        self._all.discard(worker)
        threading.Thread(target=worker.stop, daemon=True).start()
        if not self._closed and self._idle is not None:
            self._idle.put_nowait(self._spawn())

    def start(self) -> None:
        """Start the workers (on the event loop that will use them); they load in the background."""
        if self._idle is not None:
            return
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())
        atexit.register(self.close)

    def close(self) -> None:
        self._closed = True
        workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    async def run(self, job: Job) -> Outcome:
        self.start()
        assert self._idle is not None
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.timeout)
        except TimeoutError as error:
            raise WorkersBusy(f"every query worker stayed busy for {self.timeout:g} s") from error
        try:
            outcome = await self._ask(worker, job)
        except (EOFError, OSError) as error:
            self._replace(worker)
            raise WorkerFailed(f"the query worker stopped ({error or type(error).__name__})") from error
        except (WorkerFailed, QueryTimeout, asyncio.CancelledError):
            # a worker still busy with a query it was sent cannot take another: replace it
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        return outcome

    async def _ask(self, worker: _Worker, job: Job) -> Outcome:
        if not worker.ready:
            if not await _readable(worker.conn, WORKER_STARTUP_TIMEOUT) or worker.conn.recv() != "ready":
                raise WorkerFailed("a query worker did not start")
            worker.ready = True
        worker.conn.send(job)
        if not await _readable(worker.conn, self.timeout):
            raise QueryTimeout(f"the query ran longer than the {self.timeout:g} s time limit and was stopped")
        return worker.conn.recv()
