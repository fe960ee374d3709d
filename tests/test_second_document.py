"""The second document, built alone: 国发〔2018〕39号, the State Council opinion on employment.

Part of the packaged build; these tests build it alone (from a folder holding only it and
the register) and check what a user would see: the header as the text gives it, the
division of labour after each item, permissions under their conditions and time limits,
and every quote against the text.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from dutygraph.graph.loaded import LoadedGraph, load
from dutygraph.ontology.annotations import AnnotationError
from dutygraph.ontology.build import PACKAGE_DIR, BuildInputs, build, compile_all
from dutygraph.ontology.checks import validate_graph
from dutygraph.ontology.document import parse
from dutygraph.ontology.iris import scoped_iri
from dutygraph.ontology.namespaces import ELI, OA, ODRL, ORG

DOC = "employment-promotion-opinion-2018"
SOURCES = PACKAGE_DIR / "sources"
ANNOTATIONS = PACKAGE_DIR / "annotations"
READING = ANNOTATIONS / f"{DOC}.yaml"
RAW = (SOURCES / f"{DOC}.txt").read_text(encoding="utf-8")


def alone(folder: Path) -> BuildInputs:
    """Build inputs holding this document only (and the packaged register)."""
    sources, annotations = folder / "sources", folder / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    for name in (f"{DOC}.txt", f"{DOC}.meta.yaml"):
        shutil.copy(SOURCES / name, sources / name)
    shutil.copy(READING, annotations / READING.name)
    return BuildInputs(sources=sources, annotations=annotations)


@pytest.fixture(scope="session")
def second_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("second")
    output = folder / "graph"
    build(output, alone(folder / "inputs"))
    return output


@pytest.fixture(scope="session")
def second(second_dir: Path) -> LoadedGraph:
    return load(second_dir)


@pytest.fixture(scope="session")
def reading() -> dict:
    return yaml.safe_load(READING.read_text(encoding="utf-8"))


@pytest.fixture
def curating_copy(tmp_path: Path) -> BuildInputs:
    return alone(tmp_path)


def iri(loaded: LoadedGraph, path: str) -> URIRef:
    return loaded.ns.id[path]


def said(loaded: LoadedGraph, path: str) -> URIRef:
    """What this document says, under its IRI: said(g, "duty/a01-1") is …/document/{DOC}/duty/a01-1."""
    kind, local = path.split("/", 1)
    return scoped_iri(loaded.ns, DOC, kind, local)


def in_ontology(iri: URIRef) -> str:
    """'role-lead' for dg:role-lead."""
    return str(iri).rsplit("#", 1)[-1]


def dg(loaded: LoadedGraph, name: str) -> URIRef:
    return loaded.ns.dg[name]


# -- the text and its structure -------------------------------------------------------


def test_the_source_is_the_corpus_text_byte_for_byte() -> None:
    corpus = Path("/work/shared/corpus/opinions/gov-2019/cujin-jiuye-ruogan-yijian_guofa-2018-39.txt")
    if not corpus.exists():
        pytest.skip("the shared corpus is not on this machine")
    assert (SOURCES / f"{DOC}.txt").read_bytes() == corpus.read_bytes()


def test_structure_header_items_and_closing() -> None:
    doc = parse(RAW)
    assert [(h.kind, h.text) for h in doc.header] == [
        ("title", "国务院关于做好当前和今后一个时期促进就业工作的若干意见"),
        ("issuing-number", "国发〔2018〕39号"),
        ("addressee", "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："),
    ]
    assert [(c.kind, c.text) for c in doc.closing] == [
        ("signature", "国务院"),
        ("date", "2018年11月16日"),
        ("publication-note", "（此件公开发布）"),
    ]
    assert doc.joins == []  # nothing joined: the closing lines stay apart
    assert doc.text[doc.preamble.start : doc.preamble.end].startswith("就业是最大的民生")
    assert doc.sections[0].heading == "支持企业稳定发展"
    # items numbered （一）…（十五） across the five sections, then one unnumbered paragraph
    assert [(a.number, a.section, a.numbered) for a in doc.articles] == [
        *[
            (n, s, True)
            for n, s in zip(range(1, 16), [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5], strict=True)
        ],
        (16, 5, False),
    ]
    assert doc.part(1).heading == "加大稳岗支持力度"
    assert doc.text[doc.part(15).end - 1] == "）"  # the item ends with its division of labour
    assert doc.text[doc.part(16).start :].startswith("从工业企业结构调整专项奖补资金")
    assert doc.text[doc.part(16).end - 1] == "。"  # the closing is not part of it


def test_header_closing_and_issuer_are_recorded(second: LoadedGraph) -> None:
    g, doc = second.union, iri(second, f"document/{DOC}")
    assert g.value(doc, dg(second, "headerNumber")) == Literal("国发〔2018〕39号")
    assert g.value(doc, dg(second, "addressee")) == Literal(
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："
    )
    assert g.value(doc, dg(second, "headerVerified")) == Literal(True)
    assert str(g.value(doc, ELI.date_document)) == "2018-11-16"
    assert g.value(doc, dg(second, "signature")) == Literal("国务院")
    assert g.value(doc, dg(second, "publicationNote")) == Literal("（此件公开发布）")
    assert g.value(doc, ELI.passed_by) == iri(second, "body/state-council")


def test_a_header_the_text_does_not_have_is_refused(curating_copy: BuildInputs) -> None:
    meta = curating_copy.sources / f"{DOC}.meta.yaml"
    meta.write_text(meta.read_text("utf-8").replace("国发〔2018〕39号", "国发〔2018〕93号"), "utf-8")
    with pytest.raises(AnnotationError) as caught:
        compile_all(curating_copy)
    assert caught.value.file.endswith(f"{DOC}.meta.yaml")
    assert caught.value.entry == "header.number"


# -- the division of labour --------------------------------------------------------------


def responsibilities_of(loaded: LoadedGraph, article: int) -> list[tuple[str, str, int]]:
    """(body, role, place in the list) of every provision the note of `article` lays."""
    g = loaded.union
    note = said(loaded, f"division-of-labour/a{article:02d}")
    found = []
    for duty in g.subjects(dg(loaded, "allocatedBy"), note):
        body = loaded.short_id(g.value(duty, ODRL.assignee))
        role = in_ontology(g.value(duty, dg(loaded, "responsibilityRole")))
        found.append((body, role, int(g.value(duty, dg(loaded, "order")))))
    return sorted(found, key=lambda row: row[2])


def test_item_one_is_led_by_hrss_with_finance_co_responsible(second: LoadedGraph) -> None:
    rows = responsibilities_of(second, 1)
    assert [(body, role) for body, role, _ in rows] == [
        ("body/ministry-of-human-resources-and-social-security", "role-lead"),
        ("body/ministry-of-finance", "role-co-responsible"),
    ]
    g = second.union
    for duty in g.subjects(dg(second, "allocatedBy"), said(second, "division-of-labour/a01")):
        assert (duty, RDF.type, ODRL.Duty) in g
        assert g.value(duty, dg(second, "modality")) == dg(second, "obligation")
        assert g.value(duty, ODRL.assigner) == iri(second, "body/state-council")
    labels = {str(o) for o in g.objects(iri(second, "body/ministry-of-finance"), SKOS.prefLabel)}
    assert labels == {"财政部", "Ministry of Finance"}


def test_every_note_of_the_reading_is_in_the_graph_lead_first(second: LoadedGraph, reading: dict) -> None:
    notes = reading["responsibilities"]["notes"]
    assert [n["article"] for n in notes] == list(range(1, 16))  # one note per item
    g = second.union
    for note in notes:
        rows = responsibilities_of(second, note["article"])
        assert [body.removeprefix("body/") for body, _, _ in rows] == note["bodies"]
        roles = [role for _, role, _ in rows]
        assert roles == ["role-lead"] + ["role-co-responsible"] * (len(rows) - 1)  # 列第一位者为牵头单位
        node = said(second, f"division-of-labour/a{note['article']:02d}")
        assert g.value(node, dg(second, "othersUnnamed")).toPython() == note.get("others_unnamed", False)
        by_duties = g.value(node, dg(second, "byDivisionOfDuties")).toPython()
        assert by_duties == note.get("by_division_of_duties", False)
        assert by_duties == ("按职责分工负责" in note["quote"])
        assert g.value(node, dg(second, "othersUnnamed")).toPython() == ("等有关部门和单位" in note["quote"])


def test_a_lead_that_is_not_listed_first_is_refused(curating_copy: BuildInputs) -> None:
    path = curating_copy.annotations / f"{DOC}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["responsibilities"]["notes"][0]["lead"] = "ministry-of-finance"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(AnnotationError) as caught:
        compile_all(curating_copy)
    assert caught.value.file.endswith(f"{DOC}.yaml")
    assert caught.value.entry == "responsibilities.notes[0] (article 1)"
    assert "列第一位者为牵头单位，下同" in caught.value.problem


def test_an_unknown_body_in_a_note_is_refused(curating_copy: BuildInputs) -> None:
    path = curating_copy.annotations / f"{DOC}.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["responsibilities"]["notes"][1]["bodies"].append("no-such-ministry")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(
        AnnotationError, match=r"notes\[1\] \(article 2\): bodies: unknown body 'no-such-ministry'"
    ):
        compile_all(curating_copy)


def test_shacl_refuses_a_second_lead(second: LoadedGraph) -> None:
    g = Graph()
    g += second.union
    co_responsible = said(second, "duty/a01-r2")
    g.remove((co_responsible, dg(second, "responsibilityRole"), None))
    g.add((co_responsible, dg(second, "responsibilityRole"), dg(second, "role-lead")))
    shapes = Graph().parse(PACKAGE_DIR / "shapes.ttl")
    assert "at most one lead" in validate_graph(g, shapes)


# -- provisions: modality, conditions, time limits, quotes --------------------------------


def test_the_return_of_premiums_is_a_permission_under_its_condition_and_time_limit(
    second: LoadedGraph,
) -> None:
    g = second.union
    returned = said(second, "duty/a01-1")  # 对不裁员或少裁员的参保企业，可返还…
    assert (returned, RDF.type, ODRL.Permission) in g
    assert set(g.objects(returned, dg(second, "condition"))) == {said(second, "condition/no-or-few-layoffs")}
    condition_zh = {str(o) for o in g.objects(said(second, "condition/no-or-few-layoffs"), SKOS.prefLabel)}
    assert "对不裁员或少裁员的参保企业" in condition_zh
    # the higher return standard of 2019: a permission limited to 2019年1月1日至12月31日
    standard = said(second, "duty/a01-2")
    assert (standard, RDF.type, ODRL.Permission) in g
    assert said(second, "condition/year-2019") in set(g.objects(standard, dg(second, "condition")))
    period = {str(o) for o in g.objects(said(second, "condition/year-2019"), SKOS.prefLabel)}
    assert "2019年1月1日至12月31日" in period
    selectors = g.objects(g.value(returned, dg(second, "source")), OA.hasSelector)
    exact = next(str(e) for s in selectors if (e := g.value(s, OA.exact)) is not None)
    assert exact == "对不裁员或少裁员的参保企业，可返还其上年度实际缴纳失业保险费的50%"


def test_every_quote_is_the_text_at_its_offsets(second: LoadedGraph) -> None:
    g, text = second.union, second.texts[DOC]
    checked = 0
    for source in set(g.subjects(RDF.type, OA.SpecificResource)):
        selectors = list(g.objects(source, OA.hasSelector))
        exact = next(g.value(s, OA.exact) for s in selectors if g.value(s, OA.exact) is not None)
        start = next(int(g.value(s, OA.start)) for s in selectors if g.value(s, OA.start) is not None)
        end = next(int(g.value(s, OA.end)) for s in selectors if g.value(s, OA.end) is not None)
        assert text[start:end] == str(exact)
        checked += 1
    assert checked > 200


def test_counts_by_modality_are_what_the_reading_says(second: LoadedGraph, reading: dict) -> None:
    expected = Counter(duty["modality"] for duty in reading["duties"])
    expected["obligation"] += sum(len(note["bodies"]) for note in reading["responsibilities"]["notes"])
    g = second.union
    found = Counter(
        in_ontology(g.value(p, dg(second, "modality")))
        for p in set(g.subjects(RDF.type, dg(second, "Provision")))
    )
    assert found == expected
    implied = sum(1 for duty in reading["duties"] if duty["implied"])
    assert implied == sum(1 for _ in g.subjects(dg(second, "actorImplied"), Literal(True)))


def test_bodies_both_readings_name_are_one_register_entry_with_its_labels(
    second: LoadedGraph, loaded: LoadedGraph, reading: dict
) -> None:
    first = yaml.safe_load((ANNOTATIONS / "party-talent-work-opinion.yaml").read_text("utf-8"))
    register = yaml.safe_load((PACKAGE_DIR / "registry" / "agents.yaml").read_text("utf-8"))
    entries = {b["id"]: b for b in register["bodies"]}
    shared = {m["id"] for m in reading["mentions"]} & {m["id"] for m in first["mentions"]} & set(entries)
    assert shared >= {"government", "localities", "relevant-departments", "hrss-department"}
    classes = {"FormalOrganization": ORG.FormalOrganization, "OrganizationalUnit": ORG.OrganizationalUnit}
    for slug in shared:
        body, entry = iri(second, f"body/{slug}"), entries[slug]
        for graph in (second.union, loaded.union):  # built alone, and built with the first
            labels = {(str(o), o.language) for o in graph.objects(body, SKOS.prefLabel)}
            assert labels == {(entry["zh"], "zh"), (entry["en"], "en")}, slug
            assert (body, RDF.type, classes.get(entry["class"], dg(second, "SocialGroup"))) in graph
        # one IRI, named by a mention in each document
        documents = {
            str(m).split("/document/")[1].split("/")[0]
            for m in loaded.union.subjects(dg(loaded, "mentionOf"), body)
        }
        assert documents == {DOC, "party-talent-work-opinion"}, slug


def test_the_cli_builds_the_document_alone(tmp_path: Path, built_dir: Path) -> None:
    inputs = alone(tmp_path / "inputs")
    output = tmp_path / "graph"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dutygraph",
            "build",
            "--quiet",
            "--sources",
            str(inputs.sources),
            "--annotations",
            str(inputs.annotations),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # alone, the document's graph and text are what the packaged build of both holds
    for name in (f"documents/{DOC}.ttl", f"texts/{DOC}.txt"):
        assert (output / name).read_bytes() == (built_dir / name).read_bytes(), name
