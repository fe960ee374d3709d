"""Scale, measured (issue 12): build, readiness, memory and latency from one document to the
whole corpus and a synthetic corpus of copies, embedded and remote.

    .venv/bin/python benchmarks/scale.py [--sizes 1,10,100,all] [--reuse-all DIR]
        [--synthetic-triples 10000000] [--duration 10] [--workdir DIR] [--from-json FILE]

The corpora, each ingested from scratch into its own folder (`dutygraph ingest IN --output
DIR`, which builds the two packaged curated documents in with them):
  - N files for each number of --sizes: a nested, evenly spaced selection of the corpus's
    files (those `dutygraph ingest` takes from /work/shared/corpus, sorted by their path
    inside it): the largest size takes file floor((i + 0.5) * total / n) for i < n, each
    smaller size the same way from the next larger selection, so every corpus holds the
    smaller ones and regulations and opinions mix; the chosen files are copied into a temp
    input folder (same paths, so the same document ids as a whole-corpus ingest);
  - "all": the whole corpus folder, or the folder --reuse-all names (built before; its build
    is then reported as not measured in this run);
  - synthetic, when --synthetic-triples N > 0: copies of the corpus's files (copy c of a file
    is `copy-CC/<path>/cCC-<name>`, its text followed by c newlines, so that ingest, which
    skips a text it already holds by sha256, takes each copy as a new document), ingested into
    one folder in batches of at most SYNTHETIC_BATCH_FILES files until the folder passes N
    triples (each batch sized from the triples per byte of text seen so far); its build time
    is the sum of the batches.
For each corpus: the ingest's wall time and peak memory (the tree's RSS summed, sampled, and
the largest process), its triples (manifest.json), documents and provisions (/api/overview);
then `dutygraph serve --data DIR`: process start -> /healthz 200, RSS with its children (the
SPARQL workers) at ready and after the first /sparql query once it stops growing, and, with
wrk (16 connections, --latency, --duration s after a 2 s warm-up, once the server is idle
again), p50 / p99 / req/s of six
questions with the same URL every time: a body's duties, a search, a cross-document question
(the body's documents) and the three SPARQL queries of sparql_throughput.QUERIES; then those
three again with every query unique (sparql_throughput's Lua script). The first answer of
each question is timed alone before its load. The server is started a second time for its
readiness alone. Then the same against the remote store: a fresh in-memory `oxigraph serve`,
`dutygraph push --data DIR --to URL` (timed), `dutygraph serve --store URL`.
The body is the one charged in the most documents of the smallest corpus (/api/overview's
most charged, by documents, then provisions), the search word its Chinese label (or 应当 if
that finds nothing there); both are kept for the larger corpora, which hold the smaller.

Writes the "Scale (issue 12)" section of benchmarks/RESULTS.md (the rest of the file kept),
benchmarks/scale.png (matplotlib, a benchmark-only package) and benchmarks/last_scale_run.json
(after every corpus, so a run cut short keeps what it measured); `--from-json FILE` renders
them again without measuring. Every process it starts is stopped on exit, error or Ctrl-C; a
server that fails to start is recorded with its last log line. Needs wrk.

Time on 2 cores: sizes 1,10,100 with --duration 10 about 20 minutes; "all" adds the ingest
(about 11 minutes) and its servers (a few minutes each); 10M synthetic triples about three
copies of the corpus (about 35 minutes of ingest) and its servers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from api_throughput import CONNECTIONS, THREADS, WARMUP_S, free_port, replace_section
from build_and_serve import (
    DUTYGRAPH,
    OXIGRAPH,
    ROOT,
    machine,
    rss_kib,
    start,
    stop,
    stop_all,
    tree_rss_kib,
    wait_for_oxigraph,
)
from sparql_throughput import QUERIES, UNIQUE_LUA, WRK_TIMEOUT, fetch, path_for, wrk

from dutygraph.ingest.intake import collect
from ingest import run as run_measured
from ingest import summary as ingest_summary

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_scale_run.json"
PLOT = HERE / "scale.png"
SECTION = "# Scale (issue 12)"
SECTION_END = "<!-- end of the scale section -->"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
PACKAGED_MANIFEST = ROOT / "ontology" / "built" / "manifest.json"
FALLBACK_WORD = "应当"
SYNTHETIC_BATCH_FILES = 800  # about one corpus per ingest: its memory stays that of "all"
SYNTHETIC_MAX_BATCHES = 40
FIRST_BATCH_FILES = 50  # when no corpus was measured to estimate triples per byte from
SETTLE_S = 3.0  # RSS unchanged (within 2 MB) this long counts as settled
STORES = ("embedded", "remote")
REST = ("body's duties", "search", "cross-document")
SPARQL = tuple(f"SPARQL {name}" for name in QUERIES)
UNIQUE = tuple(f"{name}, unique" for name in SPARQL)
QUESTIONS = (*REST, *SPARQL, *UNIQUE)
TARGET_RATIO = 3.0  # issue 12: p99 at the whole corpus within 3x of one document's


# --- the corpora ---------------------------------------------------------------------------


@dataclass
class Corpus:
    key: str  # "1", "10", "all", "synthetic"
    label: str
    files: list[str] = field(default_factory=list)  # paths inside the corpus folder
    reuse: Path | None = None  # an already built folder ("all" with --reuse-all)


def corpus_origins(corpus: Path) -> list[str]:
    """The files `dutygraph ingest CORPUS` takes, by their path inside it, sorted."""
    return sorted(item.origin for item in collect([corpus]))


def evenly(items: list[str], n: int) -> list[str]:
    """n items spread over the list: item floor((i + 0.5) * len / n) for i < n."""
    return [items[math.floor((i + 0.5) * len(items) / n)] for i in range(n)]


def nested_selections(origins: list[str], sizes: list[int]) -> dict[int, list[str]]:
    """Each size's files: the largest evenly from the corpus, each smaller evenly from the next
    larger selection, so that a smaller corpus is always inside the larger ones."""
    chosen: dict[int, list[str]] = {}
    pool = origins
    for n in sorted(sizes, reverse=True):
        pool = chosen[n] = evenly(pool, n)
    return chosen


def copy_files(corpus: Path, files: list[str], into: Path) -> int:
    """Copy the files (same paths inside `into`); their bytes in all."""
    total = 0
    for origin in files:
        target = into / origin
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / origin, target)
        total += target.stat().st_size
    return total


def folder_counts(folder: Path) -> dict:
    """Triples (the named graphs' counts summed), documents and dataset.nq size, from the
    built folder's manifest.json."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {
        "triples": sum(manifest["graphs"].values()),
        "documents": len(manifest["documents"]),
        "dataset_nq_mb": round((folder / "dataset.nq").stat().st_size / 1e6, 1),
    }


