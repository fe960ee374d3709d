"""Exports of a built data folder: RDF for triple stores, CSV for spreadsheets, GraphML /
GEXF for Gephi, of every document or of some, in one file or one file per document.

The RDF formats re-serialise the built dataset (rdflib, as the build); the others are made
from the records the server answers from (graph/knowledge.py), so they say what it says.
`Export` reads a folder at most once per kind of reading, however many files are written
from it: `dutygraph export --per-document` over a corpus parses the dataset once.

Some documents, in each format:
- RDF (ttl, nt, nq, jsonld, xml): those documents' named graphs, plus every graph that is no
  document's (the ontology, the register of bodies and posts), so that each file can be
  read on its own: labels of the bodies, the class hierarchy.
- CSV: those documents' duties.
- GraphML / GEXF: the projection of those documents' graphs (with the register's and the
  ontology's), less the bodies and posts that none of them names, save the bodies that
  the named ones are units, kinds or posts of.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path

import networkx as nx
import pyoxigraph
from rdflib import Graph

from dutygraph.errors import DutygraphError
from dutygraph.ontology.iris import document_iri
from dutygraph.ontology.namespaces import Namespaces
from dutygraph.ontology.rdf_files import (
    bind_prefixes,
    canonical_nquads,
    canonical_ntriples,
    canonical_turtle,
    read_manifest,
)

from .knowledge import Knowledge, read_knowledge
from .loaded import LoadedGraph, load
from .store import EmbeddedStore

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
    "reading",  # curated | draft
    "confidence",  # a draft's, 0 to 1; empty for a curated reading
]


class UnknownDocument(DutygraphError):
    """A document id the data folder does not hold."""

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        self.unknown, self.known = list(unknown), list(known)
        names = ", ".join(repr(doc) for doc in unknown)
        plural = "s" if len(unknown) > 1 else ""
        super().__init__(f"unknown document{plural} {names}; known: {', '.join(known)}")


def select_documents(known: Sequence[str], requested: Iterable[str] | None) -> list[str]:
    """The documents asked for, in the folder's order, each once; every one when none is asked
    for. Raises `UnknownDocument` naming the ones the folder does not hold."""
    wanted = list(dict.fromkeys(requested or ()))
    unknown = [doc for doc in wanted if doc not in known]
    if unknown:
        raise UnknownDocument(unknown, known)
    return [doc for doc in known if doc in wanted] if wanted else list(known)


class Export:
    """A built folder to export from. Raises FileNotFoundError when there is no build."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        manifest = read_manifest(folder)  # fast, and says at once when there is no build
        self.documents: list[str] = list(manifest["documents"])
        self.ns = Namespaces(manifest["namespaces"]["ontology"], manifest["namespaces"]["data"])

    def select(self, requested: Iterable[str] | None) -> list[str]:
        return select_documents(self.documents, requested)

    def data(self, fmt: str, documents: Iterable[str] | None = None) -> bytes:
        """The export in format `fmt` of those documents (of all, by default)."""
        return FORMATS[fmt](self, self.select(documents))

    # -- the readings, each made once ------------------------------------------------------

    @cached_property
    def loaded(self) -> LoadedGraph:
        return load(self.folder)

    @cached_property
    def store(self) -> EmbeddedStore:
        return EmbeddedStore.from_folder(self.folder)

    @cached_property
    def knowledge(self) -> Knowledge:
        return read_knowledge(self.store)

    def is_everything(self, documents: Sequence[str]) -> bool:
        return set(documents) == set(self.documents)

    def graph_names(self, documents: Sequence[str]) -> list[str]:
        """Those documents' named graphs and every graph that is no document's."""
        left_out = {str(document_iri(self.ns, doc)) for doc in self.documents} - {
            str(document_iri(self.ns, doc)) for doc in documents
        }
        return [name for name in self.store.graph_names() if name not in left_out]

    def rdf_graphs(self, documents: Sequence[str]) -> list[Graph]:
        kept = set(self.graph_names(documents))
        return [g for g in self.loaded.dataset.graphs() if len(g) and str(g.identifier) in kept]

    def union(self, documents: Sequence[str]) -> Graph:
        if self.is_everything(documents):
            return self.loaded.union
        union = Graph()
        for graph in self.rdf_graphs(documents):
            union += graph
        return union

    def knowledge_of(self, documents: Sequence[str]) -> Knowledge:
        """The records of a store holding only those documents' graphs (and the shared ones)."""
        if self.is_everything(documents):
            return self.knowledge
        part = pyoxigraph.Store()
        for name in self.graph_names(documents):
            part.extend(self.store.store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(name)))
        return read_knowledge(EmbeddedStore(part))


