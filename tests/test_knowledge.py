"""The knowledge itself, checked against the words of the documents.

Each test reads a passage of a text (most of them of party-talent-work-opinion, the `text`
fixture) and asserts what the graph says about it: who acts, with which modality, at which
level, under which condition. Rules that hold for every reading are checked on every
document.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from dutygraph.graph import queries
from dutygraph.graph.knowledge import DutyRecord, Knowledge, load_knowledge
from dutygraph.graph.loaded import LoadedGraph
from dutygraph.ontology.annotations import AnnotationError
from dutygraph.ontology.build import BuildInputs, compile_all
from dutygraph.ontology.iris import record_id, scoped_iri
from dutygraph.ontology.namespaces import OA, ODRL, ORG, PROV

FIRST = "party-talent-work-opinion"


def label(graph: Graph, node, lang: str) -> str:
    """The node's preferred label in `lang`, as the built RDF gives it."""
    return next((str(v) for v in graph.objects(node, SKOS.prefLabel) if v.language == lang), "")


@pytest.fixture(scope="module")
def k(built_dir: Path) -> Knowledge:
    return load_knowledge(built_dir)


@pytest.fixture(scope="module")
def duties(k: Knowledge) -> list[DutyRecord]:
    return list(k.duties.values())


def of(duties: list[DutyRecord], document: str) -> list[DutyRecord]:
    return [d for d in duties if d.document == document]


def quoting(duties: list[DutyRecord], words: str) -> list[DutyRecord]:
    return [d for d in duties if words in d.quote_zh]


def held_by_others_than_the_party_committee(found: list[DutyRecord]) -> list[DutyRecord]:
    return [d for d in found if d.actor_id != "body/party-committee"]


def all_labels(loaded: LoadedGraph, lang: str = "zh") -> set[str]:
    graph = loaded.union
    return {str(o) for o in graph.objects(None, SKOS.prefLabel) if o.language == lang} | {
        str(o) for o in graph.objects(None, SKOS.altLabel) if o.language == lang
    }


def test_every_article_has_provisions(duties: list[DutyRecord], k: Knowledge) -> None:
    assert set(k.documents) == {FIRST, "employment-promotion-opinion-2018"}
    for doc, document in k.documents.items():
        articles = {a.number for a in document.articles}
        # article 0: the preamble (国发〔2018〕39号 charges in its opening paragraph)
        assert {d.article for d in of(duties, doc)} - {0} == articles, doc
    assert {a.number for a in k.documents[FIRST].articles} == set(range(1, 23))
    assert {d.modality for d in of(duties, FIRST)} == {"obligation", "permission", "encouragement"}


@pytest.mark.parametrize(
    "name",
    [
        "党委",
        "党委（党组）",
        "政府",
        "党委组织部门",
        "组织部门",
        "人才工作领导小组",
        "人力资源社会保障部门",
        "用人单位",
        "国有企业",
        "事业单位",
        "非公有制经济组织",
        "新社会组织",
        "人民团体",
        "工会",
        "共青团",
        "妇联",
        "科协",
        "文联",
        "作协",
        "民主党派",
        "工商联",
        "无党派人士",
        "人才培训机构",
        "中介机构",
        "从事国际人才交流的民间机构",
        "第三方",
        "人才工作领导小组组长",
        "人才工作领导小组副组长",
        "联络员",
        "党委组织部部长",
        "政府分管负责同志",
    ],
)
def test_named_bodies_and_posts_are_nodes(loaded: LoadedGraph, name: str) -> None:
    assert name in all_labels(loaded)


