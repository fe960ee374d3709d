"""The pages under /viz, as HTML strings for a target (served by the app, or files on disk).

Each page is one of our templates plus its data as JSON blocks; the page's own script builds
everything that comes from data with textContent. The same functions make the served pages
and the exported files, so the two cannot drift apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import pairwise
from urllib.parse import quote, urlencode

from dutygraph.graph import queries
from dutygraph.graph.compare import Aligned, compare
from dutygraph.graph.knowledge import Article, Document, DutyRecord, Knowledge
from dutygraph.graph.overview import overview
from dutygraph.graph.search import Hit, SearchError, SearchIndex

from .graphs import GraphData, body_graph, duties_graph, held_count, mention_summaries, org_graph
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


PICKER_LINKS = 20  # documents the picker lists as plain links; beyond, the list page has them


def document_titles(k: Knowledge) -> dict[str, dict]:
    return {doc.id: {"zh": doc.title_zh, "en": doc.title_en} for doc in k.documents.values()}


def page_data(
    k: Knowledge | None,
    target: Target,
    name: str,
    document: str | None = None,
    here: Callable[[str | None], str] | None = None,
    local: bool = False,
) -> dict:
    """What every page's script reads: its name, the link templates, the chosen document
    (None: all), every document with the address of this page for it (`here`), and whether
    the page holds the data of every document (`local`: the picker then switches without
    asking the server)."""
    titles = document_titles(k) if k else {}
    return {
        "page": name,
        "links": target.links(),
        "document": document,
        "local": local,
        "all": here(None) if here else None,
        "documents": [
            {"id": doc, "title": title, "href": here(doc) if here else None} for doc, title in titles.items()
        ],
    }


def picker(k: Knowledge, document: str | None, here: Callable[[str | None], str], list_page: str) -> dict:
    """The document picker as plain links (the page's script makes it a <select>): all
    documents, then each, at most PICKER_LINKS of them and a link to the list of documents."""
    titles = document_titles(k)
    shown = list(titles)[:PICKER_LINKS]
    if document and document not in shown:
        shown.append(document)
    choices = [{"id": "", "title": ALL_DOCUMENTS, "href": here(None), "current": document is None}]
    choices += [
        {"id": doc, "title": titles[doc], "href": here(doc), "current": doc == document} for doc in shown
    ]
    return {"choices": choices, "more": list_page if len(titles) > len(shown) else None}


ALL_DOCUMENTS = {"zh": "全部文件", "en": "All documents"}


def _context(
    k: Knowledge,
    target: Target,
    name: str,
    document: str | None,
    here: Callable[[str | None], str],
    local: bool,
) -> dict:
    """The template context every page with a picker shares."""
    return {
        "page": name,
        "document": document,
        "picker": picker(k, document, here, target.page("document")),
        "page_block": data_block("page-data", page_data(k, target, name, document, here, local)),
    }


def _page_target(target: Target, document: str | None) -> Target:
    """An exported page for one document lives one folder down."""
    return target.within() if document else target


def _render_graph_page(
    k: Knowledge,
    target: Target,
    name: str,
    graph: GraphData,
    heading: dict,
    document: str | None,
    here: Callable[[str | None], str],
    local: bool,
    **context,
) -> str:
    shared = _context(k, target, name, document, here, local)
    return render(
        "viz/graph.html",
        target,
        GRAPH_STYLES,
        GRAPH_SCRIPTS,
        heading=heading,
        reduced=graph.extra.get("reduced"),
        data_blocks=[
            shared.pop("page_block"),
            data_block("graph-data", graph.as_json()),
            *context.pop("extra_blocks", []),
        ],
        **shared,
        **context,
    )


def _graph_page(k: Knowledge, target: Target, name: str, graph: GraphData, document: str | None) -> str:
    info = PAGES[name]
    target = _page_target(target, document)
    heading = {"zh": info.title_zh, "en": info.title_en}
    if document:
        title = k.documents[document]
        heading = {"zh": f"{info.title_zh} · {title.title_zh}", "en": f"{info.title_en} · {title.title_en}"}
    # across all documents the page holds every document's part: the picker only hides the rest
    local = document is None and "reduced" not in graph.extra
    return _render_graph_page(
        k,
        target,
        name,
        graph,
        heading,
        document,
        lambda doc: target.page(name, doc),
        local,
        info=info,
    )


def org_page(
    k: Knowledge,
    target: Target,
    words: Vocabulary | None = None,
    document: str | None = None,
    max_nodes: int | None = None,
) -> str:
    """The bodies and their relations, across all documents or as one document states them."""
    return _graph_page(k, target, "org", org_graph(k, words, document, max_nodes), document)


def duties_page(
    k: Knowledge,
    target: Target,
    words: Vocabulary | None = None,
    document: str | None = None,
    max_nodes: int | None = None,
) -> str:
    return _graph_page(k, target, "duties", duties_graph(k, words, document, max_nodes), document)


def english(*parts: str) -> str:
    """An English phrase of its parts, or '' when one is missing (a draft has English only
    where the register gives it): the page then shows the Chinese."""
    return " ".join(parts) if all(parts) else ""


def body_duty_list(k: Knowledge, agent_id: str, words: Vocabulary) -> list[dict]:
    """The duties of a body and of its units and posts, in document order, with their quotes."""
    rows = []
    for held in queries.duties_of(k, agent_id):
        record = held.duty
        via = k.agents[held.via] if held.via else None
        rows.append(
            {
                "id": record.id,
                "document": record.document,
                "modality": record.modality,
                "modality_label": words.modalities[record.modality],
                "action": {
                    "zh": record.action_zh + record.object_zh,
                    "en": english(record.action_en, record.object_en),
                },
                "reading": record.reading,
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


def body_documents(k: Knowledge, agent_id: str) -> list[dict]:
    """Per document that names or charges the body, in the documents' order: its title,
    whether it names it, and the ids of the duties it gives the body (and its parts)."""
    titles = document_titles(k)
    return [
        {
            "document": found.document,
            "title": titles[found.document],
            "named": found.named,
            "duties": [h.duty.id for h in found.held],
        }
        for found in queries.documents_of(k, agent_id)
    ]


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


def body_page(
    k: Knowledge,
    target: Target,
    agent_id: str,
    words: Vocabulary | None = None,
    document: str | None = None,
    max_nodes: int | None = None,
) -> str:
    """A body's neighbourhood and its duties grouped by document. The page holds every
    document's part; `document` is the picker's choice it opens with.
    Raises queries.UnknownId (with the closest ids) for an id that is neither body nor post."""
    words = words or vocabulary(k)
    agent = queries.agent(k, agent_id)
    graph = body_graph(k, agent_id, words, max_nodes)
    return _render_graph_page(
        k,
        target,
        "body",
        graph,
        {"zh": agent.label_zh, "en": agent.label_en},
        document,
        lambda doc: target.body(agent_id, doc),
        "reduced" not in graph.extra,
        info=PAGES["body"],
        extra_blocks=[
            data_block(
                "body-data",
                {
                    "body": body_summary(k, agent_id, words),
                    "duties": body_duty_list(k, agent_id, words),
                    "documents": body_documents(k, agent_id),
                },
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
        what="body",
        missing=agent_id,
        suggestions=[{"href": target.body(s), "label": s} for s in suggestions],
        documents=[],
        document=None,
        picker=None,
        data_blocks=[data_block("page-data", page_data(None, target, "not-found"))],
    )


def document_not_found_page(
    k: Knowledge, target: Target, missing: str, here: Callable[[str], str] | None = None
) -> str:
    """A 404 for an unknown document id: the closest ids, then every document, each linking
    to the page that was asked for (`here`; by default the document's own page)."""
    here = here or (lambda doc: target.page("document", doc))
    closest = queries.closest(missing, list(k.documents))
    documents = [
        {"href": here(doc.id), "id": doc.id, "title": {"zh": doc.title_zh, "en": doc.title_en}}
        for doc in k.documents.values()
    ]
    return render(
        "viz/not_found.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        page="not-found",
        what="document",
        missing=missing,
        suggestions=[{"href": here(doc), "label": doc} for doc in closest],
        documents=documents,
        document=None,
        picker=None,
        data_blocks=[data_block("page-data", page_data(k, target, "not-found"))],
    )


# -- the document ------------------------------------------------------------------------------


def text_segments(k: Knowledge, text: str, document: str, start: int, end: int, article: int) -> list[dict]:
    """The text from `start` to `end` cut at every boundary of the quotes of the duties of
    `article` (0: the preamble); each piece names the duties whose quote covers it, the
    shortest first (the one its link follows). Offsets are Python's, in code points: the cut is
    made here so that the page never counts UTF-16 units."""
    inside = [
        r
        for r in k.duties.values()
        if r.document == document and r.article == article and start <= r.start and r.end <= end
    ]
    cuts = sorted({start, end, *(r.start for r in inside), *(r.end for r in inside)})
    segments: list[dict] = []
    for left, right in pairwise(cuts):
        covering = sorted(
            (r for r in inside if r.start <= left and right <= r.end), key=lambda r: r.end - r.start
        )
        ids = [r.id for r in covering]
        if segments and segments[-1]["duties"] == ids:
            segments[-1]["text"] += text[left:right]
        else:
            segments.append({"text": text[left:right], "start": left, "duties": ids})
    return segments


def article_segments(k: Knowledge, text: str, article: Article) -> list[dict]:
    return text_segments(k, text, article.document, article.start, article.end, article.number)


def front_matter(k: Knowledge, document: Document, text: str) -> tuple[int, int]:
    """Where the text before the first section or article lies (title, number, addressees,
    preamble), without the blank lines around it."""
    first = min((part.start for part in (*document.sections, *document.articles)), default=len(text))
    before = text[:first]
    return len(before) - len(before.lstrip()), len(before.rstrip())


def document_data(k: Knowledge, document: Document, words: Vocabulary) -> dict:
    text = k.texts[document.id]
    start, end = front_matter(k, document, text)
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
            "action": {"zh": r.action_zh + r.object_zh, "en": english(r.action_en, r.object_en)},
            "article": r.article,
            "reading": r.reading,
        }
        for r in k.in_document.get(document.id, ())
    }
    return {
        "id": document.id,
        "title": {"zh": document.title_zh, "en": document.title_en},
        "reading": document.reading,
        "header": {
            "text": text[start:end],
            # the title lines and the preamble, cut like an article: its provisions (article 0)
            # are marked and anchored too
            "segments": text_segments(k, text, document.id, start, end, 0),
            "verified": document.header_verified,
            "note": {"zh": document.header_note_zh, "en": document.header_note_en},
        },
        "sections": sections,
        "duties": duties,
        "modalities": {m: {"label": words.modalities[m], "count": 0} for m in words.modalities},
    }


