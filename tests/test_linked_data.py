"""Linked data as a client meets it: every IRI dereferences on the server, by path, and
`Accept` picks HTML, Turtle, JSON-LD, N-Triples or RDF/XML.

Most tests ask the real `dutygraph serve`; the HTML-escaping test runs the router in process
on a graph given a label that is a script.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import anyio
import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from dutygraph.api.cache import ResponseCache
from dutygraph.api.negotiation import negotiate, parse_accept
from dutygraph.api.routers import linked_data
from dutygraph.graph.knowledge import load_knowledge
from dutygraph.ontology.namespaces import OA, ODRL

DOC = "party-talent-work-opinion"
ID = Namespace("https://dutygraph.example/id/")
DG = Namespace("https://dutygraph.example/ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
QUOTE = "党委（党组）要及时研究部署人才工作"
DUTY = f"document/{DOC}/duty/a05-8"  # what a document says lives under the document


def varies_by_accept(response: httpx.Response) -> bool:
    """Whether a cache must key this answer by Accept (other headers, such as
    Accept-Encoding, may be listed with it)."""
    return "accept" in {name.strip().lower() for name in response.headers.get("vary", "").split(",")}


@pytest.fixture(scope="module")
def client(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served, timeout=30) as session:
        yield session


@pytest.fixture(scope="module")
def document_text(client: httpx.Client) -> str:
    return client.get(f"/api/documents/{DOC}/text").json()["text"]


def parsed(response: httpx.Response, media_type: str) -> Graph:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    return Graph().parse(data=response.content, format=RDF_TYPES[media_type])


class Links(HTMLParser):
    """Every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])
        if tag in ("link", "script", "img") and (values.get("href") or values.get("src")):
            self.assets.append(values.get("href") or values.get("src"))


def links_of(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


# ---------------------------------------------------------------- negotiation


OFFERED = ["text/html", "text/turtle", "application/ld+json"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "text/html"),  # no Accept: the first offered
        ("", "text/html"),
        ("*/*", "text/html"),
        (BROWSER, "text/html"),
        ("text/turtle", "text/turtle"),
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("application/ld+json;q=0.2, text/*;q=0.9", "text/html"),  # text/* matches html first
        ("text/*;q=0.9, text/html;q=0.1", "text/turtle"),  # the most specific range decides
        ("*/*;q=0.1, text/turtle;q=0", "text/html"),  # q=0: not acceptable
        ("TEXT/Turtle", "text/turtle"),
        ("image/png", None),
        ("text/turtle;q=0", None),
        ("nonsense, text/turtle;q=2", "text/html"),  # nothing valid: as if absent
        ("text/turtle;q=abc, application/ld+json;q=0.3", "application/ld+json"),
    ],
)
def test_negotiate_honours_q_values_and_specificity(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, OFFERED) == chosen


def test_parse_accept_skips_malformed_ranges() -> None:
    ranges = parse_accept("text/turtle; q=0.7, /x, */html, *, application/ld+json;q=1.0001")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "turtle", 0.7), ("*", "*", 1.0)]


# ---------------------------------------------------------------- resources


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_a_duty_in_every_rdf_format_has_its_triples_and_exact_source(
    client: httpx.Client, document_text: str, media_type: str
) -> None:
    response = client.get(f"/id/{DUTY}", headers={"Accept": media_type})
    graph = parsed(response, media_type)
    duty = ID[DUTY]
    assert (duty, ODRL.assignee, ID["body/party-committee"]) in graph
    assert (duty, RDF.type, ODRL.Duty) in graph
    assert (duty, DG.modality, DG.obligation) in graph
    # the objects' labels come along
    assert (ID["body/party-committee"], SKOS.prefLabel, Literal("党委", lang="zh")) in graph
    # the source: the specific resource and both selectors, the quote exactly text[start:end]
    source = graph.value(duty, DG.source)
    assert (source, RDF.type, OA.SpecificResource) in graph
    assert graph.value(source, OA.hasSource) == ID[f"document/{DOC}"]
    selectors = set(graph.objects(source, OA.hasSelector))
    assert len(selectors) == 2
    exact = next(graph.value(s, OA.exact) for s in selectors if graph.value(s, OA.exact) is not None)
    start = next(graph.value(s, OA.start) for s in selectors if graph.value(s, OA.start) is not None)
    end = next(graph.value(s, OA.end) for s in selectors if graph.value(s, OA.end) is not None)
    assert str(exact) == QUOTE
    assert document_text[int(start) : int(end)] == QUOTE
    assert varies_by_accept(response) and response.headers["etag"]


