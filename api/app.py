"""The FastAPI application: REST under /api, docs at /docs, served with no internet."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dutygraph import __version__
from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.graph.queries import UnknownId
from dutygraph.graph.search import SearchIndex
from dutygraph.graph.store import StoreError
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from . import models
from .cache import ReplayAnswers, ResponseCache, SizedLRU
from .compression import GzipAnswers
from .routers import (
    assets,
    bodies,
    compare,
    documents,
    duties,
    graph,
    linked_data,
    overview,
    query_page,
    search,
    sparql,
    viz,
)

DESCRIPTION = """
Who must, may or is encouraged to do what in Chinese policy documents. Every duty carries
its actor, modality, levels, conditions and the exact quote with its article and character
offsets into the cleaned text (`/api/documents/{id}/text`). Labels come in Chinese
(`*_zh`) and English (`*_en`) side by side; lists are paginated with `limit` and `offset`
and report `total`. Answers are immutable per build and carry an `ETag`.
"""


logger = logging.getLogger("uvicorn.error")
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class HeadAsGet:
    """Answer HEAD as GET without the body (RFC 9110, 9.3.2): the same status and headers,
    ETag and Content-Length included. FastAPI's routes answer GET only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """The methods some route answers on this path, HEAD wherever GET is (HeadAsGet)."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.router.routes):  # included routers' routes too
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(
        methods, key=lambda m: (METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER), m)
    )


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnknownId)
    async def unknown_id(request: Request, error: UnknownId) -> JSONResponse:
        body = models.NotFound(
            error="not_found",
            message=f"no {error.what} with id {error.value!r}",
            id=error.value,
            suggestions=error.suggestions,
        )
        return JSONResponse(body.model_dump(), status_code=404)

    @app.exception_handler(StoreError)
    async def store_failed(request: Request, error: StoreError) -> JSONResponse:
        # a page or description that reads the store per request, the store down or refusing:
        # the server keeps serving, and says which store failed (as /sparql does)
        logger.warning("%s %s: %s", request.method, request.url.path, error)
        return JSONResponse(
            {"error": "store_unavailable", "message": str(error)},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(405)
    async def method_not_allowed(request: Request, error: HTTPException) -> JSONResponse:
        # Starlette's Allow names the methods of the first route matching the path only, and
        # FastAPI's routes never list HEAD, which every GET route answers here.
        allowed = allowed_methods(request.app, request.scope)
        message = f"{request.method} is not allowed on {request.url.path}: use {' or '.join(allowed)}"
        return JSONResponse(
            {"error": "method_not_allowed", "message": message},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )

    @app.exception_handler(ClientDisconnect)
    async def client_left(request: Request, error: ClientDisconnect) -> Response:
        # Not a failure of the server: the connection closed (the client left, or the request
        # timeout of api/server.py struck) before the request body had arrived. One line
        # instead of a traceback; nobody receives the answer.
        client = request.client
        where = f"{client.host}:{client.port}" if client else "a client"
        logger.info(
            '%s - "%s %s" connection closed before its whole body arrived',
            where,
            request.method,
            request.url.path,
        )
        return Response(status_code=400)


def create_app(
    knowledge: Knowledge | None = None,
    data: Path = DEFAULT_BUILD_DIR,
    sparql_timeout: float = 10.0,
    sparql_memory_mib: int = 1024,
    public_url: str | None = None,
    cache_mib: int = 64,
) -> FastAPI:
    """`public_url` is where clients reach the server (e.g. http://127.0.0.1:8000): the SPARQL
    endpoint's IRI in its service description and the base of relative IRIs in queries. It is
    configured, never read from a request's Host header (which a client can set to anything).

    `cache_mib` bounds the memory of the answer caches together: half for computed answers
    (ResponseCache), a quarter each for replayed answers and gzip-encoded bodies."""
    knowledge = knowledge or load_knowledge(data)
    # The loaded graph is hundreds of thousands of long-lived objects; a full collection
    # over them took ~185 ms and stalled requests (p99). Nothing loaded is ever freed, so
    # move it out of the collector's sight (without a collection first: it costs startup).
    gc.freeze()
    app = FastAPIOffline(
        title="dutygraph",
        version=__version__,
        description=DESCRIPTION,
    )
    budget = cache_mib * 1024 * 1024
    replayed: SizedLRU = SizedLRU(budget // 4, budget // 4 // 64)
    compressed: SizedLRU = SizedLRU(budget // 4)
    # innermost first: gzip inside ReplayAnswers, which keeps (and replays) what it sends;
    # both inside HeadAsGet, so that a HEAD reaches them as a GET and gets its headers
    app.add_middleware(GzipAnswers, store=compressed)
    app.add_middleware(ReplayAnswers, store=replayed)
    app.add_middleware(HeadAsGet)
    app.state.knowledge = knowledge
    app.state.search = SearchIndex(knowledge)  # built once: the data does not change while serving
    app.state.cache = ResponseCache(knowledge.version, max_bytes=budget // 2)
    app.state.caches = {"answers": app.state.cache.entries, "replayed": replayed, "gzip": compressed}
    sparql.install(
        app, knowledge, timeout=sparql_timeout, memory_mib=sparql_memory_mib, public_url=public_url
    )
    for module in (
        bodies,
        duties,
        documents,
        overview,
        compare,
        search,
        graph,
        query_page,
        viz,
        linked_data,
        assets,
    ):
        app.include_router(module.router)
    sparql_answers = getattr(app.state.sparql, "cache", None)
    if isinstance(sparql_answers, SizedLRU):  # its own budget, apart from cache_mib
        app.state.caches["sparql"] = sparql_answers

    add_error_handlers(app)

    health = {
        "status": "ok",
        "version": knowledge.version,
        "documents": list(knowledge.documents),
        "triples": knowledge.triples,
    }

    @app.get(
        "/healthz",
        response_model=models.Health,
        tags=["meta"],
        responses={200: {"content": {"application/json": {"example": health}}}},
    )
    async def healthz() -> dict:
        return {**health, "caches": {name: cache.usage() for name, cache in app.state.caches.items()}}

    return app
