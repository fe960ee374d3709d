"""The FastAPI application: REST under /api, docs at /docs, served with no internet."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dutygraph import __version__
from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.graph.queries import UnknownId
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from . import models
from .cache import ReplayAnswers, ResponseCache
from .routers import bodies, documents, duties, graph, linked_data, query_page, sparql, viz

DESCRIPTION = """
Who must, may or is encouraged to do what in Chinese policy documents. Every duty carries
its actor, modality, levels, conditions and the exact quote with its article and character
offsets into the cleaned text (`/api/documents/{id}/text`). Labels come in Chinese
(`*_zh`) and English (`*_en`) side by side; lists are paginated with `limit` and `offset`
and report `total`. Answers are immutable per build and carry an `ETag`.
"""


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


def create_app(
    knowledge: Knowledge | None = None, data: Path = DEFAULT_BUILD_DIR, sparql_timeout: float = 10.0
) -> FastAPI:
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
    app.add_middleware(ReplayAnswers)  # inside HeadAsGet: a HEAD reaches it as a GET
    app.add_middleware(HeadAsGet)
    app.state.knowledge = knowledge
    app.state.cache = ResponseCache(knowledge.version)
    sparql.install(app, knowledge, timeout=sparql_timeout)
    for module in (bodies, duties, documents, graph, query_page, viz, linked_data):
        app.include_router(module.router)

    @app.exception_handler(UnknownId)
    async def unknown_id(request: Request, error: UnknownId) -> JSONResponse:
        body = models.NotFound(
            error="not_found",
            message=f"no {error.what} with id {error.value!r}",
            id=error.value,
            suggestions=error.suggestions,
        )
        return JSONResponse(body.model_dump(), status_code=404)

    health = {
        "status": "ok",
        "version": knowledge.version,
        "documents": list(knowledge.documents),
        "triples": len(knowledge.store),
    }

    @app.get(
        "/healthz",
        response_model=models.Health,
        tags=["meta"],
        responses={200: {"content": {"application/json": {"example": health}}}},
    )
    async def healthz() -> dict:
        return health

    return app
