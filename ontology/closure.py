"""Materialise the RDFS class and property hierarchy, so that queries need not know it.

A researcher's `?x a org:Organization` then finds every body, whatever its subclass.
The hierarchy comes from the ontology graph alone, which restates the parts of the reused
vocabularies it relies on.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS


def _ancestors(ontology: Graph, predicate: URIRef) -> dict[URIRef, set[URIRef]]:
    """Every term with a super-term, mapped to all its strict ancestors."""
    ancestors: dict[URIRef, set[URIRef]] = {}
    for term in set(ontology.subjects(predicate, None)):
        found = set(ontology.transitive_objects(term, predicate)) - {term}
        ancestors[term] = {t for t in found if isinstance(t, URIRef)}  # type: ignore[misc]
    return ancestors


def materialise(data: Graph, ontology: Graph) -> int:
    """Add inferred rdf:type and super-property triples to `data`; return how many."""
    before = len(data)
    superclasses = _ancestors(ontology, RDFS.subClassOf)
    for subject, cls in list(data.subject_objects(RDF.type)):
        for ancestor in superclasses.get(cls, ()):  # type: ignore[call-overload]
            data.add((subject, RDF.type, ancestor))
    superproperties = _ancestors(ontology, RDFS.subPropertyOf)
    for prop, ancestors in superproperties.items():
        for subject, obj in list(data.subject_objects(prop)):
            for ancestor in ancestors:
                data.add((subject, ancestor, obj))
    return len(data) - before
