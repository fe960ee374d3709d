"""/static/: the assets of every page (the linked-data stylesheet, the /viz scripts and
vis-network, the query page's script and YASGUI), from `visualizations/static/`, the one
folder that holds them, with ETag and Last-Modified."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.staticfiles import StaticFiles

from dutygraph.visualizations.html import STATIC_DIR

router = APIRouter(tags=["pages"], include_in_schema=False)
static_files = StaticFiles(directory=STATIC_DIR)


@router.get("/static/{path:path}", include_in_schema=False)
async def static(path: str, request: Request) -> Response:
    response = await static_files.get_response(path, request.scope)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response
