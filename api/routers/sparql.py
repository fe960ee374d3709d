"""/sparql: the SPARQL 1.1 Protocol, query side, read-only, with CORS.

GET `?query=`, POST a form (`query=`) or the query itself (`application/sparql-query`);
`default-graph-uri` / `named-graph-uri` name graphs of the store. With no dataset given the
default graph is the union of every graph (each document and the ontology). A bare GET
answers the service description. Errors are JSON `{"error": code, "message": text}`:

- 400: malformed query (the parser's message); SERVICE; FROM, FROM NAMED or a graph parameter
  naming a graph not in the store; `query` missing or given twice; a result over the byte limit
- 403: any SPARQL Update (`update=`, `application/sparql-update`, an update sent as `query`)
- 405: a method other than GET, HEAD, POST, OPTIONS
- 406: no acceptable result format
- 413: a request body over 100 kB
- 415: a POST that is not a form or `application/sparql-query`, not UTF-8, or compressed (Content-Encoding)
- 503: the query passed the time limit and was stopped (`timeout`), or every worker stayed busy
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from dutygraph.graph.knowledge import Knowledge

from ..cache import CACHE_CONTROL, entity_tag, none_match
from ..sparql.protocol import ProtocolError, QueryRequest, query_from_get, query_from_post, url_params
from ..sparql.service import DEFAULT_ENDPOINT, DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, Answer, SparqlService

router = APIRouter(tags=["sparql"])


class SparqlError(BaseModel):
    error: str
    message: str


RESULTS_EXAMPLE = {
    "head": {"vars": ["n"]},
    "results": {
        "bindings": [
            {"n": {"type": "literal", "value": "48", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
        ]
    },
}
_ERRORS = {
    400: "malformed query (the parser's message), SERVICE, a graph not in the store, `query` missing or "
    "given twice, a result over the byte limit",
    403: "a SPARQL Update: this endpoint is read-only",
    406: "no acceptable result format",
    413: "a request body over 100 kB",
    415: "a POST that is not a form or application/sparql-query, not UTF-8, or compressed (Content-Encoding)",
    503: "the query passed the time limit and was stopped, or every worker stayed busy",
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "SELECT / ASK results (JSON by default; XML, CSV, TSV by Accept); CONSTRUCT / "
        "DESCRIBE as Turtle by default (N-Triples, JSON-LD, RDF/XML by Accept)",
        "content": {
            "application/sparql-results+json": {"example": RESULTS_EXAMPLE},
            "application/json": {"example": RESULTS_EXAMPLE},
            "application/sparql-results+xml": {},
            "text/csv": {},
            "text/tab-separated-values": {},
            "text/turtle": {},
            "application/n-triples": {},
            "application/ld+json": {},
            "application/rdf+xml": {},
        },
    },
    **{status: {"model": SparqlError, "description": text} for status, text in _ERRORS.items()},
}
_DATASET_PARAMETERS = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{what}: a graph of this store (repeatable)",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }
    for name, what in (
        ("default-graph-uri", "part of the default graph"),
        ("named-graph-uri", "a named graph"),
    )
]
GET_PARAMETERS = {
    "parameters": [
        {
            "name": "query",
            "in": "query",
            "required": False,
            "description": "the SPARQL query; without any parameter, the service description",
            "schema": {"type": "string"},
            "example": "SELECT (COUNT(*) AS ?n) WHERE { ?o a org:Organization }",
        },
        *_DATASET_PARAMETERS,
    ]
}
POST_BODY = {
    "parameters": _DATASET_PARAMETERS,
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["query"],
                }
            },
            "application/sparql-query": {"schema": {"type": "string"}},
        },
    },
}

CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}
ALLOW = "GET, HEAD, POST, OPTIONS"


def install(
    app: FastAPI,
    knowledge: Knowledge,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mib: int = DEFAULT_MEMORY_MIB,
    public_url: str | None = None,
) -> None:
    """Mount /sparql on `app`, answering from the store `knowledge` was read from: embedded,
    with worker processes that load the same dataset file; remote, by the store itself
    (api/sparql/remote.py). `public_url` is where clients reach the server: the endpoint's
    IRI is `{public_url}/sparql`."""
    endpoint = f"{public_url.rstrip('/')}/sparql" if public_url else DEFAULT_ENDPOINT
    app.state.sparql = SparqlService(
        knowledge.store,
        knowledge.store.graph_names(),
        {name: str(namespace) for name, namespace in knowledge.ns.prefixes().items()},
        endpoint=endpoint,
        timeout=timeout,
        memory_mib=memory_mib,
    )
    app.include_router(router)


def _error(error: ProtocolError) -> JSONResponse:
    return JSONResponse(
        {"error": error.code, "message": error.message},
        status_code=error.status,
        headers={**CORS, **error.headers},
    )


def _answer(request: Request, answer: Answer) -> Response:
    """The answer with an ETag (the build version and its bytes' hash, as every answer), or 304
    when the client holds that tag."""
    etag = entity_tag(request.app.state.cache.version, answer.body)
    headers = {**CORS, "Vary": "Accept", "ETag": etag, "Cache-Control": CACHE_CONTROL}
    held = request.headers.get("if-none-match") if request.method == "GET" else None
    if held is not None and none_match(held.encode("latin-1"), etag.encode("latin-1")):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def _respond(
    request: Request, service: SparqlService, query_request: QueryRequest, arrived: float
) -> Response:
    """The time limit counts from the request's arrival: reading it and waiting for a worker count."""
    deadline = arrived + service.pool.timeout
    return _answer(request, await service.answer(query_request, request.headers.get("accept"), deadline))


@router.get(
    "/sparql",
    summary="SPARQL query (GET)",
    description="`query` in the URL; with no parameters at all, the service description (Turtle by default).",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra=GET_PARAMETERS,
)
async def sparql_get(request: Request) -> Response:
    arrived = time.monotonic()
    service: SparqlService = request.app.state.sparql
    try:
        params = url_params(request)
        if not params:
            return _answer(request, service.description(request.headers.get("accept")))
        return await _respond(request, service, query_from_get(params), arrived)
    except ProtocolError as error:
        return _error(error)


@router.post(
    "/sparql",
    summary="SPARQL query (POST form or application/sparql-query)",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra=POST_BODY,
)
async def sparql_post(request: Request) -> Response:
    arrived = time.monotonic()
    service: SparqlService = request.app.state.sparql
    try:
        return await _respond(request, service, await query_from_post(request, url_params(request)), arrived)
    except ProtocolError as error:
        return _error(error)


@router.options("/sparql", include_in_schema=False)
async def sparql_preflight() -> Response:
    return Response(status_code=204, headers={**PREFLIGHT, "Allow": ALLOW})


class _OtherMethods:
    """Every method no route above takes (PUT, DELETE, PATCH, TRACE, …): 405, with CORS."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = ProtocolError(
            405,
            "method_not_allowed",
            f"{scope['method']} is not allowed on /sparql: use GET, HEAD or POST (read-only)",
            {"Allow": ALLOW},
        )
        await _error(refusal)(scope, receive, send)


# A Route whose endpoint is an ASGI object (not a function) takes every method; it comes
# after the routes above, so it only sees what they do not take.
router.routes.append(Route("/sparql", _OtherMethods(), include_in_schema=False))
