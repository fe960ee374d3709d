"""/viz: the interactive pages (the org graph, the duties, one page per body, the documents).

Every page but the document's takes `?document=ID` (absent: all documents); the document
page is /viz/document/{ID}, and /viz/document lists the documents. An unknown document id
is a 404 page listing them.

The pages are built by `visualizations/` from the graph of the build, once per page (the
data does not change while the server runs), and sent with a Content-Security-Policy that
lets only the app's own scripts run; their assets come from /static/ (query_page.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
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
    """A page built once per key: the key names everything the page depends on (its kind,
    the body, the chosen document), so each distinct address is its own cached answer."""
    k: Knowledge = request.app.state.knowledge
    return request.app.state.cache.respond_bytes(
        request, ("viz", *key), lambda: produce(k).encode("utf-8"), HTML, PAGE_HEADERS
    )


def _unknown_document(
    request: Request, document: str | None, page: str, agent_id: str = ""
) -> Response | None:
    """A 404 page listing the documents (each linking to `page` for it) when `document`
    names none, else None."""
    k: Knowledge = request.app.state.knowledge
    if document is None or document in k.documents:
        return None

    def here(doc: str) -> str:
        return SERVED.body(agent_id, doc) if page == "body" else SERVED.page(page, doc)

    html = _pages().document_not_found_page(k, SERVED, document, here)
    return HTMLResponse(html, status_code=404, headers=PAGE_HEADERS)


# `?document=ID` chooses one document; absent, the page is across all of them
DOCUMENT = Query(None, max_length=200, description="a document id; absent: all documents")


@router.get("/viz")
async def viz_root() -> Response:
    return RedirectResponse("/viz/", status_code=308)


@router.get("/viz/")
async def viz_index(request: Request, document: str | None = DOCUMENT) -> Response:
    unknown = _unknown_document(request, document, "index")
    if unknown:
        return unknown
    return _page(request, ("index", document), lambda k: _pages().index_page(k, SERVED, document))


@router.get("/viz/org")
async def viz_org(request: Request, document: str | None = DOCUMENT) -> Response:
    unknown = _unknown_document(request, document, "org")
    if unknown:
        return unknown
    return _page(
        request, ("org", document), lambda k: _pages().org_page(k, SERVED, _words(request), document)
    )


@router.get("/viz/duties")
async def viz_duties(request: Request, document: str | None = DOCUMENT) -> Response:
    unknown = _unknown_document(request, document, "duties")
    if unknown:
        return unknown
    return _page(
        request, ("duties", document), lambda k: _pages().duties_page(k, SERVED, _words(request), document)
    )


@router.get("/viz/document")
async def viz_documents(request: Request, document: str | None = DOCUMENT) -> Response:
    """The list of documents; with `?document=ID` (what the picker's plain links of other
    pages say), a redirect to that document's page."""
    if document is not None:
        unknown = _unknown_document(request, document, "document")
        if unknown:
            return unknown
        query = urlencode([(name, v) for name, v in request.query_params.multi_items() if name != "document"])
        location = SERVED.page("document", document) + (f"?{query}" if query else "")
        return RedirectResponse(location, status_code=307)
    return _page(request, ("documents",), lambda k: _pages().documents_page(k, SERVED))


@router.get("/viz/document/{document}")
async def viz_document(request: Request, document: str = Path(max_length=200)) -> Response:
    unknown = _unknown_document(request, document, "document")
    if unknown:
        return unknown
    return _page(
        request,
        ("document", document),
        lambda k: _pages().document_page(k, SERVED, document, _words(request)),
    )


@router.get("/viz/body/{agent_id}")
async def viz_body(
    request: Request, agent_id: str = Path(max_length=200), document: str | None = DOCUMENT
) -> Response:
    k: Knowledge = request.app.state.knowledge
    try:
        queries.agent(k, agent_id)
    except queries.UnknownId as unknown:
        page = _pages().not_found_page(SERVED, unknown.value, unknown.suggestions)
        return HTMLResponse(page, status_code=404, headers=PAGE_HEADERS)
    unknown_document = _unknown_document(request, document, "body", agent_id)
    if unknown_document:
        return unknown_document
    return _page(
        request,
        ("body", agent_id, document),
        lambda k: _pages().body_page(k, SERVED, agent_id, _words(request), document),
    )


@router.get("/viz/search")
async def viz_search(
    request: Request,
    q: str = Query("", max_length=200),
    kind: Literal["article", "provision"] | None = None,
    document: str | None = DOCUMENT,
    offset: int = Query(0, ge=0, le=100_000),
) -> Response:
    unknown = _unknown_document(request, document, "search")
    if unknown:
        return unknown
    state = request.app.state
    return _page(
        request,
        ("search", q, kind, document, offset),
        lambda k: _pages().search_page(k, SERVED, state.search, _words(request), q, kind, document, offset),
    )


@router.get("/viz/compare")
async def viz_compare(
    request: Request,
    first: str | None = Query(None, max_length=200),
    second: str | None = Query(None, max_length=200),
    unchanged: bool = False,
) -> Response:
    for document in (first, second):
        unknown = _unknown_document(request, document, "compare")
        if unknown:
            return unknown
    return _page(
        request,
        ("compare", first, second, unchanged),
        lambda k: _pages().compare_page(k, SERVED, _words(request), first, second, unchanged),
    )


@router.get("/viz/overview")
async def viz_overview(request: Request) -> Response:
    return _page(request, ("overview",), lambda k: _pages().overview_page(k, SERVED, _words(request)))
