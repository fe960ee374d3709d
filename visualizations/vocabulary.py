"""The words the pages put beside the data: names of relations, kinds, modalities and classes
in Chinese and English, read from the ontology of the build (never typed in twice here)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from dutygraph.graph.knowledge import Knowledge
from dutygraph.graph.network import edge_predicates
from dutygraph.graph.records import label
from dutygraph.ontology.namespaces import ORG
from dutygraph.ontology.values import LEVELS, MODALITIES

Bilingual = dict[str, str]  # {"zh": …, "en": …}

# node type of the networkx projection → the ontology class that names it
NODE_CLASSES = {
    "body": "Organization",
    "unit": "OrganizationalUnit",
    "post": "Post",
    "duty": "Provision",
    "function": "Function",
    "talent-category": "TalentCategory",
    "mechanism": "Mechanism",
    "level": "AdministrativeLevel",
    "condition": "Condition",
}
# derived on the duties page: a duty is the basis of a step of a mechanism (articles 10–13)
STEP_OF_MECHANISM: Bilingual = {"zh": "机制步骤", "en": "step of mechanism"}


@dataclass(frozen=True)
class Vocabulary:
    relations: dict[str, Bilingual]
    kinds: dict[str, Bilingual]
    modalities: dict[str, Bilingual]
    levels: dict[str, Bilingual]
    classes: dict[str, Bilingual]

    def relation(self, name: str) -> Bilingual:
        if name == "step_of":
            return STEP_OF_MECHANISM
        return self.relations.get(name, {"zh": name, "en": name.replace("_", " ")})

    def kind(self, name: str) -> Bilingual:
        return self.kinds.get(name) or self.classes.get(name) or {"zh": name, "en": name.replace("-", " ")}


def _both(k: Knowledge, node: URIRef) -> Bilingual:
    graph = k.loaded.union
    return {"zh": label(graph, node, "zh"), "en": label(graph, node, "en")}


def vocabulary(k: Knowledge) -> Vocabulary:
    ns = k.loaded.ns
    dg = ns.dg
    org_classes = {"Organization", "OrganizationalUnit", "Post"}
    kinds = {agent.kind for agent in k.agents.values() if agent.type == "body" and agent.kind}
    return Vocabulary(
        relations={name: _both(k, predicate) for name, predicate in edge_predicates(ns).items()},
        kinds={kind: _both(k, dg[f"kind-{kind}"]) for kind in sorted(kinds)},
        modalities={modality: _both(k, dg[modality]) for modality in MODALITIES},
        levels={level: _both(k, dg[level]) for level in LEVELS},
        classes={
            node_type: _both(k, ORG[cls] if cls in org_classes else dg[cls])
            for node_type, cls in NODE_CLASSES.items()
        },
    )
