"""Everything the runtime answers from, read once from the store with a few SELECT queries.

Plain records (agents, duties, relations, procedures, documents) and the networkx
projection, read through `graph/store.py` from the embedded store or a remote one alike: no
rdflib graph is loaded, so start-up time and memory grow with what is served and not with
a second copy of every triple. The data is immutable per version of the store, so all of it
is computed at load and shared read-only by every request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import networkx as nx
import pyoxigraph

from dutygraph.ontology.iris import record_id, typed_id
from dutygraph.ontology.metadata import link_versions
from dutygraph.ontology.namespaces import ODRL, Namespaces
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .network import NODE_CLASSES, agent_view, edge_predicates
from .store import EmbeddedStore, Row, Store, StoreError

PREFIXES = """
PREFIX dg: <{dg}>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX odrl: <http://www.w3.org/ns/odrl/2/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX vann: <http://purl.org/vocab/vann/>
PREFIX void: <http://rdfs.org/ns/void#>
"""

# where a thing is said: its source's document, quote and offsets, and its article's number
QUOTED = """
  ?node dg:source ?source ; dg:article ?articleNode .
  ?articleNode eli:number ?article .
  ?source oa:hasSource ?document ; oa:hasSelector ?quoteSelector, ?positionSelector .
  ?quoteSelector oa:exact ?exact .
  ?positionSelector oa:start ?start ; oa:end ?end ."""


def labelled(node: str, name: str) -> str:
    """OPTIONAL patterns binding ?{name}_zh and ?{name}_en to the node's preferred labels."""
    return "".join(
        f'\n  OPTIONAL {{ {node} skos:prefLabel ?{name}_{lang} . FILTER (lang(?{name}_{lang}) = "{lang}") }}'
        for lang in ("zh", "en")
    )


# -- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    document: str
    article: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Agent:
    """A body (organisation, unit, social group) or a post: an entry of the register."""

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
class DutyRecord:
    id: str
    iri: str
    actor_id: str  # typed: body/… or post/…
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
    reading: str = "curated"  # or "draft": drafted by `dutygraph ingest`, not yet reviewed
    confidence: float | None = None  # a draft's: how sure the drafting rules are


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
    reading: str = "curated"  # or "draft": its reading was drafted by `dutygraph ingest`
    # what the text says of itself (ontology/metadata.py): "" / None where it says nothing
    form_zh: str = ""  # 条例, 意见, 通知 …
    form_en: str = ""
    category: str = ""  # 行政法规, 部门规章, 党内法规
    issuer: str = ""  # as written: 国务院, 中共中央办公厅 …
    number: str = ""  # 国发〔2018〕39号, 中华人民共和国国务院令第306号
    date: str = ""  # ISO date of the document (eli:date_document)
    year: int | None = None
    events: tuple[DocumentEvent, ...] = ()
    revises: str = ""  # the document this one is a later version of (same title, earlier date)
    revised_by: str = ""


@dataclass(frozen=True)
class DocumentEvent:
    kind: str  # adopted | approved | promulgated | issued | effective | revised | amended | abolished
    date: str  # ISO: yyyy-mm-dd, or yyyy; "" when relative (自发布之日起施行)
    body: str  # as written: 国务院第28次常务会议, 国务院令第306号 …
    text: str  # the words it is read from
    start: int
    end: int


@dataclass
class Knowledge:
    store: Store
    ns: Namespaces
    version: str  # the store's: changes exactly when the data does; the basis of ETags
    agents: dict[str, Agent]
    duties: dict[str, DutyRecord]
    relations: list[Relation]
    appointments: list[Appointment]
    mechanisms: list[Mechanism]
    concepts: dict[str, Concept]
    documents: dict[str, Document]
    texts: dict[str, str]  # document id → the cleaned text the offsets index
    network: nx.MultiDiGraph
    triples: int
    # duty id → the concepts it serves / is about ("function/{doc}/macro", …)
    duty_concepts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def agent_network(self) -> nx.MultiDiGraph:
        """Bodies and posts and the relations between them."""
        return agent_view(self.network)

    @cached_property
    def held_by(self) -> dict[str, tuple[DutyRecord, ...]]:
        """Agent id → the provisions it holds itself, in document order."""
        held: dict[str, list[DutyRecord]] = defaultdict(list)
        for record in self.duties.values():
            held[record.actor_id.split("/", 1)[1]].append(record)
        return {agent: tuple(records) for agent, records in held.items()}

    @cached_property
    def in_document(self) -> dict[str, tuple[DutyRecord, ...]]:
        """Document id → its provisions, in document order (a scan of every provision per
        document listed took 18 s for the corpus's 725 documents)."""
        found: dict[str, list[DutyRecord]] = defaultdict(list)
        for record in self.duties.values():
            found[record.document].append(record)
        return {doc: tuple(records) for doc, records in found.items()}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        """Agent id → its units and posts (the agents whose parent it is), sorted by id."""
        found: dict[str, list[str]] = defaultdict(list)
        for a in self.agents.values():
            if a.parent:
                found[a.parent].append(a.id)
        return {parent: tuple(sorted(ids)) for parent, ids in found.items()}

    @cached_property
    def duty_position(self) -> dict[str, int]:
        """Provision id → its place in `duties` (document order), to merge per-agent lists."""
        return {duty_id: n for n, duty_id in enumerate(self.duties)}

    @cached_property
    def undirected(self) -> nx.Graph:
        """The whole projection without direction, for neighbourhoods."""
        return nx.Graph(self.network.to_undirected())


