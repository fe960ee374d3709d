"""The questions people ask of the graph, as plain functions over `Knowledge`.

Every answer that names a duty carries its record (article, quote, offsets), so that each
answer can be checked against the words of the document.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice, pairwise

import networkx as nx

from dutygraph.errors import DutygraphError

from .knowledge import Agent, DutyRecord, Knowledge


class UnknownId(DutygraphError, KeyError):
    """An id that is not in the graph, with the closest ones that are."""

    def __init__(self, what: str, value: str, suggestions: list[str]) -> None:
        super().__init__(value)
        self.what, self.value, self.suggestions = what, value, suggestions


CLOSE_ENOUGH = 0.4  # difflib ratio below which a suggestion is more noise than help
EXACT_NAME = 2.0  # above any ratio: the value is a body's label or alias, word for word


def closest(value: str, candidates: list[str], n: int = 5) -> list[str]:
    return difflib.get_close_matches(value, candidates, n=n, cutoff=CLOSE_ENOUGH)


def agent_suggestions(k: Knowledge, value: str, n: int = 5) -> list[str]:
    """The ids someone who typed `value` most likely meant. People type what they read: 党委 or
    "Party committee" rather than party-committee, so each body is compared by its id and by
    every zh and en label and alias. A body whose label or alias is exactly `value` (after
    NFKC and case folding) comes first, then the most alike, ties by id."""
    needle = normalise(value)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(needle)  # difflib indexes the second sequence: once, not once per name
    scores: dict[str, float] = {}
    for a in k.agents.values():
        best = 0.0
        for name in {a.id, *(normalise(x) for x in (a.label_zh, a.label_en, *a.alt_zh, *a.alt_en) if x)}:
            if name == needle:
                best = EXACT_NAME
                break
            matcher.set_seq1(name)
            # the cheap upper bounds first, as difflib.get_close_matches does
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
        if best >= CLOSE_ENOUGH:
            scores[a.id] = best
    return sorted(scores, key=lambda id_: (-scores[id_], id_))[:n]


def agent(k: Knowledge, agent_id: str) -> Agent:
    if agent_id not in k.agents:
        raise UnknownId("body or post", agent_id, agent_suggestions(k, agent_id))
    return k.agents[agent_id]


def duty(k: Knowledge, duty_id: str) -> DutyRecord:
    if duty_id not in k.duties:
        raise UnknownId("duty", duty_id, duty_suggestions(k, duty_id))
    return k.duties[duty_id]


def duty_suggestions(k: Knowledge, duty_id: str) -> list[str]:
    """Ids close to `duty_id`. A bare id of the one-document days ('a05-3') is compared with
    the provisions' own part, so that it finds 'party-talent-work-opinion/a05-3' in every
    document that has one."""
    if "/" in duty_id:
        return closest(duty_id, list(k.duties))
    by_local: dict[str, list[str]] = {}
    for full in k.duties:
        by_local.setdefault(full.split("/", 1)[1], []).append(full)
    return [full for local in closest(duty_id, list(by_local)) for full in by_local[local]][:5]


def kind_of(a: Agent) -> str:
    """What `/api/bodies?kind=` filters by: 'post', or the body kind ('party-organization', …)."""
    return "post" if a.type == "post" else a.kind


def kinds(k: Knowledge) -> list[str]:
    return sorted({kind_of(a) for a in k.agents.values()})


def article_numbers(k: Knowledge) -> list[int]:
    """The numbers of the articles of any document, for filters by article."""
    return sorted({a.number for doc in k.documents.values() for a in doc.articles})


def parts_of(k: Knowledge, agent_id: str) -> list[str]:
    """The units of a body, their units, and every post in any of them."""
    found, frontier = [], [agent_id]
    while frontier:
        children = list(k.children.get(frontier.pop(0), ()))
        found += children
        frontier += children
    return found


@dataclass(frozen=True)
class HeldDuty:
    duty: DutyRecord
    via: str | None  # the unit or post of the body that holds it, if not the body itself


def matches(record: DutyRecord, modality: str | None, article: int | None, level: str | None) -> bool:
    return (
        (modality is None or record.modality == modality)
        and (article is None or record.article == article)
        and (level is None or level in record.levels)
    )


def duties_of(
    k: Knowledge,
    agent_id: str,
    modality: str | None = None,
    article: int | None = None,
    level: str | None = None,
    include_parts: bool = True,
) -> list[HeldDuty]:
    """What a body must / may / is encouraged to do, with what falls to its units and posts."""
    agent(k, agent_id)
    holders = [agent_id, *(parts_of(k, agent_id) if include_parts else [])]
    held = [
        HeldDuty(record, None if holder == agent_id else holder)
        for holder in holders
        for record in k.held_by.get(holder, ())
        if matches(record, modality, article, level)
    ]
    return sorted(held, key=lambda h: k.duty_position[h.duty.id])  # in document order, as before


# -- who is responsible for X ------------------------------------------------------------------

DIRECT, VIA_PART, CONCERNED = 3, 2, 1


@dataclass(frozen=True)
class Responsible:
    agent: Agent
    score: int
    duties: tuple[tuple[DutyRecord, str], ...]  # (duty, how: "holds" | "via …" | "concerned")


CACHED_TEXT_CHARS = 64  # labels and typical searches; longer texts are normalised each time


def normalise(text: str) -> str:
    """The form in which words are compared: NFKC, so that full-width and half-width forms
    are one (党委(党组) finds 党委（党组）, ＡＰＰＲＯＶＥ finds approve), and case-folded.
    Only short texts are remembered, so that what the cache holds stays small (16,384 × 64
    characters at most) whatever clients search for."""
    if len(text) > CACHED_TEXT_CHARS:
        return _normalised(text)
    return _normalised_short(text)


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


_normalised_short = lru_cache(maxsize=16_384)(_normalised)


def text_matches(needle: str, texts: Iterable[str]) -> bool:
    """Whether `needle` occurs in one of `texts`, or, when it is several words, whether each
    of its words occurs in them ("talent fund" finds "talent development funds")."""
    needle = normalise(needle)
    if not needle:
        return False
    haystack = [normalise(text) for text in texts]
    if any(needle in text for text in haystack):
        return True
    words = needle.split()
    return len(words) > 1 and all(any(word in text for text in haystack) for word in words)


def duty_matches(k: Knowledge, record: DutyRecord, needle: str) -> bool:
    haystack = [record.quote_zh, record.object_zh, record.action_zh, record.object_en, record.action_en]
    for concept in k.duty_concepts.get(record.id, ()):
        found = k.concepts.get(concept)
        if found:
            haystack += [found.label_zh, found.label_en]
    return text_matches(needle, haystack)


def responsible_for(k: Knowledge, q: str) -> list[Responsible]:
    """Bodies and posts ranked by how directly they hold the duties matching `q`."""
    needle = normalise(q)
    if not needle:
        return []
    owners = {a.id: a.parent for a in k.agents.values()}
    scores: Counter[str] = Counter()
    reasons: dict[str, list[tuple[DutyRecord, str]]] = {}
    for record in k.duties.values():
        if not duty_matches(k, record, needle):
            continue
        actor = record.actor_id.split("/", 1)[-1]
        credit = [(actor, DIRECT, "holds")]
        parent = owners.get(actor)
        while parent:  # the body a unit or post belongs to answers for it too
            credit.append((parent, VIA_PART, f"via {actor}"))
            parent = owners.get(parent)
        credit += [(c.split("/", 1)[-1], CONCERNED, "concerned") for c in _concerned(k, record)]
        for who, score, how in credit:
            scores[who] += score
            reasons.setdefault(who, []).append((record, how))
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [
        Responsible(k.agents[who], score, tuple(reasons[who])) for who, score in ranked if who in k.agents
    ]


def _concerned(k: Knowledge, record: DutyRecord) -> list[str]:
    node = f"duty/{record.id}"
    return [t for _, t, r in k.network.out_edges(node, keys=True) if r == "concerns"]


# -- levels, procedures, the leading group -----------------------------------------------------


@dataclass(frozen=True)
class BodyInDocument:
    document: str
    named: bool  # the document names the body (it has a mention there)
    held: tuple[HeldDuty, ...]  # what falls to it there, with its units and posts


def documents_of(k: Knowledge, agent_id: str) -> list[BodyInDocument]:
    """Where a body is named or charged, in the documents' order, with what it holds in each."""
    body = agent(k, agent_id)
    held = duties_of(k, agent_id)
    named = {m.document for m in body.mentions}
    found = []
    for doc in k.documents:
        there = tuple(h for h in held if h.duty.document == doc)
        if there or doc in named:
            found.append(BodyInDocument(doc, doc in named, there))
    return found


