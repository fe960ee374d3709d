"""Read a query's tokens before it runs: refuse what is unsafe, learn what the store needs.

pyoxigraph would evaluate `SERVICE` by making the HTTP request itself, and its recursive
parser overflows the stack on a few thousand nested brackets (and Oxigraph server's on a chain
of a few thousand operators, 1+1+…), killing the process. All are
found here by one left-to-right pass over SPARQL's lexical tokens, with no grammar that an
ordinary query could exhaust: strings, IRIs, comments, variables and prefixed names are
skipped whole, so they can neither hide a keyword nor fake one; what remains are bare words
(the keywords) and brackets. SPARQL decodes `\\u` / `\\U` escapes in the whole text before
its grammar applies, so the text is scanned as written and as decoded, and a keyword found
in either counts.

Everything else (syntax, functions, the dataset) is the store's to judge: a FROM naming a
graph the store does not hold is an empty graph (SPARQL 1.1 Query, 13.2), never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ProtocolError, read_only

# deeper than any query a person writes (the tester's 25 parentheses, 40 nested groups pass)
# and far below the ~2,500 that overflow pyoxigraph's parser on an 8 MiB stack
MAX_NESTING = 200
# operators in one bracket group: an expression's chain (1+1+…) is a tree as deep as it is
# long, and 2,000 of them abort the Oxigraph server 0.5 (its stack); a person writes dozens
MAX_OPERATORS = 1000
_OPERATOR_CHARS = frozenset("+*/=<>!&|")
# a signed number inside a name token ("1-1-1" is 1, -1, -1: two operators in the grammar)
_SIGNED = re.compile(r"(?<=[\d.])[-+](?=[\d.])")
_NUMBERISH = re.compile(r"^[-+]?[\d.][\d.eE+-]*$")

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# one token at a time; the alternatives are tried in order at each position
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<variable>[?$][\w\u00B7-\U000EFFFF]*)
    | (?P<langtag>@[A-Za-z][A-Za-z0-9-]*)
    | (?P<name>[\w\u00B7-\U000EFFFF:%.\\-]+)
    | (?P<open>[({\[])
    | (?P<close>[)}\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Scan:
    keywords: frozenset[str]  # the bare words, upper-cased
    depth: int  # the deepest nesting of ( { [
    operators: int = 0  # the most operators in one bracket group


def _scan_one(text: str) -> Scan:
    keywords: set[str] = set()
    depth = deepest = 0
    operators = [0]  # per open bracket group, the innermost last
    most = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "name":
            word = match.group().strip(".")
            if ":" not in word and "." not in word:  # a prefixed name or a number is no keyword
                keywords.add(word.upper())
            if _NUMBERISH.match(word):
                operators[-1] += len(_SIGNED.findall(word))
        elif kind == "other" and match.group() in _OPERATOR_CHARS:
            operators[-1] += 1
        elif kind == "open":
            depth += 1
            deepest = max(deepest, depth)
            operators.append(0)
        elif kind == "close":
            depth -= 1
            if len(operators) > 1:
                most = max(most, operators.pop())
        most = max(most, operators[-1])
    return Scan(frozenset(keywords), deepest, max([most, *operators]))


def _decode_escapes(text: str) -> str:
    def decoded(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _ESCAPE.sub(decoded, text)


def scan(text: str) -> Scan:
    """The keywords and the nesting of `text`, as written and with its escapes decoded."""
    written = _scan_one(text)
    if "\\u" not in text.lower():
        return written
    decoded = _scan_one(_decode_escapes(text))
    return Scan(
        written.keywords | decoded.keywords,
        max(written.depth, decoded.depth),
        max(written.operators, decoded.operators),
    )


@dataclass(frozen=True)
class CheckedQuery:
    names_dataset: bool  # FROM / FROM NAMED: the query describes its own dataset
    updates: bool  # holds an update keyword: if the store cannot parse it, it is an update (403)


def check_query(text: str) -> CheckedQuery:
    """What the store needs to know about `text`, or a ProtocolError (400) refusing it."""
    found = scan(text)
    if "SERVICE" in found.keywords:
        raise ProtocolError(
            400, "service_refused", "SERVICE is not allowed: this endpoint never reaches other endpoints"
        )
    if found.depth > MAX_NESTING:
        raise ProtocolError(
            400,
            "too_deeply_nested",
            f"the query nests brackets {found.depth} deep; at most {MAX_NESTING} levels are accepted",
        )
    if found.operators > MAX_OPERATORS:
        raise ProtocolError(
            400,
            "expression_too_long",
            f"the query chains {found.operators} operators in one expression or group; "
            f"at most {MAX_OPERATORS} are accepted",
        )
    return CheckedQuery("FROM" in found.keywords, bool(found.keywords & UPDATE_KEYWORDS))


def syntax_refusal(checked: CheckedQuery, message: str) -> ProtocolError:
    """The store could not parse the text: an update is refused as such (403), else malformed."""
    if checked.updates:
        return read_only()
    return ProtocolError(400, "malformed_query", f"malformed query: {message}")


@dataclass(frozen=True)
class DatasetClauses:
    """The graphs a query's FROM and FROM NAMED clauses name, as absolute IRIs."""

    default: tuple[str, ...]
    named: tuple[str, ...]


_DECLARATION = re.compile(r"PREFIX\s+([\w\u00B7-\U000EFFFF.-]*):\s*<([^>]*)>", re.IGNORECASE)


def dataset_clauses(text: str, prefixes: dict[str, str]) -> DatasetClauses:
    """The IRIs after FROM / FROM NAMED, prefixed names expanded with the query's PREFIX
    declarations (and `prefixes`, the endpoint's defaults); a name that expands to nothing
    is kept as written, which no store holds. For a store that evaluates FROM itself, these
    become the protocol's graph parameters, restricted to the graphs this endpoint holds."""
    declared = {**prefixes, **{m.group(1): m.group(2) for m in _DECLARATION.finditer(text)}}
    default: list[str] = []
    named: list[str] = []
    after_from = after_named = False
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        if kind == "name" and token.upper() == "FROM":
            after_from, after_named = True, False
            continue
        if after_from and kind == "name" and token.upper() == "NAMED":
            after_named = True
            continue
        if after_from and kind in ("iri", "name"):
            if kind == "iri":
                iri = token[1:-1]
            else:
                prefix, _, local = token.partition(":")
                iri = declared[prefix] + local if prefix in declared else token
            (named if after_named else default).append(iri)
        after_from = after_named = False
    return DatasetClauses(tuple(default), tuple(named))
