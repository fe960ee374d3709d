"""The node and edge data of the graph pages, built with pyvis from the networkx projection.

pyvis builds the vis-network data (`Network.add_node` / `add_edge`, then its nodes, edges and
options); its own HTML is never used (it loads CDNs and does not escape). Every node carries
its labels in both languages and a plain-text tooltip per language: vis-network 9 shows a
string title as text, so no data is ever read as HTML.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dutygraph.graph import queries
from dutygraph.graph.knowledge import Agent, DutyRecord, Knowledge
from dutygraph.graph.network import AGENT_RELATIONS

from .vocabulary import Bilingual, Vocabulary, vocabulary

if TYPE_CHECKING:
    from pyvis.network import Network

LANGUAGES = ("zh", "en")
FONT_FACE = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"

# colours by kind of body; a kind a later document adds gets one from FALLBACK_COLOURS
KIND_COLOURS = {
    "party-organization": "#c0392b",
    "party-department": "#e74c3c",
    "coordinating-body": "#d35400",
    "working-body": "#e67e22",
    "functional-department": "#2e86c1",
    "government": "#1a5276",
    "mass-organization": "#8e44ad",
    "democratic-party": "#af7ac5",
    "employer": "#16a085",
    "service-agency": "#48c9b0",
    "research-institution": "#117864",
    "social-force": "#7f8c8d",
    "individual": "#b7950b",
    "third-party": "#5d6d7e",
    "locality": "#a04000",
    "post": "#f4d03f",
}
FALLBACK_COLOURS = ("#76448a", "#1e8449", "#2874a6", "#b03a2e", "#9a7d0a", "#566573")
MODALITY_COLOURS = {
    "obligation": "#2f6db5",
    "permission": "#27ae60",
    "encouragement": "#e67e22",
    "prohibition": "#c0392b",
}
CONCEPT_STYLE = {  # node type → (shape, colour)
    "function": ("hexagon", "#c0392b"),
    "talent-category": ("triangleDown", "#8e44ad"),
    "mechanism": ("star", "#117864"),
}
OVERVIEW_FONT_SIZE = 28
AGENT_SHAPES = {"body": "dot", "unit": "square", "post": "diamond"}
AGENT_COLOUR = "#34495e"  # agents on the pages whose colours are those of duties
NEUTRAL = "#9aa4b1"  # the legend's swatch of a shape alone
RELATION_COLOURS = {
    "leads": "#c0392b",
    "unit_of": "#34495e",
    "post_in": "#34495e",
    "member_of": "#8e44ad",
    "ex_officio": "#d35400",
    "submits_to": "#2e86c1",
    "guides": "#16a085",
    "supervises": "#a04000",
    "supports": "#27ae60",
}
DEFAULT_EDGE_COLOUR = "#8a94a3"
SHORT_LABEL = {"zh": 14, "en": 32}  # characters of a duty's label drawn on the canvas
# The most nodes a page draws: benchmarks/RESULTS.md ("Pages") measured 600 nodes ready in
# 1.7 s and 2,000 in 4.3 s on 2 cores; at 1,000 the layout settles in about 2.5 s and a redraw
# stays near 60 frames a second. A bigger graph is reduced to this many; the page says so.
MAX_NODES = 1000
GROUP_COLOUR = "#7b8794"
GROUP_MEMBERS_LISTED = 50  # members named in a group's side panel
# the register's structure, no one document's claim: shown in a document's graph when the
# document names both ends
REGISTER_RELATIONS = {"unit_of", "post_in", "is_kind_of"}


@dataclass
class GraphData:
    """What a graph page's script needs: vis-network nodes, edges and options, the legend,
    and per node the details of its side panel."""

    nodes: list[dict]
    edges: list[dict]
    options: dict
    legend: list[dict]
    details: dict[str, dict]
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "options": self.options,
            "legend": self.legend,
            "details": self.details,
            **self.extra,
        }


def kind_colour(kind: str) -> str:
    if kind in KIND_COLOURS:
        return KIND_COLOURS[kind]
    return FALLBACK_COLOURS[sum(map(ord, kind)) % len(FALLBACK_COLOURS)]


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def agent_shape_type(agent: Agent) -> str:
    """'post', 'unit' (a body inside another) or 'body'."""
    if agent.type == "post":
        return "post"
    return "unit" if agent.parent else "body"


def vis_options(node_count: int) -> dict:
    """Physics that settles and is then switched off by the page (graph.js), with fewer
    iterations as the graph grows so that a ten-times graph still settles in seconds."""
    iterations = 400 if node_count < 300 else 200 if node_count < 1500 else 120
    return {
        "autoResize": True,
        "nodes": {"font": {"face": FONT_FACE, "size": 14}, "borderWidth": 1},
        "edges": {
            "smooth": False,
            "font": {"face": FONT_FACE, "size": 10, "align": "middle", "strokeWidth": 3},
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"inherit": False},
            "width": 1,
        },
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -60,
                "centralGravity": 0.008,
                "springLength": 110,
                "springConstant": 0.06,
                "avoidOverlap": 0.4,
            },
            "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": 20, "fit": True},
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": node_count > 800},
        # the improved layout clusters big graphs first and is slow beyond a few hundred nodes
        "layout": {"improvedLayout": node_count <= 100, "randomSeed": 7},
    }


class NodeIds(list):
    """pyvis keeps a network's node ids in a list and tests membership on every add_node and
    add_edge: O(n) each, so minutes for a corpus's 60,000 nodes. The same list, with a set
    beside it for `in`."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        super().__init__(ids)
        self._members = set(self)

    def append(self, node_id: str) -> None:
        super().append(node_id)
        self._members.add(node_id)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._members


