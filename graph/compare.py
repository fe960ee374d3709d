"""Two documents compared, provision by provision: what a revision added, removed and changed.

A legal database compares two versions of a text line by line; this compares who must do
what. The provisions of each body in the first document are aligned with that body's
provisions in the second by their words (difflib's ratio of the quotes, in one pass over
the pairs best first, each provision used once), the same article number breaking ties: a
pair with the same words and modality is `unchanged` (it may have moved to another article:
`changes` then says "article"), one whose words are alike enough is `changed` (its words or
modality differ), and what is left over is `removed` (only in the first) or `added` (only in
the second). Articles are aligned the same way, by their text without their own number
(第五条 that became 第六条 with the same words is unchanged: a revision renumbers).

The alignment is a reading aid, not a legal judgement: a provision reworded beyond
`SIMILAR` reads as one removed and one added.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TypeVar

from .knowledge import Article, DutyRecord, Knowledge

SIMILAR = 0.6  # difflib ratio at and above which two texts are one thing changed
MAX_PAIRS = 40_000  # pairs of differing texts compared in full; beyond that only near ones
NEAR = 5  # places (article numbers) apart that "near" allows

Item = TypeVar("Item")


@dataclass(frozen=True)
class Aligned:
    status: str  # "unchanged" | "changed" | "removed" | "added"
    first: DutyRecord | None
    second: DutyRecord | None
    similarity: float  # of the two quotes; 0 when one side is missing
    changes: tuple[str, ...] = ()  # what differs: "words", "modality", "article" (it moved)


@dataclass(frozen=True)
class AlignedArticle:
    status: str
    first: Article | None
    second: Article | None
    similarity: float


@dataclass(frozen=True)
class Comparison:
    first: str
    second: str
    provisions: dict[str, list[Aligned]]  # by actor id (typed: body/… or post/…)
    articles: list[AlignedArticle]

    def counts(self) -> dict[str, int]:
        found = {"unchanged": 0, "changed": 0, "removed": 0, "added": 0}
        for aligned in self.provisions.values():
            for item in aligned:
                found[item.status] += 1
        return found


def align(
    first: Sequence[Item],
    second: Sequence[Item],
    text: Callable[[Item], str],
    place: Callable[[Item], int],
) -> list[tuple[Item | None, Item | None, float]]:
    """Pairs of alike items (similarity ≥ SIMILAR, best first, each item once; the nearer
    `place` first among equals), then the unpaired items of each side with None.

    Identical texts are paired first, by a table (most of a revision is unchanged); only
    the rest are compared, with difflib's cheap upper bounds before its ratio, and, when
    there are more than MAX_PAIRS of them, only within NEAR places of each other."""
    pairs: list[tuple[Item | None, Item | None, float]] = []
    used_first, used_second = set(), set()
    waiting: dict[str, list[int]] = defaultdict(list)
    for j, b in enumerate(second):
        waiting[text(b)].append(j)
    for i, a in enumerate(first):
        same = waiting.get(text(a))
        if same:
            j = min(same, key=lambda j: abs(place(second[j]) - place(a)))
            same.remove(j)
            used_first.add(i)
            used_second.add(j)
            pairs.append((a, second[j], 1.0))
    rest_first = [i for i in range(len(first)) if i not in used_first]
    rest_second = [j for j in range(len(second)) if j not in used_second]
    near_only = len(rest_first) * len(rest_second) > MAX_PAIRS
    candidates = []
    matcher = SequenceMatcher(None, autojunk=False)
    for j in rest_second:
        matcher.set_seq2(text(second[j]))  # difflib caches what it learns of the second text
        for i in rest_first:
            distance = abs(place(first[i]) - place(second[j]))
            if near_only and distance > NEAR:
                continue
            matcher.set_seq1(text(first[i]))
            if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
                continue
            score = matcher.ratio()
            if score >= SIMILAR:
                candidates.append((-score, distance, i, j))
    candidates.sort()
    for negative, _, i, j in candidates:
        if i in used_first or j in used_second:
            continue
        used_first.add(i)
        used_second.add(j)
        pairs.append((first[i], second[j], -negative))
    pairs += [(a, None, 0.0) for i, a in enumerate(first) if i not in used_first]
    pairs += [(None, b, 0.0) for j, b in enumerate(second) if j not in used_second]
    return pairs


def _status(a: DutyRecord | None, b: DutyRecord | None) -> tuple[str, tuple[str, ...]]:
    if a is None:
        return "added", ()
    if b is None:
        return "removed", ()
    changes = tuple(
        name
        for name, differs in (
            ("words", a.quote_zh != b.quote_zh),
            ("modality", a.modality != b.modality),
            ("article", a.article != b.article),
        )
        if differs
    )
    return ("changed" if set(changes) - {"article"} else "unchanged"), changes


# an article's own number at its start: 第五条, 第十二条之一, （一）, 一、, 1.
OWN_NUMBER = re.compile(
    r"^\s*(第[一二三四五六七八九十百千零〇\d]+条(之[一二三四五六七八九十]+)?|[（(][一二三四五六七八九十\d]+[)）]"
    r"|[一二三四五六七八九十]+、|\d+[.．、])\s*"
)


def article_words(article: Article) -> str:
    """An article's text without its own number (which a revision changes when it renumbers)."""
    return OWN_NUMBER.sub("", article.text, count=1)


def _article_status(a: Article | None, b: Article | None) -> str:
    if a is None:
        return "added"
    if b is None:
        return "removed"
    return "unchanged" if article_words(a) == article_words(b) else "changed"


def compare(k: Knowledge, first: str, second: str) -> Comparison:
    """The provisions of `first` and `second` aligned per body, and their articles."""
    by_actor: dict[str, tuple[list[DutyRecord], list[DutyRecord]]] = defaultdict(lambda: ([], []))
    for record in k.duties.values():
        if record.document == first:
            by_actor[record.actor_id][0].append(record)
        elif record.document == second:
            by_actor[record.actor_id][1].append(record)
    provisions = {}
    for actor, (ours, theirs) in sorted(by_actor.items()):
        aligned = []
        for a, b, score in align(ours, theirs, lambda r: r.quote_zh, lambda r: r.article):
            status, changes = _status(a, b)
            aligned.append(Aligned(status, a, b, round(score, 3), changes))
        aligned.sort(key=lambda x: ((x.first or x.second).article, (x.first or x.second).start))
        provisions[actor] = aligned
    articles = [
        AlignedArticle(_article_status(a, b), a, b, round(score, 3))
        for a, b, score in align(
            k.documents[first].articles, k.documents[second].articles, article_words, lambda x: x.number
        )
    ]
    articles.sort(key=lambda x: (x.first.number, 0) if x.first else (x.second.number, 1))
    return Comparison(first, second, provisions, articles)
