"""Linked data: every IRI of the graph dereferences on this server, by path.

`https://dutygraph.example/id/<path>` is served at `/id/<path>`, the ontology (and every
`…/ontology#Term`) at `/ontology`, the VoID description at `/.well-known/void`. `Accept`
picks HTML, Turtle, JSON-LD, N-Triples or RDF/XML (`?format=` overrides it, for links);
answers are immutable per build, cached with an ETag and sent with `Vary: Accept`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge
from dutygraph.ontology.iris import record_id, replaced_path
from dutygraph.ontology.namespaces import OA
from dutygraph.visualizations.html import LINKED_DATA_PAGE_POLICY, TEMPLATES

from .. import describe
from ..cache import ResponseCache
from ..negotiation import negotiate

router = APIRouter(tags=["linked data"], include_in_schema=False)


def render(template: str, **context) -> bytes:
    return TEMPLATES.get_template(f"linked-data/{template}").render(**context).encode()


HTML = "text/html"
# offered in this order: a client that accepts anything (or sends no Accept) gets HTML
OFFERED = (
    HTML,
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "application/json",
)
FORMAT_OF = {
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/json": "jsonld",
}
# ?format= names, for links from the HTML pages
FORMAT_PARAMETER = {
    "html": HTML,
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
FORMAT_LINKS = (
    ("Turtle", "ttl"),
    ("JSON-LD", "jsonld"),
    ("N-Triples", "nt"),
    ("RDF/XML", "rdf"),
)
HTML_HEADERS = {
    "Vary": "Accept",
    "Content-Security-Policy": LINKED_DATA_PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
}
RDF_HEADERS = {"Vary": "Accept", "X-Content-Type-Options": "nosniff"}
INCOMING_SHOWN = 100  # per predicate

Format = Annotated[
    str | None,
    Query(max_length=10, description="html, ttl, jsonld, nt or rdf; overrides Accept"),
]


# ---------------------------------------------------------------- links and labels


@dataclass(frozen=True)
class Ref:
    """A resource as a page shows it: a link, a prefixed name, its labels."""

    href: str
    short: str
    zh: str
    en: str


@dataclass(frozen=True)
class Value:
    ref: Ref | None  # a resource, or
    text: str = ""  # a literal
    lang: str = ""
    datatype: str = ""


@dataclass
class Row:
    predicate: Ref
    values: list
    more: int = 0  # values not shown


@dataclass(frozen=True)
class SourceView:
    before: str
    quote: str
    after: str
    start: int
    end: int
    article: Ref | None
    document: Ref | None


def local_href(k: Knowledge, iri: str) -> str:
    """Where this server answers for an IRI; other web IRIs are links to themselves."""
    ns = k.ns
    if iri.startswith(ns.data):
        return "/id/" + iri.removeprefix(ns.data)
    if iri.startswith(ns.ontology):
        return "/ontology#" + iri.removeprefix(ns.ontology)
    if iri == ns.ontology_iri:
        return "/ontology"
    # only web IRIs become links: never a javascript: or data: one from the data
    return iri if iri.startswith(("http://", "https://")) else ""


def short_name(k: Knowledge, iri: str) -> str:
    """'dg:Provision', 'id:duty/a05-8': the longest namespace that fits, else the IRI."""
    namespaces = sorted(((str(n), p) for p, n in k.ns.prefixes().items()), reverse=True)
    for namespace, prefix in namespaces:
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri.removeprefix(namespace)}"
    return iri


def labels(graph: Graph, node: URIRef) -> tuple[str, str]:
    """(zh, en): the preferred label, else rdfs:label, else the title, as `graph` holds them."""
    found: dict[str, str] = {}
    for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        for value in graph.objects(node, predicate):
            if isinstance(value, Literal) and value.language in ("zh", "en"):
                found.setdefault(value.language, str(value))
    return found.get("zh", ""), found.get("en", "")


def ref(k: Knowledge, graph: Graph, node: URIRef) -> Ref:
    zh, en = labels(graph, node)
    return Ref(local_href(k, str(node)), short_name(k, str(node)), zh, en)


def value_of(k: Knowledge, graph: Graph, node) -> Value:
    if isinstance(node, Literal):
        datatype = short_name(k, str(node.datatype)) if node.datatype else ""
        return Value(None, str(node), node.language or "", datatype)
    if isinstance(node, URIRef):
        return Value(ref(k, graph, node))
    return Value(None, f"_:{node}")


# ---------------------------------------------------------------- the HTML pages


def _rows(
    k: Knowledge,
    graph: Graph,
    pairs: list[tuple[URIRef, object]],
    limit: int | None = None,
) -> list[Row]:
    grouped: dict[URIRef, list] = {}
    for predicate, value in pairs:
        grouped.setdefault(predicate, []).append(value)
    rows = []
    for predicate in sorted(grouped, key=lambda p: short_name(k, str(p))):
        values = sorted(grouped[predicate], key=lambda v: (isinstance(v, Literal), str(v)))
        shown = values if limit is None else values[:limit]
        rows.append(
            Row(
                ref(k, graph, predicate),
                [value_of(k, graph, v) for v in shown],
                len(values) - len(shown),
            )
        )
    return rows


def _int(graph: Graph, node, predicate: URIRef) -> int | None:
    value = graph.value(node, predicate)
    return int(value) if value is not None else None


def source_view(k: Knowledge, graph: Graph, node: URIRef) -> SourceView | None:
    """Where the text says it: the sentence(s) around the quote, the quote marked."""
    ns = k.ns
    source = graph.value(node, ns.dg.source)
    if source is None:
        return None
    exact = prefix = suffix = ""
    start = end = None
    for selector in graph.objects(source, OA.hasSelector):
        exact = str(graph.value(selector, OA.exact) or exact)
        prefix = str(graph.value(selector, OA.prefix) or prefix)
        suffix = str(graph.value(selector, OA.suffix) or suffix)
        start = _int(graph, selector, OA.start) if start is None else start
        end = _int(graph, selector, OA.end) if end is None else end
    document = graph.value(source, OA.hasSource)
    doc_id = record_id(document, ns)
    text = k.texts.get(doc_id, "")
    article = graph.value(node, ns.dg.article)
    view = SourceView(
        prefix,
        exact,
        suffix,
        start if start is not None else -1,
        end if end is not None else -1,
        ref(k, graph, article) if article is not None else None,
        ref(k, graph, document) if document is not None else None,
    )
    if start is None or end is None or text[start:end] != exact:
        return view
    spans = [
        (
            _int(graph, sentence, ns.dg.startOffset),
            _int(graph, sentence, ns.dg.endOffset),
        )
        for sentence in graph.objects(node, PROV.wasDerivedFrom)
    ]
    spans = [(s, e) for s, e in spans if s is not None and e is not None]
    if not spans:
        return view
    left, right = min(start, *(s for s, _ in spans)), max(end, *(e for _, e in spans))
    return SourceView(
        text[left:start],
        exact,
        text[end:right],
        start,
        end,
        view.article,
        view.document,
    )


def format_links(path: str) -> list[tuple[str, str]]:
    return [(name, f"{path}?format={value}") for name, value in FORMAT_LINKS]


def resource_page(k: Knowledge, graph: Graph, iri: URIRef, path: str) -> bytes:
    """`graph` is the resource's neighbourhood (describe.neighbourhood)."""

    this = ref(k, graph, iri)
    types = sorted((ref(k, graph, t) for t in graph.objects(iri, RDF.type)), key=lambda r: r.short)
    outgoing = [(p, o) for p, o in graph.predicate_objects(iri) if p != RDF.type]
    incoming = [(p, s) for s, p in graph.subject_predicates(iri)]
    return render(
        "resource.html",
        title=this.zh or this.en or this.short,
        iri=str(iri),
        this=this,
        types=types,
        rows=_rows(k, graph, outgoing),
        incoming=_rows(k, graph, incoming, INCOMING_SHOWN),
        source=source_view(k, graph, iri),
        formats=format_links(path),
    )