class Builder:
    """Adds nodes and edges to a pyvis Network with the labels, tooltips and panel details the
    pages need; one per page."""

    def __init__(self, k: Knowledge, words: Vocabulary | None = None, by_kind: bool = True) -> None:
        # imported here: pyvis imports IPython (~0.4 s), which `dutygraph serve` should not
        # pay at startup but on the first graph page
        from pyvis.network import Network

        self.k = k
        self.by_kind = by_kind  # colour agents by their kind, or all alike (when duties are coloured)
        self.words = words or vocabulary(k)
        self.network: Network = Network(directed=True)
        self.network.node_ids = NodeIds()
        self.details: dict[str, dict] = {}
        self._edges: dict[tuple[str, str], list[str]] = {}
        self._edge_documents: dict[tuple[str, str], set[str]] = {}

    # -- nodes ---------------------------------------------------------------------------------

    def add(
        self, node_id: str, labels: Bilingual, titles: Bilingual, documents: Iterable[str] = (), **style
    ) -> None:
        """`documents`: the documents the node belongs to (the picker shows it for those)."""
        self.network.add_node(
            node_id,
            label=labels["zh"],
            title=titles["zh"],
            label_zh=labels["zh"],
            label_en=labels["en"],
            title_zh=titles["zh"],
            title_en=titles["en"],
            documents=self.in_order(documents),
            **style,
        )

    def in_order(self, documents: Iterable[str]) -> list[str]:
        wanted = set(documents)
        return [doc for doc in self.k.documents if doc in wanted]

    def add_agent(
        self, agent: Agent, size: int = 16, font_size: int | None = None, documents: Iterable[str] = ()
    ) -> str:
        node_id = f"{agent.type}/{agent.id}"
        if node_id in self.details:
            return node_id
        shape_type = agent_shape_type(agent)
        kind = "post" if agent.type == "post" else agent.kind
        kind_words = self.words.kind(kind)
        labels = {"zh": agent.label_zh, "en": agent.label_en}
        titles = {
            lang: f"{self.words.classes[shape_type][lang]} · {kind_words[lang]}\n{labels[lang]}"
            for lang in LANGUAGES
        }
        self.add(
            node_id,
            labels,
            titles,
            documents,
            shape=AGENT_SHAPES[shape_type],
            color=kind_colour(kind) if self.by_kind else AGENT_COLOUR,
            size=size,
            kind=kind,
            node_type=shape_type,
            **({"font": {"size": font_size}} if font_size else {}),
        )
        self.details[node_id] = self.agent_details(agent, shape_type, kind)
        return node_id

    def add_duty(self, record: DutyRecord) -> str:
        node_id = f"duty/{record.id}"
        modality = self.words.modalities[record.modality]
        action = {"zh": record.action_zh + record.object_zh, "en": f"{record.action_en} {record.object_en}"}
        labels = {lang: shorten(action[lang], SHORT_LABEL[lang]) for lang in LANGUAGES}
        article = article_label(record.article)
        titles = {
            lang: f"{modality[lang]} · {self.node_label(record.actor_id, lang)}\n"
            f"{action[lang]}\n「{record.quote_zh}」\n{article[lang]}"
            for lang in LANGUAGES
        }
        self.add(
            node_id,
            labels,
            titles,
            (record.document,),
            shape="dot",
            color=MODALITY_COLOURS.get(record.modality, DEFAULT_EDGE_COLOUR),
            size=8,
            font={"size": 10},
            kind=record.modality,
            node_type="duty",
            modality=record.modality,
            article=record.article,
            levels=list(record.levels),
        )
        self.details[node_id] = self.duty_details(record)
        return node_id

    def add_concept(
        self,
        node_id: str,
        node_type: str,
        labels: Bilingual,
        duties: int,
        font_size: int | None = None,
        documents: Iterable[str] = (),
    ) -> str:
        shape, colour = CONCEPT_STYLE[node_type]
        kind_words = self.words.classes[node_type]
        titles = {lang: f"{kind_words[lang]}\n{labels[lang]}" for lang in LANGUAGES}
        self.add(
            node_id,
            labels,
            titles,
            documents,
            shape=shape,
            color=colour,
            size=18,
            kind=node_type,
            node_type=node_type,
            **({"font": {"size": font_size}} if font_size else {}),
        )
        self.details[node_id] = {
            "type": node_type,
            "kind": kind_words,
            "label": labels,
            "duties": duties,
            "iri": self.k.network.nodes[node_id]["iri"] if node_id in self.k.network else "",
        }
        return node_id

    # -- edges ---------------------------------------------------------------------------------

    def relate(self, source: str, target: str, relation: str, documents: Iterable[str] = ()) -> None:
        """Parallel relations between the same two nodes become one edge naming them all;
        `documents`, those that state it (the picker shows the edge for those)."""
        relations = self._edges.setdefault((source, target), [])
        if relation not in relations:
            relations.append(relation)
        self._edge_documents.setdefault((source, target), set()).update(documents)

    def _flush_edges(self) -> None:
        for (source, target), relations in self._edges.items():
            if source not in self.details or target not in self.details:
                continue  # an end was left out by the reduction
            names = {lang: " · ".join(self.words.relation(r)[lang] for r in relations) for lang in LANGUAGES}
            # on the canvas only the relations between agents are named; the many edges of
            # duties would bury the graph in words (their tooltips still name them)
            labelled = bool(AGENT_RELATIONS.intersection(relations))
            shown = {"label": names["zh"]} if labelled else {}
            self.network.add_edge(
                source,
                target,
                **shown,
                label_zh=names["zh"] if labelled else "",
                label_en=names["en"] if labelled else "",
                title=names["zh"],
                title_zh=names["zh"],
                title_en=names["en"],
                relations=relations,
                documents=self.in_order(self._edge_documents.get((source, target), ())),
                color=RELATION_COLOURS.get(relations[0], DEFAULT_EDGE_COLOUR),
            )

    # -- details for the side panel -------------------------------------------------------------

    def node_label(self, node_id: str, lang: str) -> str:
        attrs = self.k.network.nodes.get(node_id) if node_id in self.k.network else None
        return attrs[f"label_{lang}"] if attrs else node_id

    def agent_details(self, agent: Agent, shape_type: str, kind: str) -> dict:
        parent = self.k.agents.get(agent.parent) if agent.parent else None
        held = queries.duties_of(self.k, agent.id, include_parts=False)
        return {
            "type": shape_type,
            "agent": agent.id,
            "kind": {
                lang: f"{self.words.classes[shape_type][lang]} · {self.words.kind(kind)[lang]}"
                for lang in LANGUAGES
            },
            "label": {"zh": agent.label_zh, "en": agent.label_en},
            "aliases": [*agent.alt_zh, *agent.alt_en],
            "parent": {"id": parent.id, "label": {"zh": parent.label_zh, "en": parent.label_en}}
            if parent
            else None,
            "duties": len(held),
            "iri": self.k.network.nodes[f"{agent.type}/{agent.id}"]["iri"],
            "mentions": mention_summaries(self.k, agent),
        }

    def duty_details(self, record: DutyRecord) -> dict:
        actor = record.actor_id.split("/", 1)[-1]
        return {
            "type": "duty",
            "duty": record.id,
            "document": record.document,
            "kind": {
                lang: f"{self.words.classes['duty'][lang]} · {self.words.modalities[record.modality][lang]}"
                for lang in LANGUAGES
            },
            "label": {
                "zh": record.action_zh + record.object_zh,
                "en": f"{record.action_en} {record.object_en}",
            },
            "actor": {
                "id": actor,
                "label": {"zh": record.actor_label_zh, "en": record.actor_label_en},
                "implied": record.actor_implied,
            },
            "modality": record.modality,
            "article": record.article,
            "quote": record.quote_zh,
            "start": record.start,
            "end": record.end,
            "levels": [self.words.levels.get(level, {"zh": level, "en": level}) for level in record.levels],
            "condition": {"zh": record.condition_zh, "en": record.condition_en},
            "iri": record.iri,
        }

    # -- the result ----------------------------------------------------------------------------

    def legend(self) -> list[dict]:
        """What shapes and colours mean on this page: the shapes of agents (body, unit, post),
        the colours of their kinds (when coloured by kind), then modalities and concepts,
        each with how many nodes show it."""
        shapes: dict[str, dict] = {}
        colours: dict[tuple[str, str], dict] = {}
        for node in self.network.nodes:
            node_type = node["node_type"]
            if node_type in AGENT_SHAPES:
                entry = shapes.setdefault(
                    node_type,
                    {
                        "shape": node["shape"],
                        "color": NEUTRAL,
                        "label": self.words.classes[node_type],
                        "count": 0,
                        "nodes": [],
                    },
                )
                entry["count"] += 1
                entry["nodes"].append(node["id"])
                if node_type == "post" and self.by_kind:
                    entry["color"] = node["color"]  # posts have one colour: their shape says it all
                if node_type == "post" or not self.by_kind:
                    continue
                key, words = ("dot", node["color"]), self.words.kind(node["kind"])
            elif node_type == "duty":
                key, words = ("dot", node["color"]), self.words.modalities[node["kind"]]
            elif node_type == "group":
                key, words = (node["shape"], GROUP_COLOUR), GROUP_WORDS
            else:
                key, words = (node["shape"], node["color"]), self.words.classes[node_type]
            entry = colours.setdefault(
                key, {"shape": key[0], "color": key[1], "label": words, "count": 0, "nodes": []}
            )
            entry["count"] += 1
            entry["nodes"].append(node["id"])  # the page counts those it shows
        ordered_shapes = [shapes[t] for t in AGENT_SHAPES if t in shapes]
        return ordered_shapes + sorted(colours.values(), key=lambda e: -e["count"])

    def build(self, max_nodes: int | None = None, keep: Iterable[str] = (), **extra) -> GraphData:
        """The page's data; a graph of more than `max_nodes` nodes is reduced first (see
        reduce_graph), `keep` (the centre of a body page) staying as it is."""
        limit = MAX_NODES if max_nodes is None else max_nodes
        if len(self.network.nodes) > limit:
            extra["reduced"] = reduce_graph(self, limit, set(keep))
        self._flush_edges()
        self.network.options = vis_options(len(self.network.nodes))
        nodes, edges, _heading, _height, _width, options = self.network.get_network_data()
        return GraphData(nodes, edges, json.loads(options), self.legend(), self.details, extra)


