"""A document's metadata read from its own words (issue 12), on small texts written for these tests.

Each text is a made-up document in one of the genre's shapes: a Markdown regulation with its
metadata block, an opinion with its 文号 and closing, a Party regulation with the dated note under
its title, a notice that transmits measures, dates in Chinese numerals, a ministry's rules, a text
that says nothing of itself. Every fact's words are checked against the text at their offsets.
"""

from __future__ import annotations

import dataclasses

import pytest

from dutygraph.ontology.document import parse
from dutygraph.ontology.errors import BuildError
from dutygraph.ontology.metadata import (
    DocumentMetadata,
    Words,
    check_offsets,
    link_versions,
    read_metadata,
)


def read(raw: str) -> DocumentMetadata:
    """The metadata, every one of its words checked against the text at their offsets."""
    parsed = parse(raw)
    metadata = read_metadata(parsed)
    for words in all_words(metadata):
        assert parsed.text[words.start : words.end] == words.text
    return metadata


def all_words(value: object) -> list[Words]:
    if isinstance(value, Words):
        return [value]
    if isinstance(value, tuple):
        return [words for item in value for words in all_words(item)]
    if dataclasses.is_dataclass(value):
        return [words for f in dataclasses.fields(value) for words in all_words(getattr(value, f.name))]
    return []


MARKDOWN_REGULATION = """# 某某河道管理条例

2031年6月15日 中华人民共和国国务院令第901号公布

2033年1月9日 《国务院关于修改部分行政法规的决定》第一次修订\u3000

2035年3月2日 《国务院关于废止和修改部分行政法规的决定》第二次修订

2031年5月20日 国务院第12次常务会议通过

2031年8月1日 施行

<!-- INFO END -->

## 第一章 总则

第一条 为了加强河道管理，制定本条例。

第二条 县级以上地方人民政府应当加强河道巡查。

第三条 本条例自2031年8月1日起施行。
"""


def test_a_markdown_regulation_s_block_gives_its_events_number_issuer_and_category() -> None:
    meta = read(MARKDOWN_REGULATION)
    assert meta.title is not None and meta.title.text == "某某河道管理条例"
    assert meta.kind is not None and (meta.kind.form, meta.kind.gloss) == ("条例", "regulations")
    assert meta.kind.words.text == "条例" and meta.kind.words.end == meta.title.end
    events = [(e.kind, e.date, e.ordinal, e.body.text if e.body else None) for e in meta.events]
    assert events == [
        ("promulgated", "2031-06-15", None, "中华人民共和国国务院令第901号"),
        ("revised", "2033-01-09", 1, "国务院关于修改部分行政法规的决定"),
        # the 废止 in the decision's title is no abolition of this text
        ("revised", "2035-03-02", 2, "国务院关于废止和修改部分行政法规的决定"),
        ("adopted", "2031-05-20", None, "国务院第12次常务会议"),
        ("effective", "2031-08-01", None, None),
    ]  # the final article's 施行 repeats the block's: one event
    assert meta.number is not None and meta.number.value == "中华人民共和国国务院令第901号"
    assert meta.issuer is not None and (meta.issuer.value, meta.issuer.source) == (
        "中华人民共和国国务院",
        "order",
    )
    assert meta.category is not None and meta.category.value == "行政法规"
    assert meta.category.words.text == "中华人民共和国国务院令第901号"
    assert (meta.date, meta.year) == ("2035-03-02", 2035)  # the latest revision set the words


def test_the_final_article_dates_a_regulation_with_no_block() -> None:
    meta = read(
        "# 某某登记条例\n\n<!-- INFO END -->\n\n第一条 为了规范登记，制定本条例。\n\n"
        "第二条 本条例自2032年5月1日起施行。\n"
    )
    assert [(e.kind, e.date, e.source, e.words.text) for e in meta.events] == [
        ("effective", "2032-05-01", "article", "本条例自2032年5月1日起施行")
    ]
    assert (meta.date, meta.year) == ("2032-05-01", 2032)
    assert meta.number is None and meta.issuer is None and meta.category is None