# -- reading rows ----------------------------------------------------------------------------


def value(row: Row, name: str) -> str:
    """A term's lexical value (an IRI's text), '' when unbound."""
    term = row.get(name)
    return term.value if term is not None else ""


def number(row: Row, name: str) -> int:
    return int(value(row, name))


def truth(row: Row, name: str) -> bool:
    return value(row, name) in ("true", "1")


class Reader:
    """Runs this module's queries against one store, in the data's namespaces."""

    def __init__(self, store: Store, ns: Namespaces) -> None:
        self.store, self.ns = store, ns
        self.prefixes = PREFIXES.format(dg=ns.ontology)

    def rows(self, body: str) -> list[Row]:
        return self.store.select(self.prefixes + body, timeout=120.0, data_vocabulary=True)

    def id(self, row: Row, name: str) -> str:
        """The id people see of the IRI bound to `name` ('' when unbound)."""
        return record_id(value(row, name), self.ns) if name in row else ""

    def typed(self, row: Row, name: str) -> str:
        return typed_id(value(row, name), self.ns)

    def quote(self, row: Row) -> Quote:
        return Quote(
            document=self.id(row, "document"),
            article=number(row, "article"),
            text=value(row, "exact"),
            start=number(row, "start"),
            end=number(row, "end"),
        )

    def kind(self, row: Row, name: str = "kind") -> str:
        """'party-organization' for dg:kind-party-organization."""
        return value(row, name).removeprefix(self.ns.ontology).removeprefix("kind-")


def namespaces_of(store: Store) -> Namespaces:
    """The namespaces the data was built in: the ontology's (vann) and the register's (void)."""
    rows = store.select(
        PREFIXES.format(dg="urn:unused#")
        + "SELECT ?ontology ?data WHERE { ?o vann:preferredNamespaceUri ?ontology . "
        "?r void:uriSpace ?data }",
        timeout=30.0,
        data_vocabulary=True,
    )
    if len(rows) != 1:
        raise StoreError(store.name, "holds no dutygraph build (no ontology and register namespaces found)")
    return Namespaces(value(rows[0], "ontology"), value(rows[0], "data"))


# -- the register and the mentions ------------------------------------------------------------


def read_agents(r: Reader) -> dict[str, Agent]:
    rows = r.rows(
        """
SELECT ?agent ?type ?kind ?parent ?kindOf ?label_zh ?label_en WHERE {
  { ?agent a org:Organization BIND ("body" AS ?type)
    OPTIONAL { ?agent org:classification ?kind } OPTIONAL { ?agent org:unitOf ?parent } }
  UNION
  { ?agent a org:Post BIND ("post" AS ?type) OPTIONAL { ?agent org:postIn ?parent } }
  OPTIONAL { ?agent dg:isKindOf ?kindOf }"""
        + labelled("?agent", "label")
        + "\n}"
    )
    alts: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"zh": [], "en": []})
    for row in r.rows(
        "SELECT ?agent ?alt WHERE { VALUES ?c { org:Organization org:Post } "
        "?agent skos:altLabel ?alt ; a ?c }"
    ):
        alt = row["alt"]
        if isinstance(alt, pyoxigraph.Literal) and alt.language in ("zh", "en"):
            alts[r.id(row, "agent")][alt.language].append(alt.value)
    mentions = read_mentions(r)
    agents = {}
    for row in rows:
        agent_id = r.id(row, "agent")
        kind = "post" if value(row, "type") == "post" else r.kind(row)
        agents[agent_id] = Agent(
            id=agent_id,
            type=value(row, "type"),
            kind=kind,
            label_zh=value(row, "label_zh"),
            label_en=value(row, "label_en"),
            alt_zh=tuple(sorted(set(alts[agent_id]["zh"]))),
            alt_en=tuple(sorted(set(alts[agent_id]["en"]))),
            parent=r.id(row, "parent") or None,
            kind_of=r.id(row, "kindOf") or None,
            mentions=mentions.get(agent_id, ()),
        )
    return dict(sorted(agents.items()))


