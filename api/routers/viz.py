"""/viz: the interactive pages (the org graph, the duties, one page per body, the document).

The pages are built by `visualizations/` from the graph of the build, once per page (the
data does not change while the server runs), and sent with a Content-Security-Policy that
lets only the app's own scripts run; their assets come from /static/ (query_page.py).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge
from dutygraph.visualizations.html import SERVED_PAGE_POLICY, Target

router = APIRouter(tags=["pages"], include_in_schema=False)
SERVED = Target()
HTML = "text/html; charset=utf-8"
PAGE_HEADERS = {
    "Content-Security-Policy": SERVED_PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _pages():  # the page builders import pyvis: loaded on the first page, not at startup
    from dutygraph.visualizations import pages

    return pages


def _words(request: Request):
    state = request.app.state
    if getattr(state, "viz_words", None) is None:
        from dutygraph.visualizations.vocabulary import vocabulary

        state.viz_words = vocabulary(state.knowledge)
    return state.viz_words


def _page(request: Request, key: tuple, produce: Callable[[Knowledge], str]) -> Response:
    k: Knowledge = request.app.state.knowledge
    return request.app.state.cache.respond_bytes(
        request, ("viz", *key), lambda: produce(k).encode("utf-8"), HTML, PAGE_HEADERS
    )


@router.get("/viz")
async def viz_root() -> Response:
    return RedirectResponse("/viz/", status_code=308)


@router.get("/viz/")
async def viz_index(request: Request) -> Response:
    return _page(request, ("index",), lambda k: _pages().index_page(k, SERVED))


@router.get("/viz/org")
async def viz_org(request: Request) -> Response:
    return _page(request, ("org",), lambda k: _pages().org_page(k, SERVED, _words(request)))


@router.get("/viz/duties")
async def viz_duties(request: Request) -> Response:
    return _page(request, ("duties",), lambda k: _pages().duties_page(k, SERVED, _words(request)))


@router.get("/viz/document")
async def viz_document(request: Request) -> Response:
    return _page(request, ("document",), lambda k: _pages().document_page(k, SERVED, _words(request)))


@router.get("/viz/body/{agent_id}")
async def viz_body(request: Request, agent_id: str = Path(max_length=200)) -> Response:
    k: Knowledge = request.app.state.knowledge
    try:
        queries.agent(k, agent_id)
    except queries.UnknownId as unknown:
        page = _pages().not_found_page(SERVED, unknown.value, unknown.suggestions)
        return HTMLResponse(page, status_code=404, headers=PAGE_HEADERS)
    return _page(
        request, ("body", agent_id), lambda k: _pages().body_page(k, SERVED, agent_id, _words(request))
    )
