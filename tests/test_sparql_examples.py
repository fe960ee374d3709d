"""The SPARQL gallery of the query page: every example runs on the packaged build, and the
answers agree with the words of the documents and with the REST records."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest

from dutygraph.api.sparql_examples import EXAMPLES, PREFIXES, example_dicts
from dutygraph.graph.exports import export
from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.graph.store import plain
from dutygraph.ontology.iris import record_id
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .stores import remote_knowledge

DOC = "party-talent-work-opinion"
BY_ID = {e.id: e for e in EXAMPLES}
SIX_TASKS = ["战略思想研究", "总体规划制定", "重要政策统筹", "创新工程策划", "重点人才培养", "重大典型宣传"]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return remote_knowledge() or load_knowledge()  # the packaged build, in the store the tests run on


@pytest.fixture(scope="module")
def text(knowledge: Knowledge) -> str:
    return knowledge.texts[DOC]


def short(knowledge: Knowledge, iri: str) -> str:
    """The id people see: 'party-talent-work-opinion/a05-3', 'hrss-department'."""
    return record_id(iri, knowledge.ns)


def text_of(knowledge: Knowledge, duty: str) -> str:
    """The text of the document a duty (its IRI) belongs to."""
    return knowledge.texts[knowledge.duties[short(knowledge, duty)].document]


def rows(knowledge: Knowledge, example_id: str) -> list[dict[str, str]]:
    return plain(knowledge.store.select(BY_ID[example_id].query))  # the data graphs as default


def test_gallery_has_at_least_twelve_distinct_examples() -> None:
    assert len(EXAMPLES) >= 12
    assert len(BY_ID) == len(EXAMPLES)
    for example in EXAMPLES:
        assert re.fullmatch(r"[a-z0-9-]+", example.id)
        for field in ("title_zh", "title_en", "description_zh", "description_en"):
            assert getattr(example, field).strip(), (example.id, field)
            assert "\n" not in getattr(example, field), (example.id, field)
        assert re.search(r"[\u4e00-\u9fff]", example.title_zh + example.description_zh), example.id
    assert [d["id"] for d in example_dicts()] == [e.id for e in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_every_prefix_used_is_declared(example) -> None:
    declared = dict(re.findall(r"^PREFIX (\w+): <([^>]+)>$", example.query, re.MULTILINE))
    assert declared, example.id
    for prefix, namespace in declared.items():
        assert PREFIXES[prefix] == namespace
    body = re.sub(r"^PREFIX .*$", "", example.query, flags=re.MULTILINE)
    body = re.sub(r'"[^"]*"', "", body)  # prefixed names never sit inside strings here
    used = set(re.findall(r"(?<![\w:/#?-])([a-z]+):[\w-]", body))
    assert used <= set(declared), (example.id, used - set(declared))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_every_example_runs_and_answers(knowledge: Knowledge, example) -> None:
    assert rows(knowledge, example.id), f"{example.id} returned no rows"


def test_who_approves_is_the_party_committee_with_the_exact_quote(knowledge: Knowledge, text: str) -> None:
    answer = rows(knowledge, "who-approves")
    assert answer
    assert {row["actorLabel"] for row in answer} == {"党委"}
    for row in answer:
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["quote"]
        assert "审定" in row["quote"]


def test_modality_counts_match_the_duties_csv(knowledge: Knowledge) -> None:
    table = list(csv.DictReader(io.StringIO(export(DEFAULT_BUILD_DIR, "csv").decode("utf-8-sig"))))
    from_csv = Counter(row["modality"] for row in table)
    from_records = Counter(r.modality for r in knowledge.duties.values())
    assert from_csv == from_records
    answer = {row["label_en"]: int(row["provisions"]) for row in rows(knowledge, "modality-counts")}
    assert answer == dict(from_csv)
    assert sum(answer.values()) == len(knowledge.duties)


def test_county_level_answers_all_hold_at_county(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "county-level")
    assert answer
    for row in answer:
        assert "县级" in row["levels"].split(" / "), row
    expected = {r.id for r in knowledge.duties.values() if "county" in r.levels}
    assert {short(knowledge, row["duty"]) for row in answer} == expected
    conditional = {
        r.id: r.condition_zh for r in knowledge.duties.values() if "county" in r.levels and r.conditions
    }
    for row in answer:
        duty = short(knowledge, row["duty"])
        if duty in conditional:
            assert row.get("conditions"), duty
            for label in row["conditions"].split(" / "):
                assert label in conditional[duty] or label in knowledge.duties[duty].quote_zh


def test_article_10_steps_come_in_order_ending_with_approval_by_the_party_committee(
    knowledge: Knowledge,
) -> None:
    answer = rows(knowledge, "article-10-procedure")
    orders = [int(row["order"]) for row in answer]
    assert orders == sorted(orders) == list(range(1, len(orders) + 1))
    assert len(orders) >= 3
    assert answer[-1]["actionLabel"] == "审定"
    assert answer[-1]["actorLabel"] == "党委"
    assert any(row["actionLabel"] == "审议" and row["actorLabel"] == "人才工作领导小组" for row in answer)
    review = next(i for i, row in enumerate(answer) if row["actionLabel"] == "审议")
    assert review < len(answer) - 1


def test_busiest_bodies_match_the_records(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "busiest-bodies")
    per_actor = Counter(r.actor_id for r in knowledge.duties.values())
    top_id, top_count = per_actor.most_common(1)[0]
    assert answer[0]["actor"].endswith("/" + top_id)
    assert int(answer[0]["provisions"]) == top_count
    counts = [int(row["provisions"]) for row in answer]
    assert counts == sorted(counts, reverse=True)
    for row in answer:
        split = int(row["obligations"]) + int(row["permissions"]) + int(row["encouragements"])
        assert split == int(row["provisions"])


def test_conditional_duties_quote_the_text(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "conditional-duties")
    expected = {r.id for r in knowledge.duties.values() if r.conditions}
    assert {short(knowledge, row["duty"]) for row in answer} == expected
    assert {knowledge.duties[duty].document for duty in expected} == set(knowledge.documents)
    for row in answer:
        assert row["quote"] in text_of(knowledge, row["duty"])


def test_exact_quotes_are_the_text_between_their_offsets(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "exact-quote")
    assert len(answer) == 50
    for row in answer:
        text = text_of(knowledge, row["duty"])
        start, end = int(row["start"]), int(row["end"])
        assert text[start:end] == row["quote"]
        assert text[:start].endswith(row["prefix"])
        assert text[end:].startswith(row["suffix"])


def test_leading_group_composition_per_condition(knowledge: Knowledge, text: str) -> None:
    answer = rows(knowledge, "leading-group-composition")
    assert len(answer) == len(knowledge.appointments)
    head = "人才工作领导小组组长"
    heads = {row.get("conditionLabel"): row["heldBy"] for row in answer if row["postLabel"] == head}
    assert heads["由党委组织部部长担任人才工作领导小组组长的"] == "党委组织部部长"
    assert "党委主要负责同志" in heads["由党委或政府主要负责同志担任人才工作领导小组组长的"]
    for row in answer:
        assert row["quote"] in text


def test_encouragements_are_the_encouragement_records(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "encouragements")
    expected = {r.id for r in knowledge.duties.values() if r.modality == "encouragement"}
    assert {short(knowledge, row["duty"]) for row in answer} == expected
    for row in answer:
        assert row["quote"] in text_of(knowledge, row["duty"])


def test_organization_department_at_central_and_provincial_level(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "organization-department-central-provincial")
    quotes = " ".join(row["quote"] for row in answer)
    for task in SIX_TASKS:
        assert task in quotes, task
    for row in answer:
        levels = row["levels"].split(" / ")
        assert "中央" in levels and "省级" in levels


def test_service_function_duties(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "serves-service-function")
    service = f"function/{DOC}/service"
    assert service in knowledge.concepts
    expected = {d for d, concepts in knowledge.duty_concepts.items() if service in concepts}
    got = {short(knowledge, row["duty"]) for row in answer}
    assert got == expected
    assert f"{DOC}/a01-4" in got  # 为各类人才干事创业、实现价值提供良好服务


def test_six_talent_categories(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "talent-categories")
    assert {row["label_zh"] for row in answer} == {
        "党政人才",
        "企业经营管理人才",
        "专业技术人才",
        "高技能人才",
        "农村实用人才",
        "社会工作人才",
    }
    assert all(int(row["provisions"]) >= 1 for row in answer)


def test_implied_actor_counts_match_the_records(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "implied-actors")
    counts = {row["actor"].split("/id/", 1)[1]: int(row["provisions"]) for row in answer}
    assert counts == dict(Counter(r.actor_id for r in knowledge.duties.values() if r.actor_implied))


def test_relations_between_bodies_quote_the_text(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "relations-between-bodies")
    assert len(answer) == len(knowledge.relations)
    # the rows name no document: each is the quote of a relation of the records, whose
    # document's text holds it at those offsets
    quoted = Counter((int(row["start"]), int(row["end"]), row["quote"]) for row in answer)
    assert quoted == Counter((r.source.start, r.source.end, r.source.text) for r in knowledge.relations)
    for relation in knowledge.relations:
        source = relation.source
        assert knowledge.texts[source.document][source.start : source.end] == source.text
    assert {r.source.document for r in knowledge.relations} == set(knowledge.documents)


def test_bodies_in_several_documents_are_those_mentioned_by_more_than_one(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "bodies-in-several-documents")
    several = {
        a.id: a
        for a in knowledge.agents.values()
        if a.type == "body" and len({q.document for q in a.mentions}) > 1
    }
    assert several  # both documents name the government, localities, …
    assert {short(knowledge, row["body"]) for row in answer} == set(several)
    assert len(answer) == len(several)  # one row per body
    for row in answer:
        agent = several[short(knowledge, row["body"])]
        assert row["label"] == agent.label_zh
        assert int(row["documents"]) == len({q.document for q in agent.mentions})
        assert set(row["named_as"].split(" / ")) == {q.text for q in agent.mentions}
        for quote in agent.mentions:  # the words are each document's own
            assert knowledge.texts[quote.document][quote.start : quote.end] == quote.text
    counts = [int(row["documents"]) for row in answer]
    assert counts == sorted(counts, reverse=True)


def test_body_in_each_document_counts_what_the_records_give_the_body(knowledge: Knowledge) -> None:
    answer = rows(knowledge, "body-in-each-document")
    found = Counter()
    for row in answer:
        document = short(knowledge, row["document"])
        assert row["title"] == knowledge.documents[document].title_zh
        found[(document, row["modality"].rsplit("#", 1)[-1])] += int(row["provisions"])
    held = [d for d in knowledge.duties.values() if d.actor_id == "body/hrss-department"]
    assert found == Counter((d.document, d.modality) for d in held)
    assert len({document for document, _ in found}) > 1  # the body is charged in both documents
    assert [row["document"] for row in answer] == sorted(row["document"] for row in answer)


def test_the_examples_follow_the_served_namespaces(knowledge: Knowledge, tmp_path_factory) -> None:
    """Built with other namespaces, the gallery declares those and answers the same rows."""
    from dutygraph.ontology.build import build
    from dutygraph.ontology.namespaces import Namespaces

    ns = Namespaces("http://example.org/onto#", "http://example.org/data/")
    folder = tmp_path_factory.mktemp("other-namespaces") / "graph"
    build(folder, ns=ns)
    other = remote_knowledge(folder) or load_knowledge(folder)
    for example, served in zip(EXAMPLES, example_dicts(ns), strict=True):
        assert "dutygraph.example" not in served["query"]
        assert len(other.store.select(served["query"])) == len(rows(knowledge, example.id)), example.id
