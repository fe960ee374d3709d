"""Everything the runtime answers from, read once from the built graph.

Plain records (agents, duties, relations, procedures, documents), the networkx projection
and the embedded pyoxigraph store. The data is immutable per build, so all of it is
computed at load and shared read-only by every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from dutygraph.ontology.iris import record_id, typed_id
from dutygraph.ontology.namespaces import DCTERMS, ELI, OA, ODRL, ORG, Namespaces
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .loaded import LoadedGraph, load
from .network import agent_view, edge_predicates, project
from .records import DutyRecord, agent_kind, duty_records, label, local_name, text_in
from .store import EmbeddedStore


@dataclass(frozen=True)
class Quote:
    document: str
    article: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Agent:
    """A body (organisation, unit, social group) or a post."""

    id: str
    type: str  # "body" | "post"
    kind: str
    label_zh: str
    label_en: str
    alt_zh: tuple[str, ...]
    alt_en: tuple[str, ...]
    parent: str | None  # the body a unit is a unit of, or a post is in
    kind_of: str | None
    mentions: tuple[Quote, ...]  # where each document names it, in document order


@dataclass(frozen=True)
class Relation:
    subject: str
    relation: str
    object: str
    condition: str | None
    source: Quote


@dataclass(frozen=True)
class Appointment:
    id: str
    holders: tuple[str, ...]
    appointed_to: str
    condition: str | None
    source: Quote


@dataclass(frozen=True)
class Step:
    order: int
    actor: str
    actor_implied: bool
    action_zh: str
    action_en: str
    object_zh: str
    object_en: str
    duty: str | None
    source: Quote


@dataclass(frozen=True)
class Mechanism:
    id: str
    label_zh: str
    label_en: str
    steps: tuple[Step, ...]
    source: Quote


@dataclass(frozen=True)
class Concept:
    id: str
    scheme: str  # "function" | "talent-category" | "condition" | "level"
    label_zh: str
    label_en: str
    source: Quote | None


@dataclass(frozen=True)
class Article:
    document: str
    number: int
    section: int | None
    heading: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    document: str
    number: int
    heading: str  # without its numeral: 充分认识…
    label: str  # as the text writes it: 一、充分认识…
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    id: str
    title_zh: str
    title_en: str
    language: str
    header_title: str
    header_number: str
    header_verified: bool
    header_note_zh: str
    header_note_en: str
    sha256: str
    articles: tuple[Article, ...]
    sections: tuple[Section, ...] = ()


@dataclass
class Knowledge:
    loaded: LoadedGraph
    store: EmbeddedStore
    agents: dict[str, Agent]
    duties: dict[str, DutyRecord]
    relations: list[Relation]
    appointments: list[Appointment]
    mechanisms: list[Mechanism]
    concepts: dict[str, Concept]
    documents: dict[str, Document]
    network: nx.MultiDiGraph
    # duty id → the concepts it serves / is about ("function/macro", "talent-category/…")
    duty_concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def agent_network(self) -> nx.MultiDiGraph:
        """Bodies and posts and the relations between them."""
        return agent_view(self.network)

    @cached_property
    def undirected(self) -> nx.Graph:
        """The whole projection without direction, for neighbourhoods."""
        return nx.Graph(self.network.to_undirected())

    @property
    def version(self) -> str:
        """Changes whenever any input of the build changes: the basis of ETags."""
        import hashlib

        inputs = sorted(self.loaded.manifest["inputs"].items())
        return hashlib.sha256(repr(inputs).encode()).hexdigest()[:16]


def _alt(graph: Graph, node: URIRef, lang: str) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in graph.objects(node, SKOS.altLabel) if v.language == lang))


def _short(iri: URIRef | None, ns: Namespaces) -> str:
    """'party-committee' for …/id/body/party-committee; '{doc}/a05-3' for a duty of {doc};
    'county' for dg:county."""
    return record_id(iri, ns)


def _mentions(graph: Graph, ns: Namespaces) -> dict[str, tuple[Quote, ...]]:
    """Register entry id → where the documents name it, by document, then offset."""
    found: dict[str, list[Quote]] = {}
    for mention in graph.subjects(RDF.type, ns.dg.Mention):
        agent = _short(graph.value(mention, ns.dg.mentionOf), ns)
        found.setdefault(agent, []).append(_quote(graph, mention, ns))
    return {
        agent: tuple(sorted(quotes, key=lambda q: (q.document, q.start))) for agent, quotes in found.items()
    }


def _quote(graph: Graph, node: URIRef, ns: Namespaces) -> Quote:
    source = graph.value(node, ns.dg.source)
    values: dict[URIRef, Literal] = {}
    for selector in graph.objects(source, OA.hasSelector):
        for predicate in (OA.exact, OA.start, OA.end):
            value = graph.value(selector, predicate)
            if value is not None:
                values[predicate] = value
    article = graph.value(node, ns.dg.article)
    return Quote(
        document=_short(graph.value(source, OA.hasSource), ns),
        article=int(graph.value(article, ELI.number)),
        text=str(values[OA.exact]),
        start=int(values[OA.start]),
        end=int(values[OA.end]),
    )


def _agents(graph: Graph, ns: Namespaces) -> dict[str, Agent]:
    agents, mentions = {}, _mentions(graph, ns)
    for cls, agent_type in ((ORG.Organization, "body"), (ORG.Post, "post")):
        for node in graph.subjects(RDF.type, cls):
            parent = graph.value(node, ORG.unitOf) or graph.value(node, ORG.postIn)
            agent = Agent(
                id=_short(node, ns),
                type=agent_type,
                kind=agent_kind(graph, node, ns),
                label_zh=label(graph, node, "zh"),
                label_en=label(graph, node, "en"),
                alt_zh=_alt(graph, node, "zh"),
                alt_en=_alt(graph, node, "en"),
                parent=_short(parent, ns) or None,
                kind_of=_short(graph.value(node, ns.dg.isKindOf), ns) or None,
                mentions=mentions.get(_short(node, ns), ()),
            )
            agents[agent.id] = agent
    return dict(sorted(agents.items()))


def _relations(graph: Graph, ns: Namespaces, network_names: dict[URIRef, str]) -> list[Relation]:
    found = []
    for statement in graph.subjects(RDF.type, ns.dg.RelationStatement):
        predicate = graph.value(statement, RDF.predicate)
        found.append(
            Relation(
                subject=_short(graph.value(statement, RDF.subject), ns),
                relation=network_names.get(predicate, local_name(predicate, ns)),
                object=_short(graph.value(statement, RDF.object), ns),
                condition=_short(graph.value(statement, ns.dg.condition), ns) or None,
                source=_quote(graph, statement, ns),
            )
        )
    return sorted(found, key=lambda r: (r.source.start, r.subject, r.relation, r.object))


def _appointments(graph: Graph, ns: Namespaces) -> list[Appointment]:
    found = []
    for node in graph.subjects(RDF.type, ns.dg.ExOfficioAppointment):
        found.append(
            Appointment(
                id=_short(node, ns),
                holders=tuple(sorted(_short(h, ns) for h in graph.objects(node, ns.dg.holder))),
                appointed_to=_short(graph.value(node, ns.dg.appointedTo), ns),
                condition=_short(graph.value(node, ns.dg.condition), ns) or None,
                source=_quote(graph, node, ns),
            )
        )
    return sorted(found, key=lambda a: (a.source.start, a.id))


def _mechanisms(graph: Graph, ns: Namespaces) -> list[Mechanism]:
    dg, found = ns.dg, []
    for node in graph.subjects(RDF.type, dg.Mechanism):
        steps = []
        for step in graph.objects(node, dg.step):
            action = graph.value(step, ODRL.action)
            steps.append(
                Step(
                    order=int(graph.value(step, dg.order)),
                    actor=_short(graph.value(step, dg.actor), ns),
                    actor_implied=bool(graph.value(step, dg.actorImplied).toPython()),
                    action_zh=label(graph, action, "zh"),
                    action_en=label(graph, action, "en"),
                    object_zh=text_in(graph, step, dg.object, "zh"),
                    object_en=text_in(graph, step, dg.object, "en"),
                    duty=_short(graph.value(step, dg.basedOn), ns) or None,
                    source=_quote(graph, step, ns),
                )
            )
        found.append(
            Mechanism(
                id=_short(node, ns),
                label_zh=label(graph, node, "zh"),
                label_en=label(graph, node, "en"),
                steps=tuple(sorted(steps, key=lambda s: s.order)),
                source=_quote(graph, node, ns),
            )
        )
    return sorted(found, key=lambda m: m.source.start)


def _concepts(graph: Graph, ns: Namespaces) -> dict[str, Concept]:
    dg, found = ns.dg, {}
    for cls, scheme in (
        (dg.Function, "function"),
        (dg.TalentCategory, "talent-category"),
        (dg.Condition, "condition"),
        (dg.AdministrativeLevel, "level"),
    ):
        for node in graph.subjects(RDF.type, cls):
            sourced = graph.value(node, dg.source) is not None
            concept = Concept(
                id=_short(node, ns),
                scheme=scheme,
                label_zh=label(graph, node, "zh"),
                label_en=label(graph, node, "en"),
                source=_quote(graph, node, ns) if sourced else None,
            )
            found[f"{scheme}/{concept.id}"] = concept
    return dict(sorted(found.items()))


def _documents(graph: Graph, ns: Namespaces) -> dict[str, Document]:
    dg, found = ns.dg, {}
    for doc in graph.subjects(dg.sha256, None):
        doc_id = _short(doc, ns)
        articles = []
        for article in graph.subjects(RDF.type, dg.Article):
            if not str(article).startswith(f"{doc}/"):
                continue
            section = graph.value(article, ELI.is_part_of)
            articles.append(
                Article(
                    document=doc_id,
                    number=int(graph.value(article, ELI.number)),
                    section=int(graph.value(section, ELI.number))
                    if (section, RDF.type, dg.Section) in graph
                    else None,
                    heading=text_in(graph, article, dg.heading),
                    text=text_in(graph, article, dg.text),
                    start=int(graph.value(article, dg.startOffset)),
                    end=int(graph.value(article, dg.endOffset)),
                )
            )
        found[doc_id] = Document(
            id=doc_id,
            title_zh=text_in(graph, doc, DCTERMS.title, "zh"),
            title_en=text_in(graph, doc, DCTERMS.title, "en"),
            language=text_in(graph, doc, DCTERMS.language),
            header_title=text_in(graph, doc, dg.headerTitle),
            header_number=text_in(graph, doc, dg.headerNumber),
            header_verified=bool(graph.value(doc, dg.headerVerified).toPython()),
            header_note_zh=text_in(graph, doc, SKOS.note, "zh"),
            header_note_en=text_in(graph, doc, SKOS.note, "en"),
            sha256=text_in(graph, doc, dg.sha256),
            articles=tuple(sorted(articles, key=lambda a: a.number)),
            sections=_sections(graph, ns, doc, doc_id),
        )
    return dict(sorted(found.items()))


def _sections(graph: Graph, ns: Namespaces, doc: URIRef, doc_id: str) -> tuple[Section, ...]:
    dg, found = ns.dg, []
    for section in graph.subjects(RDF.type, dg.Section):
        if not str(section).startswith(f"{doc}/"):
            continue
        found.append(
            Section(
                document=doc_id,
                number=int(graph.value(section, ELI.number)),
                heading=text_in(graph, section, dg.heading),
                label=label(graph, section, "zh"),
                start=int(graph.value(section, dg.startOffset)),
                end=int(graph.value(section, dg.endOffset)),
            )
        )
    return tuple(sorted(found, key=lambda s: s.number))


def _duty_concepts(graph: Graph, ns: Namespaces) -> dict[str, tuple[str, ...]]:
    dg, found = ns.dg, {}
    for duty in graph.subjects(RDF.type, dg.Provision):
        values = [typed_id(f, ns) for f in graph.objects(duty, dg.servesFunction)]
        values += [typed_id(c, ns) for c in graph.objects(duty, dg.concernsTalentCategory)]
        found[_short(duty, ns)] = tuple(sorted(values))
    return found


def build_knowledge(loaded: LoadedGraph) -> Knowledge:
    graph, ns = loaded.union, loaded.ns
    network = project(graph, ns)
    edge_names = {predicate: name for name, predicate in edge_predicates(ns).items()}
    return Knowledge(
        loaded=loaded,
        store=EmbeddedStore.from_folder(loaded.folder),
        agents=_agents(graph, ns),
        duties={record.id: record for record in duty_records(graph, ns)},
        relations=_relations(graph, ns, edge_names),
        appointments=_appointments(graph, ns),
        mechanisms=_mechanisms(graph, ns),
        concepts=_concepts(graph, ns),
        documents=_documents(graph, ns),
        network=network,
        duty_concepts=_duty_concepts(graph, ns),
    )


def load_knowledge(folder: Path = DEFAULT_BUILD_DIR) -> Knowledge:
    return build_knowledge(load(folder))
