"""API replicas over one store, behind a load balancer (issue 12).

    .venv/bin/python benchmarks/replicas.py [--data DIR] [--duration 10] [--rounds 2] [--from-json FILE]

In one run, all on 127.0.0.1:
1. starts an in-memory Oxigraph server (`.venv/bin/oxigraph serve`) and fills it with
   `dutygraph push --data DIR --to URL` (the packaged build by default);
2. starts two replicas, `dutygraph serve --store URL` on two ports, and nginx in front of
   them (its own configuration in a temporary folder, in the foreground: a round-robin
   upstream with passive failover, `proxy_next_upstream error timeout http_502 http_503`),
   and one `dutygraph serve --store URL --workers 2` on a port of its own; the replicas and
   the balancer share one `--public-url` (the balancer's), so their pages name the same
   address;
3. checks that a few routes (REST, search, /sparql, /id, /viz) give the same bytes and ETag
   from each replica, through the balancer and from the --workers 2 server;
4. runs wrk (16 connections, 2 threads) through the balancer, on one replica directly and on
   the --workers 2 server, on a repeated REST URL (answered from each process's memory) and
   on a SPARQL query made unique per request by a comment (so that every one reaches the
   store), ROUNDS rounds, alternating the order;
5. kills one replica (SIGKILL) three seconds into a wrk run through the balancer and counts
   the errors wrk saw, then runs wrk again with that replica gone; does the same to one of
   the --workers 2 server's processes (which its supervisor replaces);
6. measures the memory (RSS and PSS, /proc/PID/smaps_rollup) of `serve --data DIR` with one
   process and with `--workers 2`, after the same warm-up;
7. prints a table and writes the "Replicas behind a load balancer (issue 12)" section of
   benchmarks/RESULTS.md (replacing an earlier one; the rest of the file is kept) and
   benchmarks/last_replicas_run.json.

Needs wrk and nginx (Debian: `apt-get install -y wrk nginx`) and the `oxigraph` binary (in
the venv's dev extras). Every process it starts is stopped on exit, error or Ctrl-C. A
default run takes about 3 minutes (190 s measured).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
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
from pathlib import Path

from api_throughput import (
    CONNECTIONS,
    THREADS,
    WARMUP_S,
    Server,
    Servers,
    free_port,
    machine,
    measure_and_report,
    parse_wrk,
    replace_section,
)
from sparql_throughput import QUERIES, UNIQUE_LUA, oxigraph_cli, path_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DATA = ROOT / "ontology" / "built"
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_replicas_run.json"
SECTION = "# Replicas behind a load balancer (issue 12)"
SECTION_END = "<!-- end of the replicas section -->"
START_TIMEOUT_S = 120
WRK_TIMEOUT = "10s"
KILL_AFTER_S = 3.0  # into the wrk run during which a replica is killed
JSON_RESULTS = "application/sparql-results+json"
SPARQL_QUERY = QUERIES["body's duties"]
REPEATED = "/api/bodies/party-committee/duties"
ROUTES = {  # what every replica must answer with the same bytes: path, Accept
    "REST: a body's duties": (REPEATED, "application/json"),
    "REST: search": ("/api/search?" + urllib.parse.urlencode({"q": "人才"}), "application/json"),
    "/sparql": (path_for(SPARQL_QUERY), JSON_RESULTS),
    "/id (Turtle)": ("/id/body/organization-department", "text/turtle"),
    "/viz/org": ("/viz/org", "text/html"),
}
WARM_UP_PATHS = (REPEATED, "/api/duties?limit=500", "/api/bodies", "/viz/org", ROUTES["REST: search"][0])

NGINX_CONF = """\
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream dutygraph {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://dutygraph;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # passive failover: a request a replica cannot answer goes to the next one
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 1s;
            proxy_read_timeout 30s;
            proxy_max_temp_file_size 0;
        }}
    }}
}}
"""


# --- processes -----------------------------------------------------------------------------


def start_on(pool: Servers, name: str, argv: list[str], port: int) -> Server:
    """A server on a port chosen beforehand (Servers.start picks its own)."""
    server = Server(name, argv, port, pool.workdir / f"{name}.log")
    pool.all.append(server)
    server.start()
    return server


def dutygraph_serve(*options: str) -> list[str]:
    return [sys.executable, "-m", "dutygraph", "serve", "--host", "127.0.0.1", *options]


def wait_store(server: Server) -> None:
    url = f"{server.base}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"oxigraph exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"oxigraph not answering after {START_TIMEOUT_S} s:\n{server.log_tail()}")


def push(data: Path, store: str) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "dutygraph", "push", "--data", str(data), "--to", store]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}")
    return time.perf_counter() - started


def nginx_argv(workdir: Path, port: int, upstreams: list[int]) -> list[str]:
    folder = workdir / "nginx"
    folder.mkdir()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONF.format(dir=folder, servers=servers, port=port), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config), "-g", "daemon off;"]


def children_of(parent: int) -> list[int]:
    """Live child processes of `parent` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == parent and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


