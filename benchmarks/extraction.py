"""Score the rule-based drafting (dutygraph.ingest) against the curated readings.

For each curated document: parse its text, draft its reading with the register alone (never
the curated reading), and compare actor–provision pairs — (article, actor, quote span) from
the curated `duties` and from each body of each `responsibilities` note. A drafted pair
matches a curated one when the article and the actor are the same and the quote spans
overlap; pairs are matched one to one (a maximum matching, larger overlaps first). Prints
and writes precision, recall and F1 per document, modality accuracy over matched pairs with
its confusion table, the bodies found (mentions), and a table of the errors by cause. Then
drafts every file of ../shared/corpus/opinions/ and reports time per document and per MB and
provisions by modality.

    .venv/bin/python benchmarks/extraction.py [--json benchmarks/last_extraction.json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from dutygraph.ingest import draft_reading
from dutygraph.ontology.annotations import load_register
from dutygraph.ontology.document import DocumentError, ParsedDocument, parse

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "ontology" / "sources"
ANNOTATIONS = ROOT / "ontology" / "annotations"
REGISTER = ROOT / "ontology" / "registry" / "agents.yaml"
CORPUS = ROOT.parent / "shared" / "corpus" / "opinions"
MODALITIES = ["obligation", "permission", "encouragement", "prohibition"]
SKIPPED_NAMES = {"README.md", "PROVENANCE.md"}


@dataclass(frozen=True)
class Pair:
    article: int
    actor: str
    start: int
    end: int
    modality: str
    implied: bool
    label: str  # the duty id or note, for the error listing


def locate(doc: ParsedDocument, article: int, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets of the quote in its article, as the build finds them."""
    part = doc.part(article)
    position = part.start - 1
    for _ in range(occurrence):
        position = doc.text.find(quote, position + 1, part.end)
        if position < 0:
            raise ValueError(f"quote not found in article {article}: {quote!r}")
    return position, position + len(quote)


def pairs_of(reading: dict, doc: ParsedDocument) -> list[Pair]:
    pairs = []
    for duty in reading.get("duties", []):
        start, end = locate(doc, duty["article"], duty["quote"], duty.get("occurrence", 1))
        pairs.append(
            Pair(duty["article"], duty["actor"], start, end, duty["modality"], duty["implied"], duty["id"])
        )
    for note in (reading.get("responsibilities") or {}).get("notes", []):
        start, end = locate(doc, note["article"], note["quote"], note.get("occurrence", 1))
        for k, body in enumerate(note["bodies"], 1):
            pairs.append(
                Pair(note["article"], body, start, end, "obligation", False, f"a{note['article']:02d}-r{k}")
            )
    return pairs


def overlap(a: Pair, b: Pair) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def match(gold: list[Pair], draft: list[Pair]) -> dict[int, int]:
    """A maximum one-to-one matching gold → draft (Kuhn's algorithm, larger overlaps tried first)."""
    edges = {
        g: sorted(
            (
                d
                for d, dp in enumerate(draft)
                if dp.article == gp.article and dp.actor == gp.actor and overlap(gp, dp)
            ),
            key=lambda d: -overlap(gp, draft[d]),
        )
        for g, gp in enumerate(gold)
    }
    owner: dict[int, int] = {}

    def augment(g: int, seen: set[int]) -> bool:
        for d in edges[g]:
            if d in seen:
                continue
            seen.add(d)
            if d not in owner or augment(owner[d], seen):
                owner[d] = g
                return True
        return False

    for g in range(len(gold)):
        augment(g, set())
    return {g: d for d, g in owner.items()}


def gold_cause(g: Pair, gold: list[Pair], draft: list[Pair], matched_draft: set[int]) -> str:
    near = [d for d, dp in enumerate(draft) if dp.article == g.article and overlap(g, dp)]
    if not near:
        return "missed clause (no drafted provision there)"
    if any(draft[d].actor == g.actor for d in near):
        return "split: the drafted clause with this actor already matches another"
    if any(d in matched_draft for d in near):
        return "missed actor (the clause's other actors found)"
    if g.implied or any(draft[d].actor and draft[d].implied for d in near):
        return "wrong actor: implied subject"
    return "wrong actor: named subject"


def draft_cause(d: Pair, gold: list[Pair], matched_gold: set[int]) -> str:
    near = [g for g, gp in enumerate(gold) if gp.article == d.article and overlap(d, gp)]
    if not near:
        return "spurious: no curated provision there"
    if any(gold[g].actor == d.actor for g in near):
        return "split: over-split (its curated provision already matched)"
    if any(g in matched_gold for g in near):
        return "extra actor (the clause's curated actors found)"
    return "wrong actor (counted on the curated side too)"


