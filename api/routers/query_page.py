"""/query: a SPARQL editor (vendored YASGUI) beside a gallery of example queries.

The page works with no internet: YASGUI and the page's own script and style are served by
the app under /static/, the editor sends its queries to /sparql on the same origin, and a
Content-Security-Policy keeps the browser from loading or connecting anywhere else. The
examples reach the page as JSON in `<script type="application/json" id="examples">`,
escaped so that no data can close the element; the page's script inserts them as text.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from dutygraph.ontology.namespaces import Namespaces
from dutygraph.visualizations.html import (
    SERVED_PAGE_POLICY,
    STATIC_DIR,
    TEMPLATES,
    TEMPLATES_DIR,
    script_json,
)

from ..sparql_examples import example_dicts

TEMPLATE = TEMPLATES_DIR / "query.html"
__all__ = ["STATIC_DIR", "TEMPLATE", "router", "script_json"]


router = APIRouter(tags=["pages"], include_in_schema=False)


def render_query_page(ns: Namespaces) -> bytes:
    # script_json escapes < > &: nothing in the examples can close the <script> element
    examples = Markup(script_json(example_dicts(ns)))
    return TEMPLATES.get_template("query.html").render(examples_json=examples).encode("utf-8")


def _page(ns: Namespaces) -> bytes:
    """The page for the served graph's namespaces, rendered once per namespace pair."""
    key = (ns.ontology, ns.data)
    if key not in _rendered:
        _rendered[key] = render_query_page(ns)
    return _rendered[key]


_rendered: dict[tuple[str, str], bytes] = {}
PAGE_HEADERS = {
    "Content-Security-Policy": SERVED_PAGE_POLICY,  # the /viz pages' (YASGUI sets style attributes)
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


@router.get("/query", response_class=HTMLResponse, include_in_schema=False)
async def query_page(request: Request) -> Response:
    return HTMLResponse(_page(request.app.state.knowledge.ns), headers=PAGE_HEADERS)
