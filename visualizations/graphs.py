"""The node and edge data of the graph pages, built with pyvis from the networkx projection.

pyvis builds the vis-network data (`Network.add_node` / `add_edge`, then its nodes, edges and
options); its own HTML is never used (it loads CDNs and does not escape). Every node carries
its labels in both languages and a plain-text tooltip per language: vis-network 9 shows a
string title as text, so no data is ever read as HTML.
"""

from __future__ import annotations

import json
from collections import Counter
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
MODALITY_COLOURS = {"obligation": "#2f6db5", "permission": "#27ae60", "encouragement": "#e67e22"}
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
        self.details: dict[str, dict] = {}
        self._edges: dict[tuple[str, str], list[str]] = {}

    # -- nodes ---------------------------------------------------------------------------------

    def add(self, node_id: str, labels: Bilingual, titles: Bilingual, **style) -> None:
        self.network.add_node(
            node_id,
            label=labels["zh"],
            title=titles["zh"],
            label_zh=labels["zh"],
            label_en=labels["en"],
            title_zh=titles["zh"],
            title_en=titles["en"],
            **style,
        )

    def add_agent(self, agent: Agent, size: int = 16, font_size: int | None = None) -> str:
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
        article = {"zh": f"第{record.article}条", "en": f"Article {record.article}"}
        titles = {
            lang: f"{modality[lang]} · {self.node_label(record.actor_id, lang)}\n"
            f"{action[lang]}\n「{record.quote_zh}」\n{article[lang]}"
            for lang in LANGUAGES
        }
        self.add(
            node_id,
            labels,
            titles,
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
        self, node_id: str, node_type: str, labels: Bilingual, duties: int, font_size: int | None = None
    ) -> str:
        shape, colour = CONCEPT_STYLE[node_type]
        kind_words = self.words.classes[node_type]
        titles = {lang: f"{kind_words[lang]}\n{labels[lang]}" for lang in LANGUAGES}
        self.add(
            node_id,
            labels,
            titles,
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

    def relate(self, source: str, target: str, relation: str) -> None:
        """Parallel relations between the same two nodes become one edge naming them all."""
        relations = self._edges.setdefault((source, target), [])
        if relation not in relations:
            relations.append(relation)

    def _flush_edges(self) -> None:
        for (source, target), relations in self._edges.items():
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
                    },
                )
                entry["count"] += 1
                if node_type == "post" and self.by_kind:
                    entry["color"] = node["color"]  # posts have one colour: their shape says it all
                if node_type == "post" or not self.by_kind:
                    continue
                key, words = ("dot", node["color"]), self.words.kind(node["kind"])
            elif node_type == "duty":
                key, words = ("dot", node["color"]), self.words.modalities[node["kind"]]
            else:
                key, words = (node["shape"], node["color"]), self.words.classes[node_type]
            entry = colours.setdefault(key, {"shape": key[0], "color": key[1], "label": words, "count": 0})
            entry["count"] += 1
        ordered_shapes = [shapes[t] for t in AGENT_SHAPES if t in shapes]
        return ordered_shapes + sorted(colours.values(), key=lambda e: -e["count"])

    def build(self, **extra) -> GraphData:
        self._flush_edges()
        self.network.options = vis_options(len(self.network.nodes))
        nodes, edges, _heading, _height, _width, options = self.network.get_network_data()
        return GraphData(nodes, edges, json.loads(options), self.legend(), self.details, extra)


# -- the three graphs --------------------------------------------------------------------------


