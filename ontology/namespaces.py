"""The vocabularies the graph reuses, and the project's own two namespaces.

The ontology namespace and the data namespace are configurable; the defaults use the
reserved `.example` domain so that no IRI pretends to belong to somebody else.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import DCTERMS, ODRL2, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, VANN, VOID, XSD

DEFAULT_ONTOLOGY_NAMESPACE = "https://dutygraph.example/ontology#"
DEFAULT_DATA_NAMESPACE = "https://dutygraph.example/id/"

# rdflib's DefinedNamespaces where it ships one: a mistyped term is an error, not a new IRI
ODRL = ODRL2
# not shipped by rdflib: open namespaces (ELI, Web Annotation)
ELI = Namespace("http://data.europa.eu/eli/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")

STANDARD_PREFIXES = {
    "org": ORG,
    "odrl": ODRL,
    "eli": ELI,
    "oa": OA,
    "prov": PROV,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "vann": VANN,
    "void": VOID,
}

__all__ = [
    "DCTERMS",
    "ELI",
    "OA",
    "ODRL",
    "ORG",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "VANN",
    "VOID",
    "XSD",
    "Namespaces",
]


@dataclass(frozen=True)
class Namespaces:
    """The two namespaces this project mints IRIs in."""

    ontology: str = DEFAULT_ONTOLOGY_NAMESPACE
    data: str = DEFAULT_DATA_NAMESPACE

    def __post_init__(self) -> None:
        for name, value in (("ontology", self.ontology), ("data", self.data)):
            if not value.startswith(("http://", "https://")) or value[-1] not in "#/":
                raise ValueError(
                    f"the {name} namespace must be an http(s) IRI ending in '#' or '/': {value!r}"
                )

    @property
    def dg(self) -> Namespace:
        return Namespace(self.ontology)

    @property
    def id(self) -> Namespace:
        return Namespace(self.data)

    @property
    def ontology_iri(self) -> str:
        """The ontology's own IRI: its namespace without the trailing '#' or '/'."""
        return self.ontology[:-1]

    def prefixes(self) -> dict[str, Namespace]:
        return {"dg": self.dg, "id": self.id, **STANDARD_PREFIXES}
