"""Build and serve at corpus scale: one document, two, and a synthetic corpus of 100.

    .venv/bin/python benchmarks/build_and_serve.py [--quick] [--runs 3] [--corpus-size 100]

For three inputs, each copied into its own temporary sources/annotations pair, all built
with the packaged register (ontology/registry/agents.yaml):
  (a) the first packaged document alone (party-talent-work-opinion);
  (b) the two packaged documents (ontology/sources + ontology/annotations);
  (c) a synthetic corpus of CORPUS_SIZE documents: copies of the two packaged documents in
      turn (half of each), each under its own id (`bench-001-party-talent-work-opinion`,
      `bench-002-employment-promotion-opinion-2018`, …: the .txt copied, a .meta.yaml with
      that id and the same sha256, the reading with its `document:` changed). Everything a
      document says is under id/document/{doc}/…, so each copy is a distinct document with
      its own duties and mentions; the bodies and posts they name are the register's, shared.
      Copies of both, not of the first alone, so that the corpus has documents of two sizes
      and two registers of bodies, as the real one will.
it measures, each build a fresh `dutygraph build` process:
  - cold builds (`--output DIR` into a fresh folder) with `-j 1` and `-j 2`: median of RUNS
    for (a) and (b); for (c), when its first cold build took over a minute, one run of that
    and of every measurement below (the run would not fit in 15 minutes otherwise);
  - a second build with nothing changed, and one after appending `# benchmark` to one
    reading (restored, and the folder rebuilt untimed, between runs): median of RUNS each,
    as a ratio to the cold build with the same `-j` (the default, one per core);
  - where the build's time goes, from the timestamps of its progress lines (stderr, a line
    per document when not a terminal): start-up until the plan, documents (compile +
    materialise + quotes + SHACL + serialise, per-document seconds as the build prints
    them), writing the folder, and the CLI's closing summary (its counts, from the manifest);
  - the build's peak memory: ru_maxrss from os.wait4 on the build process (the largest
    single process of its tree, as getrusage(RUSAGE_CHILDREN) after a fresh subprocess),
    and the peak of the whole tree's RSS summed, sampled every 50 ms;
  - `dutygraph serve --data DIR --port P` on 127.0.0.1 for each built folder: process start
    → GET /healthz 200 (median of RUNS), and the server's RSS with its children (the SPARQL
    workers, found through /proc/PID/task/PID/children) at ready and, after one /sparql query
    (the workers start on the first), once the sum stops growing;
    a server that fails to start is recorded as failed, with its last log line;
  - for (b) and (c), the remote store: a fresh in-memory `oxigraph serve` (the venv's
    binary) per run, the time of `dutygraph push --data DIR --to URL` into it and the
    Oxigraph server's RSS after it, then `dutygraph serve --store URL`: start → /healthz
    200 and RSS as above (median of RUNS);
  - for the packaged document, in one process, the phases of one document's build
    (compile, materialise, quotes, SHACL, serialise), median of RUNS.
Prints a table and writes the "Build and serve (corpus scale)" section of
benchmarks/RESULTS.md (replacing an earlier one of its own, keeping the rest of the file,
including its hand-written notes) and benchmarks/last_build_run.json.

Every process it starts is stopped on exit, error or Ctrl-C (each runs in its own process
group, ended by that group's id). A full run took 23 minutes on 2 cores with 100 copies of
one document (the cold builds of (c) alone 15); `--quick` skips (c) (about 4 minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from api_throughput import code_state, cpu_model, free_port, replace_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_build_run.json"
SECTION = "# Build and serve (corpus scale)"
SECTION_END = "<!-- end of the build and serve section -->"
DUTYGRAPH = [sys.executable, "-m", "dutygraph"]

PACKAGED = (ROOT / "ontology" / "sources", ROOT / "ontology" / "annotations")
REGISTER = ROOT / "ontology" / "registry" / "agents.yaml"
PACKAGED_ID = "party-talent-work-opinion"  # the first document: (a), and the phases
SECOND_ID = "employment-promotion-opinion-2018"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"  # the venv's binary (dev extras)
CHANGE_LINE = "# benchmark\n"
START_TIMEOUT_S = 300
SETTLE_TIMEOUT_S = 90
PACKAGES = (
    "rdflib",
    "pyshacl",
    "pyoxigraph",
    "oxigraph",
    "pydantic",
    "networkx",
    "fastapi",
    "uvicorn",
    "httpx",
)


# --- processes -----------------------------------------------------------------------------

_started: list[subprocess.Popen] = []  # every process this run started, stopped in stop_all()


def start(argv: list[str], **kwargs) -> subprocess.Popen:
    # Own session and process group: a Ctrl-C in the terminal reaches this script only, and
    # stop() ends the process and its children (build workers, SPARQL workers) by that id.
    process = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True, **kwargs)
    _started.append(process)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.returncode is not None or process.poll() is not None:
        return  # ended by itself (and reaped): its group went with it
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    # whatever of its group is left (a worker that outlived its parent), by the group's id
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process.returncode is None:
        with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
            process.wait(timeout=10)


def stop_all() -> None:
    for process in _started:
        try:
            stop(process)
        except Exception as error:  # keep stopping the others
            print(f"could not stop process {process.pid}: {error}", file=sys.stderr)


def children(pid: int) -> list[int]:
    """Every descendant of `pid`, through /proc/PID/task/TID/children."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        for child in text.split():
            found.append(int(child))
            found.extend(children(int(child)))
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(pid: int) -> tuple[int, int]:
    """RSS of `pid` plus all its descendants, and how many descendants there are."""
    kids = children(pid)
    return rss_kib(pid) + sum(rss_kib(kid) for kid in kids), len(kids)


