"""Throughput of the REST API against the ceiling of its stack (issue 3).

    .venv/bin/python benchmarks/api_throughput.py [--duration 10] [--rounds 2]

In one run, all on 127.0.0.1:
1. readiness: starts `dutygraph serve` five times and times process start → GET /healthz 200;
2. starts `dutygraph serve` (access log on, as shipped) and fetches the answers of the two
   routes; starts the baseline (benchmarks/baseline_app.py: bare FastAPI + uvicorn returning
   those bytes) and checks it sends the same bytes; starts both again with the access log
   off, to show what the log line per request costs;
3. runs wrk (16 connections, 2 threads, --latency) on each route, each server, ROUNDS
   rounds, alternating the servers, after a short warm-up;
4. prints a table and writes benchmarks/RESULTS.md (what follows the "notes" marker in an
   existing RESULTS.md is kept) and benchmarks/last_run.json (every number of the run).

Every server it starts is stopped on exit, error or Ctrl-C. Needs wrk (Debian: apt-get
install -y wrk). A default run takes about 3.5 minutes.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_run.json"
NOTES_MARKER = "<!-- notes: everything below this line is kept when the benchmark rewrites this file -->"

ROUTES = {
    "body duties": "/api/bodies/party-committee/duties",
    "responsibilities q=审定": "/api/responsibilities?q=%E5%AE%A1%E5%AE%9A",
}
CONNECTIONS = 16
THREADS = 2
TARGET_RATIO = 0.70
READINESS_TARGET_S = 1.5
READINESS_RUNS = 5
WARMUP_S = 2
START_TIMEOUT_S = 60
PACKAGES = ("fastapi", "starlette", "uvicorn", "pydantic", "pydantic_core", "orjson", "pyoxigraph", "h11")


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers.items()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    log: Path
    process: subprocess.Popen | None = None
    started: float = 0.0
    _log_file: object = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log_file = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.started = time.perf_counter()
        # Own session: a Ctrl-C in the terminal reaches this script only, and stop() ends
        # the server by its pid.
        self.process = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> float:
        """Seconds from process start until GET /healthz answers 200."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Servers:
    """Every server started, stopped together whatever happens."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.all: list[Server] = []

    def start(self, name: str, argv_for_port) -> Server:
        port = free_port()
        server = Server(name, argv_for_port(port), port, self.workdir / f"{name}-{len(self.all)}.log")
        self.all.append(server)
        server.start()
        return server

    def stop_all(self) -> None:
        for server in self.all:
            try:
                server.stop()
            except Exception as error:  # keep stopping the others
                print(f"could not stop {server.name} (port {server.port}): {error}", file=sys.stderr)


def dutygraph_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "dutygraph", "serve", "--port", str(port)]


def dutygraph_quiet_argv(port: int) -> list[str]:
    return [sys.executable, str(HERE / "serve_without_access_log.py"), "--port", str(port)]


def baseline_argv(answers: Path, access_log: bool):
    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            str(HERE / "baseline_app.py"),
            str(answers),
            str(port),
            "on" if access_log else "off",
        ]

    return argv


# --- wrk -----------------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
        "requests": int(total.group(1)),
        "socket_errors": errors.group(1).strip() if errors else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def wrk(url: str, duration: int) -> dict:
    argv = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["raw"] = done.stdout
    return result


# --- the run -------------------------------------------------------------------------------


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    for name in ("uvloop", "httptools"):  # uvicorn picks them when present
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "wrk": (wrk_version.stdout or wrk_version.stderr).split(" Copyright")[0].strip(),
        "loadavg_at_start": _loadavg(),
        "code": code_state(),
    }


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def code_state() -> str:
    """The commit measured, and whether the served code had uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "api", "graph", "dutygraph", "ontology"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    changed = sorted(line[3:] for line in dirty if line.strip())
    return f"commit {head}" + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure_readiness(servers: Servers, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        server = servers.start(f"readiness-{i}", dutygraph_argv)
        try:
            times.append(server.wait_ready())
        finally:
            server.stop()
    return times


def fetch_answers(server: Server) -> dict[str, dict]:
    answers = {}
    for path in ROUTES.values():
        status, headers, body = get(server.base + path)
        if status != 200:
            raise RuntimeError(f"{server.name} answered {status} to {path}: {body[:200]!r}")
        keep = {k: v for k, v in headers.items() if k.lower() in ("etag", "cache-control")}
        answers[path] = {"body": base64.b64encode(body).decode("ascii"), "headers": keep}
    return answers


def check_same(reference: dict[str, dict], server: Server) -> None:
    for path, answer in reference.items():
        status, headers, body = get(server.base + path)
        expected = base64.b64decode(answer["body"])
        if status != 200 or body != expected:
            raise RuntimeError(f"{server.name} does not send the same answer to {path} ({status})")
        lower = {k.lower(): v for k, v in headers.items()}
        for name, value in answer["headers"].items():
            if lower.get(name.lower()) != value:
                raise RuntimeError(f"{server.name}: header {name} differs on {path}")


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["benchmarks/api_throughput.py", *sys.argv[1:]]),
        "machine": machine(),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "connections": CONNECTIONS,
            "threads": THREADS,
            "warmup_s": WARMUP_S,
        },
    }
    with tempfile.TemporaryDirectory(prefix="dutygraph-bench-") as tmp:
        workdir = Path(tmp)
        servers = Servers(workdir)
        try:
            print(f"readiness: starting `dutygraph serve` {READINESS_RUNS} times …", flush=True)
            info["readiness_s"] = measure_readiness(servers, READINESS_RUNS)
            print("  " + ", ".join(f"{t:.2f}s" for t in info["readiness_s"]), flush=True)

            pairs = [("access log on", dutygraph_argv, True)]
            if not args.no_quiet:
                pairs.append(("access log off", dutygraph_quiet_argv, False))
            info["results"] = {}
            for label, argv, access_log in pairs:
                print(f"\n[{label}] starting dutygraph and baseline …", flush=True)
                real = servers.start("dutygraph", argv)
                real.wait_ready()
                answers = fetch_answers(real)
                answers_file = workdir / "answers.json"
                answers_file.write_text(json.dumps(answers), encoding="utf-8")
                base = servers.start("baseline", baseline_argv(answers_file, access_log))
                base.wait_ready()
                check_same(answers, base)
                info["results"][label] = compare(real, base, args)
                real.stop()
                base.stop()
        finally:
            servers.stop_all()
    info["elapsed_s"] = round(time.perf_counter() - started, 1)
    return info