# -- which documents a node or an edge belongs to ---------------------------------------------


def typed(k: Knowledge, agent_id: str) -> str:
    agent = k.agents.get(agent_id)
    return f"{agent.type}/{agent_id}" if agent else agent_id


def agent_documents(k: Knowledge) -> dict[str, set[str]]:
    """Typed agent node → the documents that name it (a mention) or charge it (a provision)."""
    found: dict[str, set[str]] = {}
    for agent in k.agents.values():
        documents = {m.document for m in agent.mentions}
        documents |= {r.document for r in k.held_by.get(agent.id, ())}
        found[f"{agent.type}/{agent.id}"] = documents
    return found


def relation_documents(k: Knowledge, agents: dict[str, set[str]]) -> dict[tuple[str, str, str], set[str]]:
    """(source, target, relation) of every edge between agents → the documents that state it:
    its relation statements, its ex officio appointments (the unconditional ones are edges),
    and for the register's structure (unit of, post in, kind of) every document naming both."""
    stated: dict[tuple[str, str, str], set[str]] = {}
    for r in k.relations:
        key = (typed(k, r.subject), typed(k, r.object), r.relation)
        stated.setdefault(key, set()).add(r.source.document)
    for appointment in k.appointments:
        if appointment.condition is None:
            for holder in appointment.holders:
                key = (typed(k, holder), typed(k, appointment.appointed_to), "ex_officio")
                stated.setdefault(key, set()).add(appointment.source.document)
    found = {}
    for source, target, relation in k.agent_network.edges(keys=True):
        documents = set(stated.get((source, target, relation), ()))
        if relation in REGISTER_RELATIONS:
            documents |= agents.get(source, set()) & agents.get(target, set())
        found[(source, target, relation)] = documents
    return found