def process_tree(pid: int) -> list[int]:
    tree = [pid]
    for child in children_of(pid):
        tree += process_tree(child)
    return tree


def wait_children(parent: int, count: int, timeout: float = START_TIMEOUT_S) -> list[int]:
    """The `count` child processes of `parent`, once it has that many."""
    deadline = time.monotonic() + timeout
    while len(found := children_of(parent)) != count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {parent} has {len(found)} children, not {count}")
        time.sleep(0.05)
    return found


# --- answers -------------------------------------------------------------------------------


def fetch(url: str, accept: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, headers, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return {
        "status": status,
        "etag": headers.get("ETag"),
        "content_type": headers.get("Content-Type"),
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }


def compare_answers(targets: dict[str, Server]) -> dict:
    """Each route from each target: the same status, bytes and ETag everywhere?"""
    compared = {}
    for name, (path, accept) in ROUTES.items():
        answers = {target: fetch(server.base + path, accept) for target, server in targets.items()}
        kinds = {(a["status"], a["sha256"], a["etag"], a["content_type"]) for a in answers.values()}
        first = next(iter(answers.values()))
        compared[name] = {
            "path": path,
            "same": len(kinds) == 1 and first["status"] == 200,
            "status": first["status"],
            "bytes": first["bytes"],
            "etag": first["etag"],
            "answers": answers,
        }
        print(f"  {name:<22} same bytes and ETag everywhere: {compared[name]['same']}", flush=True)
    return compared


# --- wrk -----------------------------------------------------------------------------------


def wrk(url: str, duration: float, script: Path | None = None, accept: str = "application/json") -> dict:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration:g}s", "--latency"]
    argv += ["--timeout", WRK_TIMEOUT, "-H", f"Accept: {accept}"]
    if script is not None:
        argv += ["-s", str(script)]
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["socket_error_count"] = socket_error_count(result["socket_errors"])
    result["raw"] = done.stdout
    return result


def socket_error_count(summary: str | None) -> int:
    """wrk's "connect 0, read 3, write 0, timeout 0" as one number."""
    if not summary:
        return 0
    return sum(int(part.split()[-1]) for part in summary.split(","))


def errors_of(result: dict) -> int:
    return result["non_2xx"] + result["socket_error_count"]


def workloads(script: Path) -> dict[str, tuple[str, Path | None, str]]:
    return {
        "repeated REST URL": (REPEATED, None, "application/json"),
        "unique SPARQL query": (path_for(SPARQL_QUERY), script, JSON_RESULTS),
    }


def throughput(targets: dict[str, Server], script: Path, args: argparse.Namespace) -> dict:
    results: dict = {}
    for load, (path, lua, accept) in workloads(script).items():
        for server in targets.values():
            wrk(server.base + path, WARMUP_S, lua, accept)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for round_ in range(args.rounds):
            order = list(targets.items())
            if round_ % 2:
                order.reverse()
            for name, server in order:
                result = wrk(server.base + path, args.duration, lua, accept)
                runs[name].append(result)
                print(
                    f"  {load:<20} round {round_ + 1} {name:<22} {result['rps']:>8.1f} req/s  "
                    f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
                    f"errors {errors_of(result)}",
                    flush=True,
                )
        results[load] = {name: summarise(rs) for name, rs in runs.items()}
    return results