def test_every_body_and_post_is_quoted_from_a_text(loaded: LoadedGraph) -> None:
    """Bodies and posts are the register's and carry no source of their own; each is named
    by a mention (a quote of some document's text) or is what a named one is part of."""
    graph, dg = loaded.union, loaded.ns.dg
    agents = set(graph.subjects(RDF.type, ORG.Organization)) | set(graph.subjects(RDF.type, ORG.Post))
    assert len(agents) > 40
    mentioned = set()
    for mention in graph.subjects(RDF.type, dg.Mention):
        agent = graph.value(mention, dg.mentionOf)
        assert agent in agents, mention
        source = graph.value(mention, dg.source)
        (selector,) = [
            s for s in graph.objects(source, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in graph
        ]
        (position,) = [s for s in graph.objects(source, OA.hasSelector) if s != selector]
        text = loaded.texts[record_id(graph.value(source, OA.hasSource), loaded.ns)]
        start, end = int(graph.value(position, OA.start)), int(graph.value(position, OA.end))
        assert text[start:end] == str(graph.value(selector, OA.exact)), mention
        mentioned.add(agent)
    parents = {
        parent
        for agent in mentioned
        for p in (ORG.unitOf, dg.isKindOf, ORG.postIn)
        for parent in graph.objects(agent, p)
    }
    for agent in agents:
        assert graph.value(agent, dg.source) is None, agent
        assert agent in mentioned or agent in parents, agent


def test_party_committee_must_study_and_deploy_talent_work(duties: list[DutyRecord]) -> None:
    (duty,) = quoting(duties, "党委（党组）要及时研究部署人才工作")
    assert duty.actor_id == "body/party-committee"
    assert duty.modality == "obligation"
    assert not duty.actor_implied  # the sentence names its subject
    assert duty.article == 5


def test_leading_groups_are_set_up_by_local_committees_at_county_level_and_above(
    duties: list[DutyRecord],
) -> None:
    (duty,) = quoting(duties, "县级以上地方党委建立人才工作领导小组")
    assert duty.actor_id == "body/party-committee"
    assert set(duty.levels) == {"provincial", "prefectural", "county"}  # local: not central


def test_large_departments_may_set_up_their_own_leading_group(duties: list[DutyRecord]) -> None:
    (duty,) = quoting(duties, "可以根据实际需要建立人才工作领导小组")
    assert duty.modality == "permission"
    assert "规模比较大" in duty.actor_label_zh
    assert "根据实际需要" in duty.condition_zh


def test_permissions_are_exactly_the_sentences_that_permit(duties: list[DutyRecord], text: str) -> None:
    permitting = [m.start() for m in re.finditer("可以|可根据", text)]
    permissions = [d for d in of(duties, FIRST) if d.modality == "permission"]
    assert len(permissions) == len(permitting) == 2
    for offset in permitting:
        assert any(d.start <= offset < d.end for d in permissions)


def test_every_encouraging_phrase_is_an_encouragement(
    duties: list[DutyRecord], loaded: LoadedGraph, k: Knowledge
) -> None:
    checked = 0
    for doc, document in k.documents.items():
        text = loaded.texts[doc]
        headings = {s.label for s in document.sections}
        encouragements = [d for d in of(duties, doc) if d.modality == "encouragement"]
        for match in re.finditer("鼓励", text):
            if text[match.start() : match.start() + 4] == "鼓励创新":  # 鼓励创新的工作环境: a description
                continue
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.start())
            if text[line_start : line_end if line_end >= 0 else None] in headings:  # 二、鼓励支持就业创业
                continue
            assert any(d.start <= match.start() < d.end for d in encouragements), (
                doc,
                text[match.start() :][:30],
            )
            checked += 1
    assert checked > 3


def test_non_public_and_new_social_organizations_are_encouraged(duties: list[DutyRecord]) -> None:
    found = quoting(duties, "鼓励和引导非公有制经济组织和新社会组织")
    encouraged = held_by_others_than_the_party_committee(found)
    assert {d.actor_label_zh for d in encouraged} == {"非公有制经济组织", "新社会组织"}
    assert {d.modality for d in encouraged} == {"encouragement"}
    (guiding,) = [d for d in found if d.actor_id == "body/party-committee"]
    assert guiding.modality == "obligation" and guiding.actor_implied


