"""Canonical serialisations: the same graph always gives the same bytes.

Every node has an IRI (the build mints no blank nodes), so sorting N-Triples lines is a
canonical form, and rdflib's `longturtle` writer sorts subjects and predicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .namespaces import Namespaces


def sorted_ntriples(graph: Graph) -> list[str]:
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return sorted(line for line in text.splitlines() if line.strip())


def canonical_ntriples(graph: Graph) -> bytes:
    return "".join(f"{line}\n" for line in sorted_ntriples(graph)).encode("utf-8")


def nquad_lines(name: URIRef | str, graph: Graph) -> list[str]:
    """One named graph as sorted N-Quads lines (each ending in a newline)."""
    return [f"{line.removesuffix(' .').rstrip()} <{name}> .\n" for line in sorted_ntriples(graph)]


def join_nquads(parts: Iterable[list[str]]) -> bytes:
    """Named graphs' lines (from `nquad_lines`) as one sorted N-Quads file."""
    return "".join(sorted(line for lines in parts for line in lines)).encode("utf-8")


def canonical_nquads(graphs: Iterable[tuple[URIRef, Graph]]) -> bytes:
    return join_nquads(nquad_lines(name, graph) for name, graph in graphs)


def split_nquads(data: bytes) -> dict[str, list[str]]:
    """A file `join_nquads` wrote, back into its named graphs' lines, by graph IRI.

    Every line ends in ` <graph> .`: its last ` <` starts the graph name (a literal may
    hold ` <`, but never after the graph name)."""
    graphs: dict[str, list[str]] = {}
    for line in data.decode("utf-8").splitlines(keepends=True):
        start = line.rindex(" <")
        graphs.setdefault(line[start + 2 : line.rindex("> .")], []).append(line)
    return graphs


def bind_prefixes(graph: Graph, ns: Namespaces) -> Graph:
    for prefix, namespace in ns.prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def canonical_turtle(graph: Graph, ns: Namespaces) -> bytes:
    copy = bind_prefixes(Graph(bind_namespaces="none"), ns)
    copy += graph
    return copy.serialize(format="longturtle", encoding="utf-8")


def read_dataset(folder: Path) -> Dataset:
    """The dataset a build wrote (`dataset.nq`), with one named graph per document."""
    path = folder / "dataset.nq"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no built graph here (run `dutygraph build` first)")
    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    return dataset


def read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no built graph here (run `dutygraph build` first)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_text(folder: Path, doc_id: str) -> str:
    path = folder / "texts" / f"{doc_id}.txt"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no cleaned text for document {doc_id!r}")
    return path.read_text(encoding="utf-8")