def ingest_into(source: Path, output: Path) -> dict:
    """One measured `dutygraph ingest SOURCE --output OUTPUT` process."""
    done = run_measured([*DUTYGRAPH, "ingest", str(source), "--output", str(output)])
    return {
        "seconds": round(done.seconds, 2),
        "tree_peak_kib": done.tree_peak_kib,
        "maxrss_kib": done.maxrss_kib,
        "summary": ingest_summary(done),
        "failures": [line for _, line in done.stderr if line.startswith("failed ")],
    }


def build_selection(corpus: Path, c: Corpus, workdir: Path) -> tuple[Path, dict]:
    if c.reuse is not None:
        text_bytes = sum((corpus / f).stat().st_size for f in c.files)
        return c.reuse, {"measured": False, "folder": str(c.reuse), "text_bytes": text_bytes}
    output = workdir / f"data-{c.key}"
    if c.key == "all":
        source, text_bytes = corpus, sum((corpus / f).stat().st_size for f in c.files)
    else:
        source = workdir / f"in-{c.key}"
        text_bytes = copy_files(corpus, c.files, source)
    build = ingest_into(source, output)
    build.update(measured=True, text_bytes=text_bytes, batches=1)
    return output, build


def copies(origins: list[str]):
    """(copy number, file) for ever: copy 1 of every file, then copy 2 …"""
    c = 0
    while True:
        c += 1
        for origin in origins:
            yield c, origin


def write_copy(corpus: Path, c: int, origin: str, into: Path) -> int:
    path = Path(origin)
    target = into / f"copy-{c:02d}" / path.parent / f"c{c:02d}-{path.name}"
    target.parent.mkdir(parents=True, exist_ok=True)
    # c trailing newlines: the same text, but bytes ingest has not seen (it skips a known sha256)
    target.write_bytes((corpus / origin).read_bytes() + b"\n" * c)
    return target.stat().st_size


def build_synthetic(corpus: Path, origins: list[str], target: int, rate: float | None, workdir: Path):
    """Ingest batches of copies into one folder until it holds `target` triples."""
    output = workdir / "data-synthetic"
    base = sum(json.loads(PACKAGED_MANIFEST.read_text(encoding="utf-8"))["graphs"].values())
    stream = copies(origins)
    batches: list[dict] = []
    triples, text_bytes, files = 0, 0, 0
    while triples < target and len(batches) < SYNTHETIC_MAX_BATCHES:
        # the text still wanted, 10% over, at the triples per byte seen so far
        wanted = (target - max(triples, base)) / rate * 1.1 if rate else math.inf
        batch = workdir / f"in-synthetic-{len(batches) + 1}"
        size, count, last_copy = 0, 0, 0
        while size < wanted and count < (SYNTHETIC_BATCH_FILES if rate else FIRST_BATCH_FILES):
            last_copy, origin = next(stream)
            size += write_copy(corpus, last_copy, origin, batch)
            count += 1
        done = ingest_into(batch, output)
        shutil.rmtree(batch)
        text_bytes, files = text_bytes + size, files + count
        before, triples = triples, folder_counts(output)["triples"]
        done.update(files=count, text_bytes=size, triples_after=triples, copies_up_to=last_copy)
        batches.append(done)
        print(f"  [synthetic] batch {len(batches)}: {count} files, {triples} triples", flush=True)
        if triples <= before:
            raise RuntimeError(f"a batch of {count} copies added no triples: {done['summary']}")
        rate = (triples - base) / text_bytes
    said = [b["summary"] for b in batches]
    build = {
        "measured": True,
        "seconds": round(sum(b["seconds"] for b in batches), 2),
        "tree_peak_kib": max(b["tree_peak_kib"] for b in batches),
        "maxrss_kib": max(b["maxrss_kib"] for b in batches),
        "summary": {k: sum(s[k] for s in said) for k in ("ingested", "skipped", "failed")},
        "failures": [line for b in batches for line in b["failures"]],
        "text_bytes": text_bytes,
        "files": files,
        "copies": batches[-1]["copies_up_to"],
        "batches": len(batches),
        "batch_runs": batches,
        "target_triples": target,
    }
    return output, build


