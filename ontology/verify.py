"""Re-check a built graph on disk: SHACL shapes, and every quote against the text it cites.

A document's graph says nothing of another's (bodies and posts are the register's), so the
check is per document, as in the build: each document's graph with the ontology and the
register, in parallel over the cores; and the register with the ontology once. A corpus is
then checked in the time of its build's validation, not as one union of millions of triples.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from rdflib import Dataset, Graph

from .build import BuildInputs, parse_rdf, read_bytes
from .checks import quote_problems, validate_graph
from .namespaces import Namespaces
from .rdf_files import read_manifest, split_nquads

_shared: tuple[list[str], bytes, str, str] | None = None  # a worker's: context lines, shapes, ns


def verify(folder: Path, inputs: BuildInputs | None = None, jobs: int | None = None) -> list[str]:
    """Problems found in the build at `folder` (an empty list means it is sound)."""
    manifest = read_manifest(folder)
    ns = Namespaces(manifest["namespaces"]["ontology"], manifest["namespaces"]["data"])
    path = folder / "dataset.nq"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no built graph here (run `dutygraph build` first)")
    graphs = split_nquads(path.read_bytes())
    shapes_path = (inputs or BuildInputs()).shapes
    shapes = read_bytes(shapes_path)
    parse_rdf(shapes, shapes_path, ns)  # a shapes file that does not parse is an error here, once
    context = graphs.pop(ns.ontology_iri, []) + graphs.pop(str(ns.id["register"]), [])
    shared = (context, shapes, ns.ontology, ns.data)
    documents = sorted(graphs.items())
    workers = max(1, min(jobs or os.cpu_count() or 1, len(documents)))
    problems = _check(shared, [])  # the register and the ontology on their own
    if workers == 1:
        for _, lines in documents:
            problems += _check(shared, lines)
    else:
        with ProcessPoolExecutor(workers, initializer=_start, initargs=(shared,)) as pool:
            for found in pool.map(_check_in_worker, [lines for _, lines in documents], chunksize=4):
                problems += found
    return list(dict.fromkeys(problems))  # a problem of the register is found with every document


def _start(shared: tuple[list[str], bytes, str, str]) -> None:
    global _shared
    _shared = shared


def _check_in_worker(lines: list[str]) -> list[str]:
    assert _shared is not None, "the worker was not started"
    return _check(_shared, lines)


def _check(shared: tuple[list[str], bytes, str, str], lines: list[str]) -> list[str]:
    context, shapes_bytes, ontology_ns, data_ns = shared
    ns = Namespaces(ontology_ns, data_ns)
    dataset = Dataset(default_union=True)
    dataset.parse(data="".join(context + lines), format="nquads")
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    shapes = parse_rdf(shapes_bytes, "shapes", ns)
    problems = quote_problems(union, ns)
    report = validate_graph(union, shapes)
    if report:
        problems.append("SHACL: " + report)
    return problems
