"""The built graph as the runtime reads it: the dataset, its namespaces, its texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from dutygraph.ontology.iris import typed_id
from dutygraph.ontology.namespaces import Namespaces
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR
from dutygraph.ontology.rdf_files import read_dataset, read_manifest, read_text


@dataclass
class LoadedGraph:
    folder: Path
    ns: Namespaces
    dataset: Dataset
    manifest: dict
    union: Graph = field(default_factory=Graph)  # every triple of every graph
    texts: dict[str, str] = field(default_factory=dict)

    def short_id(self, iri: URIRef) -> str:
        """The typed id of an IRI: 'body/party-committee', 'duty/{doc}/a05-3'."""
        return typed_id(iri, self.ns)


def load(folder: Path = DEFAULT_BUILD_DIR) -> LoadedGraph:
    manifest = read_manifest(folder)
    ns = Namespaces(manifest["namespaces"]["ontology"], manifest["namespaces"]["data"])
    texts = {doc: read_text(folder, doc) for doc in manifest["documents"]}
    dataset = read_dataset(folder)
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    return LoadedGraph(folder, ns, dataset, manifest, union, texts)
