"""The REST API as a user meets it: `dutygraph serve` on 127.0.0.1, asked over HTTP.

Every answer that names a duty is checked against the words of its document: its quote is
exactly `text[start:end]` of the cleaned text the API itself serves for that document.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import pairwise
from typing import Any

import httpx
import pytest

from dutygraph.api.examples import EXAMPLES, SAMPLE_REQUESTS, trim

DOC = "party-talent-work-opinion"
SECOND = "employment-promotion-opinion-2018"
JSON = "application/json"
SIX_TASKS = ["战略思想研究", "总体规划制定", "重要政策统筹", "创新工程策划", "重点人才培养", "重大典型宣传"]


@pytest.fixture(scope="session")
def server(served: str) -> str:
    return served


@pytest.fixture(scope="session")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as session:
        yield session


@pytest.fixture(scope="session")
def texts(client: httpx.Client) -> dict[str, str]:
    """The cleaned text of every document the API holds, by document id."""
    listed = get(client, "/api/documents")["items"]
    return {d["id"]: get(client, f"/api/documents/{d['id']}/text")["text"] for d in listed}


@pytest.fixture(scope="session")
def document_text(texts: dict[str, str]) -> str:
    return texts[DOC]


def get(client: httpx.Client, url: str, **params: Any) -> Any:
    response = client.get(url, params=params or None)  # an empty `params` would drop the url's query
    assert response.status_code == 200, f"{url} {params}: {response.status_code} {response.text}"
    return response.json()


def assert_quoted(texts: dict[str, str], quote: dict) -> None:
    """A duty, or a quote, is the very words at its offsets in the document it names (a duty
    keeps them in `source`)."""
    offsets = quote.get("source", quote)
    text = texts[offsets["document"]]
    assert text[offsets["start"] : offsets["end"]] == quote["text_zh"], quote


def has_condition(duty: dict, label_zh: str) -> bool:
    return any(condition["label_zh"] == label_zh for condition in duty["conditions"])


def test_health_names_the_document(client: httpx.Client) -> None:
    health = get(client, "/healthz")
    assert health["status"] == "ok" and DOC in health["documents"] and health["triples"] > 0


def test_every_duty_quote_is_the_text_at_its_offsets(client: httpx.Client, texts: dict[str, str]) -> None:
    duties = get(client, "/api/duties", limit=500)
    assert duties["total"] == len(duties["items"]) > 100
    assert {d["source"]["document"] for d in duties["items"]} == set(texts) == {DOC, SECOND}
    for duty in duties["items"]:
        assert_quoted(texts, duty)


def test_who_approves_major_matters_is_the_party_committee(
    client: httpx.Client, texts: dict[str, str], document_text: str
) -> None:
    answer = get(client, "/api/responsibilities", q="审定")
    first = answer["items"][0]
    assert first["actor"]["id"] == "party-committee"
    held = [d for d, how in zip(first["duties"], first["how"], strict=True) if how == "holds"]
    approve = next(d for d in held if d["action_zh"] == "审定")
    assert approve["article"] == 10 and approve["modality"] == "obligation"
    assert_quoted(texts, approve)
    assert approve["source"]["document"] == DOC
    sentence = "重大事项要报同级党委（党组）审定"
    at = document_text.index(sentence)
    assert at <= approve["source"]["start"] < approve["source"]["end"] <= at + len(sentence)
    # the leading group, which submits the matter, answers for it less directly
    others = [r["actor"]["id"] for r in answer["items"][1:]]
    assert "talent-work-leading-group" in others
    assert all(r["score"] <= first["score"] for r in answer["items"])


def test_english_questions_find_the_same_duties(client: httpx.Client, texts: dict[str, str]) -> None:
    approve = get(client, "/api/responsibilities", q="approve")["items"][0]
    assert approve["actor"]["id"] == "party-committee"
    assert any("审定" in d["text_zh"] for d in approve["duties"])
    fund = get(client, "/api/responsibilities", q="talent fund")["items"]
    holders = {r["actor"]["id"] for r in fund if "holds" in r["how"]}
    assert {"enterprise", "social-organization"} <= holders
    for row in fund:
        for duty in row["duties"]:
            assert_quoted(texts, duty)
    assert any("人才发展基金" in d["text_zh"] for r in fund for d in r["duties"])


def test_organization_department_at_central_level_has_the_six_tasks(
    client: httpx.Client, texts: dict[str, str], document_text: str
) -> None:
    duties = get(client, "/api/bodies/organization-department/duties", level="central", limit=500)["items"]
    assert duties and all("central" in d["levels"] for d in duties)
    quotes = {d["text_zh"] for d in duties}
    assert set(SIX_TASKS) <= quotes
    assert "中央和省级组织部门要重点抓好" + "、".join(SIX_TASKS) + "等工作" in document_text
    for duty in duties:
        assert_quoted(texts, duty)
    sixth = get(client, "/api/bodies/organization-department/duties", level="central", article=6, limit=500)
    assert all(d["article"] == 6 for d in sixth["items"]) and set(SIX_TASKS) <= {
        d["text_zh"] for d in sixth["items"]
    }


def test_duties_of_units_and_posts_are_marked_via(client: httpx.Client, texts: dict[str, str]) -> None:
    url = "/api/bodies/party-committee/duties"
    everything = get(client, url, limit=500)
    own = get(client, url, include_parts="false", limit=500)
    assert own["total"] < everything["total"]
    assert all(d["via"] is None and d["actor"]["id"] == "party-committee" for d in own["items"])
    secretary = [d for d in everything["items"] if d["via"] == "party-secretary"]
    assert secretary and secretary[0]["actor"]["id"] == "party-secretary"
    assert "党委（党组）书记要带头抓好人才工作" in secretary[0]["text_zh"]
    assert_quoted(texts, secretary[0])
    vias = {d["via"] for d in everything["items"]}
    assert {"organization-department", "standing-committee-member"} <= vias
    assert get(client, "/api/bodies/party-committee")["duty_count"] == own["total"]


def test_the_leading_group_has_its_posts(client: httpx.Client, texts: dict[str, str]) -> None:
    group = get(client, "/api/bodies/talent-work-leading-group")
    assert group["label_zh"] == "人才工作领导小组"
    assert {p["id"] for p in group["posts"]} >= {
        "leading-group-head",
        "leading-group-deputy-head",
        "leading-group-member",
    }
    established = next(r for r in group["relations"] if r["relation"] == "establishes")
    assert established["other"]["id"] == "party-committee" and established["direction"] == "incoming"
    assert established["source"]["text_zh"] == "县级以上地方党委建立人才工作领导小组"
    for relation in group["relations"]:
        assert_quoted(texts, relation["source"])
    # where each document names it: the first names it in article 5
    mentions = group["mentions"]
    assert DOC in {m["document"] for m in mentions}
    assert len({m["document"] for m in mentions}) == len(mentions)  # one quote per document
    for mention in mentions:
        assert "领导小组" in mention["text_zh"]
        assert_quoted(texts, mention)


def test_what_employers_must_do_includes_what_the_party_committee_guides_them_to(
    client: httpx.Client, document_text: str
) -> None:
    """Article 8 of the first document: 引导和督促各用人单位…，自觉做好本单位人才培养、引进和使用工作
    lays the guiding duty on the Party committee and the talent work itself on the employers."""
    duties = client.get("/api/bodies/employer/duties", params={"article": 8, "document": DOC}).json()["items"]
    assert duties and {d["source"]["document"] for d in duties} == {DOC}
    assert {d["modality"] for d in duties} == {"obligation"}
    assert any("自觉做好本单位人才培养、引进和使用工作" in d["text_zh"] for d in duties)
    for duty in duties:
        guiding = client.get(f"/api/duties/{duty['guided_by']}").json()
        assert guiding["actor"]["id"] == "party-committee" and guiding["source"]["document"] == DOC
        # both quotes lie in one sentence of the article
        sentence_start = document_text.rfind("。", 0, duty["source"]["start"])
        sentence_end = document_text.find("。", duty["source"]["end"])
        assert sentence_start < guiding["source"]["start"] < guiding["source"]["end"] <= sentence_end


def test_permissions_and_encouragements_are_told_apart(client: httpx.Client) -> None:
    permitted = get(client, "/api/duties", modality="permission")["items"]
    assert permitted and all(d["modality"] == "permission" for d in permitted)
    assert any(d["text_zh"] == "党委、政府有关职能部门可根据实际需要建立人才工作机构" for d in permitted)
    encouraged = get(client, "/api/bodies/enterprise/duties", modality="encouragement")["items"]
    assert encouraged and all(d["modality"] == "encouragement" for d in encouraged)
    in_doc = [d["text_zh"] for d in encouraged if d["source"]["document"] == DOC]
    assert in_doc == ["鼓励支持企业和社会组织建立人才发展基金"]
    scoped = get(client, "/api/bodies/enterprise/duties", modality="encouragement", document=DOC)["items"]
    assert [d["text_zh"] for d in scoped] == in_doc


def test_county_level_duties_come_with_their_conditions(client: httpx.Client, texts: dict[str, str]) -> None:
    county = get(client, "/api/duties", level="county", limit=500)
    assert county["items"] and all("county" in d["levels"] for d in county["items"])
    conditional = [d for d in county["items"] if has_condition(d, "有条件的县（市）")]
    assert conditional and conditional[0]["actor"]["id"] == "organization-department"
    assert "有条件的县（市），党委组织部门要建立健全人才工作机构" in conditional[0]["text_zh"]
    without = [d for d in county["items"] if has_condition(d, "暂无条件设立专门机构的县（市）")]
    assert any("要有专人负责人才工作" in d["text_zh"] for d in without)
    for duty in county["items"]:
        assert_quoted(texts, duty)
    wider = get(client, "/api/duties", level="county", include_unconstrained="true", limit=500)
    assert wider["total"] > county["total"]
    central = get(client, "/api/duties", level="central", limit=500)["items"]
    assert not any(d["levels"] == ["county"] for d in central)
    bodies = {b["id"] for b in get(client, "/api/bodies", level="county", limit=500)["items"]}
    assert {"organization-department", "designated-person"} <= bodies


def test_article_10_is_a_procedure_ending_with_the_party_committee_approving(
    client: httpx.Client, texts: dict[str, str]
) -> None:
    procedures = get(client, "/api/procedures")["items"]
    assert sorted(p["article"] for p in procedures) == [10, 11, 12, 13]
    decision = next(p for p in procedures if p["article"] == 10)
    steps = decision["steps"]
    assert [s["order"] for s in steps] == list(range(1, len(steps) + 1))
    actions = [s["action_zh"] for s in steps]
    assert actions.index("审议") < actions.index("审定")
    assert steps[-1]["actor"]["id"] == "party-committee" and steps[-1]["action_en"] == "approve"
    review = steps[actions.index("审议")]
    assert review["actor"]["id"] == "talent-work-leading-group"
    for step in steps:
        assert_quoted(texts, step["source"])
        assert get(client, f"/api/duties/{step['duty']}")["article"] == 10
    assert_quoted(texts, decision["source"])


def test_leading_group_composition_under_each_condition(
    client: httpx.Client, texts: dict[str, str], document_text: str
) -> None:
    answer = get(client, "/api/leading-group")
    groups = answer["items"]
    assert answer["total"] == len(groups) == 3

    def posts(condition: str | None, appointed_to: str) -> set[str]:
        group = next(g for g in groups if (g["condition"] or {}).get("id") == condition)
        appointments = [a for a in group["appointments"] if a["appointed_to"]["id"] == appointed_to]
        return {holder["id"] for a in appointments for holder in a["holders"]}

    principal = f"{DOC}/group-headed-by-principal-leader"
    organization = f"{DOC}/group-headed-by-organization-head"
    assert posts(principal, "leading-group-head") == {
        "party-committee-principal-leader",
        "government-principal-leader",
    }
    assert posts(principal, "leading-group-deputy-head") == {
        "organization-department-head",
        "government-leader-in-charge",
    }
    assert posts(organization, "leading-group-head") == {"organization-department-head"}
    assert posts(organization, "leading-group-deputy-head") == {"government-leader-in-charge"}
    assert posts(None, "leading-group-member") == {"functional-department-principal-leader"}
    for group in groups:
        if group["condition"]:
            assert group["condition"]["label_zh"] in document_text
        for appointment in group["appointments"]:
            assert_quoted(texts, appointment["source"])


def test_path_from_organization_department_to_the_leading_group(client: httpx.Client) -> None:
    answer = get(
        client, "/api/graph/path", source="organization-department", target="talent-work-leading-group"
    )
    assert answer["paths"]
    for path in answer["paths"]:
        assert path[0]["from"] == "organization-department" and path[-1]["to"] == "talent-work-leading-group"
        for hop, after in pairwise(path):
            assert hop["to"] == after["from"]
        assert all(hop["relation"] and hop["direction"] in ("forward", "backward") for hop in path)
    relations = [[hop["relation"] for hop in path] for path in answer["paths"]]
    assert ["unit_of", "establishes"] in relations  # a unit of the party committee, which sets up the group
    again = get(
        client, "/api/graph/path", source="organization-department", target="talent-work-leading-group"
    )
    assert again == answer


def test_chain_of_submission_ends_at_the_party_committee(client: httpx.Client) -> None:
    chain = get(client, "/api/graph/chain/talent-work-leading-group", relation="submits_to")
    assert [a["id"] for a in chain["chain"]] == ["party-committee"]


def test_neighbourhood_grows_with_depth_and_its_edges_join_its_nodes(client: httpx.Client) -> None:
    url = "/api/graph/neighbors/talent-work-leading-group"
    near, far = get(client, url, depth=1), get(client, url, depth=2)
    near_ids, far_ids = {n["id"] for n in near["nodes"]}, {n["id"] for n in far["nodes"]}
    assert near_ids < far_ids
    assert {"party-committee", f"{DOC}/a10-2"} <= near_ids  # who sets it up; a duty it holds
    for answer in (near, far):
        assert answer["nodes"][0] == {**answer["nodes"][0], "id": "talent-work-leading-group", "distance": 0}
        assert all(n["distance"] <= answer["depth"] for n in answer["nodes"])
        ids = {n["id"] for n in answer["nodes"]}
        assert answer["edges"] and all(e["source"] in ids and e["target"] in ids for e in answer["edges"])


def test_the_party_committee_is_the_most_central(client: httpx.Client) -> None:
    rows = get(client, "/api/graph/centrality", limit=10)["items"]
    assert rows[0]["id"] == "party-committee"
    assert [r["duties"] for r in rows] == sorted((r["duties"] for r in rows), reverse=True)
    assert rows[0]["duties"] == get(client, "/api/bodies/party-committee")["duty_count"]


def test_shared_duties_of_two_mass_organizations(client: httpx.Client, texts: dict[str, str]) -> None:
    answer = get(client, "/api/graph/shared", first="trade-union", second="womens-federation")
    assert answer["pairs"]
    for first, second in answer["pairs"]:
        assert first["actor"]["id"] == "trade-union" and second["actor"]["id"] == "womens-federation"
        assert first["text_zh"] == second["text_zh"]
        assert "工会、共青团、妇联" in first["text_zh"]
        assert_quoted(texts, first)


def test_documents_and_articles(client: httpx.Client, document_text: str) -> None:
    listed = get(client, "/api/documents")
    assert [d["id"] for d in listed["items"]] == sorted([DOC, SECOND]) and listed["total"] == 2
    doc = get(client, f"/api/documents/{DOC}")
    assert doc["header_number"] == "中办发〔2017〕24号" and doc["header_verified"] is False
    assert get(client, f"/api/documents/{SECOND}")["header_number"] == "国发〔2018〕39号"
    assert [a["number"] for a in doc["articles"]] == list(range(1, 23))
    article = get(client, f"/api/documents/{DOC}/articles/6")
    assert article["heading"] == "发挥组织部门牵头抓总作用"
    assert document_text[article["start"] : article["end"]] == article["text"]
    assert article["duties"] and all(d["article"] == 6 for d in article["duties"])
    assert {d["source"]["document"] for d in article["duties"]} == {DOC}


def test_pages_are_consistent(client: httpx.Client) -> None:
    whole = get(client, "/api/duties", limit=30)
    first, second = get(client, "/api/duties", limit=15), get(client, "/api/duties", limit=15, offset=15)
    assert first["total"] == second["total"] == whole["total"] > 30
    assert first["items"] + second["items"] == whole["items"]
    assert (first["limit"], first["offset"], second["offset"]) == (15, 0, 15)
    beyond = get(client, "/api/duties", offset=whole["total"])
    assert beyond["items"] == [] and beyond["total"] == whole["total"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/duties?limit=0", "limit"),
        ("/api/duties?limit=501", "limit"),
        ("/api/bodies?offset=-1", "offset"),
        ("/api/duties?modality=must", "modality"),
        ("/api/duties?level=township", "level"),
        ("/api/bodies?kind=nosuch", "kind"),
        ("/api/duties?article=99", "article"),
        ("/api/bodies/party-committee/duties?article=0", "article"),
        ("/api/bodies/party-committee/duties?include_parts=maybe", "include_parts"),
        ("/api/graph/neighbors/party-committee?depth=0", "depth"),
        ("/api/graph/neighbors/party-committee?depth=5", "depth"),
        ("/api/graph/chain/party-committee?relation=befriends", "relation"),
        ("/api/graph/path?source=party-committee", "target"),
        ("/api/responsibilities", "q"),
        (f"/api/documents/{DOC}/articles/six", "number"),
    ],
)
def test_invalid_parameters_are_422_naming_the_field(client: httpx.Client, url: str, field: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert field in {error["loc"][-1] for error in response.json()["detail"]}


@pytest.mark.parametrize(
    ("url", "unknown", "expected"),
    [
        ("/api/bodies/party-comitee", "party-comitee", "party-committee"),
        ("/api/bodies/organisation-department/duties", "organisation-department", "organization-department"),
        (f"/api/duties/{DOC}/a99-1", f"{DOC}/a99-1", None),
        ("/api/documents/party-talent-work", "party-talent-work", DOC),
        (f"/api/documents/{DOC}/articles/23", "23", None),
        ("/api/graph/path?source=party-committee&target=leading-grup", "leading-grup", None),
        ("/api/graph/neighbors/leading-grou", "leading-grou", None),
        (
            "/api/graph/chain/talent-work-leading-grou",
            "talent-work-leading-grou",
            "talent-work-leading-group",
        ),
    ],
)
def test_unknown_ids_are_404_with_suggestions(
    client: httpx.Client, url: str, unknown: str, expected: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == 404
    answer = response.json()
    assert answer["error"] == "not_found" and answer["id"] == unknown and unknown in answer["message"]
    assert answer["suggestions"]
    if expected:
        assert answer["suggestions"][0] == expected


def test_a_bare_id_of_one_document_days_suggests_the_provision_in_each_document(client: httpx.Client) -> None:
    answer = client.get("/api/duties/a05-3").json()
    assert answer["error"] == "not_found"
    held = {d["id"] for d in client.get("/api/documents").json()["items"]}
    expected = {f"{doc}/a05-3" for doc in held}
    assert all(client.get(f"/api/duties/{i}").status_code == 200 for i in expected)
    assert set(answer["suggestions"][: len(expected)]) == expected


def test_a_filter_value_that_can_never_match_is_a_422_listing_the_valid_ones(client: httpx.Client) -> None:
    # like level=township: not a 200 with nothing in it, which reads as "no such bodies"
    for url, field, valid in (
        ("/api/bodies?kind=nosuch", "kind", ["'party-organization'", "'government'", "'post'"]),
        ("/api/bodies?kind=nosuch&level=county", "kind", ["'employer'"]),
        ("/api/duties?article=23", "article", ["1, 2, 3", "21 or 22"]),
        ("/api/bodies/party-committee/duties?article=99", "article", ["1, 2, 3"]),
    ):
        response = client.get(url)
        assert response.status_code == 422, url
        [error] = response.json()["detail"]
        assert error["loc"] == ["query", field] and error["msg"].startswith("Input should be "), url
        assert all(value in error["msg"] for value in valid), error["msg"]
    level = client.get("/api/bodies?level=nosuch").json()["detail"][0]
    kind = client.get("/api/bodies?kind=nosuch").json()["detail"][0]
    assert set(kind) == set(level) and kind["type"] == level["type"] == "literal_error"
    # each valid kind the 422 lists is one a body has
    for name in kind["ctx"]["expected"].replace(" or ", ", ").split(", "):
        assert get(client, "/api/bodies", kind=name.strip("'"))["total"] > 0, name
    assert get(client, "/api/duties", article=5)["total"] > 0


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("党委", "party-committee"),  # its zh label
        ("党委（党组）", "party-committee"),  # a zh alias
        ("党委(党组)", "party-committee"),  # the same, with half-width brackets
        ("Party committee", "party-committee"),  # its en label
        ("组织部", "organization-department"),  # close to a zh alias (党委组织部)
        ("Party-Committee", "party-committee"),  # the id, in other case
    ],
)
def test_an_unknown_body_id_suggests_the_body_by_label_and_alias(
    client: httpx.Client, typed: str, meant: str
) -> None:
    # ids are ids: a label is still a 404, but the body it names is the first suggestion
    response = client.get(f"/api/bodies/{typed}")
    assert response.status_code == 404
    answer = response.json()
    assert answer["id"] == typed and answer["suggestions"][0] == meant
    assert client.get(f"/api/bodies/{typed}/duties").json()["suggestions"][0] == meant
    assert client.get("/api/duties", params={"actor": typed}).json()["suggestions"][0] == meant


def test_suggested_ids_exist(client: httpx.Client) -> None:
    suggestions = client.get(f"/api/duties/{DOC}/a99-1").json()["suggestions"]
    assert suggestions
    for suggestion in suggestions:
        assert get(client, f"/api/duties/{suggestion}")["id"] == suggestion


def test_answers_carry_an_etag_and_revalidate_to_304(client: httpx.Client) -> None:
    url = "/api/bodies/organization-department/duties?level=central"
    response = client.get(url)
    etag = response.headers["ETag"]
    assert etag and "max-age" in response.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.json() == response.json()
    assert client.get(url + "&limit=1").headers["ETag"] != etag
    # what caches and browsers also send: a list of tags, weak tags, or any
    for header in (f'"other", {etag}', f"W/{etag}", "*"):
        assert client.get(url, headers={"If-None-Match": header}).status_code == 304, header


def test_repeated_requests_get_the_first_answer_again(client: httpx.Client) -> None:
    # the second and later answers are replayed without routing (api/cache.py ReplayAnswers)
    for url in ("/api/bodies/party-committee/duties?level=county", "/api/duties?modality=permission"):
        answers = [client.get(url) for _ in range(3)]
        assert {a.status_code for a in answers} == {200}
        assert len({a.content for a in answers}) == 1
        headers = [{k: v for k, v in a.headers.items() if k != "date"} for a in answers]
        assert headers[1:] == headers[:-1]
    for url, status in (("/api/bodies/party-comitee", 404), ("/api/duties?limit=0", 422)):
        assert [client.get(url).status_code for _ in range(3)] == [status] * 3, url


SAMPLE_PARAMETERS = {
    "agent_id": "party-committee",
    "duty_id": f"{DOC}/a05-8",
    "doc_id": DOC,
    "number": "10",
    "q": "审定",
    "source": "organization-department",
    "target": "talent-work-leading-group",
    "first": "trade-union",
    "second": "womens-federation",
}


def get_routes(client: httpx.Client) -> list[str]:
    """Every GET route of the schema, as a URL with its path and required parameters filled in."""
    urls = []
    for template, operations in get(client, "/openapi.json")["paths"].items():
        if "get" not in operations:
            continue
        url, query = template, {}
        for parameter in operations["get"].get("parameters", []):
            value = SAMPLE_PARAMETERS[parameter["name"]] if parameter.get("required") else None
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", value)
            elif value is not None:
                query[parameter["name"]] = value
        urls.append(str(httpx.URL(url, params=query)))
    return urls


def test_head_answers_like_get_without_a_body(client: httpx.Client) -> None:
    urls = get_routes(client)
    assert "/healthz" in urls and len(urls) > 15
    for url in [*urls, "/api/bodies/party-comitee"]:
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code, url
        assert head.content == b"", url
        for header in ("content-type", "content-length", "etag"):
            assert head.headers.get(header) == got.headers.get(header), (url, header)


def test_docs_render_offline(client: httpx.Client) -> None:
    class Assets(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
            self.urls += [value for name, value in attrs if name == wanted and value]

    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assets = Assets()
        assets.feed(response.text)
        assert any(url.endswith(".js") for url in assets.urls), page
        for url in assets.urls:
            assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url} from elsewhere"
            assert client.get(url).status_code == 200, url
    assert "'/openapi.json'" in client.get("/docs").text


def test_every_endpoint_documents_a_200_example(client: httpx.Client) -> None:
    schema = get(client, "/openapi.json")
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not operation["responses"].get("200", {}).get("content", {}).get(JSON, {}).get("example")
    ]
    assert not missing, f"no 200 example: {missing}"


def test_documented_examples_are_what_the_server_answers(client: httpx.Client) -> None:
    # examples.json was written by another process: this also catches answers that change
    # from one run of the server to the next
    assert set(EXAMPLES) == set(SAMPLE_REQUESTS)
    for name, url in SAMPLE_REQUESTS.items():
        assert trim(get(client, url)) == EXAMPLES[name], f"the example {name!r} ({url}) is not the answer"


def test_odd_text_in_queries_is_answered_not_failed(client: httpx.Client) -> None:
    for q in ["\x00", "🙂", "%", "'; DROP TABLE duties; --", "\u200b", " ", "ÿ" * 200, "党委\n"]:
        for url in ("/api/duties", "/api/bodies", "/api/responsibilities"):
            response = client.get(url, params={"q": q})
            assert response.status_code in (200, 422), (url, q, response.status_code)
    # full-width and half-width forms are one: 党委(党组) finds the alias 党委（党组）
    found = get(client, "/api/bodies", q="党委(党组)")["items"]
    assert "party-committee" in {b["id"] for b in found}
    full_width = get(client, "/api/responsibilities", q="ＡＰＰＲＯＶＥ")["items"]
    assert full_width[0]["actor"]["id"] == "party-committee"


DOC = "party-talent-work-opinion"


def test_lists_filter_by_document_and_refuse_one_not_held(client: httpx.Client) -> None:
    everything = client.get("/api/duties", params={"limit": 500}).json()
    assert everything["total"] == len(everything["items"])
    totals = 0
    for document in (DOC, SECOND):
        in_doc = client.get("/api/duties", params={"limit": 500, "document": document}).json()
        assert 0 < in_doc["total"] < everything["total"]
        assert {d["source"]["document"] for d in in_doc["items"]} == {document}
        assert in_doc["items"] == [d for d in everything["items"] if d["source"]["document"] == document]
        totals += in_doc["total"]
    assert totals == everything["total"] > 100
    for url in ("/api/duties", "/api/bodies/employer/duties", "/api/responsibilities"):
        refused = client.get(url, params={"q": "审定", "document": "no-such-document"})
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["query", "document"]
        assert DOC in refused.json()["detail"][0]["msg"]
    ranked = client.get("/api/responsibilities", params={"q": "审定", "document": DOC}).json()
    assert ranked["items"] and all(
        d["source"]["document"] == DOC for r in ranked["items"] for d in r["duties"]
    )


def test_where_a_body_is_charged_counts_what_its_duties_say(client: httpx.Client) -> None:
    found = client.get("/api/bodies/organization-department/documents").json()
    assert [entry["document"] for entry in found["items"]] == [DOC]
    entry = found["items"][0]
    duties = client.get(
        "/api/bodies/organization-department/duties", params={"document": DOC, "limit": 500}
    ).json()["items"]
    assert entry["duty_count"] == len(duties) > 0
    assert entry["by_modality"] == {m: sum(d["modality"] == m for d in duties) for m in entry["by_modality"]}
    assert entry["articles"] == sorted({d["article"] for d in duties})
    assert entry["named"] is True and entry["title_zh"]
    assert client.get("/api/bodies/no-such-body/documents").status_code == 404


def test_a_body_both_documents_name_has_a_quote_and_duties_in_each(
    client: httpx.Client, texts: dict[str, str]
) -> None:
    body = get(client, "/api/bodies/enterprise")
    assert [m["document"] for m in body["mentions"]] == sorted(texts)  # one quote per document
    for mention in body["mentions"]:
        assert_quoted(texts, mention)
    found = get(client, "/api/bodies/enterprise/documents")["items"]
    assert [entry["document"] for entry in found] == sorted(texts)
    for entry in found:
        duties = get(
            client,
            "/api/bodies/enterprise/duties",
            document=entry["document"],
            include_parts="false",
            limit=500,
        )["items"]
        assert entry["duty_count"] == len(duties) > 0 and entry["named"] is True
        assert entry["articles"] == sorted({d["article"] for d in duties})
    assert sum(entry["duty_count"] for entry in found) == body["duty_count"]


def test_bodies_and_procedures_filter_by_document(client: httpx.Client) -> None:
    everyone = get(client, "/api/bodies?limit=500")["items"]
    for doc in (DOC, SECOND):
        listed = {b["id"] for b in get(client, f"/api/bodies?document={doc}&limit=500")["items"]}
        # a body is listed for a document exactly when that document names it or charges it
        expected = {
            b["id"]
            for b in everyone
            if any(d["document"] == doc for d in get(client, f"/api/bodies/{b['id']}/documents")["items"])
        }
        assert listed == expected and listed
        procedures = get(client, f"/api/procedures?document={doc}")["items"]
        assert all(p["source"]["document"] == doc for p in procedures)
    both = get(client, f"/api/bodies?document={DOC}&document={SECOND}&limit=500")["total"]
    assert both == len({b["id"] for b in everyone if b["id"]})  # every body is in one of the two
    assert get(client, f"/api/procedures?document={DOC}")["total"] == get(client, "/api/procedures")["total"]
    assert client.get("/api/bodies?document=nope").status_code == 422


# -- search: articles and provisions by the words they contain --------------------------------


def test_search_finds_exact_substrings_across_documents_with_offsets(
    client: httpx.Client, texts: dict[str, str]
) -> None:
    found = get(client, "/api/search", q="人力资源社会保障", limit=500)
    assert found["terms"] == ["人力资源社会保障"]
    assert {hit["document"] for hit in found["items"]} == {DOC, SECOND}  # named in both
    for hit in found["items"]:
        text = texts[hit["document"]]
        assert text[hit["start"] : hit["end"]] == hit["snippet"]
        for mark in hit["highlights"]:
            assert hit["snippet"][mark["start"] : mark["end"]] == "人力资源社会保障"
        for match in hit["matches"]:
            assert text[match["start"] : match["end"]] == "人力资源社会保障"
    # every article that holds the words is found: a scan of the served texts says how many
    articles = [
        a
        for doc in (DOC, SECOND)
        for a in get(client, f"/api/documents/{doc}")["articles"]
        if "人力资源社会保障" in texts[doc][a["start"] : a["end"]]
    ]
    assert sum(hit["kind"] == "article" for hit in found["items"]) == len(articles)
    assert found["total"] == len(found["items"])


def test_search_short_terms_several_terms_and_filters(client: httpx.Client, texts: dict[str, str]) -> None:
    short = get(client, "/api/search", q="党委", kind="provision", document=DOC, limit=500)
    assert short["total"] > 0
    for hit in short["items"]:
        assert hit["kind"] == "provision" and hit["document"] == DOC
        assert hit["actor"]["id"] and hit["modality"] in (
            "obligation",
            "permission",
            "encouragement",
            "prohibition",
        )
        duty = get(client, f"/api/duties/{hit['provision']}")
        assert "党委" in duty["text_zh"]
    both = get(client, "/api/search", q="县级以上 人才", limit=500)
    assert both["total"] > 0
    for hit in both["items"]:
        whole = texts[hit["document"]][hit["matches"][0]["start"] - 500 : hit["end"] + 500]
        assert "县级以上" in whole and "人才" in whole
        assert {texts[hit["document"]][m["start"] : m["end"]] for m in hit["matches"]} == {"县级以上", "人才"}
    paged = get(client, "/api/search", q="党委", limit=2, offset=2)
    assert paged["items"] == get(client, "/api/search", q="党委", limit=500)["items"][2:4]
    assert get(client, "/api/search", q="没有这样的词语")["total"] == 0


def test_search_refuses_what_it_cannot_search(client: httpx.Client) -> None:
    for params in ({"q": "   "}, {"q": " ".join("abcdefghij")}, {}, {"q": "党委", "kind": "body"}):
        response = client.get("/api/search", params=params)
        assert response.status_code == 422, (params, response.text)
    unknown = client.get("/api/search", params={"q": "党委", "document": "no-such-document"})
    assert unknown.status_code == 422 and "no-such-document" in unknown.text


def test_compare_two_documents_accounts_for_every_provision_of_each(client: httpx.Client) -> None:
    found = get(client, "/api/compare", first=DOC, second=SECOND)
    counts = found["counts"]
    first = get(client, "/api/duties", document=DOC, limit=1)["total"]
    second = get(client, "/api/duties", document=SECOND, limit=1)["total"]
    assert counts["unchanged"] + counts["changed"] + counts["removed"] == first
    assert counts["unchanged"] + counts["changed"] + counts["added"] == second
    for body in found["bodies"]:
        for item in body["provisions"]:
            for side, doc in (("first", DOC), ("second", SECOND)):
                if item[side] is not None:
                    assert item[side]["source"]["document"] == doc
                    assert item[side]["actor"]["id"] == body["actor"]["id"]
    only_added = get(client, "/api/compare", first=DOC, second=SECOND, status="added")
    assert {i["status"] for b in only_added["bodies"] for i in b["provisions"]} == {"added"}
    assert client.get("/api/compare", params={"first": DOC, "second": "nope"}).status_code == 422
    assert client.get("/api/compare", params={"first": DOC}).status_code == 422


def test_documents_carry_what_their_texts_say_of_them_and_filter_by_it(
    client: httpx.Client, texts: dict[str, str]
) -> None:
    docs = {d["id"]: d for d in get(client, "/api/documents")["items"]}
    second = docs[SECOND]
    assert (second["form_zh"], second["issuer"], second["number"]) == ("意见", "国务院", "国发〔2018〕39号")
    assert second["year"] == 2018 and second["date"] == "2018-11-16"
    for event in second["events"]:  # each read from its words
        assert texts[SECOND][event["start"] : event["end"]] == event["text"]
    assert {d["id"] for d in get(client, "/api/documents", kind="意见")["items"]} == {DOC, SECOND}
    assert [d["id"] for d in get(client, "/api/documents", issuer="国务院", year=2018)["items"]] == [SECOND]
    assert [d["id"] for d in get(client, "/api/documents", q="促进 就业")["items"]] == [SECOND]
    assert [d["id"] for d in get(client, "/api/documents", q="talent work")["items"]] == [DOC]
    assert get(client, "/api/documents", kind="条例")["total"] == 0
    assert client.get("/api/documents", params={"year": "1066"}).status_code == 422


def test_the_overview_counts_what_the_lists_hold(client: httpx.Client) -> None:
    found = get(client, "/api/overview", top=3)
    assert found["documents"] == get(client, "/api/documents", limit=1)["total"]
    assert (
        found["provisions"]
        == get(client, "/api/duties", limit=1)["total"]
        == sum(found["by_modality"].values())
    )
    assert sum(y["documents"] for y in found["by_year"]) == found["documents"]
    assert sum(f["documents"] for f in found["by_form"]) == found["documents"]
    charged = found["most_charged"]
    assert (
        len(charged) == 3 and charged[0]["provisions"] >= charged[1]["provisions"] >= charged[2]["provisions"]
    )
    first = charged[0]
    held = get(client, "/api/duties", actor=first["actor"]["id"], limit=500)
    assert held["total"] == first["provisions"]
    assert len({d["source"]["document"] for d in held["items"]}) == first["documents"]
