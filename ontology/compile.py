"""Compile one document — its parsed structure, metadata and curated reading — into RDF.

The IRIs and properties are those of MODEL.md. Every quote is located in the cleaned
text here; a quote that is not there fails the build with the file and entry named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import XSD, Graph, Literal, URIRef
from rdflib.term import Node

from .annotations import (
    AnnotationError,
    Body,
    Concept,
    DivisionOfLabour,
    Duty,
    Mechanism,
    Post,
    Quoted,
    Reading,
    Register,
    SourceMetadata,
    Text,
    lead_of,
    responsibility_duty_id,
)
from .document import ParsedDocument, Part
from .iris import document_iri, register_iri, scoped_iri
from .metadata import read_metadata
from .namespaces import DCTERMS, ELI, OA, ODRL, ORG, PROV, RDF, RDFS, SKOS, VOID, Namespaces

CONTEXT_CHARS = 32  # prefix / suffix length of a TextQuoteSelector

MODALITY_CLASS = {"obligation": ODRL.Duty, "permission": ODRL.Permission, "prohibition": ODRL.Prohibition}
BODY_CLASS = {"FormalOrganization": ORG.FormalOrganization, "OrganizationalUnit": ORG.OrganizationalUnit}
SCHEME_LABELS = {
    "functions": ("党管人才的职能", "Functions of the Party's leadership of talent work"),
    "talent_categories": ("人才类别", "Talent categories"),
    "conditions": ("条件", "Conditions"),
}
RELATION_LOCAL = {
    "leads": "leads",
    "member-of": "memberOf",
    "submits-to": "submitsTo",
    "guides": "guides",
    "supervises": "supervises",
    "supports": "supports",
    "establishes": "establishes",
    "assigns-tasks-to": "assignsTasksTo",
    "consults": "consults",
}


def iso_date(line: str) -> str | None:
    """'2018年11月16日' → '2018-11-16' (Arabic digits only; None otherwise)."""
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", line)
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}" if match else None


def phrase(action: str, obj: str, space: str) -> str:
    """'研究部署' + '人才工作'; but '当好参谋' alone when the object already says it."""
    return obj if obj.lower().startswith(action.lower()) else f"{action}{space}{obj}"


@dataclass(frozen=True)
class Located:
    start: int
    end: int


class DocumentCompiler:
    """Adds one document's triples to `graph`."""

    def __init__(
        self,
        graph: Graph,
        ns: Namespaces,
        parsed: ParsedDocument,
        meta: SourceMetadata,
        reading: Reading,
        register: Register,
        annotation_file: Path,
    ) -> None:
        self.g, self.ns, self.doc, self.meta, self.reading = graph, ns, parsed, meta, reading
        self.register, self.file = register, annotation_file
        self.dg, self.id = ns.dg, ns.id
        self.doc_iri = document_iri(ns, meta.id)

    def scoped(self, kind: str, local: str) -> URIRef:
        """What this document says lives under its IRI: id/document/{doc}/{kind}/{local}."""
        return scoped_iri(self.ns, self.meta.id, kind, local)

    # -- helpers -------------------------------------------------------------------------

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.g.add((s, p, o))  # type: ignore[arg-type]

    def label(self, subject: URIRef, zh: str, en: str | None, alt_zh=(), alt_en=()) -> None:
        for value, lang in ((zh, "zh"), (en, "en")):
            if value is None:  # a draft's: no English where the register gives none
                continue
            self.add(subject, SKOS.prefLabel, Literal(value, lang=lang))
            self.add(subject, RDFS.label, Literal(value, lang=lang))
        for value in alt_zh:
            self.add(subject, SKOS.altLabel, Literal(value, lang="zh"))
        for value in alt_en:
            self.add(subject, SKOS.altLabel, Literal(value, lang="en"))

    def notes(self, subject: URIRef, item: Quoted) -> None:
        if item.note_zh:
            self.add(subject, SKOS.note, Literal(item.note_zh, lang="zh"))
        if item.note_en:
            self.add(subject, SKOS.note, Literal(item.note_en, lang="en"))

    def text(self, subject: URIRef, predicate: URIRef, text: Text) -> None:
        self.add(subject, predicate, Literal(text.zh, lang="zh"))
        if text.en:
            self.add(subject, predicate, Literal(text.en, lang="en"))

    def part_iri(self, article: int) -> URIRef:
        return self.id[f"document/{self.meta.id}/" + ("preamble" if article == 0 else f"article/{article}")]

    def locate(self, item: Quoted, entry: str) -> Located:
        """Offsets of the `occurrence`-th `quote` inside its article."""
        try:
            part = self.doc.part(item.article)
        except KeyError as error:
            raise AnnotationError(self.file, entry, f"article: {error.args[0]}") from error
        text, position = self.doc.text, part.start - 1
        for _ in range(item.occurrence):
            position = text.find(item.quote, position + 1, part.end)
            if position < 0:
                elsewhere = [a.number for a in self.doc.articles if item.quote in text[a.start : a.end]]
                hint = f"; it occurs in article(s) {elsewhere}" if elsewhere else ""
                where = "the preamble" if item.article == 0 else f"article {item.article}"
                raise AnnotationError(
                    self.file,
                    entry,
                    f"quote not found in {where} (occurrence {item.occurrence}): {item.quote!r}{hint}",
                )
        return Located(position, position + len(item.quote))

    def source(self, subject: URIRef, item: Quoted, entry: str) -> Located:
        """dg:source with quote and position selectors, prov:wasDerivedFrom, dg:article."""
        at = self.locate(item, entry)
        self.selectors(subject, at.start, at.end)
        for part, sentence in self.doc.sentences_overlapping(at.start, at.end):
            self.add(
                subject,
                PROV.wasDerivedFrom,
                URIRef(f"{self.part_iri(part.number)}/sentence/{sentence.number}"),
            )
        self.add(subject, self.dg.article, self.part_iri(item.article))
        self.notes(subject, item)
        return at

    def selectors(self, subject: URIRef, start: int, end: int, predicate: URIRef | None = None) -> None:
        """dg:source (or `predicate`): the words text[start:end], by quote and by position
        (the build checks that the one is the other)."""
        text = self.doc.text
        at = Located(start, end)
        source = URIRef(f"{subject}/source")
        quote, position = URIRef(f"{source}/quote"), URIRef(f"{source}/position")
        self.add(subject, predicate or self.dg.source, source)
        self.add(source, RDF.type, OA.SpecificResource)
        self.add(source, OA.hasSource, self.doc_iri)
        self.add(source, OA.hasSelector, quote)
        self.add(source, OA.hasSelector, position)
        self.add(quote, RDF.type, OA.TextQuoteSelector)
        self.add(quote, OA.exact, Literal(text[at.start : at.end]))
        prefix = text[max(0, at.start - CONTEXT_CHARS) : at.start]
        suffix = text[at.end : at.end + CONTEXT_CHARS]
        if prefix:
            self.add(quote, OA.prefix, Literal(prefix))
        if suffix:
            self.add(quote, OA.suffix, Literal(suffix))
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(at.start))
        self.add(position, OA.end, Literal(at.end))

    def agent(self, slug: str) -> URIRef:
        return agent_iri(self.ns, self.register, slug)

    def agent_labels(self, slug: str) -> tuple[str, str | None]:
        entry = self.register.agent(slug)
        if entry is None:
            raise KeyError(slug)
        return entry.zh, entry.en

    def action_labels(self, slug: str) -> tuple[str, str | None]:
        action = next(a for a in self.reading.actions if a.id == slug)
        return action.zh, action.en

    # -- the document --------------------------------------------------------------------

    def compile(self) -> None:
        self.document()
        self.structure()
        self.actions()
        self.concepts("functions", self.reading.functions, "function", self.dg.Function)
        self.concepts(
            "talent_categories", self.reading.talent_categories, "talent-category", self.dg.TalentCategory
        )
        self.concepts("conditions", self.reading.conditions, "condition", self.dg.Condition)
        self.mentions()
        self.appointments()
        self.relations()
        self.duties()
        self.mechanisms()
        self.responsibilities()
        if self.reading.reading == "draft":
            self.mark_draft()

    def mark_draft(self) -> None:
        """Everything a draft reading says is marked so (dg:reading dg:draft): the document and
        each labelled thing in its graph, so that every answer made from it can say so."""
        for subject in {self.doc_iri, *self.g.subjects(SKOS.prefLabel, None)}:
            self.add(subject, self.dg.reading, self.dg.draft)

    def confidence(self, subject: URIRef, value: float | None) -> None:
        if value is not None:
            self.add(subject, self.dg.confidence, Literal(Decimal(str(round(value, 3)))))

    def document(self) -> None:
        doc, meta = self.doc_iri, self.meta
        self.add(doc, RDF.type, ELI.LegalResource)
        self.add(doc, DCTERMS.title, Literal(meta.title.zh, lang="zh"))
        if meta.title.en:
            self.add(doc, DCTERMS.title, Literal(meta.title.en, lang="en"))
        self.label(doc, meta.title.zh, meta.title.en)
        self.add(doc, DCTERMS.language, Literal(meta.language))
        self.add(doc, self.dg.sourceFile, Literal(meta.file))
        self.add(doc, self.dg.sha256, Literal(meta.sha256))
        self.add(doc, self.dg.cleanedText, Literal(self.doc.text))
        self.add(doc, self.dg.headerVerified, Literal(meta.header.verified))
        self.add(doc, SKOS.note, Literal(meta.header.note_zh, lang="zh"))
        self.add(doc, SKOS.note, Literal(meta.header.note_en, lang="en"))
        header_predicates = {"issuing-number": self.dg.headerNumber, "addressee": self.dg.addressee}
        for line in self.doc.header:
            self.add(doc, header_predicates.get(line.kind, self.dg.headerTitle), Literal(line.text))
        self.closing()
        self.metadata()
        # the title is sourced like everything else where the preamble names the subject
        if meta.title.quote:
            self.source(doc, Quoted(quote=meta.title.quote, article=meta.title.article), "meta.title")

    def closing(self) -> None:
        """The closing lines as received; the date also as an xsd:date; the issuer as a body."""
        doc = self.doc_iri
        for line in self.doc.closing:
            if line.kind == "date":
                self.add(doc, self.dg.dateLine, Literal(line.text))
                date = iso_date(line.text)
                if date:
                    self.add(doc, ELI.date_document, Literal(date, datatype=XSD.date))
            elif line.kind == "signature":
                self.add(doc, self.dg.signature, Literal(line.text))
            else:
                self.add(doc, self.dg.publicationNote, Literal(line.text))
        issuer = self.meta.issuer
        if issuer is not None:
            if issuer.body is not None:
                if self.register.body(issuer.body) is None or issuer.body not in {
                    m.id for m in self.reading.mentions
                }:
                    raise AnnotationError(
                        self.file, "meta.issuer", f"body: {issuer.body!r} is not a body the reading mentions"
                    )
                self.add(doc, ELI.passed_by, self.id[f"body/{issuer.body}"])
            self.add(doc, DCTERMS.creator, Literal(issuer.zh, lang="zh"))
            if issuer.en:
                self.add(doc, DCTERMS.creator, Literal(issuer.en, lang="en"))

    def metadata(self) -> None:
        """What the text says of the document itself (ontology/metadata.py): its form, category,
        issuer, number and dated events, each sourced to the words it is read from."""
        found = read_metadata(self.doc)
        doc, dg = self.doc_iri, self.dg
        facts = [("form", found.kind.form, found.kind.words)] if found.kind else []
        named = (("category", found.category), ("issuer", found.issuer), ("number", found.number))
        facts += [(name, fact.value, fact.words) for name, fact in named if fact is not None]
        for name, value, words in facts:
            node = URIRef(f"{doc}/metadata/{name}")
            self.add(doc, dg.metadataFact, node)
            self.add(node, RDF.type, dg.MetadataFact)
            self.add(node, dg.field, Literal(name))
            self.add(node, RDF.value, Literal(value))
            self.selectors(node, words.start, words.end, dg.readFrom)
        if found.kind:
            self.add(doc, dg.documentForm, Literal(found.kind.form, lang="zh"))
            self.add(doc, dg.documentForm, Literal(found.kind.gloss, lang="en"))
        if found.category:
            self.add(doc, dg.documentCategory, Literal(found.category.value, lang="zh"))
        if found.issuer:
            self.add(doc, dg.issuerName, Literal(found.issuer.value, lang="zh"))
        if found.number:
            self.add(doc, ELI.id_local, Literal(found.number.value))
        if found.year:
            self.add(doc, dg.year, Literal(found.year))
        if found.date and len(found.date) == 10 and not any(line.kind == "date" for line in self.doc.closing):
            self.add(doc, ELI.date_document, Literal(found.date, datatype=XSD.date))
        for n, event in enumerate((e for e in found.events if not e.attachment), start=1):
            node = URIRef(f"{doc}/event/{n}")
            self.add(doc, dg.event, node)
            self.add(node, RDF.type, dg.DocumentEvent)
            self.add(node, dg.eventKind, Literal(event.kind))
            self.add(node, dg.order, Literal(n))
            if event.date:
                kind = XSD.date if len(event.date) == 10 else XSD.gYear
                self.add(node, DCTERMS.date, Literal(event.date, datatype=kind))
            if event.body:
                self.add(node, dg.eventBody, Literal(event.body.text))
            if event.ordinal:
                self.add(node, dg.ordinal, Literal(event.ordinal))
            self.selectors(node, event.words.start, event.words.end, dg.readFrom)

    def subdivision(
        self, iri: URIRef, cls: URIRef, parent: URIRef, number: int, start: int, end: int
    ) -> None:
        self.add(iri, RDF.type, cls)
        self.add(iri, ELI.is_part_of, parent)
        self.add(parent, ELI.has_part, iri)
        self.add(iri, ELI.number, Literal(str(number)))
        self.add(iri, self.dg.order, Literal(number))
        self.add(iri, self.dg.startOffset, Literal(start))
        self.add(iri, self.dg.endOffset, Literal(end))
        self.add(iri, self.dg.text, Literal(self.doc.text[start:end]))

    def structure(self) -> None:
        base = f"document/{self.meta.id}"
        parts = []
        if self.doc.preamble:
            preamble = self.doc.preamble
            iri = self.id[f"{base}/preamble"]
            self.subdivision(iri, self.dg.Preamble, self.doc_iri, 0, preamble.start, preamble.end)
            self.label(iri, "序言", "Preamble")
            parts.append((iri, preamble))
        for section in self.doc.sections:
            iri = self.id[f"{base}/section/{section.number}"]
            self.subdivision(iri, self.dg.Section, self.doc_iri, section.number, section.start, section.end)
            self.add(iri, self.dg.heading, Literal(section.heading))
            self.label(
                iri,
                self.doc.text[section.start : section.body_start] + section.heading,
                f"Section {section.number}",
            )
        for article in self.doc.articles:
            iri = self.part_iri(article.number)
            parent = self.id[f"{base}/section/{article.section}"] if article.section else self.doc_iri
            self.subdivision(iri, self.dg.Article, parent, article.number, article.start, article.end)
            if article.heading:
                self.add(iri, self.dg.heading, Literal(article.heading))
            where_zh, where_en = self.part_names(article)
            self.label(iri, f"{where_zh} {article.heading}".strip(), where_en)
            parts.append((iri, article))
        for iri, part in parts:
            for sentence in part.sentences:
                s_iri = URIRef(f"{iri}/sentence/{sentence.number}")
                self.subdivision(s_iri, self.dg.Sentence, iri, sentence.number, sentence.start, sentence.end)
                where_zh, where_en = self.part_names(part)
                self.label(
                    s_iri, f"{where_zh}第{sentence.number}句", f"{where_en}, sentence {sentence.number}"
                )

    def part_names(self, part: Part) -> tuple[str, str]:
        """How a reader cites a part: 序言, 第5条, （一）, 第16段（无编号）."""
        if part.number == 0:
            return "序言", "Preamble"
        if not part.numbered:
            return f"第{part.number}段（无编号）", f"Paragraph {part.number} (unnumbered)"
        if self.doc.article_style == "item":
            return self.doc.text[part.start : part.body_start].strip(), f"Item {part.number}"
        return f"第{part.number}条", f"Article {part.number}"

    # -- vocabularies of the document -----------------------------------------------------

    def scheme(self, slug: str, zh: str, en: str) -> URIRef:
        iri = self.scoped("scheme", slug)
        self.add(iri, RDF.type, SKOS.ConceptScheme)
        self.label(iri, zh, en)
        return iri

    def actions(self) -> None:
        scheme = self.scheme("actions", "行为", "Actions")
        for action in self.reading.actions:
            iri = self.scoped("action", action.id)
            self.add(iri, RDF.type, self.dg.Action)
            self.add(iri, SKOS.inScheme, scheme)
            self.label(iri, action.zh, action.en, action.alt_zh, action.alt_en)

    def concepts(self, section: str, items: list[Concept], path: str, cls: URIRef) -> None:
        scheme = self.scheme(section.replace("_", "-"), *SCHEME_LABELS[section])
        for index, item in enumerate(items):
            iri = self.scoped(path, item.id)
            self.add(iri, RDF.type, cls)
            self.add(iri, SKOS.inScheme, scheme)
            self.label(iri, item.zh, item.en, item.alt_zh, item.alt_en)
            self.source(iri, item, f"{section}[{index}] ({item.id})")

    # -- bodies, posts and how they relate -----------------------------------------------------

    def mentions(self) -> None:
        """Where this document names each register entry it refers to."""
        for index, mention in enumerate(self.reading.mentions):
            iri = self.scoped("mention", mention.id)
            zh, en = self.agent_labels(mention.id)
            self.add(iri, RDF.type, self.dg.Mention)
            self.add(iri, self.dg.mentionOf, self.agent(mention.id))
            title_en = self.meta.title.en
            self.label(
                iri, f"{self.meta.title.zh}中的“{zh}”", en and title_en and f"{en}, as named in {title_en}"
            )
            self.confidence(iri, mention.confidence)
            self.source(iri, mention, f"mentions[{index}] ({mention.id})")

    def appointments(self) -> None:
        for index, ap in enumerate(self.reading.appointments):
            iri = self.scoped("appointment", ap.id)
            appointed = self.id[f"post/{ap.appointed_to}"]
            self.add(iri, RDF.type, self.dg.ExOfficioAppointment)
            for holder in ap.holders:
                self.add(iri, self.dg.holder, self.id[f"post/{holder}"])
            self.add(iri, self.dg.appointedTo, appointed)
            if ap.condition:
                self.add(iri, self.dg.condition, self.scoped("condition", ap.condition))
            elif len(ap.holders) == 1:
                # only an unconditional, single-holder appointment is a plain fact
                self.add(self.id[f"post/{ap.holders[0]}"], self.dg.servesExOfficioAs, appointed)
            holders_zh = "或".join(self.agent_labels(h)[0] for h in ap.holders)
            holders_en = " or ".join(self.agent_labels(h)[1] for h in ap.holders)
            to_zh, to_en = self.agent_labels(ap.appointed_to)
            self.label(iri, f"{holders_zh}担任{to_zh}", f"{holders_en} serves as {to_en}")
            self.source(iri, ap, f"appointments[{index}] ({ap.id})")

    def relation_predicate(self, name: str) -> URIRef:
        return ORG.unitOf if name == "unit-of" else self.dg[RELATION_LOCAL[name]]

    def relations(self) -> None:
        seen: dict[str, int] = {}
        for index, rel in enumerate(self.reading.relations):
            key = f"{rel.subject}.{rel.relation}.{rel.object}"
            seen[key] = seen.get(key, 0) + 1
            iri = self.scoped("relation", key + (f"-{seen[key]}" if seen[key] > 1 else ""))
            subject, obj = self.agent(rel.subject), self.agent(rel.object)
            predicate = self.relation_predicate(rel.relation)
            self.add(iri, RDF.type, self.dg.RelationStatement)
            self.add(iri, RDF.subject, subject)
            self.add(iri, RDF.predicate, predicate)
            self.add(iri, RDF.object, obj)
            if rel.condition:
                # a relation that holds only under a condition is not asserted as a fact
                self.add(iri, self.dg.condition, self.scoped("condition", rel.condition))
            else:
                self.add(subject, predicate, obj)
            s_zh, s_en = self.agent_labels(rel.subject)
            o_zh, o_en = self.agent_labels(rel.object)
            self.label(iri, f"{s_zh} {rel.relation} {o_zh}", f"{s_en} {rel.relation} {o_en}")
            self.source(iri, rel, f"relations[{index}] ({key})")

    # -- provisions -------------------------------------------------------------------------

    def duties(self) -> None:
        for index, duty in enumerate(self.reading.duties):
            self.duty(duty, f"duties[{index}] ({duty.id})")

    def duty(self, duty: Duty, entry: str) -> None:
        iri = self.scoped("duty", duty.id)
        self.add(iri, RDF.type, MODALITY_CLASS.get(duty.modality, self.dg.Encouragement))
        self.add(iri, ODRL.assignee, self.agent(duty.actor))
        self.add(iri, self.dg.actorImplied, Literal(duty.implied))
        self.add(iri, self.dg.modality, self.dg[duty.modality])
        self.add(iri, ODRL.action, self.scoped("action", duty.action))
        self.text(iri, self.dg.object, duty.object)
        if duty.assigner:
            self.add(iri, ODRL.assigner, self.agent(duty.assigner))
            self.add(iri, self.dg.assignerImplied, Literal(duty.assigner_implied))
        if duty.guided_by:
            self.add(iri, self.dg.guidedBy, self.scoped("duty", duty.guided_by))
        for body in duty.concerns:
            self.add(iri, self.dg.concerns, self.agent(body))
        self.constraints(iri, duty)
        for value in duty.functions:
            self.add(iri, self.dg.servesFunction, self.scoped("function", value))
        for value in duty.talent_categories:
            self.add(iri, self.dg.concernsTalentCategory, self.scoped("talent-category", value))
        actor_zh, actor_en = self.agent_labels(duty.actor)
        action_zh, action_en = self.action_labels(duty.action)
        self.label(
            iri,
            f"{actor_zh}：{phrase(action_zh, duty.object.zh, '')}",
            actor_en
            and action_en
            and duty.object.en
            and f"{actor_en}: {phrase(action_en, duty.object.en, ' ')}",
        )
        self.confidence(iri, duty.confidence)
        at = self.source(iri, duty, entry)
        if duty.guided_by:
            self.same_sentence_as_guide(duty, at, entry)

    def same_sentence_as_guide(self, duty: Duty, at: Located, entry: str) -> None:
        """B's provision and A's (guided_by) quote words of one sentence."""
        guiding = next(d for d in self.reading.duties if d.id == duty.guided_by)
        there = self.locate(guiding, f"{entry}.guided_by")
        mine = {(p.number, s.number) for p, s in self.doc.sentences_overlapping(at.start, at.end)}
        theirs = {(p.number, s.number) for p, s in self.doc.sentences_overlapping(there.start, there.end)}
        if not mine & theirs:
            raise AnnotationError(
                self.file, entry, f"guided_by: {guiding.id} quotes another sentence than this provision"
            )

    def constraints(self, iri: URIRef, duty: Duty) -> None:
        number = 0
        for level in duty.levels:
            number += 1
            constraint = URIRef(f"{iri}/constraint/{number}")
            self.add(iri, ODRL.constraint, constraint)
            self.add(constraint, RDF.type, ODRL.Constraint)
            self.add(constraint, ODRL.leftOperand, self.dg.administrativeLevel)
            self.add(constraint, ODRL.operator, ODRL[level.op])
            values = level.value if isinstance(level.value, list) else [level.value]
            for value in values:
                self.add(constraint, ODRL.rightOperand, self.dg[value])
        if duty.levels:
            for value in duty.admitted_levels():
                self.add(iri, self.dg.appliesAtLevel, self.dg[value])
        for condition in duty.conditions:
            number += 1
            constraint = URIRef(f"{iri}/constraint/{number}")
            condition_iri = self.scoped("condition", condition)
            self.add(iri, ODRL.constraint, constraint)
            self.add(iri, self.dg.condition, condition_iri)
            self.add(constraint, RDF.type, ODRL.Constraint)
            self.add(constraint, ODRL.leftOperand, self.dg.circumstance)
            self.add(constraint, ODRL.operator, ODRL.eq)
            self.add(constraint, ODRL.rightOperand, condition_iri)

    # -- the division of labour: （X、Y负责。列第一位者为牵头单位，下同） ---------------------

    def responsibilities(self) -> None:
        section = self.reading.responsibilities
        if section is None:
            return
        for index, note in enumerate(section.notes):
            self.division_of_labour(note, f"responsibilities.notes[{index}] (article {note.article})")

    def division_of_labour(self, note: DivisionOfLabour, entry: str) -> None:
        section = self.reading.responsibilities
        assert section is not None
        iri = self.scoped("division-of-labour", f"a{note.article:02d}")
        item_zh, item_en = self.part_names(self.doc.part(note.article))
        names_zh = "、".join(self.agent_labels(b)[0] for b in note.bodies)
        self.add(iri, RDF.type, self.dg.DivisionOfLabour)
        self.label(iri, f"{item_zh}的分工：{names_zh}负责", f"{item_en}: division of labour")
        self.add(iri, self.dg.othersUnnamed, Literal(note.others_unnamed))
        self.add(iri, self.dg.byDivisionOfDuties, Literal(note.by_division_of_duties))
        self.add(iri, ODRL.assigner, self.agent(section.assigner))
        self.text(iri, self.dg.object, note.object)
        self.source(iri, note, entry)
        lead = lead_of(section, note)
        if lead is not None and section.lead_rule is not None and note.article >= section.lead_rule.article:
            rule = section.lead_rule
            self.add(iri, self.dg.leadRule, Literal(rule.quote, lang="zh"))
        action_zh, action_en = self.action_labels(section.action)
        for position, body in enumerate(note.bodies, start=1):
            duty = self.scoped("duty", responsibility_duty_id(note, position))
            role = "role-lead" if body == lead else "role-co-responsible"
            self.add(duty, RDF.type, ODRL.Duty)
            self.add(duty, ODRL.assignee, self.agent(body))
            self.add(duty, self.dg.actorImplied, Literal(False))
            self.add(duty, self.dg.modality, self.dg.obligation)
            self.add(duty, ODRL.action, self.scoped("action", section.action))
            self.text(duty, self.dg.object, note.object)
            self.add(duty, ODRL.assigner, self.agent(section.assigner))
            self.add(duty, self.dg.assignerImplied, Literal(section.assigner_implied))
            self.add(duty, self.dg.allocatedBy, iri)
            self.add(duty, self.dg.responsibilityRole, self.dg[role])
            self.add(duty, self.dg.order, Literal(position))
            actor_zh, actor_en = self.agent_labels(body)
            role_zh, role_en = ("牵头", "lead") if body == lead else ("共同负责", "co-responsible")
            self.label(
                duty,
                f"{actor_zh}：{phrase(action_zh, note.object.zh, '')}（{role_zh}）",
                actor_en
                and action_en
                and note.object.en
                and f"{actor_en}: {phrase(action_en, note.object.en, ' ')} ({role_en})",
            )
            self.confidence(duty, note.confidence)
            self.source(duty, note.model_copy(update={"note_zh": None, "note_en": None}), entry)

    # -- mechanisms (articles 10–13) --------------------------------------------------------

    def mechanisms(self) -> None:
        for index, mechanism in enumerate(self.reading.mechanisms):
            self.mechanism(mechanism, f"mechanisms[{index}] ({mechanism.id})")

    def mechanism(self, mechanism: Mechanism, entry: str) -> None:
        iri = self.scoped("mechanism", mechanism.id)
        self.add(iri, RDF.type, self.dg.Mechanism)
        self.label(iri, mechanism.zh, mechanism.en, mechanism.alt_zh, mechanism.alt_en)
        self.source(iri, mechanism, entry)
        previous: URIRef | None = None
        duties = {duty.id: duty for duty in self.reading.duties}
        for order, step in enumerate(mechanism.steps, start=1):
            behind = duties.get(step.duty or "")
            implied = step.implied if step.implied is not None else bool(behind and behind.implied)
            step = step.model_copy(
                update={"article": step.article if step.article is not None else mechanism.article}
            )
            step_iri = URIRef(f"{iri}/step/{order}")
            self.add(iri, self.dg.step, step_iri)
            self.add(step_iri, RDF.type, self.dg.ProcedureStep)
            self.add(step_iri, self.dg.order, Literal(order))
            self.add(step_iri, self.dg.actor, self.agent(step.actor))
            self.add(step_iri, self.dg.actorImplied, Literal(implied))
            self.add(step_iri, ODRL.action, self.scoped("action", step.action))
            self.text(step_iri, self.dg.object, step.object)
            if step.duty:
                self.add(step_iri, self.dg.basedOn, self.scoped("duty", step.duty))
            if previous is not None:
                self.add(previous, self.dg.nextStep, step_iri)
            actor_zh, actor_en = self.agent_labels(step.actor)
            # a step's object is written as the whole predicate ("审定重大事项")
            self.label(
                step_iri,
                f"{order}. {actor_zh}：{step.object.zh}",
                actor_en and step.object.en and f"{order}. {actor_en}: {step.object.en}",
            )
            self.source(step_iri, step, f"{entry}.steps[{order - 1}]")
            previous = step_iri


