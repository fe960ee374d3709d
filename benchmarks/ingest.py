"""`dutygraph ingest` over a folder of real documents: time per document and per MB, memory,
and that ingesting again does no work.

    .venv/bin/python benchmarks/ingest.py [--corpus ../shared/corpus/opinions] [--runs 3]

The folder is copied first (the copy is what is ingested, so that one file can be changed).
Each measurement is a fresh `dutygraph ingest COPY --output DIR` process (default jobs: one
per core), timed from start to exit, its memory the peak of its process tree's RSS summed
(sampled every 50 ms) and the largest single process (ru_maxrss):
  - cold: into a fresh DIR (which also builds the packaged, curated documents it starts
    from); where the time goes, from the timestamps of the progress lines (drafting ends at
    the last `drafted N/N`, the build's documents end at `writing DIR`, then the writing and
    the command's closing summary);
  - the baseline in the same run: `dutygraph build` of the packaged documents alone into a
    fresh folder, the part of a cold ingest that is not the folder's own documents;
  - again with nothing changed (median of RUNS): the summary must say `ingested 0` and
    dataset.nq must keep its mtime (nothing rebuilt or written), as a ratio to the cold run;
  - one file changed (a line appended; median of RUNS, the line removed and the folder
    re-ingested untimed between runs): the summary must say `ingested 1` and the build must
    rebuild that document only (the others `reused`), as a ratio to the cold run.
Prints a table and writes the "Ingest (issue 11)" section of benchmarks/RESULTS.md (the rest
of the file kept) and benchmarks/last_ingest_run.json.
"""

from __future__ import annotations

import argparse
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
from dataclasses import dataclass, field
from pathlib import Path

from api_throughput import replace_section
from build_and_serve import DUTYGRAPH, ROOT, machine, start, stop_all, tree_rss_kib

from dutygraph.ingest.intake import collect

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
LAST_RUN = HERE / "last_ingest_run.json"
SECTION = "# Ingest (issue 11)"
SECTION_END = "<!-- end of the ingest section -->"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "opinions"
CHANGE = "\n（本行为基准测试所加。）\n"
SUMMARY = re.compile(
    r"ingested (\d+), skipped (\d+), failed (\d+) in ([\d.]+)s; .* holds (\d+) documents, (\d+) bodies"
)
DRAFTED = re.compile(r"^drafted (\d+)/(\d+) ")


@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    tree_peak_kib: int
    stdout: str
    stderr: list[tuple[float, str]] = field(default_factory=list)

    def last(self, pattern: re.Pattern[str] | str) -> float | None:
        """The time of the last progress line matching `pattern`."""
        found = [t for t, line in self.stderr if re.search(pattern, line)]
        return found[-1] if found else None


def run(argv: list[str]) -> Run:
    lines: list[tuple[float, str]] = []
    peak = [0]
    started = time.perf_counter()
    process = start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def read() -> None:
        for raw in process.stderr:
            lines.append((time.perf_counter() - started, raw.decode("utf-8", "replace").rstrip("\n")))

    def sample() -> None:
        while process.returncode is None:
            peak[0] = max(peak[0], tree_rss_kib(process.pid)[0])
            time.sleep(0.05)

    threads = [threading.Thread(target=read, daemon=True), threading.Thread(target=sample, daemon=True)]
    for thread in threads:
        thread.start()
    stdout = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(timeout=10)
    if process.returncode not in (0, 1):  # 1: some file failed, which the summary lists
        tail = "\n".join(line for _, line in lines[-10:])
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}:\n{tail}")
    return Run(seconds, usage.ru_maxrss, peak[0], stdout, lines)


def summary(result: Run) -> dict:
    found = SUMMARY.search(result.stdout)
    if not found:
        raise RuntimeError(f"no summary line in the output of ingest:\n{result.stdout}")
    ingested, skipped, failed, _, documents, bodies = found.groups()
    counts = {
        "ingested": ingested,
        "skipped": skipped,
        "failed": failed,
        "documents": documents,
        "bodies": bodies,
    }
    return {name: int(value) for name, value in counts.items()}


def corpus_files(folder: Path) -> list[Path]:
    """The files ingest takes from the folder (not its README or PROVENANCE)."""
    return [item.path for item in collect([folder])]


