"""Read the metadata of every document of the shared corpus and count what is found (issue 12).

    .venv/bin/python benchmarks/metadata_corpus.py [CORPUS] [--shown N]

CORPUS defaults to ../shared/corpus (next to the repository). Every ``.txt`` and ``.md`` file
under it (README.md, PROVENANCE.md and manifest.tsv skipped) is parsed with
``ontology.document.parse`` and read with ``ontology.metadata.read_metadata``. Per folder it
prints the share of documents with a kind, a category, an issuer, a number, at least one event
and a date; then the kinds and categories counted, the version links (by the date read from the
text, and for comparison by the date in the file name), the files with no date or no kind (the
first N), and the time per document. Nothing is written.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dutygraph.ontology.document import DocumentError, parse
from dutygraph.ontology.metadata import DocumentMetadata, link_versions, read_metadata

SKIPPED_NAMES = {"README.md", "PROVENANCE.md"}
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FILE_DATE_RE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)\.md$")
FACTS = ("kind", "category", "issuer", "number", "events", "date")


@dataclass
class FolderTally:
    files: int = 0
    read: int = 0
    found: Counter[str] = field(default_factory=Counter)
    parse_seconds: float = 0.0
    read_seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)


def corpus_files(root: Path) -> list[Path]:
    files = [path for path in root.rglob("*") if path.suffix in {".txt", ".md"} and path.is_file()]
    return sorted(path for path in files if path.name not in SKIPPED_NAMES)


def has(metadata: DocumentMetadata, fact: str) -> bool:
    return bool(metadata.events) if fact == "events" else getattr(metadata, fact) is not None


def read_file(path: Path, tally: FolderTally) -> DocumentMetadata | None:
    tally.files += 1
    started = time.perf_counter()
    try:
        parsed = parse(path.read_text(encoding="utf-8"))
    except (DocumentError, UnicodeDecodeError) as error:
        tally.failures.append((path.name, f"parse: {error}"))
        return None
    finally:
        tally.parse_seconds += time.perf_counter() - started
    started = time.perf_counter()
    metadata = read_metadata(parsed)  # raises if any words are not at their offsets
    tally.read_seconds += time.perf_counter() - started
    tally.read += 1
    tally.found.update(fact for fact in FACTS if has(metadata, fact))
    return metadata


def share(count: int, total: int) -> str:
    return f"{count:>4} {100 * count / total:5.1f}%" if total else f"{count:>4}     -"


def report(root: Path, shown: int) -> None:
    tallies: dict[str, FolderTally] = {}
    read: dict[Path, DocumentMetadata] = {}
    for path in corpus_files(root):
        folder = str(path.parent.relative_to(root))
        metadata = read_file(path, tallies.setdefault(folder, FolderTally()))
        if metadata is not None:
            read[path] = metadata
    print(f"corpus: {root}")
    print(f"{'folder':<24} {'files':>5} {'read':>5}" + "".join(f" {fact:>11}" for fact in FACTS))
    total = FolderTally()
    for folder, tally in sorted(tallies.items()):
        print_row(folder, tally)
        total.files += tally.files
        total.read += tally.read
        total.found.update(tally.found)
        total.parse_seconds += tally.parse_seconds
        total.read_seconds += tally.read_seconds
        total.failures.extend(tally.failures)
    print_row("all", total)
    for name, reason in total.failures:
        print(f"  failed: {name}: {reason}")
    print_counts(read)
    print_links(read)
    print_missing(root, read, shown)
    documents = max(total.read, 1)
    print(
        f"time per document: parse {1000 * total.parse_seconds / documents:.2f} ms, "
        f"read_metadata {1000 * total.read_seconds / documents:.3f} ms"
    )


def print_row(folder: str, tally: FolderTally) -> None:
    cells = "".join(f" {share(tally.found[fact], tally.read):>11}" for fact in FACTS)
    print(f"{folder:<24} {tally.files:>5} {tally.read:>5}{cells}")


def print_counts(read: dict[Path, DocumentMetadata]) -> None:
    kinds = Counter(m.kind.form for m in read.values() if m.kind)
    print("kinds: " + ", ".join(f"{form} {count}" for form, count in kinds.most_common()))
    transmits = Counter(m.kind.transmits.form for m in read.values() if m.kind and m.kind.transmits)
    print("transmitted forms: " + ", ".join(f"{form} {count}" for form, count in transmits.most_common()))
    categories = Counter(m.category.value for m in read.values() if m.category)
    print("categories: " + ", ".join(f"{value} {count}" for value, count in categories.most_common()))
    sources = Counter(m.issuer.source for m in read.values() if m.issuer)
    print("issuer read from: " + ", ".join(f"{source} {count}" for source, count in sources.most_common()))
    events = Counter(e.kind for m in read.values() for e in m.events)
    print("events: " + ", ".join(f"{kind} {count}" for kind, count in events.most_common()))


def print_links(read: dict[Path, DocumentMetadata]) -> None:
    items = [(str(path), m.title.text if m.title else path.stem, m.date) for path, m in read.items()]
    by_text = link_versions(items)
    file_dated = [
        (str(path), title, match.group(1) if (match := FILE_DATE_RE.search(path.name)) else None)
        for (path, _), (_, title, _) in zip(read.items(), items, strict=True)
    ]
    by_name = link_versions(file_dated)
    print(f"version links: {len(by_text)} by the date read from the text, {len(by_name)} by the file name's")
    for later, earlier in sorted(by_text.items())[:5]:
        print(f"  {Path(later).name} revises {Path(earlier).name}")


def print_missing(root: Path, read: dict[Path, DocumentMetadata], shown: int) -> None:
    for fact in ("date", "kind"):
        missing = [path for path, m in read.items() if getattr(m, fact) is None]
        print(f"no {fact}: {len(missing)}")
        for path in missing[:shown]:
            print(f"  {path.relative_to(root)}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    arguments.add_argument("--shown", type=int, default=20, help="files listed per missing fact")
    options = arguments.parse_args()
    report(options.corpus, options.shown)


if __name__ == "__main__":
    main()
