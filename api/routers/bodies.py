"""/api/bodies: the bodies and posts the documents name, and what falls to each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from dutygraph.graph import queries
from dutygraph.ontology.values import Level, Modality

from .. import convert, models
from ..context import Ctx, DocumentFilter, Limit, Offset, documents_filter, one_of, page
from ..examples import example

router = APIRouter(prefix="/api/bodies", tags=["bodies"])
AgentId = Annotated[str, Path(max_length=200, description="body or post id, e.g. party-committee")]


def _text_match(agent, needle: str) -> bool:
    names = [agent.id, agent.label_zh, agent.label_en, *agent.alt_zh, *agent.alt_en]
    return queries.text_matches(needle, names)


@router.get("", response_model=models.Page[models.ActorRef], responses=example("bodies"))
async def list_bodies(
    ctx: Ctx,
    kind: Annotated[
        str | None,
        Query(max_length=100, description="body kind (party-organization, government, …) or 'post'"),
    ] = None,
    level: Annotated[
        Level | None, Query(description="bodies with a duty the text limits to this level")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in a zh or en label or alias")] = None,
    document: DocumentFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    k = ctx.knowledge
    if kind is not None:  # the kinds come from the data, so FastAPI cannot check them itself
        one_of("kind", kind, queries.kinds(k))
    documents = documents_filter(k, document)

    def produce() -> dict:
        found = []
        for agent in k.agents.values():
            if kind and queries.kind_of(agent) != kind:
                continue
            if q and queries.normalise(q) and not _text_match(agent, q):
                continue
            if level and not queries.duties_of(k, agent.id, level=level, include_parts=False):
                continue
            if documents is not None and not queries.named_or_charged_in(k, agent.id, documents):
                continue
            found.append(convert.actor_ref(k, agent.id))
        return page(found, limit, offset)

    return ctx.respond(produce)


@router.get("/{agent_id}", response_model=models.Body, responses=example("body"))
async def get_body(ctx: Ctx, agent_id: AgentId):
    queries.agent(ctx.knowledge, agent_id)  # 404 before anything is cached
    return ctx.respond(lambda: convert.body(ctx.knowledge, agent_id))


@router.get("/{agent_id}/duties", response_model=models.Page[models.Duty], responses=example("body_duties"))
async def body_duties(
    ctx: Ctx,
    agent_id: AgentId,
    modality: Modality | None = None,
    article: Annotated[int | None, Query(ge=0, le=10_000)] = None,
    level: Level | None = None,
    include_parts: Annotated[bool, Query(description="include duties of its units and posts")] = True,
    document: DocumentFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
):
    k = ctx.knowledge
    documents = documents_filter(k, document)
    if article is not None:  # an article no document has: a 422, not an empty page
        one_of("article", article, queries.article_numbers(k))
    queries.agent(k, agent_id)

    def produce() -> dict:
        held = queries.duties_of(k, agent_id, modality, article, level, include_parts)
        held = [h for h in held if documents is None or h.duty.document in documents]
        return page([convert.duty(k, h.duty, h.via) for h in held], limit, offset)

    return ctx.respond(produce)


@router.get(
    "/{agent_id}/documents",
    response_model=models.Page[models.BodyInDocument],
    responses=example("body_documents"),
)
async def body_documents(ctx: Ctx, agent_id: AgentId, limit: Limit = 50, offset: Offset = 0):
    """Where a body is named or charged: per document, what falls to it there (with its units
    and posts), counted by modality."""
    k = ctx.knowledge
    queries.agent(k, agent_id)

    def produce() -> dict:
        found = [convert.body_in_document(k, there) for there in queries.documents_of(k, agent_id)]
        return page(found, limit, offset)

    return ctx.respond(produce)