OPINION = """某某省人民政府关于加强社区养老服务的意见
国办发〔2031〕7号
各市、县人民政府，省政府各部门：

为回应老年人的照护需求，现就加强社区养老服务提出如下意见。

一、完善服务网络

（一）建设社区服务站。各市要在每个街道设立一处服务站。

（二）培育服务机构。鼓励社会力量举办社区养老机构。

{signature}2031年3月8日

（此件公开发布）
"""


def test_an_opinion_has_its_number_its_issue_date_and_its_signature() -> None:
    meta = read(OPINION.format(signature="国务院办公厅\n"))
    assert meta.kind is not None and (meta.kind.form, meta.kind.gloss) == ("意见", "opinions")
    assert meta.number is not None and meta.number.value == "国办发〔2031〕7号"
    assert [(e.kind, e.date, e.body.text if e.body else None, e.source) for e in meta.events] == [
        ("issued", "2031-03-08", "国务院办公厅", "closing")
    ]
    assert meta.issuer is not None and (meta.issuer.value, meta.issuer.source) == (
        "国务院办公厅",
        "signature",
    )
    assert meta.category is None  # an opinion says nothing of a category
    assert meta.date == "2031-03-08"


def test_without_a_signature_the_issuing_number_s_prefix_names_the_issuer() -> None:
    meta = read(OPINION.format(signature=""))
    assert meta.issuer is not None
    assert (meta.issuer.value, meta.issuer.words.text, meta.issuer.source) == (
        "国务院办公厅",
        "国办发",
        "issuing-number",
    )


def test_an_unknown_issuing_number_prefix_names_no_issuer_and_the_title_does() -> None:
    meta = read(OPINION.format(signature="").replace("国办发", "某政发"))
    assert meta.number is not None and meta.number.value == "某政发〔2031〕7号"
    assert meta.issuer is not None
    assert (meta.issuer.value, meta.issuer.source) == ("某某省人民政府", "title")


PARTY_REGULATION = """中国共产党某某工作条例

（2031年4月2日中共中央政治局会议审议批准 2031年4月20日中共中央发布）

第一条 为了做好某某工作，制定本条例。

第二条 各级党委应当加强对某某工作的领导。

第三条 本条例自发布之日起施行。
"""


def test_a_party_regulation_is_read_from_the_note_under_its_title() -> None:
    meta = read(PARTY_REGULATION)
    events = [(e.kind, e.date, e.body.text if e.body else None, e.relative) for e in meta.events]
    assert events == [
        ("approved", "2031-04-02", "中共中央政治局会议", False),
        ("promulgated", "2031-04-20", "中共中央", False),
        ("effective", "2031-04-20", None, True),  # 自发布之日: the promulgation's date
    ]
    assert meta.category is not None and meta.category.value == "党内法规"
    assert meta.issuer is not None and (meta.issuer.value, meta.issuer.source) == ("中共中央", "event")
    assert meta.date == "2031-04-20"


def test_a_party_regulation_titled_so_is_one_without_a_dated_note() -> None:
    meta = read(
        PARTY_REGULATION.replace(
            "（2031年4月2日中共中央政治局会议审议批准 2031年4月20日中共中央发布）\n\n", ""
        )
    )
    assert meta.category is not None and meta.category.value == "党内法规"
    assert meta.category.words.text == "中国共产党" and meta.category.words.start == 0
    assert [(e.kind, e.date) for e in meta.events] == [("effective", None)]  # no date to resolve
    assert meta.date is None and meta.year is None


TRANSMITTING_NOTICE = """国务院关于印发某某补贴发放暂行办法的通知
国发〔2031〕41号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

现将《某某补贴发放暂行办法》印发给你们，请认真贯彻执行。

国务院
二〇三一年十二月五日

（此件公开发布）

某某补贴发放暂行办法

第一条 为了规范补贴发放，制定本办法。

第二条 本办法自2032年1月1日起施行。
"""


def test_a_notice_that_transmits_measures_is_a_notice_and_notes_what_it_transmits() -> None:
    meta = read(TRANSMITTING_NOTICE)
    assert meta.kind is not None and (meta.kind.form, meta.kind.gloss) == ("通知", "notice")
    assert meta.kind.transmits is not None and meta.kind.transmits.form == "办法"
    assert meta.kind.transmitted is not None and meta.kind.transmitted.text == "某某补贴发放暂行办法"
    events = [(e.kind, e.date, e.attachment) for e in meta.events]
    # Chinese numerals in the closing date; the attached measures' own effective date kept apart
    assert events == [("issued", "2031-12-05", False), ("effective", "2032-01-01", True)]
    assert meta.events[0].date_words is not None and meta.events[0].date_words.text == "二〇三一年十二月五日"
    assert meta.issuer is not None and meta.issuer.value == "国务院"
    assert meta.number is not None and meta.number.value == "国发〔2031〕41号"
    assert meta.date == "2031-12-05"  # the notice's date, not its attachment's