# --- inputs --------------------------------------------------------------------------------


def packaged_documents(doc_ids: list[str], into: Path) -> tuple[Path, Path]:
    """The packaged documents `doc_ids` (meta, text, reading) copied into a fresh pair."""
    sources, annotations = into / "sources", into / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    src, ann = PACKAGED
    for doc_id in doc_ids:
        meta = src / f"{doc_id}.meta.yaml"
        shutil.copyfile(meta, sources / meta.name)
        text = src / f"{doc_id}.txt"
        shutil.copyfile(text, sources / text.name)
        shutil.copyfile(ann / f"{doc_id}.yaml", annotations / f"{doc_id}.yaml")
    return sources, annotations


def synthetic_corpus(size: int, into: Path) -> tuple[Path, Path]:
    """`size` documents, copies of the two packaged ones in turn, each under its own id (a
    slug, as ontology/annotations.py requires), its meta pointing at its own copy of the text."""
    sources, annotations = into / "sources", into / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    src, ann = PACKAGED
    originals = [
        (
            doc_id,
            (src / f"{doc_id}.txt").read_bytes(),
            (src / f"{doc_id}.meta.yaml").read_text(encoding="utf-8"),
            (ann / f"{doc_id}.yaml").read_text(encoding="utf-8"),
        )
        for doc_id in (PACKAGED_ID, SECOND_ID)
    ]
    for i in range(1, size + 1):
        original, text, meta, reading = originals[(i - 1) % len(originals)]
        doc = f"bench-{i:03d}-{original}"
        (sources / f"{doc}.txt").write_bytes(text)
        m = re.sub(r"^id: .*$", f"id: {doc}", meta, count=1, flags=re.M)
        m = re.sub(r"^file: .*$", f"file: {doc}.txt", m, count=1, flags=re.M)
        (sources / f"{doc}.meta.yaml").write_text(m, encoding="utf-8")
        r, n = re.subn(r"^document: .*$", f"document: {doc}", reading, count=1, flags=re.M)
        if n != 1:
            raise RuntimeError(f"the reading of {original} has no `document:` line to change")
        (annotations / f"{doc}.yaml").write_text(r, encoding="utf-8")
    return sources, annotations


@dataclass
class Dataset:
    key: str
    label: str
    sources: Path
    annotations: Path
    documents: int
    one_run_if_slow: bool = False
    remote: bool = False  # also push it to an Oxigraph server and serve from there


# --- one build -----------------------------------------------------------------------------

PLANNED = re.compile(r"^(\d+) document\(s\), (\d+) to build$")
BUILT = re.compile(r"^built (\S+) \((\d+) triples, ([\d.]+) s\)$")
DONE = re.compile(r"^(?:\d+ (?:built|reused|failed)(?:, )?)+ in [\d.]+ s$")


@dataclass
class BuildRun:
    seconds: float
    maxrss_kib: int  # ru_maxrss of the build process and its waited-for children
    tree_peak_kib: int  # the peak of their RSS summed, sampled
    planned_s: float | None = None
    writing_s: float | None = None
    done_s: float | None = None
    doc_seconds: list[float] = field(default_factory=list)
    built: int = 0
    to_build: int | None = None
    up_to_date: bool = False

    def phases(self) -> dict[str, float | None]:
        """Start-up, documents, writing, closing summary (seconds, from the progress lines)."""
        end_docs = self.writing_s if self.writing_s is not None else self.done_s
        return {
            "startup": self.planned_s,
            "documents": end_docs - self.planned_s if end_docs is not None and self.planned_s else None,
            "writing": self.done_s - self.writing_s if self.writing_s is not None and self.done_s else None,
            "summary": self.seconds - self.done_s if self.done_s is not None else None,
        }