def read_mentions(r: Reader) -> dict[str, tuple[Quote, ...]]:
    """Register entry id → where the documents name it, by document, then offset."""
    found: dict[str, set[Quote]] = defaultdict(set)
    rows = r.rows("SELECT * WHERE { ?node a dg:Mention ; dg:mentionOf ?agent ." + QUOTED + "\n}")
    for row in rows:
        found[r.id(row, "agent")].add(r.quote(row))
    return {
        agent: tuple(sorted(quotes, key=lambda q: (q.document, q.start))) for agent, quotes in found.items()
    }


# -- what the documents say ----------------------------------------------------------------------


def read_duties(r: Reader, agents: dict[str, Agent]) -> dict[str, DutyRecord]:
    rows = r.rows(
        """
SELECT * WHERE {
  ?node a dg:Provision ;
        odrl:assignee ?actor ;
        dg:actorImplied ?implied ;
        dg:modality ?modality ;
        odrl:action ?action .
  OPTIONAL { ?node dg:guidedBy ?guidedBy }
  OPTIONAL { ?node dg:reading ?reading }
  OPTIONAL { ?node dg:confidence ?confidence }"""
        + labelled("?action", "action")
        + "".join(
            f'\n  OPTIONAL {{ ?node dg:object ?object_{lang} . FILTER (lang(?object_{lang}) = "{lang}") }}'
            for lang in ("zh", "en")
        )
        + QUOTED
        + "\n}"
    )
    levels: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in r.rows(
        "SELECT ?node ?level ?rank WHERE { ?node dg:appliesAtLevel ?level . ?level dg:rank ?rank }"
    ):
        levels[r.id(row, "node")].append((number(row, "rank"), r.id(row, "level")))
    conditions: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in r.rows(
        "SELECT ?node ?condition ?label_zh ?label_en WHERE { ?node a dg:Provision ; dg:condition ?condition ."
        + labelled("?condition", "label")
        + "\n}"
    ):
        conditions[r.id(row, "node")].append(
            (value(row, "condition"), value(row, "label_zh"), value(row, "label_en"))
        )
    records = []
    for row in rows:
        duty_id, actor = r.id(row, "node"), agents[r.id(row, "actor")]
        held = sorted(set(conditions[duty_id]))
        records.append(
            DutyRecord(
                id=duty_id,
                iri=value(row, "node"),
                actor_id=f"{actor.type}/{actor.id}",
                actor_label_zh=actor.label_zh,
                actor_label_en=actor.label_en,
                actor_kind=actor.kind,
                actor_implied=truth(row, "implied"),
                modality=value(row, "modality").removeprefix(r.ns.ontology),
                action_zh=value(row, "action_zh"),
                action_en=value(row, "action_en"),
                object_zh=value(row, "object_zh"),
                object_en=value(row, "object_en"),
                document=r.id(row, "document"),
                article=number(row, "article"),
                levels=tuple(level for _, level in sorted(set(levels[duty_id]), key=lambda x: -x[0])),
                conditions=tuple(record_id(iri, r.ns) for iri, _, _ in held),
                condition_zh="；".join(zh for _, zh, _ in held),
                condition_en="; ".join(en for _, _, en in held),
                quote_zh=value(row, "exact"),
                start=number(row, "start"),
                end=number(row, "end"),
                guided_by=r.id(row, "guidedBy"),
                reading="draft" if value(row, "reading").endswith("#draft") else "curated",
                confidence=float(value(row, "confidence")) if value(row, "confidence") else None,
            )
        )
    records.sort(key=lambda d: (d.document, d.start, d.id))
    return {record.id: record for record in records}


