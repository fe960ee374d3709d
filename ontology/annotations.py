"""Load and check a curated reading (`annotations/{doc}.yaml`); see annotations/README.md.

Shape errors (a missing field, an unknown modality) come from pydantic; reference errors
(an actor that is not a body or post) from `check_references`. Both name the file, the entry
and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dutygraph.errors import DutygraphError

from .values import LEVEL_RANKS, Level, Modality, ReadingKind

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
BodyClass = Literal["FormalOrganization", "OrganizationalUnit", "SocialGroup"]
BodyKind = Literal[
    "party-organization",
    "government",
    "party-department",
    "functional-department",
    "coordinating-body",
    "working-body",
    "employer",
    "mass-organization",
    "democratic-party",
    "social-force",
    "service-agency",
    "research-institution",
    "third-party",
    "locality",
    "individual",
]
RelationName = Literal[
    "leads",
    "unit-of",
    "member-of",
    "submits-to",
    "guides",
    "supervises",
    "supports",
    "establishes",
    "assigns-tasks-to",
    "consults",
]
Operator = Literal["eq", "neq", "gteq", "lteq", "isAnyOf"]
Model = TypeVar("Model", bound=BaseModel)


class AnnotationError(DutygraphError, ValueError):
    """A curated reading is malformed or refers to something that does not exist."""

    def __init__(self, file: Path | str, entry: str, problem: str) -> None:
        self.file, self.entry, self.problem = str(file), entry, problem
        super().__init__(f"{file}: {entry}: {problem}")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# English is optional in the models and required of curated readings (Reading, Body check
# it): a draft has English only where the register gives it, never a machine translation
English = Annotated[str | None, Field(default=None, min_length=1)]
Confidence = Annotated[float | None, Field(default=None, ge=0, le=1)]


class Text(Strict):
    zh: str = Field(min_length=1)
    en: English = None


class Quoted(Strict):
    quote: str = Field(min_length=1)
    article: int = Field(ge=0)
    occurrence: int = Field(default=1, ge=1)
    note_zh: str | None = None
    note_en: str | None = None


class Labelled(Strict):
    id: Slug
    zh: str = Field(min_length=1)
    en: English = None
    alt_zh: list[str] = []
    alt_en: list[str] = []


class Action(Labelled):
    note_zh: str | None = None
    note_en: str | None = None


class Concept(Labelled, Quoted):
    """A function of article 1, a talent category of article 7, a condition."""

    confidence: Confidence = None


class Body(Labelled):
    """A register entry: a body, whatever document names it."""

    class_: BodyClass = Field(alias="class")
    kind: BodyKind
    unit_of: Slug | None = None
    kind_of: Slug | None = None
    note_zh: str | None = None
    note_en: str | None = None
    reading: ReadingKind = "curated"  # draft: proposed by `dutygraph ingest`, not yet reviewed
    confidence: Confidence = None

    @model_validator(mode="after")
    def _unit_has_parent(self) -> Body:
        if self.class_ == "OrganizationalUnit" and not self.unit_of:
            raise ValueError("an OrganizationalUnit needs unit_of (the body it is a unit of)")
        if self.reading == "curated" and not self.en:
            raise ValueError("a curated entry needs en (only a draft entry may leave it out)")
        return self


class Post(Labelled):
    """A register entry: a post in a body."""

    post_in: Slug
    note_zh: str | None = None
    note_en: str | None = None

    @model_validator(mode="after")
    def _english(self) -> Post:
        if not self.en:
            raise ValueError("a post needs en")
        return self


class Register(Strict):
    """`registry/agents.yaml`: the bodies and posts of every document, once each."""

    bodies: list[Body] = []
    posts: list[Post] = []

    def body(self, slug: str) -> Body | None:
        return next((b for b in self.bodies if b.id == slug), None)

    def agent(self, slug: str) -> Body | Post | None:
        return self.body(slug) or next((p for p in self.posts if p.id == slug), None)


class Mention(Quoted):
    """Where a document names a register entry: its words, its article, notes on the reading."""

    id: Slug
    confidence: Confidence = None


class Appointment(Quoted):
    id: Slug
    holders: list[Slug] = Field(min_length=1)
    appointed_to: Slug
    condition: Slug | None = None


class Relation(Quoted):
    subject: Slug
    relation: RelationName
    object: Slug
    condition: Slug | None = None


class LevelConstraint(Strict):
    op: Operator
    value: Level | list[Level]

    @model_validator(mode="after")
    def _list_only_for_any_of(self) -> LevelConstraint:
        if (self.op == "isAnyOf") != isinstance(self.value, list):
            raise ValueError("isAnyOf takes a list of levels; the other operators take one level")
        return self

    def admits(self, level: str) -> bool:
        rank, values = LEVEL_RANKS[level], self.value
        if self.op == "isAnyOf":
            return level in values
        other = LEVEL_RANKS[values]  # type: ignore[index]
        return {
            "eq": rank == other,
            "neq": rank != other,
            "gteq": rank >= other,
            "lteq": rank <= other,
        }[self.op]


DutyId = Annotated[str, Field(pattern=r"^(?:a\d{2,}|p)-\d+[a-z]?$")]


class Duty(Quoted):
    id: DutyId
    actor: Slug
    implied: bool
    modality: Modality
    action: Slug
    object: Text
    assigner: Slug | None = None
    assigner_implied: bool = False
    guided_by: DutyId | None = None  # "A 引导 B 做 C": B's provision names A's (README.md)
    concerns: list[Slug] = []
    levels: list[LevelConstraint] = []
    conditions: list[Slug] = []
    functions: list[Slug] = []
    talent_categories: list[Slug] = []
    confidence: Confidence = None

    def admitted_levels(self) -> list[str]:
        """Every level all the constraints admit (all levels when there is none)."""
        return [lvl for lvl in LEVEL_RANKS if all(c.admits(lvl) for c in self.levels)]


class Step(Quoted):
    article: int | None = Field(default=None, ge=0)  # default: the mechanism's article
    actor: Slug
    action: Slug
    object: Text
    implied: bool | None = None  # default: as the duty behind the step, else False
    duty: str | None = None


class Mechanism(Labelled, Quoted):
    steps: list[Step] = Field(min_length=1)


class DivisionOfLabour(Quoted):
    """One note after an item, （X、Y负责）: who the issuer makes responsible for it."""

    article: int = Field(ge=1)
    object: Text  # the item's task, as the responsible bodies' provisions name it
    bodies: list[Slug] = Field(min_length=1)  # in the order the note lists them
    lead: Slug | None = None  # the 牵头单位; must be the first listed where a lead rule applies
    others_unnamed: bool = False  # the list ends in 等有关部门和单位
    by_division_of_duties: bool = False  # 按职责分工负责
    confidence: Confidence = None


class LeadRule(Quoted):
    """列第一位者为牵头单位，下同: from its article on, the first body listed leads."""


class Responsibilities(Strict):
    assigner: Slug  # who divides the labour: the issuer of the document
    assigner_implied: bool = True  # the notes do not name the issuer
    action: Slug = "be-responsible-for"
    lead_rule: LeadRule | None = None
    notes: list[DivisionOfLabour] = Field(min_length=1)


class Reading(Strict):
    document: Slug
    reading: ReadingKind = "curated"  # draft: written by `dutygraph ingest`, for a person to review
    actions: list[Action] = []
    functions: list[Concept] = []
    talent_categories: list[Concept] = []
    mentions: list[Mention] = []
    conditions: list[Concept] = []
    appointments: list[Appointment] = []
    relations: list[Relation] = []
    duties: list[Duty] = []
    mechanisms: list[Mechanism] = []
    responsibilities: Responsibilities | None = None

    @model_validator(mode="after")
    def _curated_is_complete(self) -> Reading:
        """A curated reading has English wherever it has Chinese, and no confidences: those
        mark what a person has not reviewed yet (a reviewer deletes them with `reading: draft`)."""
        if self.reading == "curated":
            for where, value in _walk(self):
                if isinstance(value, Text | Labelled) and not value.en:
                    raise ValueError(
                        f"{where}: en is missing (a curated reading needs it; a draft may omit it)"
                    )
                if getattr(value, "confidence", None) is not None:
                    raise ValueError(f"{where}: confidence belongs to a draft (reading: draft)")
        return self


def _walk(model: BaseModel, where: str = "") -> list[tuple[str, BaseModel]]:
    """Every model inside `model` with where it is (`duties[3].object`)."""
    found: list[tuple[str, BaseModel]] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            if isinstance(item, BaseModel):
                at = f"{where}.{name}" if where else name
                at += f"[{index}]" if index is not None else ""
                found += [(at, item), *_walk(item, at)]
    return found


class SourceTitle(Strict):
    zh: str
    en: English = None  # an ingested document's title has none until a person writes it
    # words of the preamble that take the title up (为此，提出以下意见); none when only the
    # header gives it (its title line is recorded as received, dg:headerTitle)
    quote: str | None = None
    article: int = 0


class SourceHeader(Strict):
    verified: bool
    note_zh: str
    note_en: str
    # the header lines as the text gives them; the build checks each one it is given
    title: str | None = None
    number: str | None = None  # 文号
    addressee: str | None = None  # 主送机关


class SourceIssuer(Strict):
    zh: str = Field(min_length=1)
    en: English = None
    body: Slug | None = None  # the body of the reading that is the issuer (eli:passed_by)


class SourceMetadata(Strict):
    """`sources/{doc}.meta.yaml`: what is known about a document as received."""

    id: Slug
    file: str
    received_as: str | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    language: str
    title: SourceTitle
    header: SourceHeader
    issuer: SourceIssuer | None = None


def _entry_name(data: Any, location: tuple[int | str, ...]) -> str:
    """'duties[12] (a05-3)' for an error inside the 13th duty."""
    parts, node = [], data
    for step in location:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(step, int) and isinstance(node, dict) and "id" in node:
            parts[-1] += f" ({node['id']})"
    return ".".join(parts) or "(top level)"


# libyaml's parser where PyYAML was built with it (its wheels are): the pure-Python one took
# 24 s of the 37 s a corpus ingest with nothing to do spent reading its 1,450 YAML files
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """YAML text → Python values, safely (no tags beyond the standard ones)."""
    return yaml.load(text, Loader=SAFE_LOADER)


def _load_yaml(path: Path) -> Any:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise AnnotationError(path, "(file)", "file not found") from error
    except UnicodeDecodeError as error:
        raise AnnotationError(path, "(file)", f"not UTF-8: {error}") from error
    except yaml.YAMLError as error:
        raise AnnotationError(path, "(file)", f"not valid YAML: {error}") from error


def _validate(model: type[Model], path: Path) -> Model:
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise AnnotationError(path, "(top level)", "expected a mapping of sections")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = first["loc"]
        # the offending field is the last name; the entry is everything before it
        entry = _entry_name(data, tuple(loc[:-1])) if len(loc) > 1 else "(top level)"
        field = loc[-1] if loc else ""
        more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
        raise AnnotationError(path, entry, f"{field}: {first['msg']}{more}") from error


def load_reading(path: Path, register: Register) -> Reading:
    reading = _validate(Reading, path)
    check_references(reading, path, register)
    return reading


def load_register(path: Path) -> Register:
    register = _validate(Register, path)
    check_register(register, path)
    return register


def check_register(register: Register, path: Path) -> None:
    """Ids unique across bodies and posts; unit_of, kind_of and post_in name bodies of it."""
    bodies = _unique(path, "bodies", [b.id for b in register.bodies])
    posts = _unique(path, "posts", [p.id for p in register.posts])
    both = bodies & posts
    if both:
        raise AnnotationError(path, "posts", f"ids used for both a body and a post: {sorted(both)}")
    for i, body in enumerate(register.bodies):
        for field in ("unit_of", "kind_of"):
            value = getattr(body, field)
            if value is not None and value not in bodies:
                raise AnnotationError(path, f"bodies[{i}] ({body.id})", f"{field}: unknown body {value!r}")
    for i, post in enumerate(register.posts):
        if post.post_in not in bodies:
            raise AnnotationError(path, f"posts[{i}] ({post.id})", f"post_in: unknown body {post.post_in!r}")


def load_metadata(path: Path) -> SourceMetadata:
    return _validate(SourceMetadata, path)


def _unique(path: Path, section: str, ids: list[str]) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item in seen:
            raise AnnotationError(path, f"{section}[{index}] ({item})", "duplicate id")
        seen.add(item)
    return seen


def check_references(reading: Reading, path: Path, register: Register) -> None:
    """Every id an entry refers to exists, in the section it must be in; every body or post
    it refers to is a register entry this reading mentions."""
    actions = _unique(path, "actions", [a.id for a in reading.actions])
    functions = _unique(path, "functions", [f.id for f in reading.functions])
    categories = _unique(path, "talent_categories", [c.id for c in reading.talent_categories])
    mentioned = _unique(path, "mentions", [m.id for m in reading.mentions])
    conditions = _unique(path, "conditions", [c.id for c in reading.conditions])
    duties = _unique(path, "duties", [d.id for d in reading.duties])
    _unique(path, "appointments", [a.id for a in reading.appointments])
    _unique(path, "mechanisms", [m.id for m in reading.mechanisms])
    for i, mention in enumerate(reading.mentions):
        if register.agent(mention.id) is None:
            raise AnnotationError(
                path,
                f"mentions[{i}] ({mention.id})",
                "id: not an entry of the register (registry/agents.yaml)",
            )
    bodies = {b.id for b in register.bodies} & mentioned
    posts = {p.id for p in register.posts} & mentioned
    agents = bodies | posts

    def need(entry: str, field: str, value: str | None, known: set[str], what: str) -> None:
        if value is not None and value not in known:
            raise AnnotationError(path, entry, f"{field}: {unknown(register, mentioned, value, what)}")

    for i, ap in enumerate(reading.appointments):
        entry = f"appointments[{i}] ({ap.id})"
        for holder in ap.holders:
            need(entry, "holders", holder, posts, "post")
        need(entry, "appointed_to", ap.appointed_to, posts, "post")
        need(entry, "condition", ap.condition, conditions, "condition")
    for i, rel in enumerate(reading.relations):
        entry = f"relations[{i}] ({rel.subject} {rel.relation} {rel.object})"
        need(entry, "subject", rel.subject, agents, "body or post")
        need(entry, "object", rel.object, agents, "body or post")
        need(entry, "condition", rel.condition, conditions, "condition")
    for i, duty in enumerate(reading.duties):
        entry = f"duties[{i}] ({duty.id})"
        need(entry, "actor", duty.actor, agents, "body or post")
        need(entry, "assigner", duty.assigner, agents, "body or post")
        need(entry, "action", duty.action, actions, "action")
        for value in duty.concerns:
            need(entry, "concerns", value, agents, "body or post")
        for value in duty.conditions:
            need(entry, "conditions", value, conditions, "condition")
        for value in duty.functions:
            need(entry, "functions", value, functions, "function")
        for value in duty.talent_categories:
            need(entry, "talent_categories", value, categories, "talent category")
        if not duty.admitted_levels():
            raise AnnotationError(path, entry, "levels: the constraints admit no level at all")
        if duty.guided_by is not None:
            check_guided_by(reading, path, entry, duty)
    for i, mechanism in enumerate(reading.mechanisms):
        for k, step in enumerate(mechanism.steps):
            entry = f"mechanisms[{i}] ({mechanism.id}).steps[{k}]"
            need(entry, "actor", step.actor, agents, "body or post")
            need(entry, "action", step.action, actions, "action")
            need(entry, "duty", step.duty, duties, "duty")
    if reading.responsibilities is not None:
        check_responsibilities(reading.responsibilities, path, bodies, actions, need)


def unknown(register: Register, mentioned: set[str], value: str, what: str) -> str:
    """Why `value` is not a `what` the reading may refer to."""
    if register.agent(value) is not None and value not in mentioned:
        return f"{value!r} is in the register but not among this reading's mentions"
    return f"unknown {what} {value!r}"


def responsibility_duty_id(note: DivisionOfLabour, position: int) -> str:
    """The provision of the `position`-th body (from 1) of the note on article n: a{n:02}-r{k}."""
    return f"a{note.article:02d}-r{position}"


def lead_of(responsibilities: Responsibilities, note: DivisionOfLabour) -> str | None:
    """The lead of a note: as given, else the first body where the lead rule applies."""
    if note.lead is not None:
        return note.lead
    rule = responsibilities.lead_rule
    return note.bodies[0] if rule is not None and note.article >= rule.article else None


def check_responsibilities(
    responsibilities: Responsibilities,
    path: Path,
    bodies: set[str],
    actions: set[str],
    need: Callable[..., None],
) -> None:
    """The division of labour names bodies of the reading, once each, one note per item, and
    a lead that the lead rule (列第一位者为牵头单位，下同) allows."""
    section = "responsibilities"
    need(section, "assigner", responsibilities.assigner, bodies, "body")
    if responsibilities.action not in actions:
        raise AnnotationError(
            path, section, f"action: unknown action {responsibilities.action!r} (add it under actions)"
        )
    rule = responsibilities.lead_rule
    seen: set[int] = set()
    for i, note in enumerate(responsibilities.notes):
        entry = f"{section}.notes[{i}] (article {note.article})"
        if note.article in seen:
            raise AnnotationError(path, entry, f"article: a second note for article {note.article}")
        seen.add(note.article)
        for body in note.bodies:
            need(entry, "bodies", body, bodies, "body")
        repeated = sorted({b for b in note.bodies if note.bodies.count(b) > 1})
        if repeated:
            raise AnnotationError(path, entry, f"bodies: listed twice: {repeated}")
        if note.lead is not None and note.lead not in note.bodies:
            raise AnnotationError(path, entry, f"lead: {note.lead!r} is not one of the bodies listed")
        if (
            rule is not None
            and note.article >= rule.article
            and lead_of(responsibilities, note) != note.bodies[0]
        ):
            raise AnnotationError(
                path,
                entry,
                f"lead: the lead rule of article {rule.article} ({rule.quote}) makes the first body "
                f"listed, {note.bodies[0]!r}, the lead, not {note.lead!r}",
            )


def check_guided_by(reading: Reading, path: Path, entry: str, duty: Duty) -> None:
    """B's provision in "A 引导 B 做 C" names A's: A's exists, in the same article, held by
    the assigner (see README.md). That both quote one sentence is checked by the build."""
    guiding = next((d for d in reading.duties if d.id == duty.guided_by), None)
    if guiding is None:
        raise AnnotationError(path, entry, f"guided_by: unknown duty {duty.guided_by!r}")
    if guiding.id == duty.id:
        raise AnnotationError(path, entry, "guided_by: a provision cannot be guided by itself")
    if guiding.guided_by is not None:
        raise AnnotationError(
            path,
            entry,
            f"guided_by: {guiding.id} is itself guided by {guiding.guided_by}; name the guiding provision",
        )
    if guiding.article != duty.article:
        raise AnnotationError(
            path, entry, f"guided_by: {guiding.id} is in article {guiding.article}, not {duty.article}"
        )
    if duty.assigner != guiding.actor or duty.assigner_implied != guiding.implied:
        raise AnnotationError(
            path,
            entry,
            f"guided_by: the assigner must be the actor of {guiding.id} ({guiding.actor}, "
            f"assigner_implied: {str(guiding.implied).lower()}), not {duty.assigner} "
            f"(assigner_implied: {str(duty.assigner_implied).lower()})",
        )