def triples_per_byte(results: dict) -> float | None:
    """Of the largest corpus measured (less the packaged build every corpus holds)."""
    base = sum(json.loads(PACKAGED_MANIFEST.read_text(encoding="utf-8"))["graphs"].values())
    built = [r for r in results.values() if r.get("counts") and r["build"].get("text_bytes")]
    if not built:
        return None
    largest = max(built, key=lambda r: r["counts"]["triples"])
    return max(largest["counts"]["triples"] - base, 1) / largest["build"]["text_bytes"]


# --- servers -------------------------------------------------------------------------------


@dataclass
class Settings:
    workdir: Path
    duration: int
    start_timeout: float
    serve_args: list[str]
    env: dict[str, str]
    script: Path
    body: str | None = None
    word: str | None = None
    chosen_how: str = ""


def log_tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if log.exists() else []
    return lines[-1][:300] if lines else ""


def wait_healthz(base: str, process: subprocess.Popen, began: float, timeout: float) -> float | None:
    """Seconds from `began` until GET /healthz answers 200; None if the process ends or the
    time runs out first."""
    while time.perf_counter() - began < timeout and process.poll() is None:
        try:
            if fetch(base + "/healthz", timeout=5)[0] == 200:
                return time.perf_counter() - began
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.02)
    return None


def settled_rss(pid: int, limit_s: float) -> tuple[int, int]:
    """The RSS of `pid` and its descendants once unchanged for SETTLE_S, and how many."""
    began = time.perf_counter()
    last, kids = tree_rss_kib(pid)
    steady_since = time.perf_counter()
    while time.perf_counter() - steady_since < SETTLE_S and time.perf_counter() - began < limit_s:
        time.sleep(0.25)
        now, kids = tree_rss_kib(pid)
        if abs(now - last) > 2048:
            last, steady_since = now, time.perf_counter()
    return last, kids


def start_serving(source: list[str], name: str, s: Settings) -> tuple[subprocess.Popen | None, str, dict]:
    """Start `dutygraph serve SOURCE`; time it to /healthz 200 and read its RSS at ready."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [*DUTYGRAPH, "serve", *source, "--port", str(port), *s.serve_args]
    log = s.workdir / f"{name}.log"
    with open(log, "ab") as out:
        out.write(f"$ {shlex.join(argv)}\n".encode())
        out.flush()
        began = time.perf_counter()
        process = start(argv, stdout=out, stderr=subprocess.STDOUT, env=s.env)
    ready = wait_healthz(base, process, began, s.start_timeout)
    if ready is None:
        why = f"exited with {process.returncode}" if process.poll() is not None else "not ready in time"
        stop(process)
        return None, base, {"ok": False, "error": f"{why}: {log_tail(log)}"}
    rss, kids = tree_rss_kib(process.pid)
    return (
        process,
        base,
        {"ok": True, "ready_s": round(ready, 3), "rss_ready_kib": rss, "children_ready": kids},
    )


def first_sparql(base: str, process: subprocess.Popen, s: Settings) -> dict:
    """One /sparql query (the workers start on the first), then the RSS once settled."""
    began = time.perf_counter()
    try:
        status, _ = fetch(base + path_for("ASK { ?s ?p ?o }"), timeout=s.start_timeout)
    except (OSError, urllib.error.URLError) as error:
        status = f"failed: {error}"[:200]
    seconds = time.perf_counter() - began
    rss, kids = settled_rss(process.pid, s.start_timeout)
    return {"status": status, "seconds": round(seconds, 3), "rss_settled_kib": rss, "children": kids}


def choose_question(base: str, s: Settings) -> None:
    """The body charged in the most documents of this (the smallest) corpus, and a word."""
    if s.body is None:
        overview = json.loads(fetch(base + "/api/overview?top=200")[1])
        ranked = sorted(overview["most_charged"], key=lambda b: (-b["documents"], -b["provisions"]))
        top = ranked[0]["actor"]
        s.body = top["id"]
        s.chosen_how = (
            f"`{s.body}` ({top['label_zh']}): of /api/overview's most charged bodies in the smallest "
            f"corpus, the one charged in the most documents ({ranked[0]['documents']}, "
            f"{ranked[0]['provisions']} provisions)"
        )
        if s.word is None:
            s.word = top["label_zh"]
    if s.word is None:
        s.word = FALLBACK_WORD
    query = urllib.parse.quote(s.word)
    hits = json.loads(fetch(f"{base}/api/search?q={query}&limit=1")[1]).get("total", 0)
    if not hits:
        s.chosen_how += f"; the search word {s.word} found nothing, so {FALLBACK_WORD}"
        s.word = FALLBACK_WORD


def question_paths(s: Settings) -> dict[str, str]:
    rest = {
        "body's duties": f"/api/bodies/{s.body}/duties",
        "search": "/api/search?q=" + urllib.parse.quote(s.word),
        "cross-document": f"/api/bodies/{s.body}/documents",
    }
    sparql = {f"SPARQL {name}": path_for(query) for name, query in QUERIES.items()}
    return {**rest, **sparql, **{f"{name}, unique": path for name, path in sparql.items()}}


def answer_size(body: bytes) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if "results" in data:
        return len(data["results"]["bindings"])
    return data.get("total")


def first_answer(url: str) -> dict:
    began = time.perf_counter()
    try:
        status, body = fetch(url, timeout=120)
    except OSError as error:  # a timeout, a connection lost
        return {"status": f"failed: {error}"[:200], "ms": (time.perf_counter() - began) * 1000, "size": None}
    return {
        "status": status,
        "ms": round((time.perf_counter() - began) * 1000, 1),
        "bytes": len(body),
        "size": answer_size(body),
    }


def load(url: str, s: Settings, script: Path | None) -> dict:
    """wrk after a warm-up; an error is recorded, not raised."""
    try:
        wrk(url, WARMUP_S, script)
        result = wrk(url, s.duration, script)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        return {"error": str(error)[:500]}
    result.pop("raw")
    return result


IDLE_WAIT_S = 60.0


def wait_idle(base: str) -> float:
    """Seconds until a new, cheap SPARQL query is answered within 0.5 s: what wrk left in
    flight (a slow query runs on in its worker up to the time limit) must not be measured
    as the next question's latency. At most IDLE_WAIT_S."""
    began = time.perf_counter()
    n = 0
    while time.perf_counter() - began < IDLE_WAIT_S:
        n += 1
        asked = time.perf_counter()
        try:
            status, _ = fetch(base + path_for(f"ASK {{}} # idle {began} {n}"), timeout=5)
        except OSError:
            status = 0
        if status == 200 and time.perf_counter() - asked < 0.5:
            break
        time.sleep(0.5)
    return round(time.perf_counter() - began, 2)