def compare(real: Server, base: Server, args: argparse.Namespace) -> dict:
    results = {}
    for route, path in ROUTES.items():
        for server in (real, base):
            wrk(server.base + path, WARMUP_S)
        runs = {"dutygraph": [], "baseline": []}
        for round_ in range(args.rounds):
            order = (real, base) if round_ % 2 == 0 else (base, real)
            for server in order:
                result = wrk(server.base + path, args.duration)
                runs[server.name].append(result)
                problems = ""
                if result["non_2xx"] or result["socket_errors"]:
                    problems = f"  !! non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}"
                print(
                    f"  {route:<24} round {round_ + 1} {server.name:<10} {result['rps']:>9.1f} req/s"
                    f"  p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms{problems}",
                    flush=True,
                )
        summary = {}
        for name, rs in runs.items():
            summary[name] = {
                "rps": statistics.median(r["rps"] for r in rs),
                "p50_ms": statistics.median(r["p50_ms"] for r in rs),
                "p99_ms": statistics.median(r["p99_ms"] for r in rs),
                "rounds": [{k: v for k, v in r.items() if k != "raw"} for r in rs],
                "raw": [r["raw"] for r in rs],
            }
        summary["ratio"] = summary["dutygraph"]["rps"] / summary["baseline"]["rps"]
        results[route] = summary
    return results


# --- report --------------------------------------------------------------------------------


