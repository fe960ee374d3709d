"""Split a sentence into the clauses that provisions are read from.

A sentence of a policy text strings clauses together with ，；: each with its own verb is a
clause. A piece that only sets the frame of the next (a condition …的，; 对…，; 根据…，; a
date; a subject alone; a piece with no verb at all) is merged with the clause it frames. A
list joined by 、 is split when its members are each a verb phrase (宣讲政策、了解困难), not
when they are nouns (政策清单、申办流程). Commas inside brackets and quotes never split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import (
    BODY_KINDS,
    FRAME_OPENERS,
    IDEOLOGY_OBJECTS,
    IDEOLOGY_VERBS,
    MODAL_FALSE_FRIENDS,
    MODALS,
    VERBS,
)

OPENING = "（(“‘《【「"
CLOSING = "）)”’》】」"
CLAUSE_MARKS = "，；;,："
FRAME_CLOSERS = (
    "的",
    "时",
    "后",
    "前",
    "中",
    "下",
    "起",
    "基础上",
    "原则",
    "规定",
    "情况",
    "方式",
    "期间",
    "内",
    "等",
    "同时",
    "以来",
    "之际",
)
BENEFACTIVE_VERBS = ("提供", "创造", "营造", "服务", "做好", "给予", "作出", "搭建")
# …采取年度检查与日常督查相结合的方式，…: the manner of the act the next piece states
MANNER_RE = re.compile(r"(?:采取|采用|以)[^，；]*(?:方式|形式)$")
# X按照…部署，… / X根据…需要，…: the subject and the rule it follows, the act comes next
BASIS_OPENERS = ("按照", "根据", "依照", "依据")
BASIS_CLOSERS = ("需要", "实际", "要求", "规定", "原则", "部署", "安排", "精神")
# the kinds of body a verb may open the name of (研究机构, 服务中心): two characters or more
NAME_KINDS = tuple(sorted({k for k, _, _ in BODY_KINDS if len(k) >= 2}, key=len, reverse=True))
DATE_RE = re.compile(r"^[\d〇零一二三四五六七八九十]+年[\d〇零一二三四五六七八九十]+月")
MIN_LIST_MEMBER = 4
MIN_NOMINAL_ACT = 5  # 总体规划制定 is an act; 理论创新 is a name


@dataclass(frozen=True)
class Clause:
    """text[start:end]; its own words begin at `core` (before it: the frame merged into it)."""

    start: int
    end: int
    core: int
    frames: tuple[tuple[int, int], ...] = ()


def has_modal(piece: str) -> bool:
    return find_modal(piece) is not None


def find_modal(piece: str) -> tuple[int, str, str] | None:
    """(offset, word, modality) of the first modal word that is not part of another word."""
    masked = piece
    for friend in MODAL_FALSE_FRIENDS:
        masked = masked.replace(friend, "□" * len(friend))
    best: tuple[int, str, str] | None = None
    for word, modality in MODALS:
        index = masked.find(word)
        if index >= 0 and (
            best is None or index < best[0] or (index == best[0] and len(word) > len(best[1]))
        ):
            best = (index, word, modality)
    return best


def has_verb(piece: str) -> bool:
    return any(verb in piece for verb in VERBS)


def top_level_marks(text: str, start: int, end: int, marks: str) -> list[int]:
    """Offsets of the marks in text[start:end] that are outside brackets and quotes."""
    depth, found = 0, []
    for index in range(start, end):
        char = text[index]
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(0, depth - 1)
        elif char in marks and depth == 0:
            found.append(index)
    return found


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while end > start and text[end - 1] in "。！？!?；;，,：:":
        end -= 1
    cuts = top_level_marks(text, start, end, CLAUSE_MARKS)
    bounds = [start, *[c + 1 for c in cuts]]
    stops = [*cuts, end]
    return [(s, e) for s, e in zip(bounds, stops, strict=True) if e > s]


def is_frame(piece: str, subject_only: bool) -> bool:
    """Whether a piece only frames the clause after it."""
    if subject_only or DATE_RE.match(piece) or piece.endswith("的"):
        return True
    modal = find_modal(piece)
    if not modal and not has_verb(piece):
        return True
    after_modal = piece[modal[0] + len(modal[1]) :] if modal else ""
    if modal and after_modal.startswith(("在", "于", "从", "自")) and not has_verb(after_modal):
        return True  # X要在…内，…: the modal's verb is in the next piece
    if (
        modal
        and after_modal.startswith(("根据", "按照", "依照", "依据", "结合"))
        and after_modal.endswith(("需要", "实际", "要求", "规定", "原则", "部署"))
    ):
        return True  # X要根据…需要，…: the same
    if piece.endswith(("的同时", "的基础上", "的前提下")) and not modal:
        return True
    if not modal and MANNER_RE.search(piece):
        return True
    if not modal and _subject_and_basis(piece):
        return True
    opener = next((o for o in sorted(FRAME_OPENERS, key=len, reverse=True) if piece.startswith(o)), None)
    if opener is None or modal:
        return False
    if opener in ("对", "对于") and any(_strip_tail(piece).endswith(v) for v in VERBS):
        return False  # 对X进行检查: a clause of its own
    if opener in (
        "对",
        "对于",
        "凡",
        "着眼于",
        "随着",
        "为此",
        "其中",
        "同时",
        "当前",
        "目前",
        "近年来",
        "鉴于",
        "关于",
    ):
        return True
    if opener in ("根据", "依据", "按照", "依照") and not has_verb(re.sub(r"《[^》]*》", "", piece)):
        return True  # 根据《…》: the title is not a verb of the clause
    if opener in ("为", "为了"):
        return not any(v in piece for v in BENEFACTIVE_VERBS)
    return piece.endswith(FRAME_CLOSERS)


def _subject_and_basis(piece: str) -> bool:
    """人才工作领导小组按照同级党委人才工作部署: words with no verb (the subject), then the
    basis of the act, which the next piece states."""
    at = min((piece.find(o) for o in BASIS_OPENERS if o in piece), default=-1)
    return at > 0 and not has_verb(piece[:at]) and piece.endswith(BASIS_CLOSERS)


def _means_of_an_effect(piece: str, following: str | None) -> bool:
    """通过进一步加强…，使…更加有力: the means belongs to the effect it brings about (a hope
    the text states, not an act it directs)."""
    return following is not None and piece.startswith("通过") and following.startswith("使")


def split_sentence(text: str, start: int, end: int, is_subject: callable | None = None) -> list[Clause]:  # type: ignore[valid-type]
    """The clauses of the sentence text[start:end]; `is_subject(piece)` says whether a piece
    is a subject alone (a list of bodies), which frames the clause after it."""
    pieces = _pieces(text, start, end)
    clauses: list[Clause] = []
    frames: list[tuple[int, int]] = []
    for index, (s, e) in enumerate(pieces):
        piece = text[s:e]
        last = index == len(pieces) - 1
        subject_only = bool(is_subject and is_subject(piece))
        topic = (
            not last
            and has_modal(text[pieces[index + 1][0] : pieces[index + 1][0] + 2])
            and not has_modal(piece)
        )
        ideology = piece.startswith(IDEOLOGY_VERBS) and piece.endswith(IDEOLOGY_OBJECTS)
        following = None if last else text[pieces[index + 1][0] : pieces[index + 1][1]]
        # a piece closed by ； is a clause of its own: a frame never reaches over a semicolon
        closed = text[e : e + 1] in "；;"
        if (
            not last
            and not ideology
            and not closed
            and (is_frame(piece, subject_only) or topic or _means_of_an_effect(piece, following))
        ):
            frames.append((s, e))
            continue
        if last and not frames and clauses and not has_modal(piece) and not has_verb(piece):
            previous = clauses.pop()  # a verbless tail (…等) belongs to the clause before it
            clauses.append(Clause(previous.start, e, previous.core, previous.frames))
            continue
        first = frames[0][0] if frames else s
        clauses.extend(_split_list(text, Clause(first, e, s, tuple(frames))))
        frames = []
    return clauses


def _strip_tail(member: str) -> str:
    for tail in ("等工作", "等方面", "工作", "等"):
        member = member.removesuffix(tail)
    return member


def _noun_then_verb(member: str) -> bool:
    """总体规划制定, 人才结构优先调整: a noun phrase and the verb that ends it (a nominalised
    act), not a verb phrase (which opens with its verb)."""
    return any(member.endswith(v) for v in VERBS) and not any(member.startswith(v) for v in VERBS)


def _plain_verb_phrase(member: str) -> bool:
    """The first member of a list of verb phrases has its verb with no benefactive or object
    marker before it (为创业者提供A、B: A and B are what is provided, not two acts)."""
    first = min((member.find(v) for v in VERBS if v in member), default=-1)
    return first >= 0 and not any(p in member[:first] for p in "为对向给把将")


def _opens_with_verb(member: str) -> bool:
    """宣讲政策 opens with its verb; 研究机构和研究队伍建设 opens with a body's name (a verb
    that a kind follows at once is part of the name)."""
    return any(member.startswith(v) and not member.startswith(NAME_KINDS, len(v)) for v in VERBS)


def _split_list(text: str, clause: Clause) -> list[Clause]:
    """Split the clause's own words at 、 when every member is a verb phrase."""
    cuts = top_level_marks(text, clause.core, clause.end, "、")
    if not cuts:
        return [clause]
    bounds = [clause.core, *[c + 1 for c in cuts]]
    stops = [*cuts, clause.end]
    members = [text[s:e] for s, e in zip(bounds, stops, strict=True)]
    if any(len(m) < MIN_LIST_MEMBER for m in members):
        return [clause]
    later = members[1:]
    # …等工作 / …的合力: the list is the object of one verb, not a list of acts
    one_object = members[-1].endswith(("工作", "等方面", "等")) or "的" in members[-1]
    verb_first = not one_object and all(_opens_with_verb(m) for m in later) and _plain_verb_phrase(members[0])
    # 思想政治优势、组织优势: members with one head noun are the objects of one verb
    if len({m[-2:] for m in members}) == 1 and not any(m.endswith(v) for v in VERBS for m in members[:1]):
        return [clause]
    verb_last = (
        len(members) >= 3
        and all(len(m) >= MIN_NOMINAL_ACT for m in later)
        # most members read as nominalised acts (one may open with a word that is also a verb)
        and sum(_noun_then_verb(_strip_tail(m)) for m in later) * 2 > len(later)
        and all(any(_strip_tail(m).endswith(v) for v in VERBS) for m in later)
        and any(_strip_tail(members[0]).endswith(v) for v in VERBS)
    )
    if not (verb_first or verb_last):
        return [clause]
    parts = [Clause(clause.start, stops[0], clause.core, clause.frames)]
    parts += [Clause(s, e, s) for s, e in zip(bounds[1:], stops[1:], strict=True)]
    return parts
