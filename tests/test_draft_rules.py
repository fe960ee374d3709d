"""The drafting rules of dutygraph.ingest on small hand-written sentences, one rule each."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutygraph.ingest import draft_reading
from dutygraph.ingest.clauses import split_sentence
from dutygraph.ingest.linking import Linker, slug_of
from dutygraph.ingest.notes import find_note
from dutygraph.ontology.annotations import Register, load_register
from dutygraph.ontology.document import parse

REGISTER_PATH = Path(__file__).resolve().parent.parent / "ontology" / "registry" / "agents.yaml"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(REGISTER_PATH)


def draft(register: Register, body: str, number: str = "国办发〔2030〕7号") -> dict:
    """A small opinion of one section and one item, issued under `number`."""
    raw = f"测试用的意见\n\n{number}\n\n一、总体要求\n\n（一）做好试点工作。{body}\n"
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
        "测试用的意见\n\n国发〔2030〕2号\n\n一、总体要求\n\n"
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
