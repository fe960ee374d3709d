"""The /viz pages in headless Chromium, against the real server and as exported files, with
every other host blocked: no console error, no request out, the graph of the build on the
canvas, search, tooltip, panel, filters and the language switch as a user meets them.
Screenshots of each page go to $DUTYGRAPH_ARTEFACTS (default tests/artefacts/)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import pytest

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.visualizations.export import export_pages

from .browser import artefacts_dir, browser, needs_chromium, visit

pytestmark = needs_chromium
__all__ = ["browser"]  # the fixture, imported for the tests of this module
DOC = "party-talent-work-opinion"
SECOND = "employment-promotion-opinion-2018"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    from .stores import remote_knowledge  # None unless DUTYGRAPH_TEST_STORE names a remote store

    return remote_knowledge() or load_knowledge()  # what `dutygraph serve` serves by default


@pytest.fixture(scope="module")
def server(served: str) -> str:
    return served


def text_of(knowledge: Knowledge, duty_id: str) -> str:
    """The text of the document a duty is from."""
    return knowledge.texts[knowledge.duties[duty_id].document]


def by_id(element_id: str) -> str:
    """A selector for an element id, which may hold a "/" ({doc}/{local})."""
    return f'[id="{element_id}"]'


def shown_ids(visit_) -> list[str]:
    return sorted(visit_.page.evaluate("window.dutygraphViz.visibleNodeIds()"))


def node_point(visit_, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, in page coordinates."""
    return tuple(
        visit_.page.evaluate(
            """(id) => {
              const network = window.dutygraphViz.network;
              const dom = network.canvasToDOM(network.getPosition(id));
              const box = document.getElementById("graph").getBoundingClientRect();
              return [box.left + dom.x, box.top + dom.y];
            }""",
            node_id,
        )
    )


def link_paths(visit_, selector: str) -> list[str]:
    """The links under `selector` as path + query + fragment on the server (whole file:// URLs)."""
    return visit_.page.eval_on_selector_all(
        selector,
        """links => links.map(a => {
          const url = new URL(a.href);
          return url.protocol === "file:" ? url.href : url.pathname + url.search + url.hash;
        })""",
    )


def assert_clean(visit_) -> None:
    assert visit_.errors == [], visit_.errors
    assert visit_.outside == [], visit_.outside


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/viz/", "index"),
        ("/viz/org", "org"),
        ("/viz/duties", "duties"),
        ("/viz/body/party-committee", "body-party-committee"),
        ("/viz/body/organization-department?lang=en", "body-organization-department-en"),
        ("/viz/document", "documents"),
        (f"/viz/document/{DOC}", "document"),
        (f"/viz/document/{SECOND}?lang=en", "document-second-en"),
        (f"/viz/org?document={SECOND}", "org-second"),
        (f"/viz/duties?document={DOC}", "duties-first"),
        (f"/viz/?document={SECOND}", "index-second"),
        (f"/viz/body/government?document={SECOND}", "body-government-second"),
    ],
)
def test_each_page_loads_with_no_error_and_no_request_out(browser, server: str, path: str, name: str) -> None:
    page = visit(browser, server + path)
    page.screenshot(name)
    assert_clean(page)
    assert page.page.title().endswith("dutygraph")
    page.page.close()


def test_the_org_graph_shows_every_body_and_post_and_settles(
    browser, server: str, knowledge: Knowledge
) -> None:
    page = visit(browser, server + "/viz/org")
    assert_clean(page)
    assert shown_ids(page) == sorted(f"{a.type}/{a.id}" for a in knowledge.agents.values())
    # physics is off once the layout settled: positions no longer change
    assert page.page.evaluate("window.dutygraphViz.network.physics.options.enabled") is False
    before = page.page.evaluate("JSON.stringify(window.dutygraphViz.network.getPositions())")
    page.page.wait_for_timeout(300)
    assert page.page.evaluate("JSON.stringify(window.dutygraphViz.network.getPositions())") == before
    legend = page.page.inner_text("#legend")
    assert "职务" in legend and "党组织" in legend
    page.page.close()


