"""What every route needs: the knowledge of the build and the answer cache."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from dutygraph.graph.knowledge import Knowledge

from .cache import ResponseCache

Limit = Annotated[int, Query(ge=1, le=500, description="items per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="items to skip")]
T = TypeVar("T", str, int)


@dataclass(slots=True)
class Context:
    knowledge: Knowledge
    cache: ResponseCache
    request: Request

    def respond(self, produce):
        """produce()'s JSON, computed once per request target: the key is the path and the
        query string as sent, so that no parameter a route reads can be left out of it (the
        data does not change while serving; only the build version is in the ETag)."""
        scope = self.request.scope
        return self.cache.respond(self.request, (scope["path"], scope.get("query_string", b"")), produce)


# `async def`: FastAPI runs a plain `def` dependency in its thread pool, and that hop cost
# a cached answer about 30% of its throughput (benchmarks/RESULTS.md).
async def context(request: Request) -> Context:
    state = request.app.state
    return Context(state.knowledge, state.cache, request)


Ctx = Annotated[Context, Depends(context)]


DocumentFilter = Annotated[
    list[str] | None,
    Query(max_length=200, description="only what these documents say (repeatable: document=a&document=b)"),
]


def documents_filter(knowledge: Knowledge, documents: list[str] | None) -> frozenset[str] | None:
    """The documents asked for, each one that the graph holds (else a 422 listing them)."""
    if not documents:
        return None
    for doc in documents:
        one_of("document", doc, list(knowledge.documents))
    return frozenset(documents)


def page(items: list, limit: int, offset: int) -> dict:
    return {"total": len(items), "limit": limit, "offset": offset, "items": items[offset : offset + limit]}


def one_of(field: str, value: T, allowed: Sequence[T]) -> T:
    """`value` if it is one of `allowed`, else a 422 naming the field and what it may be.

    For filters whose values come from the data (a body kind, an article number): a value
    that cannot match would otherwise be a 200 with nothing in it, while a fixed-valued one
    (`level=nosuch`) is FastAPI's 422. This answers in that same shape, so a client reads
    both alike."""
    if value in allowed:
        return value
    names = [repr(item) for item in allowed]
    expected = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    error = {
        "type": "literal_error",
        "loc": ("query", field),
        "msg": f"Input should be {expected}",
        "input": value,
        "ctx": {"expected": expected},
    }
    raise RequestValidationError([error])
