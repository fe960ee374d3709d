"""RDF descriptions the linked-data routes serve: one resource, the ontology, the VoID.

A resource's description is bounded: its triples as subject, the labels of what they point
to, and its provenance (the `oa:SpecificResource` behind `dg:source`, both selectors) and
constraints, which have no meaning apart from it. Everything is read from the store (the
embedded one or a remote one) per request, into a small rdflib graph that only serialises
and renders it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import pyoxigraph
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from dutygraph.graph.knowledge import Knowledge
from dutygraph.graph.store import plain
from dutygraph.ontology.iris import iri_of, record_id
from dutygraph.ontology.namespaces import ELI, OA, ODRL, VOID

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
LABELS = (SKOS.prefLabel, RDFS.label)

# name → (rdflib serializer, media type)
RDF_FORMATS = {
    "turtle": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "ntriples": ("nt", "application/n-triples"),
    "rdfxml": ("xml", "application/rdf+xml"),
}


def bind_prefixes(graph: Graph, k: Knowledge) -> Graph:
    for prefix, namespace in k.ns.prefixes().items():
        graph.bind(prefix, namespace, override=True)
    graph.bind("void", VOID)
    graph.bind("sd", SD)
    return graph


# what a page shows of every IRI it names: its labels, and the numbers and offsets that
# say where a part of a document is
SHOWN = (SKOS.prefLabel, RDFS.label, DCTERMS.title, ELI.number)
OFFSETS = ("startOffset", "endOffset")


def term(
    value: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal,
) -> Node:
    """A store's term as rdflib's (rdflib only serialises and renders what the store gave)."""
    if isinstance(value, pyoxigraph.NamedNode):
        return URIRef(value.value)
    if isinstance(value, pyoxigraph.BlankNode):
        return BNode(value.value)
    if value.language:
        return Literal(value.value, lang=value.language)
    datatype = value.datatype.value
    return Literal(value.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


def add_triples(graph: Graph, triples: list[pyoxigraph.Triple]) -> Graph:
    for triple in triples:
        graph.add((term(triple.subject), term(triple.predicate), term(triple.object)))  # type: ignore[arg-type]
    return graph


def exists(k: Knowledge, iri: URIRef) -> bool:
    return k.store.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}", data_vocabulary=True)


def add_labels(k: Knowledge, graph: Graph, iris: Iterable[URIRef]) -> Graph:
    """Add the labels, titles, numbers and offsets of `iris` (one query for all)."""
    wanted = sorted({str(i) for i in iris})
    if not wanted:
        return graph
    shown = [*SHOWN, *(k.ns.dg[name] for name in OFFSETS)]
    # the predicates as a FILTER, not a second VALUES: Oxigraph joins two VALUES blocks with
    # the pattern by scanning it (64 s for a body of the corpus, 30 ms like this)
    query = (
        "CONSTRUCT { ?n ?p ?v } WHERE { VALUES ?n { "
        + " ".join(f"<{i}>" for i in wanted)
        + " } ?n ?p ?v FILTER (?p IN ("
        + ", ".join(f"<{p}>" for p in shown)
        + ")) }"
    )
    return add_triples(graph, k.store.construct(query, data_vocabulary=True))


def neighbourhood(k: Knowledge, iri: URIRef) -> Graph:
    """What the pages and descriptions of one resource are made of, read from the store: its
    triples, those of what depends on it (its source and selectors, its constraints), the
    triples that point to it, and the labels, titles, numbers and offsets of every IRI these
    name."""
    dg = k.ns.dg
    path = f"(<{dg.source}>|<{OA.hasSelector}>|<{ODRL.constraint}>)+"
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ <{iri}> ?p ?o . BIND (<{iri}> AS ?s) }}
  UNION {{ <{iri}> {path} ?s . ?s ?p ?o }}
  UNION {{ ?s ?p <{iri}> . BIND (<{iri}> AS ?o) }}
}}"""
    graph = add_triples(Graph(), k.store.construct(query, data_vocabulary=True))
    iris = {node for triple in graph for node in triple if isinstance(node, URIRef)}
    return add_labels(k, graph, iris)


def dependents(view: Graph, dg: Namespace, node: URIRef) -> list[URIRef]:
    """What a resource's description includes besides its own triples: its source and
    selectors, its constraints (recursively, for a source's selectors)."""
    found, todo = [], [node]
    while todo:
        current = todo.pop()
        for predicate in (dg.source, OA.hasSelector, ODRL.constraint):
            for value in view.objects(current, predicate):
                if isinstance(value, URIRef) and value not in found:
                    found.append(value)
                    todo.append(value)
    return found