def named_or_charged_in(k: Knowledge, agent_id: str, documents: Iterable[str]) -> bool:
    """Does one of `documents` name the body (a mention) or give it a provision?"""
    wanted = set(documents)
    if any(m.document in wanted for m in k.agents[agent_id].mentions):
        return True
    return any(r.document in wanted for r in k.held_by.get(agent_id, ()))


def at_level(k: Knowledge, level: str, include_unconstrained: bool = False) -> list[DutyRecord]:
    """Duties the text limits to a set of levels that includes `level` (and, if asked,
    those it limits to no level at all, which hold wherever their actor exists)."""
    return [r for r in k.duties.values() if level in r.levels or (include_unconstrained and not r.levels)]


def leading_group(k: Knowledge) -> list[dict]:
    """The composition of the talent work leading group, per condition of article 5."""
    by_condition: dict[str | None, list] = {}
    for ap in k.appointments:
        by_condition.setdefault(ap.condition, []).append(ap)
    return [
        {"condition": condition, "appointments": appointments}
        for condition, appointments in sorted(
            by_condition.items(), key=lambda kv: (kv[0] is None, kv[0] or "")
        )
    ]


# -- connections -------------------------------------------------------------------------------


def node_id(k: Knowledge, agent_id: str) -> str:
    return f"{agent(k, agent_id).type}/{agent_id}"


