"""How the /viz pages hold up with the first document's graph and with one ten times its size
(issue 5).

    .venv/bin/python benchmarks/viz_pages.py [--runs 3] [--no-write]

The ten-times graph is synthetic and for measurement only: every node, edge, agent, duty and
mechanism of the build copied nine more times with suffixed ids ("body/party-committee-x3"),
never served. The pages are written as self-contained files (what `dutygraph viz` writes:
the same HTML as served, assets inlined) and opened from disk in headless Chromium (Debian's,
via Playwright) with outside hosts blocked. For each page and size, the median of `--runs`:

- ready: navigation start → layout settled and physics off (`body[data-state=ready]`);
- search: type a label and list the matches; focus: select, centre and open the panel;
- filter (duties page): apply a modality filter (hides/shows nodes, redraws);
- redraw: one full redraw of the canvas (what a drag or zoom costs per frame).

Writes the "Pages (issue 5)" section at the end of benchmarks/RESULTS.md (replacing an
earlier one; the rest of the file is kept) and prints it. About a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

from dutygraph.graph.knowledge import Knowledge, load_knowledge
from dutygraph.visualizations.html import Target
from dutygraph.visualizations.pages import duties_page, org_page
from dutygraph.visualizations.vocabulary import vocabulary

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
SECTION = "# Pages (issue 5)"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def suffixed(value: str | None, suffix: str) -> str | None:
    return value + suffix if value else value


def copy_of(k: Knowledge, suffix: str) -> dict:
    """One copy of the agents, duties, concepts and mechanisms with `suffix` on every id."""
    agents = {
        a.id + suffix: dataclasses.replace(
            a,
            id=a.id + suffix,
            label_zh=a.label_zh + suffix,
            label_en=a.label_en + suffix,
            parent=suffixed(a.parent, suffix),
            kind_of=suffixed(a.kind_of, suffix),
        )
        for a in k.agents.values()
    }
    duties = {
        d.id + suffix: dataclasses.replace(
            d, id=d.id + suffix, iri=d.iri + suffix, actor_id=d.actor_id + suffix
        )
        for d in k.duties.values()
    }
    mechanisms = [
        dataclasses.replace(
            m,
            id=m.id + suffix,
            steps=tuple(
                dataclasses.replace(s, actor=s.actor + suffix, duty=suffixed(s.duty, suffix)) for s in m.steps
            ),
        )
        for m in k.mechanisms
    ]
    duty_concepts = {d + suffix: tuple(c + suffix for c in cs) for d, cs in k.duty_concepts.items()}
    return {"agents": agents, "duties": duties, "mechanisms": mechanisms, "duty_concepts": duty_concepts}


def tenfold(k: Knowledge, copies: int = 10) -> Knowledge:
    """The build's graph `copies` times over (the first copy keeps its ids), for measurement."""
    network = nx.MultiDiGraph()
    agents, duties, mechanisms, duty_concepts, concepts = {}, {}, [], {}, {}
    for index in range(copies):
        suffix = f"-x{index}" if index else ""
        network.add_nodes_from(
            (
                node + suffix,
                {
                    **attrs,
                    "iri": attrs["iri"] + suffix,
                    "label_zh": attrs["label_zh"] + suffix,
                    "label_en": attrs["label_en"] + suffix,
                },
            )
            for node, attrs in k.network.nodes(data=True)
        )
        network.add_edges_from(
            (u + suffix, v + suffix, key, attrs) for u, v, key, attrs in k.network.edges(keys=True, data=True)
        )
        copy = copy_of(k, suffix)
        agents.update(copy["agents"])
        duties.update(copy["duties"])
        mechanisms += copy["mechanisms"]
        duty_concepts.update(copy["duty_concepts"])
        concepts.update({key + suffix: value for key, value in k.concepts.items()})
    return dataclasses.replace(
        k,
        network=network,
        agents=agents,
        duties=duties,
        mechanisms=mechanisms,
        duty_concepts=duty_concepts,
        concepts=concepts,
    )


