"""/api/graph, /api/procedures, /api/leading-group: how bodies connect and how matters flow."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from dutygraph.graph import queries

from .. import convert, models
from ..context import Ctx, DocumentFilter, Limit, Offset, documents_filter, page
from ..examples import example

router = APIRouter(tags=["graph"])
AgentQuery = Annotated[str, Query(min_length=1, max_length=200, description="body or post id")]
ChainRelation = Literal["leads", "unit_of", "member_of", "submits_to", "guides", "supervises", "post_in"]


@router.get("/api/graph/path", response_model=models.PathAnswer, responses=example("path"))
async def path(ctx: Ctx, source: AgentQuery, target: AgentQuery):
    k = ctx.knowledge
    queries.agent(k, source)
    queries.agent(k, target)

    def produce() -> models.PathAnswer:
        found = queries.paths(k, k.agent_network, source, target)
        return models.PathAnswer(
            source=convert.actor_ref(k, source),
            target=convert.actor_ref(k, target),
            paths=[[models.Hop(**hop) for hop in p] for p in found],
        )

    return ctx.respond(produce)


def _public_id(node: str) -> str:
    """A node as the API names it: bodies, posts and duties by their ids (as everywhere in the
    API), anything else (levels, conditions, procedure steps…) by its typed node id."""
    kind, _, rest = node.partition("/")
    return rest if kind in ("body", "post", "duty") else node


@router.get(
    "/api/graph/neighbors/{agent_id}", response_model=models.Neighbourhood, responses=example("neighbors")
)
async def neighbors(
    ctx: Ctx,
    agent_id: Annotated[str, Path(max_length=200)],
    depth: Annotated[int, Query(ge=1, le=4, description="hops")] = 1,
):
    k = ctx.knowledge
    queries.agent(k, agent_id)

    def produce() -> models.Neighbourhood:
        distances = queries.neighbourhood(k, k.undirected, agent_id, depth)
        nodes = [
            models.Neighbour(
                id=_public_id(node),
                type=k.network.nodes[node]["type"],
                label_zh=k.network.nodes[node]["label_zh"],
                label_en=k.network.nodes[node]["label_en"],
                distance=distance,
            )
            for node, distance in sorted(distances.items(), key=lambda item: (item[1], item[0]))
        ]
        inside = set(distances)
        edges = sorted(
            (_public_id(u), _public_id(v), key)
            for u, v, key in k.network.edges(keys=True)
            if u in inside and v in inside
        )
        return models.Neighbourhood(
            center=convert.actor_ref(k, agent_id),
            depth=depth,
            nodes=nodes,
            edges=[models.Edge(source=u, target=v, relation=key) for u, v, key in edges],
        )

    return ctx.respond(produce)


@router.get("/api/graph/chain/{agent_id}", response_model=models.Chain, responses=example("chain"))
async def chain(
    ctx: Ctx, agent_id: Annotated[str, Path(max_length=200)], relation: ChainRelation = "submits_to"
):
    k = ctx.knowledge
    queries.agent(k, agent_id)

    def produce() -> models.Chain:
        found = queries.chain(k, k.agent_network, agent_id, relation)
        return models.Chain(
            start=convert.actor_ref(k, agent_id),
            relation=relation,
            chain=[convert.actor_ref(k, a) for a in found],
        )

    return ctx.respond(produce)


@router.get(
    "/api/graph/centrality", response_model=models.Page[models.CentralityRow], responses=example("centrality")
)
async def centrality(ctx: Ctx, limit: Limit = 20, offset: Offset = 0):
    k = ctx.knowledge

    def produce() -> dict:
        rows = [
            models.CentralityRow(
                **convert.actor_ref(k, row["id"]).model_dump(),
                **{f: row[f] for f in ("duties", "degree", "betweenness")},
            )
            for row in queries.centrality(k)
        ]
        return page(rows, limit, offset)

    return ctx.respond(produce)


@router.get("/api/graph/shared", response_model=models.SharedDuties, responses=example("shared"))
async def shared(ctx: Ctx, first: AgentQuery, second: AgentQuery):
    k = ctx.knowledge
    queries.agent(k, first)
    queries.agent(k, second)

    def produce() -> models.SharedDuties:
        pairs = queries.shared_duties(k, first, second)
        return models.SharedDuties(
            first=convert.actor_ref(k, first),
            second=convert.actor_ref(k, second),
            pairs=[[convert.duty(k, a), convert.duty(k, b)] for a, b in pairs],
        )

    return ctx.respond(produce)


@router.get("/api/procedures", response_model=models.Page[models.Procedure], responses=example("procedures"))
async def procedures(ctx: Ctx, document: DocumentFilter = None, limit: Limit = 50, offset: Offset = 0):
    k = ctx.knowledge
    documents = documents_filter(k, document)

    def produce() -> dict:
        found = [
            convert.procedure(k, m)
            for m in k.mechanisms
            if documents is None or m.source.document in documents
        ]
        return page(found, limit, offset)

    return ctx.respond(produce)


@router.get(
    "/api/leading-group", response_model=models.Page[models.Composition], responses=example("leading_group")
)
async def leading_group(ctx: Ctx, limit: Limit = 50, offset: Offset = 0):
    k = ctx.knowledge

    def produce() -> dict:
        groups = [
            models.Composition(
                condition=convert.condition_ref(k, group["condition"]),
                appointments=[convert.appointment(k, ap) for ap in group["appointments"]],
            )
            for group in queries.leading_group(k)
        ]
        return page(groups, limit, offset)

    return ctx.respond(produce)
