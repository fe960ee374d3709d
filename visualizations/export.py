"""`dutygraph viz --output DIR`: every page as a self-contained HTML file.

Each page is written once across all documents (index.html, org.html, duties.html, and
document.html, the list of documents) and once per document in a folder of its kind
(index/{doc}.html, org/{doc}.html, duties/{doc}.html, document/{doc}.html), with a page per
body (body-{id}.html). Scripts, styles and data are inlined, links between the pages are
relative file names, and each file's <meta> Content-Security-Policy lets only its own
inlined scripts run: the pages open from disk with no server and no internet. Links to the
REST API and the IRI pages need a server and point at `server` (by default where
`dutygraph serve` listens).
"""

from __future__ import annotations

from pathlib import Path

from dutygraph.graph.knowledge import Knowledge

from .html import Target
from .pages import all_pages

DEFAULT_SERVER = "http://127.0.0.1:8000"


def export_pages(k: Knowledge, output: Path, server: str = DEFAULT_SERVER) -> list[Path]:
    """Write every page into `output` (created if missing); the files written, in order.
    Raises OSError when the folder cannot be created or written."""
    output.mkdir(parents=True, exist_ok=True)
    target = Target(exported=True, server=server.rstrip("/"))
    written = []
    for name, html in all_pages(k, target):
        path = output / name
        path.parent.mkdir(parents=True, exist_ok=True)  # a document's pages: org/{doc}.html …
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return written
