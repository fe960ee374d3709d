"""The search index itself: what it ranks first, and the snippets it cuts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.graph.search import SearchError, SearchIndex, terms_of


@pytest.fixture(scope="module")
def k(built_dir: Path) -> Knowledge:
    return load_knowledge(built_dir)


@pytest.fixture(scope="module")
def index(k: Knowledge) -> SearchIndex:
    return SearchIndex(k)


def test_every_row_holding_the_words_is_found_and_those_with_more_of_them_first(
    k: Knowledge, index: SearchIndex
) -> None:
    for query in ("组织部门", "党委"):  # a trigram term, and one the index looks up by instr()
        found = index.search(query, kind="article", limit=10_000)
        expected = {
            (a.document, a.number) for d in k.documents.values() for a in d.articles if query in a.text
        }
        assert {(h.document, h.article) for h in found.hits} == expected
        counts = [len(h.matches) for h in found.hits]
        if query == "党委":  # no bm25 for a short term: most occurrences first
            assert counts == sorted(counts, reverse=True)
        for hit in found.hits:
            assert len(hit.matches) == hit.text.count(query)
            assert all(k.texts[hit.document][m.start : m.end] == query for m in hit.matches)


def test_a_snippet_is_the_text_around_the_first_match(k: Knowledge, index: SearchIndex) -> None:
    hit = index.search("人才工作领导小组", kind="article").hits[0]
    words, start, inside = hit.snippet(context=5)
    assert k.texts[hit.document][start : start + len(words)] == words
    assert len(words) <= len("人才工作领导小组") + 10
    assert words[inside[0][0] : inside[0][1]] == "人才工作领导小组"


def test_terms() -> None:
    assert terms_of(" 党委\u3000组织部门  党委 ") == ["党委", "组织部门"]
    for bad in ("", "  \u3000", " ".join("abcdefghi")):
        with pytest.raises(SearchError):
            terms_of(bad)