def test_each_mass_organization_is_encouraged_to_take_part(duties: list[DutyRecord]) -> None:
    found = held_by_others_than_the_party_committee(quoting(duties, "引导和支持工会"))
    actors = {d.actor_label_zh for d in found}
    assert actors >= {"工会", "共青团", "妇联", "科协", "文联", "作协", "工商联", "无党派人士"}
    assert {d.modality for d in found} == {"encouragement"}


def test_employers_are_guided_and_supervised_by_an_implied_party_committee(
    duties: list[DutyRecord],
) -> None:
    found = quoting(duties, "引导和督促各用人单位")
    (duty,) = [d for d in found if d.actor_id == "body/party-committee"]
    assert duty.actor_implied
    assert duty.modality == "obligation"
    assert duty.action_zh == "引导和督促"


def test_central_and_provincial_organization_departments_focus_on_six_tasks(
    duties: list[DutyRecord],
) -> None:
    tasks = ["战略思想研究", "总体规划制定", "重要政策统筹", "创新工程策划", "重点人才培养", "重大典型宣传"]
    for task in tasks:
        matching = [d for d in quoting(duties, task) if d.article == 6]
        assert matching, task
        assert all(set(d.levels) == {"central", "provincial"} for d in matching)
        assert all(d.actor_id == "body/organization-department" for d in matching)


def test_county_talent_work_bodies_depend_on_conditions(duties: list[DutyRecord]) -> None:
    bodies = quoting(duties, "党委组织部门要建立健全人才工作机构")
    by_level = {d.levels: d for d in bodies}
    assert ("provincial", "prefectural") in by_level
    county = by_level[("county",)]
    assert "有条件的县（市）" in county.condition_zh
    designated = [d for d in quoting(duties, "专人负责人才工作") if d.levels == ("county",)]
    assert designated and all("暂无条件设立专门机构" in d.condition_zh for d in designated)


def test_localities_are_encouraged_to_explore_pilot_zones(duties: list[DutyRecord]) -> None:
    (duty,) = held_by_others_than_the_party_committee(quoting(duties, "鼓励各地探索建立人才管理改革试验区"))
    assert duty.actor_label_zh == "各地"
    assert duty.modality == "encouragement"


def test_leading_group_composition_depends_on_who_heads_it(loaded: LoadedGraph) -> None:
    graph, dg, post = loaded.union, loaded.ns.dg, loaded.ns.id["post/"]

    def appointments(condition_words: str | None) -> set[tuple[frozenset[str], str]]:
        found = set()
        for ap in graph.subjects(RDF.type, dg.ExOfficioAppointment):
            condition = graph.value(ap, dg.condition)
            condition_label = label(graph, condition, "zh") if condition else ""
            if condition_words is None and condition is not None:
                continue
            if condition_words is not None and (condition is None or condition_words not in condition_label):
                continue
            holders = frozenset(str(h).removeprefix(str(post)) for h in graph.objects(ap, dg.holder))
            found.add((holders, str(graph.value(ap, dg.appointedTo)).removeprefix(str(post))))
        return found

    principal = appointments("由党委或政府主要负责同志担任")
    assert (
        frozenset({"party-committee-principal-leader", "government-principal-leader"}),
        "leading-group-head",
    ) in principal
    assert {a for a in principal if a[1] == "leading-group-deputy-head"} == {
        (frozenset({"organization-department-head"}), "leading-group-deputy-head"),
        (frozenset({"government-leader-in-charge"}), "leading-group-deputy-head"),
    }
    by_org_head = appointments("由党委组织部部长担任")
    assert (frozenset({"organization-department-head"}), "leading-group-head") in by_org_head
    assert {a for a in by_org_head if a[1] == "leading-group-deputy-head"} == {
        (frozenset({"government-leader-in-charge"}), "leading-group-deputy-head")
    }
    assert (frozenset({"functional-department-principal-leader"}), "leading-group-member") in (
        appointments(None)
    )