def score_document(name: str, register: object) -> dict:
    doc = parse((SOURCES / f"{name}.txt").read_text(encoding="utf-8"))
    curated = yaml.safe_load((ANNOTATIONS / f"{name}.yaml").read_text(encoding="utf-8"))
    started = time.perf_counter()
    drafted = draft_reading(doc, register, name)
    seconds = time.perf_counter() - started
    gold, draft = pairs_of(curated, doc), pairs_of(drafted, doc)
    matching = match(gold, draft)
    tp = len(matching)
    precision = tp / len(draft) if draft else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    confusion = Counter((gold[g].modality, draft[d].modality) for g, d in matching.items())
    correct = sum(n for (a, b), n in confusion.items() if a == b)
    causes: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    matched_draft = set(matching.values())
    for g, pair in enumerate(gold):
        if g not in matching:
            cause = "curated pair missed: " + gold_cause(pair, gold, draft, matched_draft)
            causes[cause] += 1
            examples.setdefault(cause, []).append(
                f"{pair.label} {pair.actor}: {doc.text[pair.start : pair.end][:30]}"
            )
    for d, pair in enumerate(draft):
        if d not in matched_draft:
            cause = "drafted pair unmatched: " + draft_cause(pair, gold, set(matching))
            causes[cause] += 1
            examples.setdefault(cause, []).append(
                f"{pair.label} {pair.actor}: {doc.text[pair.start : pair.end][:30]}"
            )
    for (a, b), n in confusion.items():
        if a != b:
            causes[f"modality: curated {a}, drafted {b}"] += n
    gold_mentions = {m["id"] for m in curated.get("mentions", [])}
    draft_mentions = {m["id"] for m in drafted.get("mentions", [])}
    found = gold_mentions & draft_mentions
    return {
        "document": name,
        "curated_pairs": len(gold),
        "drafted_pairs": len(draft),
        "matched": tp,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "modality_accuracy": round(correct / tp, 3) if tp else 0.0,
        "confusion": {f"{a} → {b}": n for (a, b), n in sorted(confusion.items())},
        "mentions": {
            "curated": len(gold_mentions),
            "drafted": len(draft_mentions),
            "found": len(found),
            "recall": round(len(found) / len(gold_mentions), 3) if gold_mentions else 0.0,
            "precision": round(len(found) / len(draft_mentions), 3) if draft_mentions else 0.0,
            "proposed_new_entries": len(drafted.get("register", [])),
        },
        "errors": dict(causes.most_common()),
        "examples": {k: v[:4] for k, v in examples.items()},
        "seconds": round(seconds, 3),
    }


def run_corpus(register: object) -> dict:
    # a folder's own documentation (README.md, PROVENANCE.md) is no document: ingest skips it too
    files = sorted(
        p for p in CORPUS.rglob("*") if p.suffix in (".txt", ".md") and p.name not in SKIPPED_NAMES
    )
    done, failed, total_bytes, seconds = 0, [], 0, 0.0
    modalities: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    for path in files:
        raw = path.read_text(encoding="utf-8", errors="replace")
        try:
            started = time.perf_counter()
            doc = parse(raw)
            drafted = draft_reading(doc, register, path.stem[:60].lower())
            seconds += time.perf_counter() - started
        except (DocumentError, KeyError, ValueError) as error:
            failed.append(f"{path.name}: {error}")
            continue
        done += 1
        total_bytes += len(raw.encode("utf-8"))
        modalities.update(d["modality"] for d in drafted["duties"])
        samples[path.name] = [
            f"{d['id']} {d['actor']}{' (implied)' if d['implied'] else ''} {d['modality']}: {d['quote'][:40]}"
            for d in drafted["duties"][:: max(1, len(drafted["duties"]) // 6)][:6]
        ]
    mb = total_bytes / 1_000_000
    return {
        "files": len(files),
        "drafted": done,
        "failed": failed,
        "megabytes": round(mb, 3),
        "seconds": round(seconds, 2),
        "seconds_per_document": round(seconds / done, 3) if done else None,
        "seconds_per_mb": round(seconds / mb, 2) if mb else None,
        "provisions_by_modality": dict(modalities.most_common()),
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "last_extraction.json")
    parser.add_argument("--no-corpus", action="store_true", help="score the curated documents only")
    args = parser.parse_args()
    register = load_register(REGISTER)
    names = sorted(p.stem for p in ANNOTATIONS.glob("*.yaml"))
    results = [score_document(name, register) for name in names]
    for r in results:
        print(
            f"\n== {r['document']}: P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
            f"({r['matched']} of {r['curated_pairs']} curated, {r['drafted_pairs']} drafted); "
            f"modality accuracy {r['modality_accuracy']:.3f}"
        )
        print("   confusion (curated → drafted):", r["confusion"])
        print("   mentions:", r["mentions"])
        for cause, n in r["errors"].items():
            print(f"   {n:4d}  {cause}")
    report: dict = {"documents": results}
    if not args.no_corpus:
        corpus = run_corpus(register)
        report["corpus"] = corpus
        print(
            f"\n== corpus: {corpus['drafted']} of {corpus['files']} files drafted, {corpus['megabytes']} MB, "
            f"{corpus['seconds']} s ({corpus['seconds_per_document']} s/doc, {corpus['seconds_per_mb']} s/MB)"
        )
        print("   provisions by modality:", corpus["provisions_by_modality"])
        for failure in corpus["failed"]:
            print("   failed:", failure)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
