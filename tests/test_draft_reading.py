"""A draft reading (what `dutygraph ingest` writes) builds like a curated one, and says so:
`dg:reading dg:draft` on everything it says, a confidence per entry, no English but the
register's, prohibitions as odrl:Prohibition. A curated reading may leave nothing out."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from dutygraph.api import convert
from dutygraph.graph.knowledge import load_knowledge
from dutygraph.graph.loaded import load
from dutygraph.ontology.build import PACKAGE_DIR, BuildFailed, BuildInputs, build
from dutygraph.ontology.namespaces import ODRL
from dutygraph.visualizations.html import Target
from dutygraph.visualizations.pages import document_page, documents_page

DOC = "draft-sample"
# the writer's own sentences, in the genre's shape (a title, one item, a closing)
TEXT = """某市关于加强社区服务工作的通知

各区人民政府：

一、各区人民政府应当建立社区服务中心。任何单位和个人不得占用社区服务设施。

二、街道办事处可以组织志愿服务活动。

某市人民政府
2020年1月2日
"""
DG = "https://dutygraph.example/ontology#"
ID = "https://dutygraph.example/id/"


def write_inputs(folder: Path, reading: dict, extra_bodies: list[dict]) -> BuildInputs:
    sources, annotations = folder / "sources", folder / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    data = TEXT.encode("utf-8")
    (sources / f"{DOC}.txt").write_bytes(data)
    meta = {
        "id": DOC,
        "file": f"{DOC}.txt",
        "sha256": hashlib.sha256(data).hexdigest(),
        "language": "zh",
        "title": {"zh": "某市关于加强社区服务工作的通知"},  # from the header: no preamble words
        "header": {
            "verified": False,
            "note_zh": "由规则读出，未经核对",
            "note_en": "Read by rule, not verified",
        },
    }
    (sources / f"{DOC}.meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), "utf-8")
    (annotations / f"{DOC}.yaml").write_text(yaml.safe_dump(reading, allow_unicode=True), "utf-8")
    register = yaml.safe_load((PACKAGE_DIR / "registry" / "agents.yaml").read_text("utf-8"))
    register["bodies"] += extra_bodies
    path = folder / "agents.yaml"
    path.write_text(yaml.safe_dump(register, allow_unicode=True), "utf-8")
    return BuildInputs(sources=sources, annotations=annotations, register=path)


NEW_BODY = {
    "id": "community-service-centre",
    "zh": "社区服务中心",
    "class": "FormalOrganization",
    "kind": "service-agency",
    "reading": "draft",
    "confidence": 0.6,
}


def draft_reading(**changes: object) -> dict:
    reading = {
        "document": DOC,
        "reading": "draft",
        "actions": [{"id": "jian-li", "zh": "建立"}, {"id": "zhan-yong", "zh": "占用"}],
        "mentions": [
            {"id": "government", "quote": "各区人民政府", "article": 1, "occurrence": 1, "confidence": 0.9},
            {"id": "community-service-centre", "quote": "社区服务中心", "article": 1, "confidence": 0.6},
            {
                "id": "any-organization-or-individual",
                "quote": "任何单位和个人",
                "article": 1,
                "confidence": 0.95,
            },
        ],
        "duties": [
            {
                "id": "a01-1",
                "actor": "government",
                "implied": False,
                "modality": "obligation",
                "action": "jian-li",
                "object": {"zh": "社区服务中心"},
                "quote": "各区人民政府应当建立社区服务中心",
                "article": 1,
                "confidence": 0.8,
            },
            {
                "id": "a01-2",
                "actor": "any-organization-or-individual",
                "implied": False,
                "modality": "prohibition",
                "action": "zhan-yong",
                "object": {"zh": "社区服务设施"},
                "quote": "任何单位和个人不得占用社区服务设施",
                "article": 1,
                "confidence": 0.9,
            },
        ],
    }
    reading.update(changes)
    return reading


NEW_ADDRESSEE = {
    "id": "any-organization-or-individual",
    "zh": "任何单位和个人",
    "class": "SocialGroup",
    "kind": "individual",
    "reading": "draft",
}


def test_a_draft_reading_builds_and_is_marked_draft_everywhere(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", draft_reading(), [NEW_BODY, NEW_ADDRESSEE])
    build(tmp_path / "out", inputs, jobs=1)
    loaded = load(tmp_path / "out")
    graph = loaded.union
    doc = URIRef(f"{ID}document/{DOC}")
    draft = URIRef(DG + "draft")
    assert (doc, URIRef(DG + "reading"), draft) in graph
    obligation = URIRef(f"{ID}document/{DOC}/duty/a01-1")
    prohibition = URIRef(f"{ID}document/{DOC}/duty/a01-2")
    for duty in (obligation, prohibition):
        assert (duty, URIRef(DG + "reading"), draft) in graph
        labels = {label.language for label in graph.objects(duty, SKOS.prefLabel)}
        assert labels == {"zh"}  # no English: the register gives none for these actions
    assert (prohibition, RDF.type, ODRL.Prohibition) in graph
    assert (prohibition, URIRef(DG + "modality"), URIRef(DG + "prohibition")) in graph
    assert graph.value(obligation, URIRef(DG + "confidence")).toPython() == Decimal("0.8")
    # the proposed register entry is a draft too, with no English label
    body = URIRef(f"{ID}body/community-service-centre")
    assert (body, URIRef(DG + "reading"), draft) in graph
    assert {label.language for label in graph.objects(body, SKOS.prefLabel)} == {"zh"}
    # a body known to the register keeps its English label
    government = URIRef(f"{ID}body/government")
    assert "en" in {label.language for label in graph.objects(government, SKOS.prefLabel)}
    assert (government, URIRef(DG + "reading"), draft) not in graph


def test_a_draft_document_says_so_in_the_api_and_on_its_pages(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", draft_reading(), [NEW_BODY, NEW_ADDRESSEE])
    build(tmp_path / "out", inputs, jobs=1)
    k = load_knowledge(tmp_path / "out")
    documents = {doc.id: convert.document(k, doc) for doc in k.documents.values()}
    assert documents[DOC].reading == "draft"
    listed = documents_page(k, Target())
    item = listed.split(f'class="document-item" data-document="{DOC}"', 1)[1].split("</li>", 1)[0]
    assert 'class="badge draft"' in item
    page = document_page(k, Target(), DOC)
    assert (
        '"reading": "draft"' in page or '"reading":"draft"' in page
    )  # the page's data: its script shows the caveat


def test_a_curated_reading_without_english_is_refused_naming_the_entry(tmp_path: Path) -> None:
    reading = draft_reading(reading="curated")
    for entry in (*reading["mentions"], *reading["duties"]):
        entry.pop("confidence")
    inputs = write_inputs(tmp_path / "in", reading, [NEW_BODY, NEW_ADDRESSEE])
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path / "out", inputs, jobs=1)
    message = str(failed.value)
    assert f"{DOC}.yaml" in message and "en is missing" in message and "actions[0]" in message


def test_a_confidence_in_a_curated_reading_is_refused(tmp_path: Path) -> None:
    reading = draft_reading(reading="curated")
    reading["actions"] = [{**a, "en": a["id"]} for a in reading["actions"]]
    for duty in reading["duties"]:
        duty["object"]["en"] = "something"
    inputs = write_inputs(tmp_path / "in", reading, [NEW_BODY, NEW_ADDRESSEE])
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path / "out", inputs, jobs=1)
    assert "confidence belongs to a draft" in str(failed.value)
