"""From a protocol request to answer bytes: negotiate, then the cache or a worker (which checks
and executes), cache.

Also the service description (SPARQL 1.1 Service Description) a bare GET answers with.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from ..negotiation import negotiate
from .protocol import ProtocolError, QueryRequest
from .workers import Job, Outcome, QueryTimeout, WorkerFailed, WorkerPool, WorkersBusy

DEFAULT_TIMEOUT = 10.0
KIND_MEMO_ENTRIES = 4096
DEFAULT_MAX_RESULT_BYTES = 10 * 1024 * 1024
DEFAULT_WORKERS = 2

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


class ResultCache:
    """A bounded LRU of answers by (query, dataset, format): the data never changes while serving."""

    def __init__(self, max_entries: int = 512, max_entry_bytes: int = 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple, bytes] = OrderedDict()

    def get(self, key: tuple) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_entry_bytes:
            return
        self._entries[key] = body
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class SparqlService:
    """Answers protocol requests: from the cache on the event loop, or from a worker process
    that checks, evaluates and serialises the query (the server itself never parses one)."""

    def __init__(
        self,
        data_file: Path,
        graphs: list[str],
        prefixes: dict[str, str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        self.graphs = frozenset(graphs)  # named in the service description
        self.pool = WorkerPool(
            str(data_file), prefixes, self.graphs, size=workers, timeout=timeout, max_bytes=max_result_bytes
        )
        self.cache = ResultCache()
        # query text → whether it returns a graph (CONSTRUCT, DESCRIBE), learnt from its first
        # answer: with it a repeated request picks its format, and its cache entry, at once
        self._returns_graph: OrderedDict[str, bool] = OrderedDict()

    def _remember(self, query: str, returns_graph: bool) -> None:
        self._returns_graph[query] = returns_graph
        self._returns_graph.move_to_end(query)
        if len(self._returns_graph) > KIND_MEMO_ENTRIES:
            self._returns_graph.popitem(last=False)

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

    async def answer(self, request: QueryRequest, accept: str | None) -> Answer:
        """From the cache, or from a worker given a format for each kind of result (or only
        for the kind a text is known to return): the worker's parser tells which it is."""
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
        outcome = await self._run(job)
        self._remember(request.query, outcome.returns_graph)
        media, fmt = choose_format(accept, outcome.returns_graph)  # 406 when not_acceptable
        self.cache.put(self._key(request, fmt), outcome.body)
        return Answer(outcome.body, media)

    async def _run(self, job: Job) -> Outcome:
        """A worker's outcome (ok or not_acceptable), or the ProtocolError its failure means."""
        try:
            outcome = await self.pool.run(job)
        except QueryTimeout as error:
            raise ProtocolError(503, "timeout", str(error), {"Retry-After": "1"}) from error
        except WorkersBusy as error:
            raise ProtocolError(503, "busy", str(error), {"Retry-After": "1"}) from error
        except WorkerFailed as error:
            raise ProtocolError(500, "worker_failed", str(error)) from error
        if outcome.kind == "refused":
            raise ProtocolError(outcome.status, outcome.code, outcome.message)
        if outcome.kind == "syntax":
            raise ProtocolError(400, "malformed_query", f"malformed query: {outcome.message}")
        if outcome.kind == "too_large":
            raise ProtocolError(
                400, "result_too_large", f"{outcome.message}: narrow the query or add a LIMIT"
            )
        if outcome.kind not in ("ok", "not_acceptable"):
            raise ProtocolError(500, "query_failed", outcome.message)
        return outcome

    def description(self, endpoint: str, accept: str | None) -> Answer:
        """The service description: endpoint, formats, the default dataset, in an RDF format."""
        media = negotiate(accept, [*GRAPH_MEDIA, *GRAPH_ALIASES])
        if media is None:
            raise ProtocolError(
                406, "not_acceptable", f"the service description is available as: {', '.join(GRAPH_MEDIA)}"
            )
        fmt = {**GRAPH_MEDIA, **GRAPH_ALIASES}[media]
        return Answer(self._describe(endpoint).serialize(format=RDFLIB_FORMATS[fmt], encoding="utf-8"), media)

    def _describe(self, endpoint: str) -> Graph:
        graph = Graph()
        graph.bind("sd", SD)
        graph.bind("formats", FORMATS)
        service = URIRef(endpoint)
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
