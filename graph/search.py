"""Full-text search over the corpus: articles and provisions, by exact substrings.

Chinese is written without spaces, so a word is any run of characters and a segmenter's
wrong cut would hide a hit: the index matches substrings instead. It is SQLite's FTS5 with
the trigram tokenizer (every three characters a token: a phrase of three or more characters
is found wherever it occurs, ranked by bm25), in memory, built once from the knowledge when
the server starts. Shorter terms (党委, 县) have no trigram: they are found with instr()
over the same rows, ranked by how often they occur. Several terms separated by spaces must
all occur. Every hit carries its document, article and the offsets of its matches in the
document's text, so that it can be cited and highlighted exactly.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection
from dataclasses import dataclass

from .knowledge import Knowledge

MAX_TERMS = 8
TRIGRAM = 3  # the shortest term the trigram index can look up
SNIPPET_CONTEXT = 40  # characters either side of the first match


class SearchError(ValueError):
    """A query that cannot be searched (no term, too many terms)."""


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the document's cleaned text
    end: int


@dataclass(frozen=True)
class Hit:
    kind: str  # "article" | "provision"
    document: str
    article: int
    provision: str | None  # the provision's id ({document}/{id}), for a provision
    text: str  # the article's text, or the provision's quote
    start: int  # where `text` starts in the document's text
    end: int
    matches: tuple[Match, ...]
    score: float  # higher is better

    def snippet(self, context: int = SNIPPET_CONTEXT) -> tuple[str, int, list[tuple[int, int]]]:
        """A piece of `text` around the first match: (its words, its start in the document,
        the matches inside it as (start, end) offsets into the piece)."""
        first = self.matches[0].start - self.start
        lo = max(0, first - context)
        hi = min(len(self.text), self.matches[0].end - self.start + context)
        inside = [
            (max(m.start - self.start, lo) - lo, min(m.end - self.start, hi) - lo)
            for m in self.matches
            if m.end - self.start > lo and m.start - self.start < hi
        ]
        return self.text[lo:hi], self.start + lo, inside


@dataclass(frozen=True)
class Found:
    total: int
    hits: list[Hit]


def terms_of(query: str) -> list[str]:
    """The query's terms: runs of characters between spaces (full-width ones too)."""
    terms = list(dict.fromkeys(query.replace("\u3000", " ").split()))
    if not terms:
        raise SearchError("q has no words to search for")
    if len(terms) > MAX_TERMS:
        raise SearchError(f"q has {len(terms)} terms; at most {MAX_TERMS}")
    return terms


def phrase(term: str) -> str:
    """An FTS5 phrase that matches `term` exactly (its quotes doubled)."""
    return '"' + term.replace('"', '""') + '"'


class SearchIndex:
    """The articles and provisions of a Knowledge, searchable by substring."""

    def __init__(self, k: Knowledge) -> None:
        # one connection, used under a lock: requests are answered one at a time per worker
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE row (id INTEGER PRIMARY KEY, kind TEXT, document TEXT, article INTEGER, "
            "provision TEXT, start INTEGER, body TEXT)"
        )
        self._db.execute(
            "CREATE VIRTUAL TABLE body_index USING fts5(body, content='row', content_rowid='id', "
            "tokenize='trigram')"
        )
        rows = [
            ("article", a.document, a.number, None, a.start, a.text)
            for doc in k.documents.values()
            for a in doc.articles
        ]
        rows += [("provision", r.document, r.article, r.id, r.start, r.quote_zh) for r in k.duties.values()]
        self._db.executemany(
            "INSERT INTO row (kind, document, article, provision, start, body) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._db.execute("INSERT INTO body_index (body_index) VALUES ('rebuild')")
        self.rows = len(rows)

    def search(
        self,
        query: str,
        kind: str | None = None,
        documents: Collection[str] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> Found:
        """Rows holding every term of `query`, best first; `kind` and `documents` narrow it."""
        terms = terms_of(query)
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        conditions: list[str] = []
        params: list[object] = []
        if long_terms:  # the index finds the rows; bm25 ranks them
            source = "body_index JOIN row ON row.id = body_index.rowid"
            score = "-bm25(body_index)"
            conditions.append("body_index MATCH ?")
            params.append(" ".join(phrase(t) for t in long_terms))
        else:
            source, score = "row", "0.0"
        for term in terms:
            if len(term) < TRIGRAM:
                conditions.append("instr(row.body, ?) > 0")
                params.append(term)
        if kind is not None:
            conditions.append("row.kind = ?")
            params.append(kind)
        if documents is not None:
            listed = sorted(documents)
            conditions.append(f"row.document IN ({', '.join('?' * len(listed))})")
            params += listed
        sql = (
            f"SELECT row.kind, row.document, row.article, row.provision, row.start, row.body, {score} "
            f"FROM {source}" + (" WHERE " + " AND ".join(conditions) if conditions else "")
        )
        with self._lock:
            found = self._db.execute(sql, params).fetchall()
        hits = [self._hit(row, terms) for row in found]
        # bm25 where there was a long term; then how often the terms occur, then text order
        hits.sort(key=lambda h: (-round(h.score, 6), -len(h.matches), h.document, h.article, h.start))
        return Found(len(hits), hits[offset : offset + limit])

    @staticmethod
    def _hit(row: tuple, terms: list[str]) -> Hit:
        kind, document, article, provision, start, body, score = row
        matches = []
        for term in terms:
            at = body.find(term)
            while at != -1:
                matches.append(Match(start + at, start + at + len(term)))
                at = body.find(term, at + len(term))
        matches.sort(key=lambda m: (m.start, m.end))
        return Hit(kind, document, article, provision, body, start, start + len(body), tuple(matches), score)
