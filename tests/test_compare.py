"""Two versions of a document compared provision by provision: a revision made by hand from
the packaged document (some provisions reworded, one's modality changed, some dropped, one
added), so that what the comparison must find is known."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from dutygraph.graph.compare import align, compare
from dutygraph.graph.knowledge import Knowledge, load_knowledge

DOC = "party-talent-work-opinion"
REVISED = "revised-opinion"


@pytest.fixture(scope="module")
def k(built_dir: Path) -> Knowledge:
    return load_knowledge(built_dir)


def revised(k: Knowledge) -> tuple[Knowledge, dict[str, set[str]]]:
    """`k` with a second version of DOC: every tenth provision reworded (a character added),
    the one after it made a permission, the one after that dropped, and one provision added."""
    # provisions of one actor with the same words (one quote, two levels) are interchangeable
    # to any alignment: the revision leaves them as they are, so that which is which is known
    ours = [r for r in k.duties.values() if r.document == DOC]
    words = Counter((r.actor_id, r.quote_zh) for r in ours)
    expected: dict[str, set[str]] = {"changed": set(), "removed": set(), "added": set()}
    duties = dict(k.duties)
    for n, record in enumerate(ours):
        new = dataclasses.replace(record, id=record.id.replace(DOC, REVISED), document=REVISED)
        unique = words[(record.actor_id, record.quote_zh)] == 1
        if unique and n % 10 == 0:
            new = dataclasses.replace(new, quote_zh=record.quote_zh + "并报告")
            expected["changed"].add(record.id)
        elif unique and n % 10 == 1 and record.modality != "permission":
            new = dataclasses.replace(new, modality="permission")
            expected["changed"].add(record.id)
        elif unique and n % 10 == 2:
            expected["removed"].add(record.id)
            continue
        duties[new.id] = new
    extra = dataclasses.replace(
        ours[0],
        id=f"{REVISED}/a99-1",
        document=REVISED,
        article=99,
        quote_zh="建立人才工作年度报告制度，每年向社会公布",
    )
    duties[extra.id] = extra
    expected["added"].add(extra.id)
    documents = {**k.documents, REVISED: dataclasses.replace(k.documents[DOC], id=REVISED)}
    return dataclasses.replace(k, duties=duties, documents=documents), expected


def test_a_revision_is_found_provision_by_provision(k: Knowledge) -> None:
    k2, expected = revised(k)
    found = compare(k2, DOC, REVISED)
    by_status: dict[str, set[str]] = {"unchanged": set(), "changed": set(), "removed": set(), "added": set()}
    for aligned in found.provisions.values():
        for item in aligned:
            by_status[item.status].add((item.first or item.second).id)
            if item.first and item.second:  # a pair is the same provision, under the same actor
                assert item.first.id.split("/", 1)[1] == item.second.id.split("/", 1)[1]
    assert by_status["changed"] == expected["changed"]
    assert by_status["removed"] == expected["removed"]
    assert by_status["added"] == expected["added"]
    total = sum(r.document == DOC for r in k.duties.values())
    assert found.counts()["unchanged"] == total - len(expected["changed"]) - len(expected["removed"])
    assert found.counts()["changed"] + found.counts()["unchanged"] + found.counts()["removed"] == total
    assert all(a.status == "unchanged" for a in found.articles)  # the texts are the same


def test_align_pairs_alike_texts_once_and_leaves_the_rest() -> None:
    first = ["县级以上地方人民政府应当加强领导", "用人单位应当依法签订劳动合同", "鼓励社会资本参与"]
    second = [
        "用人单位应当依法签订书面劳动合同",
        "县级以上地方人民政府应当加强领导",
        "任何单位和个人不得破坏设施",
    ]
    pairs = align(first, second, str, lambda s: 0)
    matched = {(a, b) for a, b, _ in pairs if a and b}
    assert matched == {(first[0], second[1]), (first[1], second[0])}
    assert (first[2], None, 0.0) in pairs and (None, second[2], 0.0) in pairs
