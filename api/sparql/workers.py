"""Queries run in child processes, so that one that passes its time limit can be stopped.

pyoxigraph cannot interrupt a query inside the process, so each worker is a child process
with its own copy of the store (loaded from the built `dataset.nq`; a few hundred ms). A
query is sent to an idle worker over a pipe; when its answer has not come back within the
time limit the worker is killed and a fresh one started in the background, and the request
is answered 503. Other requests never wait on it: they go to the other workers, and the
REST API does not use the workers at all.

This module imports nothing from the web stack: it is what each `spawn`ed child imports.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
WORKER_STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class Job:
    query: str
    format: str  # one of RESULT_FORMATS or GRAPH_FORMATS
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    dataset_given: bool = False  # default-graph-uri / named-graph-uri: they replace FROM
    union_default: bool = True  # no dataset given anywhere: the default graph is the union


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | syntax | too_large | error
    body: bytes = b""
    message: str = ""


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


def run_job(store: Any, prefixes: dict[str, str], job: Job, max_bytes: int) -> Outcome:
    """Evaluate and serialise one query on `store` (in the worker)."""
    import pyoxigraph as ox

    options: dict[str, Any] = {"prefixes": prefixes}
    if job.dataset_given:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    elif job.union_default:
        options["use_default_graph_as_union"] = True
    buffer = _BoundedBuffer(max_bytes)
    try:
        result = store.query(job.query, **options)
        if job.format in GRAPH_FORMATS:
            rdf = {
                "turtle": ox.RdfFormat.TURTLE,
                "ntriples": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD,
                "rdfxml": ox.RdfFormat.RDF_XML,
            }[job.format]
            result.serialize(buffer, format=rdf)
        else:
            results = {
                "json": ox.QueryResultsFormat.JSON,
                "xml": ox.QueryResultsFormat.XML,
                "csv": ox.QueryResultsFormat.CSV,
                "tsv": ox.QueryResultsFormat.TSV,
            }[job.format]
            result.serialize(buffer, format=results)
    except SyntaxError as error:
        return Outcome("syntax", message=str(error))
    except ResultTooLarge:
        return Outcome("too_large", message=f"the result is larger than {max_bytes} bytes")
    except Exception as error:
        return Outcome("error", message=f"{type(error).__name__}: {error}")
    return Outcome("ok", b"".join(buffer.parts))


def _exit_with_parent(parent: int) -> None:
    """A worker busy with a runaway query would outlive a killed server: watch for that."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def worker_main(
    conn: Connection, data_file: str, prefixes: dict[str, str], max_bytes: int, parent: int
) -> None:
    import pyoxigraph as ox

    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    store = ox.Store()
    store.load(path=data_file, format=ox.RdfFormat.N_QUADS)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_job(store, prefixes, job, max_bytes))


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


class WorkerPool:
    """`size` worker processes; `run` (blocking: call it from a thread) answers one Job."""

    def __init__(
        self, data_file: str, prefixes: dict[str, str], *, size: int, timeout: float, max_bytes: int
    ) -> None:
        self.data_file = data_file
        self.prefixes = prefixes
        self.size = size
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=worker_main,
            args=(theirs, self.data_file, self.prefixes, self.max_bytes, os.getpid()),
            name="dutygraph-sparql-worker",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        if not self._closed:
            self._idle.put(self._spawn())

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        for _ in range(self.size):
            self._idle.put(self._spawn())
        atexit.register(self.close)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    def run(self, job: Job) -> Outcome:
        self.start()
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty as error:
            raise WorkersBusy(f"every query worker stayed busy for {self.timeout:g} s") from error
        try:
            if not worker.ready:
                if not worker.conn.poll(WORKER_STARTUP_TIMEOUT) or worker.conn.recv() != "ready":
                    raise WorkerFailed("a query worker did not start")
                worker.ready = True
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                raise QueryTimeout(
                    f"the query ran longer than the {self.timeout:g} s time limit and was stopped"
                )
            outcome = worker.conn.recv()
        except (EOFError, OSError) as error:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise WorkerFailed(f"the query worker stopped ({error or type(error).__name__})") from error
        except WorkerFailed:
            threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
            raise
        self._idle.put(worker)
        return outcome