@pytest.mark.parametrize("agent_id", ["talent-work-leading-group", "organization-department", "trade-union"])
def test_search_finds_a_node_by_its_label_and_focuses_it(browser, server, knowledge, agent_id) -> None:
    agent = knowledge.agents[agent_id]
    node_id = f"{agent.type}/{agent.id}"
    page = visit(browser, server + "/viz/org")
    for needle in (agent.label_zh, agent.label_en.upper()):
        page.page.fill("#search", needle)
        assert page.page.locator(f'.search-hit[data-node="{node_id}"]').count() == 1
        page.page.press("#search", "Enter")
        assert page.page.evaluate("window.dutygraphViz.network.getSelectedNodes()") == [node_id]
        assert page.page.inner_text(".panel-title") == agent.label_zh
        # the view glides to the node: its centre ends on it
        page.page.wait_for_function(
            """(id) => {
              const network = window.dutygraphViz.network;
              const centre = network.getViewPosition(), node = network.getPosition(id);
              return Math.abs(centre.x - node.x) < 1 && Math.abs(centre.y - node.y) < 1;
            }""",
            arg=node_id,
            timeout=5000,
        )
    page.page.fill("#search", "没有这个机构 no such body")
    assert page.page.inner_text("#search-results") in ("没有匹配的节点", "No matching node")
    assert_clean(page)
    page.page.close()


def test_hover_shows_a_plain_text_tooltip_and_a_click_opens_the_panel_with_the_quote(
    browser, server: str, knowledge: Knowledge
) -> None:
    page = visit(browser, server + "/viz/duties?modality=permission")
    permission = sorted(d for d, r in knowledge.duties.items() if r.modality == "permission")
    duty_id = permission[0]
    record = knowledge.duties[duty_id]
    x, y = node_point(page, f"duty/{duty_id}")
    page.page.mouse.move(x, y)
    tooltip = page.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    assert record.quote_zh in tooltip.inner_text() and f"第{record.article}条" in tooltip.inner_text()
    # text, not markup: innerText turns the title's line breaks into <br>, and nothing else
    assert tooltip.evaluate("element => [...element.children].every(child => child.tagName === 'BR')")
    title = page.page.evaluate(f"window.dutygraphViz.nodes.get('duty/{duty_id}').title")
    assert tooltip.inner_text() == title
    page.screenshot("duties-tooltip")
    page.page.mouse.click(x, y)
    page.page.wait_for_selector("#panel:not([hidden])")
    assert page.page.inner_text(".panel-quote") == text_of(knowledge, duty_id)[record.start : record.end]
    links = link_paths(page, "#panel a")
    actor = record.actor_id.split("/", 1)[1]
    assert any(href.startswith(f"/viz/body/{actor}") for href in links)
    # the duty's id is {doc}/{local}: the API's path /api/duties/{doc}/{local}, its IRI under
    # the document; the links may encode the "/" of the id, and still lead to it
    document, local = duty_id.split("/")
    [api] = [href for href in links if href.startswith("/api/duties/")]
    assert unquote(api) == f"/api/duties/{duty_id}"
    answer = httpx.get(server + api, timeout=30)
    assert answer.status_code == 200 and answer.json()["id"] == duty_id
    assert f"/id/document/{document}/duty/{local}" in links
    [in_text] = [href for href in links if href.startswith(f"/viz/document/{document}#")]
    assert unquote(in_text).startswith(f"/viz/document/{document}#duty-{duty_id}")
    page.screenshot("duties-panel")
    assert_clean(page)
    page.page.close()
    # the "in the text" link lands on the quote
    landed = visit(browser, server + in_text)
    assert landed.page.locator(f".quote-mark.targeted {by_id('duty-' + duty_id)}").count() == 1
    assert_clean(landed)
    landed.page.close()


def test_clicking_a_body_opens_its_panel_with_links(browser, server: str, knowledge: Knowledge) -> None:
    page = visit(browser, server + "/viz/org")
    x, y = node_point(page, "body/party-committee")
    page.page.mouse.click(x, y)
    page.page.wait_for_selector("#panel:not([hidden])")
    assert page.page.inner_text(".panel-title") == knowledge.agents["party-committee"].label_zh
    links = link_paths(page, "#panel a")
    assert "/api/bodies/party-committee" in links and "/id/body/party-committee" in links
    assert any(href.startswith("/viz/body/party-committee") for href in links)
    page.screenshot("org-panel")
    page.page.close()


