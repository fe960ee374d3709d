"""/api/duties and /api/responsibilities: every provision, and who answers for a matter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from dutygraph.graph import queries
from dutygraph.ontology.values import Level, Modality

from .. import convert, models
from ..context import Ctx, DocumentFilter, Limit, Offset, documents_filter, one_of, page
from ..examples import example

router = APIRouter(tags=["duties"])


@router.get("/api/duties", response_model=models.Page[models.Duty], responses=example("duties"))
async def list_duties(
    ctx: Ctx,
    actor: Annotated[str | None, Query(max_length=200, description="body or post id")] = None,
    article: Annotated[int | None, Query(ge=0, le=10_000)] = None,
    modality: Modality | None = None,
    level: Annotated[
        Level | None, Query(description="duties the text limits to a set including this level")
    ] = None,
    include_unconstrained: Annotated[
        bool, Query(description="with level: also duties the text limits to no level")
    ] = False,
    q: Annotated[
        str | None, Query(max_length=200, description="words of the quote, action or object")
    ] = None,
    document: DocumentFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    k = ctx.knowledge
    documents = documents_filter(k, document)
    if article is not None:  # an article no document has: a 422, not an empty page
        one_of("article", article, queries.article_numbers(k))
    if actor is not None:  # an id, like /api/graph/path?source=: a 404 with the closest ids
        queries.agent(k, actor)

    def produce() -> dict:
        records = list(k.duties.values())
        if level is not None:
            records = queries.at_level(k, level, include_unconstrained)
        needle = queries.normalise(q or "")
        found = [
            convert.duty(k, r)
            for r in records
            if (actor is None or r.actor_id.split("/", 1)[-1] == actor)
            and (documents is None or r.document in documents)
            and queries.matches(r, modality, article, None)
            and (not needle or queries.duty_matches(k, r, needle))
        ]
        return page(found, limit, offset)

    return ctx.respond(produce)


@router.get("/api/duties/{duty_id:path}", response_model=models.Duty, responses=example("duty"))
async def get_duty(
    ctx: Ctx,
    duty_id: Annotated[
        str, Path(max_length=200, description="{document}/{provision}, e.g. party-talent-work-opinion/a05-8")
    ],
):
    record = queries.duty(ctx.knowledge, duty_id)
    return ctx.respond(lambda: convert.duty(ctx.knowledge, record))


@router.get(
    "/api/responsibilities",
    response_model=models.Page[models.Responsible],
    responses=example("responsibilities"),
)
async def responsibilities(
    ctx: Ctx,
    q: Annotated[str, Query(min_length=1, max_length=200, description="a matter, in Chinese or English")],
    document: DocumentFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
):
    documents = documents_filter(ctx.knowledge, document)

    def produce() -> dict:
        k = ctx.knowledge
        ranked = []
        for r in queries.responsible_for(k, q):
            found = [(d, how) for d, how in r.duties if documents is None or d.document in documents]
            if found:  # each answer says where it is written: its duties carry document and article
                ranked.append(
                    models.Responsible(
                        actor=convert.actor_ref(k, r.agent.id),
                        score=r.score,
                        duties=[convert.duty(k, d) for d, _ in found],
                        how=[how for _, how in found],
                    )
                )
        return page(ranked, limit, offset)

    return ctx.respond(produce)