@dataclass
class Term:
    anchor: str
    ref: Ref
    notes: list[Value] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


TERM_SECTIONS = (
    ("Classes", "类", (OWL.Class, RDFS.Class)),
    ("Object properties", "对象属性", (OWL.ObjectProperty,)),
    (
        "Datatype properties",
        "数据属性",
        (OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property),
    ),
    (
        "Individuals and concepts",
        "个体与概念",
        (OWL.NamedIndividual, SKOS.ConceptScheme, SKOS.Concept),
    ),
)
TERM_LINKS = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    RDF.type,
    SKOS.inScheme,
)
TERM_NOTES = (SKOS.definition, RDFS.comment, SKOS.note)


def ontology_page(k: Knowledge, graph: Graph) -> bytes:
    ns = k.ns
    seen: set[URIRef] = set()
    sections = []
    for title_en, title_zh, classes in TERM_SECTIONS:
        terms = []
        members = {s for c in classes for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}
        for node in sorted(members - seen, key=lambda n: short_name(k, str(n))):
            seen.add(node)
            own = str(node).startswith(ns.ontology)
            anchor = str(node).removeprefix(ns.ontology) if own else ""
            notes = [value_of(k, graph, v) for p in TERM_NOTES for v in graph.objects(node, p)]
            pairs = [(p, o) for p in TERM_LINKS for o in graph.objects(node, p) if not isinstance(o, Literal)]
            pairs = [(p, o) for p, o in pairs if not (p == RDF.type and o in classes)]
            terms.append(Term(anchor, ref(k, graph, node), notes, _rows(k, graph, pairs)))
        sections.append((title_en, title_zh, terms))
    root = URIRef(ns.ontology_iri)
    return render(
        "ontology.html",
        title="dutygraph ontology",
        iri=ns.ontology_iri,
        this=ref(k, graph, root),
        descriptions=[value_of(k, graph, v) for v in graph.objects(root, DCTERMS.description)],
        sections=sections,
        formats=format_links("/ontology"),
    )