def test_filters_change_what_the_duties_graph_shows(browser, server: str, knowledge: Knowledge) -> None:
    def shown_duties(page) -> list[str]:
        return [i.removeprefix("duty/") for i in shown_ids(page) if i.startswith("duty/")]

    page = visit(browser, server + "/viz/duties")
    assert sorted(shown_duties(page)) == sorted(knowledge.duties)
    page.page.select_option("#filter-modality", "permission")
    permission = sorted(d for d, r in knowledge.duties.items() if r.modality == "permission")
    # the first document grants two permissions; the filter spans every document
    assert sum(knowledge.duties[d].document == DOC for d in permission) == 2
    assert {knowledge.duties[d].document for d in permission} == set(knowledge.documents)
    assert shown_duties(page) == permission
    # every shown node is a permission, or a body or concept linked to one
    holders = {knowledge.duties[d].actor_id for d in permission}
    assert {i for i in shown_ids(page) if not i.startswith("duty/")} <= holders | {
        c for d in permission for c in knowledge.duty_concepts.get(d, ())
    } | {i for i in shown_ids(page) if i.startswith("mechanism/")}
    assert "modality=permission" in page.page.url
    page.page.select_option("#filter-modality", "")
    page.page.select_option("#filter-level", "county")
    assert shown_duties(page) == sorted(r.id for r in queries.at_level(knowledge, "county"))
    page.page.select_option("#filter-article", "5")
    assert shown_duties(page) == sorted(r.id for r in queries.at_level(knowledge, "county") if r.article == 5)
    page.page.click("#filter-reset")
    page.page.wait_for_timeout(100)
    assert len(shown_duties(page)) == len(knowledge.duties)
    assert_clean(page)
    page.page.close()
    linked = visit(browser, server + "/viz/duties?modality=encouragement&lang=en")
    encouragement = sorted(d for d, r in knowledge.duties.items() if r.modality == "encouragement")
    assert shown_duties(linked) == encouragement
    linked.screenshot("duties-encouragement-en")
    linked.page.close()


def test_the_language_switch_shows_english_labels(browser, server: str, knowledge: Knowledge) -> None:
    page = visit(browser, server + "/viz/org")
    assert page.page.evaluate("window.dutygraphViz.nodes.get('body/party-committee').label") == "党委"
    page.page.click("#lang-toggle")
    labels = page.page.evaluate(
        "Object.fromEntries(window.dutygraphViz.nodes.get().map(n => [n.id, n.label]))"
    )
    assert labels == {f"{a.type}/{a.id}": a.label_en for a in knowledge.agents.values()}
    assert "lang=en" in page.page.url
    assert page.page.inner_text("h1") == "Organisation graph"
    assert "Post" in page.page.inner_text("#legend")
    assert "lang=en" in page.page.get_attribute('a[data-nav="duties"]', "href")
    page.screenshot("org-en")
    page.page.click("#lang-toggle")
    assert page.page.inner_text("h1") == "组织关系图"
    page.page.close()


def test_a_body_page_lists_its_duties_with_their_quotes(browser, server: str, knowledge: Knowledge) -> None:
    page = visit(browser, server + "/viz/body/organization-department")
    held = queries.duties_of(knowledge, "organization-department")
    quotes = page.page.eval_on_selector_all("#duty-list .quote", "items => items.map(q => q.textContent)")
    assert quotes == [text_of(knowledge, h.duty.id)[h.duty.start : h.duty.end] for h in held]
    assert page.page.evaluate("window.dutygraphViz.network.getSelectedNodes()") == [
        "body/organization-department"
    ]
    page.page.click(f"{by_id('duty-' + held[0].duty.id)} .show-in-graph")
    assert page.page.evaluate("window.dutygraphViz.network.getSelectedNodes()") == [f"duty/{held[0].duty.id}"]
    assert_clean(page)
    page.page.close()


def test_an_unknown_body_page_names_it(browser, server: str) -> None:
    page = visit(browser, server + "/viz/body/party-comittee")
    page.screenshot("body-not-found")
    # the only console error is the browser reporting the page's own 404 status
    assert all("404" in error for error in page.errors) and page.outside == []
    assert "party-comittee" in page.page.inner_text("#missing")
    assert "/viz/body/party-committee" in link_paths(page, "#suggestions a")
    page.page.close()


def marked_quotes(visit_) -> tuple[dict[str, str], dict[str, str]]:
    """Each duty the page marks, with the words marked; and the body page its mark leads to."""
    marks = visit_.page.eval_on_selector_all(
        ".quote-mark[data-duties]",
        "marks => marks.map(m => [m.dataset.duties.split(' '), m.textContent, new URL(m.href).pathname])",
    )
    covered: dict[str, str] = {}
    led: dict[str, str] = {}
    for duties, words, href in marks:
        for duty in duties:
            covered[duty] = covered.get(duty, "") + words
        led.setdefault(duties[0], href)
    return covered, led


