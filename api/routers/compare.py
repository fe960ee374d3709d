"""/api/compare: two documents (two versions of a regulation, say), provision by provision."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from dutygraph.graph.compare import compare
from dutygraph.graph.knowledge import Article

from .. import convert, models
from ..context import Ctx, one_of
from ..examples import example

router = APIRouter(tags=["documents"])
Status = Literal["unchanged", "changed", "removed", "added"]


@router.get("/api/compare", response_model=models.Comparison, responses=example("compare"))
async def compare_documents(
    ctx: Ctx,
    first: Annotated[str, Query(max_length=200, description="a document id: the earlier version, say")],
    second: Annotated[str, Query(max_length=200, description="a document id: the later version")],
    status: Annotated[
        list[Status] | None, Query(description="only provisions of these statuses (repeatable); default all")
    ] = None,
):
    k = ctx.knowledge
    one_of("first", first, list(k.documents))
    one_of("second", second, list(k.documents))
    shown = set(status or ("unchanged", "changed", "removed", "added"))

    def produce() -> models.Comparison:
        found = compare(k, first, second)
        bodies = []
        for actor, aligned in found.provisions.items():
            counts = {
                s: sum(a.status == s for a in aligned) for s in ("unchanged", "changed", "removed", "added")
            }
            kept = [a for a in aligned if a.status in shown]
            if not kept:
                continue
            bodies.append(
                models.ComparedBody(
                    actor=convert.actor_ref(k, actor.split("/", 1)[-1]),
                    counts=counts,
                    provisions=[
                        models.AlignedProvision(
                            status=a.status,  # type: ignore[arg-type]
                            changes=list(a.changes),  # type: ignore[arg-type]
                            similarity=a.similarity,
                            first=convert.duty(k, a.first) if a.first else None,
                            second=convert.duty(k, a.second) if a.second else None,
                        )
                        for a in kept
                    ],
                )
            )
        # the bodies whose duties changed most first, then by name
        bodies.sort(
            key=lambda b: (-(b.counts["changed"] + b.counts["removed"] + b.counts["added"]), b.actor.id)
        )
        return models.Comparison(
            first=first,
            second=second,
            counts=found.counts(),
            bodies=bodies,
            articles=[
                models.AlignedArticle(
                    status=a.status,  # type: ignore[arg-type]
                    similarity=a.similarity,
                    first=_offsets(a.first),
                    second=_offsets(a.second),
                    first_number=a.first.number if a.first else None,
                    second_number=a.second.number if a.second else None,
                )
                for a in found.articles
            ],
        )

    return ctx.respond(produce)


def _offsets(article: Article | None) -> models.SourceRef | None:
    if article is None:
        return None
    return models.SourceRef(document=article.document, start=article.start, end=article.end)