def test_a_ministry_s_order_makes_departmental_rules() -> None:
    meta = read(
        "# 某某港口管理规则\n\n2031年9月1日 国务院批准\n\n2031年10月8日 某某部令第8号发布  自发布之日施行\n\n"
        "<!-- INFO END -->\n\n第一条 为了管理港口，制定本规则。\n"
    )
    events = [(e.kind, e.date, e.body.text if e.body else None) for e in meta.events]
    assert events == [
        ("approved", "2031-09-01", "国务院"),
        ("promulgated", "2031-10-08", "某某部令第8号"),
        ("effective", "2031-10-08", None),
    ]
    assert meta.kind is not None and meta.kind.form == "规则"
    assert meta.category is not None and (meta.category.value, meta.category.words.text) == (
        "部门规章",
        "某某部令第8号",
    )
    assert meta.issuer is not None and meta.issuer.value == "某某部"
    assert meta.number is not None and meta.number.value == "某某部令第8号"


def test_a_regulation_the_state_council_itself_issued_without_an_order() -> None:
    meta = read(
        "# 某某仓库管理暂行规定\n\n2031年2月3日 国务院发布\n\n<!-- INFO END -->\n\n"
        "一、仓库由县人民政府管理。\n"
    )
    assert meta.category is not None and (meta.category.value, meta.category.source) == ("行政法规", "event")
    assert meta.number is None
    assert meta.issuer is not None and meta.issuer.value == "国务院"


def test_the_longest_form_ends_the_title() -> None:
    meta = read("# 某某法实施细则\n\n<!-- INFO END -->\n\n第一条 本细则依照某某法制定。\n")
    assert meta.kind is not None and (meta.kind.form, meta.kind.gloss) == ("实施细则", "implementing rules")


def test_a_text_that_says_nothing_of_itself_has_no_metadata() -> None:
    meta = read("某某工作的几点做法\n\n各地要加强某某工作。\n\n各部门要做好配合。\n")
    assert meta.kind is None  # 做法 is no 法 (law)
    assert (meta.category, meta.issuer, meta.number, meta.events, meta.date, meta.year) == (
        None,
        None,
        None,
        (),
        None,
        None,
    )


def test_words_that_are_not_the_text_at_their_offsets_are_a_build_error() -> None:
    parsed = parse(MARKDOWN_REGULATION)
    meta = read_metadata(parsed)
    assert meta.number is not None
    moved = dataclasses.replace(
        meta.number,
        words=Words(meta.number.words.text, meta.number.words.start + 1, meta.number.words.end + 1),
    )
    check_offsets(parsed.text, meta)
    with pytest.raises(BuildError, match="not the text"):
        check_offsets(parsed.text, dataclasses.replace(meta, number=moved))


def test_each_dated_version_revises_the_latest_earlier_one() -> None:
    links = link_versions(
        [
            ("rules-2020", "中华人民共和国某某法实施细则", "2020-01-09"),
            ("rules-2031", "中华人民共和国某某法实施细则", "2031-12-11"),
            ("rules-2025", "中华人民共和国 某某法实施细则", "2025-03-01"),  # spacing differs
            ("other", "某某条例", "2026-01-01"),
            ("undated", "中华人民共和国某某法实施细则", None),
            ("bracket-1", "某某（试行）办法", "2021-01-01"),
            ("bracket-2", "某某(试行)办法", "2022-01-01"),  # half-width brackets: the same title
        ]
    )
    assert links == {"rules-2025": "rules-2020", "rules-2031": "rules-2025", "bracket-2": "bracket-1"}


def test_versions_of_one_day_are_not_ordered() -> None:
    assert link_versions([("a", "某某条例", "2031-01-01"), ("b", "某某条例", "2031-01-01")]) == {}
