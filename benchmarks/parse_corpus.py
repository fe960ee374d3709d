"""Parse every document of the shared corpus and count what the structure parser finds (issue 11).

    .venv/bin/python benchmarks/parse_corpus.py [CORPUS] [--failures N]

CORPUS defaults to ../shared/corpus (next to the repository). Every ``.txt`` and ``.md`` file
under it is read (README.md and PROVENANCE.md are skipped) and given to
``dutygraph.ontology.document.parse``. Per folder it prints: files parsed, failures (file and
reason), articles, sentences, articles that carry items and the items, documents renumbered
(their own numbers restart), attached documents, and the time spent parsing. Nothing is
written; the figures go to benchmarks/RESULTS.md by hand when they matter.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dutygraph.ontology.document import DocumentError, parse

SKIPPED_NAMES = {"README.md", "PROVENANCE.md"}
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@dataclass
class FolderTally:
    files: int = 0
    parsed: int = 0
    articles: int = 0
    sentences: int = 0
    articles_with_items: int = 0
    items: int = 0
    renumbered: int = 0  # documents whose own numbers restart, numbered 1..N with labels
    attachments: int = 0
    seconds: float = 0.0
    styles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[tuple[str, str]] = field(default_factory=list)


def corpus_files(root: Path) -> list[Path]:
    files = [path for path in root.rglob("*") if path.suffix in {".txt", ".md"} and path.is_file()]
    return sorted(path for path in files if path.name not in SKIPPED_NAMES)


def tally_file(path: Path, tally: FolderTally) -> None:
    tally.files += 1
    started = time.perf_counter()
    try:
        document = parse(path.read_text(encoding="utf-8"))
    except (DocumentError, UnicodeDecodeError) as error:
        tally.failures.append((path.name, str(error)))
        return
    finally:
        tally.seconds += time.perf_counter() - started
    tally.parsed += 1
    tally.styles[document.article_style or "none"] += 1
    tally.articles += len(document.articles)
    tally.renumbered += document.renumbered
    tally.attachments += len(document.attachments)
    parts = ([document.preamble] if document.preamble else []) + document.articles
    tally.sentences += sum(len(part.sentences) for part in parts)
    with_items = [article for article in document.articles if article.items]
    tally.articles_with_items += len(with_items)
    tally.items += sum(len(article.items) for article in with_items)


def report(root: Path, tallies: dict[str, FolderTally], failures_shown: int) -> None:
    print(f"corpus: {root}")
    header = f"{'folder':<24} {'files':>6} {'parsed':>6} {'failed':>6} {'articles':>9} {'sentences':>10}"
    print(header + f" {'w/ items':>9} {'items':>7} {'renumb.':>7} {'attach.':>7} {'seconds':>8}  styles")
    for folder, tally in sorted(tallies.items()):
        styles = ", ".join(f"{style} {count}" for style, count in sorted(tally.styles.items()))
        print(
            f"{folder:<24} {tally.files:>6} {tally.parsed:>6} {len(tally.failures):>6} {tally.articles:>9}"
            f" {tally.sentences:>10} {tally.articles_with_items:>9} {tally.items:>7} {tally.renumbered:>7}"
            f" {tally.attachments:>7} {tally.seconds:>8.2f}  {styles}"
        )
    for folder, tally in sorted(tallies.items()):
        for name, reason in tally.failures[:failures_shown]:
            print(f"  FAILED {folder}/{name}: {reason}")
        if len(tally.failures) > failures_shown:
            print(f"  … and {len(tally.failures) - failures_shown} more in {folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--failures", type=int, default=50, help="failures listed per folder")
    arguments = parser.parse_args()
    root: Path = arguments.corpus.resolve()
    tallies: dict[str, FolderTally] = defaultdict(FolderTally)
    for path in corpus_files(root):
        tally_file(path, tallies[str(path.parent.relative_to(root))])
    report(root, tallies, arguments.failures)
    return 1 if any(tally.failures for tally in tallies.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
