"""Headless Chromium (Debian's, driven by Playwright) with every other host blocked.

Never `playwright install`: it downloads browsers, and the tests use the system Chromium.
In CI (env CI set) a missing Chromium fails the browser tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="needs Chromium")
LOCAL_PREFIXES = ("http://127.0.0.1:", "file://", "data:", "blob:", "about:")


def artefacts_dir() -> Path:
    """Where screenshots go: $DUTYGRAPH_ARTEFACTS, or tests/artefacts/ (gitignored)."""
    folder = Path(os.environ.get("DUTYGRAPH_ARTEFACTS") or ROOT / "tests" / "artefacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Visit:
    """A page and what happened while it loaded: console errors, uncaught exceptions, and
    every request to another host (each one aborted)."""

    page: object
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        path = artefacts_dir() / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        pytest.fail("Chromium is missing (apt-get install -y chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def visit(browser, url: str, ready: bool = True, width: int = 1400, height: int = 900) -> Visit:
    """Open `url` in a fresh page with outside hosts blocked; wait until the page says ready."""
    page = browser.new_page(viewport={"width": width, "height": height})
    seen = Visit(page)
    page.on("console", lambda message: message.type == "error" and seen.errors.append(message.text))
    page.on("pageerror", lambda error: seen.errors.append(f"uncaught: {error}"))

    def block_outside(route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            seen.outside.append(url)
            route.abort()

    page.route("**/*", block_outside)
    page.on(
        "request",
        lambda request: None if request.url.startswith(LOCAL_PREFIXES) else seen.outside.append(request.url),
    )
    page.goto(url)
    if ready:
        page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    return seen
