"""The pages under /viz as HTTP answers and files: a Content-Security-Policy, only the app's
own assets, data only in JSON blocks, the graph of the build in them, a 404 page that names
the id, the vendored vis-network recorded and packaged, and `dutygraph viz`."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path

import httpx
import pytest

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.visualizations.html import STATIC_DIR, TEMPLATES_DIR, Target, script_json, sha256_source
from dutygraph.visualizations.pages import all_pages

from .test_query_page import Assets

ROOT = Path(__file__).resolve().parents[1]
DOC = "party-talent-work-opinion"
SECOND = "employment-promotion-opinion-2018"
PAGES = [
    "/viz/",
    "/viz/org",
    "/viz/duties",
    "/viz/document",
    "/viz/body/party-committee",
    f"/viz/?document={SECOND}",
    f"/viz/org?document={SECOND}",
    f"/viz/duties?document={DOC}",
    f"/viz/document/{SECOND}",
    f"/viz/body/party-committee?document={DOC}",
]
# the page of each kind for one document, as the server writes its address
PAGE_FOR = {
    "index": "/viz/?document={}",
    "org": "/viz/org?document={}",
    "duties": "/viz/duties?document={}",
    "document": "/viz/document/{}",
}
ALL_FOR = {"index": "/viz/", "org": "/viz/org", "duties": "/viz/duties", "document": "/viz/document"}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    from .stores import remote_knowledge  # None unless DUTYGRAPH_TEST_STORE names a remote store

    return remote_knowledge() or load_knowledge()  # what `dutygraph serve` serves by default


@pytest.fixture(scope="module")
def client(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served, timeout=60) as session:
        yield session


def parse(html: str) -> Assets:
    assets = Assets()
    assets.feed(html)
    return assets


def data_of(html: str, element_id: str) -> dict:
    block = next(s for s in parse(html).scripts if s.get("id") == element_id)
    return json.loads(block["content"] or "")


def links_of(html: str, attribute: str) -> dict[str, str]:
    """The href of each link that has `attribute`, by the attribute's value."""
    found = {}
    for match in re.finditer(r"<a ([^>]*)>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        if attribute in attrs:
            found[attrs[attribute]] = attrs["href"].replace("&amp;", "&")
    return found


def named_in(knowledge: Knowledge, document: str) -> set[str]:
    """The typed ids of the bodies and posts a document names (a mention) or charges."""
    return {
        f"{a.type}/{a.id}"
        for a in knowledge.agents.values()
        if any(m.document == document for m in a.mentions)
        or any(r.document == document and r.actor_id == f"{a.type}/{a.id}" for r in knowledge.duties.values())
    }


def typed(knowledge: Knowledge, agent_id: str) -> str:
    return f"{knowledge.agents[agent_id].type}/{agent_id}"


def policy_of(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_a_policy_and_loads_only_local_assets(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = policy_of(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assets = parse(response.text)
    sources = [s["src"] for s in assets.scripts if s.get("src")]
    sources += [link["href"] for link in assets.links if link.get("rel") == "stylesheet"]
    assert sources
    for source in sources:
        assert source.startswith("/static/"), source
        assert client.get(source).status_code == 200, source
    inline = [s for s in assets.scripts if not s.get("src")]
    assert inline and all(s.get("type") == "application/json" for s in inline)
    for block in inline:
        json.loads(block["content"] or "")
    assert "http://" not in re.sub(
        r"<script type=\"application/json\".*?</script>", "", response.text, flags=re.S
    )


def test_graph_pages_load_vis_network_from_the_app(client: httpx.Client) -> None:
    sources = [s.get("src") for s in parse(client.get("/viz/org").text).scripts]
    assert "/static/vis-network/vis-network.min.js" in sources
    script = client.get("/static/vis-network/vis-network.min.js")
    assert script.status_code == 200 and b"@version 9.1.2" in script.content


def test_the_org_page_holds_every_body_and_post(client: httpx.Client, knowledge: Knowledge) -> None:
    graph = data_of(client.get("/viz/org").text, "graph-data")
    ids = {node["id"] for node in graph["nodes"]}
    assert ids == {f"{a.type}/{a.id}" for a in knowledge.agents.values()}
    for node in graph["nodes"]:
        agent = knowledge.agents[node["id"].split("/", 1)[1]]
        assert (node["label_zh"], node["label_en"]) == (agent.label_zh, agent.label_en)
        # tooltips are plain strings (vis-network 9 shows them as text)
        assert isinstance(node["title_zh"], str) and agent.label_zh in node["title_zh"]
    relations = {(e["from"], e["to"]) for e in graph["edges"]}
    expected = {(u, v) for u, v in knowledge.agent_network.edges()}
    assert relations == expected
    assert {entry["label"]["en"] for entry in graph["legend"]} >= {"Post", "Party organization"}
    assert graph["options"]["physics"]["stabilization"]["enabled"] is True


def test_the_duties_page_holds_every_duty_with_its_filters(
    client: httpx.Client, knowledge: Knowledge
) -> None:
    graph = data_of(client.get("/viz/duties").text, "graph-data")
    duties = {n["id"]: n for n in graph["nodes"] if n["node_type"] == "duty"}
    assert set(duties) == {f"duty/{d}" for d in knowledge.duties}
    for duty_id, record in knowledge.duties.items():
        node = duties[f"duty/{duty_id}"]
        assert node["modality"] == record.modality and node["article"] == record.article
        article = f"第{record.article}条" if record.article else "序言"  # article 0: the preamble
        assert record.quote_zh in node["title_zh"] and article in node["title_zh"]
        assert graph["details"][f"duty/{duty_id}"]["quote"] == record.quote_zh
    modality_counts = {c["value"]: c["count"] for c in graph["filters"]["modality"]}
    assert modality_counts == {
        m: sum(r.modality == m for r in knowledge.duties.values()) for m in modality_counts
    }
    concepts = {
        n["id"] for n in graph["nodes"] if n["node_type"] in ("function", "talent-category", "mechanism")
    }
    # concepts are the document's: function/{doc}/{slug}
    functions = {f"function/{DOC}/{name}" for name in ("macro", "policy", "coordination", "service")}
    assert functions <= concepts
    assert any(c.startswith("mechanism/") for c in concepts)
    assert any(c.startswith("talent-category/") for c in concepts)


def test_every_body_page_lists_its_duties(client: httpx.Client, knowledge: Knowledge) -> None:
    texts = knowledge.texts
    assert len(texts) == len(knowledge.documents) == 2
    for agent_id, agent in knowledge.agents.items():
        response = client.get(f"/viz/body/{agent_id}")
        assert response.status_code == 200, agent_id
        body = data_of(response.text, "body-data")
        held = queries.duties_of(knowledge, agent_id)
        assert [d["id"] for d in body["duties"]] == [h.duty.id for h in held]
        for duty in body["duties"]:  # each quote is its own document's text
            document = knowledge.duties[duty["id"]].document
            assert duty["quote"] == texts[document][duty["start"] : duty["end"]], duty["id"]
        # where each document names it, quoted from that document
        mentions = body["body"]["mentions"]
        assert [(m["document"], m["article"], m["quote"]) for m in mentions] == [
            (q.document, q.article, q.text) for q in agent.mentions
        ], agent_id
        for mention, quote in zip(mentions, agent.mentions, strict=True):
            document = knowledge.documents[quote.document]
            assert mention["title"] == {"zh": document.title_zh, "en": document.title_en}
            assert texts[quote.document][quote.start : quote.end] == quote.text, agent_id
        graph = data_of(response.text, "graph-data")
        assert graph["centre"] in {n["id"] for n in graph["nodes"]}


def test_an_unknown_body_is_a_404_page_naming_it_and_the_closest(client: httpx.Client) -> None:
    response = client.get("/viz/body/party-comittee")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers
    assert "<code>party-comittee</code>" in response.text
    assert 'href="/viz/body/party-committee"' in response.text
    hostile = client.get("/viz/body/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert hostile.status_code == 404
    assert "<img src=x" not in hostile.text and "&lt;img src=x onerror=alert(1)&gt;" in hostile.text


def document_pages(client: httpx.Client, knowledge: Knowledge) -> list[dict]:
    """The data of each document's page (/viz/document/{doc}): one document each."""
    found = []
    for doc in knowledge.documents:
        data = data_of(client.get(f"/viz/document/{doc}").text, "document-data")
        assert [d["id"] for d in data["documents"]] == [doc]
        found += data["documents"]
    return found


def test_the_document_page_cuts_the_text_at_every_quote(client: httpx.Client, knowledge: Knowledge) -> None:
    covered: dict[str, str] = {}
    for document in document_pages(client, knowledge):
        text = knowledge.texts[document["id"]]
        assert document["sections"][0]["label"].startswith("一、")
        covered.update(cuts_of(knowledge, document, text))
    # every quote of an article is the text of the segments that name its duty
    in_articles = {d: r for d, r in knowledge.duties.items() if r.article > 0}
    assert in_articles and {d: covered[d] for d in in_articles} == {
        d: r.quote_zh for d, r in in_articles.items()
    }


def test_the_document_page_marks_the_quotes_of_the_preamble_too(
    client: httpx.Client, knowledge: Knowledge
) -> None:
    covered: dict[str, str] = {}
    for document in document_pages(client, knowledge):
        text = knowledge.texts[document["id"]]
        covered.update(cuts_of(knowledge, document, text))
        # the front matter (title lines, addressees, preamble) is the text before the first part
        parts = knowledge.documents[document["id"]]
        first = min(part.start for part in (*parts.sections, *parts.articles))
        assert "".join(s["text"] for s in document["header"]["segments"]) == text[:first].strip()
    preamble = {d: r.quote_zh for d, r in knowledge.duties.items() if r.article == 0}
    assert {r.document for d, r in knowledge.duties.items() if r.article == 0} == {SECOND}
    assert preamble and {d: covered.get(d) for d in preamble} == preamble
    assert covered == {d: r.quote_zh for d, r in knowledge.duties.items()}


def cuts_of(knowledge: Knowledge, document: dict, text: str) -> dict[str, str]:
    """Each duty the page marks, with the text of the segments naming it; and every article's
    segments are, together, the article's text."""
    covered: dict[str, str] = {}

    def cover(segments: list[dict]) -> None:
        for segment in segments:
            assert segment["text"] == text[segment["start"] : segment["start"] + len(segment["text"])]
            for duty in segment["duties"]:
                assert knowledge.duties[duty].document == document["id"], duty
                covered[duty] = covered.get(duty, "") + segment["text"]

    cover(document["header"]["segments"])
    for section in document["sections"]:
        for article in section["articles"]:
            assert "".join(s["text"] for s in article["segments"]) == next(
                text[a.start : a.end]
                for a in knowledge.documents[document["id"]].articles
                if a.number == article["number"]
            )
            cover(article["segments"])
    return covered


def test_the_list_of_documents_links_to_each_and_a_document_choice_redirects(
    client: httpx.Client, knowledge: Knowledge
) -> None:
    listing = client.get("/viz/document")
    assert listing.status_code == 200
    for doc in knowledge.documents.values():
        assert f'href="/viz/document/{doc.id}"' in listing.text and doc.title_zh in listing.text
    moved = client.get(f"/viz/document?document={SECOND}&lang=en", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == f"/viz/document/{SECOND}?lang=en"


def test_each_document_has_its_own_org_graph(client: httpx.Client, knowledge: Knowledge) -> None:
    whole = data_of(client.get("/viz/org").text, "graph-data")
    stated = {
        (typed(knowledge, r.subject), typed(knowledge, r.object), r.source.document)
        for r in knowledge.relations
        if r.condition is None  # a conditional relation is a statement, not an edge (MODEL.md)
    }
    network = set(knowledge.agent_network.edges())
    for doc in knowledge.documents:
        graph = data_of(client.get(f"/viz/org?document={doc}").text, "graph-data")
        ids = {n["id"] for n in graph["nodes"]}
        assert ids == named_in(knowledge, doc) and len(ids) < len(whole["nodes"])
        edges = {(e["from"], e["to"]) for e in graph["edges"]}
        assert edges <= network
        # every relation the document states is drawn, and every edge is one it states or
        # the register's structure (unit of, post in, kind of) between two bodies it names
        assert {(s, o) for s, o, d in stated if d == doc} <= edges
        for edge in graph["edges"]:
            structural = set(edge["relations"]) <= {"unit_of", "post_in", "is_kind_of", "ex_officio"}
            assert structural or (edge["from"], edge["to"], doc) in stated, edge
            assert doc in edge["documents"]
        # across all documents, the nodes and edges tagged with the document are the same ones:
        # what the picker shows without asking the server
        assert {n["id"] for n in whole["nodes"] if doc in n["documents"]} == ids
        assert {(e["from"], e["to"]) for e in whole["edges"] if doc in e["documents"]} == edges


def test_each_document_has_its_own_duties_graph(client: httpx.Client, knowledge: Knowledge) -> None:
    whole = data_of(client.get("/viz/duties").text, "graph-data")
    for doc, document in knowledge.documents.items():
        graph = data_of(client.get(f"/viz/duties?document={doc}").text, "graph-data")
        duties = {n["id"] for n in graph["nodes"] if n["node_type"] == "duty"}
        assert duties == {f"duty/{d}" for d, r in knowledge.duties.items() if r.document == doc}
        holders = {n["id"] for n in graph["nodes"] if n["node_type"] in ("body", "unit", "post")}
        assert holders == {r.actor_id for r in knowledge.duties.values() if r.document == doc}
        concepts = {n["id"] for n in graph["nodes"] if n["node_type"] in ("function", "talent-category")}
        assert all(f"/{doc}/" in c for c in concepts)
        assert {n["id"] for n in whole["nodes"] if doc in n["documents"]} == {n["id"] for n in graph["nodes"]}
        # the article filter names this document's articles by their headings
        articles = {c["value"]: c for c in graph["filters"]["article"]}
        headings = {str(a.number): a.heading for a in document.articles}
        for value, choice in articles.items():
            assert choice["count"] == sum(
                str(r.article) == value for r in knowledge.duties.values() if r.document == doc
            )
            if value != "0":
                assert headings[value] in choice["label"]["zh"]
        # across all documents each choice says how many it has in each document
        for choice in whole["filters"]["modality"]:
            assert choice["by_document"].get(doc, 0) == sum(
                r.modality == choice["value"] and r.document == doc for r in knowledge.duties.values()
            )


@pytest.mark.parametrize("name", ["index", "org", "duties", "document"])
def test_the_picker_links_each_document_and_the_links_keep_the_choice(
    client: httpx.Client, knowledge: Knowledge, name: str
) -> None:
    for chosen in (None, *knowledge.documents):
        path = PAGE_FOR[name].format(chosen) if chosen else ALL_FOR[name]
        if name == "document" and not chosen:
            path = "/viz/document"
        html = client.get(path).text
        picker = links_of(html, "data-document")
        expected = {doc: PAGE_FOR[name].format(doc) for doc in knowledge.documents}
        assert picker == {"": ALL_FOR[name], **expected}, path
        current = re.findall(r'data-document="([^"]*)" aria-current="page"', html)
        assert current == [chosen or ""], path
        # the pages' own links go to the same document's pages
        nav = links_of(html, "data-nav")
        for other in ("org", "duties", "document"):
            assert nav[other] == (PAGE_FOR[other].format(chosen) if chosen else ALL_FOR[other]), path
        page = data_of(html, "page-data")
        assert page["document"] == chosen
        assert [d["id"] for d in page["documents"]] == list(knowledge.documents)
        assert {d["id"]: d["href"] for d in page["documents"]} == expected
        # only a page holding every document's part switches without a round trip
        assert page["local"] == (chosen is None and name in ("org", "duties"))


def test_a_body_page_keeps_the_choice_in_its_links(client: httpx.Client, knowledge: Knowledge) -> None:
    html = client.get(f"/viz/body/party-committee?document={SECOND}").text
    assert links_of(html, "data-document") == {
        "": "/viz/body/party-committee",
        **{doc: f"/viz/body/party-committee?document={doc}" for doc in knowledge.documents},
    }
    assert links_of(html, "data-nav")["org"] == f"/viz/org?document={SECOND}"
    page = data_of(html, "page-data")
    assert page["document"] == SECOND and page["local"] is True
    assert page["links"]["body_in"] == "/viz/body/{id}?document={document}"


@pytest.mark.parametrize(
    "path", ["/viz/org?document={}", "/viz/duties?document={}", "/viz/?document={}", "/viz/document/{}"]
)
def test_an_unknown_document_is_a_404_page_listing_the_documents(
    client: httpx.Client, knowledge: Knowledge, path: str
) -> None:
    response = client.get(path.format("party-talent-work-opinon"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in response.headers
    assert "<code>party-talent-work-opinon</code>" in response.text
    listed = links_of(response.text, "data-document")
    assert listed == {doc: path.format(doc) for doc in knowledge.documents}
    for doc in knowledge.documents.values():
        assert doc.title_zh in response.text
    # the closest id first among the suggestions
    suggestions = re.search(r'<ul id="suggestions">(.*?)</ul>', response.text, re.S)
    assert suggestions and f'href="{path.format(DOC)}"' in suggestions.group(1)
    hostile = client.get(path.format("%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"))
    assert hostile.status_code == 404 and "<img src=x" not in hostile.text


def test_a_body_page_with_an_unknown_document_is_a_404(client: httpx.Client, knowledge: Knowledge) -> None:
    response = client.get("/viz/body/party-committee?document=nope")
    assert response.status_code == 404
    assert links_of(response.text, "data-document") == {
        doc: f"/viz/body/party-committee?document={doc}" for doc in knowledge.documents
    }


def test_each_address_is_its_own_cached_answer(client: httpx.Client, knowledge: Knowledge) -> None:
    paths = ["/viz/org", *(f"/viz/org?document={doc}" for doc in knowledge.documents)]
    answers = [client.get(path) for path in paths]
    assert len({a.headers["etag"] for a in answers}) == len(paths)
    assert len({a.content for a in answers}) == len(paths)
    for path, answer in zip(paths, answers, strict=True):
        again = client.get(path)
        assert again.content == answer.content and again.headers["etag"] == answer.headers["etag"]
        cached = client.get(path, headers={"If-None-Match": answer.headers["etag"]})
        assert cached.status_code == 304


def test_a_body_page_groups_its_duties_by_document(client: httpx.Client, knowledge: Knowledge) -> None:
    for agent_id in ("party-committee", "government", "ministry-of-human-resources-and-social-security"):
        body = data_of(client.get(f"/viz/body/{agent_id}").text, "body-data")
        held = queries.duties_of(knowledge, agent_id)
        named = {m.document for m in knowledge.agents[agent_id].mentions}
        expected = []
        for doc, document in knowledge.documents.items():
            there = [h.duty.id for h in held if h.duty.document == doc]
            if there or doc in named:
                title = {"zh": document.title_zh, "en": document.title_en}
                expected.append({"document": doc, "title": title, "named": doc in named, "duties": there})
        assert body["documents"] == expected, agent_id
        assert [d for group in body["documents"] for d in group["duties"]] == [
            d["id"] for d in body["duties"]
        ]
        assert all(d["document"] == knowledge.duties[d["id"]].document for d in body["duties"])
    # the government is named and charged in both documents
    assert len(data_of(client.get("/viz/body/government").text, "body-data")["documents"]) == 2


def test_a_graph_above_the_limit_is_reduced_and_says_so(knowledge: Knowledge) -> None:
    from dutygraph.visualizations.graphs import MAX_NODES, duties_graph, org_graph
    from dutygraph.visualizations.pages import duties_page, org_page

    # the graphs of the two documents are under the limit: nothing reduced
    assert len(org_graph(knowledge).nodes) < MAX_NODES and "reduced" not in org_graph(knowledge).extra
    limit = 20
    graph = org_graph(knowledge, max_nodes=limit)
    reduced = graph.extra["reduced"]
    assert len(graph.nodes) <= limit and reduced["total"] == len(knowledge.agents)
    assert reduced["shown"] == len(graph.nodes)
    groups = [n for n in graph.nodes if n["node_type"] == "group"]
    single = [n for n in graph.nodes if n["node_type"] != "group"]
    # merged into one node per kind, nothing lost when nothing is left out
    assert groups and reduced["omitted"] == 0 and all(n["count"] > 1 for n in groups)
    assert sum(n["count"] for n in groups) + len(single) == len(knowledge.agents)
    ids = {n["id"] for n in graph.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in graph.edges)
    duties = duties_graph(knowledge, max_nodes=60)
    assert len(duties.nodes) <= 60 and duties.extra["reduced"]["total"] > 60
    merged = [n for n in duties.nodes if n["node_type"] == "group"]  # per holder and modality
    assert merged and all(n["modality"] and n["count"] > 1 for n in merged)
    html = org_page(knowledge, Target(), max_nodes=limit)
    assert 'id="graph-notice"' in html and str(len(knowledge.agents)) in html
    assert data_of(html, "page-data")["local"] is False  # the picker asks the server instead
    assert 'id="graph-notice"' not in duties_page(knowledge, Target())


def test_the_redirect_and_the_index(client: httpx.Client, knowledge: Knowledge) -> None:
    response = client.get("/viz", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/viz/"
    index = client.get("/viz/").text
    for href in ("/viz/org", "/viz/duties", "/viz/document", "/viz/body/"):
        assert f'href="{href}' in index
    assert "组织关系图" in index and "Organisation graph" in index
    # for one document: its counts and its pages
    one = client.get(f"/viz/?document={SECOND}").text
    for name in ("org", "duties", "document"):
        assert links_of(one, "data-link")[name] == PAGE_FOR[name].format(SECOND)
    duties = sum(r.document == SECOND for r in knowledge.duties.values())
    assert f"{duties} 条规定" in one and f"{len(knowledge.duties)} 条规定" in index


def test_data_cannot_close_its_script_element() -> None:
    hostile = {"label": "</script><script>alert(1)</script><!-- & \u2028"}
    encoded = script_json(hostile)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == hostile


def test_page_scripts_never_insert_html() -> None:
    for script in (STATIC_DIR / "viz").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, script.name
        assert "document.write" not in text and "eval(" not in text, script.name


def test_exported_pages_allow_exactly_their_inline_scripts(knowledge: Knowledge) -> None:
    pages = dict(all_pages(knowledge, Target(exported=True, server="http://127.0.0.1:8000")))
    assert {"index.html", "org.html", "duties.html", "document.html"} <= set(pages)
    assert {f"body-{a}.html" for a in knowledge.agents} <= set(pages)
    for doc in knowledge.documents:
        assert {f"{name}/{doc}.html" for name in ("index", "org", "duties", "document")} <= set(pages)
    for name in ("org.html", "document.html", "index.html", f"document/{DOC}.html", f"org/{SECOND}.html"):
        html = pages[name]
        assets = parse(html)
        assert not [s for s in assets.scripts if s.get("src")] and not assets.links[1:]
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        assert meta, name
        policy = policy_of(meta.group(1).replace("&#39;", "'"))
        code = [s["content"] or "" for s in assets.scripts if s.get("type") != "application/json"]
        assert sorted(policy["script-src"]) == sorted(sha256_source(c) for c in code)
        assert policy["default-src"] == ["'none'"]
        assert 'href="/' not in html  # every link between pages is relative


def test_vendored_vis_network_is_recorded_and_packaged() -> None:
    folder = STATIC_DIR / "vis-network"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "9.1.2" in readme and "pyvis" in readme and "MIT" in readme and "Apache" in readme
    for name in ("vis-network.min.js", "vis-network.css"):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in readme
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["dutygraph.visualizations"]
    assert any(d.startswith("pyvis") for d in pyproject["project"]["dependencies"])
    base = STATIC_DIR.parent
    shipped = [*folder.iterdir(), *(STATIC_DIR / "viz").iterdir(), *(TEMPLATES_DIR / "viz").iterdir()]
    for path in shipped:
        relative = path.relative_to(base).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dutygraph", *args], capture_output=True, text=True, timeout=300
    )


def test_viz_writes_every_page(tmp_path: Path, knowledge: Knowledge) -> None:
    result = run_cli("viz", "--output", str(tmp_path / "pages"))
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "pages"
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")}
    per_document = {
        f"{name}/{doc}.html" for name in ("index", "org", "duties", "document") for doc in knowledge.documents
    }
    assert {"index.html", "org.html", "duties.html", "document.html"} | per_document <= written
    assert len(written) == 4 * (1 + len(knowledge.documents)) + len(knowledge.agents)
    org = (folder / "org.html").read_text(encoding="utf-8")
    assert "http://127.0.0.1:8000/api/bodies/{id}" in org  # the API needs a server: default one
    # a document's pages link to the files around them, relative to their folder
    one = (folder / "org" / f"{DOC}.html").read_text(encoding="utf-8")
    nav = links_of(one, "data-nav")
    assert nav == {name: f"../{name}/{DOC}.html" for name in ("org", "duties", "document")}
    for href in (*nav.values(), *links_of(one, "data-document").values()):
        assert (folder / "org" / href.split("?")[0]).resolve().is_file(), href
    assert links_of(one, "data-document")[""] == "../org.html"


def test_viz_reports_an_unwritable_output_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli("viz", "--output", str(blocker / "pages"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "cannot write the pages" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("viz", "--output", str(tmp_path / "x"), "--server", "javascript:alert(1)")
    assert result.returncode == 2


# -- /viz/search ---------------------------------------------------------------------------------


def test_the_search_page_lists_the_hits_with_the_words_marked(client: httpx.Client) -> None:
    api = client.get("/api/search", params={"q": "党委", "limit": 500}).json()
    page = client.get("/viz/search", params={"q": "党委"})
    assert page.status_code == 200 and page.headers["content-security-policy"]
    html = page.text
    hits = re.findall(r'<li class="corpus-hit" data-kind="(\w+)" data-document="([^"]+)"', html)
    assert len(hits) == min(20, api["total"])
    assert [(h["kind"], h["document"]) for h in api["items"][:20]] == hits  # the API's order
    assert html.count("<mark>党委</mark>") >= len(hits)
    assert f"共 {api['total']} 条结果" in html
    if api["total"] > 20:  # the next page follows on
        following = re.search(r'id="search-next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        second = client.get(following).text
        assert re.findall(r'data-kind="(\w+)" data-document="([^"]+)"', second)[0] == (
            api["items"][20]["kind"],
            api["items"][20]["document"],
        )


def test_the_search_page_escapes_what_it_is_given_and_names_an_unknown_document(client: httpx.Client) -> None:
    html = client.get("/viz/search", params={"q": '<img src=x onerror="alert(1)">'}).text
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert "共 0 条结果" in html
    empty = client.get("/viz/search")
    assert empty.status_code == 200 and 'id="corpus-results"' not in empty.text  # the form alone
    unknown = client.get("/viz/search", params={"q": "党委", "document": "no-such-document"})
    assert unknown.status_code == 404 and "no-such-document" in unknown.text


def test_the_compare_page_shows_two_documents_side_by_side(client: httpx.Client) -> None:
    api = client.get("/api/compare", params={"first": DOC, "second": SECOND}).json()
    form = client.get("/viz/compare")
    assert form.status_code == 200 and 'id="compare-form"' in form.text and "compare-table" not in form.text
    page = client.get("/viz/compare", params={"first": DOC, "second": SECOND}).text
    rows = re.findall(r'<tr class="status-(\w+)" data-status', page)
    # changes only by default: every removed and added provision, no unchanged one
    assert rows.count("removed") == api["counts"]["removed"] and rows.count("added") == api["counts"]["added"]
    assert "unchanged" not in rows
    toggle = re.search(r'id="compare-toggle" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    everything = re.findall(r'<tr class="status-(\w+)" data-status', client.get(toggle).text)
    assert len(everything) == sum(api["counts"].values())
    missing = client.get("/viz/compare", params={"first": DOC, "second": "no-such-document"})
    assert missing.status_code == 404 and "no-such-document" in missing.text


def test_the_overview_page_draws_the_counts_as_bars(client: httpx.Client) -> None:
    api = client.get("/api/overview", params={"top": 25}).json()
    html = client.get("/viz/overview").text
    assert f"{api['documents']} 份文件" in html
    charged = re.findall(r'<th scope="row"><a class="keeps-lang" href="/viz/body/([^"]+)"', html)
    assert charged == [c["actor"]["id"] for c in api["most_charged"]]
    widths = [float(w) for w in re.findall(r'class="bar" style="width: ([\d.]+)%"', html)]
    assert widths and max(widths) <= 85