def ask_questions(base: str, s: Settings, label: str) -> dict:
    answers = {}
    for name, path in question_paths(s).items():
        unique = name in UNIQUE
        record: dict = {"idle_wait_s": wait_idle(base)}
        if not unique:  # the first answer, alone: what the server computes, before any cache
            record["first"] = first_answer(base + path)
        record.update(load(base + path, s, s.script if unique else None))
        answers[name] = record
        said = record.get("error") or f"p50 {record['p50_ms']:.2f} ms, p99 {record['p99_ms']:.2f} ms"
        print(f"    [{label}] {name}: {said}", flush=True)
    return answers


def measure_server(source: list[str], name: str, s: Settings) -> dict:
    """Start, ready, first query, the questions under load; then a second start, ready only."""
    process, base, result = start_serving(source, name, s)
    print(f"    [{name}] " + (f"ready in {result['ready_s']:.2f} s" if result["ok"] else result["error"]))
    if process is None:
        return result
    try:
        result["first_sparql"] = first_sparql(base, process, s)
        choose_question(base, s)
        overview = json.loads(fetch(base + "/api/overview?top=1")[1])
        result["provisions"] = overview.get("provisions")
        result["answers"] = ask_questions(base, s, name)
    finally:
        stop(process)
    again, _, second = start_serving(source, f"{name}-again", s)
    if again is not None:
        stop(again)
    result["second_start"] = second
    return result


