"""Plain records read off the RDF: what exports, queries and the API hand to people."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from dutygraph.ontology.iris import record_id, typed_id
from dutygraph.ontology.namespaces import ELI, OA, ODRL, ORG, Namespaces


def text_in(graph: Graph, node: URIRef, predicate: URIRef, lang: str | None = None) -> str:
    """The first literal of `predicate` in language `lang` (any literal when None)."""
    for value in graph.objects(node, predicate):
        if isinstance(value, Literal) and (lang is None or value.language == lang):
            return str(value)
    return ""


def label(graph: Graph, node: URIRef, lang: str) -> str:
    return text_in(graph, node, SKOS.prefLabel, lang)


@dataclass(frozen=True)
class DutyRecord:
    id: str
    iri: str
    actor_id: str
    actor_label_zh: str
    actor_label_en: str
    actor_kind: str
    actor_implied: bool
    modality: str
    action_zh: str
    action_en: str
    object_zh: str
    object_en: str
    document: str
    article: int
    levels: tuple[str, ...]
    conditions: tuple[str, ...]
    condition_zh: str
    condition_en: str
    quote_zh: str
    start: int
    end: int
    guided_by: str  # the id of the guiding provision whose sentence lays this one on the actor, or ""


def local_name(iri: URIRef, ns: Namespaces) -> str:
    """The part of an IRI after the data or ontology namespace."""
    text = str(iri)
    for base in (ns.data, ns.ontology):
        text = text.removeprefix(base)
    return text


def agent_kind(graph: Graph, agent: URIRef, ns: Namespaces) -> str:
    """'post', or the body kind ('party-organization', 'employer', …)."""
    if (agent, RDF.type, ORG.Post) in graph:
        return "post"
    kind = graph.value(agent, ORG.classification)
    return local_name(kind, ns).removeprefix("kind-") if kind else ""


def duty_record(graph: Graph, duty: URIRef, ns: Namespaces) -> DutyRecord:
    dg = ns.dg
    actor = graph.value(duty, ODRL.assignee)
    action = graph.value(duty, ODRL.action)
    source = graph.value(duty, dg.source)
    quote = position = None
    for selector in graph.objects(source, OA.hasSelector):
        if (selector, RDF.type, OA.TextQuoteSelector) in graph:
            quote = selector
        else:
            position = selector
    document = graph.value(source, OA.hasSource)
    article = graph.value(duty, dg.article)
    conditions = sorted(graph.objects(duty, dg.condition), key=str)
    levels = sorted(
        graph.objects(duty, dg.appliesAtLevel), key=lambda lvl: -int(graph.value(lvl, dg.rank) or 0)
    )
    return DutyRecord(
        id=record_id(duty, ns),
        iri=str(duty),
        actor_id=typed_id(actor, ns),
        actor_label_zh=label(graph, actor, "zh"),
        actor_label_en=label(graph, actor, "en"),
        actor_kind=agent_kind(graph, actor, ns),
        actor_implied=bool(graph.value(duty, dg.actorImplied).toPython()),
        modality=local_name(graph.value(duty, dg.modality), ns),
        action_zh=label(graph, action, "zh"),
        action_en=label(graph, action, "en"),
        object_zh=text_in(graph, duty, dg.object, "zh"),
        object_en=text_in(graph, duty, dg.object, "en"),
        document=record_id(document, ns),
        article=int(graph.value(article, ELI.number)),
        levels=tuple(local_name(lvl, ns) for lvl in levels),
        conditions=tuple(record_id(c, ns) for c in conditions),
        condition_zh="；".join(label(graph, c, "zh") for c in conditions),
        condition_en="; ".join(label(graph, c, "en") for c in conditions),
        quote_zh=str(graph.value(quote, OA.exact)),
        start=int(graph.value(position, OA.start)),
        end=int(graph.value(position, OA.end)),
        guided_by=record_id(graph.value(duty, dg.guidedBy), ns),
    )


def duty_records(graph: Graph, ns: Namespaces) -> list[DutyRecord]:
    """Every provision, in document order (article, then position)."""
    duties = set(graph.subjects(RDF.type, ns.dg.Provision))
    records = [duty_record(graph, duty, ns) for duty in duties]  # type: ignore[arg-type]
    return sorted(records, key=lambda r: (r.document, r.start, r.id))