def write_pages(k: Knowledge, folder: Path) -> dict[str, Path]:
    target = Target(exported=True, server="http://127.0.0.1:8000")
    words = vocabulary(k)
    pages = {"org": org_page(k, target, words), "duties": duties_page(k, target, words)}
    written = {}
    for name, html in pages.items():
        path = folder / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        written[name] = path
    return written


MEASURE = """async ([query, filtered]) => {
  const viz = window.dutygraphViz;
  const time = (work) => { const t = performance.now(); work(); return performance.now() - t; };
  const input = document.getElementById("search");
  const search = time(() => { input.value = query; input.dispatchEvent(new Event("input")); });
  const first = document.querySelector(".search-hit").dataset.node;
  const focus = time(() => viz.focusNode(first));
  let filter = null;
  if (filtered) {
    const select = document.getElementById("filter-modality");
    filter = time(() => {
      select.value = "encouragement";
      select.dispatchEvent(new Event("change"));
      viz.redraw();
    });
    select.value = ""; select.dispatchEvent(new Event("change"));
  }
  const redraws = [];
  for (let i = 0; i < 5; i++) redraws.push(time(() => viz.redraw()));
  redraws.sort((a, b) => a - b);
  return {ready: viz.readyAtMs, search, focus, filter, redraw: redraws[2],
          nodes: viz.data.nodes.length, edges: viz.data.edges.length};
}"""


def measure(browser, path: Path, filtered: bool) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    outside: list[str] = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file://", "data:"))
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-state=ready]", timeout=180_000)
    result = page.evaluate(MEASURE, ["党委", filtered])
    page.close()
    if outside:
        raise SystemExit(f"{path.name} tried to reach {outside}")
    return result


def run(runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        raise SystemExit("needs Chromium: apt-get install -y chromium fonts-noto-cjk")
    base = load_knowledge()
    rows = []
    with tempfile.TemporaryDirectory() as temporary, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size, k in (("1×", base), ("10×", tenfold(base))):
            folder = Path(temporary) / size.rstrip("×")
            folder.mkdir()
            started = time.perf_counter()
            pages = write_pages(k, folder)
            built = time.perf_counter() - started
            for name, path in pages.items():
                samples = [measure(browser, path, name == "duties") for _ in range(runs)]
                row = {"page": name, "size": size, "build_s": built, "bytes": path.stat().st_size}
                for key in ("ready", "search", "focus", "filter", "redraw"):
                    values = [s[key] for s in samples if s[key] is not None]
                    row[key] = statistics.median(values) if values else None
                row["nodes"], row["edges"] = samples[0]["nodes"], samples[0]["edges"]
                rows.append(row)
                print(row, file=sys.stderr)
        browser.close()
    return rows


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def markdown(rows: list[dict], runs: int) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION,
        "",
        f"`benchmarks/viz_pages.py` ({when}; {platform.machine()}, {platform.python_version()}, "
        f"headless Chromium, median of {runs} loads). Pages written as self-contained files and "
        "opened from disk; the 10× graph is the build copied ten times with suffixed ids "
        "(measurement only, never served). Times in ms; ready = navigation → layout settled and "
        "physics off.",
        "",
        "| page | graph | nodes | edges | file | ready | search | focus | filter | redraw |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['size']} | {r['nodes']:,} | {r['edges']:,} | {r['bytes'] / 1e6:.1f} MB | "
            + " | ".join(ms(r[key]) for key in ("ready", "search", "focus", "filter", "redraw"))
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if SECTION in old:
        before, _, rest = old.partition(SECTION)
        # keep the hand-written notes of the section (from its "## Notes" heading on)
        notes = rest[rest.find("\n## Notes") :] if "\n## Notes" in rest else ""
        old = before.rstrip() + "\n"
        text = text + notes
    RESULTS.write_text(old.rstrip() + "\n\n" + text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per page and size (default: 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    text = markdown(run(args.runs), args.runs)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
