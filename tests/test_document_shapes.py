"""Every shape of document the parser reads (issue 11), on small texts written for these tests.

Each text is a made-up document in one of the genre's shapes: an opinion with （一） items
numbered across its sections, one whose 1. items restart in each section, a regulation with
编 / 章 / 节 and 第X条 articles holding items, the Markdown form of a regulation, an older
regulation numbered 一、, a notice that forwards an attached plan, a flattened table, a PDF page
break; then the errors. Offsets are checked by slicing the cleaned text.
"""

from __future__ import annotations

import pytest

from dutygraph.ontology.document import DocumentError, ParsedDocument, Part, parse


def span(doc: ParsedDocument, part: Part) -> str:
    return doc.text[part.start : part.end]


OPINION = """某某省人民政府关于加强社区养老服务的意见
某政发〔2031〕7号
各市、县人民政府，省政府各部门：

为回应老年人的照护需求，现就加强社区养老服务提出如下意见。

一、完善服务网络

（一）建设社区服务站。各市要在每个街道设立一处服务站。

（二）培育服务机构。鼓励社会力量举办社区养老机构。

二、强化保障措施

（三）落实用地政策。县级以上人民政府应当优先安排养老服务用地。（省自然资源厅、省民政厅负责）

养老服务用地不得擅自改变用途。

某某省人民政府
2031年3月8日
（此件公开发布）
"""


def test_an_opinion_with_items_numbered_across_its_sections() -> None:
    doc = parse(OPINION)
    assert [(line.kind, line.text) for line in doc.header] == [
        ("title", "某某省人民政府关于加强社区养老服务的意见"),
        ("issuing-number", "某政发〔2031〕7号"),
        ("addressee", "各市、县人民政府，省政府各部门："),
    ]
    assert doc.title == "某某省人民政府关于加强社区养老服务的意见"
    assert span(doc, doc.preamble).startswith("为回应老年人的照护需求")
    assert [(s.number, s.label, s.heading) for s in doc.sections] == [
        (1, "一、", "完善服务网络"),
        (2, "二、", "强化保障措施"),
    ]
    assert doc.article_style == "item" and not doc.renumbered
    assert [(a.number, a.label, a.section, a.numbered) for a in doc.articles] == [
        (1, "（一）", 1, True),
        (2, "（二）", 1, True),
        (3, "（三）", 2, True),
        (4, "", 2, False),  # after the division-of-labour note: a paragraph of its own
    ]
    third = doc.part(3)
    assert span(doc, third).startswith("（三）落实用地政策。") and span(doc, third).endswith("负责）")
    assert third.heading == "落实用地政策"
    assert [(c.kind, c.text) for c in doc.closing] == [
        ("signature", "某某省人民政府"),
        ("date", "2031年3月8日"),
        ("publication-note", "（此件公开发布）"),
    ]


RESTARTING = """关于做好校园安全工作的通知

各学校要把安全工作放在首位。

一、总体要求

1.坚持预防为主。学校应当定期排查隐患。

2.坚持属地管理。区教育局负责统筹本区学校。

二、重点任务

区教育局要会同公安机关做好校园周边治理。

1.加强门卫管理。学校要严格来访登记。

2.加强食堂管理。学校食堂必须公示食品来源。
"""


def test_items_restarting_in_each_section_are_numbered_in_document_order() -> None:
    doc = parse(RESTARTING)
    assert doc.article_style == "arabic" and doc.renumbered
    assert [(a.number, a.label, a.section) for a in doc.articles] == [
        (1, "一、1.", 1),
        (2, "一、2.", 1),
        (3, "", 2),
        (4, "二、1.", 2),
        (5, "二、2.", 2),
    ]
    fourth = doc.part(4)
    assert span(doc, fourth) == "1.加强门卫管理。学校要严格来访登记。"
    assert doc.text[fourth.body_start : fourth.end] == "加强门卫管理。学校要严格来访登记。"
    assert [doc.text[s.start : s.end] for s in fourth.sentences] == ["加强门卫管理。", "学校要严格来访登记。"]


def test_items_numbered_once_across_sections_keep_their_own_numbers() -> None:
    doc = parse("标题\n\n一、甲\n\n1.第一项要落实。\n\n二、乙\n\n2.第二项要落实。\n\n3.第三项要落实。\n")
    assert not doc.renumbered
    assert [(a.number, a.label, a.section) for a in doc.articles] == [
        (1, "1.", 1),
        (2, "2.", 2),
        (3, "3.", 2),
    ]


