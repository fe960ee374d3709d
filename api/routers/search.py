"""/api/search: articles and provisions across the corpus, by the words they contain."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from dutygraph.graph.knowledge import Knowledge
from dutygraph.graph.search import Hit, SearchError, SearchIndex, terms_of

from .. import convert, models
from ..context import Ctx, DocumentFilter, Limit, Offset, documents_filter, page
from ..examples import example

router = APIRouter(tags=["search"])


@router.get("/api/search", response_model=models.SearchPage, responses=example("search"))
async def search(
    ctx: Ctx,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="words to find, exactly as written (Chinese needs no spaces; terms separated "
            "by spaces must all occur)",
        ),
    ],
    kind: Annotated[
        Literal["article", "provision"] | None, Query(description="only articles, or only provisions")
    ] = None,
    document: DocumentFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
):
    k = ctx.knowledge
    documents = documents_filter(k, document)
    try:
        terms = terms_of(q)
    except SearchError as error:  # a query of spaces only, too many terms: a 422 like any bad value
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "q"), "msg": str(error), "input": q}]
        ) from error
    index: SearchIndex = ctx.request.app.state.search

    def produce() -> dict:
        found = index.search(q, kind, documents, limit, offset)
        hits = [hit(k, h) for h in found.hits]
        answer = page([], limit, offset)
        return {**answer, "total": found.total, "items": hits, "terms": terms}

    return ctx.respond(produce)


def hit(k: Knowledge, found: Hit) -> models.SearchHit:
    text, start, inside = found.snippet()
    record = k.duties.get(found.provision) if found.provision else None
    return models.SearchHit(
        kind=found.kind,
        document=found.document,
        article=found.article,
        provision=found.provision,
        actor=convert.actor_ref(k, record.actor_id.split("/", 1)[-1]) if record else None,
        modality=record.modality if record else None,
        snippet=text,
        start=start,
        end=start + len(text),
        highlights=[models.Highlight(start=a, end=b) for a, b in inside],
        matches=[models.SourceRef(document=found.document, start=m.start, end=m.end) for m in found.matches],
        score=round(found.score, 4),
    )
