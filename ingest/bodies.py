"""Find the bodies a piece of text names, by a general grammar of Chinese policy texts.

A body's name ends in its kind (…部门, …人民政府, …领导小组, …部, …总局 …), may open with
prefixes of level and scope (县级以上地方, 各级, 有关 …), and stands between boundaries:
punctuation, the conjunctions of an enumeration, a verb, a modal word, a preposition. Names
the register knows (labels and aliases) are matched first, longest first; the grammar finds
the others. Each found name is a `Found`: its span, its words, its kind, and whether it is the
collective of a list (工会、共青团等人民团体: 人民团体 restates the list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .lexicon import (
    ADVERBS,
    BODY_KINDS,
    CLAUSE_CONJUNCTIONS,
    DEFINING_WORDS,
    GENERIC_ADDRESSEES,
    GENERIC_PREFIXES,
    GOVERNING_VERBS,
    GUIDING_VERBS,
    LEVEL_PREFIXES,
    MODAL_FALSE_FRIENDS,
    MODALS,
    NAME_OPENING_WORDS,
    NEGATIONS,
    NOT_BODIES,
    NOT_BODY_ENDINGS,
    PLACE_ENDINGS,
    PREPOSITIONS,
    SCOPE_OPENERS,
    SCOPE_PREFIXES,
    TEXT_REFERENCES,
    VERBS,
    WHOLE_WORDS,
)

PUNCTUATION = set("，。；：、！？,.;:!?（）()“”‘’《》【】「」 \n")
# what may stand right after a body's name: the name ends there
RIGHT_STOPS = set(
    "当的等之在对向为从按由要应可须不将把并也都均已于以同中间共各所和及与或负统积认切及深主自依"
)
# prepositions and particles after which a name may begin
LEFT_WORDS = [
    "以及",
    "会同",
    "面向",
    "通过",
    "支持",
    "鼓励",
    "引导",
    "督促",
    "指导",
    "要求",
    "组织",
    "动员",
    "依托",
    "发挥",
    "由",
    "对",
    "向",
    "为",
    "经",
    "在",
    "把",
    "将",
    "从",
    "按",
    "同",
    "给",
    "让",
    "使",
    "被",
    "和",
    "及",
    "与",
    "或",
    "的",
    "等",
    "报",
    "请",
    "交",
    "是",
    "有",
    "其",
    "即",
    "一些",
    "部分",
    "有的",
    "但",
    "或者",
    *GOVERNING_VERBS,
    *CLAUSE_CONJUNCTIONS,
    *DEFINING_WORDS,
    *PREPOSITIONS,
]
LEFT_WORDS_TUPLE = tuple(LEFT_WORDS)
# what a name cannot open with, whatever stands before it
WRONG_OPENINGS = (*LEFT_WORDS, *NEGATIONS, *TEXT_REFERENCES)
MAX_NAME_CHARS = 20
KIND_LAST_CHARS = {suffix[-1] for suffix, _, _ in BODY_KINDS}
# single characters that end a name: prepositions and joiners
NAME_BREAKS = set("由经对向为把将被从和及与或")
# a name may begin with its scope words, whatever stands before them
SCOPE_STARTS = (
    "各",
    "有关",
    "相关",
    "其他有关",
    "县级以上",
    "地方各级",
    "省级",
    "市级",
    "县级",
    "乡镇",
    "任何",
    *SCOPE_OPENERS,
)
# the words a name cannot begin inside of
INSIDE_RE = re.compile(
    "(?=("
    + "|".join(
        re.escape(w)
        for w in sorted(
            {
                *VERBS,
                *ADVERBS,
                *(w for w, _ in MODALS if len(w) > 1),
                *MODAL_FALSE_FRIENDS,
                "其中",
                *WHOLE_WORDS,
                *GOVERNING_VERBS,
            },
            key=len,
            reverse=True,
        )
    )
    + "))"
)


def _alternation(words: list[str]) -> re.Pattern[str]:
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("(?=(" + "|".join(re.escape(w) for w in ordered) + "))")


VERB_RE = _alternation(VERBS)
LEFT_RE = _alternation([*VERBS, *LEFT_WORDS, *(w for w, _ in MODALS)])
RIGHT_RE = _alternation([*VERBS, *ADVERBS, *(w for w, _ in MODALS), *GOVERNING_VERBS])


@lru_cache(maxsize=512)
def _index(text: str) -> tuple[dict[int, str], set[int], set[int], set[int]]:
    """Per text, once: the longest verb at each offset, the offsets where a verb, a modal word
    or a left word ends, where a verb, adverb or modal word starts, and the offsets that fall
    inside a word (a name cannot begin there)."""
    verb_at = {m.start(): m.group(1) for m in VERB_RE.finditer(text)}
    left_ends: set[int] = set()
    for m in LEFT_RE.finditer(text):
        left_ends.add(m.start() + len(m.group(1)))
    right_starts = {m.start() for m in RIGHT_RE.finditer(text)}
    inside: set[int] = set()
    for m in INSIDE_RE.finditer(text):
        inside.update(range(m.start() + 1, m.start() + len(m.group(1))))
    return verb_at, left_ends, right_starts, inside


@dataclass(frozen=True)
class Found:
    """A body named at text[start:end]."""

    start: int
    end: int
    words: str
    class_: str
    kind: str
    register_id: str | None = None  # the register entry the words are a label or alias of
    collective: bool = False  # …等X: X restates the enumeration before it
    generic: bool = False  # an addressee that is everyone (任何单位和个人)
    confidence: float = 0.8


@dataclass
class Grammar:
    """The grammar, with the register's labels and aliases to match first."""

    labels: dict[str, str] = field(default_factory=dict)  # words → register id
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # register id → (class, kind)

    @cached_property
    def _label_re(self) -> re.Pattern[str] | None:
        if not self.labels:
            return None
        words = sorted(self.labels, key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in words))

    @cached_property
    def _modal_words(self) -> list[str]:
        return [word for word, _ in MODALS]

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Found]:
        """Every body named in text[start:end], left to right, none overlapping."""
        end = len(text) if end is None else end
        found: list[Found] = []
        position = start
        while position < end:
            match = self._match_at(text, position, end)
            if match is None:
                position += 1
                continue
            found.append(match)
            position = match.end
        return [self._mark_collective(text, item, found) for item in found]

    def _match_at(self, text: str, position: int, end: int) -> Found | None:
        if not self._left_boundary(text, position):
            return None
        for words, class_, kind in GENERIC_ADDRESSEES:
            for prefix in GENERIC_PREFIXES:
                if text.startswith(prefix + words, position) and position + len(prefix + words) <= end:
                    stop = position + len(prefix + words)
                    return Found(
                        position, stop, text[position:stop], class_, kind, generic=True, confidence=0.9
                    )
        candidates = [
            c for c in (self._register_at(text, position, end), self._grammar_at(text, position, end)) if c
        ]
        if not candidates:
            return None
        # the longest name wins; the register's reading wins a tie
        return max(candidates, key=lambda c: (c.end, c.register_id is not None))

    def _register_at(self, text: str, position: int, end: int) -> Found | None:
        if self._label_re is None:
            return None
        best: Found | None = None
        prefix = _level_or_scope_prefix(text, position, end)
        for offset in sorted({0, len(prefix)}):
            match = self._label_re.match(text, position + offset, end)
            if not match or not self._right_boundary(text, match.end()):
                continue
            words = text[position : match.end()]
            if len(match.group()) <= 2 and offset == 0 and not self._short_name_ok(text, match.end()):
                continue
            slug = self.labels[match.group()]
            class_, kind = self.kinds.get(slug, ("FormalOrganization", "functional-department"))
            candidate = Found(position, match.end(), words, class_, kind, register_id=slug, confidence=0.9)
            if best is None or candidate.end > best.end:
                best = candidate
        return best

    def _short_name_ok(self, text: str, end: int) -> bool:
        """A name of one or two characters (党, 社会, 企业) only where a boundary follows it
        at once: these words are also parts of longer nouns (社会保险, 企业职工)."""
        return (
            end >= len(text)
            or text[end] in PUNCTUATION
            or text[end] in "的等和及与要应可对在各"
            or any(text.startswith(w, end) for w in (*VERBS, *self._modal_words, *ADVERBS))
        )

    def _grammar_at(self, text: str, position: int, end: int) -> Found | None:
        """The longest name from `position` that ends in a kind and stands before a boundary."""
        limit = min(end, position + MAX_NAME_CHARS)
        stop = position + len(_enumerated_level(text, position, end))
        while stop < limit and text[stop] not in PUNCTUATION and text[stop] not in "的等":
            if stop > position and self._breaks_name(text, stop):
                break
            stop += 1
        span = text[position:stop]
        opens_wrong = not span or position in _index(text)[2] or _opens_wrong(span)
        # a name may open with a verb when the verb begins a kind of its own (申请人, 经营者,
        # 研究机构): the person or body defined by what it does
        if opens_wrong and (
            not _starts_with_word(span, (*MODAL_FALSE_FRIENDS, *LONG_KINDS))
            or _starts_with_word(span, GUIDING_WORDS)  # 要求X: a verb, though it looks like 要
        ):
            return None
        if self._verb_before_scope(span):
            return None  # 持县级以上…: the name begins at the scope words
        inner = _inner_scope_start(span)
        if inner:
            stop = position + inner
            span = span[:inner]
        # the longest name wins: try the ends from the right, each with the first kind (in
        # BODY_KINDS order) the words end in
        for length in range(len(span), 0, -1):
            if span[length - 1] not in KIND_LAST_CHARS:
                continue
            words = span[:length]
            kind_of = next(((c, k) for suffix, c, k in BODY_KINDS if words.endswith(suffix)), None)
            name_end = position + length
            if (
                kind_of is None
                or words in NOT_BODIES
                or words.endswith(NOT_BODY_ENDINGS)
                or _bare_kind(words)
                or not self._right_boundary(text, name_end)
                or _contains_inner_word(words)
            ):
                continue
            return Found(position, name_end, words, *kind_of, confidence=0.6)
        return None

    def _verb_before_scope(self, span: str) -> bool:
        """One to three characters before words of level or scope (持县级以上…, 受任何…) that
        are no level, scope, place or body words themselves (国务院有关…, 广东省其他…, 企业有关…)
        are the verb that governs the body: the name begins at the scope words."""
        for index in range(1, 4):
            if not span.startswith(SCOPE_OPENERS, index):
                continue
            head = span[:index]
            return not (
                head in SCOPE_PREFIXES
                or head in LEVEL_WORDS
                or head in self.labels
                or head.endswith(PLACE_ENDINGS)
                or head.endswith(KIND_SUFFIXES)
                or _starts_with_word(span, SCOPE_STARTS)
            )
        return False

    def _breaks_name(self, text: str, at: int) -> bool:
        """A name does not run over a modal word, a preposition, a joiner, or a verb that a
        kind does not follow at once (保障部 and 服务机构 are names; 开展职工 is not)."""
        if text[at] in NAME_BREAKS and not _inside_word(text, at):
            return True
        if find_modal_at(text, at) and not _inside_word(text, at):
            return True
        if text.startswith(GOVERNING_VERBS, at) and not _inside_word(text, at):
            return True  # 机构接受用人单位…: a body, then the verb whose object is another
        verb = _index(text)[0].get(at)
        # a kind as long as the verb at least: 委 of 委托 is no kind there
        kind_here = any(text.startswith(k, at) and len(k) >= len(verb or "") for k, _, _ in BODY_KINDS)
        if verb is None or _inside_word(text, at) or kind_here:
            return False  # 党组织: a kind that is also a verb (组织) ends the name, not breaks it
        after = at + len(verb)
        return not any(text.startswith(suffix, after) for suffix, _, _ in BODY_KINDS)

    def _left_boundary(self, text: str, position: int) -> bool:
        if position == 0 or text[position - 1] in PUNCTUATION:
            return True
        if _inside_word(text, position):
            return False
        if _starts_with_word(text[position : position + 5], SCOPE_STARTS):
            return True
        return position in _index(text)[1]

    def _right_boundary(self, text: str, end: int) -> bool:
        if end >= len(text) or text[end] in PUNCTUATION or text[end] in RIGHT_STOPS:
            return True
        return end in _index(text)[2]

    def _mark_collective(self, text: str, item: Found, found: list[Found]) -> Found:
        """…、Y等Z: Z is the collective of the list when a body stands right before 等."""
        if item.start == 0 or text[item.start - 1] != "等":
            return item
        before = [f for f in found if f.end == item.start - 1]
        if not before:
            return item
        return Found(**{**item.__dict__, "collective": True})


