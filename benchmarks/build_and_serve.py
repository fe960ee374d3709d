"""Build and serve at corpus scale: one document, two, and a synthetic corpus of 100.

    .venv/bin/python benchmarks/build_and_serve.py [--quick] [--runs 3] [--corpus-size 100]

For three inputs, each copied into its own temporary sources/annotations pair:
  (a) the packaged document (ontology/sources + ontology/annotations);
  (b) the packaged document and the one in ontology/curating/, together;
  (c) a synthetic corpus: CORPUS_SIZE copies of the packaged document, each under its own id
      (`bench-copy-001`, …: the .txt copied, a .meta.yaml with that id and the same sha256,
      the reading with its `document:` changed). The copies define the same body and duty
      resources, which the build accepts with a printed note: fine for timing, not a corpus
      anyone would serve.
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
    them), writing the folder, and the CLI's closing summary (it loads the built graph to
    print its counts);
  - the build's peak memory: ru_maxrss from os.wait4 on the build process (the largest
    single process of its tree, as getrusage(RUSAGE_CHILDREN) after a fresh subprocess),
    and the peak of the whole tree's RSS summed, sampled every 50 ms;
  - `dutygraph serve --data DIR --port P` on 127.0.0.1 for each built folder: process start
    → GET /healthz 200 (median of RUNS), and the server's RSS with its children (the SPARQL
    workers, found through /proc/PID/task/PID/children) at ready and, after one /sparql query
    (the workers start on the first), once the sum stops growing;
    a server that fails to start is recorded as failed, with its last log line;
  - for the packaged document, in one process, the phases of one document's build
    (compile, materialise, quotes, SHACL, serialise), median of RUNS.
Prints a table and writes the "Build and serve (corpus scale)" section of
benchmarks/RESULTS.md (replacing an earlier one of its own, keeping the rest of the file,
including its hand-written notes) and benchmarks/last_build_run.json.

Every process it starts is stopped on exit, error or Ctrl-C (each runs in its own process
group, ended by that group's id). A full run took 23 minutes on 2 cores (the cold builds
of (c) alone 15); `--quick` skips (c) (about 4 minutes).
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
CURATING = (ROOT / "ontology" / "curating" / "sources", ROOT / "ontology" / "curating" / "annotations")
PACKAGED_ID = "party-talent-work-opinion"
CHANGE_LINE = "# benchmark\n"
START_TIMEOUT_S = 300
SETTLE_TIMEOUT_S = 90
PACKAGES = ("rdflib", "pyshacl", "pyoxigraph", "pydantic", "networkx", "fastapi", "uvicorn")


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


def copy_pair(pairs: list[tuple[Path, Path]], into: Path) -> tuple[Path, Path]:
    sources, annotations = into / "sources", into / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    for src, ann in pairs:
        for path in src.iterdir():
            if path.name.endswith((".meta.yaml", ".txt")):
                shutil.copyfile(path, sources / path.name)
        for path in ann.glob("*.yaml"):
            shutil.copyfile(path, annotations / path.name)
    return sources, annotations


def synthetic_corpus(size: int, into: Path) -> tuple[Path, Path]:
    """`size` copies of the packaged document, each under its own id (a slug, as
    ontology/annotations.py requires), its meta pointing at its own copy of the text."""
    sources, annotations = into / "sources", into / "annotations"
    sources.mkdir(parents=True)
    annotations.mkdir()
    src, ann = PACKAGED
    text = (src / f"{PACKAGED_ID}.txt").read_bytes()
    meta = (src / f"{PACKAGED_ID}.meta.yaml").read_text(encoding="utf-8")
    reading = (ann / f"{PACKAGED_ID}.yaml").read_text(encoding="utf-8")
    for i in range(1, size + 1):
        doc = f"bench-copy-{i:03d}"
        (sources / f"{doc}.txt").write_bytes(text)
        m = re.sub(r"^id: .*$", f"id: {doc}", meta, count=1, flags=re.M)
        m = re.sub(r"^file: .*$", f"file: {doc}.txt", m, count=1, flags=re.M)
        (sources / f"{doc}.meta.yaml").write_text(m, encoding="utf-8")
        r, n = re.subn(r"^document: .*$", f"document: {doc}", reading, count=1, flags=re.M)
        if n != 1:
            raise RuntimeError("the packaged reading has no `document:` line to change")
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
    note_defined_twice: str | None = None
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
    argv += ["--output", str(output), "-j", str(jobs)]
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
        elif "defined by more than one document" in line:
            result.note_defined_twice = line
        elif "is up to date" in line:
            result.up_to_date = True
    return result


# --- one server ----------------------------------------------------------------------------


def serve_once(data: Path, log: Path) -> dict:
    """Start `dutygraph serve --data DATA`, time it until /healthz answers 200, read its RSS."""
    port = free_port()
    argv = [*DUTYGRAPH, "serve", "--data", str(data), "--port", str(port)]
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
from dutygraph.ontology.build import (BuildInputs, DocumentInputs, SharedGraphs, SharedInputs,
    compile_document)
from dutygraph.ontology.checks import quote_problems, validate_graph
from dutygraph.ontology.closure import materialise
from dutygraph.ontology.namespaces import Namespaces
from dutygraph.ontology.rdf_files import canonical_turtle, nquad_lines
from rdflib import Graph
out = {"import": time.perf_counter() - t0}
sources, annotations, doc_id, runs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
inputs, ns = BuildInputs(sources=sources, annotations=annotations), Namespaces()
t = time.perf_counter(); shared = SharedGraphs.parse(SharedInputs.read(inputs, ns))
out["shared inputs"] = time.perf_counter() - t
rows = []
for _ in range(runs):
    row = {}
    t = time.perf_counter(); DocumentInputs.read(doc_id, inputs)
    graph, text = compile_document(doc_id, inputs, ns)
    row["compile"] = time.perf_counter() - t
    t = time.perf_counter(); materialise(graph, shared.ontology); row["materialise"] = time.perf_counter() - t
    union = Graph(); union += shared.ontology; union += graph
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
        "note_defined_twice": next((r.note_defined_twice for r in runs if r.note_defined_twice), None),
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
        serves.append(serve_once(folder, workdir / f"{ds.key}-serve.log"))
        s = serves[-1]
        what = f"ready in {s['ready_s']:.2f} s" if s["ok"] else f"FAILED: {s['error']}"
        print(f"  [{ds.key}] serve run {i + 1}: {what}", flush=True)
        if not s["ok"]:
            break  # a failure is recorded once, not three times
    ok = [s for s in serves if s["ok"]]
    result["serve"] = {
        "ok": len(ok) == len(serves),
        "error": next((s["error"] for s in serves if not s["ok"]), None),
        "runs": serves,
        "ready_s": median([s["ready_s"] for s in ok]) if ok else None,
        "rss_ready_kib": median([s["rss_ready_kib"] for s in ok]) if ok else None,
        "rss_settled_kib": median([s["rss_settled_kib"] for s in ok]) if ok else None,
        "children": ok[-1]["children"] if ok else None,
        "triples": ok[-1]["triples"] if ok else None,
    }
    result["dataset_nq_mb"] = (folder / "dataset.nq").stat().st_size / 1e6
    shutil.rmtree(folder)
    return result


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
            sets = [
                Dataset("a", "(a) packaged document", *copy_pair([PACKAGED], workdir / "in-a"), 1),
                Dataset(
                    "b", "(b) packaged + curating", *copy_pair([PACKAGED, CURATING], workdir / "in-b"), 2
                ),
            ]
            if not args.quick:
                c = synthetic_corpus(args.corpus_size, workdir / "in-c")
                sets.append(Dataset("c", f"(c) {args.corpus_size} copies", *c, args.corpus_size, True))
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


def _shorten(note: str) -> str:
    """The build's note with its list of documents cut to the first three."""
    return re.sub(r"\(((?:[^,()]+, ){3})[^()]*\)", lambda m: f"({m.group(1)}…)", note, count=1)


