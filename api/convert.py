"""Records of the graph → response models. The only place that shapes API answers."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Appointment, Document, DutyRecord, Knowledge, Mechanism, Step
from dutygraph.graph.knowledge import Quote as QuoteRecord
from dutygraph.ontology.values import MODALITIES

from . import models

Model = TypeVar("Model", bound=BaseModel)


def shaped(model: type[Model], record: object, **given: Any) -> Model:
    """`model` with every field the record has under the same name, and `given` for the rest
    (so that a field added to both needs no line here)."""
    same = {name: getattr(record, name) for name in model.model_fields if hasattr(record, name)}
    return model(**{**same, **given})


def actor_ref(k: Knowledge, agent_id: str) -> models.ActorRef:
    agent = k.agents[agent_id]
    kind = "post" if agent.type == "post" else agent.kind
    return models.ActorRef(id=agent.id, label_zh=agent.label_zh, label_en=agent.label_en, kind=kind)


def condition_ref(k: Knowledge, condition_id: str | None) -> models.Labelled | None:
    if condition_id is None:
        return None
    concept = k.concepts[f"condition/{condition_id}"]
    return models.Labelled(id=concept.id, label_zh=concept.label_zh, label_en=concept.label_en)


def quote(source: QuoteRecord) -> models.Quote:
    return models.Quote(
        document=source.document,
        start=source.start,
        end=source.end,
        article=source.article,
        text_zh=source.text,
    )


def section_of(k: Knowledge, document: str, article: int) -> int | None:
    for candidate in k.documents[document].articles:
        if candidate.number == article:
            return candidate.section
    return None


def duty(k: Knowledge, record: DutyRecord, via: str | None = None) -> models.Duty:
    return shaped(
        models.Duty,
        record,
        actor=actor_ref(k, record.actor_id.split("/", 1)[-1]),
        text_zh=record.quote_zh,
        section=section_of(k, record.document, record.article),
        conditions=[condition_ref(k, c) for c in record.conditions],
        source=models.SourceRef(document=record.document, start=record.start, end=record.end),
        via=via,
        guided_by=record.guided_by or None,
    )


def body(k: Knowledge, agent_id: str) -> models.Body:
    agent = k.agents[agent_id]
    children = [k.agents[child] for child in k.children.get(agent_id, ())]
    held = queries.duties_of(k, agent_id, include_parts=False)
    by_modality = {m: sum(h.duty.modality == m for h in held) for m in MODALITIES}
    relations = []
    for rel in k.relations:
        if agent_id not in (rel.subject, rel.object):
            continue
        outgoing = rel.subject == agent_id
        relations.append(
            models.Relation(
                relation=rel.relation,
                direction="outgoing" if outgoing else "incoming",
                other=actor_ref(k, rel.object if outgoing else rel.subject),
                condition=condition_ref(k, rel.condition),
                source=quote(rel.source),
            )
        )
    ref = actor_ref(k, agent_id)
    return models.Body(
        **ref.model_dump(),
        type=agent.type,  # type: ignore[arg-type]
        alt_zh=list(agent.alt_zh),
        alt_en=list(agent.alt_en),
        parent=actor_ref(k, agent.parent) if agent.parent else None,
        kind_of=actor_ref(k, agent.kind_of) if agent.kind_of else None,
        units=[actor_ref(k, c.id) for c in children if c.type == "body"],
        posts=[actor_ref(k, c.id) for c in children if c.type == "post"],
        duty_count=len(held),
        duties_by_modality=by_modality,
        relations=relations,
        mentions=[quote(m) for m in agent.mentions],
    )


def body_in_document(k: Knowledge, found: queries.BodyInDocument) -> models.BodyInDocument:
    doc = k.documents[found.document]
    return models.BodyInDocument(
        document=found.document,
        title_zh=doc.title_zh,
        title_en=doc.title_en,
        named=found.named,
        duty_count=len(found.held),
        by_modality={m: sum(h.duty.modality == m for h in found.held) for m in MODALITIES},  # type: ignore[misc]
        articles=sorted({h.duty.article for h in found.held}),
    )


def document(k: Knowledge, doc: Document) -> models.Document:
    return shaped(
        models.Document,
        doc,
        duty_count=len(k.in_document.get(doc.id, ())),
        articles=[shaped(models.ArticleSummary, a) for a in doc.articles],
        events=[shaped(models.DocumentEvent, e) for e in doc.events],
    )


def step(k: Knowledge, s: Step) -> models.Step:
    return shaped(models.Step, s, actor=actor_ref(k, s.actor), source=quote(s.source))


def procedure(k: Knowledge, m: Mechanism) -> models.Procedure:
    return shaped(
        models.Procedure,
        m,
        article=m.source.article,
        source=quote(m.source),
        steps=[step(k, s) for s in m.steps],
    )


def appointment(k: Knowledge, ap: Appointment) -> models.Appointment:
    return shaped(
        models.Appointment,
        ap,
        holders=[actor_ref(k, h) for h in ap.holders],
        appointed_to=actor_ref(k, ap.appointed_to),
        source=quote(ap.source),
    )
