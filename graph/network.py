"""The networkx view of the graph: typed nodes, typed edges, built once from the RDF.

Literals and types are node attributes (not edges), so paths and centrality run over the
relations people mean: who leads whom, who holds which duty, which duty serves what.
"""

from __future__ import annotations

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from dutygraph.ontology.iris import typed_id
from dutygraph.ontology.namespaces import ODRL, ORG, Namespaces

from .records import agent_kind, label, local_name


def _node_classes(ns: Namespaces) -> dict[str, URIRef]:
    dg = ns.dg
    return {
        "body": ORG.Organization,
        "post": ORG.Post,
        "duty": dg.Provision,
        "function": dg.Function,
        "talent-category": dg.TalentCategory,
        "level": dg.AdministrativeLevel,
        "mechanism": dg.Mechanism,
        "step": dg.ProcedureStep,
        "condition": dg.Condition,
    }


def edge_predicates(ns: Namespaces) -> dict[str, URIRef]:
    dg = ns.dg
    return {
        "leads": dg.leads,
        "unit_of": ORG.unitOf,
        "member_of": dg.memberOf,
        "submits_to": dg.submitsTo,
        "guides": dg.guides,
        "supervises": dg.supervises,
        "supports": dg.supports,
        "establishes": dg.establishes,
        "assigns_tasks_to": dg.assignsTasksTo,
        "consults": dg.consults,
        "post_in": ORG.postIn,
        "is_kind_of": dg.isKindOf,
        "ex_officio": dg.servesExOfficioAs,
        "concerns": dg.concerns,
        "serves_function": dg.servesFunction,
        "concerns_talent_category": dg.concernsTalentCategory,
        "applies_at_level": dg.appliesAtLevel,
        "has_condition": dg.condition,
        "has_step": dg.step,
        "next_step": dg.nextStep,
        "step_actor": dg.actor,
        "based_on": dg.basedOn,
    }


def node_id(iri: URIRef, ns: Namespaces) -> str:
    """The typed id: 'body/party-committee', 'duty/{doc}/a05-3', 'level/county'."""
    return typed_id(iri, ns)


def project(graph: Graph, ns: Namespaces) -> nx.MultiDiGraph:
    """Typed nodes and typed edges; a duty's holder points to it ('holds_duty')."""
    network = nx.MultiDiGraph()
    for node_type, cls in _node_classes(ns).items():
        for iri in graph.subjects(RDF.type, cls):
            attrs = {
                "type": node_type,
                "iri": str(iri),
                "label_zh": label(graph, iri, "zh"),
                "label_en": label(graph, iri, "en"),
            }
            if node_type in ("body", "post"):
                attrs["kind"] = agent_kind(graph, iri, ns)
            if node_type == "duty":
                attrs["modality"] = local_name(graph.value(iri, ns.dg.modality), ns)
            network.add_node(node_id(iri, ns), **attrs)
    for relation, predicate in edge_predicates(ns).items():
        for subject, obj in graph.subject_objects(predicate):
            _add_edge(network, node_id(subject, ns), node_id(obj, ns), relation)
    for duty, actor in graph.subject_objects(ODRL.assignee):
        _add_edge(network, node_id(actor, ns), node_id(duty, ns), "holds_duty")
    for duty, assigner in graph.subject_objects(ODRL.assigner):
        _add_edge(network, node_id(assigner, ns), node_id(duty, ns), "assigns")
    return network


def _add_edge(network: nx.MultiDiGraph, source: str, target: str, relation: str) -> None:
    # only between nodes the projection knows: literals and vocabulary stay out
    if source in network and target in network:
        network.add_edge(source, target, key=relation, relation=relation)


AGENT_RELATIONS = {
    "leads",
    "unit_of",
    "member_of",
    "submits_to",
    "guides",
    "supervises",
    "supports",
    "establishes",
    "assigns_tasks_to",
    "consults",
    "post_in",
    "is_kind_of",
    "ex_officio",
}


def agent_view(network: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Bodies and posts with the relations between them (no duties, no concepts)."""
    keep = [n for n, d in network.nodes(data=True) if d["type"] in ("body", "post")]
    view = network.subgraph(keep)
    agents = nx.MultiDiGraph()
    agents.add_nodes_from(view.nodes(data=True))
    agents.add_edges_from(
        (u, v, key, d) for u, v, key, d in view.edges(keys=True, data=True) if key in AGENT_RELATIONS
    )
    return agents