def read_relations(r: Reader, edge_names: dict[str, str]) -> list[Relation]:
    rows = r.rows(
        """
SELECT * WHERE {
  ?node a dg:RelationStatement ; rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object .
  OPTIONAL { ?node dg:condition ?condition }"""
        + QUOTED
        + "\n}"
    )
    found = {
        Relation(
            subject=r.id(row, "subject"),
            relation=edge_names.get(value(row, "predicate"), record_id(value(row, "predicate"), r.ns)),
            object=r.id(row, "object"),
            condition=r.id(row, "condition") or None,
            source=r.quote(row),
        )
        for row in rows
    }
    return sorted(found, key=lambda x: (x.source.document, x.source.start, x.subject, x.relation, x.object))


def read_appointments(r: Reader) -> list[Appointment]:
    rows = r.rows(
        """
SELECT * WHERE {
  ?node a dg:ExOfficioAppointment ; dg:appointedTo ?to ; dg:holder ?holder .
  OPTIONAL { ?node dg:condition ?condition }"""
        + QUOTED
        + "\n}"
    )
    holders: dict[str, set[str]] = defaultdict(set)
    first: dict[str, Row] = {}
    for row in rows:
        holders[r.id(row, "node")].add(r.id(row, "holder"))
        first.setdefault(r.id(row, "node"), row)
    found = [
        Appointment(
            id=node,
            holders=tuple(sorted(holders[node])),
            appointed_to=r.id(row, "to"),
            condition=r.id(row, "condition") or None,
            source=r.quote(row),
        )
        for node, row in first.items()
    ]
    return sorted(found, key=lambda a: (a.source.document, a.source.start, a.id))


def read_mechanisms(r: Reader) -> list[Mechanism]:
    steps: dict[str, list[Step]] = defaultdict(list)
    for row in r.rows(
        """
SELECT * WHERE {
  ?mechanism dg:step ?node .
  ?node dg:order ?order ; dg:actor ?actor ; dg:actorImplied ?implied ; odrl:action ?action .
  OPTIONAL { ?node dg:basedOn ?duty }"""
        + labelled("?action", "action")
        + "".join(
            f'\n  OPTIONAL {{ ?node dg:object ?object_{lang} . FILTER (lang(?object_{lang}) = "{lang}") }}'
            for lang in ("zh", "en")
        )
        + QUOTED
        + "\n}"
    ):
        steps[r.id(row, "mechanism")].append(
            Step(
                order=number(row, "order"),
                actor=r.id(row, "actor"),
                actor_implied=truth(row, "implied"),
                action_zh=value(row, "action_zh"),
                action_en=value(row, "action_en"),
                object_zh=value(row, "object_zh"),
                object_en=value(row, "object_en"),
                duty=r.id(row, "duty") or None,
                source=r.quote(row),
            )
        )
    rows = r.rows("SELECT * WHERE { ?node a dg:Mechanism ." + labelled("?node", "label") + QUOTED + "\n}")
    found = [
        Mechanism(
            id=r.id(row, "node"),
            label_zh=value(row, "label_zh"),
            label_en=value(row, "label_en"),
            steps=tuple(sorted(set(steps[r.id(row, "node")]), key=lambda s: s.order)),
            source=r.quote(row),
        )
        for row in rows
    ]
    return sorted(found, key=lambda m: (m.source.document, m.source.start))


CONCEPT_CLASSES = {
    "function": "Function",
    "talent-category": "TalentCategory",
    "condition": "Condition",
    "level": "AdministrativeLevel",
}


def read_concepts(r: Reader) -> dict[str, Concept]:
    values = " ".join(f'(dg:{cls} "{scheme}")' for scheme, cls in CONCEPT_CLASSES.items())
    rows = r.rows(
        f"SELECT * WHERE {{ VALUES (?class ?scheme) {{ {values} }} ?concept a ?class ."
        + labelled("?concept", "label")
        + "\n  OPTIONAL {"
        + QUOTED.replace("?node", "?concept")
        + "\n  }\n}"
    )
    found = {}
    for row in rows:
        concept = Concept(
            id=r.id(row, "concept"),
            scheme=value(row, "scheme"),
            label_zh=value(row, "label_zh"),
            label_en=value(row, "label_en"),
            source=r.quote(row) if "exact" in row else None,
        )
        found[f"{concept.scheme}/{concept.id}"] = concept
    return dict(sorted(found.items()))


def read_duty_concepts(r: Reader) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = defaultdict(set)
    for row in r.rows(
        "SELECT ?node ?concept WHERE { ?node a dg:Provision ; "
        "dg:servesFunction|dg:concernsTalentCategory ?concept }"
    ):
        found[r.id(row, "node")].add(r.typed(row, "concept"))
    return {duty: tuple(sorted(concepts)) for duty, concepts in found.items()}