def document_page(
    k: Knowledge, target: Target, document: str | None = None, words: Vocabulary | None = None
) -> str:
    """One document's text with every provision marked; without `document`, the list of
    documents (documents_page)."""
    if document is None:
        return documents_page(k, target)
    words = words or vocabulary(k)
    target = _page_target(target, document)
    info = PAGES["document"]
    shared = _context(k, target, "document", document, lambda doc: target.page("document", doc), False)
    record = k.documents[document]
    return render(
        "viz/document.html",
        target,
        TEXT_STYLES,
        ["viz/common.js", "viz/document.js"],
        info=info,
        title={"zh": record.title_zh, "en": record.title_en},
        data_blocks=[
            shared.pop("page_block"),
            data_block("document-data", {"documents": [document_data(k, record, words)]}),
        ],
        **shared,
    )


def document_summaries(k: Knowledge, target: Target) -> list[dict]:
    counts = Counter(r.document for r in k.duties.values())
    named = Counter(m.document for a in k.agents.values() for m in a.mentions)
    return [
        {
            "id": doc.id,
            "title": {"zh": doc.title_zh, "en": doc.title_en},
            "number": doc.header_number,
            "verified": doc.header_verified,
            "reading": doc.reading,
            "duties": counts[doc.id],
            "bodies": named[doc.id],
            "href": target.page("document", doc.id),
            "org": target.page("org", doc.id),
            "duties_href": target.page("duties", doc.id),
        }
        for doc in k.documents.values()
    ]