def describe(k: Knowledge, iri: URIRef, view: Graph | None = None) -> Graph:
    """The bounded description: the resource's and its dependents' triples, and the labels
    of what they point to."""
    view = view if view is not None else neighbourhood(k, iri)
    graph = bind_prefixes(Graph(bind_namespaces="none"), k)
    subjects = [iri, *dependents(view, k.ns.dg, iri)]
    for subject in subjects:
        for predicate, value in view.predicate_objects(subject):
            graph.add((subject, predicate, value))
            if isinstance(value, URIRef) and value not in subjects:
                for label in LABELS:
                    for text in view.objects(value, label):
                        graph.add((value, label, text))
    return graph


def ontology_graph(k: Knowledge) -> Graph:
    graph = bind_prefixes(Graph(bind_namespaces="none"), k)
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    return add_triples(
        graph,
        k.store.construct(query, default_graphs=[k.ns.ontology_iri], named_graphs=[]),
    )


def site_root(k: Knowledge) -> str:
    """'https://dutygraph.example/': where the IRIs live, which this server answers for by path."""
    parts = urlsplit(k.ns.data)
    return f"{parts.scheme}://{parts.netloc}/"


def void_iri(k: Knowledge) -> str:
    return site_root(k) + ".well-known/void"


def _count(value: str) -> Literal:
    return Literal(int(value), datatype=XSD.integer)


def void_graph(k: Knowledge, endpoint: str) -> Graph:
    """The VoID description of the whole dataset and of each named graph."""
    ns, store = k.ns, k.store
    base = void_iri(k)
    dataset = URIRef(f"{base}#dataset")
    graph = bind_prefixes(Graph(bind_namespaces="none"), k)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add(
        (
            dataset,
            DCTERMS.title,
            Literal("dutygraph: duties in Chinese policy documents", lang="en"),
        )
    )
    graph.add((dataset, DCTERMS.title, Literal("dutygraph：中国政策文件中的职责", lang="zh")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "Who must, may or is encouraged to do what in Chinese policy documents: bodies, "
                "posts and provisions, each with the exact quote and offsets it comes from.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, VOID.triples, Literal(k.triples, datatype=XSD.integer)))
    # where clients reach /sparql (serve --public-url), as its service description says
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(endpoint)))
    graph.add((dataset, VOID.uriSpace, Literal(ns.data)))
    graph.add((dataset, VOID.vocabulary, URIRef(ns.ontology_iri)))
    for doc in k.documents:
        graph.add((dataset, VOID.rootResource, URIRef(f"{ns.data}document/{doc}")))
    examples = [iri_of(ns, "duty", d) for d in list(k.duties)[:1]]
    examples += [iri_of(ns, a.type, a.id) for a in list(k.agents.values())[:1]]
    for example in examples:
        graph.add((dataset, VOID.exampleResource, example))

    per_graph = plain(store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"))
    for row in sorted(per_graph, key=lambda r: r["g"]):
        name = URIRef(row["g"])
        is_ontology = str(name) == ns.ontology_iri
        subset = URIRef(f"{base}#{'ontology' if is_ontology else 'document-' + name.split('/')[-1]}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, RDF.type, SD.NamedGraph))
        graph.add((subset, SD.name, name))
        graph.add((subset, VOID.triples, _count(row["n"])))
        document = k.documents.get(record_id(str(name), ns)) if str(name).startswith(ns.data) else None
        if document is not None:
            graph.add((subset, DCTERMS.title, Literal(document.title_zh, lang="zh")))
            graph.add((subset, DCTERMS.title, Literal(document.title_en, lang="en")))

    classes = plain(store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"))
    for i, row in enumerate(sorted(classes, key=lambda r: r["c"]), start=1):
        partition = URIRef(f"{base}#class-{i}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(row["c"])))
        graph.add((partition, VOID.entities, _count(row["n"])))
    properties = plain(store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"))
    for i, row in enumerate(sorted(properties, key=lambda r: r["p"]), start=1):
        partition = URIRef(f"{base}#property-{i}")
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(row["p"])))
        graph.add((partition, VOID.triples, _count(row["n"])))
    return graph


def serialise(graph: Graph, name: str) -> bytes:
    serializer, _ = RDF_FORMATS[name]
    if name == "jsonld":
        context = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
        return graph.serialize(format=serializer, context=context, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=serializer, encoding="utf-8")
