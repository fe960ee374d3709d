"""`dutygraph ingest`: files in, a built data folder out, every document with a draft reading.

The data folder DIR is what `serve --data DIR` and the other commands read, plus the inputs
it was built from in `DIR/inputs/` (kept across rebuilds by the build): `sources/` (each
text as received, with its `.meta.yaml`), `annotations/` (the readings: the packaged curated
ones, and a draft per ingested file), and `registry/agents.yaml` (the packaged register and
the entries the drafts propose, marked `reading: draft`). A reviewer edits a draft there,
marks it `reading: curated`, and runs `dutygraph build --sources … --annotations …
--register … --output DIR` (or ingests again: unchanged files are skipped).

Per file: read it (UTF-8 text, not empty), parse it, draft it — in parallel over the cores;
a file that fails any step fails alone, with one line naming it and the reason. Then one
build of the whole folder, which reuses every document whose inputs did not change. A
document the build refuses (it should not happen: the drafts are made to build) is removed
again and reported as failed, so DIR stays valid whatever failed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin

from dutygraph.errors import DutygraphError
from dutygraph.ontology.annotations import load_register, parse_yaml
from dutygraph.ontology.build import (
    INPUTS_FOLDER,
    PACKAGE_DIR,
    BuildInputs,
    BuildListener,
    build,
)
from dutygraph.ontology.document import DocumentError, parse

from .draft import draft_reading

SUFFIXES = (".txt", ".md")
# a folder's own documentation, not a document of it
NOT_DOCUMENTS = re.compile(r"^(readme|provenance|license|licence|changelog|notice)\b", re.I)
MAX_ID_CHARS = 80


class IngestError(DutygraphError):
    """Nothing could be ingested: a path that does not exist, an output that is no folder."""


@dataclass(frozen=True)
class Drafted:
    """One file read and drafted, ready to be written into the inputs."""

    path: Path
    doc_id: str
    data: bytes
    meta: dict
    reading: dict
    proposals: list[dict]


@dataclass(frozen=True)
class Failed:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class IngestResult:
    ingested: list[str] = field(default_factory=list)  # document ids, drafted and built
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, the id it is already)
    failed: list[Failed] = field(default_factory=list)
    documents: int = 0  # in the folder after the run
    agents: int = 0  # bodies and posts in its register after the run
    modalities: Counter[str] = field(default_factory=Counter)  # of the provisions drafted and built


@dataclass(frozen=True)
class Incoming:
    """A file to ingest, and where it came from: its path inside the folder given (its name,
    for a file given itself). A text that changes keeps its origin, so the next ingest drafts
    it again under the same id instead of adding it as another document."""

    path: Path
    origin: str


def collect(paths: Iterable[Path]) -> list[Incoming]:
    """The files to ingest: each file given, and every .txt / .md under each folder given
    (recursively, in name order), save a folder's README / PROVENANCE / LICENSE."""
    found: dict[Path, Incoming] = {}
    for path in paths:
        if path.is_file():
            found.setdefault(path, Incoming(path, path.name))
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUFFIXES and not NOT_DOCUMENTS.match(p.name):
                    found.setdefault(p, Incoming(p, p.relative_to(path).as_posix()))
        else:
            raise IngestError(f"no such file or folder: {path}")
    return list(found.values())


def slug_of(name: str) -> str:
    """A readable ASCII id from a file name: Chinese in pinyin, a word per syllable
    (专利法实施细则(2010-01-09) → zhuan-li-fa-shi-shi-xi-ze-2010-01-09)."""
    text = unicodedata.normalize("NFKC", name)
    words = "-".join(lazy_pinyin(text, errors="default"))
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")
    return slug[:MAX_ID_CHARS].rstrip("-") or "document"