def measure_remote(folder: Path, key: str, s: Settings) -> dict:
    """A fresh in-memory Oxigraph server, filled by `dutygraph push`, served by `serve --store`."""
    if not OXIGRAPH.is_file():
        return {"ok": False, "error": f"no {OXIGRAPH} (pip install oxigraph, in the dev extras)"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = s.workdir / f"oxigraph-{key}.log"
    with open(log, "ab") as out:
        store = start([str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=out)
    try:
        if not wait_for_oxigraph(base, store, timeout=60):
            return {"ok": False, "error": f"oxigraph serve not answering: {log_tail(log)}"}
        push = run_measured([*DUTYGRAPH, "push", "--data", str(folder), "--to", base])
        said = [line for _, line in push.stderr if line.strip()]
        if not any(line.startswith("pushed ") for line in said):
            return {"ok": False, "error": f"push failed: {said[-1] if said else ''}"[:300]}
        pushed = {
            "push_s": round(push.seconds, 2),
            "push_said": said[-1],
            "store_rss_pushed_kib": rss_kib(store.pid),
        }
        result = measure_server(["--store", base], f"remote-{key}", s)
        result.update(pushed, store_rss_end_kib=rss_kib(store.pid))
        return result
    finally:
        stop(store)


def measure_corpus(corpus: Path, c: Corpus, origins: list[str], info: dict, s: Settings) -> dict:
    print(f"\n{c.label}", flush=True)
    result: dict = {"key": c.key, "label": c.label, "files": len(c.files)}
    try:
        if c.key == "synthetic":
            folder, build = build_synthetic(
                corpus,
                origins,
                info["settings"]["synthetic_triples"],
                triples_per_byte(info["results"]),
                s.workdir,
            )
        else:
            folder, build = build_selection(corpus, c, s.workdir)
    except RuntimeError as error:
        result["build"] = {"measured": True, "error": str(error)[-500:]}
        print(f"  build FAILED: {error}", flush=True)
        return result
    result["build"] = build
    result["counts"] = folder_counts(folder)
    if c.key == "synthetic":
        result["files"] = build["files"]
    print(f"  built: {result['counts']} ({build.get('seconds', 'reused')} s)", flush=True)
    for store, measure in (
        ("embedded", lambda: measure_server(["--data", str(folder)], f"embedded-{c.key}", s)),
        ("remote", lambda: measure_remote(folder, c.key, s)),
    ):
        try:
            result[store] = measure()
        except Exception as error:  # recorded, and the run goes on with the next store or corpus
            result[store] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
            print(f"  {store} FAILED: {result[store]['error']}", flush=True)
    if c.reuse is None and not info["settings"]["keep"]:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def plan_corpora(args: argparse.Namespace, origins: list[str]) -> list[Corpus]:
    numbers = [int(x) for x in args.sizes if x != "all"]
    chosen = nested_selections(origins, numbers)
    out = [Corpus(str(n), f"{n} file{'s' if n > 1 else ''}", chosen[n]) for n in sorted(numbers)]
    if "all" in args.sizes or args.reuse_all:
        label = f"all ({len(origins)} files" + (", reused)" if args.reuse_all else ")")
        out.append(Corpus("all", label, origins, args.reuse_all))
    if args.synthetic_triples:
        out.append(Corpus("synthetic", f"synthetic (copies, ≥ {args.synthetic_triples:,} triples)"))
    return out


def wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split(" Copyright")[0].strip()


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    origins = corpus_origins(args.corpus)
    corpora = plan_corpora(args, origins)
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join(["benchmarks/scale.py", *sys.argv[1:]]),
        "machine": machine(),
        "wrk": wrk_version(),
        "settings": {
            "corpus": str(args.corpus),
            "corpus_files": len(origins),
            "sizes": args.sizes,
            "reuse_all": str(args.reuse_all) if args.reuse_all else None,
            "synthetic_triples": args.synthetic_triples,
            "duration_s": args.duration,
            "warmup_s": WARMUP_S,
            "connections": CONNECTIONS,
            "threads": THREADS,
            "wrk_timeout": WRK_TIMEOUT,
            "serve_args": args.serve_args,
            "keep": args.workdir is not None,
        },
        "selections": {c.key: c.files for c in corpora if c.key not in ("all", "synthetic")},
        "results": {},
    }
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="dutygraph-scale-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "unique.lua"
    script.write_text(UNIQUE_LUA, encoding="utf-8")
    # the servers' snapshots of the knowledge, if any, in this run's own folder, not ~/.cache
    env = {**os.environ, "DUTYGRAPH_CACHE": str(workdir / "cache")}
    s = Settings(workdir, args.duration, args.start_timeout, shlex.split(args.serve_args), env, script)
    s.body, s.word = args.body, args.word
    try:
        for c in corpora:
            info["results"][c.key] = measure_corpus(args.corpus, c, origins, info, s)
            info["question"] = {"body": s.body, "word": s.word, "how": s.chosen_how}
            info["elapsed_s"] = round(time.perf_counter() - started, 1)
            LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        stop_all()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return info


# --- report --------------------------------------------------------------------------------


def _mb(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:,.0f}"


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,}"


def build_row(r: dict) -> str:
    b, counts = r["build"], r.get("counts", {})
    provisions = (r.get("embedded") or {}).get("provisions") or (r.get("remote") or {}).get("provisions")
    head = f"| {r['label']} | {_n(r['files'])} | {_n(counts.get('documents'))} | {_n(provisions)} "
    head += f"| {_n(counts.get('triples'))} | {_n(counts.get('dataset_nq_mb'))} "
    if "error" in b:
        return head + f"| **failed**: {b['error'][-200:]} | – | – |"
    if not b["measured"]:
        return head + "| not measured in this run (folder reused) | – | – |"
    said = b["summary"]
    batches = f" ({b['batches']} batches)" if b["batches"] > 1 else ""
    return (
        head + f"| {b['seconds']:,.1f}{batches} | {_mb(b['tree_peak_kib'])} / {_mb(b['maxrss_kib'])} "
        f"| {said['ingested']} / {said['skipped']} / {said['failed']} |"
    )


