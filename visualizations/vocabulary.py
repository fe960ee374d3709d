"""The words the pages put beside the data: names of relations, kinds, modalities and classes
in Chinese and English, read from the ontology of the build (never typed in twice here)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from dutygraph.graph.knowledge import Knowledge
from dutygraph.graph.network import edge_predicates
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


def preferred_labels(k: Knowledge, nodes: list[URIRef]) -> dict[str, Bilingual]:
    """IRI → its zh and en preferred labels, read from the store in one query."""
    values = " ".join(f"<{node}>" for node in nodes)
    query = (
        "SELECT ?node ?label WHERE { VALUES ?node { " + values + " } "
        "?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
    )
    found: dict[str, Bilingual] = {str(node): {"zh": "", "en": ""} for node in nodes}
    for row in k.store.select(query, data_vocabulary=True):
        label = row["label"]
        language = getattr(label, "language", None)
        if language in ("zh", "en") and not found[row["node"].value][language]:
            found[row["node"].value][language] = label.value
    return found


def vocabulary(k: Knowledge) -> Vocabulary:
    dg = k.ns.dg
    org_classes = {"Organization", "OrganizationalUnit", "Post"}
    kinds = sorted({agent.kind for agent in k.agents.values() if agent.type == "body" and agent.kind})
    relations = edge_predicates(k.ns)
    classes = {
        node_type: ORG[cls] if cls in org_classes else dg[cls] for node_type, cls in NODE_CLASSES.items()
    }
    named = {
        "relations": relations,
        "kinds": {kind: dg[f"kind-{kind}"] for kind in kinds},
        "modalities": {modality: dg[modality] for modality in MODALITIES},
        "levels": {level: dg[level] for level in LEVELS},
        "classes": classes,
    }
    labels = preferred_labels(k, [node for group in named.values() for node in group.values()])
    words = {
        group: {name: labels[str(node)] for name, node in nodes.items()} for group, nodes in named.items()
    }
    return Vocabulary(**words)