REGULATION = """某某物业管理条例
（2030年5月1日通过，自2030年9月1日起施行）
第一编 总则
第一章 一般规定
第一条 为了规范物业管理活动，制定本条例。
第二章 业主
第一节 业主大会
第二条 业主大会应当履行下列职责：
（一）制定管理规约；
（二）选聘物业服务企业。
业主大会的决定对全体业主具有约束力。
第二节 业主委员会
第三条 业主委员会由业主大会选举产生。
第二编 附则
第三章 施行
第四条 本条例自公布之日起施行。
"""


def test_a_regulation_with_parts_chapters_sections_and_items() -> None:
    doc = parse(REGULATION)
    assert [(line.kind, line.text) for line in doc.header] == [
        ("title", "某某物业管理条例"),
        ("note", "（2030年5月1日通过，自2030年9月1日起施行）"),
    ]
    assert doc.article_style == "tiao" and not doc.renumbered
    # 编, 章 and 节 nest; their own numbers repeat, so sections are numbered in document order
    assert [(s.number, s.label, s.heading, s.level, s.parent) for s in doc.sections] == [
        (1, "第一编", "总则", 1, None),
        (2, "第一章", "一般规定", 2, 1),
        (3, "第二章", "业主", 2, 1),
        (4, "第一节", "业主大会", 3, 3),
        (5, "第二节", "业主委员会", 3, 3),
        (6, "第二编", "附则", 1, None),
        (7, "第三章", "施行", 2, 6),
    ]
    assert span(doc, doc.sections[2]).startswith("第二章 业主") and span(doc, doc.sections[2]).endswith(
        "选举产生。"
    )
    assert [(a.number, a.label, a.section) for a in doc.articles] == [
        (1, "第一条", 2),
        (2, "第二条", 4),
        (3, "第三条", 5),
        (4, "第四条", 7),
    ]
    second = doc.part(2)
    assert span(doc, second).endswith("业主大会的决定对全体业主具有约束力。")  # the 款 after the items
    assert [(i.kind, i.number, i.label, span(doc, i)) for i in second.items] == [
        ("item", 1, "（一）", "（一）制定管理规约；"),
        ("item", 2, "（二）", "（二）选聘物业服务企业。"),
    ]
    assert [doc.text[s.start : s.end] for s in second.items[1].sentences] == ["选聘物业服务企业。"]
    assert not second.heading  # a regulation's articles have no headings


MARKDOWN = """# 某某河道保护条例

2029年6月1日 某某省人民政府令第12号公布
2030年1月2日 《某某省人民政府关于修改部分规章的决定》修订

<!-- INFO END -->

## 第一章 总则

第一条 为了保护河道，制定本条例。

第二条 县级以上人民政府水行政主管部门负责本行政区域的河道保护工作。

乡镇人民政府应当配合做好河道巡查。

## 第二章 禁止行为

### 第一节 一般禁止

第三条 在河道管理范围内禁止下列行为：

(一)倾倒垃圾；

(二)擅自采砂。
"""


def test_a_markdown_regulation_keeps_its_markers_out_of_every_span() -> None:
    doc = parse(MARKDOWN)
    assert doc.markdown and doc.article_style == "tiao"
    title = doc.header[0]
    assert (title.kind, title.text, doc.text[title.start : title.end]) == (
        "title",
        "某某河道保护条例",
        "某某河道保护条例",
    )
    assert [(line.kind, line.text) for line in doc.header[1:]] == [
        ("date", "2029年6月1日 某某省人民政府令第12号公布"),
        ("date", "2030年1月2日 《某某省人民政府关于修改部分规章的决定》修订"),
    ]
    assert [(s.label, s.heading, s.level, s.parent) for s in doc.sections] == [
        ("第一章", "总则", 2, None),
        ("第二章", "禁止行为", 2, None),
        ("第一节", "一般禁止", 3, 2),
    ]
    for part in doc.sections + doc.articles:
        assert not span(doc, part).startswith("#")
    assert doc.text[doc.sections[0].start : doc.sections[0].body_start] == "第一章 "
    second = doc.part(2)
    assert span(doc, second).endswith("乡镇人民政府应当配合做好河道巡查。") and not second.items
    third = doc.part(3)
    assert [(i.label, doc.text[i.body_start : i.end]) for i in third.items] == [
        ("(一)", "倾倒垃圾；"),
        ("(二)", "擅自采砂。"),
    ]
    assert "#" not in span(doc, third)