def read_documents(r: Reader) -> tuple[dict[str, Document], dict[str, str]]:
    """The documents with their articles and sections, and their cleaned texts."""
    rows = r.rows(
        """
SELECT * WHERE {
  ?doc dg:sha256 ?sha256 ; dg:cleanedText ?text ; dcterms:language ?language ; dg:headerVerified ?verified .
  OPTIONAL { ?doc dg:headerTitle ?header_title }
  OPTIONAL { ?doc dg:headerNumber ?header_number }
  OPTIONAL { ?doc dg:reading ?reading }
  OPTIONAL { ?doc dg:documentCategory ?category }
  OPTIONAL { ?doc dg:issuerName ?issuer }
  OPTIONAL { ?doc eli:id_local ?number }
  OPTIONAL { ?doc dg:year ?year }
  OPTIONAL { ?doc eli:date_document ?date }"""
        + "".join(
            f'\n  OPTIONAL {{ ?doc {p} ?{name}_{lang} . FILTER (lang(?{name}_{lang}) = "{lang}") }}'
            for p, name in (("dcterms:title", "title"), ("skos:note", "note"), ("dg:documentForm", "form"))
            for lang in ("zh", "en")
        )
        + "\n}"
    )
    articles: dict[str, list[Article]] = defaultdict(list)
    for row in r.rows(
        """
SELECT * WHERE {
  ?doc dg:sha256 ?sha256 .
  ?node a dg:Article ; eli:is_part_of+ ?doc ; eli:number ?number ; dg:text ?text ;
        dg:startOffset ?start ; dg:endOffset ?end ; eli:is_part_of ?parent .
  OPTIONAL { ?node dg:heading ?heading }
  OPTIONAL { ?parent a dg:Section ; eli:number ?section }
}"""
    ):
        doc = r.id(row, "doc")
        articles[doc].append(
            Article(
                document=doc,
                number=number(row, "number"),
                section=number(row, "section") if "section" in row else None,
                heading=value(row, "heading"),
                text=value(row, "text"),
                start=number(row, "start"),
                end=number(row, "end"),
            )
        )
    sections: dict[str, list[Section]] = defaultdict(list)
    for row in r.rows(
        """
SELECT * WHERE {
  ?doc dg:sha256 ?sha256 .
  ?node a dg:Section ; eli:is_part_of ?doc ; eli:number ?number ; dg:startOffset ?start ; dg:endOffset ?end .
  OPTIONAL { ?node dg:heading ?heading }"""
        + labelled("?node", "label")
        + "\n}"
    ):
        doc = r.id(row, "doc")
        sections[doc].append(
            Section(
                document=doc,
                number=number(row, "number"),
                heading=value(row, "heading"),
                label=value(row, "label_zh"),
                start=number(row, "start"),
                end=number(row, "end"),
            )
        )
    events = read_events(r)
    found, texts = {}, {}
    for row in rows:
        doc = r.id(row, "doc")
        texts[doc] = value(row, "text")
        found[doc] = Document(
            id=doc,
            title_zh=value(row, "title_zh"),
            title_en=value(row, "title_en"),
            language=value(row, "language"),
            header_title=value(row, "header_title"),
            header_number=value(row, "header_number"),
            header_verified=truth(row, "verified"),
            header_note_zh=value(row, "note_zh"),
            header_note_en=value(row, "note_en"),
            sha256=value(row, "sha256"),
            articles=tuple(sorted(set(articles[doc]), key=lambda a: a.number)),
            sections=tuple(sorted(set(sections[doc]), key=lambda s: s.number)),
            reading="draft" if value(row, "reading").endswith("#draft") else "curated",
            form_zh=value(row, "form_zh"),
            form_en=value(row, "form_en"),
            category=value(row, "category"),
            issuer=value(row, "issuer"),
            number=value(row, "number"),
            date=value(row, "date"),
            year=number(row, "year") if "year" in row else None,
            events=tuple(events.get(doc, ())),
        )
    return dict(sorted(with_versions(found).items())), dict(sorted(texts.items()))


