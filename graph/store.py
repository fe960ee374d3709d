"""The RDF store the runtime queries, behind one small typed interface.

Two implementations of `Store`:

- `EmbeddedStore` (the default): pyoxigraph in this process, filled from a built folder's
  `dataset.nq` with `Store.load()` (queries run about twice as fast as after `bulk_load()`).
- `RemoteStore`: any SPARQL 1.1 Protocol + Graph Store Protocol server (tested with
  Oxigraph server; Virtuoso open source for large deployments, see the README), over httpx.

Both hold a named graph per document plus the ontology's, as the build wrote them, and
answer the same questions the same way:

- **Dataset.** With no `default_graphs` / `named_graphs`, a query sees the union of the
  data graphs as its default graph and every data graph as a named graph, unless its text
  names its own dataset (FROM / FROM NAMED), which then holds. Given explicitly, they win
  over the query's FROM (as the SPARQL Protocol's `default-graph-uri` / `named-graph-uri`
  do). The remote store sends the data graphs by name rather than relying on a server's
  union default graph: Virtuoso's union includes its system graphs, and the store's own
  metadata graph stays out of every answer. A query that matches only the data's own
  vocabulary may say so (`data_vocabulary=True`): then a server's union default graph
  answers it the same, and on an Oxigraph server (`RemoteStore.oxigraph`) it is asked with
  Oxigraph's `union-default-graph` instead of the list, because Oxigraph evaluates every
  pattern once per listed graph (at the corpus's 727 graphs the knowledge read at startup
  took over 15 minutes listing them, 28 s with the union, which also holds the metadata
  graph and any other graph of the server: the server is dutygraph's own).
- **Terms.** Rows are `dict[variable, pyoxigraph term]` (`NamedNode`, `BlankNode`,
  `Literal`); an unbound variable is absent from its row. pyoxigraph's terms are typed,
  hashable and ordered, carry datatype and language, and are what the embedded store
  yields anyway; a remote answer (SPARQL JSON or XML results, Virtuoso's SPARQL 1.0
  `typed-literal` included) is parsed into the very same objects, so the two stores'
  answers compare with `==`. CONSTRUCT / DESCRIBE give `pyoxigraph.Triple`s.
- **Version.** `version()` is the SHA-256 of the `dataset.nq` the data came from (the build
  is deterministic, so it changes exactly when the data does). `dutygraph push` writes it,
  with the list of the graphs it pushed, into the metadata graph `urn:dutygraph:meta`:
  `<urn:dutygraph:meta> <urn:dutygraph:version> "…"` and `… <urn:dutygraph:graph> <g>`.
  A remote store without that marker (never pushed, or a push under way) raises
  `StoreUnversioned`.
- **Errors.** Everything that goes wrong is a `StoreError` naming the store: it cannot be
  reached (`StoreUnavailable`), gave no complete answer in time (`StoreTimeout`: our
  timeout, or the server's own, which Oxigraph reports as a 200 whose body ends "The SPARQL
  operation has been cancelled" and Virtuoso as a 200 with partial results and
  `X-SQL-State: S1TAT`), refused the request (`StoreRefused`: a bad query, 401/403, a
  wrong endpoint), or answered something unreadable (`StoreBadAnswer`). Every remote
  request has a timeout; none can hang.

The embedded store does not enforce `timeout`: pyoxigraph cannot stop a query inside the
process. The public `/sparql` endpoint runs queries in worker processes it can kill.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import pyoxigraph

from dutygraph.errors import DutygraphError

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
Row = dict[str, Term]
# graphs done, graphs in all, the graph just written
Progress = Callable[[int, int, str], None]

META_GRAPH = "urn:dutygraph:meta"
META_VERSION = "urn:dutygraph:version"
META_HOLDS = "urn:dutygraph:graph"
EMPTY_GRAPH = "urn:dutygraph:no-graph"  # held by no store: an empty default graph

DEFAULT_TIMEOUT = 10.0  # seconds, for each query
DEFAULT_LOAD_TIMEOUT = 300.0  # seconds, for each graph written

OXIGRAPH_CANCELLED = b"The SPARQL operation has been cancelled"
VIRTUOSO_TIMEOUT_STATE = "S1TAT"

NTRIPLES = "application/n-triples"
SPARQL_JSON = "application/sparql-results+json"


class StoreError(DutygraphError):
    """Something went wrong with a store; `store` says which (its URL), the message what."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"store {store}: {reason}")
        self.store = store
        self.reason = reason