def void_page(k: Knowledge, void: Graph) -> bytes:
    base = describe.void_iri(k)
    dataset = URIRef(f"{base}#dataset")
    V = describe.VOID
    graph = Graph()
    graph += void
    describe.add_labels(k, graph, {o for o in void.objects() if isinstance(o, URIRef)})

    def number(node) -> int:
        return int(graph.value(node, V.triples) or graph.value(node, V.entities) or 0)

    def counted(link: URIRef, what: URIRef) -> list[tuple[Ref, int]]:
        """(the thing counted, its count) for each subset or partition, largest first."""
        pairs = [
            (ref(k, graph, graph.value(node, what)), number(node)) for node in graph.objects(dataset, link)
        ]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0].short))

    endpoint = str(graph.value(dataset, V.sparqlEndpoint))
    return render(
        "void.html",
        title="dutygraph dataset (VoID)",
        iri=str(dataset),
        titles=[value_of(k, graph, v) for v in graph.objects(dataset, DCTERMS.title)],
        triples=number(dataset),
        endpoint=endpoint,
        endpoint_href="/sparql",  # this server's own, whatever address clients use
        uri_space=str(graph.value(dataset, V.uriSpace)),
        subsets=counted(V.subset, describe.SD.name),
        classes=counted(V.classPartition, V["class"]),
        properties=counted(V.propertyPartition, V.property),
        formats=format_links("/.well-known/void"),
    )


def not_found_page(iri: str, suggestions: list[Ref]) -> bytes:
    return render(
        "not_found.html",
        title="Not found",
        iri=iri,
        suggestions=suggestions,
        formats=[],
    )


# ---------------------------------------------------------------- negotiation and answers


def chosen_media_type(request: Request, format: str | None) -> str | None:
    if format is not None:
        return FORMAT_PARAMETER.get(format)
    return negotiate(request.headers.get("accept"), OFFERED)


def not_acceptable(format: str | None) -> JSONResponse:
    if format is not None:
        message = f"unknown format {format!r}: use one of {', '.join(FORMAT_PARAMETER)}"
        return JSONResponse({"error": "bad_format", "message": message}, status_code=400)
    message = f"none of the media types asked for is available; offered: {', '.join(OFFERED)}"
    return JSONResponse(
        {"error": "not_acceptable", "message": message, "offered": list(OFFERED)},
        status_code=406,
        headers={"Vary": "Accept"},
    )


def answer(
    request: Request,
    key: tuple,
    format: str | None,
    rdf: Callable[[], Graph],
    page: Callable[[], bytes],
) -> Response:
    """`rdf()` the description for RDF formats, `page()` its HTML page; only the one asked
    for is made, and only when the cache does not hold it."""
    media_type = chosen_media_type(request, format)
    if media_type is None:
        return not_acceptable(format)
    cache: ResponseCache = request.app.state.cache
    if media_type == HTML:
        return cache.respond_bytes(request, (*key, HTML), page, HTML, HTML_HEADERS)
    name = FORMAT_OF[media_type]
    return cache.respond_bytes(
        request,
        (*key, media_type),
        lambda: describe.serialise(rdf(), name),
        media_type,
        RDF_HEADERS,
    )