@pytest.mark.parametrize(("document", "local"), [(DOC, "a05-3"), (SECOND, "p-1")])
def test_each_document_page_highlights_every_quote_and_links_it_to_its_actor(
    browser, server: str, knowledge: Knowledge, document: str, local: str
) -> None:
    target = f"{document}/{local}"
    page = visit(browser, server + f"/viz/document/{document}#duty-" + quote(target, safe=""))
    assert_clean(page)
    covered, led = marked_quotes(page)
    # every quote of the document, the preamble's too (article 0), and only its own
    expected = {d: r.quote_zh for d, r in knowledge.duties.items() if r.document == document}
    assert covered == expected
    for duty, href in led.items():
        assert href == "/viz/body/" + knowledge.duties[duty].actor_id.split("/", 1)[1], duty
    assert page.page.locator(by_id(f"duty-{target}")).count() == 1
    # the link to the duty lands on its quote, highlighted
    assert page.page.locator(f".quote-mark.targeted {by_id(f'duty-{target}')}").count() == 1
    # and it is scrolled into view
    top = page.page.evaluate(
        "(id) => document.getElementById(id).getBoundingClientRect().top", f"duty-{target}"
    )
    assert 0 <= top <= page.page.viewport_size["height"]
    if not knowledge.documents[document].header_verified:
        assert "未经核实" in page.page.inner_text(".caveat")
    page.screenshot(f"document-{document}-targeted")
    page.page.close()


def test_an_old_link_into_the_document_lands_in_its_document(browser, server: str) -> None:
    target = f"{DOC}/a05-3"
    page = visit(browser, server + "/viz/document#duty-" + quote(target, safe=""), ready=False)
    page.page.wait_for_url(f"**/viz/document/{DOC}#duty-*")
    page.page.wait_for_selector("body[data-state=ready]")
    assert page.page.locator(f".quote-mark.targeted {by_id(f'duty-{target}')}").count() == 1
    assert_clean(page)
    page.page.close()


# -- the document picker ----------------------------------------------------------------------


def named_in(knowledge: Knowledge, document: str) -> list[str]:
    """The typed ids of the bodies and posts a document names or charges."""
    return sorted(
        f"{a.type}/{a.id}"
        for a in knowledge.agents.values()
        if any(m.document == document for m in a.mentions)
        or any(r.document == document for r in knowledge.held_by.get(a.id, ()))
    )


def choose(visit_, document: str) -> None:
    visit_.page.select_option("#document-select", document)


def test_choosing_a_document_on_the_org_graph_shows_its_bodies_without_reloading(
    browser, server: str, knowledge: Knowledge
) -> None:
    page = visit(browser, server + "/viz/org")
    everyone = sorted(f"{a.type}/{a.id}" for a in knowledge.agents.values())
    assert shown_ids(page) == everyone
    page.page.evaluate("window.stillTheSamePage = true")
    for document in knowledge.documents:
        choose(page, document)
        assert shown_ids(page) == named_in(knowledge, document)
        assert page.page.evaluate("window.stillTheSamePage") is True  # no round trip
        assert f"document={document}" in page.page.url
        # the links to the other pages follow the choice
        assert link_paths(page, 'a[data-nav="duties"]') == [f"/viz/duties?document={document}"]
        assert link_paths(page, 'a[data-nav="document"]') == [f"/viz/document/{document}"]
        page.page.fill("#search", "党委组织部门")
        page.page.press("#search", "Enter")
        if "body/organization-department" in named_in(knowledge, document):
            body_link = link_paths(page, "#panel .panel-links a.keeps-lang")[0]
            assert body_link == f"/viz/body/organization-department?document={document}"
        page.page.fill("#search", "")
        page.screenshot(f"org-picked-{document}")
    # the server's page for the document shows the same bodies
    served = visit(browser, server + page.page.url.split(server, 1)[1])
    assert shown_ids(served) == shown_ids(page)
    served.page.close()
    choose(page, "")
    assert shown_ids(page) == everyone and "document=" not in page.page.url
    assert_clean(page)
    page.page.close()