def documents_page(k: Knowledge, target: Target) -> str:
    """/viz/document: every document, to choose one to read (and old `#duty-…` links are
    sent on to the document of the duty by the page's script)."""
    info = PAGES["document"]
    shared = _context(k, target, "documents", None, lambda doc: target.page("document", doc), False)
    return render(
        "viz/documents.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        info=info,
        documents=document_summaries(k, target),
        data_blocks=[shared.pop("page_block")],
        **shared,
    )


# -- the index ---------------------------------------------------------------------------------


def index_page(k: Knowledge, target: Target, document: str | None = None) -> str:
    """The start page, for all documents or one (its counts, its pages)."""
    target = _page_target(target, document)
    duties = list(k.in_document.get(document, ())) if document else list(k.duties.values())
    named = {
        a.id for a in k.agents.values() if not document or queries.named_or_charged_in(k, a.id, (document,))
    }
    counts = {
        "bodies": sum(k.agents[a].type == "body" for a in named),
        "posts": sum(k.agents[a].type == "post" for a in named),
        "duties": len(duties),
        "documents": len(k.documents) if not document else 1,
    }
    first_body = next(iter(sorted(named)), "")
    shared = _context(k, target, "index", document, lambda doc: target.page("index", doc), False)
    return render(
        "viz/index.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        pages=[PAGES[name] for name in ("org", "duties", "document", "body")],
        counts=counts,
        example_body=_busiest_body(k, named, document) or first_body,
        documents=document_summaries(k, target),
        data_blocks=[shared.pop("page_block")],
        **shared,
    )