def summarise(runs: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "errors": sum(errors_of(r) for r in runs),
        "rounds": [{k: v for k, v in r.items() if k != "raw"} for r in runs],
    }


def killed_during_wrk(url: str, victim: int, duration: float) -> dict:
    """wrk on `url` for `duration` s, `victim` SIGKILLed KILL_AFTER_S into it."""
    killer = threading.Timer(KILL_AFTER_S, os.kill, args=(victim, signal.SIGKILL))
    killer.start()
    try:
        result = wrk(url, duration)
    finally:
        killer.cancel()
    return {k: v for k, v in result.items() if k != "raw"} | {"killed_pid": victim}


def failover(balancer: Server, replica: Server, workers: Server, args: argparse.Namespace) -> dict:
    """One replica killed under load through the balancer, then the balancer without it; one
    of the --workers 2 server's processes killed under load, then that server again."""
    out: dict = {}
    print("  balancer: killing replica B during wrk", flush=True)
    out["balancer, replica B killed"] = killed_during_wrk(
        balancer.base + REPEATED, replica.process.pid, args.duration
    )
    replica.process.wait(timeout=10)
    out["balancer, after (replica B gone)"] = strip(wrk(balancer.base + REPEATED, args.duration))
    victim = children_of(workers.process.pid)[0]
    print(f"  --workers 2: killing server process {victim} during wrk", flush=True)
    out["--workers 2, a process killed"] = killed_during_wrk(workers.base + REPEATED, victim, args.duration)
    replaced = wait_children(workers.process.pid, 2)
    out["--workers 2, after (process replaced)"] = strip(wrk(workers.base + REPEATED, args.duration))
    out["--workers 2, after (process replaced)"]["processes"] = replaced
    for name, result in out.items():
        print(f"  {name:<38} {result['requests']:>7} requests, errors {errors_of(result)}", flush=True)
    return out


def strip(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "raw"}


# --- memory --------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    """RSS and PSS of one process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name.lower()] = int(rest.split()[0])
    return values


def tree_memory(pid: int) -> dict:
    processes = {p: memory_kib(p) for p in process_tree(pid)}
    return {
        "processes": len(processes),
        "rss_mib": round(sum(m["rss"] for m in processes.values()) / 1024, 1),
        "pss_mib": round(sum(m["pss"] for m in processes.values()) / 1024, 1),
        "per_process_mib": {
            str(p): {k: round(v / 1024, 1) for k, v in m.items()} for p, m in processes.items()
        },
    }


def measure_memory(pool: Servers, data: Path) -> dict:
    """`serve --data` with one process and with --workers 2, warmed up alike (no /sparql:
    its query workers are processes of their own, started on the first query)."""
    out = {}
    for workers in (1, 2):
        options = ("--data", str(data), "--workers", str(workers))
        server = pool.start(
            f"memory-workers-{workers}", lambda port, o=options: dutygraph_serve("--port", str(port), *o)
        )
        server.wait_ready(START_TIMEOUT_S)
        if workers > 1:
            wait_children(server.process.pid, workers)
        time.sleep(1.0)  # the server processes' start-up done
        at_start = tree_memory(server.process.pid)
        for path in WARM_UP_PATHS:
            wrk(server.base + path, 1)
        warm = tree_memory(server.process.pid)
        out[f"--workers {workers}"] = {"at start": at_start, "after warm-up": warm}
        server.stop()
        print(
            f"  serve --data, --workers {workers}: PSS {at_start['pss_mib']} MiB at start, "
            f"{warm['pss_mib']} MiB after the warm-up",
            flush=True,
        )
    return out