def _known_paths(request: Request, k: Knowledge) -> list[str]:
    """Every path under /id/, computed on the first 404 and kept with the app."""
    state = request.app.state
    found = getattr(state, "linked_data_paths", None)
    if found is None:
        data = k.ns.data
        rows = k.store.select(
            f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER (STRSTARTS(STR(?s), "{data}")) }}',
            data_vocabulary=True,
        )
        found = state.linked_data_paths = sorted(row["s"].value.removeprefix(data) for row in rows)
    return found


def suggested_paths(request: Request, k: Knowledge, path: str) -> list[str]:
    """The closest known paths, of the same kind first (body/…, document/{doc}/duty/…). For a body or post
    the last segment is also compared with its labels and aliases: /id/body/党委 suggests
    body/party-committee, the body whose label that is."""
    kind, _, rest = path.partition("/")
    by_label = []
    if kind in ("body", "post") and rest:
        by_label = [f"{k.agents[i].type}/{i}" for i in queries.agent_suggestions(k, rest)]
    known = _known_paths(request, k)
    # a path of the first document's old shape (duty/a99-1) is compared as its new shape
    path = replaced_path(path) or path
    prefix = path.rsplit("/", 1)[0] + "/" if "/" in path else path
    same_kind = [p for p in known if p.startswith(prefix)]
    by_path = queries.closest(path, same_kind) or queries.closest(path, known)
    return list(dict.fromkeys([*by_label, *by_path]))[:5]


def not_found(request: Request, k: Knowledge, path: str, iri: str, format: str | None) -> Response:
    """A 404 in the form asked for: HTML only when HTML was asked for (by `?format=html`,
    or an Accept a browser sends). Anything else gets the JSON error every API of this
    server answers with, not an empty Turtle or JSON-LD document: an RDF client that
    ignored the status would read an empty graph as "this resource has no triples", while a
    JSON error cannot pass for data, and still lists the closest IRIs for a program to try."""
    media_type = chosen_media_type(request, format)
    if media_type is None and format is not None:
        return not_acceptable(format)  # a bad ?format= is a 400 whether the IRI exists or not
    iris = [k.ns.data + name for name in suggested_paths(request, k, path)]
    if media_type == HTML:
        graph = describe.add_labels(k, Graph(), [URIRef(i) for i in iris])
        suggestions = [ref(k, graph, URIRef(i)) for i in iris]
        return Response(not_found_page(iri, suggestions), 404, HTML_HEADERS, HTML)
    body = {
        "error": "not_found",
        "message": f"no resource with IRI {iri!r}",
        "id": iri,
        "suggestions": iris,
    }
    return JSONResponse(body, status_code=404, headers=RDF_HEADERS)


@router.get("/id/{path:path}")
async def resource(request: Request, path: str, format: Format = None) -> Response:
    k: Knowledge = request.app.state.knowledge
    iri = URIRef(k.ns.data + path)
    if not path or not describe.exists(k, iri):
        replaced = replaced_path(path)
        if replaced is not None and describe.exists(k, URIRef(k.ns.data + replaced)):
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(f"/id/{quote(replaced)}{query}", status_code=301)
        return not_found(request, k, path, str(iri), format)
    return answer(
        request,
        ("ld", path),
        format,
        lambda: describe.describe(k, iri),
        lambda: resource_page(k, describe.neighbourhood(k, iri), iri, f"/id/{path}"),
    )


@router.get("/ontology")
async def ontology(request: Request, format: Format = None) -> Response:
    k: Knowledge = request.app.state.knowledge
    return answer(
        request,
        ("ld-ontology",),
        format,
        lambda: describe.ontology_graph(k),
        lambda: ontology_page(k, describe.ontology_graph(k)),
    )


@router.get("/.well-known/void")
async def void(request: Request, format: Format = None) -> Response:
    k: Knowledge = request.app.state.knowledge
    endpoint: str = request.app.state.sparql.endpoint
    return answer(
        request,
        ("ld-void",),
        format,
        lambda: describe.void_graph(k, endpoint),
        lambda: void_page(k, describe.void_graph(k, endpoint)),
    )
