"""The corpus at a glance: documents by year and form, provisions by modality, the bodies
charged most often (and in how many documents)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .knowledge import Knowledge


@dataclass(frozen=True)
class Charged:
    agent: str  # agent id
    provisions: int
    documents: int


@dataclass(frozen=True)
class Overview:
    documents: int
    provisions: int
    by_year: list[tuple[int | None, int]]  # (year or None when undated, documents), oldest first
    by_form: list[tuple[str, str, int]]  # (form zh, form en, documents), most first
    by_modality: dict[str, int]
    drafted: int  # provisions of draft readings
    most_charged: list[Charged]


def overview(k: Knowledge, top: int = 20) -> Overview:
    years = Counter(doc.year for doc in k.documents.values())
    forms = Counter((doc.form_zh, doc.form_en) for doc in k.documents.values())
    per_agent = Counter(record.actor_id.split("/", 1)[-1] for record in k.duties.values())
    documents_of = {agent: len({r.document for r in records}) for agent, records in k.held_by.items()}
    return Overview(
        documents=len(k.documents),
        provisions=len(k.duties),
        by_year=sorted(years.items(), key=lambda item: (item[0] is None, item[0] or 0)),
        by_form=[(zh, en, n) for (zh, en), n in sorted(forms.items(), key=lambda item: (-item[1], item[0]))],
        by_modality=dict(Counter(record.modality for record in k.duties.values()).most_common()),
        drafted=sum(record.reading == "draft" for record in k.duties.values()),
        most_charged=[
            Charged(agent, n, documents_of.get(agent, 0))
            for agent, n in sorted(per_agent.items(), key=lambda item: (-item[1], item[0]))[:top]
        ],
    )
