"""Checks of a built graph: SHACL shapes (pySHACL), and quotes against their offsets.

The quote check is plain Python: as a SPARQL-based SHACL constraint it took minutes.
The shapes' SPARQL-based constraints (sh:sparql) are not left to pySHACL either, which runs
each once per focus node through rdflib's query engine (60% of a document's build): each is
run once over the whole graph in pyoxigraph, its target joined in, which gives the same
results (every such query binds $this in a triple pattern first), in milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .errors import BuildError
from .namespaces import OA, SH, Namespaces

MAX_REPORTED = 20
THIS = re.compile(r"\$this\b")
MESSAGE_VARIABLE = re.compile(r"\{[?$](\w+)\}")


@dataclass(frozen=True)
class SparqlCheck:
    """One sh:sparql constraint of a node shape, as one query over the whole graph."""

    shape: URIRef
    message: str
    query: str


def split_sparql(shapes: Graph) -> tuple[Graph, list[SparqlCheck]]:
    """The shapes without their sh:sparql constraints, and those constraints as queries."""
    prefixes = "".join(
        f"PREFIX {graph_value(shapes, d, SH.prefix)}: <{graph_value(shapes, d, SH.namespace)}>\n"
        for d in sorted(set(shapes.objects(None, SH.declare)), key=str)
    )
    rest, checks = Graph(), []
    rest += shapes
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        if (shape, SH.path, None) in shapes:
            raise BuildError(f"{shape}: a sh:sparql constraint on a property shape is not supported")
        target = target_pattern(shapes, shape)
        select = THIS.sub("?this", str(shapes.value(constraint, SH.select)))
        query = f"{prefixes}SELECT * WHERE {{\n{target}\n{{ {select} }}\n}}"
        checks.append(SparqlCheck(shape, str(shapes.value(constraint, SH.message) or ""), query))
        rest.remove((shape, SH.sparql, constraint))
    return rest, checks


def graph_value(graph: Graph, subject: object, predicate: URIRef) -> str:
    return str(graph.value(subject, predicate))  # type: ignore[arg-type]


def target_pattern(shapes: Graph, shape: URIRef) -> str:
    """The shape's targets as a graph pattern binding ?this (one of them, or a union)."""
    patterns = [f"{{ ?this a <{c}> }}" for c in shapes.objects(shape, SH.targetClass)]
    patterns += [f"{{ ?this <{p}> [] }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    patterns += [f"{{ [] <{p}> ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    patterns += [f"{{ VALUES ?this {{ <{n}> }} }}" for n in shapes.objects(shape, SH.targetNode)]
    if not patterns or (shape, SH.target, None) in shapes:
        raise BuildError(
            f"{shape}: a shape with sh:sparql needs a class, subjects-of, objects-of or node target"
        )
    return " UNION ".join(patterns)


def message_of(template: str, solution: pyoxigraph.QuerySolution) -> str:
    """sh:message with its {?var} / {$this} replaced by the solution's values."""

    def value(match: re.Match[str]) -> str:
        term = solution[match.group(1)]
        return term.value if term is not None else match.group(0)

    return MESSAGE_VARIABLE.sub(value, template)


def run_sparql_checks(data: Graph, checks: list[SparqlCheck]) -> list[str]:
    """A line per violation, as validate_graph writes them."""
    if not checks:
        return []
    store = pyoxigraph.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), "application/n-triples")
    lines = []
    for check in checks:
        for solution in store.query(check.query):  # type: ignore[union-attr]
            lines.append(f"- {solution['this'].value} {message_of(check.message, solution)}")
    return lines


def validate_graph(data: Graph, shapes: Graph) -> str:
    """'' when `data` conforms to `shapes`; otherwise one line per violation."""
    from pyshacl import validate  # here, not at the top: a build with nothing to do never needs it

    core, checks = split_sparql(shapes)
    # The class hierarchy is already materialised, so no inference is needed here.
    conforms, results, _ = validate(
        data, shacl_graph=core, inference="none", advanced=True, allow_warnings=True
    )
    lines = run_sparql_checks(data, checks)
    if conforms and not lines:
        return ""
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        lines.append(f"- {focus} {('(' + path.n3() + ') ') if path else ''}{message}")
    lines.sort()
    more = f"\n… and {len(lines) - MAX_REPORTED} more" if len(lines) > MAX_REPORTED else ""
    return f"{len(lines)} violation(s)\n" + "\n".join(lines[:MAX_REPORTED]) + more


def quote_problems(graph: Graph, ns: Namespaces) -> list[str]:
    """Every selector pair whose quote is not the cited document's text at its offsets."""
    problems = []
    for source in set(graph.subjects(RDF.type, OA.SpecificResource)):
        document = graph.value(source, OA.hasSource)
        text = graph.value(document, ns.dg.cleanedText)
        selectors = list(graph.objects(source, OA.hasSelector))
        # `is not None`, not truthiness: an rdflib Literal(0) is falsy
        exact, start, end = (
            next((v for s in selectors if (v := graph.value(s, p)) is not None), None)
            for p in (OA.exact, OA.start, OA.end)
        )
        if text is None or None in (exact, start, end):
            problems.append(f"{source}: incomplete source (document text, quote or offsets missing)")
        elif str(text)[int(start) : int(end)] != str(exact):
            problems.append(f"{source}: quote {str(exact)!r} is not the text at {start}–{end}")
    return sorted(problems)