# -- the three graphs --------------------------------------------------------------------------


def org_graph(
    k: Knowledge, words: Vocabulary | None = None, document: str | None = None, max_nodes: int | None = None
) -> GraphData:
    """Bodies, units and posts, with the relations between them: across all documents, or
    those one document names and the relations as it states them."""
    agents = agent_documents(k)
    edges = relation_documents(k, agents)
    builder = Builder(k, words)
    for agent in k.agents.values():
        node = f"{agent.type}/{agent.id}"
        if document and document not in agents[node]:
            continue
        size = 14 + min(held_count(k, agent.id, document), 30) // 2
        builder.add_agent(agent, size=size, documents=agents[node])
    for source, target, relation in sorted(k.agent_network.edges(keys=True)):
        stated = edges[(source, target, relation)]
        if relation not in AGENT_RELATIONS or (document and document not in stated):
            continue
        if source in builder.details and target in builder.details:
            builder.relate(source, target, relation, stated)
    return builder.build(max_nodes, document=document)


def held_count(k: Knowledge, agent_id: str, document: str | None = None) -> int:
    """How many provisions it holds itself, in one document or in all."""
    return sum(not document or r.document == document for r in k.held_by.get(agent_id, ()))


def queries_held(k: Knowledge, agent_id: str) -> int:
    return held_count(k, agent_id)


