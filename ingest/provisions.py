"""Read the provisions of one part (the preamble or an article): who must, may, is encouraged
to or must not do what, each with its exact words.

One provision per actor and clause. The actor is the clause's subject when it names one
(explicit); else it is carried from the sentence's subject, else (in an item without a
division-of-labour note) from the sentence before, else it is the item's lead or the
document's addressee (implied). The modality is the modal word's; a clause without one
carries its sentence's modality when it carries its actor, and is otherwise an obligation (a
directive text binds by stating). "A 引导/督促/鼓励/支持 B 做 C" lays a provision on both A
and each B (README: provisions laid on a body through another's guidance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .bodies import Found, Grammar, levels_of
from .clauses import Clause, find_modal, has_verb, split_sentence
from .lexicon import (
    ADVERBS,
    CONTINUING_OPENERS,
    DESCRIPTIVE_MARKERS,
    DESCRIPTIVE_OPENERS,
    ENUM_JOINERS,
    FRAMING_ACTS,
    GENERIC_ADDRESSEE,
    GUIDING_VERBS,
    IDEOLOGY_OBJECTS,
    IDEOLOGY_VERBS,
    IMPERSONAL_PROHIBITIONS,
    REFERRAL_ACTS,
    REFERRAL_VERBS,
    SELF_REFERENCE,
    VERBS,
)
from .linking import Linker

ASPECT_RE = re.compile(r"(?<![为除])了(?![解结])")
FRAMING_RE = re.compile(FRAMING_ACTS)
COPULA_RE = re.compile(r"(?<![但还或就凡只而总于别其即])是(?!否)")
CONDITION_OPENERS = ("对", "凡", "在", "经", "从", "自", "除", "如", "若")
HEADING_MAX_CHARS = 40


@dataclass(frozen=True)
class Actor:
    id: str
    implied: bool
    levels: tuple[tuple[str, object], ...] = ()
    new: bool = False

    def level_list(self) -> list[dict[str, object]]:
        return [
            {"op": op, "value": list(value) if isinstance(value, tuple) else value}
            for op, value in self.levels
        ]


@dataclass
class Provision:
    article: int
    start: int
    end: int
    actor: Actor
    modality: str
    action: str
    object: str
    confidence: float
    conditions: list[tuple[int, int]] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    assigner: Actor | None = None
    guided_by: int | None = None  # index of A's provision in the list the reader returns
    # the words an implied actor is read from when the text never names it (禁止 → everyone)
    implied_from: tuple[int, int] | None = None


@dataclass
class Guidance:
    """An A 引导 B pattern still open in the sentence: later clauses are more Cs for B."""

    a: Actor
    bs: list[Actor]
    modality: str


@dataclass
class PartReader:
    """Reads one part of a document with the grammar and the register."""

    text: str
    grammar: Grammar
    linker: Linker
    default: Actor | None  # the item's lead or the document's addressee
    from_note: bool  # the default is the lead of a division-of-labour note
    article: int
    provisions: list[Provision] = field(default_factory=list)

    def read(self, sentences: list[tuple[int, int]]) -> list[Provision]:
        previous: Actor | None = None
        for start, end in sentences:
            count = len(self.provisions)
            actor = self._read_sentence(start, end, previous)
            binding = any(p.modality == "obligation" for p in self.provisions[count:])
            if actor is not None and not self.from_note:
                # a body that may do something is not thereby the doer of the next directive
                previous = actor if binding else None
        return self.provisions

    # --- one sentence -------------------------------------------------------------------

    def _read_sentence(self, start: int, end: int, previous: Actor | None) -> Actor | None:
        clauses = split_sentence(self.text, start, end, self._is_subject_only)
        sentence = self.text[start:end]
        if find_modal(sentence) is None and ASPECT_RE.search(sentence):
            return None  # a sentence that tells what was done (…确立了…) lays no provision
        if FRAMING_RE.search(sentence):
            return None  # 为…，现就有关事项通知如下: the document introducing itself
        carried: list[Actor] = []
        carried_modality: str | None = None
        guidance: Guidance | None = None
        last_bodies: list[Actor] = []
        named: Actor | None = None
        for clause in clauses:
            core_text = self.text[clause.core : clause.end]
            found = self.grammar.find(self.text, clause.start, clause.end)
            if not self._is_provision(clause, core_text):
                last_bodies = self._actors(found) or last_bodies
                continue
            subject, after = self._subject(clause, found)
            modal = find_modal(core_text)
            rest_at = max(after, clause.core + (modal[0] + len(modal[1]) if modal else 0))
            rest_at = self._skip_adverbs(rest_at, clause.end)
            verb = self._guiding_verb(rest_at, clause.end)
            if subject:
                actors, how = subject, "explicit"
            elif not carried and self._impersonal_prohibition(modal, core_text):
                # 禁止在公园内损毁树木: the genre's impersonal ban binds everyone (任何单位和个人),
                # not the document's addressee; where the sentence named its doer before, the
                # carried subject is the one bound instead
                actors, how = [self._generic()], "generic"
            elif carried and not self._passive_of_thing(core_text):
                actors, how = [_implied(a) for a in carried], "sentence"
            elif previous is not None and not self._passive_of_thing(core_text):
                actors, how = [_implied(previous)], "previous"
            elif self.default is not None:
                actors, how = [_implied(self.default)], "default"
            else:
                last_bodies = self._actors(found) or last_bodies
                continue
            if modal:
                modality = self._modality(modal, core_text)
            elif how == "sentence" and carried_modality and self._opens_with_verb(clause):
                modality = carried_modality
            else:
                modality = "obligation"
            conditions = [f for f in clause.frames if self._is_condition(f)]
            if verb is not None:
                guidance = self._guidance(clause, actors, verb, rest_at, last_bodies, modality, conditions)
            elif (
                guidance is not None
                and how == "sentence"
                and core_text.startswith((*CONTINUING_OPENERS, *ADVERBS))
            ):
                self._guided_clause(clause, guidance, conditions)
            else:
                guidance = None
                for actor in actors:
                    self._add(clause, actor, modality, rest_at, how, bool(modal), conditions, found)
                if how == "generic" and modal:
                    at = clause.core + modal[0]
                    self.provisions[-1].implied_from = (at, at + len(modal[1]))
            self._referrals(clause, found, actors)
            carried, carried_modality = actors, modality
            named = actors[0] if how == "explicit" else named or actors[0]
            last_bodies = [
                a for a in self._actors(found) if a.id not in {x.id for x in actors}
            ] or last_bodies
        return named

    # --- what a clause is -----------------------------------------------------------------

    def _is_provision(self, clause: Clause, core: str) -> bool:
        modal = find_modal(core)
        if modal is None and not has_verb(core):
            return False
        whole = self.text[clause.start : clause.end]
        if any(marker in whole for marker in DESCRIPTIVE_MARKERS) or ASPECT_RE.search(core):
            return False
        if modal is None and whole.startswith(DESCRIPTIVE_OPENERS):
            return False
        if any(word in whole for word in SELF_REFERENCE):
            return False
        if modal is None and (
            COPULA_RE.search(core)
            or whole.startswith("使")
            or core.startswith("使")
            or "，使" in whole
            or "担任" in core
        ):
            return False
        return not (modal is None and core.startswith(IDEOLOGY_VERBS) and core.endswith(IDEOLOGY_OBJECTS))

    def _opens_with_verb(self, clause: Clause) -> bool:
        at = self._skip_adverbs(clause.core, clause.end)
        return any(self.text.startswith(v, at) for v in VERBS)

    def _is_subject_only(self, piece: str) -> bool:
        found = self.grammar.find(piece)
        chain, stop = _chain(piece, found, 0)
        return bool(chain) and stop == len(piece)

    def _is_condition(self, frame: tuple[int, int]) -> bool:
        words = self.text[frame[0] : frame[1]]
        return (
            words.endswith("的") or words.startswith(CONDITION_OPENERS) or bool(re.match(r"^\d{4}年", words))
        )

    def _passive_of_thing(self, core: str) -> bool:
        """…由X列支 where X is not a body (a fund): the administering body acts, not the
        subject carried from before."""
        at = core.find("由")
        if at < 0:
            return False
        return not self.grammar.find(core, at + 1, min(len(core), at + 1 + 20)) or not any(
            f.start == at + 1 for f in self.grammar.find(core, at + 1)
        )

    # --- who ------------------------------------------------------------------------------

    def _subject(self, clause: Clause, found: list[Found]) -> tuple[list[Actor], int]:
        """The bodies the clause names as its subject, and where the words after them start."""
        starts = [clause.core, *(s for s, _ in clause.frames)]
        for at in starts:
            at = self._skip(at, clause.end, ("并", "且", "同时", "还", "其中"))
            chain, stop = _chain(self.text, found, at)
            if chain and self.text[stop : stop + 1] not in ("的", "之", "所"):
                return self._actors(chain), stop if at == clause.core else clause.core
        before_modal = self._named_before_modal(clause, found)
        if before_modal:
            return before_modal, clause.core
        agent = self._agent(clause, found)
        return ([agent], clause.core) if agent else ([], clause.core)

    def _named_before_modal(self, clause: Clause, found: list[Found]) -> list[Actor]:
        """承担…的主要责任部门要…: the body right before the modal word, after 的, is the subject."""
        modal = find_modal(self.text[clause.core : clause.end])
        if modal is None:
            return []
        at = clause.core + modal[0]
        item = next((f for f in found if f.end == at and not f.collective), None)
        if item is None or self.text[item.start - 1 : item.start] != "的":
            return []
        return self._actors([item])

    def _agent(self, clause: Clause, found: list[Found]) -> Actor | None:
        """由X承担 / 经X审核: X acts."""
        for item in found:
            if item.start < clause.core or item.collective:
                continue
            before = self.text[item.start - 1 : item.start]
            after = self.text[item.end : clause.end]
            if before == "由" and "至" in after:
                continue  # 由A扩展至B: from A to B, not an agent
            if before in ("由", "经") and has_verb(after):
                return self._actors([item])[0]
        return None

    def _impersonal_prohibition(self, modal: tuple[int, str, str] | None, core: str) -> bool:
        """禁止 states a ban for everyone. 严禁, in a text addressed to governments or Party
        committees, is their own discipline (严禁违规举债, 严禁以培训名义召开会议: read on
        the corpus, the bodies addressed are the ones bound), so it binds the default actor
        when there is one, and everyone only where the text addresses no body (a regulation)."""
        if modal is None or modal[1] not in IMPERSONAL_PROHIBITIONS:
            return False
        before = core[: modal[0]]
        if before and not (before.startswith(("在", "对", "于")) or before in ADVERBS):
            return False  # …非限制和禁止的产品: 禁止 inside a phrase, not the clause's head
        return modal[1] == "禁止" or self.default is None

    def _generic(self) -> Actor:
        """任何单位和个人, implied: the addressee of a rule for everyone."""
        slug = self.linker.known(GENERIC_ADDRESSEE) or self.linker.propose(
            GENERIC_ADDRESSEE, "SocialGroup", "individual"
        )
        return Actor(slug, True)

    def _actors(self, found: list[Found]) -> list[Actor]:
        actors = []
        for item in found:
            if item.collective:
                continue
            slug, new = self.linker.link(item)
            levels = tuple((c["op"], _frozen(c["value"])) for c in levels_of(item.words))
            actors.append(Actor(slug, False, levels, new))
        return actors

    # --- what -----------------------------------------------------------------------------

    def _modality(self, modal: tuple[int, str, str], core: str) -> str:
        _, word, modality = modal
        if word.startswith("不得") and re.search(r"不得.*[以之]外", core):
            return "obligation"  # 不得用于…以外: a limit that says what must be done
        return modality

    def _guiding_verb(self, at: int, end: int) -> tuple[str, str] | None:
        for verb, modality in GUIDING_VERBS:
            if self.text.startswith(verb, at) and at + len(verb) < end:
                return verb, modality
        return None

    def _guidance(
        self,
        clause: Clause,
        actors: list[Actor],
        verb: tuple[str, str],
        at: int,
        last_bodies: list[Actor],
        modality: str,
        conditions: list[tuple[int, int]],
    ) -> Guidance | None:
        word, b_modality = verb
        b_at = at + len(word)
        found = self.grammar.find(self.text, b_at, clause.end)
        chain, stop = _chain(self.text, found, b_at)
        if chain and self.text[stop : stop + 1] not in ("的", "之"):
            bs = self._actors(chain)
        elif self.text.startswith("其", b_at) and last_bodies:
            bs, stop = last_bodies[-1:], b_at + 1
        else:
            bs = []
        a_modality = modality if modality != "encouragement" else "obligation"
        a_index = len(self.provisions)  # the provision of actors[0], A of the guidance
        for actor in actors:
            self._add(
                clause,
                actor,
                a_modality,
                at,
                "explicit" if not actor.implied else "sentence",
                True,
                conditions,
                found,
                concerns=[b.id for b in bs],
            )
        if not bs:
            return None
        guidance = Guidance(actors[0], bs, b_modality)
        self._guided(clause, guidance, stop, conditions, a_index)
        return guidance

    def _guided_clause(self, clause: Clause, guidance: Guidance, conditions: list[tuple[int, int]]) -> None:
        at = self._skip_adverbs(clause.core, clause.end)
        self._add(
            clause,
            guidance.a,
            "obligation",
            at,
            "sentence",
            True,
            conditions,
            [],
            concerns=[b.id for b in guidance.bs],
        )
        self._guided(clause, guidance, at, conditions, len(self.provisions) - 1)

    def _guided(
        self, clause: Clause, guidance: Guidance, at: int, conditions: list[tuple[int, int]], a_index: int
    ) -> None:
        action, obj = self._action(self._skip_adverbs(at, clause.end), clause.end)
        for b in guidance.bs:
            self.provisions.append(
                Provision(
                    self.article,
                    clause.start,
                    clause.end,
                    b,
                    guidance.modality,
                    action,
                    obj,
                    0.65,
                    list(conditions),
                    assigner=guidance.a,
                    guided_by=a_index,
                )
            )

    def _referrals(self, clause: Clause, found: list[Found], actors: list[Actor]) -> None:
        """提交X审议 / 报X审定: X reviews; 有X负责…: X is responsible."""
        taken = {a.id for a in actors}
        for item in found:
            if item.collective:
                continue
            after = self.text[item.end : clause.end]
            verb = next((v for v in REFERRAL_VERBS if self.text[: item.start].endswith(v)), None)
            act = next((a for a in REFERRAL_ACTS if after.startswith(a)), None)
            actor = self._actors([item])[0]
            if actor.id in taken:
                continue
            if verb and act:
                start, end = item.start - len(verb), item.end + len(act)
                self.provisions.append(Provision(self.article, start, end, actor, "obligation", act, "", 0.6))
                taken.add(actor.id)
            elif self.text[item.start - 1 : item.start] == "有" and after.startswith("负责"):
                action, obj = self._action(item.end, clause.end)
                self.provisions.append(
                    Provision(self.article, item.start, clause.end, actor, "obligation", action, obj, 0.6)
                )
                taken.add(actor.id)

    def _add(
        self,
        clause: Clause,
        actor: Actor,
        modality: str,
        at: int,
        how: str,
        modal: bool,
        conditions: list[tuple[int, int]],
        found: list[Found],
        concerns: list[str] | None = None,
    ) -> None:
        action, obj = self._action(at, clause.end)
        confidence = {"explicit": 0.9, "sentence": 0.75, "previous": 0.6, "default": 0.5, "generic": 0.6}[how]
        if how == "default" and self.from_note:
            confidence = 0.6
        if not modal:
            confidence -= 0.1
        if concerns is None:
            concerns = [a.id for a in self._actors([f for f in found if f.start >= at]) if a.id != actor.id]
        self.provisions.append(
            Provision(
                self.article,
                clause.start,
                clause.end,
                actor,
                modality,
                action,
                obj,
                round(confidence, 2),
                list(conditions),
                sorted(set(concerns), key=concerns.index),
            )
        )

    def _action(self, at: int, end: int) -> tuple[str, str]:
        """(verb, object) of the words from `at`: the first verb the lexicon knows, and the rest."""
        words = self.text[at:end]
        best: tuple[int, str] | None = None
        for verb in VERBS:
            index = words.find(verb)
            if index >= 0 and (best is None or index < best[0]):
                best = (index, verb)
        if best is None:
            return words[:2] or "做", words[2:] or words
        index, verb = best
        obj = words[index + len(verb) :].strip("，。；、：")
        return verb, obj or words

    def _skip_adverbs(self, at: int, end: int) -> int:
        return self._skip(at, end, ("要", "应当", "应", "须", "必须", *ADVERBS, "地"))

    def _skip(self, at: int, end: int, words: tuple[str, ...]) -> int:
        moved = True
        while moved and at < end:
            moved = False
            for word in sorted(words, key=len, reverse=True):
                if self.text.startswith(word, at) and at + len(word) < end:
                    at += len(word)
                    moved = True
                    break
        return at


def _chain(text: str, found: list[Found], at: int) -> tuple[list[Found], int]:
    """The enumeration of bodies that starts at `at` (X、Y和Z等W), and where it ends."""
    chain: list[Found] = []
    position = at
    by_start = {f.start: f for f in found}
    while position in by_start:
        item = by_start[position]
        chain.append(item)
        position = item.end
        joiner = next((j for j in ENUM_JOINERS if text.startswith(j, position) and j != "，"), None)
        if text.startswith("等", position) and position + 1 in by_start:
            position += 1  # …等人民团体: the collective follows
            continue
        if joiner and position + len(joiner) in by_start:
            position += len(joiner)
            continue
        if position in by_start and by_start[position].words.startswith("各"):
            if not item.words.startswith("各"):
                chain.pop()  # X各Y: X's Ys (领导小组各成员单位); Y is the one named
            continue  # 各地各有关部门: two names with nothing between
        break
    return chain, position


def _implied(actor: Actor) -> Actor:
    return Actor(actor.id, True, actor.levels, actor.new)


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def heading_span(text: str, sentences: list[tuple[int, int]], numbered: bool) -> tuple[int, int] | None:
    """An item's heading: its first sentence, short, when more follow (加大稳岗支持力度。)."""
    if not numbered or len(sentences) < 2:
        return None
    start, end = sentences[0]
    modal = find_modal(text[start:end])
    if (
        modal is not None
        and text[start + modal[0] + len(modal[1]) : start + modal[0] + len(modal[1]) + 1] != "的"
    ):
        return None  # 水利部门负责…。 / 任何单位和个人不得…。: a provision, however short
    return (start, end) if end - start <= HEADING_MAX_CHARS else None