MODAL_RE = re.compile("|".join(re.escape(w) for w, _ in MODALS))
FALSE_FRIEND_RE = re.compile(
    "|".join(re.escape(w) for w in sorted(MODAL_FALSE_FRIENDS, key=len, reverse=True))
)


def find_modal_at(text: str, at: int) -> bool:
    """Whether a modal word (not a word that only looks like one) starts at `at`."""
    return not FALSE_FRIEND_RE.match(text, at) and bool(MODAL_RE.match(text, at))


def _inside_word(text: str, position: int) -> bool:
    """Whether `position` falls inside a modal word, a verb or a word that only looks like
    one (应当, 应急): a name cannot begin in the middle of a word."""
    return position in _index(text)[3]


# level prefixes that are themselves an enumeration (市、县人民政府: the governments of both)
ENUMERATED_LEVELS = sorted((p for p, _ in LEVEL_PREFIXES if "、" in p), key=len, reverse=True)


def _enumerated_level(text: str, position: int, end: int) -> str:
    """The enumerated level prefix at `position` (各省、自治区、直辖市, 市、县), or ''."""
    for prefix in ENUMERATED_LEVELS:
        for words in ("各" + prefix, prefix):
            if text.startswith(words, position) and position + len(words) < end:
                return words
    return ""


