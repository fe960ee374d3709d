"""/api/overview: the corpus at a glance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dutygraph.graph.overview import overview

from .. import convert, models
from ..context import Ctx
from ..examples import example

router = APIRouter(tags=["documents"])


@router.get("/api/overview", response_model=models.Overview, responses=example("overview"))
async def corpus_overview(
    ctx: Ctx, top: Annotated[int, Query(ge=1, le=200, description="how many of the most charged bodies")] = 20
):
    k = ctx.knowledge

    def produce() -> models.Overview:
        found = overview(k, top)
        return models.Overview(
            documents=found.documents,
            provisions=found.provisions,
            drafted=found.drafted,
            by_year=[models.YearCount(year=year, documents=n) for year, n in found.by_year],
            by_form=[models.FormCount(form_zh=zh, form_en=en, documents=n) for zh, en, n in found.by_form],
            by_modality=found.by_modality,
            most_charged=[
                models.ChargedBody(
                    actor=convert.actor_ref(k, c.agent), provisions=c.provisions, documents=c.documents
                )
                for c in found.most_charged
            ],
        )

    return ctx.respond(produce)