def test_choosing_a_document_on_the_duties_graph_combines_with_the_filters(
    browser, server: str, knowledge: Knowledge
) -> None:
    def shown_duties(page) -> list[str]:
        return [i.removeprefix("duty/") for i in shown_ids(page) if i.startswith("duty/")]

    page = visit(browser, server + "/viz/duties?modality=obligation")
    choose(page, SECOND)
    expected = sorted(
        d for d, r in knowledge.duties.items() if r.document == SECOND and r.modality == "obligation"
    )
    assert shown_duties(page) == expected
    assert "modality=obligation" in page.page.url and f"document={SECOND}" in page.page.url
    # the filters count what the chosen document has
    options = page.page.eval_on_selector_all("#filter-modality option", "os => os.map(o => o.textContent)")
    count = sum(r.document == SECOND and r.modality == "permission" for r in knowledge.duties.values())
    assert any(option.endswith(f"({count})") and "许可" in option for option in options)
    page.screenshot("duties-picked-second")
    choose(page, DOC)
    assert shown_duties(page) == sorted(
        d for d, r in knowledge.duties.items() if r.document == DOC and r.modality == "obligation"
    )
    assert_clean(page)
    page.page.close()


def test_on_a_page_for_one_document_the_picker_goes_to_the_others(
    browser, server: str, knowledge: Knowledge
) -> None:
    page = visit(browser, server + f"/viz/org?document={DOC}&lang=en")
    assert shown_ids(page) == named_in(knowledge, DOC)
    assert page.page.input_value("#document-select") == DOC
    choose(page, SECOND)
    page.page.wait_for_url(f"**/viz/org?document={SECOND}*")
    page.page.wait_for_selector("body[data-state=ready]")
    assert shown_ids(page) == named_in(knowledge, SECOND)
    assert "lang=en" in page.page.url and page.page.input_value("#document-select") == SECOND
    # the document page's picker too
    page.page.click('a[data-nav="document"]')
    page.page.wait_for_url(f"**/viz/document/{SECOND}*")
    page.page.wait_for_selector("body[data-state=ready]")
    choose(page, DOC)
    page.page.wait_for_url(f"**/viz/document/{DOC}*")
    page.page.wait_for_selector("body[data-state=ready]")
    covered, _ = marked_quotes(page)
    assert {knowledge.duties[d].document for d in covered} == {DOC}
    assert_clean(page)
    page.page.close()