def _busiest_body(k: Knowledge, among: set[str], document: str | None = None) -> str:
    held = {a: held_count(k, a, document) for a in among}
    return max(sorted(held), key=lambda a: held[a]) if held else ""


# -- every page, for `dutygraph viz` -----------------------------------------------------------


def all_pages(k: Knowledge, target: Target) -> Iterator[tuple[str, str]]:
    """(file name, html) of every page: the index, the two graphs and the list of documents,
    each once for all documents and once per document in its folder (index/{doc}.html,
    org/{doc}.html, duties/{doc}.html, document/{doc}.html), and one page per body."""
    words = vocabulary(k)
    for document in (None, *k.documents):
        yield target.file("index", document), index_page(k, target, document)
        yield target.file("org", document), org_page(k, target, words, document)
        yield target.file("duties", document), duties_page(k, target, words, document)
        yield target.file("document", document), document_page(k, target, document, words)
    for agent_id in k.agents:
        yield target.body(agent_id), body_page(k, target, agent_id, words)


# -- search ------------------------------------------------------------------------------------

SEARCH_PAGE_SIZE = 20


def search_page(
    k: Knowledge,
    target: Target,
    index: SearchIndex,
    words: Vocabulary,
    query: str = "",
    kind: str | None = None,
    document: str | None = None,
    offset: int = 0,
) -> str:
    """/viz/search: the articles and provisions holding the words asked for, each with its
    document and article, the matched words marked, a page of SEARCH_PAGE_SIZE at a time."""
    hits, total, error = [], 0, ""
    if query.strip():
        try:
            found = index.search(query, kind, {document} if document else None, SEARCH_PAGE_SIZE, offset)
        except SearchError as problem:
            error = str(problem)
        else:
            total, hits = found.total, [search_hit(k, target, words, hit) for hit in found.hits]

    def at(new_offset: int) -> str:
        params = {"q": query, "kind": kind or "", "document": document or "", "offset": new_offset or ""}
        return "/viz/search?" + urlencode({name: v for name, v in params.items() if v != ""})

    shared = _context(k, target, "search", document, lambda doc: _search_here(query, kind, doc), False)
    return render(
        "viz/search.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        action="/viz/search",
        query=query,
        kind=kind,
        hits=hits,
        total=total,
        error=error,
        first=offset + 1,
        last=offset + len(hits),
        previous=at(max(0, offset - SEARCH_PAGE_SIZE)) if offset > 0 else None,
        next=at(offset + SEARCH_PAGE_SIZE) if offset + SEARCH_PAGE_SIZE < total else None,
        data_blocks=[shared.pop("page_block")],
        **shared,
    )