# --- the run -------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    info: dict = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/replicas.py", *sys.argv[1:]]),
        "machine": machine(),
        "nginx": nginx_version(),
        "data": str(args.data),
        "settings": {"duration_s": args.duration, "rounds": args.rounds, "connections": CONNECTIONS},
        "sparql_query": SPARQL_QUERY,
    }
    with tempfile.TemporaryDirectory(prefix="dutygraph-replicas-") as tmp:
        workdir = Path(tmp)
        # the snapshots `serve --store` keeps go to the run's folder, not the user's cache
        os.environ["DUTYGRAPH_CACHE"] = str(workdir / "cache")
        script = workdir / "unique.lua"
        script.write_text(UNIQUE_LUA, encoding="utf-8")
        pool = Servers(workdir)
        try:
            serving(pool, workdir, args, info, script)
            info["memory"] = measure_memory(pool, args.data)
        finally:
            pool.stop_all()
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    return info


def serving(pool: Servers, workdir: Path, args: argparse.Namespace, info: dict, script: Path) -> None:
    store = pool.start("oxigraph", lambda port: [oxigraph_cli(), "serve", "--bind", f"127.0.0.1:{port}"])
    wait_store(store)
    info["push_s"] = round(push(args.data, store.base), 2)
    print(f"pushed {args.data} to {store.base} in {info['push_s']} s", flush=True)
    balancer_port = free_port()
    public = ("--store", store.base, "--public-url", f"http://127.0.0.1:{balancer_port}")
    a = pool.start("replica-a", lambda port: dutygraph_serve("--port", str(port), *public))
    b = pool.start("replica-b", lambda port: dutygraph_serve("--port", str(port), *public))
    workers = pool.start(
        "workers-2", lambda port: dutygraph_serve("--port", str(port), *public, "--workers", "2")
    )
    info["ready_s"] = {s.name: round(s.wait_ready(START_TIMEOUT_S), 2) for s in (a, b, workers)}
    wait_children(workers.process.pid, 2)
    balancer = start_on(pool, "nginx", nginx_argv(workdir, balancer_port, [a.port, b.port]), balancer_port)
    balancer.wait_ready(START_TIMEOUT_S)
    print("same answers:", flush=True)
    info["answers"] = compare_answers(
        {"replica A": a, "replica B": b, "balancer": balancer, "--workers 2": workers}
    )
    print("throughput:", flush=True)
    targets = {"balancer (2 replicas)": balancer, "one replica direct": a, "--workers 2 direct": workers}
    info["throughput"] = throughput(targets, script, args)
    print("failover:", flush=True)
    info["failover"] = failover(balancer, b, workers, args)


def nginx_version() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


# --- report --------------------------------------------------------------------------------