def markdown(info: dict) -> str:
    m = info["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    ph = info["phases"]
    med = ph["median"]
    total = sum(med.values())
    phases = ", ".join(f"{k} {v:.2f} s ({v / total:.0%})" for k, v in med.items())
    notes = [
        f"{r['label']}: `{_shorten(r['cold_j1']['note_defined_twice'])}`"
        for r in info["results"].values()
        if r["cold_j1"]["note_defined_twice"]
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
            "- inputs, each copied into a temporary sources/annotations pair: (a) the packaged document; "
            "(b) it and the one in `ontology/curating/`; (c) copies of the packaged document, each under "
            "its own id (`bench-copy-NNN`: the .txt copied, a .meta.yaml with that id and the same "
            "sha256, the reading's `document:` changed). The copies define the same body and duty "
            "resources; the build accepts that with a printed note, which is fine for timing but means "
            "(c) is no corpus anyone would serve: it measures size, not distinct knowledge",
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
            "the closing line; summary = → exit (the CLI loads the built graph to print its counts).",
            "",
            phase_table(info),
            "",
            f"One document's build, in one process (the packaged document, median of {runs}): {phases}; "
            f"before it, imports {ph['import']:.2f} s and parsing the ontology + shapes "
            f"{ph['shared inputs']:.2f} s.",
            "",
            *(["The build's note about resources defined twice, as printed:", ""] if notes else []),
            *[f"- {note}" for note in notes],
            *([""] if notes else []),
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
