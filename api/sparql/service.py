"""From a protocol request to answer bytes: negotiate, check, execute (in a worker), cache.

Also the service description (SPARQL 1.1 Service Description) a bare GET answers with.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from ..negotiation import negotiate
from .check import check_graphs, check_query
from .protocol import ProtocolError, QueryRequest
from .workers import Job, QueryTimeout, WorkerFailed, WorkerPool, WorkersBusy

DEFAULT_TIMEOUT = 10.0
CHECK_MEMO_ENTRIES = 2048
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


def choose_format(accept: str | None, returns_graph: bool) -> tuple[str, str]:
    """(media type, worker format) for the query's kind of result, or 406."""
    main, aliases = (GRAPH_MEDIA, GRAPH_ALIASES) if returns_graph else (RESULT_MEDIA, RESULT_ALIASES)
    offers = [*main, *aliases]
    media = negotiate(accept, offers)
    if media is None:
        kind = "an RDF graph (CONSTRUCT/DESCRIBE)" if returns_graph else "results (SELECT/ASK)"
        raise ProtocolError(
            406, "not_acceptable", f"this query returns {kind}, available as: {', '.join(main)}"
        )
    return media, {**main, **aliases}[media]


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
        self.graphs = frozenset(graphs)
        self.prefixes = prefixes
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self.pool = WorkerPool(
            str(data_file), prefixes, size=workers, timeout=timeout, max_bytes=max_result_bytes
        )
        self.cache = ResultCache()
        # query text → its check: the same text always checks the same while serving, and
        # rdflib's parser costs milliseconds, more than a cached answer
        self._checked: OrderedDict[str, Any] = OrderedDict()

    def check(self, query: str) -> Any:
        checked = self._checked.get(query)
        if checked is None:
            checked = self._checked[query] = check_query(query, self.prefixes, self.graphs)
            if len(self._checked) > CHECK_MEMO_ENTRIES:
                self._checked.popitem(last=False)
        return checked

    def cached(self, request: QueryRequest, accept: str | None) -> Answer | None:
        """The answer if this exact request was checked and answered before; no parsing, no
        waiting, so it can run on the event loop. None sends the request the long way."""
        checked = self._checked.get(request.query)
        if checked is None:
            return None
        try:
            media, fmt = choose_format(accept, checked.returns_graph)
        except ProtocolError:
            return None  # the long way raises it properly
        body = self.cache.get((request.query, request.default_graphs, request.named_graphs, fmt))
        return Answer(body, media) if body is not None else None

    def answer(self, request: QueryRequest, accept: str | None) -> Answer:
        """Blocking (parses, waits for a worker): call from a thread."""
        checked = self.check(request.query)
        check_graphs(request.default_graphs, self.graphs, "default-graph-uri")
        check_graphs(request.named_graphs, self.graphs, "named-graph-uri")
        media, fmt = choose_format(accept, checked.returns_graph)
        job = Job(
            query=request.query,
            format=fmt,
            default_graphs=request.default_graphs,
            named_graphs=request.named_graphs,
            dataset_given=request.dataset_given,
            union_default=not checked.from_graphs,
        )
        key = (job.query, job.default_graphs, job.named_graphs, fmt)
        cached = self.cache.get(key)
        if cached is not None:
            return Answer(cached, media)
        try:
            outcome = self.pool.run(job)
        except QueryTimeout as error:
            raise ProtocolError(503, "timeout", str(error), {"Retry-After": "1"}) from error
        except WorkersBusy as error:
            raise ProtocolError(503, "busy", str(error), {"Retry-After": "1"}) from error
        except WorkerFailed as error:
            raise ProtocolError(500, "worker_failed", str(error)) from error
        if outcome.kind == "syntax":
            raise ProtocolError(400, "malformed_query", f"malformed query: {outcome.message}")
        if outcome.kind == "too_large":
            raise ProtocolError(
                400, "result_too_large", f"{outcome.message}: narrow the query or add a LIMIT"
            )
        if outcome.kind != "ok":
            raise ProtocolError(500, "query_failed", outcome.message)
        self.cache.put(key, outcome.body)
        return Answer(outcome.body, media)

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