def table(info: dict) -> str:
    lines = [
        "| workload | target | req/s | p50 ms | p99 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for load, targets in info["throughput"].items():
        for target, r in targets.items():
            figures = f"{r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']}"
            lines.append(f"| {load} | {target} | {figures} |")
    return "\n".join(lines)


def failover_table(info: dict) -> str:
    lines = ["| run | requests | non-2xx | socket errors |", "| --- | ---: | ---: | --- |"]
    for name, r in info["failover"].items():
        lines.append(f"| {name} | {r['requests']} | {r['non_2xx']} | {r['socket_errors'] or 'none'} |")
    return "\n".join(lines)


def answers_table(info: dict) -> str:
    lines = [
        "| route | bytes | ETag | same from A, B, balancer, --workers 2 |",
        "| --- | ---: | --- | --- |",
    ]
    for name, a in info["answers"].items():
        lines.append(f"| {name} (`{a['path'][:48]}`) | {a['bytes']} | `{a['etag']}` | {a['same']} |")
    return "\n".join(lines)


def memory_table(info: dict) -> str:
    lines = [
        "| serve --data | when | processes | RSS MiB (sum) | PSS MiB (sum) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, moments in info["memory"].items():
        for when, m in moments.items():
            lines.append(f"| {name} | {when} | {m['processes']} | {m['rss_mib']} | {m['pss_mib']} |")
    return "\n".join(lines)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def verdicts(info: dict) -> list[str]:
    same = all(a["same"] for a in info["answers"].values())
    after = info["failover"]["balancer, after (replica B gone)"]
    one, two = (info["memory"][f"--workers {n}"]["after warm-up"]["pss_mib"] for n in (1, 2))
    return [
        f"{verdict(same)}: the same bytes and ETag from both replicas, the balancer and --workers 2",
        f"{verdict(errors_of(after) == 0)}: no errors through the balancer once a replica is gone",
        f"memory: after the warm-up --workers 2 takes {two - one:.1f} MiB PSS more than one process "
        f"({one} → {two} MiB)",
    ]


def shown_path(text: str) -> str:
    path = Path(text)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else text


def markdown(info: dict) -> str:
    m, settings = info["machine"], info["settings"]
    setting = (
        f"Written by `{info['command']}` on {info['date']}: {m['nproc']} cores ({m['cpu']}), "
        f"Python {m['python']}, {info['nginx']}, {m['wrk']}, load at start "
        f"{m['loadavg_at_start']}; data `{shown_path(info['data'])}` pushed to an in-memory "
        f"Oxigraph server in {info['push_s']} s. Everything (the store, two replicas `serve "
        "--store URL`, nginx, one `serve --store URL --workers 2`, wrk) ran on the same machine, "
        "so the replicas share its cores with the balancer and wrk: these figures show that "
        "replicas answer alike and survive a loss, not how a fleet of machines scales."
    )
    load = (
        f"wrk, {CONNECTIONS} connections, {settings['duration_s']} s per run, median of "
        f"{settings['rounds']} rounds; the SPARQL query, made unique per request by a comment, "
        f"reaches the store every time:\n\n```sparql\n{info['sparql_query']}\n```"
    )
    killed = (
        f"One replica (B) killed with SIGKILL {KILL_AFTER_S:g} s into a {settings['duration_s']} s "
        "wrk run through the balancer, then a run with it gone; one process of the --workers 2 "
        "server killed the same way (its supervisor starts another), then a run after:"
    )
    memory = (
        "Memory of `serve --data`, a second after it answers and after the same warm-up (wrk, "
        "1 s on each of a few REST and /viz URLs), summed over the process tree (with --workers "
        "2: the supervisor and two server processes; PSS counts a page shared by n processes "
        "1/n in each; no SPARQL query was sent, so no query workers):"
    )
    return "\n\n".join(
        [
            SECTION,
            setting,
            "The same answers, from each replica, through the balancer and from the --workers 2 server:",
            answers_table(info),
            load,
            table(info),
            killed,
            failover_table(info),
            memory,
            memory_table(info),
            "\n".join(f"- {line}" for line in verdicts(info)),
            SECTION_END,
        ]
    )


def write_results(info: dict) -> None:
    replace_section(RESULTS, SECTION, SECTION_END, markdown(info))
    LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="built folder to push (default: the packaged build)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default: %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="wrk runs per workload and target (default: %(default)s)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    parser.add_argument(
        "--from-json", type=Path, metavar="FILE", help="report an earlier run (last_replicas_run.json) again"
    )
    args = parser.parse_args()
    if args.from_json:
        recorded = json.loads(args.from_json.read_text(encoding="utf-8"))
        return measure_and_report(
            args, lambda _: recorded, table, verdicts, write_results, [RESULTS, LAST_RUN]
        )
    if not 5 <= args.duration <= 60 or not 1 <= args.rounds <= 5:
        parser.error("--duration must be 5..60 and --rounds 1..5 (the run must stay within minutes)")
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx")):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            print(f"{tool} not found; install it: apt-get install -y {package}", file=sys.stderr)
            return 2
    if not (args.data / "dataset.nq").exists():
        print(f"{args.data}/dataset.nq not found: build it first", file=sys.stderr)
        return 2
    args.data = args.data.resolve()
    return measure_and_report(args, run, table, verdicts, write_results, [RESULTS, LAST_RUN])


if __name__ == "__main__":
    sys.exit(main())
