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
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from dutygraph.errors import DutygraphError

from .check import check_query, syntax_refusal
from .errors import ProtocolError

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
WORKER_STARTUP_TIMEOUT = 180.0  # the whole corpus loads in 20-40 s; a dead worker is seen at once
EVALUATION_STACK_BYTES = 512 * 1024 * 1024
MEMORY_CHECK_SECONDS = 0.05  # how often a busy worker's memory is read (a runaway grows ~1 GB/s)
SPARE_AFTER_SECONDS = 0.25  # every worker busy this long: start another
SPARE_IDLE_SECONDS = 30.0  # an extra worker idle this long stops
MIB = 1024 * 1024
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# the server's own log: uvicorn configures this logger's output
log = logging.getLogger("uvicorn.error")


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker is started with."""

    data_file: str  # the built dataset.nq each worker loads into its own store
    prefixes: dict[str, str]  # predeclared for every query
    base_iri: str  # relative IRIs in a query resolve against it (the endpoint's own IRI)
    max_bytes: int  # the largest serialised answer


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
    kind: str  # ok | refused | not_acceptable | too_large | query_error | error
    body: bytes = b""
    message: str = ""
    form: str = ""  # select | ask | graph, once the query is parsed
    status: int = 0  # refused: the HTTP status and code of the check's refusal
    code: str = ""

    @property
    def returns_graph(self) -> bool:
        return self.form == "graph"


class WorkerPoolError(DutygraphError):
    """A query the pool could not answer; each subclass says why."""


class QueryTimeout(WorkerPoolError):
    pass


class WorkersBusy(WorkerPoolError):
    pass


class WorkerFailed(WorkerPoolError):
    pass


class MemoryLimit(WorkerPoolError):
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


def refused(error: ProtocolError) -> Outcome:
    return Outcome("refused", message=error.message, status=error.status, code=error.code)


def _dataset_options(job: Job, names_dataset: bool) -> dict[str, Any]:
    """The graph parameters replace FROM (a graph the store lacks is empty, as in SPARQL 1.1
    Query 13.2); with neither, the default graph is the union of the named graphs."""
    import pyoxigraph as ox

    if job.dataset_given:
        try:
            return {
                "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
                "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
            }
        except ValueError as error:
            raise ProtocolError(400, "bad_graph_iri", f"a graph parameter is not an IRI: {error}") from error
    return {} if names_dataset else {"use_default_graph_as_union": True}


def run_job(store: Any, settings: WorkerSettings, job: Job) -> Outcome:
    """Check, evaluate and serialise one query on `store` (in the worker)."""
    try:
        checked = check_query(job.query)
        dataset = _dataset_options(job, checked.names_dataset)
    except ProtocolError as error:
        return refused(error)
    buffer = _BoundedBuffer(settings.max_bytes)
    form = ""
    try:
        result = store.query(
            job.query,
            prefixes=settings.prefixes,
            base_iri=settings.base_iri,
            **dataset,
        )
        form = _form(result)
        fmt = job.graph_format if form == "graph" else job.results_format
        if not fmt:
            return Outcome("not_acceptable", form=form)
        result.serialize(buffer, format=_serialization(fmt))
    except SyntaxError as error:
        return refused(syntax_refusal(checked, str(error)))
    except ResultTooLarge:
        return Outcome(
            "too_large", message=f"the result is larger than {settings.max_bytes} bytes", form=form
        )
    except RuntimeError as error:  # pyoxigraph's evaluation errors: an unknown function, a bad cast…
        return Outcome("query_error", message=str(error), form=form)
    except Exception as error:
        return Outcome("error", message=f"{type(error).__name__}: {error}", form=form)
    return Outcome("ok", b"".join(buffer.parts), form=form)


def _exit_with_parent(parent: int) -> None:
    """A worker busy with a runaway query would outlive a killed server: watch for that."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _serve_jobs(conn: Connection, settings: WorkerSettings) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=settings.data_file, format=ox.RdfFormat.N_QUADS)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_job(store, settings, job))


def worker_main(conn: Connection, settings: WorkerSettings, parent: int) -> None:
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # pyoxigraph parses and evaluates recursively: a long chain of operators (1+1+…, UNION …)
    # within the size limit overflows the main thread's 8 MiB stack and kills the process. A
    # thread with a large stack survives them (the pages are reserved, used only when needed).
    threading.stack_size(EVALUATION_STACK_BYTES)
    evaluator = threading.Thread(target=_serve_jobs, args=(conn, settings), name="evaluator")
    evaluator.start()
    evaluator.join()