def _inner_scope_start(span: str) -> int:
    """Where a second name begins inside a span (各地各有关部门 → 3, 划分有关部门 → 2), or 0."""
    for index in range(1, len(span)):
        if span.startswith("各", index) and not span.startswith(("各级", "各类"), index):
            return index
        if span.startswith(("有关", "相关"), index) and span[index - 1] not in "各他":
            return index
    return 0


LEVEL_WORDS = {p for p, _ in LEVEL_PREFIXES}
KIND_SUFFIXES = tuple(suffix for suffix, _, _ in BODY_KINDS)
GUIDING_WORDS = tuple(verb for verb, _ in GUIDING_VERBS)
LONG_KINDS = tuple(suffix for suffix in KIND_SUFFIXES if len(suffix) >= 3)


def _opens_wrong(span: str) -> bool:
    """A name does not open with a preposition, a joiner, a governing verb, a negation or a
    reference to the text (由…, 并…, 接受…, 不…, 本办法所称…), save with a word of its own
    that only begins like one (有关部门, 其他组织, 经营者)."""
    return _starts_with_word(span, WRONG_OPENINGS) and not _starts_with_word(span, NAME_OPENING_WORDS)


def _starts_with_word(span: str, words: tuple[str, ...]) -> bool:
    return any(span.startswith(w) for w in words)