def read_text(path: Path) -> tuple[bytes, str]:
    """The bytes as received and their text; ValueError naming what is wrong."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start} is {data[error.start]:#04x})") from error
    if not text.strip():
        raise ValueError("the file is empty")
    if "\x00" in text:
        raise ValueError("not text: it holds NUL characters")
    return data, text


def meta_of(doc_id: str, data: bytes, title: str, header: dict[str, str], received_as: str) -> dict:
    meta = {
        "id": doc_id,
        "file": f"{doc_id}.txt",
        "received_as": received_as,
        "sha256": hashlib.sha256(data).hexdigest(),
        "language": "zh",
        "title": {"zh": title},
        "header": {
            "verified": False,
            "note_zh": "由 dutygraph ingest 从文本读出，未经人工核对。",
            "note_en": "Read from the text by dutygraph ingest; not checked by a person.",
            **header,
        },
    }
    return meta


def draft_file(
    path: Path, doc_id: str, title: str | None, register_path: Path, origin: str
) -> Drafted | Failed:
    """Read, parse and draft one file (in a worker process)."""
    try:
        data, raw = read_text(path)
        parsed = parse(raw)
    except (ValueError, DocumentError) as error:
        return Failed(path, str(error))
    except OSError as error:
        return Failed(path, f"cannot read it: {error.strerror or error}")
    header = {}
    for kind, key in (("issuing-number", "number"), ("addressee", "addressee")):
        line = parsed.line(kind)
        if line is not None:
            header[key] = line.text
    found_title = parsed.title.strip()
    if found_title and not title:
        header["title"] = found_title
    document_title = title or found_title or path.stem
    try:
        reading = draft_reading(parsed, load_register(register_path), doc_id)
    except Exception as error:  # a rule that breaks on an unforeseen text: this file fails alone
        return Failed(path, f"drafting failed: {type(error).__name__}: {error}")
    proposals = list(reading.pop("register", []) or [])
    meta = meta_of(doc_id, data, document_title, header, origin)
    return Drafted(path, doc_id, data, meta, reading, proposals)


class Inputs:
    """`DIR/inputs`: the sources, readings and register a data folder is built from."""

    def __init__(self, output: Path) -> None:
        self.root = output / INPUTS_FOLDER
        self.sources = self.root / "sources"
        self.annotations = self.root / "annotations"
        self.register = self.root / "registry" / "agents.yaml"

    def ensure(self) -> None:
        """Start from the packaged, curated documents and register."""
        if self.register.is_file():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(PACKAGE_DIR / "sources", self.sources, dirs_exist_ok=True)
        shutil.copytree(PACKAGE_DIR / "annotations", self.annotations, dirs_exist_ok=True)
        self.register.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE_DIR / "registry" / "agents.yaml", self.register)

    def build_inputs(self) -> BuildInputs:
        return BuildInputs(sources=self.sources, annotations=self.annotations, register=self.register)

    def metas(self) -> list[dict]:
        """The `.meta.yaml` of every text here."""
        return [parse_yaml(p.read_text("utf-8")) for p in sorted(self.sources.glob("*.meta.yaml"))]

    def reviewed(self, doc_id: str) -> bool:
        """Its reading is no longer the draft ingest wrote: a person marked it curated."""
        path = self.annotations / f"{doc_id}.yaml"
        if not path.is_file():
            return False
        return (parse_yaml(path.read_text("utf-8")) or {}).get("reading", "curated") != "draft"

    def ids(self) -> set[str]:
        return {p.name.removesuffix(".meta.yaml") for p in self.sources.glob("*.meta.yaml")}

    def write(self, drafted: Drafted) -> None:
        (self.sources / f"{drafted.doc_id}.txt").write_bytes(drafted.data)
        dump(self.sources / f"{drafted.doc_id}.meta.yaml", drafted.meta)
        dump(self.annotations / f"{drafted.doc_id}.yaml", drafted.reading)

    def remove(self, doc_id: str) -> None:
        for path in (
            self.sources / f"{doc_id}.txt",
            self.sources / f"{doc_id}.meta.yaml",
            self.annotations / f"{doc_id}.yaml",
        ):
            path.unlink(missing_ok=True)

    def add_proposals(self, proposals: list[dict]) -> None:
        """New draft entries into the register, each id once (the first proposal of an id
        wins: the same words give the same id)."""
        register = parse_yaml(self.register.read_text("utf-8"))
        have = {entry["id"] for entry in (*register.get("bodies", []), *register.get("posts", []))}
        added = False
        for entry in proposals:
            if entry["id"] not in have:
                register.setdefault("bodies", []).append({**entry, "reading": "draft"})
                have.add(entry["id"])
                added = True
        if added:  # unchanged bytes otherwise: the register is an input of every document
            dump(self.register, register)


def dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), "utf-8")


def unique_id(wanted: str, taken: set[str]) -> str:
    doc_id, n = wanted, 2
    while doc_id in taken:
        doc_id, n = f"{wanted}-{n}", n + 1
    return doc_id


Report = Callable[[str, int, int, str], None]  # (what happened, done, total, file)


def ingest(
    paths: list[Path],
    output: Path,
    *,
    doc_id: str | None = None,
    title: str | None = None,
    jobs: int | None = None,
    replace: bool = False,
    report: Report | None = None,
    listener: BuildListener | None = None,
) -> IngestResult:
    """Draft and build every file of `paths` into the data folder `output`."""
    files = collect(paths)
    if (doc_id or title) and len(files) != 1:
        raise IngestError("--id and --title name one document: give a single file")
    if output.exists() and not output.is_dir():
        raise IngestError(f"{output} is a file, not a folder")
    output.mkdir(parents=True, exist_ok=True)
    inputs = Inputs(output)
    inputs.ensure()
    result = IngestResult()
    say = report or (lambda *_: None)

    work = plan(files, inputs, result, doc_id, replace)
    origins = {item.path: item.origin for item in files}

    drafted: list[Drafted] = []
    workers = max(1, min(jobs or os.cpu_count() or 1, len(work) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(draft_file, path, wanted, title, inputs.register, origins[path])
            for path, wanted in work
        ]
        for done, future in enumerate(futures, start=1):
            outcome = future.result()
            if isinstance(outcome, Failed):
                result.failed.append(outcome)
                say("failed", done, len(work), str(outcome))
            else:
                drafted.append(outcome)
                say("drafted", done, len(work), str(outcome.path))
    for item in drafted:
        inputs.write(item)
    inputs.add_proposals([p for item in drafted for p in item.proposals])
    result.ingested = [item.doc_id for item in drafted]
    build_keeping_the_good(output, inputs, drafted, result, jobs, listener)
    result.documents = len(inputs.ids())
    register = load_register(inputs.register)
    result.agents = len(register.bodies) + len(register.posts)
    built = set(result.ingested)
    kept = [item for item in drafted if item.doc_id in built]
    result.modalities = Counter(duty["modality"] for item in kept for duty in item.reading.get("duties", []))
    return result


def plan(
    files: list[Incoming], inputs: Inputs, result: IngestResult, doc_id: str | None, replace: bool
) -> list[tuple[Path, str]]:
    """(file, document id) of each file to draft. A text already here (same sha256) is
    skipped; a changed text of the same origin is drafted again under its id, unless a person
    has reviewed that reading (then only with --replace: a new draft would undo the review)."""
    metas = inputs.metas()
    known = {meta["sha256"]: meta["id"] for meta in metas}
    origins = {meta["id"]: meta["received_as"] for meta in metas if meta.get("received_as")}
    taken = {meta["id"] for meta in metas}
    work: list[tuple[Path, str]] = []
    for item in files:
        path = item.path
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:
            result.failed.append(Failed(path, f"cannot read it: {error.strerror or error}"))
            continue
        if digest in known and not replace:
            result.skipped.append((path, known[digest]))
            continue
        wanted = doc_id or known.get(digest) or same_origin(item.origin, origins)
        if wanted in taken and not replace and inputs.reviewed(wanted):
            reason = f"the text changed, but the reading of {wanted} was reviewed; --replace drafts it again"
            result.failed.append(Failed(path, reason))
            continue
        wanted = wanted or unique_id(slug_of(path.stem), taken)
        taken.add(wanted)
        work.append((path, wanted))
    return work


def same_origin(origin: str, origins: dict[str, str]) -> str | None:
    """The document first received from `origin` (a path inside the folder given), or else
    the one document received under the same file name (the folder given may differ)."""
    exact = [doc for doc, was in origins.items() if was == origin]
    if exact:
        return exact[0]
    name = origin.rsplit("/", 1)[-1]
    named = [doc for doc, was in origins.items() if was.rsplit("/", 1)[-1] == name]
    return named[0] if len(named) == 1 else None


def build_keeping_the_good(
    output: Path,
    inputs: Inputs,
    drafted: list[Drafted],
    result: IngestResult,
    jobs: int | None,
    listener: BuildListener | None,
) -> None:
    """Build the folder, leaving out a drafted document the build refuses: it is taken out
    of the inputs again and reported, and the rest is written."""
    new = {item.doc_id: item for item in drafted}
    # a document that was there before and fails now stops the build (BuildFailed): not ours to drop
    built = build(output, inputs.build_inputs(), listener=listener, jobs=jobs, may_leave_out=set(new))
    for failure in built.failed:
        inputs.remove(failure.doc_id)
        result.ingested.remove(failure.doc_id)
        result.failed.append(Failed(new[failure.doc_id].path, f"the build refused the draft: {failure}"))
