"""Exports of the built graph: RDF for triple stores, CSV for spreadsheets, GraphML / GEXF
for Gephi. Each returns bytes; the CLI decides where they go."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import networkx as nx
from rdflib import Graph

from dutygraph.ontology.rdf_files import bind_prefixes, canonical_nquads, canonical_ntriples, canonical_turtle

from .loaded import LoadedGraph
from .network import project
from .records import duty_records

CSV_COLUMNS = [
    "duty_id",
    "actor_id",
    "actor_label_zh",
    "actor_label_en",
    "actor_kind",
    "actor_implied",
    "modality",
    "action_zh",
    "action_en",
    "object_zh",
    "object_en",
    "document",
    "article",
    "levels",
    "conditions",
    "condition_zh",
    "condition_en",
    "quote_zh",
    "start",
    "end",
    "guided_by",
]


def _union(loaded: LoadedGraph) -> Graph:
    graph = bind_prefixes(Graph(bind_namespaces="core"), loaded.ns)
    graph += loaded.union
    return graph


def to_turtle(loaded: LoadedGraph) -> bytes:
    return canonical_turtle(loaded.union, loaded.ns)


def to_ntriples(loaded: LoadedGraph) -> bytes:
    return canonical_ntriples(loaded.union)


def to_nquads(loaded: LoadedGraph) -> bytes:
    return canonical_nquads((g.identifier, g) for g in loaded.dataset.graphs() if len(g))


def to_jsonld(loaded: LoadedGraph) -> bytes:
    context = {prefix: str(ns) for prefix, ns in loaded.ns.prefixes().items()}
    context["@language"] = "zh"
    return _union(loaded).serialize(format="json-ld", context=context, indent=2, encoding="utf-8")


def to_rdfxml(loaded: LoadedGraph) -> bytes:
    return _union(loaded).serialize(format="pretty-xml", encoding="utf-8")


def _network(loaded: LoadedGraph) -> nx.MultiDiGraph:
    return project(loaded.union, loaded.ns)


def to_graphml(loaded: LoadedGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(_network(loaded), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_gexf(loaded: LoadedGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(_network(loaded), buffer, encoding="utf-8")
    return buffer.getvalue()


def to_csv(loaded: LoadedGraph) -> bytes:
    """One row a duty; `quote_zh` is exactly the cleaned text between `start` and `end`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in duty_records(loaded.union, loaded.ns):
        writer.writerow(
            {
                "duty_id": record.id,
                **{c: getattr(record, c) for c in CSV_COLUMNS if hasattr(record, c)},
                "actor_implied": str(record.actor_implied).lower(),
                "levels": ";".join(record.levels),
                "conditions": ";".join(record.conditions),
            }
        )
    # a byte-order mark lets spreadsheet programs open the Chinese text as UTF-8
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


EXPORTERS: dict[str, Callable[[LoadedGraph], bytes]] = {
    "ttl": to_turtle,
    "nt": to_ntriples,
    "nq": to_nquads,
    "jsonld": to_jsonld,
    "xml": to_rdfxml,
    "graphml": to_graphml,
    "gexf": to_gexf,
    "csv": to_csv,
}
