"""Exports of a built data folder: RDF for triple stores, CSV for spreadsheets, GraphML /
GEXF for Gephi. Each takes the folder and returns bytes; the CLI decides where they go. The
RDF formats re-serialise the built dataset (rdflib, as the build); the others are made from
the records the server answers from (graph/knowledge.py), so they say what it says."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import networkx as nx
from rdflib import Graph

from dutygraph.ontology.rdf_files import bind_prefixes, canonical_nquads, canonical_ntriples, canonical_turtle

from .knowledge import load_knowledge
from .loaded import LoadedGraph, load

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


def to_turtle(folder: Path) -> bytes:
    loaded = load(folder)
    return canonical_turtle(loaded.union, loaded.ns)


def to_ntriples(folder: Path) -> bytes:
    return canonical_ntriples(load(folder).union)


def to_nquads(folder: Path) -> bytes:
    return canonical_nquads((g.identifier, g) for g in load(folder).dataset.graphs() if len(g))


def to_jsonld(folder: Path) -> bytes:
    loaded = load(folder)
    context = {prefix: str(ns) for prefix, ns in loaded.ns.prefixes().items()}
    context["@language"] = "zh"
    return _union(loaded).serialize(format="json-ld", context=context, indent=2, encoding="utf-8")


def to_rdfxml(folder: Path) -> bytes:
    return _union(load(folder)).serialize(format="pretty-xml", encoding="utf-8")


def to_graphml(folder: Path) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(load_knowledge(folder).network, buffer, encoding="utf-8")
    return buffer.getvalue()


def to_gexf(folder: Path) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(load_knowledge(folder).network, buffer, encoding="utf-8")
    return buffer.getvalue()


def to_csv(folder: Path) -> bytes:
    """One row a duty; `quote_zh` is exactly the cleaned text between `start` and `end`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in load_knowledge(folder).duties.values():
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


EXPORTERS: dict[str, Callable[[Path], bytes]] = {
    "ttl": to_turtle,
    "nt": to_ntriples,
    "nq": to_nquads,
    "jsonld": to_jsonld,
    "xml": to_rdfxml,
    "graphml": to_graphml,
    "gexf": to_gexf,
    "csv": to_csv,
}