def measure(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="dutygraph-ingest-bench-"))
    try:
        texts = work / "texts"
        shutil.copytree(args.corpus, texts)
        files = corpus_files(texts)
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        output = work / "data"
        ingest = [*DUTYGRAPH, "ingest", str(texts), "--output", str(output)]

        baseline = run([*DUTYGRAPH, "build", "--output", str(work / "packaged")])
        cold = run(ingest)
        cold_summary = summary(cold)
        drafted_at = cold.last(DRAFTED)
        writing_at = cold.last(r"^writing ")
        built_at = cold.last(r" built in | built, ")

        mtime = (output / "dataset.nq").stat().st_mtime_ns
        again_runs, again_wrote = [], []
        for _ in range(args.runs):
            again = run(ingest)
            again_runs.append(again.seconds)
            said = summary(again)
            assert said["ingested"] == 0, said
            assert said["skipped"] == cold_summary["ingested"] + cold_summary["skipped"], said
            # a file that failed is tried again (the code may have changed); only then is anything written
            again_wrote.append((output / "dataset.nq").stat().st_mtime_ns != mtime)

        changed_file = next(p for p in files if "PROVENANCE" not in p.name)
        original = changed_file.read_bytes()
        one_runs, rebuilt = [], []
        for _ in range(args.runs):
            changed_file.write_bytes(original + CHANGE.encode("utf-8"))
            one = run(ingest)
            one_runs.append(one.seconds)
            said = summary(one)
            assert said["ingested"] == 1, said
            rebuilt.append(sum(line.startswith("built ") for _, line in one.stderr))
            changed_file.write_bytes(original)
            run(ingest)  # back to the cold state, untimed
        return {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["benchmarks/ingest.py", *sys.argv[1:]]),
            "machine": machine(),
            "corpus": str(args.corpus),
            "files": len(files),
            "megabytes": round(megabytes, 3),
            "cold": {
                "seconds": cold.seconds,
                "drafting_s": drafted_at,
                "build_documents_s": writing_at,
                "written_s": built_at,
                "maxrss_kib": cold.maxrss_kib,
                "tree_peak_kib": cold.tree_peak_kib,
                "summary": cold_summary,
                "summary_line": cold.stdout.strip().splitlines()[-1],
                "failures": [line for _, line in cold.stderr if line.startswith("failed ")],
            },
            "baseline_build_packaged_s": baseline.seconds,
            "again_s": again_runs,
            "again_wrote": again_wrote,
            "one_changed_s": one_runs,
            "one_changed_documents_built": rebuilt,
        }
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)


def _mb(kib: int) -> str:
    return f"{kib / 1024:.0f} MB"


def markdown(info: dict) -> str:
    cold, said = info["cold"], info["cold"]["summary"]
    ingested = said["ingested"]
    again, one = statistics.median(info["again_s"]), statistics.median(info["one_changed_s"])
    baseline = info["baseline_build_packaged_s"]
    own = cold["seconds"] - baseline
    phases = []
    previous = 0.0
    for name, at in (
        ("drafting (read, parse, draft; in parallel)", cold["drafting_s"]),
        ("the build's documents (compile, validate, serialise)", cold["build_documents_s"]),
        ("writing the folder, the closing summary", cold["seconds"]),
    ):
        if at is not None:
            phases.append(f"| {name} | {at - previous:.1f} s |")
            previous = at
    m = info["machine"]
    lines = [
        SECTION,
        "",
        "Written by `benchmarks/ingest.py`; rerun it to refresh this section.",
        "",
        f"- date: {info['date']}; command: `.venv/bin/python {info['command']}`",
        f"- machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}; "
        f"load average at start {m['loadavg_at_start']}; code {m['code']}",
        f"- input: `{info['corpus']}`, {info['files']} .txt / .md files, {info['megabytes']:.3f} MB",
        "",
        "| measurement | value |",
        "| --- | --- |",
        f"| cold ingest (fresh folder, default jobs) | **{cold['seconds']:.1f} s** |",
        f"| files ingested / skipped / failed | {ingested} / {said['skipped']} / {said['failed']} |",
        f"| baseline: `dutygraph build` of the packaged documents alone | {baseline:.1f} s |",
        f"| cold less the baseline, per document ingested | **{own / max(ingested, 1):.2f} s** |",
        f"| cold less the baseline, per MB of text | **{own / info['megabytes']:.1f} s** |",
        f"| peak memory: process tree (summed RSS) / largest process | {_mb(cold['tree_peak_kib'])} / "
        f"{_mb(cold['maxrss_kib'])} |",
        f"| again, nothing changed (median of {len(info['again_s'])}) | **{again:.2f} s** "
        f"({again / cold['seconds']:.3f} × cold); "
        + (
            "nothing drafted, built or written |"
            if not any(info["again_wrote"])
            else "the failed files drafted again and the folder rewritten |"
        ),
        f"| one file changed (median of {len(info['one_changed_s'])}) | **{one:.2f} s** "
        f"({one / cold['seconds']:.3f} × cold); documents rebuilt: {info['one_changed_documents_built']} |",
        "",
        "Where the cold run's time goes (from its progress lines):",
        "",
        "| phase | time |",
        "| --- | --- |",
        *phases,
        "",
        f"Summary line: `{cold['summary_line']}`",
        "",
    ]
    if cold["failures"]:
        lines += ["Files that failed (each alone):", "", *[f"- `{line}`" for line in cold["failures"]], ""]
    lines.append(SECTION_END)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="default: %(default)s")
    parser.add_argument("--runs", type=int, default=3, help="runs of the warm measurements (default: 3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder")
    if not 1 <= args.runs <= 5:
        parser.error("--runs must be 1..5")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        info = measure(args)
    except KeyboardInterrupt:
        print("\ninterrupted; every process it started was stopped", file=sys.stderr)
        return 130
    text = markdown(info)
    print(text)
    if not args.no_write:
        replace_section(RESULTS, SECTION, SECTION_END, text + "\n")
        LAST_RUN.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten: {RESULTS.relative_to(ROOT)}, {LAST_RUN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