def table(info: dict) -> str:
    lines = [
        "| access log | route | server | req/s (median) | p50 ms | p99 ms | dutygraph / baseline |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, results in info["results"].items():
        for route, summary in results.items():
            for name in ("dutygraph", "baseline"):
                s = summary[name]
                ratio = f"**{summary['ratio']:.0%}**" if name == "dutygraph" else ""
                rounds = " / ".join(f"{r['rps']:.0f}" for r in s["rounds"])
                lines.append(
                    f"| {label} | `{ROUTES[route]}` | {name} | {s['rps']:.0f} ({rounds}) "
                    f"| {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {ratio} |"
                )
    return "\n".join(lines)


def verdicts(info: dict) -> list[str]:
    out = []
    main = info["results"]["access log on"]
    worst = min(s["ratio"] for s in main.values())
    ok = worst >= TARGET_RATIO
    out.append(
        f"Throughput target (dutygraph ≥ {TARGET_RATIO:.0%} of the baseline on both routes, as served by "
        f"`dutygraph serve`): **{'met' if ok else 'NOT met'}** (lowest ratio {worst:.0%})."
    )
    ready = statistics.median(info["readiness_s"])
    out.append(
        f"Readiness target (median under {READINESS_TARGET_S} s): "
        f"**{'met' if ready < READINESS_TARGET_S else 'NOT met'}** (median {ready:.2f} s)."
    )
    if "access log off" in info["results"]:
        quiet = info["results"]["access log off"]
        for route in ROUTES:
            loud, silent = main[route]["dutygraph"]["rps"], quiet[route]["dutygraph"]["rps"]
            out.append(
                f"Access log cost on `{ROUTES[route]}`: dutygraph {loud:.0f} req/s with it, "
                f"{silent:.0f} without ({silent / loud - 1:+.0%} without)."
            )
    return out


def markdown(info: dict) -> str:
    m = info["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    ready = info["readiness_s"]
    s = info["settings"]
    return "\n".join(
        [
            "# REST API throughput (issue 3)",
            "",
            "Written by `benchmarks/api_throughput.py`; rerun it to refresh this part.",
            "",
            f"- date: {info['date']}",
            f"- command: `.venv/bin/python {info['command']}` (took {info['elapsed_s']} s)",
            f"- machine: {m['nproc']} cores ({m['cpu']}), {m['platform']}, Python {m['python']}; "
            f"load average at start {m['loadavg_at_start']}",
            f"- code: {m['code']}",
            f"- packages: {packages}",
            f"- load: {m['wrk']}, {s['threads']} threads, {s['connections']} connections, "
            f"{s['duration_s']} s per run, {s['rounds']} rounds per route and server, alternating servers, "
            f"after a {s['warmup_s']} s warm-up; everything on 127.0.0.1, wrk and the server share the cores",
            "- dutygraph: `python -m dutygraph serve --port P` (uvicorn, one worker, log level info, "
            'access log on); for the "access log off" rows `benchmarks/serve_without_access_log.py`, '
            "the same command with only the access log off",
            "- baseline: `benchmarks/baseline_app.py`, bare FastAPI + uvicorn with the same settings, "
            "`async def` handlers returning the bytes (and ETag, Cache-Control) fetched from dutygraph "
            "first; the run checks both servers send identical bytes",
            "",
            table(info),
            "",
            "req/s is the median of the rounds (each round in brackets); p50 and p99 are the medians of the "
            "rounds' wrk latency percentiles.",
            "",
            f"Readiness (process start → `GET /healthz` 200, `dutygraph serve`, {len(ready)} starts): median "
            f"**{statistics.median(ready):.2f} s** ({', '.join(f'{t:.2f}' for t in ready)}).",
            "",
            *[f"- {line}" for line in verdicts(info)],
            "",
        ]
    )


def replace_section(results: Path, start: str, end: str, text: str) -> None:
    """Put `text` (which begins with `start` and ends with `end`) into `results` in place of
    the section an earlier run wrote there, or at its end; the rest of the file is kept."""
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    if start in old:
        before, rest = old.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n") if end in rest else ""
    else:
        before, after = old, ""
    results.write_text(
        before.rstrip("\n") + "\n\n" + text + ("\n" + after if after else ""), encoding="utf-8"
    )


def write_results(info: dict) -> None:
    notes = ""
    if RESULTS.exists():
        old = RESULTS.read_text(encoding="utf-8")
        if NOTES_MARKER in old:
            notes = old.split(NOTES_MARKER, 1)[1].lstrip("\n")
    RESULTS.write_text(markdown(info) + "\n" + NOTES_MARKER + "\n\n" + notes, encoding="utf-8")
    LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default: %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="wrk runs per route and server (default: %(default)s)"
    )
    parser.add_argument(
        "--no-quiet",
        action="store_true",
        help="skip the comparison with the access log off (halves the time)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    if not 1 <= args.duration <= 60 or not 1 <= args.rounds <= 5:
        parser.error("--duration must be 1..60 and --rounds 1..5 (the run must stay within minutes)")
    if shutil.which("wrk") is None:
        print("wrk not found; install it: apt-get install -y wrk", file=sys.stderr)
        return 2
    return measure_and_report(args, run, table, verdicts, write_results, [RESULTS, LAST_RUN])


def measure_and_report(
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace], dict],
    table: Callable[[dict], str],
    verdicts: Callable[[dict], list[str]],
    write_results: Callable[[dict], None],
    written: list[Path],
) -> int:
    """Run a benchmark, print its table and verdicts, write its results: shared by the
    benchmarks of this folder. Servers are stopped by `run`'s own finally clauses."""
    # SIGTERM ends the run like Ctrl-C does, through the finally that stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        info = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    print()
    print(table(info))
    print()
    for line in verdicts(info):
        print(line)
    if not args.no_write:
        write_results(info)
        print("\nwritten: " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
