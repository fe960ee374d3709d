"""What every route needs: the knowledge of the build and the answer cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from dutygraph.graph.knowledge import Knowledge

from .cache import ResponseCache

Modality = Literal["obligation", "permission", "encouragement"]
Level = Literal["central", "provincial", "prefectural", "county"]
Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")]


@dataclass(slots=True)
class Context:
    knowledge: Knowledge
    cache: ResponseCache
    request: Request

    def respond(self, key: tuple, produce):
        return self.cache.respond(self.request, key, produce)


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, and that hop cost
# a cached answer about 30% of its throughput (benchmarks/RESULTS.md).
async def context(request: Request) -> Context:
    state = request.app.state
    return Context(state.knowledge, state.cache, request)


Ctx = Annotated[Context, Depends(context)]


def page(items: list, limit: int, offset: int) -> dict:
    return {"total": len(items), "limit": limit, "offset": offset, "items": items[offset : offset + limit]}