def duty_concept_nodes(k: Knowledge) -> list[tuple[str, str]]:
    """(duty node, concept node) pairs: the functions and talent categories a duty serves,
    and the mechanism whose step is based on it."""
    pairs = [(f"duty/{duty}", concept) for duty, concepts in k.duty_concepts.items() for concept in concepts]
    for mechanism in k.mechanisms:
        pairs += [(f"duty/{s.duty}", f"mechanism/{mechanism.id}") for s in mechanism.steps if s.duty]
    return sorted(set(pairs))


def concept_labels(k: Knowledge, node_id: str) -> Bilingual:
    attrs = k.network.nodes[node_id]
    return {"zh": attrs["label_zh"], "en": attrs["label_en"]}


def duty_document(k: Knowledge, duty_node: str) -> str:
    return k.duties[duty_node.removeprefix("duty/")].document


def add_concepts(
    builder: Builder, pairs: list[tuple[str, str]], counts: Counter, font_size: int | None
) -> None:
    """The concepts the duties of `pairs` serve, each with the documents of those duties."""
    k = builder.k
    documents: dict[str, set[str]] = {}
    for duty, concept in pairs:
        documents.setdefault(concept, set()).add(duty_document(k, duty))
    for concept in sorted(documents):
        node_type = concept.split("/", 1)[0]
        builder.add_concept(
            concept, node_type, concept_labels(k, concept), counts[concept], font_size, documents[concept]
        )
    for duty, concept in pairs:
        builder.relate(duty, concept, concept_relation(concept), (duty_document(k, duty),))