def build_table(info: dict) -> str:
    lines = [
        "| corpus | files | documents | provisions | triples | dataset.nq MB | ingest s "
        "| peak RSS MB (tree / largest process) | ingested / skipped / failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    return "\n".join(lines + [build_row(r) for r in info["results"].values()])


def serve_cells(x: dict | None) -> list[str]:
    """ready s (second start), RSS at ready / after the first query MB (processes), first query s."""
    if not x or not x.get("ok"):
        return [f"**failed**: {(x or {}).get('error', 'not run')}", "–", "–"]
    again = x.get("second_start") or {}
    second = f"{again['ready_s']:.2f}" if again.get("ok") else "failed"
    q = x.get("first_sparql", {})
    rss = f"{_mb(x['rss_ready_kib'])} / {_mb(q.get('rss_settled_kib'))} ({1 + q.get('children', 0)})"
    return [f"{x['ready_s']:.2f} ({second})", rss, f"{q.get('seconds', 0):.2f} ({q.get('status')})"]


def serve_table(info: dict) -> str:
    lines = [
        "| corpus | triples | embedded: ready s (second start) | embedded: RSS MB at ready / after "
        "first /sparql (processes) | embedded: first /sparql s (status) | push s | Oxigraph RSS MB "
        "after push | remote: ready s (second start) | remote: RSS MB at ready / after first /sparql "
        "(processes) | remote: first /sparql s (status) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in info["results"].values():
        if "counts" not in r:
            continue
        remote = r.get("remote") or {}
        push = f"{remote['push_s']:.1f}" if "push_s" in remote else "–"
        cells = [r["label"], _n(r["counts"]["triples"]), *serve_cells(r.get("embedded")), push]
        cells += [_mb(remote.get("store_rss_pushed_kib")), *serve_cells(remote)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def answers_table(info: dict) -> str:
    """What each question answers at each size: its total (or rows), and the first answer's ms."""
    names = (*REST, *SPARQL)
    lines = [
        "| corpus | store | " + " | ".join(names) + " |",
        "| --- | --- |" + " ---: |" * len(names),
    ]
    for r in info["results"].values():
        for store in STORES:
            answers = (r.get(store) or {}).get("answers")
            if not answers:
                continue
            cells = []
            for name in names:
                f = answers[name]["first"]
                size = _n(f["size"]) if f["status"] == 200 else f"status {f['status']}"
                cells.append(f"{size} ({f['ms']:,.0f} ms)")
            lines.append(f"| {r['label']} | {store} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def answered(a: dict) -> bool:
    """wrk measured something: it ran, and at least one request completed (with none, its
    latencies read 0)."""
    return "error" not in a and a.get("requests", 0) > 0


def latency_cell(a: dict) -> str:
    if "error" in a:
        return "**wrk failed**"
    if not answered(a):
        first = a.get("first", {}).get("status")
        return "**no answer**" + (f" (the first alone: {first})" if first else "")
    cell = f"{a['p50_ms']:,.1f} / **{a['p99_ms']:,.1f}** ({a['rps']:,.0f})"
    if a["non_2xx"] or a["socket_errors"]:
        cell += f" !! non-2xx {a['non_2xx']}, socket errors {a['socket_errors'] or 0}"
    return cell


def latency_table(info: dict, store: str) -> str:
    lines = [
        "| corpus | triples | " + " | ".join(QUESTIONS) + " |",
        "| --- | ---: |" + " ---: |" * len(QUESTIONS),
    ]
    for r in info["results"].values():
        answers = (r.get(store) or {}).get("answers")
        if answers:
            cells = [latency_cell(answers[name]) for name in QUESTIONS]
            lines.append(f"| {r['label']} | {_n(r['counts']['triples'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def p99(info: dict, key: str, store: str, question: str) -> float | None:
    a = ((info["results"].get(key) or {}).get(store) or {}).get("answers", {}).get(question, {})
    return a.get("p99_ms") if answered(a) else None


def verdicts(info: dict) -> list[str]:
    out = []
    for store in STORES:
        for question in ("body's duties", "search"):
            one, whole = p99(info, "1", store, question), p99(info, "all", store, question)
            what = f"{store}, {question}: p99 at the whole corpus within {TARGET_RATIO:g}× of one file's"
            if one is None or whole is None:
                missing = "one file" if one is None else "the whole corpus"
                out.append(f"{what}: **not measured in this run** ({missing} not measured).")
                continue
            ratio = whole / one
            verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
            out.append(f"{what}: **{verdict}** ({whole:.2f} ms against {one:.2f} ms, {ratio:.2f}×).")
    return out


def problems(info: dict) -> list[str]:
    found = []
    for r in info["results"].values():
        for store in STORES:
            x = r.get(store) or {}
            if x and not x.get("ok"):
                found.append(f"{r['label']}, {store}: {x.get('error')}")
            for name, a in (x.get("answers") or {}).items():
                if not answered(a) or a["non_2xx"] or a["socket_errors"]:
                    what = a.get("error") or (
                        f"non-2xx {a['non_2xx']}, socket errors {a['socket_errors']}"
                        if answered(a)
                        else f"no request completed in {info['settings']['duration_s']} s"
                    )
                    found.append(f"{r['label']}, {store}, {name}: {what}")
        if "error" in r.get("build", {}):
            found.append(f"{r['label']}: the build failed: {r['build']['error'][-300:]}")
    return found


def selection_lines(info: dict) -> list[str]:
    out = []
    for key, files in info.get("selections", {}).items():
        shown = ", ".join(f"`{f}`" for f in files[:10])
        more = f" and {len(files) - 10} more (in last_scale_run.json)" if len(files) > 10 else ""
        out.append(f"  - {key}: {shown}{more}")
    return out


def synthetic_line(info: dict) -> list[str]:
    r = info["results"].get("synthetic")
    if not r or "counts" not in r:
        return []
    b = r["build"]
    return [
        f"- synthetic: {b['files']:,} copies of the corpus's files (up to copy {b['copies']}), ingested in "
        f"{b['batches']} batch(es) into one folder: {r['counts']['triples']:,} triples for a target of "
        f"{b['target_triples']:,}; build time = the batches' sum, peak RSS = the largest batch's"
    ]


def markdown(info: dict) -> str:
    m, st = info["machine"], info["settings"]
    q = info.get("question", {})
    reused = f"; all = the folder `{st['reuse_all']}`, built before this run" if st["reuse_all"] else ""
    sizes = ", ".join(r["label"] for r in info["results"].values())
    return "\n".join(
        [
            SECTION,
            "",
            "Written by `benchmarks/scale.py`; rerun it to refresh this section (`--from-json "
            "benchmarks/last_scale_run.json` renders it again without measuring).",
            "",
            f"- corpora of this run: **{sizes}**",
            f"- date: {info['date']}; command: `.venv/bin/python {info['command']}` "
            f"(took {info.get('elapsed_s', 0):,.0f} s)",
            f"- machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; load "
            f"average at start {m['loadavg_at_start']}; {m['code']}; {info['wrk']}",
            "- versions: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
            f"- corpus: `{st['corpus']}`, {st['corpus_files']} files; each size is a nested, evenly spaced "
            "selection of them (sorted by path; the largest takes file ⌊(i + ½)·total / n⌋, each smaller "
            "size the same from the next larger), copied into a fresh folder and ingested with "
            "`dutygraph ingest IN --output DIR` (which builds the two packaged curated documents in: "
            f"documents = files ingested + 2){reused}:",
            *selection_lines(info),
            *synthetic_line(info),
            f"- the questions: a body's duties `/api/bodies/{q.get('body')}/duties`, a search "
            f"`/api/search?q={q.get('word')}`, a cross-document question "
            f"`/api/bodies/{q.get('body')}/documents`, and the three SPARQL queries of "
            "`benchmarks/sparql_throughput.py` (GET /sparql, JSON results); the body: "
            f"{q.get('how') or 'given on the command line'}; the word: its Chinese label unless said",
            "- serve: `python -m dutygraph serve --data DIR` (embedded) or `--store URL` (remote: a fresh "
            "in-memory `oxigraph serve`, filled by `dutygraph push --data DIR --to URL`)"
            + (f" with `{st['serve_args']}`" if st["serve_args"] else ", as shipped")
            + "; ready = process start → `/healthz` 200; RSS = the server and its children (the SPARQL "
            "workers) summed, at ready and after the first `/sparql` query once it stopped growing for "
            f"{SETTLE_S:g} s; the second start is the same server started again, timed to ready only",
            f"- load: wrk, {st['threads']} threads, {st['connections']} connections, --latency, "
            f"{st['duration_s']} s per question after a {st['warmup_s']} s warm-up, --timeout "
            f"{st['wrk_timeout']}; the same URL every time (answered from the server's caches after the "
            "first), and for SPARQL also every query unique (a `#` comment line appended by "
            "sparql_throughput's Lua script, so no cache answers); before each question the server is "
            "let go idle (a new `ASK {}` answered within 0.5 s, at most "
            f"{IDLE_WAIT_S:g} s), so what the last one left running is not measured as the next one; "
            "everything on 127.0.0.1, wrk and the servers share the 2 cores",
            "",
            "Build (`ingest s` = wall time of the ingest process; peak RSS: tree = the ingest and its "
            "workers summed, sampled every 50 ms; largest process = ru_maxrss):",
            "",
            build_table(info),
            "",
            "Readiness and memory:",
            "",
            serve_table(info),
            "",
            "What the questions answer (total, or SPARQL rows), and the first answer alone, before any "
            "cache (ms):",
            "",
            answers_table(info),
            "",
            "Latency under load, embedded: p50 / **p99** ms (req/s):",
            "",
            latency_table(info, "embedded"),
            "",
            "Latency under load, remote (Oxigraph server): p50 / **p99** ms (req/s):",
            "",
            latency_table(info, "remote"),
            "",
            "![p99 of each question, readiness and memory by triples, embedded and remote](scale.png)",
            "",
            *[f"- {line}" for line in verdicts(info)],
            "- Errors: "
            + ("; ".join(problems(info)) or "none (no non-2xx, no socket errors, every server started)."),
            "",
            SECTION_END,
            "",
        ]
    )


# --- plot ----------------------------------------------------------------------------------


def series(info: dict, value) -> tuple[list[int], list[float]]:
    """(triples, value) of every corpus with a value, by triples."""
    points = []
    for r in info["results"].values():
        if "counts" in r and (y := value(r)) is not None:
            points.append((r["counts"]["triples"], y))
    points.sort()
    return [p[0] for p in points], [p[1] for p in points]


def p99_point(r: dict, store: str, question: str) -> float | None:
    a = _get(r, store, "answers", question)
    return a["p99_ms"] if a and answered(a) else None


def _get(r: dict, *keys):
    for key in keys:
        if not isinstance(r, dict) or key not in r:
            return None
        r = r[key]
    return r


def plot(info: dict, path: Path) -> bool:
    try:
        import matplotlib
    except ImportError:
        print("matplotlib not installed (.venv/bin/pip install matplotlib): no plot", file=sys.stderr)
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 4, figsize=(18, 8.5), constrained_layout=True)
    styles = {"embedded": "tab:blue", "remote": "tab:orange"}
    for ax, question in zip(axes.flat, (*REST, *SPARQL), strict=False):
        for store, colour in styles.items():
            for name, dash in ((question, "-"), (f"{question}, unique", "--")):
                x, y = series(info, lambda r, n=name, s=store: p99_point(r, s, n))
                if x:
                    label = store + (" (unique queries)" if dash == "--" else "")
                    ax.plot(x, y, dash, color=colour, marker="o", label=label)
        ax.set_title(f"p99: {question}")
        ax.set_ylabel("ms")
    ready, rss = axes.flat[6], axes.flat[7]
    for store, colour in styles.items():
        x, y = series(info, lambda r, s=store: _get(r, s, "ready_s"))
        ready.plot(x, y, "-", color=colour, marker="o", label=f"{store}, first start")
        x, y = series(info, lambda r, s=store: _get(r, s, "second_start", "ready_s"))
        ready.plot(x, y, ":", color=colour, marker="s", label=f"{store}, second start")
        x, y = series(info, lambda r, s=store: _mb_value(_get(r, s, "first_sparql", "rss_settled_kib")))
        rss.plot(x, y, "-", color=colour, marker="o", label=f"{store}: dutygraph serve + workers")
    x, y = series(info, lambda r: _mb_value(_get(r, "remote", "store_rss_pushed_kib")))
    rss.plot(x, y, "--", color="tab:green", marker="o", label="remote: Oxigraph server")
    ready.set_title("ready (start → /healthz 200)")
    ready.set_ylabel("s")
    rss.set_title("RSS after the first /sparql query")
    rss.set_ylabel("MB")
    for ax in axes.flat:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=7)
    sizes = ", ".join(r["label"] for r in info["results"].values())
    fig.suptitle(f"dutygraph at scale ({sizes}; {info['date'][:10]})")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _mb_value(kib: float | None) -> float | None:
    return None if kib is None else kib / 1024


# --- main ----------------------------------------------------------------------------------


def write_results(info: dict, measured: bool) -> None:
    plotted = plot(info, PLOT)
    text = markdown(info)
    if not plotted:
        text = text.replace("![p99", "(no plot: matplotlib missing) ![p99", 1)
    replace_section(RESULTS, SECTION, SECTION_END, text)
    if measured:
        LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def parse_sizes(text: str) -> list[str]:
    sizes = [x.strip() for x in text.split(",") if x.strip()]
    for x in sizes:
        if x != "all" and not (x.isdigit() and int(x) > 0):
            raise argparse.ArgumentTypeError(f"{x!r}: a size is a positive number of files or 'all'")
    return sizes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes", type=parse_sizes, default=["1", "10", "100", "all"], help="default: 1,10,100,all"
    )
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="default: %(default)s")
    p.add_argument("--reuse-all", type=Path, help="an ingested folder of the whole corpus to serve as 'all'")
    p.add_argument("--synthetic-triples", type=int, default=10_000_000, help="0 skips (default: %(default)s)")
    p.add_argument("--duration", type=int, default=10, help="seconds of wrk per question (default: 10)")
    p.add_argument("--start-timeout", type=float, default=1800, help="seconds a server may take to be ready")
    p.add_argument("--serve-args", default="", help="more options for every `dutygraph serve`, one string")
    p.add_argument("--body", help="the body of the questions (default: chosen from the smallest corpus)")
    p.add_argument("--word", help="the search word (default: the body's Chinese label)")
    p.add_argument("--workdir", type=Path, help="keep the built folders and logs here (default: a temp dir)")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    p.add_argument("--from-json", type=Path, help="measure nothing: render an earlier run's JSON")
    return p


def main() -> int:
    args = parser().parse_args()
    if args.from_json is None:
        if shutil.which("wrk") is None:
            print("wrk not found; install it: apt-get install -y wrk", file=sys.stderr)
            return 2
        if not 1 <= args.duration <= 120:
            parser().error("--duration must be 1..120")
        if args.reuse_all and not (args.reuse_all / "manifest.json").is_file():
            parser().error(f"{args.reuse_all} holds no built folder (no manifest.json)")
        total = len(corpus_origins(args.corpus))
        if any(x != "all" and int(x) > total for x in args.sizes):
            parser().error(f"the corpus has {total} files")
    # SIGTERM ends the run like Ctrl-C does, through the finally that stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        info = json.loads(args.from_json.read_text(encoding="utf-8")) if args.from_json else run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; every process it started was stopped", file=sys.stderr)
        return 130
    text = markdown(info)
    print("\n" + text)
    if not args.no_write:
        write_results(info, measured=args.from_json is None)
        print(f"written: {', '.join(str(p.relative_to(ROOT)) for p in (RESULTS, PLOT, LAST_RUN))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