def _resident_bytes(pid: int) -> int:
    """The resident memory of a process (Linux /proc); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def _exit_cause(process: multiprocessing.process.BaseProcess) -> str:
    code = process.exitcode
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = (
            " (a crash: e.g. a stack overflow)"
            if -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)
            else ""
        )
        return f"it was killed by {name}{hint}"
    return f"it exited with code {code}"


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False
        self.started = self.idle_since = time.monotonic()
        # its resident memory once it holds the store: the memory limit counts what a query
        # adds to it, so a corpus whose store alone is larger than the limit is still served
        self.holding = 0

    def loading(self) -> bool:
        """Still loading the store: its "ready" neither read nor waiting in the pipe."""
        return not self.ready and self.process.is_alive() and not self.conn.poll(0)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        with contextlib.suppress(OSError):  # closed already, by a stop racing this one
            self.conn.close()


async def _readable(conn: Connection, timeout: float) -> bool:
    """Wait on the event loop until `conn` has something to read, at most `timeout` s."""
    if conn.poll(0):
        return True
    if timeout <= 0:
        return False
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
    """Worker processes answering Jobs; `await run(job, deadline)` answers one (on the event loop).

    `size` workers are kept; when every one stays busy (runaway queries, say) more are started,
    up to `max_size`, so that a cheap query still finds one within about a second; the extra
    ones stop after `SPARE_IDLE_SECONDS` idle. A query's deadline counts from the request's
    arrival, waiting for a worker included. A worker whose resident memory grows more than
    `memory_bytes` past what it held once it had loaded the store is killed and its query
    answered MemoryLimit."""

    def __init__(
        self, settings: WorkerSettings, *, size: int, max_size: int, timeout: float, memory_bytes: int
    ):
        self.settings = settings
        self.size = size
        self.max_size = max(size, max_size)
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.slowest_load = 0.0  # seconds from a worker's start to its "ready", the longest seen
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._closed = False

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=worker_main,
            args=(theirs, self.settings, os.getpid()),
            name="dutygraph-sparql-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (in a thread: joining may take a moment) and start a fresh one now,
        unless the pool has more workers than it keeps."""
        self._all.discard(worker)
        threading.Thread(target=worker.stop, daemon=True).start()
        if not self._closed and self._idle is not None and len(self._all) < self.size:
            self._idle.put_nowait(self._spawn())

    def _failed(self, worker: _Worker, what: str) -> WorkerFailed:
        """Log why a worker stopped, replace it, and say so to the client."""
        worker.process.join(timeout=1)
        cause = _exit_cause(worker.process)
        log.warning("SPARQL query worker %s stopped %s: %s", worker.process.pid, what, cause)
        self._replace(worker)
        return WorkerFailed(f"the query worker stopped {what}: {cause}")

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

    async def _take(self, deadline: float) -> _Worker:
        """An idle worker; a spare is started each time none came for `SPARE_AFTER_SECONDS`."""
        assert self._idle is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkersBusy(f"every query worker stayed busy for the {self.timeout:g} s time limit")
            try:
                return await asyncio.wait_for(self._idle.get(), min(remaining, SPARE_AFTER_SECONDS))
            except TimeoutError:
                # one spare at a time: at the corpus's size a worker loads the store for tens
                # of seconds and a GB, and spares started together only slow each other down
                loading = any(worker.loading() for worker in self._all)
                if len(self._all) < self.max_size and not self._closed and not loading:
                    self._idle.put_nowait(self._spawn())

    def _give_back(self, worker: _Worker) -> None:
        """Idle again; an extra worker idle for long, with others idle too, is stopped instead."""
        assert self._idle is not None
        now = time.monotonic()
        worker.idle_since = now
        self._idle.put_nowait(worker)
        if len(self._all) > self.size and self._idle.qsize() > 1:
            oldest = min(self._idle._queue, key=lambda w: w.idle_since)  # type: ignore[attr-defined]
            if now - oldest.idle_since > SPARE_IDLE_SECONDS:
                self._idle._queue.remove(oldest)  # type: ignore[attr-defined]
                self._all.discard(oldest)
                threading.Thread(target=oldest.stop, daemon=True).start()

    async def run(self, job: Job, deadline: float | None = None) -> Outcome:
        """`deadline` (time.monotonic()) defaults to now + the time limit."""
        self.start()
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        worker = await self._take(deadline)
        while not worker.process.is_alive():  # died while idle (killed from outside, say)
            self._failed(worker, "while idle")
            worker = await self._take(deadline)
        try:
            outcome = await self._ask(worker, job, deadline)
        except (EOFError, OSError) as error:
            raise self._failed(worker, "during a query") from error
        except (WorkerFailed, QueryTimeout, MemoryLimit, asyncio.CancelledError):
            # a worker still busy with a query it was sent cannot take another: replace it
            self._replace(worker)
            raise
        self._give_back(worker)
        return outcome

    async def _started(self, worker: _Worker, deadline: float) -> None:
        if worker.ready:
            return
        # a worker may take a few times the slowest load seen so far (a large store, loads
        # running side by side), and never less than WORKER_STARTUP_TIMEOUT
        startup = max(WORKER_STARTUP_TIMEOUT, 3 * self.slowest_load, deadline - time.monotonic())
        try:
            if not await _readable(worker.conn, startup) or worker.conn.recv() != "ready":
                raise self._failed(worker, "while starting")
        except (EOFError, OSError) as error:
            raise self._failed(worker, "while starting") from error
        worker.ready = True
        self.slowest_load = max(self.slowest_load, time.monotonic() - worker.started)
        worker.holding = _resident_bytes(worker.process.pid or 0)

    async def _ask(self, worker: _Worker, job: Job, deadline: float) -> Outcome:
        """Send the job, then wait for the answer in slices, watching the worker's memory."""
        if not worker.ready:  # the time limit is the query's: a worker loading the store first
            await self._started(worker, deadline)  # (the first query, a replaced worker) does not eat it
            deadline = max(deadline, time.monotonic() + self.timeout)
        worker.conn.send(job)
        while not await _readable(worker.conn, min(MEMORY_CHECK_SECONDS, deadline - time.monotonic())):
            if time.monotonic() >= deadline:
                raise QueryTimeout(
                    f"the query ran longer than the {self.timeout:g} s time limit and was stopped"
                )
            if _resident_bytes(worker.process.pid or 0) - worker.holding > self.memory_bytes:
                log.warning(
                    "SPARQL query worker %s passed its memory limit and was stopped", worker.process.pid
                )
                raise MemoryLimit(
                    f"the query needed more than the {self.memory_bytes // MIB} MiB a query may use beyond "
                    "the store and was stopped: narrow it (a LIMIT does not bound ORDER BY or GROUP BY)"
                )
        return worker.conn.recv()
