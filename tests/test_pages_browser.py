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

from .browser import browser, needs_chromium, visit

pytestmark = needs_chromium
__all__ = ["browser"]  # the fixture, imported for the tests of this module
DOC = "party-talent-work-opinion"


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()  # what `dutygraph serve` serves by default


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
        ("/viz/document", "document"),
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
    [in_text] = [href for href in links if href.startswith("/viz/document#")]
    assert unquote(in_text).startswith(f"/viz/document#duty-{duty_id}")
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


def test_the_document_highlights_every_quote_and_links_it_to_its_actor(
    browser, server: str, knowledge: Knowledge
) -> None:
    target = f"{DOC}/a05-3"
    page = visit(browser, server + "/viz/document#duty-" + quote(target, safe=""))
    assert_clean(page)
    marks = page.page.eval_on_selector_all(
        ".quote-mark[data-duties]",
        "marks => marks.map(m => [m.dataset.duties.split(' '), m.textContent, new URL(m.href).pathname])",
    )
    covered: dict[str, str] = {}
    led: dict[str, str] = {}
    for duties, words, href in marks:
        for duty in duties:
            covered[duty] = covered.get(duty, "") + words
        led.setdefault(duties[0], href)
    # every quote of an article, in both documents (the preamble's: see test_pages.py)
    in_articles = {d: r.quote_zh for d, r in knowledge.duties.items() if r.article > 0}
    assert {knowledge.duties[d].document for d in in_articles} == set(knowledge.documents)
    assert {d: covered[d] for d in in_articles} == in_articles and set(covered) <= set(knowledge.duties)
    for duty, href in led.items():
        assert href == "/viz/body/" + knowledge.duties[duty].actor_id.split("/", 1)[1], duty
    assert page.page.locator(by_id(f"duty-{target}")).count() == 1
    # the link to the duty lands on its quote
    assert page.page.locator(f".quote-mark.targeted {by_id(f'duty-{target}')}").count() == 1
    assert "未经核实" in page.page.inner_text(".caveat")
    page.page.close()


# -- the exported files, from disk -------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, knowledge: Knowledge) -> Path:
    folder = tmp_path_factory.mktemp("viz")
    export_pages(knowledge, folder)
    return folder


@pytest.mark.parametrize(
    "name", ["index.html", "org.html", "duties.html", "document.html", "body-party-committee.html"]
)
def test_exported_pages_render_from_disk_with_no_request_out(browser, exported: Path, name: str) -> None:
    page = visit(browser, (exported / name).as_uri())
    page.screenshot("exported-" + name.removesuffix(".html"))
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