def _bare_kind(words: str) -> bool:
    """A kind alone (部门, 单位) or with scope words only (有关单位 is still a body; 各部 is not)."""
    core = strip_prefixes(words)
    return len(core) <= 1 or (core in NOT_BODIES and core == words)


def _contains_inner_word(words: str) -> bool:
    """A candidate that swallows a modal word or a clause boundary is not one name."""
    return any(w in words[1:] for w in ("要", "应当", "必须", "可以", "负责", "不得"))


def _level_or_scope_prefix(text: str, position: int, end: int) -> str:
    """The level and scope words at `position` (县级以上地方各 …), longest first, repeated."""
    taken = ""
    words = sorted({p for p, _ in LEVEL_PREFIXES} | set(SCOPE_PREFIXES), key=len, reverse=True)
    progress = True
    while progress:
        progress = False
        for word in words:
            if text.startswith(word, position + len(taken)) and position + len(taken) + len(word) < end:
                taken += word
                progress = True
                break
    return taken


def strip_prefixes(words: str) -> str:
    """The name without its level and scope words: 县级以上地方各级人民政府 → 人民政府."""
    prefix = _level_or_scope_prefix(words, 0, len(words))
    return words[len(prefix) :] if prefix else words


def levels_of(words: str) -> list[dict[str, object]]:
    """The level constraints the prefix of a name states (README: levels)."""
    for prefix, constraints in LEVEL_PREFIXES:
        if words.startswith(prefix) or words.startswith("各" + prefix):
            return [dict(c) for c in constraints]
    return []


def kind_of_words(words: str) -> tuple[str, str]:
    """(class, kind) that the grammar gives a name by its ending."""
    for suffix, class_, kind in BODY_KINDS:
        if words.endswith(suffix):
            return class_, kind
    return "FormalOrganization", "functional-department"
