"""Checks of a built graph: SHACL shapes (pySHACL), and quotes against their offsets.

The quote check is plain Python: as a SPARQL-based SHACL constraint it took minutes.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF

from .namespaces import OA, SH, Namespaces

MAX_REPORTED = 20


def validate_graph(data: Graph, shapes: Graph) -> str:
    """'' when `data` conforms to `shapes`; otherwise one line per violation."""
    from pyshacl import validate  # here, not at the top: a build with nothing to do never needs it

    # The class hierarchy is already materialised, so no inference is needed here.
    conforms, results, _ = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if conforms:
        return ""
    lines = []
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