def run_build(sources: Path, annotations: Path, output: Path, jobs: int, log: Path) -> BuildRun:
    argv = [*DUTYGRAPH, "build", "--sources", str(sources), "--annotations", str(annotations)]
    argv += ["--register", str(REGISTER), "--output", str(output), "-j", str(jobs)]
    lines: list[tuple[float, str]] = []
    peak = [0]
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        started = time.perf_counter()
        process = start(argv, stdout=out, stderr=subprocess.PIPE)

        def read() -> None:
            for raw in process.stderr:
                lines.append((time.perf_counter() - started, raw.decode("utf-8", "replace").rstrip("\n")))

        def sample() -> None:
            while process.returncode is None:
                peak[0] = max(peak[0], tree_rss_kib(process.pid)[0])
                time.sleep(0.05)

        reader = threading.Thread(target=read, daemon=True)
        sampler = threading.Thread(target=sample, daemon=True)
        reader.start()
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        reader.join(timeout=10)
        sampler.join(timeout=5)
        out.write(("\n".join(f"[{t:7.2f}] {line}" for t, line in lines) + "\n").encode())
    if process.returncode != 0:
        tail = "\n".join(line for _, line in lines[-10:])
        raise RuntimeError(f"build failed ({process.returncode}), see {log}:\n{tail}")
    result = BuildRun(seconds, usage.ru_maxrss, peak[0])
    for t, line in lines:
        if m := PLANNED.match(line):
            result.planned_s, result.to_build = t, int(m.group(2))
        elif m := BUILT.match(line):
            result.doc_seconds.append(float(m.group(3)))
            result.built += 1
        elif line.startswith("writing "):
            result.writing_s = t
        elif DONE.match(line):
            result.done_s = t
        elif "is up to date" in line:
            result.up_to_date = True
    return result


# --- one server ----------------------------------------------------------------------------


