"""Throughput of /sparql against Oxigraph server and rdflib-endpoint on the same data (issue 4).

    .venv/bin/python benchmarks/sparql_throughput.py [--duration 10] [--rounds 2] [--no-uncached]

In one run, all on 127.0.0.1:
1. loads ontology/built/dataset.nq into a fresh Oxigraph store directory (`oxigraph load`);
2. starts three servers over that file: `dutygraph serve` (its /sparql as shipped: safety
   checks, worker processes, time and size limits, result cache), `oxigraph serve-read-only
   --union-default-graph`, and rdflib-endpoint (benchmarks/rdflib_endpoint_app.py, an rdflib
   Dataset with default_union);
3. sends each of the three queries to each server (GET /sparql?query=…, Accept:
   application/sparql-results+json), checks that all three return the same number of rows,
   and prints it;
4. runs wrk (16 connections, 2 threads, --latency) per query and server, ROUNDS rounds,
   alternating the servers, after a short warm-up: first with the same URL every time
   (dutygraph answers repeats from its cache: that is how it is shipped), then — unless
   --no-uncached — with a wrk Lua script that appends a unique `#` comment line to every
   query, so that no server can answer from a cache;
5. prints a table and writes the "SPARQL endpoint (issue 4)" section at the end of
   benchmarks/RESULTS.md (replacing an earlier one; the rest of the file is kept) and
   benchmarks/last_sparql_run.json (every number of the run).

Needs wrk and, in the venv only (not project dependencies): `.venv/bin/pip install -c
constraints.txt oxigraph rdflib-endpoint`. Every server it starts is stopped on exit, error
or Ctrl-C. A default run takes about 8 minutes; `--duration 5` about 4.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from importlib import metadata
from pathlib import Path

from api_throughput import (
    CONNECTIONS,
    THREADS,
    WARMUP_S,
    Server,
    Servers,
    machine,
    measure_and_report,
    parse_wrk,
    replace_section,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATASET = ROOT / "ontology" / "built" / "dataset.nq"
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_sparql_run.json"
SECTION = "# SPARQL endpoint (issue 4)"
SECTION_END = "<!-- end of the SPARQL endpoint section -->"
ACCEPT = "application/sparql-results+json"
WRK_TIMEOUT = "10s"  # wrk's default (2 s) would count rdflib-endpoint's slow answers as errors
START_TIMEOUT_S = 120
SERVERS = ("dutygraph", "oxigraph", "rdflib-endpoint")
TARGETS = {"oxigraph": 0.5, "rdflib-endpoint": 10.0}  # dutygraph at least × that server's req/s
PACKAGES = (
    "pyoxigraph",
    "oxigraph",
    "rdflib",
    "rdflib-endpoint",
    "fastapi",
    "uvicorn",
    "httptools",
    "uvloop",
)

ODRL = "http://www.w3.org/ns/odrl/2/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
QUERIES = {
    "body's duties": (
        f"SELECT ?d ?label WHERE {{ ?d <{ODRL}assignee> <https://dutygraph.example/id/body/party-committee> "
        f'; <{SKOS}prefLabel> ?label FILTER(lang(?label)="zh") }}'
    ),
    "duties per body (GROUP BY)": (
        f"SELECT ?body (COUNT(?d) AS ?n) WHERE {{ ?d <{ODRL}assignee> ?body }} "
        "GROUP BY ?body ORDER BY DESC(?n)"
    ),
    "two-hop join": (
        f"SELECT ?d ?action ?kind WHERE {{ ?d <{ODRL}action> ?a ; <{ODRL}assignee> ?b . "
        f"?a <{SKOS}prefLabel> ?action . ?b <{ORG}classification> ?c . ?c <{SKOS}prefLabel> ?kind "
        f'FILTER(lang(?action)="zh" && lang(?kind)="zh") }}'
    ),
}

# Every request a unique query: the same query plus a comment line "#<thread>-<counter>".
UNIQUE_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  n = 0
end
function request()
  n = n + 1
  return wrk.format(nil, wrk.path .. "%0A%23" .. tid .. "-" .. n)
end
"""


