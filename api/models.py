"""Response models: the stable field names of the REST API, zh and en side by side."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from dutygraph.ontology.values import Modality, ReadingKind

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    total: int = Field(description="how many items match, before limit and offset")
    limit: int
    offset: int
    items: list[Item]


class Labelled(BaseModel):
    id: str
    label_zh: str
    label_en: str


class ActorRef(Labelled):
    kind: str = Field(description="'post', or the body kind: party-organization, employer, …")


class SourceRef(BaseModel):
    document: str
    start: int = Field(description="0-based offset into the cleaned text (code points)")
    end: int = Field(description="end-exclusive offset")


class Quote(SourceRef):
    article: int = Field(description="article number; 0 is the preamble")
    text_zh: str = Field(description="the exact words, = cleaned_text[start:end]")


class Duty(BaseModel):
    id: str
    actor: ActorRef
    actor_implied: bool = Field(description="true when the text names no subject and the reading supplies it")
    modality: Modality
    action_zh: str
    action_en: str
    object_zh: str
    object_en: str
    text_zh: str = Field(description="the exact quote")
    article: int
    section: int | None
    levels: list[str] = Field(
        description="administrative levels the text limits it to; empty: no limit stated"
    )
    conditions: list[Labelled]
    source: SourceRef
    via: str | None = Field(default=None, description="the unit or post of the asked body that holds it")
    guided_by: str | None = Field(
        default=None,
        description="the provision of the body that guides, supervises or encourages this one "
        "(A 引导/督促 B 做 C: this is B's C, that is A's)",
    )
    reading: ReadingKind = Field(
        description="curated: reviewed by a person; draft: drafted by dutygraph ingest's rules, unreviewed"
    )
    confidence: float | None = Field(default=None, description="a draft's: how sure the rules are, 0 to 1")


class BodyInDocument(BaseModel):
    document: str
    title_zh: str
    title_en: str
    named: bool = Field(description="the document names the body (it has a mention there)")
    duty_count: int = Field(description="provisions that fall to it there, with its units and posts")
    by_modality: dict[Modality, int]
    articles: list[int] = Field(description="the articles those provisions are in")


class Relation(BaseModel):
    relation: str
    direction: Literal["outgoing", "incoming"]
    other: ActorRef
    condition: Labelled | None
    source: Quote


class Body(ActorRef):
    type: Literal["body", "post"]
    alt_zh: list[str]
    alt_en: list[str]
    parent: ActorRef | None = Field(description="the body a unit belongs to, or a post is in")
    kind_of: ActorRef | None
    units: list[ActorRef]
    posts: list[ActorRef]
    duty_count: int
    duties_by_modality: dict[str, int]
    relations: list[Relation]
    mentions: list[Quote] = Field(
        description="where each document names it (a body or post is the register's, one for all documents)"
    )


class Responsible(BaseModel):
    actor: ActorRef
    score: int = Field(description="3 per duty held directly, 2 via a unit or post, 1 when only concerned")
    duties: list[Duty]
    how: list[str] = Field(description="for each duty: 'holds', 'via <unit or post>' or 'concerned'")


class ArticleSummary(BaseModel):
    number: int
    section: int | None
    heading: str
    start: int
    end: int


class DocumentEvent(BaseModel):
    kind: Literal[
        "adopted", "approved", "promulgated", "issued", "effective", "revised", "amended", "abolished"
    ]
    date: str = Field(
        description="ISO yyyy-mm-dd (or yyyy when the text gives the year only); '' when relative"
    )
    body: str = Field(description="the body, meeting or order named, as written")
    text: str = Field(description="the words it is read from, = cleaned_text[start:end]")
    start: int
    end: int


class Document(BaseModel):
    id: str
    title_zh: str
    title_en: str
    language: str
    header_title: str = Field(description="the title line as received")
    header_number: str = Field(description="the issuing number as received")
    header_verified: bool
    header_note_zh: str
    header_note_en: str
    sha256: str
    reading: ReadingKind = Field(
        description="curated, or draft: drafted by `dutygraph ingest`, not yet reviewed"
    )
    form_zh: str = Field(description="the document's form, from the end of its title: 条例, 意见, 通知 …")
    form_en: str
    category: str = Field(description="行政法规, 部门规章 or 党内法规 where the text shows it, else ''")
    issuer: str = Field(description="who issued it, as the text names it (文号, 令 or signature)")
    number: str = Field(description="its 文号 or order number, as written")
    date: str = Field(description="ISO date of the document (its closing date, or latest promulgation)")
    year: int | None
    events: list[DocumentEvent] = Field(
        description="adopted, promulgated, effective, revised … as the text dates them"
    )
    revises: str = Field(
        description="the document this is a later version of (same title, earlier date), or ''"
    )
    revised_by: str = Field(description="the later version of this document in the corpus, or ''")
    duty_count: int
    articles: list[ArticleSummary]


class DocumentText(BaseModel):
    document: str
    text: str = Field(description="the cleaned text every offset indexes")


class Article(ArticleSummary):
    document: str
    text: str
    duties: list[Duty]


class Step(BaseModel):
    order: int
    actor: ActorRef
    actor_implied: bool
    action_zh: str
    action_en: str
    object_zh: str
    object_en: str
    duty: str | None
    source: Quote


class Procedure(Labelled):
    article: int
    steps: list[Step]
    source: Quote


class Appointment(BaseModel):
    id: str
    holders: list[ActorRef] = Field(description="any one of these posts")
    appointed_to: ActorRef
    source: Quote


class Composition(BaseModel):
    condition: Labelled | None = Field(description="null: holds whoever heads the group")
    appointments: list[Appointment]


class Hop(BaseModel):
    from_: str = Field(alias="from")
    to: str
    relation: str
    direction: Literal["forward", "backward"]

    model_config = {"populate_by_name": True}


class PathAnswer(BaseModel):
    source: ActorRef
    target: ActorRef
    paths: list[list[Hop]]


class Neighbour(BaseModel):
    id: str
    type: str
    label_zh: str
    label_en: str
    distance: int


class Edge(BaseModel):
    source: str = Field(description="the id of a node of the neighbourhood")
    target: str = Field(description="the id of a node of the neighbourhood")
    relation: str


class Neighbourhood(BaseModel):
    center: ActorRef
    depth: int
    nodes: list[Neighbour]
    edges: list[Edge] = Field(description="every relation between two of its nodes")


class Chain(BaseModel):
    start: ActorRef
    relation: str
    chain: list[ActorRef]


class CentralityRow(ActorRef):
    duties: int
    degree: int
    betweenness: float


class SharedDuties(BaseModel):
    first: ActorRef
    second: ActorRef
    pairs: list[list[Duty]]


class CacheUse(BaseModel):
    entries: int
    bytes: int = Field(description="what the entries cost in memory, as the cache counts it")
    budget_bytes: int = Field(description="the most it keeps; the least recently used go first")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    documents: list[str]
    triples: int
    caches: dict[str, CacheUse] = Field(
        default_factory=dict,
        description="the server's answer caches: computed answers, replayed answers, gzip-encoded "
        "bodies, SPARQL results",
    )


class NotFound(BaseModel):
    error: Literal["not_found"]
    message: str
    id: str
    suggestions: list[str]


class Highlight(BaseModel):
    start: int = Field(description="offset into the snippet's text where a matched term begins")
    end: int = Field(description="end-exclusive")


class SearchHit(BaseModel):
    kind: Literal["article", "provision"]
    document: str
    article: int = Field(description="article number; 0 is the preamble")
    provision: str | None = Field(description="for a provision: its id, {document}/{provision}")
    actor: ActorRef | None = Field(description="for a provision: the body or post that holds it")
    modality: Modality | None = Field(description="for a provision: what kind of duty it is")
    snippet: str = Field(description="the words around the first match, = cleaned_text[start:end]")
    start: int = Field(description="offset of the snippet in the document's cleaned text")
    end: int
    highlights: list[Highlight] = Field(description="the matched terms inside the snippet")
    matches: list[SourceRef] = Field(description="every occurrence of a term in the article or quote")
    score: float = Field(description="bm25 for terms of three or more characters, else 0; higher is better")


class SearchPage(Page[SearchHit]):
    terms: list[str] = Field(description="the terms searched for, each an exact substring")


class AlignedProvision(BaseModel):
    status: Literal["unchanged", "changed", "removed", "added"] = Field(
        description="unchanged: same words and modality; changed: alike words (difflib ratio ≥ 0.6); "
        "removed: only in the first; added: only in the second"
    )
    changes: list[Literal["words", "modality", "article"]] = Field(
        description="what differs: words, modality (then it is changed) or article (it moved; alone, "
        "it is still unchanged)"
    )
    similarity: float = Field(description="difflib ratio of the two quotes, 0 to 1; 0 when one is missing")
    first: Duty | None = Field(description="the provision in the first document (None: added)")
    second: Duty | None = Field(description="the provision in the second document (None: removed)")


class ComparedBody(BaseModel):
    actor: ActorRef
    counts: dict[str, int] = Field(description="provisions by status")
    provisions: list[AlignedProvision]


class AlignedArticle(BaseModel):
    status: Literal["unchanged", "changed", "removed", "added"]
    similarity: float
    first: SourceRef | None = Field(description="the article in the first document: its offsets")
    second: SourceRef | None
    first_number: int | None
    second_number: int | None


class Comparison(BaseModel):
    first: str
    second: str
    counts: dict[str, int] = Field(description="provisions by status, over every body")
    bodies: list[ComparedBody] = Field(description="every body charged in either, those with changes first")
    articles: list[AlignedArticle]


class YearCount(BaseModel):
    year: int | None = Field(description="None: the texts of these documents give no date")
    documents: int


class FormCount(BaseModel):
    form_zh: str
    form_en: str
    documents: int


class ChargedBody(BaseModel):
    actor: ActorRef
    provisions: int = Field(description="provisions it holds itself, across the corpus")
    documents: int = Field(description="documents that charge it")


class Overview(BaseModel):
    documents: int
    provisions: int
    drafted: int = Field(description="provisions of readings drafted by ingest, not reviewed")
    by_year: list[YearCount]
    by_form: list[FormCount]
    by_modality: dict[str, int]
    most_charged: list[ChargedBody]