def serve_once(source: list[str], log: Path) -> dict:
    """Start `dutygraph serve SOURCE` (`--data DIR` or `--store URL`), time it until /healthz
    answers 200, read its RSS."""
    port = free_port()
    argv = [*DUTYGRAPH, "serve", *source, "--port", str(port)]
    with open(log, "ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        started = time.perf_counter()
        process = start(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            ready = None
            while time.perf_counter() - started < START_TIMEOUT_S:
                if process.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        if r.status == 200:
                            ready = time.perf_counter() - started
                            body = json.loads(r.read())
                            break
                except (OSError, urllib.error.URLError, ValueError):
                    pass
                time.sleep(0.01)
            if ready is None:
                out.flush()
                tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
                why = f"exited with {process.returncode}" if process.returncode is not None else "not ready"
                return {"ok": False, "error": f"{why}: {tail[0] if tail else ''}"[:300]}
            at_ready, kids_at_ready = tree_rss_kib(process.pid)
            # the SPARQL workers start on the first /sparql query and load the graph in the
            # background: ask one, then wait until the tree's RSS stops growing
            query = urllib.parse.quote("ASK { ?s ?p ?o }")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/sparql?query={query}", timeout=120
                ) as r:
                    first_query = {"status": r.status, "seconds": time.perf_counter() - started - ready}
            except (OSError, urllib.error.URLError) as error:
                first_query = {"status": getattr(error, "code", None), "error": str(error)[:200]}
            settled, kids, last, stable_since = at_ready, kids_at_ready, at_ready, time.perf_counter()
            while time.perf_counter() - stable_since < 3 and time.perf_counter() - started < SETTLE_TIMEOUT_S:
                time.sleep(0.25)
                settled, kids = tree_rss_kib(process.pid)
                if process.poll() is not None:
                    return {"ok": False, "error": f"exited with {process.returncode} after it was ready"}
                if abs(settled - last) > 2048:
                    last, stable_since = settled, time.perf_counter()
            return {
                "ok": True,
                "ready_s": ready,
                "rss_ready_kib": at_ready,
                "rss_settled_kib": settled,
                "children": kids,
                "first_query": first_query,
                "triples": body.get("triples"),
                "documents": len(body.get("documents", [])),
            }
        finally:
            stop(process)


# --- phases of one document ----------------------------------------------------------------

PHASES_CODE = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from dutygraph.ontology.annotations import load_register
from dutygraph.ontology.build import (BuildInputs, DocumentInputs, SharedGraphs, SharedInputs, register_slugs,
    compile_document)
from dutygraph.ontology.checks import quote_problems, validate_graph
from dutygraph.ontology.closure import materialise
from dutygraph.ontology.namespaces import Namespaces
from dutygraph.ontology.rdf_files import canonical_turtle, nquad_lines
from rdflib import Graph
out = {"import": time.perf_counter() - t0}
sources, annotations, doc_id, runs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
inputs = BuildInputs(sources=sources, annotations=annotations, register=Path(sys.argv[5]))
ns = Namespaces()
t = time.perf_counter(); shared = SharedGraphs.parse(SharedInputs.read(inputs, ns))
out["shared inputs"] = time.perf_counter() - t
register = load_register(inputs.register)
rows = []
for _ in range(runs):
    row = {}
    t = time.perf_counter(); DocumentInputs.read(doc_id, inputs)
    graph, text = compile_document(doc_id, inputs, ns, register)
    row["compile"] = time.perf_counter() - t
    t = time.perf_counter(); materialise(graph, shared.ontology); row["materialise"] = time.perf_counter() - t
    union = Graph(); union += shared.ontology; union += graph
    union += shared.register_graph(register_slugs(graph, ns))
    t = time.perf_counter(); problems = quote_problems(union, ns); row["quotes"] = time.perf_counter() - t
    t = time.perf_counter(); report = validate_graph(union, shared.shapes)
    row["SHACL"] = time.perf_counter() - t
    assert not problems and not report, (problems, report)
    t = time.perf_counter(); canonical_turtle(graph, ns); nquad_lines(ns.id[f"document/{doc_id}"], graph)
    row["serialise"] = time.perf_counter() - t
    rows.append(row)
out["runs"] = rows
print(json.dumps(out))
"""


def document_phases(sources: Path, annotations: Path, runs: int) -> dict:
    argv = [sys.executable, "-c", PHASES_CODE, str(sources), str(annotations), PACKAGED_ID, str(runs)]
    argv.append(str(REGISTER))
    process = start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"phases failed: {err.decode()[-2000:]}")
    data = json.loads(out)
    data["median"] = {k: statistics.median(r[k] for r in data["runs"]) for k in data["runs"][0]}
    return data


# --- the run -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def summarise(runs: list[BuildRun]) -> dict:
    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    phases = [r.phases() for r in runs]
    return {
        "seconds": median([r.seconds for r in runs]),
        "runs": [round(r.seconds, 2) for r in runs],
        "maxrss_kib": max(r.maxrss_kib for r in runs),
        "tree_peak_kib": max(r.tree_peak_kib for r in runs),
        "phases": {k: med([p[k] for p in phases]) for k in phases[0]},
        "doc_seconds_median": med([med(r.doc_seconds) for r in runs if r.doc_seconds]),
        "doc_seconds_sum": med([sum(r.doc_seconds) for r in runs if r.doc_seconds]),
        "built": [r.built for r in runs],
        "up_to_date": all(r.up_to_date for r in runs),
    }


def measure_dataset(ds: Dataset, workdir: Path, runs: int) -> dict:
    log = workdir / f"{ds.key}.log"
    result: dict = {"label": ds.label, "documents": ds.documents}
    outputs: dict[int, Path] = {}
    for jobs in (1, 2):
        cold: list[BuildRun] = []
        wanted = runs
        i = 0
        while i < wanted:
            out = workdir / f"{ds.key}-j{jobs}-{i}"
            cold.append(run_build(ds.sources, ds.annotations, out, jobs, log))
            print(f"  [{ds.key}] cold -j {jobs} run {i + 1}: {cold[-1].seconds:.1f} s", flush=True)
            if ds.one_run_if_slow and i == 0 and cold[0].seconds > 60:
                wanted = runs = 1  # and one run of everything below
                result["one_run"] = True
            if i > 0 or jobs == 1:
                shutil.rmtree(out)  # keep one -j 2 folder for the runs below and for serving
            else:
                outputs[jobs] = out
            i += 1
        result[f"cold_j{jobs}"] = summarise(cold)
    result["speedup"] = result["cold_j1"]["seconds"] / result["cold_j2"]["seconds"]
    folder = outputs[2]
    cold_default = result["cold_j2"]["seconds"]  # the default -j is one per core: 2 here

    unchanged = []
    for i in range(runs):
        unchanged.append(run_build(ds.sources, ds.annotations, folder, 2, log))
        print(f"  [{ds.key}] nothing changed run {i + 1}: {unchanged[-1].seconds:.1f} s", flush=True)
    result["unchanged"] = summarise(unchanged)
    result["unchanged"]["ratio"] = result["unchanged"]["seconds"] / cold_default

    reading = sorted(ds.annotations.glob("*.yaml"))[0]
    original = reading.read_bytes()
    changed = []
    try:
        for i in range(runs):
            reading.write_bytes(
                original + (b"" if original.endswith(b"\n") else b"\n") + CHANGE_LINE.encode()
            )
            changed.append(run_build(ds.sources, ds.annotations, folder, 2, log))
            print(f"  [{ds.key}] one reading changed run {i + 1}: {changed[-1].seconds:.1f} s", flush=True)
            reading.write_bytes(original)
            run_build(ds.sources, ds.annotations, folder, 2, log)  # untimed: the folder as before
    finally:
        reading.write_bytes(original)
    result["one_changed"] = summarise(changed)
    result["one_changed"]["ratio"] = result["one_changed"]["seconds"] / cold_default
    result["one_changed"]["reading"] = reading.name

    serves = []
    for i in range(runs):
        serves.append(serve_once(["--data", str(folder)], workdir / f"{ds.key}-serve.log"))
        s = serves[-1]
        what = f"ready in {s['ready_s']:.2f} s" if s["ok"] else f"FAILED: {s['error']}"
        print(f"  [{ds.key}] serve run {i + 1}: {what}", flush=True)
        if not s["ok"]:
            break  # a failure is recorded once, not three times
    result["serve"] = summarise_serves(serves)
    if ds.remote:
        remote = []
        for i in range(runs):
            remote.append(remote_once(folder, workdir, ds.key))
            r = remote[-1]
            if not r["ok"]:
                print(f"  [{ds.key}] remote run {i + 1}: FAILED: {r['error']}", flush=True)
                break
            s = r["serve"]
            what = f"ready in {s['ready_s']:.2f} s" if s["ok"] else f"FAILED: {s['error']}"
            print(
                f"  [{ds.key}] remote run {i + 1}: push {r['push_s']:.1f} s, serve --store {what}", flush=True
            )
        result["remote"] = summarise_remote(remote)
    result["dataset_nq_mb"] = (folder / "dataset.nq").stat().st_size / 1e6
    shutil.rmtree(folder)
    return result


def summarise_serves(serves: list[dict]) -> dict:
    ok = [s for s in serves if s["ok"]]
    return {
        "ok": bool(serves) and len(ok) == len(serves),
        "error": next((s["error"] for s in serves if not s["ok"]), None),
        "runs": serves,
        "ready_s": median([s["ready_s"] for s in ok]) if ok else None,
        "rss_ready_kib": median([s["rss_ready_kib"] for s in ok]) if ok else None,
        "rss_settled_kib": median([s["rss_settled_kib"] for s in ok]) if ok else None,
        "children": ok[-1]["children"] if ok else None,
        "triples": ok[-1]["triples"] if ok else None,
    }


# --- the remote store ----------------------------------------------------------------------


def wait_for_oxigraph(base: str, process: subprocess.Popen, timeout: float = 30) -> bool:
    query = urllib.parse.quote("ASK {}")
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/query?query={query}", timeout=2) as r:
                if r.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    return False


def remote_once(folder: Path, workdir: Path, key: str) -> dict:
    """A fresh in-memory Oxigraph server; time `dutygraph push` of FOLDER into it, then
    `dutygraph serve --store` from it (as serve_once); the Oxigraph server stopped after."""
    if not OXIGRAPH.is_file():
        return {"ok": False, "error": f"no {OXIGRAPH} (pip install oxigraph, in the dev extras)"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / f"{key}-remote.log"
    with open(log, "ab") as out:
        argv = [str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"]
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        store = start(argv, stdout=out, stderr=subprocess.STDOUT)
        try:
            if not wait_for_oxigraph(base, store):
                return {"ok": False, "error": f"oxigraph serve not answering (exit {store.returncode})"}
            store_empty = rss_kib(store.pid)
            push_argv = [*DUTYGRAPH, "push", "--data", str(folder), "--to", base]
            out.write(f"$ {' '.join(push_argv)}\n".encode())
            out.flush()
            started = time.perf_counter()
            push = start(push_argv, stdout=out, stderr=subprocess.PIPE)
            _, err = push.communicate(timeout=1800)
            push_s = time.perf_counter() - started
            told = err.decode("utf-8", "replace").strip().splitlines()
            out.write(err)
            if push.returncode != 0:
                return {"ok": False, "error": f"push exited with {push.returncode}: {told[-1:] or ''}"[:300]}
            store_pushed = rss_kib(store.pid)
            serve = serve_once(["--store", base], workdir / f"{key}-serve-store.log")
            return {
                "ok": True,
                "push_s": push_s,
                "push_said": told[-1] if told else "",
                "store_rss_empty_kib": store_empty,
                "store_rss_pushed_kib": store_pushed,
                "store_rss_served_kib": rss_kib(store.pid),
                "serve": serve,
            }
        finally:
            stop(store)


def summarise_remote(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["ok"]]
    return {
        "ok": bool(runs) and len(ok) == len(runs),
        "error": next((r["error"] for r in runs if not r["ok"]), None),
        "push_s": median([r["push_s"] for r in ok]) if ok else None,
        "push_runs": [round(r["push_s"], 2) for r in ok],
        "push_said": ok[-1]["push_said"] if ok else None,
        "store_rss_pushed_kib": median([r["store_rss_pushed_kib"] for r in ok]) if ok else None,
        "store_rss_served_kib": median([r["store_rss_served_kib"] for r in ok]) if ok else None,
        "serve": summarise_serves([r["serve"] for r in ok]),
    }


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": sys.version.split()[0],
        "platform": os.uname().release,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "loadavg_at_start": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "packages": versions,
        "code": code_state(),
    }


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/build_and_serve.py", *sys.argv[1:]]),
        "machine": machine(),
        "settings": {"runs": args.runs, "corpus_size": None if args.quick else args.corpus_size},
        "results": {},
    }
    with tempfile.TemporaryDirectory(prefix="dutygraph-build-bench-") as tmp:
        workdir = Path(tmp)
        try:
            a = packaged_documents([PACKAGED_ID], workdir / "in-a")
            b = packaged_documents([PACKAGED_ID, SECOND_ID], workdir / "in-b")
            sets = [
                Dataset("a", "(a) first document", *a, 1),
                Dataset("b", "(b) both packaged documents", *b, 2, remote=True),
            ]
            if not args.quick:
                c = synthetic_corpus(args.corpus_size, workdir / "in-c")
                label = f"(c) {args.corpus_size} copies of the two"
                sets.append(Dataset("c", label, *c, args.corpus_size, one_run_if_slow=True, remote=True))
            print("phases of one document's build (in one process) …", flush=True)
            info["phases"] = document_phases(sets[0].sources, sets[0].annotations, args.runs)
            for ds in sets:
                print(f"\n{ds.label}: {ds.documents} document(s)", flush=True)
                info["results"][ds.key] = measure_dataset(ds, workdir, args.runs)
                LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        finally:
            stop_all()
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    return info


# --- report --------------------------------------------------------------------------------


def _s(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _mb(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.0f}"


def table(info: dict) -> str:
    lines = [
        "| input | docs | cold -j 1 s | cold -j 2 s | speed-up | nothing changed s (× cold) "
        "| one reading changed s (× cold) | peak RSS -j 1 / -j 2 MB (largest process) "
        "| peak RSS -j 2 MB (tree, sampled) | serve ready s | server RSS at ready / settled MB (processes) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in info["results"].values():
        j1, j2, u, c, s = r["cold_j1"], r["cold_j2"], r["unchanged"], r["one_changed"], r["serve"]
        runs1 = " / ".join(f"{x:.1f}" for x in j1["runs"])
        runs2 = " / ".join(f"{x:.1f}" for x in j2["runs"])
        if s["ok"]:
            serve = f"{s['ready_s']:.2f}"
            rss = f"{_mb(s['rss_ready_kib'])} / {_mb(s['rss_settled_kib'])} ({1 + s['children']})"
        else:
            serve, rss = f"**failed**: {s['error']}", "–"
        lines.append(
            f"| {r['label']} | {r['documents']} | {j1['seconds']:.1f} ({runs1}) "
            f"| {j2['seconds']:.1f} ({runs2}) "
            f"| **{r['speedup']:.2f}×** | {u['seconds']:.2f} ({u['ratio']:.2f}×) "
            f"| {c['seconds']:.2f} ({c['ratio']:.2f}×) | {_mb(j1['maxrss_kib'])} / {_mb(j2['maxrss_kib'])} "
            f"| {_mb(j2['tree_peak_kib'])} | {serve} | {rss} |"
        )
    return "\n".join(lines)


def phase_table(info: dict) -> str:
    lines = [
        "| input | run | total s | start-up s | documents s | per document s (median) "
        "| writing s | summary s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in info["results"].values():
        for key, name in (
            ("cold_j1", "cold -j 1"),
            ("cold_j2", "cold -j 2"),
            ("unchanged", "nothing changed"),
            ("one_changed", "one changed"),
        ):
            x, p = r[key], r[key]["phases"]
            lines.append(
                f"| {r['label']} | {name} | {_s(x['seconds'])} | {_s(p['startup'])} | {_s(p['documents'])} "
                f"| {_s(x['doc_seconds_median'], 1)} | {_s(p['writing'])} | {_s(p['summary'])} |"
            )
    return "\n".join(lines)


def remote_table(info: dict) -> str:
    """The remote store beside the embedded one, for the inputs that were pushed."""
    lines = [
        "| input | push s (runs) | Oxigraph RSS after push MB | `serve --store` ready s (runs) "
        "| × `serve --data` ready | `serve --store` RSS at ready / settled MB (processes) "
        "| `serve --data` ready s | `serve --data` RSS at ready / settled MB (processes) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in info["results"].values():
        if "remote" not in r:
            continue
        x, s, e = r["remote"], r["remote"]["serve"], r["serve"]
        embedded_rss = (
            f"{_mb(e['rss_ready_kib'])} / {_mb(e['rss_settled_kib'])} ({1 + e['children']})"
            if e["ok"]
            else "–"
        )
        embedded = f"{e['ready_s']:.2f}" if e["ok"] else "failed"
        if not x["ok"] and x["push_s"] is None:
            failed = f"**failed**: {x['error']}"
            lines.append(f"| {r['label']} | {failed} | – | – | – | – | {embedded} | {embedded_rss} |")
            continue
        pushes = " / ".join(f"{v:.1f}" for v in x["push_runs"])
        if s["ok"]:
            readies = " / ".join(f"{v['ready_s']:.2f}" for v in s["runs"])
            ready = f"{s['ready_s']:.2f} ({readies})"
            ratio = f"**{s['ready_s'] / e['ready_s']:.2f}×**" if e["ok"] else "–"
            rss = f"{_mb(s['rss_ready_kib'])} / {_mb(s['rss_settled_kib'])} ({1 + s['children']})"
        else:
            ready, ratio, rss = f"**failed**: {s['error']}", "–", "–"
        lines.append(
            f"| {r['label']} | {x['push_s']:.1f} ({pushes}) | {_mb(x['store_rss_pushed_kib'])} | {ready} "
            f"| {ratio} | {rss} | {embedded} | {embedded_rss} |"
        )
    return "\n".join(lines)


def markdown(info: dict) -> str:
    m = info["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    ph = info["phases"]
    med = ph["median"]
    total = sum(med.values())
    phases = ", ".join(f"{k} {v:.2f} s ({v / total:.0%})" for k, v in med.items())
    remote = remote_table(info) if any("remote" in r for r in info["results"].values()) else None
    push_said = [
        f"{r['label']}: `{r['remote']['push_said']}`"
        for r in info["results"].values()
        if r.get("remote", {}).get("push_said")
    ]
    sizes = ", ".join(
        f"{r['label']}: {r['serve']['triples'] or '?'} triples, dataset.nq {r['dataset_nq_mb']:.0f} MB"
        for r in info["results"].values()
    )
    runs = info["settings"]["runs"]
    queried = any("first_query" in s for r in info["results"].values() for s in r["serve"]["runs"])
    return "\n".join(
        [
            SECTION,
            "",
            "Written by `benchmarks/build_and_serve.py`; rerun it to refresh this section.",
            "",
            f"- date: {info['date']}",
            f"- command: `.venv/bin/python {info['command']}` (took {info['elapsed_s']} s)",
            f"- machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Linux {m['platform']}, "
            f"Python {m['python']}; load average at start {m['loadavg_at_start']}",
            f"- code: {m['code']}",
            f"- versions: {packages}",
            "- inputs, each copied into a temporary sources/annotations pair, built with the packaged "
            "register (`ontology/registry/agents.yaml`): (a) the first document alone "
            f"(`{PACKAGED_ID}`); (b) the two packaged documents (+ `{SECOND_ID}`); (c) copies of the "
            "two in turn, half of each, each under its own id (`bench-NNN-{original}`: the .txt "
            "copied, a .meta.yaml with that id and the same sha256, the reading's `document:` "
            "changed). Everything a document says is under `id/document/{doc}/…`, so each copy is a "
            "distinct document (its own duties, mentions, quotes) naming the register's bodies and "
            "posts; the build accepts them as they are (it refuses a resource described by two "
            "documents). Copies of both rather than of the first alone: the corpus then has "
            "documents of two sizes, naming two different sets of bodies",
            f"- sizes: {sizes}",
            "- every build is a fresh `python -m dutygraph build --sources … --annotations … "
            f"--output DIR -j N` process; cold = into a fresh folder, median of {runs} "
            "(one run of everything for (c) when its "
            "first cold build took over a minute); nothing changed = the same command again on the "
            "-j 2 folder; "
            "one reading changed = `# benchmark` appended to the first reading (restored, and the folder "
            f"rebuilt untimed, between runs); both median of {runs} with the default -j (one per core = "
            "2), as a ratio to the cold -j 2 build",
            "- peak RSS: largest process = `ru_maxrss` from `os.wait4` on the build process (the same "
            "as `getrusage(RUSAGE_CHILDREN)` after a fresh subprocess: the largest single process of "
            "its tree, not their sum); tree = the build and its worker processes' RSS summed, "
            "sampled every 50 ms",
            "- serve: `python -m dutygraph serve --data DIR --port P` on 127.0.0.1, process start → "
            f"`GET /healthz` 200, median of {runs}; RSS = VmRSS of the server plus its children (the "
            "SPARQL workers, from /proc/PID/task/PID/children) at ready, and settled = "
            + (
                "after one `/sparql` query (the workers start on the first), once the sum stopped "
                "growing for 3 s"
                if queried
                else "once the sum stopped growing for 3 s, with no query asked (so no SPARQL "
                "worker had started: they start on the first `/sparql` query)"
            ),
            "",
            table(info),
            "",
            "Cold times: the median, each run in brackets. Where a build's time goes, from the "
            "timestamps of its progress lines (medians): start-up = process start → the plan line "
            "(imports, reading inputs, checking the cache); documents = → the `writing` line (the "
            "ontology and every document: compile, materialise, quotes, SHACL, serialise); writing = → "
            "the closing line; summary = → exit (the CLI prints its counts from `manifest.json`).",
            "",
            phase_table(info),
            "",
            f"One document's build, in one process (the packaged document, median of {runs}): {phases}; "
            f"before it, imports {ph['import']:.2f} s and parsing the ontology + shapes "
            f"{ph['shared inputs']:.2f} s.",
            "",
            *(
                [
                    "The remote store, for (b) and (c): per run a fresh in-memory `oxigraph serve "
                    "--bind 127.0.0.1:P` (the venv's binary), `python -m dutygraph push --data DIR "
                    "--to URL` timed from process start to exit (median, runs in brackets), the "
                    "Oxigraph server's VmRSS after it, then `python -m dutygraph serve --store URL "
                    "--port P`: start → `GET /healthz` 200 and RSS as above (after one `/sparql` "
                    "query, which the store evaluates). Beside it, the embedded figures of the same "
                    "run from the first table; × = the ratio of the two readiness medians.",
                    "",
                    remote,
                    "",
                    *(["What push said (the last run):", ""] if push_said else []),
                    *[f"- {line}" for line in push_said],
                    *([""] if push_said else []),
                ]
                if remote
                else []
            ),
            SECTION_END,
        ]
    )


def write_results(info: dict) -> None:
    replace_section(RESULTS, SECTION, SECTION_END, markdown(info) + "\n")
    LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip (c), the synthetic corpus")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default: %(default)s)")
    parser.add_argument(
        "--corpus-size", type=int, default=100, help="documents of (c) (default: %(default)s)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    parser.add_argument(
        "--from-json",
        type=Path,
        help="measure nothing: report the results of an earlier run (last_build_run.json)",
    )
    args = parser.parse_args()
    if not 1 <= args.runs <= 5 or not 1 <= args.corpus_size <= 500:
        parser.error("--runs must be 1..5 and --corpus-size 1..500 (the run must stay within minutes)")
    # SIGTERM ends the run like Ctrl-C does, through the finally that stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        info = json.loads(args.from_json.read_text(encoding="utf-8")) if args.from_json else run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; every process it started was stopped", file=sys.stderr)
        return 130
    print()
    print(markdown(info))
    if not args.no_write:
        write_results(info)
        print(f"\nwritten: {RESULTS.relative_to(ROOT)}, {LAST_RUN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
