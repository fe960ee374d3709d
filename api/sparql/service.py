"""From a protocol request to answer bytes: negotiate, then the cache or a worker (which checks
and executes), cache.

Also the service description (SPARQL 1.1 Service Description) a bare GET answers with.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from dutygraph.graph.store import EmbeddedStore, RemoteStore, Store

from ..cache import SizedLRU
from ..negotiation import negotiate
from .protocol import ProtocolError, QueryRequest
from .remote import RemotePool
from .workers import (
    MIB,
    Job,
    MemoryLimit,
    Outcome,
    QueryTimeout,
    WorkerFailed,
    WorkerPool,
    WorkersBusy,
    WorkerSettings,
)

DEFAULT_TIMEOUT = 10.0
KIND_MEMO_BYTES = 4 * 1024 * 1024
RESULT_CACHE_BYTES = 32 * 1024 * 1024
RESULT_ENTRY_BYTES = 1024 * 1024
DEFAULT_MAX_RESULT_BYTES = 10 * 1024 * 1024
DEFAULT_WORKERS = 2
# more workers start while every one stays busy, so that runaway queries (each stopped at
# its time or memory limit) leave room for a cheap one; this many at most
DEFAULT_MAX_WORKERS = 6
DEFAULT_MEMORY_MIB = 1024  # per worker: 6 runaways take at most ~6 GiB of the machine's 24
DEFAULT_ENDPOINT = "http://127.0.0.1:8000/sparql"

# media type → worker format name; the first of each list is the default
RESULT_MEDIA = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
}
# also accepted for results: plain JSON / XML clients
RESULT_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
GRAPH_ALIASES = {"application/json": "jsonld"}
UNION_NOTE = "the union of every named graph (each document and the ontology)"
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
FORMAT_IRIS = {
    "json": FORMATS.SPARQL_Results_JSON,
    "xml": FORMATS.SPARQL_Results_XML,
    "csv": FORMATS.SPARQL_Results_CSV,
    "tsv": FORMATS.SPARQL_Results_TSV,
    "turtle": FORMATS.Turtle,
    "ntriples": FORMATS["N-Triples"],
    "jsonld": FORMATS["JSON-LD"],
    "rdfxml": FORMATS.RDF_XML,
}


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str


def acceptable_format(accept: str | None, returns_graph: bool) -> tuple[str, str] | None:
    """(media type, worker format) for a kind of result, or None when the client takes none."""
    main, aliases = (GRAPH_MEDIA, GRAPH_ALIASES) if returns_graph else (RESULT_MEDIA, RESULT_ALIASES)
    media = negotiate(accept, [*main, *aliases])
    return None if media is None else (media, {**main, **aliases}[media])


def choose_format(accept: str | None, returns_graph: bool) -> tuple[str, str]:
    """(media type, worker format) for the query's kind of result, or 406."""
    chosen = acceptable_format(accept, returns_graph)
    if chosen is None:
        kind = "an RDF graph (CONSTRUCT/DESCRIBE)" if returns_graph else "results (SELECT/ASK)"
        main = GRAPH_MEDIA if returns_graph else RESULT_MEDIA
        raise ProtocolError(
            406, "not_acceptable", f"this query returns {kind}, available as: {', '.join(main)}"
        )
    return chosen