def test_decision_making_flows_from_review_to_approval(loaded: LoadedGraph) -> None:
    graph, dg, ns = loaded.union, loaded.ns.dg, loaded.ns
    mechanism = scoped_iri(ns, FIRST, "mechanism", "scientific-decision-making")
    steps = sorted(graph.objects(mechanism, dg.step), key=lambda s: int(graph.value(s, dg.order)))
    actions = [label(graph, graph.value(s, ODRL.action), "zh") for s in steps]
    actors = [str(graph.value(s, dg.actor)).removeprefix(ns.data) for s in steps]
    review, approve = actions.index("审议"), actions.index("审定")
    assert review < approve
    assert actors[review] == "body/talent-work-leading-group"
    assert actors[approve] == "body/party-committee"  # who approves major matters
    assert actors[review - 1] != actors[review]  # someone else submits to the group
    for earlier, later in itertools.pairwise(steps):
        assert (earlier, dg.nextStep, later) in graph


def test_four_mechanisms_have_ordered_steps(loaded: LoadedGraph) -> None:
    graph, dg = loaded.union, loaded.ns.dg
    mechanisms = {label(graph, m, "zh") for m in graph.subjects(RDF.type, dg.Mechanism)}
    assert mechanisms == {"科学决策机制", "分工协作机制", "沟通交流机制", "督促落实机制"}


def test_four_functions_and_six_talent_categories(loaded: LoadedGraph) -> None:
    graph, dg = loaded.union, loaded.ns.dg
    zh = lambda cls: {  # noqa: E731
        str(o)
        for s in graph.subjects(RDF.type, cls)
        for o in graph.objects(s, SKOS.prefLabel)
        if o.language == "zh"
    }
    assert zh(dg.Function) == {"管宏观", "管政策", "管协调", "管服务"}
    assert zh(dg.TalentCategory) == {
        "党政人才",
        "企业经营管理人才",
        "专业技术人才",
        "高技能人才",
        "农村实用人才",
        "社会工作人才",
    }


def test_header_is_recorded_but_flagged_unverified(loaded: LoadedGraph) -> None:
    graph, dg = loaded.union, loaded.ns.dg
    document = loaded.ns.id["document/party-talent-work-opinion"]
    assert str(graph.value(document, dg.headerNumber)) == "中办发〔2017〕24号"
    assert graph.value(document, dg.headerVerified).toPython() is False
    titles = {str(t) for t in graph.objects(document, loaded.ns.dg.headerTitle)}
    assert titles == {"关于进一步加强党委联系服务专家工作的意见"}
    notes = " ".join(str(n) for n in graph.objects(document, SKOS.note))
    assert "2017" in notes and "unverified" in notes


def test_an_actor_not_marked_implied_is_named_in_its_sentence(loaded: LoadedGraph) -> None:
    graph, dg = loaded.union, loaded.ns.dg
    checked = 0
    for duty in graph.subjects(RDF.type, dg.Provision):
        if graph.value(duty, dg.actorImplied).toPython():
            continue
        actor = graph.value(duty, ODRL.assignee)
        names = {str(n) for p in (SKOS.prefLabel, SKOS.altLabel) for n in graph.objects(actor, p)}
        names = {n for n in names if isinstance(n, str) and re.search("[\u4e00-\u9fff]", n)}
        sentences = "".join(str(graph.value(s, dg.text)) for s in graph.objects(duty, PROV.wasDerivedFrom))
        assert any(name in sentences for name in names), (duty, names)
        checked += 1
    assert checked > 20


def test_implied_actors_are_marked(duties: list[DutyRecord]) -> None:
    (duty,) = quoting(duties, "确立人才优先发展战略布局")  # no subject in the sentence
    assert duty.actor_implied and duty.actor_id == "body/party-committee"
    assert sum(d.actor_implied for d in duties) > 20