def duties_graph(
    k: Knowledge, words: Vocabulary | None = None, document: str | None = None, max_nodes: int | None = None
) -> GraphData:
    """Bodies → their duties → the concepts the duties serve, across all documents or in one;
    filters in the page."""
    records = [r for r in k.duties.values() if not document or r.document == document]
    holders: dict[str, set[str]] = {}
    for record in records:
        holders.setdefault(record.actor_id, set()).add(record.document)
    builder = Builder(k, words, by_kind=False)
    for record in records:
        actor = k.agents[record.actor_id.split("/", 1)[-1]]
        # the page opens zoomed out to show ~200 nodes: large labels keep holders and
        # concepts legible there (duty labels stay small and appear when zoomed in)
        node = builder.add_agent(
            actor, size=20, font_size=OVERVIEW_FONT_SIZE, documents=holders[record.actor_id]
        )
        builder.relate(node, builder.add_duty(record), "holds_duty", (record.document,))
    shown = {f"duty/{r.id}" for r in records}
    pairs = [(duty, concept) for duty, concept in duty_concept_nodes(k) if duty in shown]
    add_concepts(builder, pairs, Counter(concept for _, concept in pairs), OVERVIEW_FONT_SIZE)
    filters = duty_filters(k, builder.words, records, document)
    return builder.build(max_nodes, filters=filters, document=document)


def duty_filters(
    k: Knowledge, words: Vocabulary, records: list[DutyRecord] | None = None, document: str | None = None
) -> dict:
    """The choices of the duties page's filters, with how many duties each would show, in
    all the page's duties and (`by_document`) in each document."""
    records = list(k.duties.values()) if records is None else records

    def counted(choice: dict, test) -> dict:
        chosen = [r for r in records if test(r)]
        by_document = Counter(r.document for r in chosen)
        return {**choice, "count": len(chosen), "by_document": dict(sorted(by_document.items()))}

    # an article's heading is its document's: only named when the page shows one document
    headings = {a.number: a.heading for a in k.documents[document].articles} if document else {}
    articles = sorted({r.article for r in records})
    return {
        "modality": [
            counted({"value": m, "label": words.modalities[m]}, lambda r, m=m: r.modality == m)
            for m in words.modalities
        ],
        "level": [
            counted({"value": lvl, "label": words.levels[lvl]}, lambda r, lvl=lvl: lvl in r.levels)
            for lvl in words.levels
        ],
        "article": [
            counted(
                {"value": str(n), "label": article_label(n, headings.get(n, ""))},
                lambda r, n=n: r.article == n,
            )
            for n in articles
        ],
    }


def article_label(number: int, heading: str = "") -> Bilingual:
    if number == 0:
        return {"zh": "序言", "en": "Preamble"}
    return {"zh": f"第{number}条 {heading}".strip(), "en": f"Article {number}"}


