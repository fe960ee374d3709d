"""How a page reaches the browser, for every page the app serves (the /viz pages, the /id
linked-data pages under templates/linked-data/, the /query editor): one Jinja environment
(autoescaped), data as escaped JSON in `<script type="application/json">`, the pages' two
policies, and assets in static/, either served by the app under /static/ or inlined into a
self-contained file.

Served pages get their Content-Security-Policy as a header (`script-src 'self'`: no inline
script runs). An exported file has no server to send headers, so it carries the policy in a
`<meta>` element that allows exactly its inlined scripts, by their sha256.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

# The pages' two policies, kept together. Linked-data pages (/id/…) run no script at all:
LINKED_DATA_PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        "object-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# the graph pages and the query page run the app's own scripts; vis-network (and YASGUI on
# /query) position tooltips and controls with style attributes
STYLE_SOURCES = "'self' 'unsafe-inline'"
SERVED_PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        f"style-src {STYLE_SOURCES}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def script_json(value: object) -> str:
    """JSON that is safe as the content of a <script> element: `<`, `>` and `&` escaped, so
    neither `</script>` nor `<!--` can appear in it; JSON.parse reads it unchanged."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def sha256_source(text: str) -> str:
    """A CSP source expression for an inline script or style with exactly this content."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


# the pages that exist once for all documents and once per document
DOCUMENT_PAGES = ("index", "org", "duties", "document")


@dataclass(frozen=True)
class Target:
    """Where the pages will be opened.

    Served (`exported=False`): links are paths on this server, a chosen document is
    `?document=ID` (the document page: /viz/document/ID). Exported: links between pages are
    relative file names that work from disk (a document's pages are `{page}/{doc}.html`, so
    theirs start with `base`, "../"), and the API and IRI pages, which need a running server,
    point at `server`."""

    exported: bool = False
    server: str = ""
    base: str = ""  # exported pages in a folder: how to reach the top one ("../")

    def page(self, name: str, document: str | None = None) -> str:
        """'index', 'org', 'duties', 'document': across all documents, or for one."""
        if self.exported:
            return self.base + self.file(name, document)
        if name == "document":
            return f"/viz/document/{quote(document, safe='')}" if document else "/viz/document"
        path = "/viz/" if name == "index" else f"/viz/{name}"
        return f"{path}?document={quote(document, safe='')}" if document else path

    @staticmethod
    def file(name: str, document: str | None = None) -> str:
        """The exported file of a page, from the top folder."""
        return f"{name}/{quote(document, safe='')}.html" if document else f"{name}.html"

    def body(self, agent_id: str, document: str | None = None) -> str:
        if self.exported:
            path = f"{self.base}body-{quote(agent_id, safe='')}.html"
        else:
            path = f"/viz/body/{quote(agent_id)}"
        return f"{path}?document={quote(document, safe='')}" if document else path

    def within(self) -> Target:
        """The same target for a page one folder down (an exported document's pages)."""
        return replace(self, base="../") if self.exported else self

    def links(self) -> dict[str, str]:
        """URL templates the page script fills in (`{id}`, `{document}` are replaced by
        encoded ids); a name ending in `_in` is the page for one document."""
        links = {
            "body": _template(self.body("{id}")),
            "body_in": _template(self.body("{id}", "{document}")),
            "api_body": f"{self.server}/api/bodies/{{id}}",
            "api_duty": f"{self.server}/api/duties/{{id}}",
            "resource": f"{self.server}/id/{{path}}",
            "ontology": f"{self.server}/ontology",
        }
        for name in DOCUMENT_PAGES:
            links[name] = self.page(name)
            links[f"{name}_in"] = _template(self.page(name, "{document}"))
        return links


def _template(href: str) -> str:
    """A link made with a placeholder for an id, with the placeholder's braces unencoded."""
    return href.replace("%7Bid%7D", "{id}").replace("%7Bdocument%7D", "{document}")


@dataclass
class Assets:
    """The scripts and stylesheets of one page, as tags for the chosen target."""

    styles: list[str]
    scripts: list[str]
    target: Target
    inline_hashes: list[str] = field(default_factory=list)

    def style_tags(self) -> Markup:
        if not self.target.exported:
            return Markup("\n").join(
                Markup('<link rel="stylesheet" href="/static/{}">').format(name) for name in self.styles
            )
        return Markup("\n").join(
            Markup("<style>{}</style>").format(_inline(name, "style")) for name in self.styles
        )

    def script_tags(self) -> Markup:
        if not self.target.exported:
            return Markup("\n").join(
                Markup('<script src="/static/{}"></script>').format(name) for name in self.scripts
            )
        tags = []
        for name in self.scripts:
            content = _inline(name, "script")
            self.inline_hashes.append(sha256_source(content))
            tags.append(Markup("<script>{}</script>").format(content))
        return Markup("\n").join(tags)


def _inline(name: str, element: str) -> Markup:
    """One of our own asset files, as the content of an inline element. It must not be able to
    end that element early; the files are ours and checked here, not escaped (escaping would
    change the code)."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    if f"</{element}" in text.lower() or "<!--" in text:
        raise ValueError(f"{name} cannot be inlined: it contains </{element} or <!--")
    return Markup(text)


def exported_page_policy(script_hashes: list[str]) -> str:
    """The policy of a file opened from disk: only its own inline scripts run, and nothing
    is loaded from anywhere (`frame-ancestors` cannot be set from <meta>)."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(script_hashes),
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def render(template: str, target: Target, styles: list[str], scripts: list[str], **context) -> str:
    """A page: the template with its assets for `target`, the data blocks already in `context`."""
    assets = Assets(styles, scripts, target)
    # the script tags first: rendering them collects the hashes the <meta> policy names
    script_tags = assets.script_tags()
    policy = exported_page_policy(assets.inline_hashes) if target.exported else ""
    return TEMPLATES.get_template(template).render(
        target=target,
        style_tags=assets.style_tags(),
        script_tags=script_tags,
        meta_policy=policy,
        **context,
    )


def data_block(element_id: str, value: object) -> Markup:
    """`<script type="application/json" id="…">` holding `value`; never executed, so the
    Content-Security-Policy needs no hash for it."""
    return (
        Markup('<script type="application/json" id="{}">').format(element_id)
        + Markup(script_json(value))
        + Markup("</script>")
    )