class StoreUnavailable(StoreError):
    """The store cannot be reached, or says it cannot serve (502, 503)."""


class StoreTimeout(StoreError):
    """No complete answer in time: the client's timeout, or the store's own."""


class StoreRefused(StoreError):
    """The store answered but refused the request: a bad query, no authorisation, no such endpoint."""

    def __init__(self, store: str, reason: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(store, reason)
        self.status = status
        self.detail = detail  # what the store said, as it said it


class StoreBadAnswer(StoreError):
    """The store answered with something that is not what was asked for."""


class StoreAnswerTooLarge(StoreError):
    """The answer is longer than the caller accepts."""


class StoreUnversioned(StoreError):
    """The store holds no version marker: it was never pushed, or a push is under way."""


class Store(Protocol):
    """What the runtime asks of a store; `EmbeddedStore` and `RemoteStore` both provide it."""

    @property
    def name(self) -> str:
        """Where the store is, for messages: a URL, or the file the embedded store loaded."""
        ...

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> list[Row]: ...

    def ask(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> bool: ...

    def construct(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> list[pyoxigraph.Triple]: ...

    def graph_names(self) -> list[str]:
        """The data graphs, sorted: one per document, and the ontology's."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Triples in one data graph, or in all of them (a triple in two graphs counts twice)."""
        ...

    def version(self) -> str:
        """A stable hash of the data: equal for the same built dataset in any store."""
        ...

    def replace_graph(self, name: str, ntriples: bytes) -> None:
        """Make graph `name` hold exactly these triples (N-Triples)."""
        ...

    def load_dataset(self, path: Path, progress: Progress | None = None) -> None:
        """Make the store hold exactly the graphs of a built dataset (a folder, or its `.nq`)."""
        ...

    def drop_connections(self) -> None:
        """Close the connections kept open to the store (before a server forks, so that no
        two processes share a socket); the store opens new ones when next asked."""
        ...

    def close(self) -> None: ...


def plain(rows: list[Row]) -> list[dict[str, str]]:
    """Rows with each term reduced to its lexical value (an IRI, a literal's text)."""
    return [{name: term.value for name, term in row.items()} for row in rows]


def dataset_file(path: Path) -> Path:
    """The N-Quads file of a built folder (or the file itself)."""
    return path / "dataset.nq" if path.is_dir() else path


def file_version(path: Path) -> str:
    """The version of the data in a built dataset: the SHA-256 of its N-Quads file."""
    digest = hashlib.sha256()
    with open(dataset_file(path), "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# strings, IRIs and comments are skipped whole, so that only a bare FROM counts
_TOKEN = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>|\#[^\n]*|[?$]?[\w:.\-]+""",
    re.DOTALL,
)


def names_dataset(query: str) -> bool:
    """Does the query describe its own dataset (FROM / FROM NAMED)?"""
    return any(match.group().upper() == "FROM" for match in _TOKEN.finditer(query))


def _rows(solutions: pyoxigraph.QuerySolutions) -> list[Row]:
    names = [variable.value for variable in solutions.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in solutions]


# ---------------------------------------------------------------------------------------------
# embedded


@dataclass
class EmbeddedStore:
    """pyoxigraph in this process; `store` is the pyoxigraph store itself."""

    store: pyoxigraph.Store
    source: Path | None = None  # the dataset.nq it was loaded from, unchanged since
    _version: str | None = field(default=None, repr=False)

    @classmethod
    def from_folder(cls, folder: Path) -> EmbeddedStore:
        store = cls(pyoxigraph.Store())
        store.load_dataset(folder)
        return store

    @property
    def name(self) -> str:
        return f"embedded:{self.source}" if self.source else "embedded"

    def __len__(self) -> int:
        return len(self.store)

    def _query(
        self,
        query: str,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
    ):
        options: dict = {}
        if default_graphs is not None:
            options["default_graph"] = [pyoxigraph.NamedNode(g) for g in default_graphs]
        elif named_graphs is not None or not names_dataset(query):
            options["use_default_graph_as_union"] = True
        if named_graphs is not None:
            options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in named_graphs]
        try:
            return self.store.query(query, **options)
        except SyntaxError as error:
            raise StoreRefused(self.name, f"malformed query: {error}", 400) from error
        except (OSError, ValueError, TypeError) as error:
            raise StoreRefused(self.name, f"cannot evaluate the query: {error}") from error

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,  # not enforced in process (see the module's doc)
        data_vocabulary: bool = False,  # its default graph is the data's union anyway
    ) -> list[Row]:
        answer = self._query(query, default_graphs, named_graphs)
        if not isinstance(answer, pyoxigraph.QuerySolutions):
            raise StoreRefused(self.name, "expected a SELECT query")
        return _rows(answer)

    def ask(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> bool:
        answer = self._query(query, default_graphs, named_graphs)
        if not isinstance(answer, pyoxigraph.QueryBoolean):
            raise StoreRefused(self.name, "expected an ASK query")
        return bool(answer)

    def construct(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> list[pyoxigraph.Triple]:
        answer = self._query(query, default_graphs, named_graphs)
        if not isinstance(answer, pyoxigraph.QueryTriples):
            raise StoreRefused(self.name, "expected a CONSTRUCT or DESCRIBE query")
        return list(answer)

    def graph_names(self) -> list[str]:
        return sorted(str(name.value) for name in self.store.named_graphs())

    def count(self, graph: str | None = None) -> int:
        names = [graph] if graph is not None else self.graph_names()
        return _count(self, names)

    def version(self) -> str:
        if self._version is None:  # changed since it was loaded: a hash of what it holds now
            lines = sorted(self.store.dump(format=pyoxigraph.RdfFormat.N_QUADS).splitlines())
            self._version = hashlib.sha256(b"\n".join(lines)).hexdigest()
        return self._version

    def replace_graph(self, name: str, ntriples: bytes) -> None:
        graph = pyoxigraph.NamedNode(name)
        self.store.remove_graph(graph)
        self.store.load(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)
        self.source, self._version = None, None

    def load_dataset(self, path: Path, progress: Progress | None = None) -> None:
        source = dataset_file(path)
        self.store.clear()
        # Store.load() into memory: queries run about twice as fast as after bulk_load()
        self.store.load(path=str(source), format=pyoxigraph.RdfFormat.N_QUADS)
        self.source, self._version = source, file_version(source)
        if progress is not None:
            names = self.graph_names()
            for done, name in enumerate(names, start=1):
                progress(done, len(names), name)

    def drop_connections(self) -> None:
        pass  # in this process's memory: no connections

    def close(self) -> None:
        pass


def _count(store: Store, names: Sequence[str]) -> int:
    if not names:
        return 0
    rows = store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=[], named_graphs=names
    )
    return int(rows[0]["n"].value)


# ---------------------------------------------------------------------------------------------
# remote


def dataset_graphs(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each named graph of a built dataset as (name, N-Triples), sorted by name."""
    source = dataset_file(path)
    store = pyoxigraph.Store()
    store.load(path=str(source), format=pyoxigraph.RdfFormat.N_QUADS)
    unnamed = sum(1 for _ in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    if unnamed:
        raise ValueError(
            f"{source}: {unnamed} triples in the default graph; a built dataset names every graph"
        )
    for name in sorted(g.value for g in store.named_graphs()):
        yield name, store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(name))


def _meta_ntriples(version: str, graphs: Sequence[str]) -> bytes:
    meta = f"<{META_GRAPH}>"
    lines = [f"{meta} <{META_VERSION}> {pyoxigraph.Literal(version)} ."] if version else []
    lines += [f"{meta} <{META_HOLDS}> <{g}> ." for g in graphs]
    return "".join(line + "\n" for line in lines).encode()


def auth_from_environment(environ: Mapping[str, str] | None = None):  # -> httpx.Auth | None
    """Credentials for a store from DUTYGRAPH_STORE_USER / DUTYGRAPH_STORE_PASSWORD (never
    the command line); DUTYGRAPH_STORE_AUTH=digest (Virtuoso's /sparql-graph-crud-auth) or
    basic, the default."""
    import httpx

    environ = os.environ if environ is None else environ
    user, password = environ.get("DUTYGRAPH_STORE_USER"), environ.get("DUTYGRAPH_STORE_PASSWORD")
    if not user and not password:
        return None
    if not user or password is None:
        raise ValueError("set both DUTYGRAPH_STORE_USER and DUTYGRAPH_STORE_PASSWORD, or neither")
    scheme = environ.get("DUTYGRAPH_STORE_AUTH", "basic").lower()
    if scheme == "digest":
        return httpx.DigestAuth(user, password)
    if scheme == "basic":
        return httpx.BasicAuth(user, password)
    raise ValueError(f"DUTYGRAPH_STORE_AUTH must be basic or digest, not {scheme!r}")


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (`query_url`) and Graph Store Protocol endpoint
    (`gsp_url`) of one server. `RemoteStore.oxigraph(base)` for an Oxigraph server."""

    def __init__(
        self,
        query_url: str,
        gsp_url: str | None = None,
        *,
        auth=None,  # httpx.Auth, e.g. from auth_from_environment()
        timeout: float = DEFAULT_TIMEOUT,
        load_timeout: float = DEFAULT_LOAD_TIMEOUT,
        union_default_graph: bool = False,  # the server takes Oxigraph's parameter of that name
    ) -> None:
        import httpx

        self.query_url = query_url
        self.union_default_graph = union_default_graph
        self.gsp_url = gsp_url
        self.timeout = timeout
        self.load_timeout = load_timeout
        self._auth = auth
        self._client = httpx.Client(auth=auth, timeout=timeout, follow_redirects=False)
        self._graphs: list[str] | None = None

    @classmethod
    def oxigraph(cls, base: str, **options) -> RemoteStore:
        """An Oxigraph server by its base URL: SPARQL at `{base}/query`, Graph Store at `{base}/store`."""
        base = base.rstrip("/")
        return cls(f"{base}/query", f"{base}/store", union_default_graph=True, **options)

    @property
    def name(self) -> str:
        return self.query_url

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, {self.gsp_url!r})"

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def drop_connections(self) -> None:
        import httpx

        # a closed httpx client cannot be reopened: a new one, with the same settings
        self._client.close()
        self._client = httpx.Client(auth=self._auth, timeout=self.timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __len__(self) -> int:
        return self.count()

    # -- HTTP ----------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, timeout: float, max_bytes: int | None = None, **request
    ) -> tuple[int, dict[str, str], bytes]:
        """One request, read whole within `timeout` (each phase and in all), or a StoreError;
        an answer longer than `max_bytes` is not read on (StoreAnswerTooLarge)."""
        import httpx

        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        size = 0
        try:
            with self._client.stream(method, url, timeout=timeout, **request) as response:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if time.monotonic() > deadline:
                        raise StoreTimeout(url, f"no complete answer within {timeout:g} s")
                    if max_bytes is not None and size > max_bytes and response.status_code < 400:
                        raise StoreAnswerTooLarge(url, f"the answer is longer than {max_bytes} bytes")
                status, headers = response.status_code, dict(response.headers)
        except httpx.ConnectTimeout as error:
            raise StoreUnavailable(url, f"no connection within {timeout:g} s") from error
        except httpx.TimeoutException as error:
            raise StoreTimeout(url, f"no answer within {timeout:g} s") from error
        except httpx.ConnectError as error:
            raise StoreUnavailable(url, f"cannot connect ({error})") from error
        except httpx.TransportError as error:
            raise StoreUnavailable(url, f"the connection failed ({error or type(error).__name__})") from error
        body = b"".join(chunks)
        if headers.get("x-sql-state", "").strip().upper() == VIRTUOSO_TIMEOUT_STATE:
            raise StoreTimeout(url, "the store's own time limit cut the answer short (X-SQL-State: S1TAT)")
        if body.rstrip().endswith(OXIGRAPH_CANCELLED):
            raise StoreTimeout(url, "the store's own time limit cancelled the query")
        if status >= 400:
            raise _status_error(url, status, body)
        return status, headers, body

    def _query(
        self,
        query: str,
        accept: str,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        timeout: float | None,
        data_vocabulary: bool = False,
    ) -> tuple[str, bytes]:
        dataset: list[tuple[str, str]] = []
        explicit = default_graphs is not None or named_graphs is not None
        if data_vocabulary and self.union_default_graph and not explicit and not names_dataset(query):
            dataset.append(("union-default-graph", ""))
        elif explicit or not names_dataset(query):
            defaults = self.graph_names() if default_graphs is None else default_graphs
            named = self.graph_names() if named_graphs is None else named_graphs
            if not defaults and not named:  # no parameter would mean the server's own dataset
                defaults = [EMPTY_GRAPH]
            dataset += [("default-graph-uri", g) for g in defaults]
            dataset += [("named-graph-uri", g) for g in named]
        return self._post_query(query, accept, dataset, timeout or self.timeout)

    def answer(
        self,
        query: str,
        accept: str,
        *,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[str, bytes]:
        """The store's own answer to `query`, as it serialised it in a format of `accept`: its
        media type and bytes. The dataset is given, always (what `/sparql` forwards)."""
        defaults = list(default_graphs) if default_graphs or named_graphs else [EMPTY_GRAPH]
        dataset = [("default-graph-uri", g) for g in defaults]
        dataset += [("named-graph-uri", g) for g in named_graphs]
        return self._post_query(query, accept, dataset, timeout or self.timeout, max_bytes)

    def _post_query(
        self,
        query: str,
        accept: str,
        dataset: list[tuple[str, str]],
        timeout: float,
        max_bytes: int | None = None,
    ) -> tuple[str, bytes]:
        """POST a form (SPARQL 1.1 Protocol §2.1.2); the answer's media type and body."""
        form = urlencode([("query", query), *dataset]).encode()
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        _, answer_headers, body = self._send(
            "POST", self.query_url, timeout, max_bytes, content=form, headers=headers
        )
        return answer_headers.get("content-type", accept).split(";")[0].strip().lower(), body

    def _results(self, content_type: str, body: bytes):
        try:
            results_format = pyoxigraph.QueryResultsFormat.from_media_type(content_type)
        except ValueError:
            results_format = None
        if results_format is None:
            raise StoreBadAnswer(self.name, f"answered {content_type!r}, not SPARQL results")
        try:
            return pyoxigraph.parse_query_results(body, format=results_format)
        except (SyntaxError, ValueError, OSError) as error:
            raise StoreBadAnswer(self.name, f"unreadable SPARQL results ({error})") from error

    # -- queries -------------------------------------------------------------------------

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> list[Row]:
        content_type, body = self._query(
            query, SPARQL_JSON, default_graphs, named_graphs, timeout, data_vocabulary
        )
        answer = self._results(content_type, body)
        if not isinstance(answer, pyoxigraph.QuerySolutions):
            raise StoreRefused(self.name, "expected a SELECT query")
        try:
            return _rows(answer)
        except (SyntaxError, ValueError, OSError) as error:
            raise StoreBadAnswer(self.name, f"unreadable SPARQL results ({error})") from error

    def ask(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> bool:
        content_type, body = self._query(
            query, SPARQL_JSON, default_graphs, named_graphs, timeout, data_vocabulary
        )
        answer = self._results(content_type, body)
        if not isinstance(answer, pyoxigraph.QueryBoolean):
            raise StoreRefused(self.name, "expected an ASK query")
        return bool(answer)

    def construct(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        timeout: float | None = None,
        data_vocabulary: bool = False,
    ) -> list[pyoxigraph.Triple]:
        content_type, body = self._query(
            query, NTRIPLES, default_graphs, named_graphs, timeout, data_vocabulary
        )
        rdf_format = pyoxigraph.RdfFormat.from_media_type(content_type)
        if rdf_format is None:
            if content_type.startswith("application/sparql-results"):
                raise StoreRefused(self.name, "expected a CONSTRUCT or DESCRIBE query")
            raise StoreBadAnswer(self.name, f"answered {content_type!r}, not RDF")
        try:
            return [quad.triple for quad in pyoxigraph.parse(body, format=rdf_format)]
        except (SyntaxError, ValueError, OSError) as error:
            raise StoreBadAnswer(self.name, f"unreadable RDF ({error})") from error

    # -- the data ------------------------------------------------------------------------

    def _meta(self) -> tuple[str | None, list[str]] | None:
        """The version marker and the graphs of the last push, or None if there is none."""
        rows = self.select(
            f"SELECT ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> ?p ?o }} }}",
            default_graphs=[],
            named_graphs=[META_GRAPH],
        )
        if not rows:
            return None
        version = next((r["o"].value for r in rows if r["p"].value == META_VERSION), None)
        return version, sorted(r["o"].value for r in rows if r["p"].value == META_HOLDS)

    def graph_names(self) -> list[str]:
        """The graphs the last push wrote (or, never pushed, every named graph but ours);
        asked once, then kept: refresh() forgets it."""
        if self._graphs is None:
            meta = self._meta()
            self._graphs = meta[1] if meta is not None else self._all_named_graphs()
        return list(self._graphs)

    def _all_named_graphs(self) -> list[str]:
        # no protocol dataset: the server's own, every named graph it holds
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        content_type, body = self._post_query(query, SPARQL_JSON, [], self.timeout)
        names = {row["g"].value for row in _rows(self._results(content_type, body))}
        return sorted(names - {META_GRAPH})

    def refresh(self) -> None:
        """Forget the graph names kept from an earlier call (after another client pushed)."""
        self._graphs = None

    def count(self, graph: str | None = None) -> int:
        return _count(self, [graph] if graph is not None else self.graph_names())

    def version(self) -> str:
        meta = self._meta()
        if meta is None or not meta[0]:
            raise StoreUnversioned(
                self.name, "no version marker: load it with `dutygraph push` (or a push is under way)"
            )
        return meta[0]

    # -- writing -------------------------------------------------------------------------

    def _gsp(self) -> str:
        if not self.gsp_url:
            raise StoreRefused(self.name, "no Graph Store Protocol endpoint given: it cannot be written")
        return self.gsp_url

    def _put_graph(self, name: str, ntriples: bytes) -> None:
        self._send(
            "PUT",
            self._gsp(),
            self.load_timeout,
            params={"graph": name},
            content=ntriples,
            headers={"Content-Type": NTRIPLES},
        )

    def _delete_graph(self, name: str) -> None:
        try:
            self._send("DELETE", self._gsp(), self.load_timeout, params={"graph": name})
        except StoreRefused as error:
            if error.status != 404:  # already gone
                raise

    def replace_graph(self, name: str, ntriples: bytes) -> None:
        """Replace one graph; the version marker goes (the data is no longer the pushed
        dataset) and the graph joins the list of data graphs."""
        graphs = sorted({*self.graph_names(), name})
        self._put_graph(name, ntriples)
        self._put_graph(META_GRAPH, _meta_ntriples("", graphs))
        self._graphs = graphs

    def load_dataset(self, path: Path, progress: Progress | None = None) -> None:
        """Push a built dataset: the marker goes, each graph is replaced (PUT), the graphs of
        an earlier push that the dataset no longer has are dropped, then the marker is written."""
        source = dataset_file(path)
        version = file_version(source)
        graphs = list(dataset_graphs(source))
        self._graphs = None
        previous = self._meta()
        self._delete_graph(META_GRAPH)
        names = [name for name, _ in graphs]
        for done, (name, ntriples) in enumerate(graphs, start=1):
            self._put_graph(name, ntriples)
            if progress is not None:
                progress(done, len(graphs), name)
        for stale in sorted(set(previous[1] if previous else ()) - set(names)):
            self._delete_graph(stale)
        self._put_graph(META_GRAPH, _meta_ntriples(version, names))
        self._graphs = sorted(names)


def _status_error(url: str, status: int, body: bytes) -> StoreError:
    text = body.decode("utf-8", errors="replace").strip()
    detail = " ".join(text.split())[:300]
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return StoreRefused(
            url,
            f"not authorised ({status}); credentials come from DUTYGRAPH_STORE_USER / "
            f"DUTYGRAPH_STORE_PASSWORD (DUTYGRAPH_STORE_AUTH=digest for Virtuoso)",
            status,
        )
    if status in (408, 504):
        return StoreTimeout(url, f"timed out ({status}){said}")
    if status in (502, 503):
        return StoreUnavailable(url, f"unavailable ({status}){said}")
    if "S1T00" in text or VIRTUOSO_TIMEOUT_STATE in text:  # Virtuoso's timeouts as errors
        return StoreTimeout(url, f"the store's own time limit stopped the query ({status}){said}")
    return StoreRefused(url, f"refused ({status}){said}", status, text)


def remote_store(
    to: str | None = None,
    *,
    query_url: str | None = None,
    gsp_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    **options,
) -> RemoteStore:
    """The store of `--to URL` (an Oxigraph server's base URL) or of `--store-query URL
    --store-gsp URL` (any other server), with credentials from the environment."""
    auth = auth_from_environment(environ)
    if to is not None:
        if query_url or gsp_url:
            raise ValueError("give either an Oxigraph base URL or the query and Graph Store URLs, not both")
        return RemoteStore.oxigraph(to, auth=auth, **options)
    if not query_url:
        raise ValueError("no store given: an Oxigraph base URL, or the query (and Graph Store) URLs")
    return RemoteStore(query_url, gsp_url, auth=auth, **options)