def test_a_markdown_metadata_block_names_its_issuer() -> None:
    doc = parse(
        "# 某某办法\n\n某某部发布\n\n发布之日施行\n\n<!-- INFO END -->\n\n第一条 本办法适用于全国。\n"
    )
    assert [(line.kind, line.text) for line in doc.header] == [
        ("title", "某某办法"),
        ("issuer", "某某部发布"),
        ("other", "发布之日施行"),
    ]


OLDER_REGULATION = """# 关于某某仓库管理的规定

<!-- INFO END -->

一、仓库由所在地的县人民政府负责管理。

二、仓库管理单位应当履行下列职责：

(一)建立出入库登记制度；

(二)定期检查消防设施。

三、本规定自发布之日起施行。
"""


def test_an_older_regulation_numbered_with_provisions_after_its_numerals() -> None:
    doc = parse(OLDER_REGULATION)
    assert doc.article_style == "numeral" and not doc.sections
    assert [(a.number, a.label) for a in doc.articles] == [(1, "一、"), (2, "二、"), (3, "三、")]
    assert [i.label for i in doc.part(2).items] == ["(一)", "(二)"]
    assert span(doc, doc.part(2)).endswith("(二)定期检查消防设施。")


NOTICE_WITH_ATTACHMENT = """某某市人民政府办公厅关于印发垃圾分类工作方案的通知
某政办发〔2032〕3号
各区人民政府，市政府各部门：

《垃圾分类工作方案》已经市政府同意，现印发给你们，请认真贯彻执行。

某某市人民政府办公厅
2032年2月1日

垃圾分类工作方案

为推进生活垃圾减量，制定本方案。

一、工作目标

（一）到年底前，居民小区要全部设置分类投放点。

二、工作措施

（一）各区要建立收运台账。
"""


def test_a_notice_forwards_an_attached_document_with_its_own_numbering() -> None:
    doc = parse(NOTICE_WITH_ATTACHMENT)
    assert [(c.kind, c.text) for c in doc.closing] == [
        ("signature", "某某市人民政府办公厅"),
        ("date", "2032年2月1日"),
    ]
    assert span(doc, doc.preamble).startswith("《垃圾分类工作方案》已经市政府同意")
    (plan,) = doc.attachments
    assert plan.heading == "垃圾分类工作方案" and plan.level == 0
    assert [(s.kind, s.number, s.label, s.parent) for s in doc.sections] == [
        ("attachment", 1, "", None),
        ("section", 2, "一、", 1),
        ("section", 3, "二、", 1),
    ]
    # （一） starts again in the second section: numbered in order, the text's number in the label
    assert doc.renumbered
    assert [(a.number, a.label, a.section) for a in doc.articles] == [
        (1, "", 1),
        (2, "一、（一）", 2),
        (3, "二、（一）", 3),
    ]
    assert span(doc, doc.part(1)) == "为推进生活垃圾减量，制定本方案。"


TABLE = """关于公布示范项目名单的通知

现将示范项目名单公布如下。

一、名单

序号
项目名称
承担单位
1
河道治理示范项目
某某水务集团

二、工作要求

（一）各承担单位要按期完成建设任务。
"""


def test_a_table_flattened_one_cell_per_line_is_one_paragraph() -> None:
    doc = parse(TABLE)
    assert doc.joins == []  # the cells are not a broken paragraph
    table, task = doc.articles
    assert not table.numbered and table.section == 1
    assert span(doc, table) == "序号\n项目名称\n承担单位\n1\n河道治理示范项目\n某某水务集团"
    assert (task.label, task.section) == ("（一）", 2)


def test_a_page_break_is_joined_but_a_heading_on_its_own_line_is_not() -> None:
    first_half = "各级人民政府要把防汛工作纳入年度考核，对工作不力、造成严重后果的"
    raw = f"标题\n\n一、防汛\n\n（一）落实责任\n\n{first_half}\n\n依法追究责任。\n"
    doc = parse(raw)
    assert len(doc.joins) == 1
    assert first_half + "依法追究责任。" in doc.text
    assert "（一）落实责任\n" in doc.text  # an item's heading stands alone
    (article,) = doc.articles
    assert article.heading == "" and span(doc, article).endswith("依法追究责任。")