def body_graph(
    k: Knowledge, agent_id: str, words: Vocabulary | None = None, max_nodes: int | None = None
) -> GraphData:
    """One body's neighbourhood: the bodies and posts one relation away, its units and posts,
    the duties it and they hold, and what those duties serve; every node and edge names its
    documents, so that the page can show one document's part."""
    centre = queries.node_id(k, agent_id)
    near = queries.neighbourhood(k, k.undirected, agent_id, 1)
    agents = {n for n in near if k.network.nodes[n]["type"] in ("body", "post")}
    agents |= {queries.node_id(k, part) for part in queries.parts_of(k, agent_id)}
    held = queries.duties_of(k, agent_id)
    documents = agent_documents(k)
    stated = relation_documents(k, documents)
    builder = Builder(k, words, by_kind=False)
    for node in sorted(agents, key=lambda n: (n != centre, n)):
        agent = k.agents[node.split("/", 1)[1]]
        builder.add_agent(agent, size=30 if node == centre else 16, documents=documents[node])
    duties = {f"duty/{h.duty.id}" for h in held}
    for h in held:
        builder.add_duty(h.duty)
    every_pair = duty_concept_nodes(k)
    counts = Counter(concept for _, concept in every_pair)
    shown = agents | duties
    for source, target, relation in sorted(k.agent_network.edges(keys=True)):
        if source in shown and target in shown:
            builder.relate(source, target, relation, stated[(source, target, relation)])
    for h in held:
        builder.relate(h.duty.actor_id, f"duty/{h.duty.id}", "holds_duty", (h.duty.document,))
    add_concepts(builder, [(d, c) for d, c in every_pair if d in duties], counts, None)
    return builder.build(max_nodes, keep=(centre,), centre=centre)


# -- graphs too big to draw ----------------------------------------------------------------------

GROUP_WORDS: Bilingual = {"zh": "合并的节点", "en": "merged nodes"}


def reduce_graph(builder: Builder, limit: int, keep: set[str]) -> dict:
    """At most `limit` nodes. First merge: the duties of one holder and modality become one
    node ("12 obligations"), or, in a graph of bodies alone, the least connected bodies become
    one node per kind. If that is still too many, the most connected nodes stay and the rest
    are left out. Returns what the page tells its reader."""
    total = len(builder.network.nodes)
    degree = edge_degrees(builder._edges)
    nodes = [n for n in builder.network.nodes if n["id"] not in keep]
    if any(n["node_type"] == "duty" for n in nodes):
        holders = {t: s for (s, t), relations in builder._edges.items() if "holds_duty" in relations}
        groups = {
            n["id"]: f"group/{holders.get(n['id'], 'none')}/{n['modality']}"
            for n in nodes
            if n["node_type"] == "duty"
        }
    else:
        ranked = sorted(nodes, key=lambda n: (-degree[n["id"]], n["id"]))
        room = max(limit - len(keep) - len({n["kind"] for n in ranked}), 0)
        groups = {n["id"]: f"group/kind/{n['kind']}" for n in ranked[room:]}
    sizes = Counter(groups.values())
    groups = {node: group for node, group in groups.items() if sizes[group] > 1}  # a group of one: itself
    merge_nodes(builder, groups)
    omitted = 0
    if len(builder.network.nodes) > limit:
        degree = edge_degrees(builder._edges)
        ranked = sorted(builder.network.nodes, key=lambda n: (n["id"] not in keep, -degree[n["id"]], n["id"]))
        omitted = len(ranked) - limit
        keep_nodes(builder, [n["id"] for n in ranked[:limit]])
    shown = len(builder.network.nodes)
    merged = len(groups)
    zh = f"图中共有 {total} 个节点，超过了可流畅显示的 {limit} 个：已将 {merged} 个节点合并为组"
    en = (
        f"This graph has {total} nodes, more than the {limit} that stay responsive: "
        f"{merged} were merged into groups"
    )
    if omitted:
        zh += f"，并略去联系最少的 {omitted} 个"
        en += f" and the {omitted} least connected were left out"
    zh += f"，现显示 {shown} 个。选择一份文件可查看其全部节点。"
    en += f"; {shown} are shown. Choose a document to see all of its nodes."
    return {
        "total": total,
        "shown": shown,
        "limit": limit,
        "merged": merged,
        "omitted": omitted,
        "message": {"zh": zh, "en": en},
    }