def paths(
    k: Knowledge, network: nx.MultiDiGraph, source: str, target: str, limit: int = 5
) -> list[list[dict]]:
    """Shortest paths between two bodies/posts, each hop with its relation and direction.

    The same question always gets the same paths in the same order: they are searched in a
    graph built in sorted order (the projection's own order varies from process to process),
    so which `limit` paths are found, and their order, do not depend on it."""
    start, end = node_id(k, source), node_id(k, target)
    if start not in network or end not in network:
        return []
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(network))
    undirected.add_edges_from(sorted(network.edges()))
    try:
        found = sorted(islice(nx.all_shortest_paths(undirected, start, end), limit))
    except nx.NetworkXNoPath:
        return []
    return [_hops(network, path) for path in found]


def _hops(network: nx.MultiDiGraph, path: list[str]) -> list[dict]:
    hops = []
    for a, b in pairwise(path):
        forward = network.get_edge_data(a, b) or {}
        backward = network.get_edge_data(b, a) or {}
        relation, direction = (
            (sorted(forward)[0], "forward") if forward else (sorted(backward)[0], "backward")
        )
        hops.append(
            {
                "from": a.split("/", 1)[1],
                "to": b.split("/", 1)[1],
                "relation": relation,
                "direction": direction,
            }
        )
    return hops


def chain(k: Knowledge, network: nx.MultiDiGraph, agent_id: str, relation: str) -> list[str]:
    """Follow one relation from a body as far as it goes: who it reports to, who leads it…"""
    current, seen = node_id(k, agent_id), []
    while True:
        nexts = sorted(v for _, v, key in network.out_edges(current, keys=True) if key == relation)
        if not nexts or nexts[0] in seen or nexts[0] == current:
            return [n.split("/", 1)[1] for n in seen]
        current = nexts[0]
        seen.append(current)


def neighbourhood(k: Knowledge, undirected: nx.Graph, agent_id: str, depth: int) -> dict[str, int]:
    """Every node within `depth` hops of a body, with its distance."""
    start = node_id(k, agent_id)
    return dict(nx.single_source_shortest_path_length(undirected, start, cutoff=depth))


def centrality(k: Knowledge) -> list[dict]:
    """Bodies and posts by duties held, degree and betweenness in the agent network."""
    simple = nx.Graph(k.agent_network.to_undirected())
    simple.add_nodes_from(node_id(k, a) for a in k.agents)
    betweenness = nx.betweenness_centrality(simple)
    held = Counter(r.actor_id for r in k.duties.values())
    rows = [
        {
            "id": a.id,
            "duties": held.get(f"{a.type}/{a.id}", 0),
            "degree": simple.degree(node_id(k, a.id)),
            "betweenness": round(betweenness.get(node_id(k, a.id), 0.0), 6),
        }
        for a in k.agents.values()
    ]
    return sorted(rows, key=lambda r: (-r["duties"], -r["betweenness"], r["id"]))


def shared_duties(k: Knowledge, first: str, second: str) -> list[tuple[DutyRecord, DutyRecord]]:
    """Pairs of duties, one each, with the same action on the same object, or the same words."""
    a_duties = [h.duty for h in duties_of(k, first, include_parts=False)]
    b_duties = [h.duty for h in duties_of(k, second, include_parts=False)]
    return [
        (a, b)
        for a in a_duties
        for b in b_duties
        if (a.action_zh, a.object_zh) == (b.action_zh, b.object_zh) or (a.start, a.end) == (b.start, b.end)
    ]
