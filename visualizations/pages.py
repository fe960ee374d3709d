"""The pages under /viz, as HTML strings for a target (served by the app, or files on disk).

Each page is one of our templates plus its data as JSON blocks; the page's own script builds
everything that comes from data with textContent. The same functions make the served pages
and the exported files, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Article, Document, Knowledge

from .graphs import GraphData, body_graph, duties_graph, mention_summaries, org_graph
from .html import Target, data_block, render
from .vocabulary import Vocabulary, vocabulary

GRAPH_STYLES = ["vis-network/vis-network.css", "viz/viz.css"]
GRAPH_SCRIPTS = ["vis-network/vis-network.min.js", "viz/common.js", "viz/graph.js"]
TEXT_STYLES = ["viz/viz.css"]


@dataclass(frozen=True)
class PageInfo:
    name: str
    title_zh: str
    title_en: str
    about_zh: str
    about_en: str


PAGES = {
    "org": PageInfo(
        "org",
        "组织关系图",
        "Organisation graph",
        "文件提到的机构、内设机构和职务，以及它们之间的关系：领导、内设、成员、报请、指导、支持、兼任等。"
        "颜色表示机构类别，形状区分机构、内设机构和职务。",
        "The bodies, units and posts the document names, and the relations between them: leads, "
        "unit of, member of, submits to, guides, supports, serves ex officio as. Colour shows the "
        "kind of body, shape tells bodies, units and posts apart.",
    ),
    "duties": PageInfo(
        "duties",
        "职责图",
        "Duties graph",
        "谁承担哪些规定：机构连向其职责，职责连向其服务的职能（管宏观、管政策、管协调、管服务）、"
        "人才类别和工作机制。可按义务/许可/鼓励、行政层级和条目筛选。",
        "Who holds which provisions: bodies link to their duties, duties to the functions they "
        "serve (macro direction, policy, coordination, service), the talent categories and the "
        "working mechanisms. Filter by obligation / permission / encouragement, administrative "
        "level and article.",
    ),
    "document": PageInfo(
        "document",
        "文件原文",
        "The document",
        "逐部分阅读原文，每条规定的原话都高亮显示，并链接到承担它的机构。",
        "The text, section by section, with the words of every provision highlighted and linked "
        "to the body that holds it.",
    ),
    "body": PageInfo(
        "body",
        "机构页面",
        "Body pages",
        "一个机构或职务的周边关系图，以及它的全部职责和原文引语。从其他页面点击机构即可进入。",
        "One body's or post's neighbourhood, and every duty it holds with the words that say so. "
        "Open one by clicking a body on any other page.",
    ),
}


def page_data(target: Target, name: str) -> dict:
    return {"page": name, "links": target.links()}


def _render_graph_page(
    k: Knowledge, target: Target, name: str, graph: GraphData, heading: dict, **context
) -> str:
    return render(
        "viz/graph.html",
        target,
        GRAPH_STYLES,
        GRAPH_SCRIPTS,
        page=name,
        heading=heading,
        data_blocks=[
            data_block("page-data", page_data(target, name)),
            data_block("graph-data", graph.as_json()),
            *context.pop("extra_blocks", []),
        ],
        **context,
    )


def org_page(k: Knowledge, target: Target, words: Vocabulary | None = None) -> str:
    info = PAGES["org"]
    return _render_graph_page(
        k, target, "org", org_graph(k, words), {"zh": info.title_zh, "en": info.title_en}, info=info
    )


def duties_page(k: Knowledge, target: Target, words: Vocabulary | None = None) -> str:
    info = PAGES["duties"]
    return _render_graph_page(
        k, target, "duties", duties_graph(k, words), {"zh": info.title_zh, "en": info.title_en}, info=info
    )


def body_duty_list(k: Knowledge, agent_id: str, words: Vocabulary) -> list[dict]:
    """The duties of a body and of its units and posts, in document order, with their quotes."""
    rows = []
    for held in queries.duties_of(k, agent_id):
        record = held.duty
        via = k.agents[held.via] if held.via else None
        rows.append(
            {
                "id": record.id,
                "modality": record.modality,
                "modality_label": words.modalities[record.modality],
                "action": {
                    "zh": record.action_zh + record.object_zh,
                    "en": f"{record.action_en} {record.object_en}",
                },
                "article": record.article,
                "quote": record.quote_zh,
                "start": record.start,
                "end": record.end,
                "levels": [words.levels[level] for level in record.levels if level in words.levels],
                "condition": {"zh": record.condition_zh, "en": record.condition_en},
                "implied": record.actor_implied,
                "via": {"id": via.id, "label": {"zh": via.label_zh, "en": via.label_en}} if via else None,
            }
        )
    return rows


def body_summary(k: Knowledge, agent_id: str, words: Vocabulary) -> dict:
    agent = queries.agent(k, agent_id)
    kind = "post" if agent.type == "post" else agent.kind
    parts = [k.agents[part] for part in queries.parts_of(k, agent_id)]
    return {
        "id": agent.id,
        "type": agent.type,
        "label": {"zh": agent.label_zh, "en": agent.label_en},
        "kind": words.kind(kind),
        "aliases": [*agent.alt_zh, *agent.alt_en],
        "parts": [{"id": p.id, "label": {"zh": p.label_zh, "en": p.label_en}} for p in parts],
        "mentions": mention_summaries(k, agent),
    }


def body_page(k: Knowledge, target: Target, agent_id: str, words: Vocabulary | None = None) -> str:
    """Raises queries.UnknownId (with the closest ids) for an id that is neither body nor post."""
    words = words or vocabulary(k)
    agent = queries.agent(k, agent_id)
    return _render_graph_page(
        k,
        target,
        "body",
        body_graph(k, agent_id, words),
        {"zh": agent.label_zh, "en": agent.label_en},
        info=PAGES["body"],
        extra_blocks=[
            data_block(
                "body-data",
                {"body": body_summary(k, agent_id, words), "duties": body_duty_list(k, agent_id, words)},
            )
        ],
    )


def not_found_page(target: Target, agent_id: str, suggestions: list[str]) -> str:
    return render(
        "viz/not_found.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        page="not-found",
        missing=agent_id,
        suggestions=suggestions,
        data_blocks=[data_block("page-data", page_data(target, "not-found"))],
    )


# -- the document ------------------------------------------------------------------------------


def article_segments(k: Knowledge, text: str, article: Article) -> list[dict]:
    """The article's text cut at every quote boundary; each piece names the duties whose quote
    covers it, the shortest first (the one its link follows). Offsets are Python's, in code
    points: the cut is made here so that the page never counts UTF-16 units."""
    inside = [r for r in k.duties.values() if r.document == article.document and r.article == article.number]
    cuts = sorted({article.start, article.end, *(r.start for r in inside), *(r.end for r in inside)})
    segments: list[dict] = []
    for start, end in pairwise(cuts):
        if not article.start <= start < end <= article.end:
            continue
        covering = sorted(
            (r for r in inside if r.start <= start and end <= r.end), key=lambda r: r.end - r.start
        )
        ids = [r.id for r in covering]
        if segments and segments[-1]["duties"] == ids:
            segments[-1]["text"] += text[start:end]
        else:
            segments.append({"text": text[start:end], "start": start, "duties": ids})
    return segments


def document_data(k: Knowledge, document: Document, words: Vocabulary) -> dict:
    text = k.texts[document.id]
    starts = [part.start for part in (*document.sections, *document.articles)]
    first = min(starts, default=0)  # what comes before the first section: title, number, preamble
    sections = []
    for section in document.sections or ():
        articles = [a for a in document.articles if a.section == section.number]
        sections.append(
            {
                "number": section.number,
                "label": section.label,
                "articles": [
                    {"number": a.number, "heading": a.heading, "segments": article_segments(k, text, a)}
                    for a in articles
                ],
            }
        )
    duties = {
        r.id: {
            "actor": r.actor_id.split("/", 1)[-1],
            "actor_label": {"zh": r.actor_label_zh, "en": r.actor_label_en},
            "modality": r.modality,
            "modality_label": words.modalities[r.modality],
            "action": {"zh": r.action_zh + r.object_zh, "en": f"{r.action_en} {r.object_en}"},
            "article": r.article,
        }
        for r in k.duties.values()
        if r.document == document.id
    }
    return {
        "id": document.id,
        "title": {"zh": document.title_zh, "en": document.title_en},
        "header": {
            "text": text[:first].strip(),
            "verified": document.header_verified,
            "note": {"zh": document.header_note_zh, "en": document.header_note_en},
        },
        "sections": sections,
        "duties": duties,
        "modalities": {m: {"label": words.modalities[m], "count": 0} for m in words.modalities},
    }


def document_page(k: Knowledge, target: Target, words: Vocabulary | None = None) -> str:
    words = words or vocabulary(k)
    info = PAGES["document"]
    documents = [document_data(k, document, words) for document in k.documents.values()]
    return render(
        "viz/document.html",
        target,
        TEXT_STYLES,
        ["viz/common.js", "viz/document.js"],
        page="document",
        info=info,
        data_blocks=[
            data_block("page-data", page_data(target, "document")),
            data_block("document-data", {"documents": documents}),
        ],
    )


# -- the index ---------------------------------------------------------------------------------


def index_page(k: Knowledge, target: Target) -> str:
    counts = {
        "bodies": sum(a.type == "body" for a in k.agents.values()),
        "posts": sum(a.type == "post" for a in k.agents.values()),
        "duties": len(k.duties),
        "documents": len(k.documents),
    }
    first_body = next(iter(k.agents), "")
    return render(
        "viz/index.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        page="index",
        pages=[PAGES[name] for name in ("org", "duties", "document", "body")],
        counts=counts,
        example_body=_busiest_body(k) or first_body,
        documents=list(k.documents.values()),
        data_blocks=[data_block("page-data", page_data(target, "index"))],
    )


def _busiest_body(k: Knowledge) -> str:
    held = {a: len(queries.duties_of(k, a, include_parts=False)) for a in k.agents}
    return max(sorted(held), key=lambda a: held[a]) if held else ""


# -- every page, for `dutygraph viz` -----------------------------------------------------------


def all_pages(k: Knowledge, target: Target) -> Iterator[tuple[str, str]]:
    """(file name, html) of every page: the index, the two graphs, the document, one per body."""
    words = vocabulary(k)
    yield "index.html", index_page(k, target)
    yield "org.html", org_page(k, target, words)
    yield "duties.html", duties_page(k, target, words)
    yield "document.html", document_page(k, target, words)
    for agent_id in k.agents:
        yield target.body(agent_id), body_page(k, target, agent_id, words)
