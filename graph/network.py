"""The shape of the networkx view of the graph (read from the store by graph/knowledge.py):
typed nodes, typed edges.

Literals and types are node attributes (not edges), so paths and centrality run over the
relations people mean: who leads whom, who holds which duty, which duty serves what.
"""

from __future__ import annotations

import networkx as nx
from rdflib import URIRef

from dutygraph.ontology.namespaces import ORG, Namespaces

# node type → the class whose instances are its nodes ({dg} is the ontology namespace)
NODE_CLASSES = {
    "body": str(ORG.Organization),
    "post": str(ORG.Post),
    "duty": "{dg}Provision",
    "function": "{dg}Function",
    "talent-category": "{dg}TalentCategory",
    "level": "{dg}AdministrativeLevel",
    "mechanism": "{dg}Mechanism",
    "step": "{dg}ProcedureStep",
    "condition": "{dg}Condition",
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