def test_a_body_page_groups_its_duties_by_document_and_follows_the_picker(
    browser, server: str, knowledge: Knowledge
) -> None:
    page = visit(browser, server + "/viz/body/government")
    held = queries.duties_of(knowledge, "government")
    groups = page.page.eval_on_selector_all(
        ".duty-group",
        """groups => groups.map(g => [g.dataset.document, g.querySelector('h3 a').textContent,
              [...g.querySelectorAll('li.duty')].map(li => li.id.slice(5))])""",
    )
    expected = []
    for doc, document in knowledge.documents.items():
        ids = [h.duty.id for h in held if h.duty.document == doc]
        if ids or any(m.document == doc for m in knowledge.agents["government"].mentions):
            expected.append([doc, document.title_zh, ids])
    assert groups == expected and len(groups) == 2
    mentions = page.page.eval_on_selector_all(".mention-quote", "qs => qs.map(q => q.textContent)")
    assert mentions == [m.text for m in knowledge.agents["government"].mentions]
    page.screenshot("body-government")
    choose(page, SECOND)
    shown = page.page.eval_on_selector_all(".duty-group", "gs => gs.map(g => g.dataset.document)")
    assert shown == [SECOND]
    nodes = page.page.evaluate("window.dutygraphViz.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
    assert "body/government" in nodes
    assert all(
        knowledge.duties[n.removeprefix("duty/")].document == SECOND for n in nodes if n.startswith("duty/")
    )
    assert f"document={SECOND}" in page.page.url
    # a duty's article leads to its place in its document
    href = link_paths(page, ".duty-group .duty-meta a.keeps-lang")[0]
    assert unquote(href).startswith(f"/viz/document/{SECOND}#duty-{SECOND}/")
    page.screenshot("body-government-picked-second")
    assert_clean(page)
    page.page.close()


def test_the_picker_degrades_to_plain_links(browser, server: str, knowledge: Knowledge) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/viz/org")
    links = page.eval_on_selector_all(
        "#document-picker a[data-document]",
        "links => links.map(a => new URL(a.href).pathname + new URL(a.href).search)",
    )
    assert links == ["/viz/org", *(f"/viz/org?document={doc}" for doc in knowledge.documents)]
    page.click(f'#document-picker a[data-document="{SECOND}"]')
    assert page.url.endswith(f"/viz/org?document={SECOND}")
    assert page.get_attribute(f'#document-picker a[data-document="{SECOND}"]', "aria-current") == "page"
    page.screenshot(path=str(artefacts_dir() / "org-picker-no-script.png"))
    context.close()


# -- the exported files, from disk -------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    folder = tmp_path_factory.mktemp("viz")
    export_pages(knowledge, folder)
    return folder


@pytest.mark.parametrize(
    "name",
    [
        "index.html",
        "org.html",
        "duties.html",
        "document.html",
        "body-party-committee.html",
        f"document/{SECOND}.html",
        f"org/{DOC}.html",
        f"duties/{SECOND}.html",
        f"index/{DOC}.html",
    ],
)
def test_exported_pages_render_from_disk_with_no_request_out(browser, exported: Path, name: str) -> None:
    page = visit(browser, (exported / name).as_uri())
    page.screenshot("exported-" + name.removesuffix(".html").replace("/", "-"))
    assert_clean(page)
    page.page.close()


def test_exported_graph_works_and_links_between_files(browser, exported: Path, knowledge: Knowledge) -> None:
    page = visit(browser, (exported / "org.html").as_uri())
    assert shown_ids(page) == sorted(f"{a.type}/{a.id}" for a in knowledge.agents.values())
    page.page.fill("#search", "党委组织部门")
    page.page.press("#search", "Enter")
    body_link = page.page.get_attribute("#panel .panel-links a.keeps-lang", "href")
    assert body_link.startswith("file://") and "body-organization-department.html" in body_link
    page.page.click('a[data-nav="duties"]')
    page.page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert page.page.url.startswith("file://") and page.page.url.split("?")[0].endswith("/duties.html")
    assert_clean(page)
    page.page.close()


def test_exported_pages_pick_a_document_from_disk(browser, exported: Path, knowledge: Knowledge) -> None:
    page = visit(browser, (exported / "org.html").as_uri())
    choose(page, SECOND)  # the file holds every document: no other file needed
    assert shown_ids(page) == named_in(knowledge, SECOND)
    duties = page.page.get_attribute('a[data-nav="duties"]', "href")
    assert duties.split("?")[0].endswith(f"/duties/{SECOND}.html")
    page.page.click('a[data-nav="document"]')
    page.page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert page.page.url.split("?")[0].endswith(f"/document/{SECOND}.html")
    choose(page, DOC)  # a document's file: the picker opens the other's
    page.page.wait_for_url(f"**/document/{DOC}.html*")
    page.page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    covered, _ = marked_quotes(page)
    assert {knowledge.duties[d].document for d in covered} == {DOC}
    assert_clean(page)
    page.page.close()
    target = f"{SECOND}/p-1"
    landed = visit(
        browser, (exported / "document" / f"{SECOND}.html").as_uri() + "#duty-" + quote(target, safe="")
    )
    assert landed.page.locator(f".quote-mark.targeted {by_id('duty-' + target)}").count() == 1
    assert_clean(landed)
    landed.page.close()


def test_a_reduced_graph_says_so_and_its_picker_opens_the_documents_pages(
    browser, tmp_path: Path, knowledge: Knowledge
) -> None:
    from dutygraph.visualizations.html import Target
    from dutygraph.visualizations.pages import org_page

    limit = 20  # the two documents' graphs are far below the real limit: test the rule small
    (tmp_path / "org.html").write_text(org_page(knowledge, Target(exported=True), max_nodes=limit), "utf-8")
    (tmp_path / "org").mkdir()
    one = org_page(knowledge, Target(exported=True), document=SECOND, max_nodes=limit)
    (tmp_path / "org" / f"{SECOND}.html").write_text(one, "utf-8")
    page = visit(browser, (tmp_path / "org.html").as_uri())
    assert_clean(page)
    assert len(shown_ids(page)) <= limit
    notice = page.page.inner_text("#graph-notice")
    assert str(len(knowledge.agents)) in notice and str(limit) in notice
    groups = [i for i in shown_ids(page) if i.startswith("group/")]
    assert groups
    x, y = node_point(page, groups[0])
    page.page.mouse.click(x, y)
    page.page.wait_for_selector("#panel:not([hidden])")
    assert "合并" in page.page.inner_text("#panel")
    page.screenshot("org-reduced")
    # the page does not hold every document's part any more: the picker opens the document's file
    choose(page, SECOND)
    page.page.wait_for_url(f"**/org/{SECOND}.html*")
    page.page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    assert page.page.input_value("#document-select") == SECOND
    assert str(len(named_in(knowledge, SECOND))) in page.page.inner_text("#graph-notice")
    assert_clean(page)
    page.page.close()