def read_events(r: Reader) -> dict[str, list[DocumentEvent]]:
    found: dict[str, list[tuple[int, DocumentEvent]]] = defaultdict(list)
    for row in r.rows(
        """
SELECT * WHERE {
  ?doc dg:event ?event . ?event dg:eventKind ?kind ; dg:order ?order ;
       dg:readFrom/oa:hasSelector ?quote, ?position .
  ?quote oa:exact ?exact . ?position oa:start ?start ; oa:end ?end .
  OPTIONAL { ?event dcterms:date ?date }
  OPTIONAL { ?event dg:eventBody ?body }
}"""
    ):
        event = DocumentEvent(
            kind=value(row, "kind"),
            date=value(row, "date"),
            body=value(row, "body"),
            text=value(row, "exact"),
            start=number(row, "start"),
            end=number(row, "end"),
        )
        found[r.id(row, "doc")].append((number(row, "order"), event))
    return {doc: [event for _, event in sorted(events, key=lambda x: x[0])] for doc, events in found.items()}


def with_versions(documents: dict[str, Document]) -> dict[str, Document]:
    """Each document with the one it revises and the one revising it: the same title, dated
    versions (ontology/metadata.py link_versions)."""
    revises = link_versions([(d.id, d.title_zh, d.date or None) for d in documents.values()])
    revised_by = {earlier: later for later, earlier in revises.items()}
    return {
        doc_id: replace(doc, revises=revises.get(doc_id, ""), revised_by=revised_by.get(doc_id, ""))
        for doc_id, doc in documents.items()
    }


# -- the networkx projection -----------------------------------------------------------------


def read_network(r: Reader, agents: dict[str, Agent]) -> nx.MultiDiGraph:
    """Typed nodes and typed edges; a duty's holder points to it ('holds_duty')."""
    network = nx.MultiDiGraph()
    values = " ".join(
        f'(<{cls.format(dg=r.ns.ontology)}> "{node_type}")' for node_type, cls in NODE_CLASSES.items()
    )
    rows = r.rows(
        f"SELECT * WHERE {{ VALUES (?class ?type) {{ {values} }} ?node a ?class ."
        + labelled("?node", "label")
        + "\n  OPTIONAL { ?node dg:modality ?modality }\n}"
    )
    for row in rows:
        node_type, node = value(row, "type"), r.typed(row, "node")
        attrs = {
            "type": node_type,
            "iri": value(row, "node"),
            "label_zh": value(row, "label_zh"),
            "label_en": value(row, "label_en"),
        }
        if node_type in ("body", "post"):
            attrs["kind"] = agents[node.split("/", 1)[1]].kind
        if node_type == "duty":
            attrs["modality"] = value(row, "modality").removeprefix(r.ns.ontology)
        network.add_node(node, **attrs)
    names = {str(predicate): name for name, predicate in edge_predicates(r.ns).items()}
    names[str(ODRL.assignee)] = "holds_duty"
    names[str(ODRL.assigner)] = "assigns"
    predicates = " ".join(f"<{p}>" for p in names)
    for row in r.rows(f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }}"):
        relation = names[value(row, "p")]
        source, target = r.typed(row, "s"), r.typed(row, "o")
        if relation in ("holds_duty", "assigns"):  # the holder points to the duty
            source, target = target, source
        # only between nodes the projection knows: literals and vocabulary stay out
        if source in network and target in network:
            network.add_edge(source, target, key=relation, relation=relation)
    return network


# -- loading -----------------------------------------------------------------------------------


def read_knowledge(store: Store) -> Knowledge:
    """Everything the runtime answers from, read from `store` (embedded or remote)."""
    ns = namespaces_of(store)
    r = Reader(store, ns)
    agents = read_agents(r)
    documents, texts = read_documents(r)
    edge_names = {str(predicate): name for name, predicate in edge_predicates(ns).items()}
    knowledge = Knowledge(
        store=store,
        ns=ns,
        version=store.version(),
        agents=agents,
        duties=read_duties(r, agents),
        relations=read_relations(r, edge_names),
        appointments=read_appointments(r),
        mechanisms=read_mechanisms(r),
        concepts=read_concepts(r),
        documents=documents,
        texts=texts,
        network=read_network(r, agents),
        triples=store.count(),
        duty_concepts=read_duty_concepts(r),
    )
    knowledge.duty_concepts = {d: knowledge.duty_concepts.get(d, ()) for d in knowledge.duties}
    return knowledge


def load_knowledge(folder: Path = DEFAULT_BUILD_DIR) -> Knowledge:
    """The knowledge of a built folder, through an embedded store loaded from it; the records
    are kept in the folder's cache/ for the next start (graph/snapshot.py)."""
    from .snapshot import snapshot_knowledge  # it imports this module's records

    return snapshot_knowledge(EmbeddedStore.from_folder(folder), folder / "cache", read_knowledge)
