"""The query page /query as a user meets it: served by `dutygraph serve` on 127.0.0.1, with
every asset local, a Content-Security-Policy, the example gallery as escaped JSON, and a
YASGUI configured to reach nothing but /sparql on the same origin."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from dutygraph.api.routers.query_page import STATIC_DIR, TEMPLATE, script_json
from dutygraph.api.sparql_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXAMPLES_BLOCK = re.compile(r'<script type="application/json" id="examples">(.*?)</script>', re.DOTALL)


class Assets(HTMLParser):
    """Every <script> (src, type, inline content) and <link> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._script = {**dict(attrs), "content": ""}
            self.scripts.append(self._script)
        elif tag == "link":
            self.links.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script["content"] = (self._script["content"] or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


@pytest.fixture(scope="module")
def server(served: str) -> str:
    return served


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as session:
        yield session


@pytest.fixture(scope="module")
def page(client: httpx.Client) -> httpx.Response:
    return client.get("/query")


@pytest.fixture(scope="module")
def assets(page: httpx.Response) -> Assets:
    parser = Assets()
    parser.feed(page.text)
    return parser


def test_query_page_is_served_with_a_content_security_policy(page: httpx.Response) -> None:
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in page.headers["content-security-policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert "'unsafe-eval'" not in page.headers["content-security-policy"]
    assert "<title>" in page.text and "SPARQL" in page.text


def test_every_script_and_stylesheet_is_local_and_served(client: httpx.Client, assets: Assets) -> None:
    sources = [s["src"] for s in assets.scripts if s.get("src")]
    sources += [link["href"] for link in assets.links if link.get("rel") == "stylesheet"]
    assert "/static/yasgui/yasgui.min.js" in sources
    assert "/static/yasgui/yasgui.min.css" in sources
    assert "/static/query.js" in sources
    for source in sources:
        assert source and source.startswith("/") and not source.startswith("//"), source
        response = client.get(source)
        assert response.status_code == 200, source
        assert response.content
    for link in assets.links:  # an icon, if any, is inline data: no request at all
        assert link["href"].startswith(("/", "data:")) and not link["href"].startswith("//"), link


def test_no_inline_script_only_the_json_data_block(assets: Assets) -> None:
    inline = [s for s in assets.scripts if not s.get("src")]
    assert [(s.get("type"), s.get("id")) for s in inline] == [("application/json", "examples")]


def test_examples_json_is_the_gallery(assets: Assets) -> None:
    block = next(s for s in assets.scripts if s.get("id") == "examples")
    examples = json.loads(block["content"] or "")
    assert len(examples) >= 12
    assert [e["query"] for e in examples] == [e.query for e in EXAMPLES]
    assert [e["id"] for e in examples] == [e.id for e in EXAMPLES]
    for example in examples:
        for field in ("title_zh", "title_en", "description_zh", "description_en"):
            assert example[field]


def test_nothing_on_the_page_or_in_its_script_points_outside(
    client: httpx.Client, page: httpx.Response
) -> None:
    # the examples block holds namespace IRIs (PREFIX lines) that are never fetched: checked above
    outside_the_data = EXAMPLES_BLOCK.sub("", page.text)
    script = client.get("/static/query.js").text
    style = client.get("/static/query.css").text
    for text in (outside_the_data, script, style):
        assert "http" not in text.lower()
        assert not re.search(r"""["'(]\s*//""", text)  # no protocol-relative URL either
    # YASGUI: same-origin endpoint, local autocompleter only, no endpoint catalogue, no persistence
    assert 'new URL("/sparql", window.location.href)' in script
    assert 'LOCAL_AUTOCOMPLETERS = ["variables"]' in script
    for name in ("prefixes", "class", "property"):
        assert f'"{name}"' not in script
    assert "getData = function () {\n      return [];" in script
    assert "persistenceId: null" in script
    assert "populateFromUrl: false" in script
    assert "innerHTML" not in script


def test_static_files_refuse_paths_outside_their_folder(client: httpx.Client) -> None:
    for path in ("/static/../api/app.py", "/static/%2e%2e/pyproject.toml", "/static/nothing.js"):
        assert client.get(path).status_code == 404, path


def test_examples_json_cannot_close_its_script_element() -> None:
    hostile = [{"query": "</script><script>alert(1)</script> <!-- & \u2028"}]
    encoded = script_json(hostile)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == hostile


def test_vendored_yasgui_is_recorded_and_packaged() -> None:
    yasgui = STATIC_DIR / "yasgui"
    readme = (yasgui / "README.md").read_text(encoding="utf-8")
    assert re.search(r"`@triply/yasgui`.*\b4\.\d+\.\d+\b", readme)
    assert "MIT" in (yasgui / "LICENSE.txt").read_text(encoding="utf-8") + readme
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    assert "dutygraph.api.routers" in setuptools["packages"]
    patterns = setuptools["package-data"]["dutygraph.visualizations"]
    base = TEMPLATE.parents[1]
    shipped = [STATIC_DIR / "query.js", STATIC_DIR / "query.css", TEMPLATE]
    shipped += [yasgui / name for name in ("yasgui.min.js", "yasgui.min.css", "LICENSE.txt")]
    for path in shipped:
        relative = path.relative_to(base).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns), relative


# CI installs Chromium (scripts/test), so there a missing browser fails instead of skipping
@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="needs Chromium")
def test_headless_chromium_renders_the_gallery_with_outside_hosts_blocked(served: str) -> None:
    base = served
    with tempfile.TemporaryDirectory() as profile:
        command = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            "--window-size=1400,1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"{base}/query",
        ]
        dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    # the script ran: one gallery item per example, and YASGUI built its editor
    assert dom.count('class="example"') == len(EXAMPLES)
    assert "CodeMirror" in dom
    assert EXAMPLES[0].title_zh in dom