# -- the register: every body and post, once for all documents ----------------------------------


def agent_iri(ns: Namespaces, register: Register, slug: str) -> URIRef:
    return register_iri(ns, "post" if isinstance(register.agent(slug), Post) else "body", slug)


def compile_register(graph: Graph, ns: Namespaces, register: Register, slugs: set[str] | None = None) -> None:
    """The register's entries (those in `slugs`, and what they are units, kinds or posts of;
    all when None) with their classes, kinds, labels and structure. Their sources are the
    documents' mentions."""
    wanted = register_closure(register, slugs)

    def add(s: Node, p: Node, o: Node) -> None:
        graph.add((s, p, o))  # type: ignore[arg-type]

    def label(iri: URIRef, entry: Body | Post) -> None:
        for value, lang in ((entry.zh, "zh"), (entry.en, "en")):
            if value is None:  # a draft entry's: no English until a person gives it
                continue
            add(iri, SKOS.prefLabel, Literal(value, lang=lang))
            add(iri, RDFS.label, Literal(value, lang=lang))
        for values, lang in ((entry.alt_zh, "zh"), (entry.alt_en, "en")):
            for value in values:
                add(iri, SKOS.altLabel, Literal(value, lang=lang))
        for value, lang in ((entry.note_zh, "zh"), (entry.note_en, "en")):
            if value:
                add(iri, SKOS.note, Literal(value, lang=lang))

    # the register graph says where every IRI of the data lives: a reader of a store learns
    # the data namespace from it (and the ontology's from vann:preferredNamespaceUri)
    add(ns.id["register"], RDF.type, VOID.Dataset)
    add(ns.id["register"], VOID.uriSpace, Literal(ns.data))
    for body in register.bodies:
        if body.id not in wanted:
            continue
        iri = ns.id[f"body/{body.id}"]
        add(iri, RDF.type, BODY_CLASS.get(body.class_, ns.dg.SocialGroup))
        add(iri, ORG.classification, ns.dg[f"kind-{body.kind}"])
        if body.unit_of:
            add(iri, ORG.unitOf, ns.id[f"body/{body.unit_of}"])
        if body.kind_of:
            add(iri, ns.dg.isKindOf, ns.id[f"body/{body.kind_of}"])
        label(iri, body)
        if body.reading == "draft":  # proposed by ingest, not yet reviewed
            add(iri, ns.dg.reading, ns.dg.draft)
            if body.confidence is not None:
                add(iri, ns.dg.confidence, Literal(Decimal(str(round(body.confidence, 3)))))
    for post in register.posts:
        if post.id not in wanted:
            continue
        iri = ns.id[f"post/{post.id}"]
        add(iri, RDF.type, ORG.Post)
        add(iri, ORG.postIn, ns.id[f"body/{post.post_in}"])
        label(iri, post)


def register_closure(register: Register, slugs: set[str] | None) -> set[str]:
    """`slugs` and every entry they are a unit, a kind or a post of, transitively."""
    if slugs is None:
        return {b.id for b in register.bodies} | {p.id for p in register.posts}
    wanted, todo = set(), list(slugs)
    while todo:
        slug = todo.pop()
        entry = register.agent(slug)
        if slug in wanted or entry is None:
            continue
        wanted.add(slug)
        parents = (entry.post_in,) if isinstance(entry, Post) else (entry.unit_of, entry.kind_of)
        todo.extend(p for p in parents if p)
    return wanted
