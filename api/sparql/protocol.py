"""What a SPARQL Protocol request asks for, read from the HTTP request, or why it is refused.

Three ways to send a query (SPARQL 1.1 Protocol, 2.1): GET with `query=` in the URL, POST
of an HTML form (`application/x-www-form-urlencoded`, `query=` in the body), POST of the
query itself (`application/sparql-query`). `default-graph-uri` and `named-graph-uri` may
be repeated; with the direct POST they go in the URL. Everything is UTF-8, decoded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.requests import Request

from .errors import ProtocolError, read_only

__all__ = ["ProtocolError", "QueryRequest", "query_from_get", "query_from_post", "read_only", "url_params"]

MAX_BODY_BYTES = 100 * 1024
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]

    @property
    def dataset_given(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """('application/sparql-query', {'charset': 'utf-8'}) for 'application/sparql-query; charset=UTF-8'."""
    media, *params = (header or "").split(";")
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"').lower()
    return media.strip().lower(), parsed


def content_encoding(header: str | None) -> list[str]:
    """The codings a Content-Encoding header applies, identity left out: [] for a plain body."""
    codings = (part.strip().lower() for part in (header or "").split(","))
    return [coding for coding in codings if coding not in ("", "identity")]


def decode_form(raw: bytes | str) -> dict[str, list[str]]:
    """Form or URL parameters, percent-decoded once, strictly as UTF-8."""
    text = raw if isinstance(raw, str) else _utf8(raw, "the parameters")
    try:
        return parse_qs(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, "bad_encoding", f"the parameters are not valid UTF-8: {error}") from error


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, "bad_encoding", f"{what} is not valid UTF-8: {error}") from error


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    too_large = ProtocolError(413, "body_too_large", f"the request body is larger than {limit} bytes")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(400, "bad_request", f"'{name}' is given {len(values)} times; give it once")
    return values[0] if values else None


def _query_request(query: str | None, params: dict[str, list[str]]) -> QueryRequest:
    if query is None or not query.strip():
        raise ProtocolError(400, "missing_query", "no query: give one in 'query' (or as the body)")
    return QueryRequest(
        query=query,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
    )


def url_params(request: Request) -> dict[str, list[str]]:
    return decode_form(request.scope.get("query_string", b""))


def query_from_get(params: dict[str, list[str]]) -> QueryRequest:
    if "update" in params:
        raise read_only()
    return _query_request(_single(params, "query"), params)


async def query_from_post(request: Request, params: dict[str, list[str]]) -> QueryRequest:
    """`params` are the URL's; the body holds the form or the query."""
    media, options = content_type(request.headers.get("content-type"))
    charset = options.get("charset", "utf-8")
    if media == SPARQL_UPDATE:
        raise read_only()
    encoding = content_encoding(request.headers.get("content-encoding"))
    if encoding:
        # read as it is, a compressed body would be refused as "not valid UTF-8"
        raise ProtocolError(
            415,
            "unsupported_media_type",
            f"the body is encoded with {', '.join(encoding)} (Content-Encoding); send it unencoded",
            {"Accept-Encoding": "identity"},  # RFC 9110, 15.5.16
        )
    if media not in (FORM, SPARQL_QUERY):
        raise ProtocolError(
            415,
            "unsupported_media_type",
            f"POST a query as {FORM} (query=…) or as {SPARQL_QUERY}, not "
            + (media or "without a Content-Type"),
        )
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, "unsupported_charset", f"only UTF-8 is accepted, not {charset}")
    body = await read_body(request)
    if "query" in params or "update" in params:
        name = "query" if "query" in params else "update"
        raise ProtocolError(
            400, "bad_request", f"'{name}' may not be in the URL of a POST; send it in the body"
        )
    if media == SPARQL_QUERY:
        return _query_request(_utf8(body, "the query"), params)
    form = decode_form(body)
    if "update" in form:
        raise read_only()
    # the graph parameters may come in the URL too (the W3C protocol test query_post_form
    # sends them there): both count
    dataset = {
        name: params.get(name, []) + form.get(name, []) for name in ("default-graph-uri", "named-graph-uri")
    }
    return _query_request(_single(form, "query"), dataset)