# -- "A 引导 / 督促 / 指导 / 鼓励 / 支持 B 做 C": A holds the guiding duty, B holds C ----------------
# (the rule is in ontology/annotations/README.md)


def guided_links(loaded: LoadedGraph) -> list[tuple[URIRef, URIRef]]:
    """(B's provision, A's guiding provision) for every dg:guidedBy."""
    return sorted(loaded.union.subject_objects(loaded.ns.dg.guidedBy))


def test_employers_must_do_their_own_talent_work_under_article_8(k: Knowledge) -> None:
    # what /api/bodies/employer/duties?article=8 answers
    held = [h.duty for h in queries.duties_of(k, "employer", article=8, include_parts=False)]
    assert {d.quote_zh: d.modality for d in held} == {
        "引导和督促各用人单位认真贯彻执行党的人才工作方针政策": "obligation",
        "自觉做好本单位人才培养、引进和使用工作": "obligation",
    }
    assert not any(d.actor_implied for d in held)  # the sentence names 各用人单位
    assert {d.action_zh for d in held} == {"贯彻执行", "做好"}
    everywhere = {h.duty.article for h in queries.duties_of(k, "employer", include_parts=False)}
    assert everywhere == {8, 17}


def test_the_party_committee_still_guides_and_supervises_the_employers(
    loaded: LoadedGraph, k: Knowledge
) -> None:
    graph, ns = loaded.union, loaded.ns
    for held in queries.duties_of(k, "employer", article=8, include_parts=False):
        duty = URIRef(held.duty.iri)
        guiding = k.duties[record_id(graph.value(duty, ns.dg.guidedBy), ns)]
        assert guiding.id == held.duty.guided_by and guiding.document == held.duty.document == FIRST
        assert guiding.actor_id == "body/party-committee" and guiding.actor_implied
        assert guiding.modality == "obligation" and guiding.action_zh == "引导和督促"
        assert guiding.quote_zh == held.duty.quote_zh
        assert str(graph.value(duty, ODRL.assigner)).endswith("/body/party-committee")
        assert graph.value(duty, ns.dg.assignerImplied).toPython() is True


def test_flexible_mechanisms_are_encouraged_in_both_kinds_of_organization(
    duties: list[DutyRecord],
) -> None:
    found = quoting(duties, "以灵活机制做好人才服务和管理工作")
    assert {(d.actor_label_zh, d.modality) for d in found} == {
        ("非公有制经济组织", "encouragement"),
        ("新社会组织", "encouragement"),
        ("党委", "obligation"),
    }
    assert all(d.article == 8 and d.quote_zh == "以灵活机制做好人才服务和管理工作" for d in found)
    first_clause = held_by_others_than_the_party_committee(quoting(duties, "认真落实所在地方党委"))
    assert all("灵活机制" not in d.object_zh for d in first_clause)  # each clause is its own provision