def test_the_description_is_bounded(client: httpx.Client) -> None:
    graph = parsed(client.get("/id/body/party-committee", headers={"Accept": "text/turtle"}), "text/turtle")
    body = ID["body/party-committee"]
    subjects = set(graph.subjects())
    # its own triples and the labels of what it points to; not the whole graph. A body is a
    # register entry: where a document names it is that document's mention, not the body's
    assert (body, SKOS.prefLabel, Literal("Party committee", lang="en")) in graph
    assert (body, DG.leads, ID["body/organization-department"]) in graph
    assert (ID["body/organization-department"], SKOS.prefLabel, Literal("党委组织部门", lang="zh")) in graph
    assert graph.value(body, DG.source) is None and ID["body/party-committee/source"] not in subjects
    assert len(graph) < 300
    # nothing a document says: no duty, no mention, no source of either
    assert not any(str(s).startswith(str(ID["document/"])) for s in subjects)


def test_the_html_page_of_a_body_shows_labels_and_links_to_its_duties(client: httpx.Client) -> None:
    response = client.get("/id/body/party-committee", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "党委" in page and "Party committee" in page
    hrefs = links_of(page).hrefs
    assert f"/id/{DUTY}" in hrefs  # incoming: the duties it is the assignee of
    assert f"/id/document/{DOC}/mention/party-committee" in hrefs  # and where a document names it
    assert any(h.startswith("/id/body/") for h in hrefs)


def test_the_html_page_of_a_duty_shows_its_quote_in_context(client: httpx.Client) -> None:
    page = client.get(f"/id/{DUTY}", headers={"Accept": "text/html"}).text
    assert f"<mark>{QUOTE}</mark>，谋划大局" in page  # the sentence, the quote highlighted
    assert "/id/document/party-talent-work-opinion/article/5" in links_of(page).hrefs
    assert "Party committee: study and deploy talent work" in page
    assert "characters 1199–1216" in page


def test_every_link_of_a_page_dereferences(client: httpx.Client) -> None:
    page = client.get(f"/id/{DUTY}", headers={"Accept": "text/html"})
    links = links_of(page.text)
    local = sorted({h for h in links.hrefs if h.startswith("/")})
    assert len(local) > 10
    for href in local:
        assert client.get(href, headers={"Accept": "text/html"}).status_code == 200, href
    # no outside asset: the one stylesheet is served by the app
    assert links.assets and all(a.startswith("/") and not a.startswith("//") for a in links.assets)
    for asset in links.assets:
        assert client.get(asset).status_code == 200, asset


def test_html_pages_send_a_content_security_policy_and_no_script(client: httpx.Client) -> None:
    for url in (f"/id/{DUTY}", "/ontology", "/.well-known/void"):
        response = client.get(url, headers={"Accept": "text/html"})
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
        assert "<script" not in response.text
        assert varies_by_accept(response)


def test_the_stylesheet_a_page_links_is_served_with_the_other_page_assets(client: httpx.Client) -> None:
    page = client.get(f"/id/{DUTY}", headers={"Accept": "text/html"}).text
    [sheet] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheet.startswith("/static/")  # the one route every page's assets come from
    answer = client.get(sheet)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["etag"]


def test_an_unknown_iri_is_a_404_naming_it_with_close_matches(client: httpx.Client) -> None:
    iri = "https://dutygraph.example/id/body/nope"
    html = client.get("/id/body/nope", headers={"Accept": BROWSER})
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
    assert iri in html.text and any(h.startswith("/id/body/") for h in links_of(html.text).hrefs)
    data = client.get("/id/body/party-comittee", headers={"Accept": "text/turtle"})
    assert data.status_code == 404 and varies_by_accept(data)
    body = data.json()
    assert body["id"] == "https://dutygraph.example/id/body/party-comittee"
    assert str(ID["body/party-committee"]) in body["suggestions"]
    assert client.get("/id/", headers={"Accept": "application/json"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "accept"),
    [
        ({"format": "ttl"}, None),
        ({"format": "nt"}, BROWSER),  # ?format= wins over Accept, as for a resource found
        ({"format": "jsonld"}, None),
        ({}, "text/turtle"),
        ({}, "application/ld+json"),
        ({}, "application/n-triples, text/html;q=0.1"),
    ],
)
def test_an_unknown_iri_asked_for_as_rdf_is_a_404_but_not_a_page(
    client: httpx.Client, params: dict, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/body/party-comittee", params=params, headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json" and varies_by_accept(response)
    assert "<html" not in response.text
    body = response.json()
    assert body["error"] == "not_found" and body["id"] == str(ID["body/party-comittee"])
    assert body["suggestions"][0] == str(ID["body/party-committee"])


def test_an_unknown_iri_is_a_page_when_a_page_is_asked_for(client: httpx.Client) -> None:
    for params, accept in (({"format": "html"}, "text/turtle"), ({}, BROWSER), ({}, None)):
        headers = {"Accept": accept} if accept else {}
        response = client.get("/id/body/nope", params=params, headers=headers)
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert client.get("/id/body/nope", params={"format": "png"}).status_code == 400  # as for a resource


def test_an_unknown_body_iri_suggests_the_body_by_its_label(client: httpx.Client) -> None:
    answer = client.get("/id/body/党委", headers={"Accept": "text/turtle"}).json()
    assert answer["suggestions"][0] == str(ID["body/party-committee"])
    page = client.get("/id/body/党委", headers={"Accept": BROWSER})
    assert page.status_code == 404 and "/id/body/party-committee" in links_of(page.text).hrefs


def test_accept_is_honoured_over_http(client: httpx.Client) -> None:
    turtle_second = client.get(f"/id/{DUTY}", headers={"Accept": "text/turtle;q=0.5, application/ld+json"})
    assert turtle_second.headers["content-type"] == "application/ld+json"
    assert (
        client.get(f"/id/{DUTY}", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/html")
    )
    refused = client.get(f"/id/{DUTY}", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "text/turtle" in refused.json()["offered"]
    linked = client.get(f"/id/{DUTY}", params={"format": "ttl"}, headers={"Accept": "text/html"})
    assert linked.headers["content-type"].startswith("text/turtle")
    assert client.get(f"/id/{DUTY}", params={"format": "png"}).status_code == 400


def test_answers_carry_an_etag_and_answer_304(client: httpx.Client) -> None:
    for media_type in ("text/html", "text/turtle"):
        first = client.get("/id/body/party-committee", headers={"Accept": media_type})
        etag = first.headers["etag"]
        again = client.get("/id/body/party-committee", headers={"Accept": media_type, "If-None-Match": etag})
        assert again.status_code == 304 and varies_by_accept(again)
        assert "max-age" in first.headers["cache-control"]
    html = client.get("/id/body/party-committee", headers={"Accept": "text/html"}).headers["etag"]
    turtle = client.get("/id/body/party-committee", headers={"Accept": "text/turtle"}).headers["etag"]
    assert html != turtle
    head = client.head("/id/body/party-committee", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == turtle


# ---------------------------------------------------------------- IRIs published before the corpus


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/id/duty/a05-3", f"/id/document/{DOC}/duty/a05-3"),
        (
            "/id/condition/group-headed-by-principal-leader",
            f"/id/document/{DOC}/condition/group-headed-by-principal-leader",
        ),
        # a body's source was its one quote; it is now the first document's mention of it
        ("/id/body/party-committee/source", f"/id/document/{DOC}/mention/party-committee/source"),
    ],
)
@pytest.mark.parametrize(
    ("params", "media_type"), [({}, "text/turtle"), ({"format": "nt"}, "application/n-triples")]
)
def test_an_iri_of_the_first_document_moved_under_it_and_answers_301(
    client: httpx.Client, old: str, new: str, params: dict, media_type: str
) -> None:
    for accept in (BROWSER, "text/turtle"):
        moved = client.get(old, params=params, headers={"Accept": accept}, follow_redirects=False)
        assert moved.status_code == 301, (old, accept)
        location = moved.url.join(moved.headers["location"])
        assert location.path == new and dict(location.params) == params, moved.headers["location"]
    # where it moved to is the resource itself, in the format asked for
    found = client.get(new, params=params, headers={"Accept": "text/turtle"}, follow_redirects=False)
    graph = parsed(found, media_type)
    assert (URIRef(str(ID) + new.removeprefix("/id/")), None, None) in graph
    # a client that follows redirects gets it from the old IRI
    followed = client.get(old, params=params, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert followed.status_code == 200 and followed.content == found.content


def test_the_moved_duty_is_the_one_the_old_iri_named(client: httpx.Client, document_text: str) -> None:
    moved = client.get("/id/duty/a05-8", headers={"Accept": "text/turtle"}, follow_redirects=True)
    graph = parsed(moved, "text/turtle")
    source = graph.value(ID[DUTY], DG.source)
    exact = {str(o) for s in graph.objects(source, OA.hasSelector) for o in graph.objects(s, OA.exact)}
    assert exact == {QUOTE} and QUOTE in document_text


@pytest.mark.parametrize("old", ["/id/duty/a99-1", "/id/body/nope/source"])
def test_an_old_looking_iri_with_no_replacement_is_a_404(client: httpx.Client, old: str) -> None:
    for accept in ("text/turtle", BROWSER):
        response = client.get(old, headers={"Accept": accept}, follow_redirects=False)
        assert response.status_code == 404, (old, accept)
        assert "location" not in response.headers
    answer = client.get(old, headers={"Accept": "text/turtle"}).json()
    assert answer["id"] == str(ID) + old.removeprefix("/id/")


def test_a_body_page_links_to_its_mention_in_each_document(client: httpx.Client) -> None:
    documents = {d["id"] for d in client.get("/api/documents").json()["items"]}
    mentions = client.get("/api/bodies/government").json()["mentions"]
    assert {m["document"] for m in mentions} == documents  # both documents name the government
    page = client.get("/id/body/government", headers={"Accept": BROWSER})
    assert page.status_code == 200
    hrefs = links_of(page.text).hrefs
    for mention in mentions:
        href = f"/id/document/{mention['document']}/mention/government"
        assert href in hrefs, href
        # the mention's page shows the quote that names the body, in its document's text
        shown = client.get(href, headers={"Accept": BROWSER}, follow_redirects=False)
        assert shown.status_code == 200, href
        assert f"<mark>{mention['text_zh']}</mark>" in shown.text, href
        assert f"/id/document/{mention['document']}" in links_of(shown.text).hrefs, href
        text = client.get(f"/api/documents/{mention['document']}/text").json()["text"]
        assert text[mention["start"] : mention["end"]] == mention["text_zh"]
        # and says whose mention it is
        graph = parsed(client.get(href, headers={"Accept": "text/turtle"}), "text/turtle")
        assert graph.value(URIRef(str(ID) + href.removeprefix("/id/")), DG.mentionOf) == ID["body/government"]


# ---------------------------------------------------------------- ontology and VoID


def test_the_ontology_dereferences_in_turtle_and_html(client: httpx.Client) -> None:
    graph = parsed(client.get("/ontology", headers={"Accept": "text/turtle"}), "text/turtle")
    assert (DG.Provision, RDF.type, OWL.Class) in graph
    assert (URIRef("https://dutygraph.example/ontology"), RDF.type, OWL.Ontology) in graph
    page = client.get("/ontology", headers={"Accept": BROWSER}).text
    assert 'id="Provision"' in page and "规定" in page and 'id="modality"' in page
    assert "/.well-known/void" in links_of(page).hrefs


def test_void_describes_the_dataset_and_its_graphs(client: httpx.Client) -> None:
    triples = client.get("/healthz").json()["triples"]
    documents = [d["id"] for d in client.get("/api/documents").json()["items"]]
    assert len(documents) == 2
    # one named graph per document, the register of bodies and posts, the ontology
    graph_names = {ID[f"document/{doc}"] for doc in documents} | {
        ID["register"],
        URIRef("https://dutygraph.example/ontology"),
    }
    for media_type in RDF_TYPES:
        graph = parsed(client.get("/.well-known/void", headers={"Accept": media_type}), media_type)
        dataset = URIRef("https://dutygraph.example/.well-known/void#dataset")
        count = graph.value(dataset, VOID.triples)
        assert count.toPython() == triples and str(count.datatype).endswith("#integer")
        assert graph.value(dataset, VOID.uriSpace) == Literal("https://dutygraph.example/id/")
        # the endpoint clients reach (serve's --public-url), the service description's IRI
        endpoint = graph.value(dataset, VOID.sparqlEndpoint)
        assert endpoint == URIRef(str(client.base_url.join("/sparql")))
        assert graph.value(dataset, URIRef("http://purl.org/dc/terms/title")) is not None
        subsets = list(graph.objects(dataset, VOID.subset))
        assert len(subsets) == len(graph_names)
        assert {graph.value(s, SD.name) for s in subsets} == graph_names
        for doc in documents:  # each document's graph carries its title
            [subset] = [s for s in subsets if graph.value(s, SD.name) == ID[f"document/{doc}"]]
            assert graph.value(subset, URIRef("http://purl.org/dc/terms/title")) is not None, doc
        assert sum(int(graph.value(s, VOID.triples)) for s in subsets) == triples
        assert list(graph.objects(dataset, VOID.classPartition))
        assert list(graph.objects(dataset, VOID.propertyPartition))
    page = client.get("/.well-known/void", headers={"Accept": "text/html"}).text
    assert str(triples) in page and "/sparql" in links_of(page).hrefs


def test_every_example_and_root_resource_of_void_dereferences(client: httpx.Client) -> None:
    graph = parsed(client.get("/.well-known/void", headers={"Accept": "text/turtle"}), "text/turtle")
    dataset = URIRef("https://dutygraph.example/.well-known/void#dataset")
    resources = [*graph.objects(dataset, VOID.exampleResource), *graph.objects(dataset, VOID.rootResource)]
    assert len(resources) >= 4  # a duty and a body, each document
    for resource in resources:
        path = "/id/" + str(resource).removeprefix(str(ID))
        answer = client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=False)
        assert answer.status_code == 200, path


# ---------------------------------------------------------------- escaping


def test_strings_from_data_are_escaped() -> None:
    knowledge = load_knowledge()
    script = "<script>alert(1)</script>"
    store = knowledge.store.store  # the embedded pyoxigraph store the pages read from
    body, duty = ox.NamedNode(ID["body/party-committee"]), ox.NamedNode(ID[DUTY])
    register, document = ox.NamedNode(ID["register"]), ox.NamedNode(ID["document/party-talent-work-opinion"])
    label = ox.NamedNode(str(SKOS.prefLabel))
    store.remove(ox.Quad(body, label, ox.Literal("党委", language="zh"), register))
    store.add(ox.Quad(body, label, ox.Literal(f"党委{script}", language="zh"), register))
    attack = ox.Literal(f'"><img src=x onerror=alert(2)>{script}', language="en")
    store.add(ox.Quad(duty, ox.NamedNode(str(DG.object)), attack, document))
    store.add(ox.Quad(duty, ox.NamedNode(str(DG.concerns)), ox.NamedNode("javascript:alert(3)"), document))
    app = FastAPI()
    app.state.knowledge = knowledge
    app.state.cache = ResponseCache(knowledge.version)
    app.include_router(linked_data.router)

    async def get(url: str, accept: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as local:
            return await local.get(url, headers={"Accept": accept})

    for url in ("/id/body/party-committee", f"/id/{DUTY}"):
        page = anyio.run(get, url, "text/html").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
        assert script not in page and "<img" not in page and 'href="javascript:' not in page, url
    # the duty's page names its assignee by the (escaped) label too
    duty_page = anyio.run(get, f"/id/{DUTY}", "text/html").text
    assert re.search(r"党委&lt;script&gt;", duty_page)
    assert "javascript:alert(3)" in duty_page  # shown as text, not as a link
    # and the RDF carries the literal unchanged
    turtle = anyio.run(get, "/id/body/party-committee", "text/turtle")
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert (URIRef(body.value), SKOS.prefLabel, Literal(f"党委{script}", lang="zh")) in graph