class SparqlService:
    """Answers protocol requests: from the cache on the event loop, or from a worker process
    that checks, evaluates and serialises the query (the server itself never parses one)."""

    def __init__(
        self,
        store: Store,
        graphs: list[str],
        prefixes: dict[str, str],
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout: float = DEFAULT_TIMEOUT,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        workers: int = DEFAULT_WORKERS,
        max_workers: int = DEFAULT_MAX_WORKERS,
        memory_mib: int = DEFAULT_MEMORY_MIB,
    ) -> None:
        self.graphs = frozenset(graphs)  # named in the service description
        # the endpoint's own IRI, as configured: never a request's Host header, which any
        # client sets; relative IRIs in queries resolve against it (as Oxigraph server does)
        self.endpoint = endpoint
        self.pool: WorkerPool | RemotePool
        if isinstance(store, RemoteStore):
            self.pool = RemotePool(
                store, graphs, prefixes, endpoint, timeout=timeout, max_bytes=max_result_bytes
            )
        elif isinstance(store, EmbeddedStore) and store.source is not None:
            self.pool = WorkerPool(
                WorkerSettings(str(store.source), prefixes, endpoint, max_result_bytes),
                size=workers,
                max_size=max_workers,
                timeout=timeout,
                memory_bytes=memory_mib * MIB,
            )
        else:  # the workers load the dataset from its file
            raise ValueError(f"{store.name}: /sparql needs a remote store or one loaded from a dataset file")
        self._description: dict[str, Answer] = {}
        # answers by (query, dataset, format), bounded by what they cost: the data never
        # changes while serving
        self.cache: SizedLRU[tuple, bytes] = SizedLRU(RESULT_CACHE_BYTES, RESULT_ENTRY_BYTES)
        # query text → whether it returns a graph (CONSTRUCT, DESCRIBE), learnt from its first
        # answer: with it a repeated request picks its format, and its cache entry, at once
        self._returns_graph: SizedLRU[str, bool] = SizedLRU(KIND_MEMO_BYTES)

    @staticmethod
    def _key(request: QueryRequest, fmt: str) -> tuple:
        return (request.query, request.default_graphs, request.named_graphs, fmt)

    def cached(self, request: QueryRequest, accept: str | None) -> Answer | None:
        """The answer if this exact request was answered before, or None."""
        returns_graph = self._returns_graph.get(request.query)
        if returns_graph is None:
            return None
        chosen = acceptable_format(accept, returns_graph)
        if chosen is None:
            return None  # the long way raises the 406 properly
        body = self.cache.get(self._key(request, chosen[1]))
        return Answer(body, chosen[0]) if body is not None else None

    async def answer(
        self, request: QueryRequest, accept: str | None, deadline: float | None = None
    ) -> Answer:
        """From the cache, or from a worker given a format for each kind of result (or only
        for the kind a text is known to return): the worker's parser tells which it is.
        `deadline` (time.monotonic()) is the request's arrival plus the time limit."""
        answer = self.cached(request, accept)
        if answer is not None:
            return answer
        returns_graph = self._returns_graph.get(request.query)
        if returns_graph is None:
            results, graph = acceptable_format(accept, False), acceptable_format(accept, True)
        else:
            chosen = choose_format(accept, returns_graph)
            results, graph = (None, chosen) if returns_graph else (chosen, None)
        job = Job(
            query=request.query,
            results_format=results[1] if results else "",
            graph_format=graph[1] if graph else "",
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
        )
        outcome = await self._run(job, deadline)
        self._returns_graph.put(request.query, outcome.returns_graph)
        media, fmt = choose_format(accept, outcome.returns_graph)  # 406 when not_acceptable
        self.cache.put(self._key(request, fmt), outcome.body)
        return Answer(outcome.body, media)

    async def _run(self, job: Job, deadline: float | None) -> Outcome:
        """A worker's outcome (ok or not_acceptable), or the ProtocolError its failure means."""
        try:
            outcome = await self.pool.run(job, deadline)
        except QueryTimeout as error:
            raise ProtocolError(503, "timeout", str(error), {"Retry-After": "1"}) from error
        except MemoryLimit as error:
            raise ProtocolError(503, "memory_limit", str(error)) from error
        except WorkersBusy as error:
            raise ProtocolError(503, "busy", str(error), {"Retry-After": "1"}) from error
        except WorkerFailed as error:
            raise ProtocolError(500, "worker_failed", str(error)) from error
        if outcome.kind == "refused":
            raise ProtocolError(outcome.status, outcome.code, outcome.message)
        if outcome.kind == "query_error":  # the query's own doing: an unknown function, say
            raise ProtocolError(400, "query_error", f"the query cannot be evaluated: {outcome.message}")
        if outcome.kind == "too_large":
            raise ProtocolError(
                400, "result_too_large", f"{outcome.message}: narrow the query or add a LIMIT"
            )
        if outcome.kind not in ("ok", "not_acceptable"):
            raise ProtocolError(500, "query_failed", outcome.message)
        return outcome

    def description(self, accept: str | None) -> Answer:
        """The service description: endpoint, formats, the default dataset, in an RDF format."""
        media = negotiate(accept, [*GRAPH_MEDIA, *GRAPH_ALIASES])
        if media is None:
            raise ProtocolError(
                406, "not_acceptable", f"the service description is available as: {', '.join(GRAPH_MEDIA)}"
            )
        if media not in self._description:
            fmt = {**GRAPH_MEDIA, **GRAPH_ALIASES}[media]
            body = self._describe().serialize(format=RDFLIB_FORMATS[fmt], encoding="utf-8")
            self._description[media] = Answer(body, media)
        return self._description[media]

    def _describe(self) -> Graph:
        graph = Graph()
        graph.bind("sd", SD)
        graph.bind("formats", FORMATS)
        service = URIRef(self.endpoint)
        graph.add((service, RDF.type, SD.Service))
        graph.add((service, SD.endpoint, service))
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
        for iri in FORMAT_IRIS.values():
            graph.add((service, SD.resultFormat, iri))
        dataset, default = BNode("dataset"), BNode("defaultGraph")
        graph.add((service, SD.defaultDataset, dataset))
        graph.add((dataset, RDF.type, SD.Dataset))
        graph.add((dataset, SD.defaultGraph, default))
        graph.add((default, RDF.type, SD.Graph))
        graph.add((default, RDFS.comment, Literal(UNION_NOTE, lang="en")))
        for number, name in enumerate(sorted(self.graphs)):
            named = BNode(f"graph{number}")
            graph.add((dataset, SD.namedGraph, named))
            graph.add((named, RDF.type, SD.NamedGraph))
            graph.add((named, SD.name, URIRef(name)))
        return graph

    def close(self) -> None:
        self.pool.close()