def _search_here(query: str, kind: str | None, document: str | None) -> str:
    params = {"q": query, "kind": kind or "", "document": document or ""}
    return "/viz/search?" + urlencode({name: v for name, v in params.items() if v})


def search_hit(k: Knowledge, target: Target, words: Vocabulary, hit: Hit) -> dict:
    """One hit for the template: where it is, and its snippet cut into marked and plain pieces."""
    text, start, inside = hit.snippet()
    pieces, at = [], 0
    for lo, hi in inside:
        if lo < at:  # overlapping terms: the part not marked yet
            lo = at
        if lo > at:
            pieces.append({"text": text[at:lo], "marked": False})
        if hi > lo:
            pieces.append({"text": text[lo:hi], "marked": True})
        at = max(at, hi)
    if at < len(text):
        pieces.append({"text": text[at:], "marked": False})
    doc = k.documents[hit.document]
    anchor = f"duty-{hit.provision}" if hit.provision else f"article-{hit.article}"
    found = {
        "kind": hit.kind,
        "document": hit.document,
        "title": doc.title_zh,
        "href": f"{target.page('document', hit.document)}#{quote(anchor, safe='/')}",
        "article_zh": "序言" if hit.article == 0 else f"第{hit.article}条",
        "article_en": "preamble" if hit.article == 0 else f"article {hit.article}",
        "pieces": pieces,
        "cut_before": start > hit.start,
        "cut_after": start + len(text) < hit.end,
    }
    record = k.duties.get(hit.provision) if hit.provision else None
    if record is not None:
        actor = record.actor_id.split("/", 1)[-1]
        found |= {
            "modality": record.modality,
            "modality_label": words.modalities[record.modality],
            "actor": {"zh": record.actor_label_zh, "en": record.actor_label_en},
            "actor_href": target.body(actor, hit.document),
            "reading": record.reading,
        }
    return found


# -- comparing two documents ---------------------------------------------------------------------

STATUS_LABELS = {
    "unchanged": {"zh": "相同", "en": "unchanged"},
    "changed": {"zh": "改动", "en": "changed"},
    "removed": {"zh": "删去", "en": "removed"},
    "added": {"zh": "新增", "en": "added"},
}


def word_pieces(ours: str, theirs: str) -> tuple[list[dict], list[dict]]:
    """The two quotes cut where they differ: the first's own words `del`, the second's `ins`."""
    first, second = [], []
    for op, a0, a1, b0, b1 in SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes():
        if op == "equal":
            first.append({"kind": "same", "text": ours[a0:a1]})
            second.append({"kind": "same", "text": theirs[b0:b1]})
            continue
        if a1 > a0:
            first.append({"kind": "del", "text": ours[a0:a1]})
        if b1 > b0:
            second.append({"kind": "ins", "text": theirs[b0:b1]})
    return first, second


