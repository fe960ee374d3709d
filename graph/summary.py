"""Counts people want at a glance: by class, by modality, by article."""

from __future__ import annotations

from collections import Counter

from rdflib import URIRef

from dutygraph.ontology.namespaces import ORG

from .knowledge import Knowledge


def class_counts(k: Knowledge) -> dict[str, int]:
    dg = k.ns.dg
    classes: dict[str, URIRef] = {
        "bodies (org:Organization)": ORG.Organization,
        "  formal organizations": ORG.FormalOrganization,
        "  organizational units": ORG.OrganizationalUnit,
        "  social groups": dg.SocialGroup,
        "posts": ORG.Post,
        "provisions (dg:Provision)": dg.Provision,
        "conditions": dg.Condition,
        "ex officio appointments": dg.ExOfficioAppointment,
        "relation statements": dg.RelationStatement,
        "functions": dg.Function,
        "talent categories": dg.TalentCategory,
        "mechanisms": dg.Mechanism,
        "procedure steps": dg.ProcedureStep,
        "actions": dg.Action,
        "articles": dg.Article,
        "sentences": dg.Sentence,
    }
    values = " ".join(f"<{cls}>" for cls in classes.values())
    rows = k.store.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?s a ?c }} GROUP BY ?c",
        data_vocabulary=True,
    )
    counts = {row["c"].value: int(row["n"].value) for row in rows}
    return {name: counts.get(str(cls), 0) for name, cls in classes.items()}


def summary(k: Knowledge) -> dict:
    records = list(k.duties.values())
    return {
        "documents": list(k.documents),
        "triples": k.triples,
        "classes": class_counts(k),
        "modality": _by_modality(records),
        "implied actors": sum(r.actor_implied for r in records),
        "with a level": sum(bool(r.levels) for r in records),
        "with a condition": sum(bool(r.conditions) for r in records),
        # articles are numbered within a document: counted per document, never merged
        "by document": {
            doc: {
                "provisions": len(mine),
                "modality": _by_modality(mine),
                "by article": dict(sorted(Counter(r.article for r in mine).items())),
            }
            for doc in k.documents
            for mine in [[r for r in records if r.document == doc]]
        },
    }


def _by_modality(records: list) -> dict[str, int]:
    return dict(sorted(Counter(r.modality for r in records).items()))


def format_summary(data: dict) -> str:
    lines = [f"documents: {', '.join(data['documents'])}", f"triples: {data['triples']}", ""]
    lines += [f"{name:<28} {count:>6}" for name, count in data["classes"].items()]
    lines += ["", "provisions by modality:"]
    lines += [f"  {name:<26} {count:>6}" for name, count in data["modality"].items()]
    for key in ("implied actors", "with a level", "with a condition"):
        lines.append(f"  {key:<26} {data[key]:>6}")
    for doc, counts in data["by document"].items():
        modality = ", ".join(f"{name} {n}" for name, n in counts["modality"].items())
        lines += ["", f"{doc}: {counts['provisions']} provisions ({modality})", "  by article:"]
        articles = counts["by article"].items()
        lines += ["  " + "  ".join(f"{'preamble' if a == 0 else a}:{n}" for a, n in articles)]
    return "\n".join(lines)