def test_a_dated_note_under_the_title() -> None:
    doc = parse("某某意见\n（2031年4月2日）\n\n各地要抓好落实。\n\n一、要求\n\n（一）加强领导。\n")
    assert [(line.kind, line.text) for line in doc.header] == [
        ("title", "某某意见"),
        ("date", "（2031年4月2日）"),
    ]


def test_a_text_that_numbers_nothing_has_a_preamble_and_unnumbered_articles() -> None:
    doc = parse(
        "某某决定\n某发〔2031〕2号\n\n为表彰先进，作出本决定。\n\n各单位要向先进学习。\n\n某某\n2031年1月1日\n"
    )
    assert span(doc, doc.preamble) == "为表彰先进，作出本决定。"
    assert [(a.number, a.numbered, span(doc, a)) for a in doc.articles] == [
        (1, False, "各单位要向先进学习。")
    ]
    assert [c.kind for c in doc.closing] == ["signature", "date"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (" \n\u3000\n", "empty"),
        ("Annual report\n\nThe board met twice.\n", "no recognisable structure"),
        ("说明\n\n事项：\n\n甲乙丙\n", "no recognisable structure"),
        ("只有标题\n\n没有正文", "every line looks like a header"),
    ],
)
def test_texts_that_are_not_documents_are_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        parse(raw)


def test_an_article_number_that_repeats_without_restarting_is_refused() -> None:
    raw = "某某条例\n\n第一条 本条例适用于全省。\n\n第二条 各级政府负责实施。\n\n第二条 任何单位不得违反。\n"
    with pytest.raises(DocumentError, match="numbering cannot be made consistent: 第二条"):
        parse(raw)


def test_a_section_line_that_goes_on_with_provisions_is_also_an_article() -> None:
    doc = parse(
        "标题\n\n一、总体要求\n\n（一）坚持统筹推进。\n\n二、各地要加强组织领导，确保各项措施落地。\n"
    )
    assert [(s.label, s.heading) for s in doc.sections] == [
        ("一、", "总体要求"),
        ("二、", "各地要加强组织领导，确保各项措施落地。"),
    ]
    first, second = doc.articles
    assert (first.number, first.label, first.section) == (1, "（一）", 1)
    assert (second.number, second.label, second.numbered, second.section) == (2, "二、", False, 2)
    assert doc.text[second.body_start : second.end] == "各地要加强组织领导，确保各项措施落地。"


def test_a_chapter_heading_set_over_two_lines_is_one_heading() -> None:
    doc = parse(
        "# 某某办法\n\n<!-- INFO END -->\n\n## 第一章 各级人民政府\n\n在安全生产中的职责\n\n"
        "第一条 各级人民政府应当加强安全生产工作。\n"
    )
    (chapter,) = doc.sections
    assert chapter.heading == "各级人民政府在安全生产中的职责"
    assert [(a.number, a.label) for a in doc.articles] == [(1, "第一条")]


def test_an_addressee_line_after_the_title_is_header_without_an_issuing_number() -> None:
    raw = (
        "某某县人民政府关于做好冬季防火工作的通知\n\n"
        "各乡镇人民政府，县政府各部门、各直属机构：\n\n"
        "为做好冬季防火工作，现将有关事项通知如下。\n\n"
        "一、各乡镇要组织巡查。\n"
    )
    doc = parse(raw)
    assert [(line.kind, line.text) for line in doc.header] == [
        ("title", "某某县人民政府关于做好冬季防火工作的通知"),
        ("addressee", "各乡镇人民政府，县政府各部门、各直属机构："),
    ]
    assert span(doc, doc.preamble) == "为做好冬季防火工作，现将有关事项通知如下。"
    line = doc.line("addressee")
    assert doc.text[line.start : line.end] == line.text


def test_a_sentence_ending_in_a_colon_after_the_title_is_not_an_addressee() -> None:
    raw = "某某县人民政府关于做好冬季防火工作的通知\n\n现将有关事项通知如下：\n\n一、各乡镇要组织巡查。\n"
    doc = parse(raw)
    assert [line.kind for line in doc.header] == ["title"]
    assert span(doc, doc.preamble) == "现将有关事项通知如下："