def compare_page(
    k: Knowledge,
    target: Target,
    words: Vocabulary,
    first: str | None = None,
    second: str | None = None,
    unchanged: bool = False,
) -> str:
    """/viz/compare: two documents' provisions side by side, body by body, changes first
    (the unchanged ones counted, and shown with `unchanged`); without both documents, the
    form to choose them."""
    comparison, bodies, hidden = None, [], 0
    if first and second:
        comparison = compare(k, first, second)
        for actor, aligned in comparison.provisions.items():
            counts = Counter(item.status for item in aligned)
            if counts["unchanged"] == len(aligned):
                hidden += 1
                continue
            agent_id = actor.split("/", 1)[-1]
            agent = k.agents[agent_id]
            bodies.append(
                {
                    "id": agent_id,
                    "label": {"zh": agent.label_zh, "en": agent.label_en},
                    "href": target.body(agent_id),
                    "counts": counts,
                    "rows": [
                        _compared_row(target, words, item)
                        for item in aligned
                        if unchanged or item.status != "unchanged"
                    ],
                }
            )
        bodies.sort(key=lambda b: (-sum(b["counts"][s] for s in ("changed", "removed", "added")), b["id"]))
    shared = _context(k, target, "compare", None, lambda doc: target.page("compare"), False)
    return render(
        "viz/compare.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        documents=[{"id": d.id, "title": f"{d.title_zh} ({d.id})"} for d in k.documents.values()],
        unchanged=unchanged,
        toggle=_compare_link(first, second, not unchanged) if first and second else "",
        first=first,
        second=second,
        first_title=k.documents[first].title_zh if first else "",
        second_title=k.documents[second].title_zh if second else "",
        comparison=comparison,
        counts=comparison.counts() if comparison else {},
        bodies=bodies,
        hidden=hidden,
        labels=STATUS_LABELS,
        data_blocks=[shared.pop("page_block")],
        **{**shared, "picker": None},
    )


def _compare_link(first: str, second: str, unchanged: bool) -> str:
    params = {"first": first, "second": second, **({"unchanged": 1} if unchanged else {})}
    return f"/viz/compare?{urlencode(params)}"


def _compared_row(target: Target, words: Vocabulary, item: Aligned) -> dict:
    ours = item.first.quote_zh if item.first else ""
    theirs = item.second.quote_zh if item.second else ""
    if item.first and item.second:
        first_pieces, second_pieces = word_pieces(ours, theirs)
    else:
        first_pieces, second_pieces = [{"kind": "same", "text": ours}], [{"kind": "same", "text": theirs}]

    def side(record: DutyRecord | None, pieces: list[dict]) -> dict | None:
        if record is None:
            return None
        return {
            "href": f"{target.page('document', record.document)}#{quote('duty-' + record.id, safe='/')}",
            "where": "序言 preamble"
            if record.article == 0
            else f"第{record.article}条 art. {record.article}",
            "modality": record.modality,
            "modality_label": words.modalities[record.modality],
            "pieces": pieces,
        }

    return {
        "status": item.status,
        "first": side(item.first, first_pieces),
        "second": side(item.second, second_pieces),
    }


# -- the corpus at a glance ------------------------------------------------------------------------


def _bar_rows(items: list[tuple[str, int]]) -> list[dict]:
    """(label, count) as rows of a bar chart: the longest bar (85%, its count beside it) is the
    largest count."""
    top = max((count for _, count in items), default=0) or 1
    return [{"label": label, "count": count, "width": round(85 * count / top, 1)} for label, count in items]


def overview_page(k: Knowledge, target: Target, words: Vocabulary, top: int = 25) -> str:
    """/viz/overview: documents by form and year, provisions by modality, the bodies charged
    most often, as bars (a person would rather look than read the numbers)."""
    found = overview(k, top)
    charged = _bar_rows([(c.agent, c.provisions) for c in found.most_charged])
    for row, c in zip(charged, found.most_charged, strict=True):
        agent = k.agents[c.agent]
        row |= {
            "label": {"zh": agent.label_zh, "en": agent.label_en},
            "href": target.body(c.agent),
            "documents": c.documents,
        }
    modality_labels = [f"{words.modalities[m]['zh']} {words.modalities[m]['en']}" for m in found.by_modality]
    shared = _context(k, target, "overview", None, lambda doc: target.page("overview"), False)
    return render(
        "viz/overview.html",
        target,
        TEXT_STYLES,
        ["viz/common.js"],
        documents=found.documents,
        provisions=found.provisions,
        drafted=found.drafted,
        modalities=_bar_rows(list(zip(modality_labels, found.by_modality.values(), strict=True))),
        forms=_bar_rows([(f"{zh} {en}".strip() or "—", n) for zh, en, n in found.by_form]),
        years=_bar_rows([(str(year) if year else "—", n) for year, n in found.by_year]),
        charged=charged,
        data_blocks=[shared.pop("page_block")],
        **{**shared, "picker": None},
    )
