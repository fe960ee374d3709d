"""The IRIs of MODEL.md and the ids people see, minted by the build and read back by the
runtime, in one place.

Bodies and posts are the register's: `id/body/{slug}`, `id/post/{slug}`. Everything a
document says is under the document: `id/document/{doc}/{kind}/{local}` (a duty
`id/document/party-talent-work-opinion/duty/a05-3`). The id people see (REST, CSV, pages) is
unique across the corpus: the slug for a body or post, `{doc}/{local}` for what a document
says (`party-talent-work-opinion/a05-3`), the document's own id for a document. A typed id,
`{kind}/{id}` (`body/party-committee`, `duty/party-talent-work-opinion/a05-3`), names a node
of the networkx projection; its kind is everything before the first "/" (a mechanism's
step, `…/mechanism/{m}/step/{k}`, is of kind "step").
"""

from __future__ import annotations

from rdflib import URIRef

from .namespaces import Namespaces

REGISTER_KINDS = ("body", "post")
# what a document says, each under id/document/{doc}/{kind}/…
DOCUMENT_KINDS = (
    "action",
    "appointment",
    "condition",
    "division-of-labour",
    "duty",
    "function",
    "mechanism",
    "mention",
    "relation",
    "scheme",
    "talent-category",
)


def document_iri(ns: Namespaces, doc: str) -> URIRef:
    return ns.id[f"document/{doc}"]


def scoped_iri(ns: Namespaces, doc: str, kind: str, local: str) -> URIRef:
    """What document `doc` says: id/document/{doc}/{kind}/{local}."""
    return ns.id[f"document/{doc}/{kind}/{local}"]


def register_iri(ns: Namespaces, kind: str, slug: str) -> URIRef:
    """A register entry: id/body/{slug} or id/post/{slug}."""
    return ns.id[f"{kind}/{slug}"]


def iri_of(ns: Namespaces, kind: str, record_id: str) -> URIRef:
    """The IRI of the thing a typed id names (the inverse of `typed_id`)."""
    if kind in REGISTER_KINDS:
        return register_iri(ns, kind, record_id)
    if kind == "document":
        return document_iri(ns, record_id)
    doc, local = record_id.split("/", 1)
    return scoped_iri(ns, doc, "mechanism" if kind == "step" else kind, local)


def typed_id(iri: URIRef | str, ns: Namespaces) -> str:
    """'body/party-committee', 'duty/party-talent-work-opinion/a05-3', 'document/{doc}',
    'level/county' (the ontology's levels); the path under the data namespace otherwise."""
    text = str(iri)
    if text.startswith(ns.ontology):
        return "level/" + text.removeprefix(ns.ontology)
    local = text.removeprefix(ns.data)
    parts = local.split("/", 3)
    if parts[0] == "document" and len(parts) >= 4 and parts[2] in DOCUMENT_KINDS:
        kind = "step" if parts[2] == "mechanism" and "/step/" in parts[3] else parts[2]
        return f"{kind}/{parts[1]}/{parts[3]}"
    return local


def record_id(iri: URIRef | str | None, ns: Namespaces) -> str:
    """The id people see: 'party-committee', 'party-talent-work-opinion/a05-3'; '' for None."""
    return typed_id(iri, ns).split("/", 1)[-1] if iri is not None else ""


def document_of(record: str) -> str:
    """The document a document-scoped id belongs to: 'party-talent-work-opinion/a05-3' → its doc."""
    return record.split("/", 1)[0]


# The first document was served before IRIs were scoped to documents: its duties were
# id/duty/a05-3, its bodies' sources id/body/{slug}/source. Those IRIs were published, so
# they keep resolving (301) to the ones that replaced them.
FIRST_DOCUMENT = "party-talent-work-opinion"


def replaced_path(path: str) -> str | None:
    """The path under the data namespace that replaced a published pre-corpus one, if any:
    'duty/a05-3' → 'document/party-talent-work-opinion/duty/a05-3';
    'body/party-committee/source' → 'document/party-talent-work-opinion/mention/party-committee/source'."""
    kind, _, rest = path.partition("/")
    if kind in DOCUMENT_KINDS and rest:
        return f"document/{FIRST_DOCUMENT}/{path}"
    if kind in REGISTER_KINDS:
        slug, _, tail = rest.partition("/")
        if tail == "source" or tail.startswith("source/"):
            return f"document/{FIRST_DOCUMENT}/mention/{slug}/{tail}"
    return None