# --- servers -------------------------------------------------------------------------------


def path_for(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query}, quote_via=urllib.parse.quote)


def fetch(url: str, timeout: float = 60.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_answers(server: Server, timeout: float = START_TIMEOUT_S) -> float:
    """Seconds from process start until the first query is answered 200."""
    url = server.base + path_for("ASK { ?s ?p ?o }")
    deadline = server.started + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if fetch(url, timeout=30)[0] == 200:
                return time.perf_counter() - server.started
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} not answering after {timeout}s:\n{server.log_tail()}")


def rows(server: Server, query: str) -> int:
    status, body = fetch(server.base + path_for(query))
    if status != 200:
        raise RuntimeError(f"{server.name} answered {status}: {body[:300]!r}")
    return len(json.loads(body)["results"]["bindings"])


def load_oxigraph(store: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [oxigraph_cli(), "load", "--location", str(store), "--file", str(DATASET)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return time.perf_counter() - started


def oxigraph_cli() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("oxigraph CLI not found: .venv/bin/pip install -c constraints.txt oxigraph")
    return found


def argvs(store: Path) -> dict:
    return {
        "dutygraph": lambda port: [sys.executable, "-m", "dutygraph", "serve", "--port", str(port)],
        "oxigraph": lambda port: [
            oxigraph_cli(),
            "serve-read-only",
            "--location",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        "rdflib-endpoint": lambda port: [
            sys.executable,
            str(HERE / "rdflib_endpoint_app.py"),
            str(DATASET),
            str(port),
        ],
    }


# --- wrk -----------------------------------------------------------------------------------


def wrk(url: str, duration: int, script: Path | None = None) -> dict:
    argv = [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        WRK_TIMEOUT,
    ]
    argv += ["-H", f"Accept: {ACCEPT}"]
    if script is not None:
        argv += ["-s", str(script)]
    argv.append(url)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["raw"] = done.stdout
    return result


def measure(servers: dict[str, Server], args: argparse.Namespace, script: Path | None, label: str) -> dict:
    results = {}
    for name, query in QUERIES.items():
        path = path_for(query)
        for server in servers.values():
            wrk(server.base + path, WARMUP_S, script)
        runs: dict[str, list[dict]] = {s: [] for s in servers}
        for round_ in range(args.rounds):
            order = list(servers.values())
            if round_ % 2:
                order.reverse()
            for server in order:
                result = wrk(server.base + path, args.duration, script)
                runs[server.name].append(result)
                problems = ""
                if result["non_2xx"] or result["socket_errors"]:
                    problems = f"  !! non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}"
                print(
                    f"  [{label}] {name:<27} round {round_ + 1} {server.name:<15} {result['rps']:>9.1f} req/s"
                    f"  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms{problems}",
                    flush=True,
                )
        summary: dict = {}
        for server_name, rs in runs.items():
            summary[server_name] = {
                "rps": statistics.median(r["rps"] for r in rs),
                "p50_ms": statistics.median(r["p50_ms"] for r in rs),
                "p99_ms": statistics.median(r["p99_ms"] for r in rs),
                "rounds": [{k: v for k, v in r.items() if k != "raw"} for r in rs],
                "raw": [r["raw"] for r in rs],
            }
        summary["ratios"] = {
            other: summary["dutygraph"]["rps"] / summary[other]["rps"]
            if summary[other]["rps"]
            else float("inf")
            for other in SERVERS[1:]
        }
        results[name] = summary
    return results


# --- the run -------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    cli = subprocess.run([oxigraph_cli(), "--version"], capture_output=True, text=True, check=False)
    out["oxigraph CLI"] = cli.stdout.strip()
    return out


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/sparql_throughput.py", *sys.argv[1:]]),
        "machine": machine(),
        "versions": versions(),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "connections": CONNECTIONS,
            "threads": THREADS,
            "warmup_s": WARMUP_S,
            "wrk_timeout": WRK_TIMEOUT,
        },
        "queries": QUERIES,
    }
    with tempfile.TemporaryDirectory(prefix="dutygraph-sparql-bench-") as tmp:
        workdir = Path(tmp)
        store = workdir / "oxigraph-store"
        info["oxigraph_load_s"] = round(load_oxigraph(store), 2)
        print(f"oxigraph load: {info['oxigraph_load_s']} s", flush=True)
        script = workdir / "unique.lua"
        script.write_text(UNIQUE_LUA, encoding="utf-8")
        pool = Servers(workdir)
        try:
            servers = {}
            for name, argv in argvs(store).items():
                servers[name] = pool.start(name, argv)
            info["ready_s"] = {name: round(wait_answers(s), 2) for name, s in servers.items()}
            print(
                "answering after: " + ", ".join(f"{k} {v} s" for k, v in info["ready_s"].items()), flush=True
            )
            info["rows"] = {}
            for name, query in QUERIES.items():
                counts = {s.name: rows(s, query) for s in servers.values()}
                # and once more for the unique variant: the comment must not change the answer
                commented = {s.name: rows(s, query + "\n#check") for s in servers.values()}
                print(f"rows, {name}: {counts}", flush=True)
                if len(set(counts.values()) | set(commented.values())) != 1 or not counts["dutygraph"]:
                    raise RuntimeError(
                        f"the servers disagree on {name!r}: {counts}, with a comment {commented}"
                    )
                info["rows"][name] = counts["dutygraph"]
            info["results"] = {"repeated query": measure(servers, args, None, "repeated")}
            if not args.no_uncached:
                info["results"]["unique query"] = measure(servers, args, script, "unique")
        finally:
            pool.stop_all()
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    return info


# --- report --------------------------------------------------------------------------------


def table(info: dict) -> str:
    lines = [
        "| requests | query (rows) | server | req/s median (rounds) | p50 ms | p99 ms "
        "| dutygraph / oxigraph | dutygraph / rdflib-endpoint |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, results in info["results"].items():
        for query, summary in results.items():
            for name in SERVERS:
                s = summary[name]
                rounds = " / ".join(f"{r['rps']:.0f}" for r in s["rounds"])
                ratios = ["", ""]
                if name == "dutygraph":
                    r = summary["ratios"]
                    ratios = [f"**{r['oxigraph']:.2f}×**", f"**{r['rdflib-endpoint']:.1f}×**"]
                lines.append(
                    f"| {label} | {query} ({info['rows'][query]}) | {name} | {s['rps']:.0f} ({rounds}) "
                    f"| {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {ratios[0]} | {ratios[1]} |"
                )
    return "\n".join(lines)


def verdicts(info: dict) -> list[str]:
    out = []
    for label, results in info["results"].items():
        for other, target in TARGETS.items():
            worst = min(summary["ratios"][other] for summary in results.values())
            out.append(
                f"{label}: dutygraph ≥ {target:g}× {other} on all three queries: "
                f"**{'met' if worst >= target else 'NOT met'}** (lowest {worst:.2f}×)."
            )
    problems = [
        f"{label}, {query}, {name}: {r['non_2xx']} non-2xx, socket errors {r['socket_errors']}"
        for label, results in info["results"].items()
        for query, summary in results.items()
        for name in SERVERS
        for r in summary[name]["rounds"]
        if r["non_2xx"] or r["socket_errors"]
    ]
    out.append(
        "Errors during the runs: "
        + ("; ".join(problems) if problems else "none (no non-2xx, no socket errors).")
    )
    return out


def markdown(info: dict) -> str:
    m, v, s = info["machine"], info["versions"], info["settings"]
    queries = "\n".join(f"- {name}: `{query}`" for name, query in info["queries"].items())
    return "\n".join(
        [
            SECTION,
            "",
            "Written by `benchmarks/sparql_throughput.py`; rerun it to refresh this section.",
            "",
            f"- date: {info['date']}",
            f"- command: `.venv/bin/python {info['command']}` (took {info['elapsed_s']} s)",
            f"- machine: {m['nproc']} cores ({m['cpu']}), {m['platform']}, Python {m['python']}; "
            f"load average at start {m['loadavg_at_start']}",
            f"- code: {m['code']}",
            "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + f"; {m['wrk']}",
            f"- load: wrk, {s['threads']} threads, {s['connections']} connections, "
            f"{s['duration_s']} s per run, {s['rounds']} rounds per query and server, alternating the "
            f"servers, after a {s['warmup_s']} s warm-up; wrk --timeout {s['wrk_timeout']};",
            f"  GET /sparql?query=… with Accept: {ACCEPT}; everything on 127.0.0.1, wrk and the servers "
            "share the cores",
            "- dutygraph: `python -m dutygraph serve --port P`, as shipped: queries checked (SERVICE, FROM, "
            "update refused) and run in 2 worker processes with the 10 s time and 10 MB size limits, an "
            "LRU cache of answers by (query, dataset, format); uvicorn with httptools and uvloop; access "
            "log on",
            "- oxigraph: `oxigraph load --location DIR --file ontology/built/dataset.nq`, then "
            f"`oxigraph serve-read-only --location DIR --bind 127.0.0.1:P --union-default-graph` "
            f"(load took {info['oxigraph_load_s']} s)",
            "- rdflib-endpoint: `benchmarks/rdflib_endpoint_app.py` (rdflib `Dataset(default_union=True)` "
            "parsed from the same file, rdflib-endpoint's `SparqlEndpoint` at /sparql, uvicorn, "
            "access log on)",
            "- the three servers run side by side for the whole run, each idle while another is measured; "
            "the run checks they return the same number of rows for each query (in brackets), with and "
            "without the added comment",
            "",
            queries,
            "",
            '"repeated query": wrk sends the same URL every time, so dutygraph answers all but the first '
            "from its result cache (the data are immutable while serving; that is how it is shipped), "
            "while Oxigraph evaluates every request (rdflib-endpoint caches only the parsed query). "
            '"unique query": a wrk Lua script appends `%0A%23<thread>-<n>` (a newline and a `#` comment) '
            "to every query, so every request is a new query string: no answer cache applies, dutygraph "
            "sends every request to a worker, which checks, evaluates and serialises it.",
            "",
            table(info),
            "",
            "req/s is the median of the rounds (each round in brackets); p50 and p99 are the medians of the "
            "rounds' wrk latency percentiles. Targets (issue 4): /sparql at least half of Oxigraph server's "
            "throughput and at least ten times rdflib-endpoint's, safety limits on.",
            "",
            *[f"- {line}" for line in verdicts(info)],
            "",
            SECTION_END,
            "",
        ]
    )


def write_results(info: dict) -> None:
    replace_section(RESULTS, SECTION, SECTION_END, markdown(info))
    LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default: %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="wrk runs per query and server (default: %(default)s)"
    )
    parser.add_argument(
        "--no-uncached", action="store_true", help="skip the unique-query runs (halves the time)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    if not 1 <= args.duration <= 60 or not 1 <= args.rounds <= 5:
        parser.error("--duration must be 1..60 and --rounds 1..5 (the run must stay within minutes)")
    if shutil.which("wrk") is None:
        print("wrk not found; install it: apt-get install -y wrk", file=sys.stderr)
        return 2
    if not DATASET.exists():
        print(f"{DATASET} not found: build the dataset first", file=sys.stderr)
        return 2
    return measure_and_report(args, run, table, verdicts, write_results, [RESULTS, LAST_RUN])


if __name__ == "__main__":
    sys.exit(main())
