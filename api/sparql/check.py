"""Parse a query before it runs and refuse what is unsafe or not a query.

pyoxigraph would evaluate `SERVICE` by making the HTTP request itself, so the parsed query
(rdflib's SPARQL parser: a tree, not the raw text, which comments and strings would fool)
is searched for SERVICE anywhere, and every FROM / FROM NAMED graph is resolved against
the query's BASE and prefixes and must be a graph already in the store.

rdflib's parser costs milliseconds, more than evaluating most queries. It is needed only
when the text could hold SERVICE or FROM at all: `needs_full_check` says when. A text
without the letters "service", "from" or a `\\u` escape (SPARQL decodes those before its
grammar applies, so they could spell either keyword) cannot reach outside or name a graph,
and goes straight to the store, whose own parser then decides whether it is a query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from .errors import ProtocolError, read_only

FORMS = {
    "SelectQuery": "select",
    "AskQuery": "ask",
    "ConstructQuery": "construct",
    "DescribeQuery": "describe",
}


# lower-cased; any one of them anywhere in a query, even inside a string or a name, sends it
# through rdflib's full parse
FULL_CHECK_MARKERS = ("service", "from", "\\u")


def needs_full_check(text: str) -> bool:
    """Whether the text could hold SERVICE or FROM: only then is the parse tree needed."""
    lowered = text.lower()
    return any(marker in lowered for marker in FULL_CHECK_MARKERS)


@dataclass(frozen=True)
class CheckedQuery:
    form: str  # select | ask | construct | describe; "graph": CONSTRUCT or DESCRIBE, known by its result
    from_graphs: tuple[str, ...]  # FROM and FROM NAMED, resolved
    returns_graph: bool  # CONSTRUCT / DESCRIBE: RDF, not a results table


def _nodes(value: Any) -> Iterator[CompValue]:
    if isinstance(value, CompValue):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, Mapping):
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, (list, tuple)) or hasattr(value, "asList"):
        for child in value:
            yield from _nodes(child)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def check_query(text: str, prefixes: Mapping[str, str], graphs: frozenset[str]) -> CheckedQuery:
    """The query's form and dataset, or a ProtocolError (400 malformed or unsafe, 403 an update)."""
    try:
        parsed = parseQuery(text)
    except ParseException as error:
        if _is_update(text):
            raise read_only() from error
        raise ProtocolError(400, "malformed_query", f"malformed query: {error}") from error
    except Exception as error:  # the parser's other failures (bad escapes, IRIs) are malformed input too
        raise ProtocolError(400, "malformed_query", f"malformed query: {error}") from error
    prologue_part, body = parsed[0], parsed[1]
    for node in _nodes(body):
        if node.name == "ServiceGraphPattern":
            raise ProtocolError(
                400, "service_refused", "SERVICE is not allowed: this endpoint never reaches other endpoints"
            )
    try:
        prologue = translatePrologue(prologue_part, None, dict(prefixes))
    except Exception as error:
        raise ProtocolError(400, "malformed_query", f"malformed query: {error}") from error
    from_graphs = []
    for node in _nodes(body):
        if node.name != "DatasetClause":
            continue
        term = node["default"] if "default" in node else node["named"]
        try:
            iri = str(prologue.absolutize(term))
        except Exception as error:
            raise ProtocolError(400, "malformed_query", f"malformed query: {error}") from error
        from_graphs.append(iri)
    check_graphs(from_graphs, graphs, "FROM")
    form = FORMS.get(body.name, "")
    if not form:
        raise ProtocolError(400, "malformed_query", "not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return CheckedQuery(form, tuple(from_graphs), form in ("construct", "describe"))


def check_graphs(
    names: Iterator[str] | list[str] | tuple[str, ...], graphs: frozenset[str], where: str
) -> None:
    """Refuse any graph that is not in the store: nothing is ever fetched to fill a dataset."""
    for name in names:
        if name not in graphs:
            known = ", ".join(f"<{g}>" for g in sorted(graphs))
            raise ProtocolError(
                400,
                "unknown_graph",
                f"{where} <{name}> is not a graph of this store (nothing is loaded on a query's behalf); "
                f"the graphs are {known}",
            )