# -- the formats ---------------------------------------------------------------------------


def _bound(graph: Graph, ns: Namespaces) -> Graph:
    bound = bind_prefixes(Graph(bind_namespaces="core"), ns)
    bound += graph
    return bound


def _turtle(export: Export, documents: Sequence[str]) -> bytes:
    return canonical_turtle(export.union(documents), export.ns)


def _ntriples(export: Export, documents: Sequence[str]) -> bytes:
    return canonical_ntriples(export.union(documents))


def _nquads(export: Export, documents: Sequence[str]) -> bytes:
    return canonical_nquads((g.identifier, g) for g in export.rdf_graphs(documents))


def _jsonld(export: Export, documents: Sequence[str]) -> bytes:
    context = {prefix: str(ns) for prefix, ns in export.ns.prefixes().items()}
    context["@language"] = "zh"
    graph = _bound(export.union(documents), export.ns)
    return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")


def _rdfxml(export: Export, documents: Sequence[str]) -> bytes:
    return _bound(export.union(documents), export.ns).serialize(format="pretty-xml", encoding="utf-8")


def network_of(k: Knowledge, documents: Sequence[str]) -> nx.MultiDiGraph:
    """`k`'s projection less the bodies and posts none of `documents` names (keeping those the
    named ones are units, kinds or posts of: the register graph's own rule)."""
    named = [a for a in k.agents.values() if any(q.document in documents for q in a.mentions)]
    kept: set[str] = set()
    while named:
        agent = named.pop()
        if agent.id not in kept:
            kept.add(agent.id)
            named += [k.agents[i] for i in (agent.parent, agent.kind_of) if i in k.agents]
    left_out = [f"{agent.type}/{agent.id}" for agent in k.agents.values() if agent.id not in kept]
    network = k.network.copy()
    network.remove_nodes_from(left_out)
    return network


def _network(export: Export, documents: Sequence[str]) -> nx.MultiDiGraph:
    k = export.knowledge_of(documents)
    return k.network if export.is_everything(documents) else network_of(k, documents)


def _graphml(export: Export, documents: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(_network(export, documents), buffer, encoding="utf-8")
    return buffer.getvalue()


def _gexf(export: Export, documents: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(_network(export, documents), buffer, encoding="utf-8")
    return buffer.getvalue()


def _csv(export: Export, documents: Sequence[str]) -> bytes:
    """One row a duty; `quote_zh` is exactly the cleaned text between `start` and `end`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in export.knowledge.duties.values():
        if record.document not in documents:
            continue
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


FORMATS: dict[str, Callable[[Export, Sequence[str]], bytes]] = {
    "ttl": _turtle,
    "nt": _ntriples,
    "nq": _nquads,
    "jsonld": _jsonld,
    "xml": _rdfxml,
    "graphml": _graphml,
    "gexf": _gexf,
    "csv": _csv,
}


def export(folder: Path, fmt: str, documents: Iterable[str] | None = None) -> bytes:
    """The export in format `fmt` of those documents of a built folder (of all, by default)."""
    return Export(folder).data(fmt, documents)
