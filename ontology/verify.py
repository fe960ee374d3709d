"""Re-check a built graph on disk: SHACL shapes, and every quote against the text it cites."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .build import BuildInputs, read_rdf
from .checks import quote_problems, validate_graph
from .namespaces import Namespaces
from .rdf_files import read_dataset, read_manifest


def verify(folder: Path, inputs: BuildInputs | None = None) -> list[str]:
    """Problems found in the build at `folder` (an empty list means it is sound)."""
    manifest = read_manifest(folder)
    ns = Namespaces(manifest["namespaces"]["ontology"], manifest["namespaces"]["data"])
    dataset = read_dataset(folder)
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    shapes, _ = read_rdf((inputs or BuildInputs()).shapes, ns)
    problems = quote_problems(union, ns)
    report = validate_graph(union, shapes)
    if report:
        problems.append("SHACL: " + report)
    return problems