@pytest.mark.parametrize(
    ("words", "guided", "modality"),
    [
        ("积极支持配合其他部门", {"functional-departments"}, "encouragement"),
        ("引导和督促各用人单位", {"employer"}, "obligation"),
        (
            "鼓励和引导非公有制经济组织",
            {"non-public-economic-organization", "new-social-organization"},
            "encouragement",
        ),
        (
            "引导和支持工会",
            {
                "trade-union",
                "communist-youth-league",
                "womens-federation",
                "science-association",
                "literature-art-federation",
                "writers-association",
                "democratic-parties",
                "federation-of-industry-and-commerce",
                "non-party-personages",
            },
            "encouragement",
        ),
        (
            "鼓励和支持各类人才培训机构",
            {"training-institutions", "intermediary-agencies", "international-exchange-agencies"},
            "encouragement",
        ),
        (
            "指导机关、企事业单位和社会组织",
            {"government-agency", "enterprises-and-institutions", "social-organization"},
            "encouragement",
        ),
        ("引导各类用人主体", {"employer"}, "encouragement"),
        ("鼓励各地", {"localities"}, "encouragement"),
        ("鼓励支持企业和社会组织", {"enterprise", "social-organization"}, "encouragement"),
    ],
)
def test_each_guiding_sentence_gives_the_guided_their_own_provision(
    loaded: LoadedGraph, k: Knowledge, text: str, words: str, guided: set[str], modality: str
) -> None:
    graph, ns = loaded.union, loaded.ns
    (at,) = [m.start() for m in re.finditer(re.escape(words), text)]
    in_sentence = [
        (b, a)
        for b, a in guided_links(loaded)
        if k.duties[record_id(b, ns)].document == FIRST
        and any(
            int(graph.value(s, ns.dg.startOffset)) <= at < int(graph.value(s, ns.dg.endOffset))
            for s in graph.objects(b, PROV.wasDerivedFrom)
        )
    ]
    records = [(k.duties[record_id(b, ns)], k.duties[record_id(a, ns)]) for b, a in in_sentence]
    assert {b.actor_id.removeprefix("body/") for b, _ in records} == guided
    assert {b.modality for b, _ in records} == {modality}  # the verb gives B's modality
    assert {a.modality for _, a in records} == {"obligation"}  # A must guide
    assert all(a.actor_implied for _, a in records)  # no sentence names its A
    assert not any(b.actor_implied for b, _ in records)  # every sentence names its B


def test_every_guided_provision_link_joins_two_provisions_of_one_sentence(loaded: LoadedGraph) -> None:
    graph, dg = loaded.union, loaded.ns.dg
    links = guided_links(loaded)
    assert len(links) >= 20
    for b, a in links:
        assert (b, RDF.type, dg.Provision) in graph and (a, RDF.type, dg.Provision) in graph
        assert a != b and graph.value(a, dg.guidedBy) is None  # A's provision is not itself guided
        assert set(graph.objects(b, PROV.wasDerivedFrom)) & set(graph.objects(a, PROV.wasDerivedFrom)), b
        assert graph.value(b, ODRL.assigner) == graph.value(a, ODRL.assignee)
        exact = [str(graph.value(URIRef(f"{graph.value(x, dg.source)}/quote"), OA.exact)) for x in (a, b)]
        assert exact[0] == exact[1], b  # A's and B's provisions for one C quote the same words
    # every provision with an assigner came to its holder through someone's guidance, or
    # through a division of labour (国发〔2018〕39号: "（人力资源社会保障部、财政部负责）")
    allocated = set(graph.subjects(dg.allocatedBy, None)) | set(graph.subjects(RDF.type, dg.DivisionOfLabour))
    assert {b for b, _ in links} | allocated == set(graph.subjects(ODRL.assigner, None))
    assert {b for b, _ in links}.isdisjoint(allocated)
    assert {str(b).split("/document/")[1].split("/")[0] for b, _ in links} >= {FIRST}


@pytest.mark.parametrize(
    ("guided_by", "expected"),
    [
        ("a08-3", "(a08-17): guided_by: a08-3 quotes another sentence than this provision"),
        ("a07-1", "(a08-17): guided_by: a07-1 is in article 7, not 8"),
        ("a08-11", "(a08-17): guided_by: a08-11 is itself guided by a08-13"),
        ("a08-99", "(a08-17): guided_by: unknown duty 'a08-99'"),
    ],
)
def test_a_link_to_a_provision_that_does_not_guide_fails_the_build(
    inputs_copy: BuildInputs, guided_by: str, expected: str
) -> None:
    reading = inputs_copy.annotations / "party-talent-work-opinion.yaml"
    text = reading.read_text(encoding="utf-8")
    assert text.count("    guided_by: a08-1\n") == 1
    reading.write_text(text.replace("    guided_by: a08-1\n", f"    guided_by: {guided_by}\n"), "utf-8")
    with pytest.raises(AnnotationError) as error:
        compile_all(inputs_copy)
    assert expected in str(error.value)
    assert "party-talent-work-opinion.yaml" in str(error.value)
