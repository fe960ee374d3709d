"""The drafting rules of dutygraph.ingest on small hand-written sentences, one rule each."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutygraph.ingest import draft_reading
from dutygraph.ingest.clauses import split_sentence
from dutygraph.ingest.linking import Linker, slug_of
from dutygraph.ingest.notes import find_note
from dutygraph.ontology.annotations import Reading, Register, check_references, check_register, load_register
from dutygraph.ontology.document import parse

REGISTER_PATH = Path(__file__).resolve().parent.parent / "ontology" / "registry" / "agents.yaml"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(REGISTER_PATH)


# a preamble that names the addressees (a reading sources every body it charges to words of
# the text) and lays no provision: it tells what was done
PREAMBLE = "近年来，各级政府和党委的试点工作取得了明显成效。"


def draft(register: Register, body: str, number: str = "国办发〔2030〕7号", preamble: str = PREAMBLE) -> dict:
    """A small opinion of one section and one item, issued under `number`."""
    raw = f"测试用的意见\n\n{number}\n\n{preamble}\n\n一、总体要求\n\n（一）做好试点工作。{body}\n"
    return draft_reading(parse(raw), register, "test-opinion")


def duties(reading: dict) -> list[tuple[str, str, bool, str]]:
    return [(d["actor"], d["modality"], d["implied"], d["quote"]) for d in reading["duties"]]


def test_obligation_with_named_subject(register: Register) -> None:
    reading = draft(register, "人力资源社会保障部要按季度汇总试点情况。")
    assert duties(reading) == [
        (
            "ministry-of-human-resources-and-social-security",
            "obligation",
            False,
            "人力资源社会保障部要按季度汇总试点情况",
        )
    ]


def test_permission_and_its_false_friends(register: Register) -> None:
    reading = draft(register, "财政部可以按规定简化拨付手续。各地要提高资金的可获得性。")
    modalities = {d["actor"]: d["modality"] for d in reading["duties"]}
    assert modalities == {"ministry-of-finance": "permission", "localities": "obligation"}


def test_prohibition(register: Register) -> None:
    reading = draft(register, "任何单位和个人不得截留试点经费。")
    (duty,) = reading["duties"]
    assert duty["modality"] == "prohibition"
    proposed = {entry["id"]: entry for entry in reading["register"]}
    assert proposed[duty["actor"]]["zh"] == "任何单位和个人"


def test_a_limit_with_negation_is_an_obligation(register: Register) -> None:
    reading = draft(register, "财政部要发放补贴，且不可重复发放。不得挪用补贴资金于试点以外的用途。")
    assert [d["modality"] for d in reading["duties"]] == ["obligation", "obligation", "obligation"]


def test_enumeration_gives_one_provision_per_body(register: Register) -> None:
    reading = draft(register, "教育部、科技部和民政部要共同制定试点方案。")
    assert [d["actor"] for d in reading["duties"]] == [
        "ministry-of-education",
        "ministry-of-science-and-technology",
        "ministry-of-civil-affairs",
    ]
    assert len({d["quote"] for d in reading["duties"]}) == 1


def test_collective_after_deng_is_a_mention_not_another_actor(register: Register) -> None:
    reading = draft(register, "支持工会、妇联等人民团体开展技能竞赛。")
    guided = [d["actor"] for d in reading["duties"] if "guided_by" in d]
    assert guided == ["trade-union", "womens-federation"]
    assert "mass-organizations" in {m["id"] for m in reading["mentions"]}


def test_implied_subject_carried_within_the_sentence_and_to_the_next(register: Register) -> None:
    reading = draft(register, "各地要摸清底数，建立台账。要定期通报进展。", number="国发〔2030〕1号")
    assert [(d["actor"], d["implied"]) for d in reading["duties"]] == [
        ("localities", False),
        ("localities", True),
        ("localities", True),
    ]


def test_subjectless_directive_binds_the_issuers_addressees(register: Register) -> None:
    government = draft(register, "加快建设公共实训基地。")
    party = draft(register, "加快建设公共实训基地。", number="中办发〔2030〕3号")
    assert [(d["actor"], d["implied"]) for d in government["duties"]] == [("government", True)]
    assert [(d["actor"], d["implied"]) for d in party["duties"]] == [("party-committee", True)]


def test_condition_is_merged_and_recorded(register: Register) -> None:
    reading = draft(register, "对吸纳残疾人就业的企业，可给予一次性奖励。")
    (duty,) = reading["duties"]
    assert duty["quote"] == "对吸纳残疾人就业的企业，可给予一次性奖励"
    (condition,) = reading["conditions"]
    assert condition["zh"] == "对吸纳残疾人就业的企业"
    assert duty["conditions"] == [condition["id"]]


def test_levels_from_the_subjects_prefix(register: Register) -> None:
    county = draft(register, "县级以上地方人民政府要建立联席会议制度。")
    every = draft(register, "各级党委组织部门要加强指导。")
    assert county["duties"][0]["levels"] == [
        {"op": "gteq", "value": "county"},
        {"op": "neq", "value": "central"},
    ]
    assert every["duties"][0]["levels"] == [
        {"op": "isAnyOf", "value": ["central", "provincial", "prefectural", "county"]}
    ]


def test_division_of_labour_note_lead_and_implied_actor(register: Register) -> None:
    raw = (
        "测试用的意见\n\n国发〔2030〕2号\n\n经国务院同意，现提出以下意见。\n\n一、总体要求\n\n"
        "（一）做好试点工作。扩大试点范围。（教育部、财政部负责。列第一位者为牵头单位，下同）\n\n"
        "（二）加强监督。定期开展评估。（民政部、教育部等有关部门和单位按职责分工负责）\n"
    )
    reading = draft_reading(parse(raw), register, "test-opinion")
    notes = reading["responsibilities"]["notes"]
    assert [n["bodies"] for n in notes] == [
        ["ministry-of-education", "ministry-of-finance"],
        ["ministry-of-civil-affairs", "ministry-of-education"],
    ]
    assert [n["lead"] for n in notes] == ["ministry-of-education", "ministry-of-civil-affairs"]
    assert notes[1]["others_unnamed"] and notes[1]["by_division_of_duties"]
    assert reading["responsibilities"]["lead_rule"]["quote"] == "列第一位者为牵头单位，下同"
    assert reading["responsibilities"]["assigner"] == "state-council"
    # the item's subjectless sentence is the lead's, implied
    assert [(d["actor"], d["implied"]) for d in reading["duties"]] == [
        ("ministry-of-education", True),
        ("ministry-of-civil-affairs", True),
    ]


def test_note_without_rule_or_single_body_names_no_lead(register: Register) -> None:
    text = "扩大试点。（教育部、财政部负责）"
    note = find_note(text, 0, len(text))
    assert note is not None and note.names == ["教育部", "财政部"] and note.lead_rule is None


def test_guiding_pattern_lays_provisions_on_both(register: Register) -> None:
    reading = draft(register, "财政部要引导和督促用人单位依法缴纳保险费，按时足额发放工资。")
    by_id = {d["id"]: d for d in reading["duties"]}
    guided = [d for d in reading["duties"] if "guided_by" in d]
    assert [(d["actor"], d["modality"]) for d in guided] == [
        ("employer", "obligation"),
        ("employer", "obligation"),
    ]
    for duty in guided:
        guide = by_id[duty["guided_by"]]
        assert guide["actor"] == duty["assigner"] == "ministry-of-finance"
        assert guide["quote"] == duty["quote"] and "employer" in guide["concerns"]


def test_encouraging_verb_gives_encouragement_to_the_body_guided(register: Register) -> None:
    reading = draft(register, "鼓励事业单位设立开放实验室。")
    assert [(d["actor"], d["modality"]) for d in reading["duties"]] == [
        ("government", "obligation"),
        ("public-institution", "encouragement"),
    ]


def test_verb_phrase_lists_split_noun_lists_do_not() -> None:
    acts = "要调查需求、制定计划、落实经费"
    nouns = "要公布办事指南、收费标准、咨询电话"
    assert len(split_sentence(acts, 0, len(acts))) == 3
    assert len(split_sentence(nouns, 0, len(nouns))) == 1


def test_description_is_not_a_provision(register: Register) -> None:
    reading = draft(register, "近年来，试点工作取得了明显成效。试点是改革的重要方法。教育部要总结经验。")
    assert [d["actor"] for d in reading["duties"]] == ["ministry-of-education"]


def test_register_linking_strips_scope_words(register: Register) -> None:
    linker = Linker(register)
    assert linker.known("各级党委") == "party-committee"
    assert linker.known("其他有关部门和单位") == "relevant-departments-and-units"
    assert linker.known("各有关部门") == "relevant-departments"


def test_new_body_is_proposed_with_a_pinyin_id_and_no_english(register: Register) -> None:
    reading = draft(register, "县级以上地方人民政府应急管理部门要加强巡查。")
    (entry,) = reading["register"]
    assert entry["zh"] == "人民政府应急管理部门"
    assert entry["id"] == slug_of("人民政府应急管理部门") == "ren-min-zheng-fu-ying-ji-guan-li"
    assert "en" not in entry and entry["kind"] == "functional-department"
    assert reading["duties"][0]["actor"] == entry["id"]


def test_quotes_are_exact_and_repeated_words_have_an_occurrence(register: Register) -> None:
    body = "教育部要做好统计。民政部要做好统计。"
    reading = draft(register, body)
    doc = parse(f"测试用的意见\n\n国办发〔2030〕7号\n\n一、总体要求\n\n（一）做好试点工作。{body}\n")
    part = doc.part(1)
    article_text = doc.text[part.start : part.end]
    for duty in reading["duties"]:
        assert duty["quote"] in article_text
    assert [d.get("occurrence", 1) for d in reading["duties"]] == [1, 1]
    assert all(0 <= d["confidence"] <= 1 for d in reading["duties"])
    assert reading["reading"] == "draft"


def test_drafting_is_deterministic(register: Register) -> None:
    body = "鼓励企业和社会组织设立奖学金，为学生提供实习岗位。"
    assert draft(register, body) == draft(register, body)


# --- the generality pass: rules of the genre beyond the two measured documents ---------------


def regulation(register: Register, articles: str) -> dict:
    """A small regulation (第X条 articles) with no issuer in its header."""
    raw = f"某市测试管理条例\n\n{articles}\n"
    return draft_reading(parse(raw), register, "test-regulation")


def proposed_zh(reading: dict) -> dict[str, str]:
    return {entry["id"]: entry["zh"] for entry in reading.get("register", [])}


def assert_sourced(reading: dict) -> None:
    """What a build requires of a reading: every body a duty refers to is mentioned."""
    mentioned = {m["id"] for m in reading["mentions"]}
    for duty in reading["duties"]:
        assert duty["actor"] in mentioned, duty
        assert duty.get("assigner", duty["actor"]) in mentioned, duty
        assert set(duty.get("concerns", [])) <= mentioned, duty


def test_any_organisation_or_person_must_not(register: Register) -> None:
    reading = draft(register, "任何组织和个人不得擅自占用试点场地。")
    (duty,) = reading["duties"]
    assert (duty["modality"], duty["implied"]) == ("prohibition", False)
    assert proposed_zh(reading)[duty["actor"]] == "任何组织和个人"
    assert_sourced(reading)


def test_a_subjectless_ban_binds_everyone_implied(register: Register) -> None:
    reading = regulation(register, "第一条 禁止在河道内倾倒建筑垃圾。")
    (duty,) = reading["duties"]
    assert (duty["modality"], duty["implied"]) == ("prohibition", True)
    assert proposed_zh(reading)[duty["actor"]] == "任何单位和个人"
    # the text never writes 任何单位和个人: the mention quotes the word it is read from
    (mention,) = [m for m in reading["mentions"] if m["id"] == duty["actor"]]
    assert mention["quote"] == "禁止" and "note_en" in mention
    assert_sourced(reading)


def test_a_ban_in_an_opinion_binds_everyone_but_a_named_doer_is_bound_itself(register: Register) -> None:
    ban = draft(register, "禁止向参训人员收取费用。")
    assert [(proposed_zh(ban).get(d["actor"]), d["modality"]) for d in ban["duties"]] == [
        ("任何单位和个人", "prohibition")
    ]
    # 严禁 in a text addressed to governments is the discipline of the bodies addressed
    discipline = draft(register, "严禁以试点名义举办庆典活动。")
    assert [(d["actor"], d["modality"], d["implied"]) for d in discipline["duties"]] == [
        ("government", "prohibition", True)
    ]
    public = regulation(register, "第一条 严禁在林区野外用火。")
    assert [(proposed_zh(public)[d["actor"]], d["implied"]) for d in public["duties"]] == [
        ("任何单位和个人", True)
    ]
    carried = draft(register, "各地要加强经费管理，严禁挪作他用。")
    assert [(d["actor"], d["modality"]) for d in carried["duties"]] == [
        ("localities", "obligation"),
        ("localities", "prohibition"),
    ]


def test_encouraging_a_group_that_is_not_an_organisation(register: Register) -> None:
    reading = draft(register, "鼓励民间资本投资建设养老设施。支持居民参与社区议事。")
    held = [(proposed_zh(reading).get(d["actor"], d["actor"]), d["modality"]) for d in reading["duties"]]
    assert held == [
        ("government", "obligation"),
        ("民间资本", "encouragement"),
        ("government", "obligation"),
        ("居民", "encouragement"),
    ]
    by_id = {d["id"]: d for d in reading["duties"]}
    for duty in reading["duties"]:
        if duty["modality"] == "encouragement":
            assert by_id[duty["guided_by"]]["actor"] == duty["assigner"] == "government"
    assert_sourced(reading)


def test_fuze_as_the_main_verb_is_an_obligation_of_its_subject(register: Register) -> None:
    reading = regulation(
        register, "第一条 县交通运输主管部门负责本县农村公路的养护管理。乡镇人民政府应当予以配合。"
    )
    first, second = reading["duties"]
    assert (proposed_zh(reading)[first["actor"]], first["modality"], first["implied"]) == (
        "县交通运输主管部门",
        "obligation",
        False,
    )
    assert first["quote"] == "县交通运输主管部门负责本县农村公路的养护管理"
    assert second["modality"] == "obligation"


def test_a_short_first_sentence_with_a_modal_word_is_a_provision_not_a_heading(register: Register) -> None:
    reading = draft(register, "财政部要保障试点经费。", number="国办发〔2030〕7号")
    assert [d["actor"] for d in reading["duties"]] == ["ministry-of-finance"]
    raw = "测试用的意见\n\n国办发〔2030〕7号\n\n一、教育部负责统筹试点。财政部要保障经费。\n"
    actors = [d["actor"] for d in draft_reading(parse(raw), register, "t")["duties"]]
    assert actors == ["ministry-of-education", "ministry-of-finance"]


def test_persons_are_actors_who_may(register: Register) -> None:
    reading = regulation(
        register, "第一条 公民可以向有关部门举报违法行为。\n\n第二条 当事人对处理决定不服的，可以申请复核。"
    )
    held = [(proposed_zh(reading).get(d["actor"], d["actor"]), d["modality"]) for d in reading["duties"]]
    assert held == [("公民", "permission"), ("当事人", "permission")]
    assert all(not d["implied"] for d in reading["duties"])


def test_the_preambles_framing_is_not_a_provision(register: Register) -> None:
    regulation_frame = regulation(register, "第一条 为了规范试点管理，根据有关法律，制定本办法。")
    notice_frame = draft(
        register, "教育部要总结经验。", preamble="为保障试点顺利开展，现就有关事项通知如下。"
    )
    opinion_frame = draft(register, "教育部要总结经验。", preamble="经国务院同意，现提出以下意见。")
    assert regulation_frame["duties"] == []
    for reading in (notice_frame, opinion_frame):
        assert [d["article"] for d in reading["duties"]] == [1]


def test_an_addressee_the_parts_never_name_is_not_charged_without_a_source(register: Register) -> None:
    # only the header (title, 文号) says who issues and who is addressed: nothing to source
    unsourced = draft(register, "加快建设公共实训基地。", preamble="")
    assert unsourced["duties"] == []
    # the issuer is named in the parts (经国务院同意): it holds the subjectless directive
    issuer = draft(
        register,
        "加快建设公共实训基地。",
        number="国发〔2030〕1号",
        preamble="经国务院同意，现提出以下意见。",
    )
    assert [(d["actor"], d["implied"]) for d in issuer["duties"]] == [("state-council", True)]
    assert_sourced(issuer)


def test_an_enumerated_level_prefix_is_part_of_the_name(register: Register) -> None:
    reading = draft(register, "各市、县人民政府要建立试点台账。")
    (duty,) = reading["duties"]
    assert (duty["actor"], duty["implied"]) == ("government", False)
    assert duty["levels"] == [{"op": "isAnyOf", "value": ["prefectural", "county"]}]


def assert_valid(register: Register, reading: dict) -> None:
    """The checks the build makes of a reading and of the register its proposals join."""
    entries = [{**entry, "reading": "draft"} for entry in reading.get("register", [])]
    data = register.model_dump(by_alias=True, exclude_none=True)
    joined = Register.model_validate({**data, "bodies": [*data["bodies"], *entries]})
    check_register(joined, Path("agents.yaml"))
    body = {k: v for k, v in reading.items() if k != "register"}
    check_references(Reading.model_validate(body), Path("draft.yaml"), joined)


def test_a_unit_is_placed_in_the_body_its_name_opens_with(register: Register) -> None:
    reading = draft(register, "国务院办公厅要定期通报进展。联合工作小组办公室要汇总情况。")
    proposed = {entry["zh"]: entry for entry in reading["register"]}
    assert proposed["国务院办公厅"]["unit_of"] == "state-council"
    assert proposed["国务院办公厅"]["class"] == "OrganizationalUnit"
    # no body the register knows: proposed as a body, for the reviewer to place
    assert proposed["联合工作小组办公室"]["class"] == "FormalOrganization"
    assert_valid(register, reading)


def test_bodies_that_guide_together_each_guide_and_the_first_is_named_the_guide(register: Register) -> None:
    reading = draft(register, "教育部和财政部要引导事业单位开放实验室。")
    by_id = {d["id"]: d for d in reading["duties"]}
    (guided,) = [d for d in reading["duties"] if "guided_by" in d]
    assert guided["actor"] == "public-institution"
    assert by_id[guided["guided_by"]]["actor"] == guided["assigner"] == "ministry-of-education"
    assert_valid(register, reading)


def test_every_draft_of_these_tests_is_a_valid_reading(register: Register) -> None:
    raw = (
        "测试用的意见\n\n国发〔2030〕2号\n\n经国务院同意，现提出以下意见。\n\n一、总体要求\n\n"
        "（一）做好试点工作。扩大试点范围。（教育部、财政部负责。列第一位者为牵头单位，下同）\n\n"
        "（二）加强监督。严禁挪用经费。鼓励社会资本参与。（民政部负责）\n"
    )
    reading = draft_reading(parse(raw), register, "test-opinion")
    assert "confidence" not in reading["responsibilities"]["lead_rule"]
    assert_valid(register, reading)
    assert_valid(register, regulation(register, "第一条 禁止在河道内倾倒垃圾。游客可以提出意见。"))


def test_a_joint_issuers_addressees_are_the_first_the_parts_name(register: Register) -> None:
    raw = (
        "中共中央 国务院关于做好试点工作的意见\n\n各级政府要高度重视试点工作。\n\n"
        "一、总体要求\n\n（一）做好试点工作。加快建设公共实训基地。\n"
    )
    reading = draft_reading(parse(raw), register, "t")
    # 党委 is named nowhere in the parts, 政府 is: the governments hold the directive
    assert [(d["actor"], d["implied"]) for d in reading["duties"] if d["article"] == 1] == [
        ("government", True)
    ]
    assert_valid(register, reading)


def test_the_generic_addressees_forms(register: Register) -> None:
    reading = regulation(
        register,
        "第一条 其他任何单位和个人不得从事试点经营。任何单位或者个人可以举报违法行为。"
        "任何人不准进入封闭区域。",
    )
    held = [(proposed_zh(reading)[d["actor"]], d["modality"], d["implied"]) for d in reading["duties"]]
    assert held == [
        ("任何单位和个人", "prohibition", False),
        ("任何单位或者个人", "permission", False),
        ("任何人", "prohibition", False),
    ]


def test_a_ban_word_inside_a_phrase_does_not_make_everyone_the_actor(register: Register) -> None:
    reading = regulation(
        register, "第一条 县环境保护主管部门应当公布监测结果。销售非限制和禁止类产品的收入按规定核算。"
    )
    actors = {proposed_zh(reading).get(d["actor"], d["actor"]) for d in reading["duties"]}
    assert "任何单位和个人" not in actors


# --- where a body's name begins (benchmarks/register_noise.py measures these at corpus scale) ---


def names(register: Register, sentence: str) -> list[str]:
    return [found.words for found in Linker(register).grammar().find(sentence)]


def test_a_name_is_not_cut_inside_a_word(register: Register) -> None:
    # 有关, 其他, 或者, 所在地 are words: a name never begins after their first character
    assert names(register, "材料应当报请其他有关部门复核。") == ["其他有关部门"]
    assert names(register, "须先征得有关单位同意。") == ["有关单位"]
    assert "代理人" in names(register, "申请人或者其代理人应当当面签字。")
    found = names(register, "由所在地县级以上地方人民政府渔业主管部门核发。")
    assert found == ["所在地县级以上地方人民政府渔业主管部门"]


def test_a_verb_may_open_a_kind_of_its_own(register: Register) -> None:
    # 申请人, 经营者, 使用者: the person named by what it does, though the words open with a verb
    assert names(register, "申请人或者其代理人应当当面签字。") == ["申请人", "代理人"]
    assert names(register, "经营者应当公开收费标准。") == ["经营者"]


def test_a_verb_before_a_body_is_left_to_the_clause(register: Register) -> None:
    # 持 / 接受 / 要求 + body: the body is named, the verb belongs to the clause
    assert names(register, "持县级以上人民政府颁发的证明。") == ["县级以上人民政府"]
    assert names(register, "学校可以接受用人单位的委托。")[-1] == "用人单位"
    assert names(register, "要求用人单位提供工资清单。") == ["用人单位"]
    # a body, then a verb whose object is another body: two names, not one
    assert names(register, "行业协会接受用人单位委托开展培训。") == ["行业协会", "用人单位"]


def test_negations_conjunctions_and_prepositions_do_not_open_a_name(register: Register) -> None:
    assert names(register, "依法独立行使职权，不受任何单位和个人的干预。") == ["任何单位和个人"]
    assert names(register, "编制方案，并报省级人民政府备案。") == ["省级人民政府"]
    assert names(register, "根据投资者的申请办理登记。") == ["投资者"]


def test_a_definition_names_the_body_it_defines(register: Register) -> None:
    # 本规定所称X / 以下简称X / 是指X: X is the body, not the words of the definition
    assert names(register, "本规定所称经营者，是指提供服务的企业。") == ["经营者", "企业"]
    assert names(register, "全市的物业行业协会（以下简称专业协会）负责培训。")[-1] == "专业协会"


def test_a_draft_proposes_no_name_that_opens_with_a_cut_word_or_a_verb(register: Register) -> None:
    reading = draft(
        register,
        "县级以上人民政府要将方案报请其他有关部门审核，并接受用人单位的监督。"
        "有关单位须征得所在地乡镇人民政府同意。",
    )
    proposed = [str(entry["zh"]) for entry in reading.get("register", [])]
    assert proposed, "the draft proposes the bodies the register lacks"
    for words in proposed:
        assert not words.startswith(("他", "关", "者", "地", "并", "接受", "征得")), words
