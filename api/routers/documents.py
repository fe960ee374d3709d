"""/api/documents: what each document is, its cleaned text, and article by article."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge

from .. import convert, models
from ..context import Ctx, Limit, Offset, page
from ..examples import example

router = APIRouter(prefix="/api/documents", tags=["documents"])
DocId = Annotated[str, Path(max_length=200, description="e.g. party-talent-work-opinion")]


def _document(k: Knowledge, doc_id: str):
    if doc_id not in k.documents:
        raise queries.UnknownId("document", doc_id, queries.closest(doc_id, list(k.documents)))
    return k.documents[doc_id]


def _summary(article) -> models.ArticleSummary:
    return models.ArticleSummary(
        number=article.number,
        section=article.section,
        heading=article.heading,
        start=article.start,
        end=article.end,
    )


def _document_model(k: Knowledge, doc_id: str) -> models.Document:
    doc = _document(k, doc_id)
    return models.Document(
        id=doc.id,
        title_zh=doc.title_zh,
        title_en=doc.title_en,
        language=doc.language,
        header_title=doc.header_title,
        header_number=doc.header_number,
        header_verified=doc.header_verified,
        header_note_zh=doc.header_note_zh,
        header_note_en=doc.header_note_en,
        sha256=doc.sha256,
        duty_count=sum(r.document == doc_id for r in k.duties.values()),
        articles=[_summary(a) for a in doc.articles],
    )


@router.get("", response_model=models.Page[models.Document], responses=example("documents"))
async def list_documents(ctx: Ctx, limit: Limit = 50, offset: Offset = 0):
    k = ctx.knowledge
    return ctx.respond(
        lambda: page([_document_model(k, d) for d in k.documents], limit, offset),
    )


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
        duties = [
            convert.duty(k, r) for r in k.duties.values() if r.document == doc_id and r.article == number
        ]
        return models.Article(**_summary(found).model_dump(), document=doc_id, text=found.text, duties=duties)

    return ctx.respond(produce)
