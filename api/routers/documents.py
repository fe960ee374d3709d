"""/api/documents: what each document is, its cleaned text, and article by article."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Document, Knowledge

from .. import convert, models
from ..context import Ctx, Limit, Offset, page
from ..examples import example

router = APIRouter(prefix="/api/documents", tags=["documents"])
DocId = Annotated[str, Path(max_length=200, description="e.g. party-talent-work-opinion")]


def _document(k: Knowledge, doc_id: str):
    if doc_id not in k.documents:
        raise queries.UnknownId("document", doc_id, queries.closest(doc_id, list(k.documents)))
    return k.documents[doc_id]


def _document_model(k: Knowledge, doc_id: str) -> models.Document:
    return convert.document(k, _document(k, doc_id))


@router.get("", response_model=models.Page[models.Document], responses=example("documents"))
async def list_documents(
    ctx: Ctx,
    kind: Annotated[
        str | None, Query(max_length=20, description="the form: 条例, 意见, 通知 … (or its English)")
    ] = None,
    category: Annotated[str | None, Query(max_length=20, description="行政法规, 部门规章, 党内法规")] = None,
    issuer: Annotated[
        str | None, Query(max_length=100, description="words of the issuer's name: 国务院")
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="words of the title (all of them, in any order)")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    k = ctx.knowledge
    words = (q or "").split()

    def wanted(doc: Document) -> bool:
        return (
            (kind is None or kind in (doc.form_zh, doc.form_en))
            and (category is None or category == doc.category)
            and (issuer is None or issuer in doc.issuer)
            and (year is None or year == doc.year)
            and all(word in doc.title_zh or word.lower() in doc.title_en.lower() for word in words)
        )

    def produce() -> dict:
        listed = page([d for d in k.documents.values() if wanted(d)], limit, offset)
        return listed | {"items": [convert.document(k, d) for d in listed["items"]]}

    return ctx.respond(produce)


@router.get("/{doc_id}", response_model=models.Document, responses=example("document"))
async def get_document(ctx: Ctx, doc_id: DocId):
    _document(ctx.knowledge, doc_id)
    return ctx.respond(lambda: _document_model(ctx.knowledge, doc_id))


@router.get("/{doc_id}/text", response_model=models.DocumentText, responses=example("text"))
async def document_text(ctx: Ctx, doc_id: DocId):
    _document(ctx.knowledge, doc_id)
    text = ctx.knowledge.texts[doc_id]
    return ctx.respond(lambda: models.DocumentText(document=doc_id, text=text))


@router.get("/{doc_id}/articles/{number}", response_model=models.Article, responses=example("article"))
async def get_article(ctx: Ctx, doc_id: DocId, number: Annotated[int, Path(ge=0, le=10_000)]):
    k = ctx.knowledge
    doc = _document(k, doc_id)
    found = next((a for a in doc.articles if a.number == number), None)
    if found is None:
        numbers = [str(a.number) for a in doc.articles]
        raise queries.UnknownId("article", str(number), queries.closest(str(number), numbers))

    def produce() -> models.Article:
        duties = [convert.duty(k, r) for r in k.in_document.get(doc_id, ()) if r.article == number]
        return convert.shaped(models.Article, found, duties=duties)

    return ctx.respond(produce)