def org_graph(k: Knowledge, words: Vocabulary | None = None) -> GraphData:
    """Bodies, units and posts, with the relations between them."""
    builder = Builder(k, words)
    for agent in k.agents.values():
        builder.add_agent(agent, size=14 + min(queries_held(k, agent.id), 30) // 2)
    for source, target, relation in sorted(k.agent_network.edges(keys=True)):
        if relation in AGENT_RELATIONS:
            builder.relate(source, target, relation)
    return builder.build()


def queries_held(k: Knowledge, agent_id: str) -> int:
    return len(queries.duties_of(k, agent_id, include_parts=False))


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


def duties_graph(k: Knowledge, words: Vocabulary | None = None) -> GraphData:
    """Bodies → their duties → the concepts the duties serve; filters in the page."""
    builder = Builder(k, words, by_kind=False)
    for record in k.duties.values():
        actor = k.agents[record.actor_id.split("/", 1)[-1]]
        # the page opens zoomed out to show ~200 nodes: large labels keep holders and
        # concepts legible there (duty labels stay small and appear when zoomed in)
        builder.add_agent(actor, size=20, font_size=OVERVIEW_FONT_SIZE)
        builder.relate(f"{actor.type}/{actor.id}", builder.add_duty(record), "holds_duty")
    pairs = duty_concept_nodes(k)
    for concept, count in sorted(Counter(concept for _, concept in pairs).items()):
        builder.add_concept(
            concept, concept.split("/", 1)[0], concept_labels(k, concept), count, OVERVIEW_FONT_SIZE
        )
    for duty, concept in pairs:
        builder.relate(duty, concept, concept_relation(concept))
    return builder.build(filters=duty_filters(k, builder.words))


def duty_filters(k: Knowledge, words: Vocabulary) -> dict:
    """The choices of the duties page's filters, with how many duties each would show."""
    counts = {m: sum(r.modality == m for r in k.duties.values()) for m in words.modalities}
    articles = sorted({r.article for r in k.duties.values()})
    headings = {a.number: a.heading for doc in k.documents.values() for a in doc.articles}
    return {
        "modality": [{"value": m, "label": words.modalities[m], "count": c} for m, c in counts.items()],
        "level": [
            {"value": lvl, "label": words.levels[lvl], "count": len(queries.at_level(k, lvl))}
            for lvl in words.levels
        ],
        "article": [
            {
                "value": str(n),
                "label": {"zh": f"第{n}条 {headings.get(n, '')}", "en": f"Article {n}"},
                "count": sum(r.article == n for r in k.duties.values()),
            }
            for n in articles
        ],
    }


def body_graph(k: Knowledge, agent_id: str, words: Vocabulary | None = None) -> GraphData:
    """One body's neighbourhood: the bodies and posts one relation away, its units and posts,
    the duties it and they hold, and what those duties serve."""
    centre = queries.node_id(k, agent_id)
    near = queries.neighbourhood(k, k.undirected, agent_id, 1)
    agents = {n for n in near if k.network.nodes[n]["type"] in ("body", "post")}
    agents |= {queries.node_id(k, part) for part in queries.parts_of(k, agent_id)}
    held = queries.duties_of(k, agent_id)
    builder = Builder(k, words, by_kind=False)
    for node in sorted(agents, key=lambda n: (n != centre, n)):
        builder.add_agent(k.agents[node.split("/", 1)[1]], size=30 if node == centre else 16)
    duties = {f"duty/{h.duty.id}" for h in held}
    for h in held:
        builder.add_duty(h.duty)
    every_pair = duty_concept_nodes(k)
    counts = Counter(concept for _, concept in every_pair)
    pairs = [(duty, concept) for duty, concept in every_pair if duty in duties]
    for concept in sorted({concept for _, concept in pairs}):
        builder.add_concept(concept, concept.split("/", 1)[0], concept_labels(k, concept), counts[concept])
    shown = agents | duties
    for source, target, relation in sorted(k.agent_network.edges(keys=True)):
        if source in shown and target in shown:
            builder.relate(source, target, relation)
    for h in held:
        builder.relate(h.duty.actor_id, f"duty/{h.duty.id}", "holds_duty")
    for duty, concept in pairs:
        builder.relate(duty, concept, concept_relation(concept))
    return builder.build(centre=centre)


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
