"""Draft the reading of a parsed document by rule, in the format of the curated readings.

`draft_reading(parsed, register, document_id)` returns a dict to write as YAML: the same
sections as a curated reading (actions, conditions, mentions, duties, responsibilities), with
`reading: draft`, a `confidence` on every duty, mention, condition and note, `zh` only where
no register entry gives an English label, and a `register:` list of the entries it proposes.
It reads only the text and the register, never a curated reading; the same input gives the
same output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dutygraph.ontology.annotations import Register
from dutygraph.ontology.document import ParsedDocument, Part

from .bodies import Found
from .linking import Linker, slug_of
from .notes import Note, find_note
from .provisions import Actor, PartReader, Provision, heading_span

# 文号 prefixes of the issuers whose documents are addressed to governments or to Party
# committees (the 党政机关公文 numbering), and the body their subjectless directives bind.
GOVERNMENT_ISSUERS = ("国务院", "国办", "国发", "国函", "人民政府", "政府办公厅", "政发", "政办")
PARTY_ISSUERS = ("中共", "中央", "中发", "中办", "厅字", "党委", "委发", "委办")
ISSUER_BY_NUMBER = {
    "国发": "国务院",
    "国办发": "国务院办公厅",
    "国函": "国务院",
    "国办函": "国务院办公厅",
    "中发": "中共中央",
    "中办发": "中共中央办公厅",
}

# the Party's central bodies as the genre's texts name them inside (中共中央 signs, 党中央 is written)
ISSUER_NAMES = {"中共中央": "党中央"}


@dataclass(frozen=True)
class Issuer:
    words: str | None
    system: str | None  # "government" | "party" | None


def draft_reading(parsed: ParsedDocument, register: Register, document_id: str) -> dict[str, object]:
    linker = Linker(register)
    grammar = linker.grammar()
    issuer = find_issuer(parsed)
    issuer_id = linker.known(issuer.words) if issuer.words else None
    named = _named(parsed, linker, grammar)
    default = _sourced_default(parsed, linker, issuer, named)
    provisions: list[Provision] = []
    notes: list[tuple[Part, Note]] = []
    for part in _parts(parsed):
        note = find_note(parsed.text, part.start, part.end) if part.number else None
        lead = _note_lead(note, linker, notes, part) if note else None
        sentences = [(s.start, s.end) for s in part.sentences]
        # a regulation's articles (第X条) have no headings: their first sentence is a provision
        numbered = part.number > 0 and part.numbered and parsed.article_style != "tiao"
        heading = heading_span(parsed.text, sentences, numbered)
        sentences = [_before(span, note) for span in sentences if span != heading]
        sentences = [span for span in sentences if span[1] > span[0]]
        reader = PartReader(parsed.text, grammar, linker, lead or default, lead is not None, part.number)
        offset = len(provisions)
        for provision in reader.read(sentences):
            if provision.guided_by is not None:
                provision.guided_by += offset
            provisions.append(provision)
        if note:
            notes.append((part, note))
    return _assemble(parsed, document_id, linker, named, provisions, notes, issuer_id)


def find_issuer(parsed: ParsedDocument) -> Issuer:
    """Who issued the document: from its 文号, its title (X关于…) or its signature."""
    number = parsed.line("issuing-number")
    if number:
        prefix = re.match(r"\D+?(?=[〔\[［(（])", number.text.strip())
        if prefix:
            words = prefix.group().strip()
            named = ISSUER_BY_NUMBER.get(words, words)
            return Issuer(named, _system(words))
    title = parsed.line("title")
    if title and "关于" in title.text:
        words = title.text.split("关于")[0].strip("# ")
        if words:
            return Issuer(words, _system(words))
    signature = next((line for line in parsed.closing if line.kind == "signature"), None)
    if signature:
        return Issuer(signature.text.strip(), _system(signature.text))
    return Issuer(None, None)


def _system(words: str) -> str | None:
    if any(w in words for w in PARTY_ISSUERS):
        return "party"
    if any(w in words for w in GOVERNMENT_ISSUERS):
        return "government"
    return None


def _default_actors(issuer: Issuer) -> list[str]:
    """A directive with no subject binds the bodies the issuer addresses: the governments for a
    government issuer, the Party committees for a Party issuer, both for a joint one (中共中央
    国务院), in that order."""
    words = issuer.words or ""
    if issuer.system == "party":
        joint = any(w in words for w in GOVERNMENT_ISSUERS)
        return ["党委", "政府"] if joint else ["党委"]
    return ["政府"] if issuer.system == "government" else []


def _sourced_default(
    parsed: ParsedDocument, linker: Linker, issuer: Issuer, named: dict[str, dict[str, object]]
) -> Actor | None:
    """The addressee a subjectless directive binds, if the document's parts name it somewhere
    (a reading sources every body it charges to a mention, and a mention quotes an article or
    the preamble, never the header); else the issuer, if the parts name it; else none, and a
    subjectless directive is left undrafted rather than charged to a body without a source."""

    def sourced(slug: str) -> bool:
        return slug in named or _locate_words(parsed, linker, slug) is not None

    addressees = [linker.known(w) or linker.propose(w) for w in _default_actors(issuer)]
    if addressees and not any(sourced(slug) for slug in addressees):
        # 中共中央 国务院: a joint issuer is each of the bodies it names
        words = [issuer.words or "", *re.split(r"[\s、，和]+", issuer.words or "")]
        addressees = [slug for slug in (linker.known(ISSUER_NAMES.get(w, w)) for w in words if w) if slug]
    return next((Actor(slug, True) for slug in addressees if sourced(slug)), None)


def _parts(parsed: ParsedDocument) -> list[Part]:
    return ([parsed.preamble] if parsed.preamble else []) + list(parsed.articles)


def _before(span: tuple[int, int], note: Note | None) -> tuple[int, int]:
    if note is None or span[1] <= note.start:
        return span
    return span[0], max(span[0], min(span[1], note.start))


def _note_lead(note: Note, linker: Linker, notes: list[tuple[Part, Note]], part: Part) -> Actor | None:
    ids = [linker.known(n) or linker.propose(n) for n in note.names]
    if not ids:
        return None
    rule = note.lead_rule or next((n.lead_rule for _, n in notes if n.lead_rule), None)
    if note.lead_name:
        return Actor(linker.known(note.lead_name) or linker.propose(note.lead_name), True)
    if rule or len(ids) == 1:
        return Actor(ids[0], True)
    return None


# --- the YAML -------------------------------------------------------------------------------


def _assemble(
    parsed: ParsedDocument,
    document_id: str,
    linker: Linker,
    named: dict[str, dict[str, object]],
    provisions: list[Provision],
    notes: list[tuple[Part, Note]],
    issuer_id: str | None,
) -> dict[str, object]:
    text = parsed.text
    actions: dict[str, dict[str, str]] = {}
    conditions: dict[tuple[int, int, int], dict[str, object]] = {}
    duties: list[dict[str, object]] = []
    ids: list[str] = []
    counters: dict[int, int] = {}
    used: list[str] = []
    for provision in provisions:
        counters[provision.article] = counters.get(provision.article, 0) + 1
        number = counters[provision.article]
        ids.append(f"p-{number}" if provision.article == 0 else f"a{provision.article:02d}-{number}")
    for index, provision in enumerate(provisions):
        part = parsed.part(provision.article)
        action_id = _action_id(actions, provision.action)
        duty: dict[str, object] = {
            "id": ids[index],
            "actor": provision.actor.id,
            "implied": provision.actor.implied,
            "modality": provision.modality,
            "action": action_id,
            "object": {"zh": provision.object or text[provision.start : provision.end]},
            **_quote(text, part, provision.start, provision.end),
            "confidence": provision.confidence,
        }
        used.append(provision.actor.id)
        if provision.assigner is not None:
            duty["assigner"] = provision.assigner.id
            duty["assigner_implied"] = provision.assigner.implied
            used.append(provision.assigner.id)
        if provision.guided_by is not None:
            duty["guided_by"] = ids[provision.guided_by]
        if provision.concerns:
            duty["concerns"] = provision.concerns
            used.extend(provision.concerns)
        if provision.actor.levels:
            duty["levels"] = provision.actor.level_list()
        cond_ids = [_condition_id(conditions, text, part, span) for span in provision.conditions]
        if cond_ids:
            duty["conditions"] = cond_ids
        duties.append(duty)
    responsibilities = _responsibilities(parsed, linker, notes, issuer_id, actions, used)
    mentions = _mentions(parsed, linker, named, used, provisions)
    duties, responsibilities = _sourced_only(duties, responsibilities, {str(m["id"]) for m in mentions})
    reading: dict[str, object] = {"document": document_id, "reading": "draft"}
    if linker.proposals:
        reading["register"] = [
            {k: v for k, v in entry.items() if v not in ([], None)} for entry in linker.proposals.values()
        ]
    reading["actions"] = list(actions.values())
    if conditions:
        reading["conditions"] = list(conditions.values())
    reading["mentions"] = mentions
    reading["duties"] = duties
    if responsibilities:
        reading["responsibilities"] = responsibilities
    return reading


def _quote(text: str, part: Part, start: int, end: int) -> dict[str, object]:
    """quote, article and, when the words repeat earlier in the article, occurrence."""
    words = text[start:end]
    occurrence, position = 0, part.start - 1
    while True:
        position = text.find(words, position + 1, part.end)
        if position < 0 or position > start:
            break
        occurrence += 1
        if position == start:
            break
    quoted: dict[str, object] = {"quote": words, "article": part.number}
    if occurrence > 1:
        quoted["occurrence"] = occurrence
    return quoted


def _action_id(actions: dict[str, dict[str, str]], verb: str) -> str:
    if verb not in actions:
        slug = slug_of(verb)
        taken = {a["id"] for a in actions.values()}
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        actions[verb] = {"id": slug, "zh": verb}
    return actions[verb]["id"]


def _condition_id(
    conditions: dict[tuple[int, int, int], dict[str, object]], text: str, part: Part, span: tuple[int, int]
) -> str:
    key = (part.number, *span)
    if key not in conditions:
        prefix = "p" if part.number == 0 else f"a{part.number:02d}"
        same = sum(1 for k in conditions if k[0] == part.number)
        words = text[span[0] : span[1]]
        conditions[key] = {
            "id": f"{prefix}-c{same + 1}",
            "zh": words,
            **_quote(text, part, *span),
            "confidence": 0.6,
        }
    return str(conditions[key]["id"])


def _responsibilities(
    parsed: ParsedDocument,
    linker: Linker,
    notes: list[tuple[Part, Note]],
    issuer_id: str | None,
    actions: dict[str, dict[str, str]],
    used: list[str],
) -> dict[str, object] | None:
    if not notes:
        return None
    text = parsed.text
    result: dict[str, object] = {
        "assigner": issuer_id or linker.propose("发文机关"),
        "assigner_implied": True,
        "action": _action_id(actions, "负责"),
    }
    used.append(str(result["assigner"]))
    rule = next(((part, n.lead_rule) for part, n in notes if n.lead_rule), None)
    if rule:
        result["lead_rule"] = _quote(text, rule[0], *rule[1])  # a LeadRule has no confidence
    drafted = []
    for part, note in notes:
        bodies: list[str] = []
        for name in note.names:
            slug = linker.known(name) or linker.propose(name)
            if slug not in bodies:
                bodies.append(slug)
        if not bodies:
            continue
        used.extend(bodies)
        heading = part.heading or text[part.body_start : part.body_start + 20]
        entry: dict[str, object] = {
            "article": part.number,
            **_quote(text, part, note.start, note.end),
            "object": {"zh": heading},
            "bodies": bodies,
        }
        applies = rule is not None and part.number >= rule[0].number
        if note.lead_name:
            entry["lead"] = linker.known(note.lead_name) or linker.propose(note.lead_name)
        elif applies or len(bodies) == 1:
            entry["lead"] = bodies[0]
        if note.others_unnamed:
            entry["others_unnamed"] = True
        if note.by_division_of_duties:
            entry["by_division_of_duties"] = True
        entry["confidence"] = 0.9 if all(linker.known(n) for n in note.names) else 0.6
        drafted.append(entry)
    result["notes"] = drafted
    return result if drafted else None


def _sourced_only(
    duties: list[dict[str, object]], responsibilities: dict[str, object] | None, mentioned: set[str]
) -> tuple[list[dict[str, object]], dict[str, object] | None]:
    """Keep only what the text sources: a duty whose actor no mention quotes is left out (a
    reading refers only to bodies it mentions); an unsourced assigner, concern or guide is
    dropped from the duty that names it. The rules above avoid such actors; this keeps the
    draft valid whatever an unforeseen text does."""
    kept: list[dict[str, object]] = []
    dropped: set[object] = set()
    for duty in duties:
        if duty["actor"] not in mentioned:
            dropped.add(duty["id"])
            continue
        if duty.get("assigner") not in (None, *mentioned) or duty.get("guided_by") in dropped:
            for key in ("assigner", "assigner_implied", "guided_by"):
                duty.pop(key, None)
        if "concerns" in duty:
            concerns = [c for c in duty["concerns"] if c in mentioned]  # type: ignore[union-attr]
            if concerns:
                duty["concerns"] = concerns
            else:
                duty.pop("concerns")
        kept.append(duty)
    if responsibilities is not None and responsibilities["assigner"] not in mentioned:
        responsibilities = None  # the issuer who divides the labour is named nowhere in the parts
    return kept, responsibilities


def _named(parsed: ParsedDocument, linker: Linker, grammar: object) -> dict[str, dict[str, object]]:
    """Each body or post the grammar finds in the parts, once: the mention where it is first named."""
    text = parsed.text
    first: dict[str, dict[str, object]] = {}
    for part in _parts(parsed):
        for sentence in part.sentences:
            for found in grammar.find(text, sentence.start, sentence.end):  # type: ignore[attr-defined]
                slug, _ = linker.link(found)
                if slug not in first:
                    first[slug] = _mention(text, part, found, slug)
    return first


def _mentions(
    parsed: ParsedDocument,
    linker: Linker,
    named: dict[str, dict[str, object]],
    used: list[str],
    provisions: list[Provision],
) -> list[dict[str, object]]:
    """Each body or post the document names, once, where it first names it; and every one the
    draft refers to, at its first words in the text when the grammar did not find it, else at
    the words its provisions read it from (禁止 for 任何单位和个人), with a note saying so."""
    first = dict(named)
    for slug in used:
        if slug in first:
            continue
        located = _locate_words(parsed, linker, slug) or _implied_mention(parsed, provisions, slug)
        if located:
            first[slug] = located
    return list(first.values())


def _implied_mention(
    parsed: ParsedDocument, provisions: list[Provision], slug: str
) -> dict[str, object] | None:
    source = next((p for p in provisions if p.actor.id == slug and p.implied_from is not None), None)
    if source is None or source.implied_from is None:
        return None
    start, end = source.implied_from
    return {
        "id": slug,
        **_quote(parsed.text, parsed.part(source.article), start, end),
        "note_zh": f"未明言主体的“{parsed.text[start:end]}”所指：适用于任何单位和个人。",
        "note_en": "Not named: implied by a prohibition with no subject, which binds everyone.",
        "confidence": 0.4,
    }


def _mention(text: str, part: Part, found: Found, slug: str) -> dict[str, object]:
    return {"id": slug, **_quote(text, part, found.start, found.end), "confidence": found.confidence}


def _locate_words(parsed: ParsedDocument, linker: Linker, slug: str) -> dict[str, object] | None:
    entry = linker.register.agent(slug)
    proposal = next((p for p in linker.proposals.values() if p["id"] == slug), None)
    words: list[str] = []
    if entry is not None:
        words = [entry.zh, *entry.alt_zh]
    elif proposal is not None:
        words = [str(proposal["zh"]), *proposal["alt_zh"]]  # type: ignore[misc]
    for part in _parts(parsed):
        for word in sorted(words, key=len, reverse=True):
            at = parsed.text.find(word, part.start, part.end)
            if at >= 0:
                return {"id": slug, **_quote(parsed.text, part, at, at + len(word)), "confidence": 0.4}
    return None