def edge_degrees(edges: dict[tuple[str, str], list[str]]) -> Counter:
    degree: Counter = Counter()
    for source, target in edges:
        degree[source] += 1
        degree[target] += 1
    return degree


def merge_nodes(builder: Builder, groups: dict[str, str]) -> None:
    """Replace each node of `groups` by its group's node; edges follow, inner ones go."""
    members: dict[str, list[dict]] = {}
    for node in builder.network.nodes:
        if node["id"] in groups:
            members.setdefault(groups[node["id"]], []).append(node)
    keep_nodes(builder, [n["id"] for n in builder.network.nodes if n["id"] not in groups])
    for group, nodes in members.items():
        add_group(builder, group, nodes)
    edges: dict[tuple[str, str], list[str]] = {}
    documents: dict[tuple[str, str], set[str]] = {}
    for (source, target), relations in builder._edges.items():
        key = (groups.get(source, source), groups.get(target, target))
        if key[0] == key[1]:
            continue
        merged = edges.setdefault(key, [])
        merged += [r for r in relations if r not in merged]
        documents.setdefault(key, set()).update(builder._edge_documents.get((source, target), ()))
    builder._edges, builder._edge_documents = edges, documents


def keep_nodes(builder: Builder, node_ids: list[str]) -> None:
    wanted = set(node_ids)
    network = builder.network
    network.nodes = [n for n in network.nodes if n["id"] in wanted]
    network.node_ids = NodeIds(n["id"] for n in network.nodes)
    network.node_map = {n["id"]: n for n in network.nodes}
    builder.details = {node: details for node, details in builder.details.items() if node in wanted}


def add_group(builder: Builder, group: str, nodes: list[dict]) -> None:
    words, count = builder.words, len(nodes)
    first = nodes[0]
    if first["node_type"] == "duty":
        modality = words.modalities[first["modality"]]
        holder = group.split("/", 1)[1].rsplit("/", 1)[0]
        of = {lang: builder.node_label(holder, lang) for lang in LANGUAGES}
        labels = {"zh": f"{count} 条{modality['zh']}", "en": f"{count} × {modality['en']}"}
        titles = {lang: f"{of[lang]} · {labels[lang]}" for lang in LANGUAGES}
        colour = MODALITY_COLOURS.get(first["modality"], GROUP_COLOUR)
        style = {
            "modality": first["modality"],
            "levels": sorted({level for n in nodes for level in n["levels"]}),
            "articles": sorted({n["article"] for n in nodes}),
        }
    else:
        kind = words.kind(first["kind"])
        labels = {"zh": f"其他{kind['zh']}（{count}）", "en": f"{count} more: {kind['en']}"}
        titles = labels
        colour, style = GROUP_COLOUR, {}
    builder.add(
        group,
        labels,
        {lang: titles[lang] + "\n" + "、".join(n[f"label_{lang}"] for n in nodes[:12]) for lang in LANGUAGES},
        {doc for n in nodes for doc in n["documents"]},
        shape="square",
        color=colour,
        size=min(12 + count, 40),
        kind="group",
        node_type="group",
        count=count,
        **style,
    )
    builder.details[group] = {
        "type": "group",
        "kind": GROUP_WORDS,
        "label": labels,
        "count": count,
        "members": [
            {"id": n["id"], "label": {"zh": n["label_zh"], "en": n["label_en"]}}
            for n in nodes[:GROUP_MEMBERS_LISTED]
        ],
    }


def concept_relation(concept: str) -> str:
    kinds = {"function": "serves_function", "talent-category": "concerns_talent_category"}
    return kinds.get(concept.split("/", 1)[0], "step_of")


def mention_summaries(k: Knowledge, agent: Agent) -> list[dict]:
    """Where each document names a body: the document's title, the article and the words."""
    return [
        {
            "document": m.document,
            "title": {"zh": k.documents[m.document].title_zh, "en": k.documents[m.document].title_en},
            "article": m.article,
            "quote": m.text,
        }
        for m in agent.mentions
    ]
