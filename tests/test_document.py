"""Reading a document: cleaning, header, sections, articles, sentences, offsets."""

from __future__ import annotations

import pytest

from dutygraph.ontology.document import DocumentError, chinese_number, clean, parse

from .conftest import SOURCE

RAW = SOURCE.read_text(encoding="utf-8")


def test_cleaning_joins_exactly_the_four_page_breaks() -> None:
    text, joins = clean(RAW)
    assert len(joins) == 4
    for word in ("原则，", "优先调整、", "主要责任部门要明确职责", "重点工作任务分解到"):
        assert word in text
    # nothing else changes: putting the removed blank lines back gives the raw text
    assert len(RAW) - len(text) == 4 * 2
    rebuilt = text
    for offset in reversed(joins):
        rebuilt = rebuilt[:offset] + "\n\n" + rebuilt[offset:]
    assert rebuilt == RAW


def test_header_is_kept_apart_from_the_body() -> None:
    doc = parse(RAW)
    assert [(h.kind, h.text) for h in doc.header] == [
        ("title", "关于进一步加强党委联系服务专家工作的意见"),
        ("issuing-number", "中办发〔2017〕24号"),
    ]
    assert doc.text[doc.preamble.start : doc.preamble.end].startswith("为加强和改进党对人才工作的领导")


def test_sections_and_articles_are_numbered_as_in_the_text() -> None:
    doc = parse(RAW)
    assert [s.number for s in doc.sections] == [1, 2, 3, 4, 5, 6]
    assert doc.sections[2].heading == "健全党管人才领导体制和工作格局"
    assert [a.number for a in doc.articles] == list(range(1, 23))
    section_of = {a.number: a.section for a in doc.articles}
    assert section_of[1] == 1 and section_of[5] == 3 and section_of[10] == 4 and section_of[22] == 6
    article5 = doc.part(5)
    assert article5.heading == "加强党委统一领导"
    assert doc.text[article5.start : article5.start + 2] == "5."
    assert doc.text[article5.end - 1] == "。"


def test_sentences_cover_the_article_and_end_with_a_full_stop() -> None:
    doc = parse(RAW)
    for article in doc.articles:
        for sentence in article.sentences:
            piece = doc.text[sentence.start : sentence.end]
            assert piece.endswith("。"), piece
            assert article.body_start <= sentence.start < sentence.end <= article.end
    first = doc.part(10).sentences[0]
    assert doc.text[first.start : first.end] == "建立科学决策机制。"


def test_other_numbering_styles_of_the_family() -> None:
    tiao = parse(
        "某某办法\n\n第一章 总则\n\n第一条 为了规范工作，制定本办法。\n\n第二条 各单位要\n\n遵守本办法。\n"
    )
    assert [a.number for a in tiao.articles] == [1, 2]
    assert "各单位要遵守本办法。" in tiao.text
    items = parse("标题\n\n一、总体要求\n\n（一）加强领导。要统一思想。\n\n（二）完善机制。\n")
    assert [a.number for a in items.articles] == [1, 2]
    assert items.part(1).heading == "加强领导"
    fullwidth = parse("标题\n\n1．第一项。\n\n2．第二项。\n")
    assert [a.number for a in fullwidth.articles] == [1, 2]
    plain = parse("标题\n\n一、要求\n\n各地要加强领导。\n\n各部门要密切配合。\n")
    assert [(a.number, a.numbered) for a in plain.articles] == [(1, False), (2, False)]


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in ("一", "十", "十二", "二十", "二十二", "一百零五")] == [
        1,
        10,
        12,
        20,
        22,
        105,
    ]


@pytest.mark.parametrize("bad", ["", "   \n\n", "只有标题\n\n没有正文"])
def test_a_text_without_body_is_refused(bad: str) -> None:
    with pytest.raises(DocumentError):
        parse(bad)
