"""The build: sources + annotations + ontology → validated RDF files, byte-identical each run.

Output folder:
    dataset.nq            every graph, sorted N-Quads (the canonical form)
    ontology.ttl          the ontology graph
    documents/{doc}.ttl   one graph per document
    texts/{doc}.txt       the cleaned text the offsets index
    register.ttl          the register graph: the bodies and posts the documents mention
    manifest.json         input hashes, namespaces and counts
    cache/build.json      what each part was built from (the key of its inputs) and the
                          sha256 of what it wrote: how the next build knows what to reuse

Each document is built on its own (`build_document`): from its source, its metadata, its
reading, the ontology and shapes, the namespaces and the code version alone, into its named
graph, validated with SHACL against itself plus the ontology. Documents are built in
parallel (a process pool, one worker per core unless told otherwise; none for one document).
A document whose inputs hash to the key the previous build recorded is reused from that
build's files, which are checked against the digests it recorded; when every part is
reused and the folder is as the last build left it, nothing is written at all.

A document that fails does not stop the others: every failure is collected and reported
(`BuildFailed`: file, entry, reason for each). A failed build writes nothing: outputs are
written to a fresh folder and swapped in only when every document succeeded, so the
previous outputs stay as they were (and the next build rebuilds what this one built).

Validation is per document, against the ontology and the whole register. Bodies and posts
are the register's (`registry/agents.yaml`), once for all documents; everything a document
says is under its own IRI (id/document/{doc}/…), so no two documents' graphs describe the
same resource, and a build in which they would is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
import traceback
from collections.abc import Collection, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Protocol

from rdflib import Graph, URIRef

from .. import __version__
from ..errors import DutygraphError
from .annotations import AnnotationError, Register, SourceMetadata, load_metadata, load_reading, load_register
from .checks import quote_problems, validate_graph
from .closure import materialise
from .compile import DocumentCompiler, compile_register, register_closure
from .document import DocumentError, ParsedDocument, parse
from .errors import BuildError
from .namespaces import DEFAULT_DATA_NAMESPACE, DEFAULT_ONTOLOGY_NAMESPACE, Namespaces
from .paths import DEFAULT_BUILD_DIR, PACKAGE_DIR
from .rdf_files import canonical_turtle, join_nquads, nquad_lines, split_nquads

CACHE_FILE = "cache/build.json"
# A data folder made by `dutygraph ingest` keeps the inputs it was built from (sources,
# readings, its register) in this subfolder; a rebuild carries it over untouched.
INPUTS_FOLDER = "inputs"
CACHE_FORMAT = 2  # 2: each document records the register entries it names


@dataclass(frozen=True)
class BuildInputs:
    sources: Path = PACKAGE_DIR / "sources"
    annotations: Path = PACKAGE_DIR / "annotations"
    register: Path = PACKAGE_DIR / "registry" / "agents.yaml"
    ontology: Path = PACKAGE_DIR / "dutygraph.ttl"
    shapes: Path = PACKAGE_DIR / "shapes.ttl"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_json(data: object) -> str:
    return sha256_bytes(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8"))


@cache
def code_version() -> str:
    """The package version, the libraries that shape the bytes, and a hash of this code."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    libraries = "+".join(f"{name}-{metadata.version(name)}" for name in ("rdflib", "pyshacl", "pydantic"))
    return f"dutygraph-{__version__}+{libraries}+{digest.hexdigest()[:16]}"


# -- reading the inputs ----------------------------------------------------------------------


def parse_rdf(raw: bytes, path: Path | str, ns: Namespaces) -> Graph:
    """Parse a Turtle file of the project, moved into the configured namespaces."""
    text = raw.decode("utf-8")
    text = text.replace(DEFAULT_ONTOLOGY_NAMESPACE, ns.ontology)
    text = text.replace(DEFAULT_ONTOLOGY_NAMESPACE[:-1] + ">", ns.ontology_iri + ">")
    text = text.replace(DEFAULT_DATA_NAMESPACE, ns.data)
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as error:  # rdflib raises several parser exception types
        raise BuildError(f"{path}: not valid Turtle: {error}") from error
    return graph


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise BuildError(f"{path}: file not found") from error


def read_rdf(path: Path, ns: Namespaces) -> tuple[Graph, bytes]:
    raw = read_bytes(path)
    return parse_rdf(raw, path, ns), raw


def document_ids(sources: Path) -> list[str]:
    if not sources.is_dir():
        raise BuildError(f"{sources}: sources folder not found")
    ids = sorted(p.name.removesuffix(".meta.yaml") for p in sources.glob("*.meta.yaml"))
    if not ids:
        raise BuildError(f"{sources}: no document metadata (*.meta.yaml) found")
    return ids


@dataclass(frozen=True)
class SharedInputs:
    """What every document's build depends on: the ontology, the shapes and the register."""

    ns: Namespaces
    ontology_name: str
    ontology: bytes
    shapes_name: str
    shapes: bytes
    register_path: Path
    register_bytes: bytes
    register: Register

    @classmethod
    def read(cls, inputs: BuildInputs, ns: Namespaces) -> SharedInputs:
        """Read them, and check the register (a bad one stops the whole build)."""
        ontology, shapes = read_bytes(inputs.ontology), read_bytes(inputs.shapes)
        register_bytes = read_bytes(inputs.register)
        register = load_register(inputs.register)
        return cls(
            ns,
            inputs.ontology.name,
            ontology,
            inputs.shapes.name,
            shapes,
            inputs.register,
            register_bytes,
            register,
        )

    @property
    def hashes(self) -> dict[str, str]:
        return {
            self.ontology_name: sha256_bytes(self.ontology),
            self.shapes_name: sha256_bytes(self.shapes),
            self.register_path.name: sha256_bytes(self.register_bytes),
        }

    def ontology_key(self) -> str:
        """The ontology graph depends on the ontology file, the namespaces and the code."""
        return sha256_json(["ontology", code_version(), self.ns.ontology, self.ns.data, self.hashes])

    def key(self) -> str:
        """What every document's build depends on, the register aside: a document depends only
        on the entries it names (`register_digest`), so that an entry added for one document
        does not rebuild the others."""
        hashes = {name: digest for name, digest in self.hashes.items() if name != self.register_path.name}
        return sha256_json(["shared", code_version(), self.ns.ontology, self.ns.data, hashes])


def register_digest(register: Register, slugs: Collection[str]) -> str:
    """The register entries `slugs` and what they are units, kinds or posts of, as they are
    now: the part of the register a document's build depends on (an entry gone counts too:
    its document is built again, and fails naming it)."""
    wanted = register_closure(register, set(slugs))
    entries = [register.agent(slug) for slug in sorted(wanted)]
    missing = sorted(set(slugs) - wanted)
    return sha256_json([[e.model_dump(mode="json") for e in entries if e is not None], missing])


@dataclass(frozen=True)
class DocumentInputs:
    """One document's own input files, with the sha256 of each as read for its key."""

    doc_id: str
    meta_path: Path
    source_path: Path
    reading_path: Path
    hashes: dict[str, str]  # file name → sha256

    @classmethod
    def read(cls, doc_id: str, inputs: BuildInputs) -> DocumentInputs:
        meta_path = inputs.sources / f"{doc_id}.meta.yaml"
        meta = load_metadata(meta_path)
        source_path = inputs.sources / meta.file
        try:
            source = source_path.read_bytes()
        except FileNotFoundError as error:
            raise BuildError(f"{meta_path}: file: source text {source_path} not found") from error
        reading_path = inputs.annotations / f"{doc_id}.yaml"
        if not reading_path.exists():
            raise BuildError(f"{reading_path}: no curated reading for document {doc_id!r}")
        hashes = {
            meta_path.name: sha256_bytes(meta_path.read_bytes()),
            source_path.name: sha256_bytes(source),
            reading_path.name: sha256_bytes(reading_path.read_bytes()),
        }
        return cls(doc_id, meta_path, source_path, reading_path, hashes)

    def key(self, shared_key: str, register_digest: str) -> str:
        return sha256_json(["document", shared_key, self.doc_id, self.hashes, register_digest])


# -- one document ----------------------------------------------------------------------------


def check_header(meta: SourceMetadata, parsed: ParsedDocument, meta_path: Path) -> None:
    """The header lines the metadata states (title, 文号, addressee) are the text's own."""
    for name, kind in (("title", "title"), ("number", "issuing-number"), ("addressee", "addressee")):
        stated = getattr(meta.header, name)
        found = parsed.line(kind)
        if stated is not None and (found is None or found.text != stated):
            where = f"the text's {kind} line is {found.text!r}" if found else f"the text has no {kind} line"
            raise AnnotationError(meta_path, f"header.{name}", f"{stated!r} is not the header: {where}")


def compile_document(
    doc_id: str, inputs: BuildInputs, ns: Namespaces, register: Register
) -> tuple[Graph, str]:
    """One document's graph (not yet materialised) and its cleaned text; raise on any problem."""
    meta_path = inputs.sources / f"{doc_id}.meta.yaml"
    meta = load_metadata(meta_path)
    if meta.id != doc_id:
        raise AnnotationError(meta_path, "id", f"{meta.id!r} does not match the file name {doc_id!r}")
    source_path = inputs.sources / meta.file
    try:
        raw_bytes = source_path.read_bytes()
    except FileNotFoundError as error:
        raise BuildError(f"{meta_path}: file: source text {source_path} not found") from error
    if sha256_bytes(raw_bytes) != meta.sha256:
        raise BuildError(
            f"{source_path}: the text is not the one received (sha256 {sha256_bytes(raw_bytes)}, "
            f"metadata says {meta.sha256}); sources are kept exactly as received"
        )
    try:
        parsed = parse(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, DocumentError) as error:
        raise BuildError(f"{source_path}: {error}") from error
    check_header(meta, parsed, meta_path)
    reading_path = inputs.annotations / f"{doc_id}.yaml"
    if not reading_path.exists():
        raise BuildError(f"{reading_path}: no curated reading for document {doc_id!r}")
    reading = load_reading(reading_path, register)
    if reading.document != doc_id:
        raise AnnotationError(reading_path, "document", f"{reading.document!r} is not {doc_id!r}")
    graph = Graph()
    DocumentCompiler(graph, ns, parsed, meta, reading, register, reading_path).compile()
    return graph, parsed.text


@dataclass(frozen=True)
class SharedGraphs:
    """The shared inputs parsed: the ontology (its hierarchy materialised) and the shapes,
    which every document is validated with (and the register, its entries drawn as needed)."""

    ns: Namespaces
    ontology: Graph
    shapes: Graph
    register: Register

    @classmethod
    def parse(cls, shared: SharedInputs) -> SharedGraphs:
        ontology = parse_rdf(shared.ontology, shared.ontology_name, shared.ns)
        materialise(ontology, ontology)
        shapes = parse_rdf(shared.shapes, shared.shapes_name, shared.ns)
        return cls(shared.ns, ontology, shapes, shared.register)

    def register_graph(self, slugs: set[str]) -> Graph:
        """The register entries `slugs` need (them, and what they are units, kinds or posts
        of), materialised."""
        graph = Graph()
        compile_register(graph, self.ns, self.register, slugs)
        materialise(graph, self.ontology)
        return graph


def register_slugs(graph: Graph, ns: Namespaces) -> set[str]:
    """The register entries a document's graph refers to: the slugs of its id/body/… and
    id/post/… IRIs."""
    slugs = set()
    for prefix in (str(ns.id["body/"]), str(ns.id["post/"])):
        for node in graph.all_nodes():
            if isinstance(node, URIRef) and node.startswith(prefix) and "/" not in node[len(prefix) :]:
                slugs.add(node[len(prefix) :])
    return slugs


@dataclass(frozen=True)
class DocumentOutput:
    """What one document's build gives: its files' contents and its counts."""

    doc_id: str
    key: str
    turtle: bytes  # documents/{doc}.ttl
    nquads: list[str]  # its named graph's lines of dataset.nq, sorted
    text: str  # texts/{doc}.txt
    inputs: dict[str, str]  # its input files' names → sha256
    register: tuple[str, ...] = ()  # the register entries it names (its key covers them)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return len(self.nquads)


@dataclass(frozen=True)
class DocumentFailure:
    """Why one document could not be built; `str()` names the file, the entry and the reason."""

    doc_id: str
    message: str
    file: str | None = None
    entry: str | None = None

    @classmethod
    def of(cls, doc_id: str, error: Exception) -> DocumentFailure:
        if isinstance(error, AnnotationError):
            return cls(doc_id, str(error), error.file, error.entry)
        if isinstance(error, DutygraphError):  # a bad input, refused on purpose
            return cls(doc_id, str(error))
        # a bug, not a bad input: keep the traceback for whoever fixes it
        return cls(doc_id, f"unexpected {type(error).__name__}: {error}\n{traceback.format_exc()}")

    def __str__(self) -> str:
        return self.message


def check_document(graph: Graph, shared: SharedGraphs, doc: DocumentInputs, slugs: set[str]) -> None:
    """Quotes against their offsets, then SHACL, on the document's graph plus the ontology
    and the register entries it names."""
    union = Graph()
    union += shared.ontology
    union += shared.register_graph(slugs)
    union += graph
    problems = quote_problems(union, shared.ns)
    if problems:
        listed = "\n".join(problems[:20])
        raise BuildError(f"{doc.reading_path}: quotes do not match their offsets:\n{listed}")
    report = validate_graph(union, shared.shapes)
    if report:
        raise BuildError(f"{doc.reading_path}: SHACL validation failed:\n" + report)


def build_document(doc: DocumentInputs, shared_key: str, shared: SharedGraphs) -> DocumentOutput:
    """Compile, materialise, validate and serialise one document; raise on any problem."""
    started = time.perf_counter()
    inputs = BuildInputs(sources=doc.meta_path.parent, annotations=doc.reading_path.parent)
    graph, text = compile_document(doc.doc_id, inputs, shared.ns, shared.register)
    materialise(graph, shared.ontology)
    slugs = register_slugs(graph, shared.ns)
    check_document(graph, shared, doc, slugs)
    name = shared.ns.id[f"document/{doc.doc_id}"]
    return DocumentOutput(
        doc_id=doc.doc_id,
        key=doc.key(shared_key, register_digest(shared.register, slugs)),
        register=tuple(sorted(slugs)),
        turtle=canonical_turtle(graph, shared.ns),
        nquads=nquad_lines(name, graph),
        text=text,
        inputs=doc.hashes,
        seconds=time.perf_counter() - started,
    )


def try_document(
    doc: DocumentInputs, shared_key: str, shared: SharedGraphs
) -> DocumentOutput | DocumentFailure:
    try:
        return build_document(doc, shared_key, shared)
    except Exception as error:  # every failure is reported with the others, none stops them
        return DocumentFailure.of(doc.doc_id, error)


# A worker process parses the shared inputs once, then builds the documents it is given.
_worker: tuple[str, SharedGraphs] | None = None


def _start_worker(shared: SharedInputs) -> None:
    global _worker
    _worker = (shared.key(), SharedGraphs.parse(shared))


def _build_in_worker(doc: DocumentInputs) -> DocumentOutput | DocumentFailure:
    assert _worker is not None, "the worker was not started"
    return try_document(doc, *_worker)


# -- the ontology graph ----------------------------------------------------------------------


@dataclass(frozen=True)
class OntologyOutput:
    key: str
    turtle: bytes  # ontology.ttl
    nquads: list[str]


def build_ontology(shared: SharedInputs, graphs: SharedGraphs) -> OntologyOutput:
    name = URIRef(shared.ns.ontology_iri)
    turtle = canonical_turtle(graphs.ontology, shared.ns)
    return OntologyOutput(shared.ontology_key(), turtle, nquad_lines(name, graphs.ontology))


@dataclass(frozen=True)
class RegisterOutput:
    turtle: bytes  # register.ttl
    nquads: list[str]


def build_register(
    shared: SharedInputs, graphs: SharedGraphs, documents: dict[str, DocumentOutput]
) -> RegisterOutput:
    """The register graph served: the entries the documents name, and their parents."""
    graph = graphs.register_graph({slug for out in documents.values() for slug in out.register})
    name = shared.ns.id["register"]
    return RegisterOutput(canonical_turtle(graph, shared.ns), nquad_lines(name, graph))


# -- what the previous build left ------------------------------------------------------------


@dataclass
class PreviousBuild:
    """The output folder as the last successful build left it, and what it was built from."""

    folder: Path
    record: dict = field(default_factory=dict)
    _graphs: dict[str, list[str]] | None = None

    @classmethod
    def read(cls, folder: Path) -> PreviousBuild:
        try:
            record = json.loads((folder / CACHE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # no build there yet, or not one this code wrote
            return cls(folder)
        if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
            return cls(folder)
        return cls(folder, record)

    def _file(self, name: str) -> bytes | None:
        """A file of the previous build, if it is still the one that build wrote."""
        try:
            data = (self.folder / name).read_bytes()
        except OSError:
            return None
        return data if sha256_bytes(data) == self.record.get("files", {}).get(name) else None

    def _lines(self, graph: str, digest: str | None) -> list[str] | None:
        if self._graphs is None:
            dataset = self._file("dataset.nq")
            self._graphs = split_nquads(dataset) if dataset is not None else {}
        lines = self._graphs.get(graph)
        if lines is None or sha256_bytes("".join(lines).encode("utf-8")) != digest:
            return None
        return lines

    def unchanged(self, ontology_key: str, keys: dict[str, str | None]) -> bool:
        """The folder holds exactly what a build of these keys writes: nothing to do."""
        if not self.record or self.record.get("ontology", {}).get("key") != ontology_key:
            return False
        if {doc: entry.get("key") for doc, entry in self.record.get("documents", {}).items()} != keys:
            return False
        files = {
            name
            for p in self.folder.rglob("*")
            if p.is_file()
            and (name := p.relative_to(self.folder).as_posix()) != CACHE_FILE
            and not name.startswith(f"{INPUTS_FOLDER}/")  # an ingested folder's inputs, not outputs
        }
        recorded = self.record.get("files", {})
        return files == set(recorded) and all(self._file(name) is not None for name in recorded)

    def ontology(self, key: str, ns: Namespaces) -> OntologyOutput | None:
        entry = self.record.get("ontology", {})
        if entry.get("key") != key:
            return None
        turtle = self._file("ontology.ttl")
        lines = self._lines(ns.ontology_iri, entry.get("nquads"))
        return None if turtle is None or lines is None else OntologyOutput(key, turtle, lines)

    def key(self, doc: DocumentInputs, shared: SharedInputs, shared_key: str) -> str | None:
        """The key `doc` has now if it still names the register entries it named last time
        (it does when its reading did not change, which the key covers); None if not built."""
        entry = self.record.get("documents", {}).get(doc.doc_id)
        if not entry or not isinstance(entry.get("register"), list):
            return None
        return doc.key(shared_key, register_digest(shared.register, entry["register"]))

    def document(self, doc: DocumentInputs, key: str | None, ns: Namespaces) -> DocumentOutput | None:
        entry = self.record.get("documents", {}).get(doc.doc_id, {})
        if key is None or entry.get("key") != key:
            return None
        turtle = self._file(f"documents/{doc.doc_id}.ttl")
        text = self._file(f"texts/{doc.doc_id}.txt")
        lines = self._lines(str(ns.id[f"document/{doc.doc_id}"]), entry.get("nquads"))
        if turtle is None or text is None or lines is None:
            return None
        return DocumentOutput(
            doc.doc_id, key, turtle, lines, text.decode("utf-8"), doc.hashes, tuple(entry["register"])
        )


# -- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reused:
    """A document whose inputs did not change: the previous build's output is kept."""

    doc_id: str


class BuildListener(Protocol):
    """Told what the build does, document by document (the CLI draws it)."""

    def planned(self, total: int, to_build: int) -> None: ...

    def working(self, doc_ids: list[str]) -> None: ...

    def finished(self, outcome: DocumentOutput | Reused | DocumentFailure) -> None: ...

    def note(self, message: str) -> None: ...


class Silent:
    def planned(self, total: int, to_build: int) -> None:
        pass

    def working(self, doc_ids: list[str]) -> None:
        pass

    def finished(self, outcome: DocumentOutput | Reused | DocumentFailure) -> None:
        pass

    def note(self, message: str) -> None:
        pass


# -- the whole build -------------------------------------------------------------------------


class BuildFailed(BuildError):
    """One or more documents failed; every failure is here, each naming file, entry and reason."""

    def __init__(self, failures: list[DocumentFailure], total: int) -> None:
        self.failures = sorted(failures, key=lambda failure: failure.doc_id)
        lines = [f"- {failure.doc_id}: {failure}" for failure in self.failures]
        super().__init__(
            f"{len(failures)} of {total} document(s) failed; nothing was written:\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the documents it built, those it reused, whether it wrote."""

    built: list[str]
    reused: list[str]
    written: bool  # False: the folder was already what these inputs give; nothing was written
    failed: list[DocumentFailure] = field(default_factory=list)  # left out (may_leave_out)


def run_documents(
    docs: list[DocumentInputs],
    shared: SharedInputs,
    jobs: int,
    listener: BuildListener,
    graphs: SharedGraphs | None,
) -> Iterable[DocumentOutput | DocumentFailure]:
    """Build `docs`, in a pool of `jobs` processes when there are several; yield as they finish."""
    workers = min(jobs, len(docs))
    if workers <= 1:
        graphs = graphs or SharedGraphs.parse(shared)
        for doc in docs:
            listener.working([doc.doc_id])
            yield try_document(doc, shared.key(), graphs)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(shared,))
    try:
        futures: dict[Future, DocumentInputs] = {pool.submit(_build_in_worker, doc): doc for doc in docs}
        waiting = [doc.doc_id for doc in docs]  # the pool takes them in this order
        listener.working(waiting[:workers])
        for future in as_completed(futures):
            doc = futures[future]
            try:
                outcome = future.result()
            except Exception as error:  # a worker that died, a result that would not pickle
                outcome = DocumentFailure(doc.doc_id, f"the build of {doc.doc_id} crashed: {error!r}")
            waiting.remove(doc.doc_id)
            yield outcome
            if waiting:
                listener.working(waiting[:workers])
    finally:  # on Ctrl-C too: documents not started are not started
        pool.shutdown(wait=True, cancel_futures=True)


def build(
    output: Path = DEFAULT_BUILD_DIR,
    inputs: BuildInputs | None = None,
    ns: Namespaces | None = None,
    listener: BuildListener | None = None,
    jobs: int | None = None,
    may_leave_out: Collection[str] = (),
) -> BuildResult:
    """Build every document (reusing what has not changed), then write the output folder.

    Raises `BuildFailed` (after every document was tried) when any document fails, and
    `BuildError` for what no document can be built without (the ontology, the sources).
    A failing document of `may_leave_out` (ingest: a new draft must not hold the others back)
    is left out instead: the folder is written without it, and the result lists it in `failed`."""
    check_output(output)  # before the compiling, not after it
    inputs, ns, listener = inputs or BuildInputs(), ns or Namespaces(), listener or Silent()
    jobs = jobs or os.cpu_count() or 1
    shared = SharedInputs.read(inputs, ns)
    shared_key = shared.key()
    ids = document_ids(inputs.sources)
    previous = PreviousBuild.read(output)

    failures: list[DocumentFailure] = []
    docs: dict[str, DocumentInputs] = {}
    for doc_id in ids:
        try:
            docs[doc_id] = DocumentInputs.read(doc_id, inputs)
        except Exception as error:
            failures.append(DocumentFailure.of(doc_id, error))
    keys = {doc_id: previous.key(doc, shared, shared_key) for doc_id, doc in docs.items()}

    if not failures and previous.unchanged(shared.ontology_key(), keys):
        listener.planned(len(ids), 0)
        for doc_id in ids:
            listener.finished(Reused(doc_id))
        listener.note(f"{output} is up to date: nothing to build or write")
        return BuildResult(built=[], reused=ids, written=False)

    outputs: dict[str, DocumentOutput] = {}
    for doc_id, doc in docs.items():
        if (out := previous.document(doc, keys[doc_id], ns)) is not None:
            outputs[doc_id] = out
    to_build = [doc for doc_id, doc in docs.items() if doc_id not in outputs]
    listener.planned(len(ids), len(to_build))
    for doc_id in sorted(outputs):
        listener.finished(Reused(doc_id))
    for failure in failures:
        listener.finished(failure)

    graphs = None
    ontology = previous.ontology(shared.ontology_key(), ns)
    if ontology is None:
        graphs = SharedGraphs.parse(shared)  # also for the documents built in this process
        ontology = build_ontology(shared, graphs)
    for outcome in run_documents(to_build, shared, jobs, listener, graphs):
        if isinstance(outcome, DocumentFailure):
            failures.append(outcome)
        else:
            outputs[outcome.doc_id] = outcome
        listener.finished(outcome)
    if any(failure.doc_id not in may_leave_out for failure in failures):
        raise BuildFailed(failures, len(ids))

    if shared_resources := defined_twice(outputs):
        listed = "\n".join(f"- {line}" for line in shared_resources[:20])
        raise BuildError(
            f"{len(shared_resources)} resource(s) are described by more than one document; a "
            f"document describes only what is under its own IRI, bodies and posts are the "
            f"register's; nothing was written:\n{listed}"
        )
    register = build_register(shared, graphs or SharedGraphs.parse(shared), outputs)
    listener.note(f"writing {output}")
    write_outputs(ontology, register, dict(sorted(outputs.items())), shared, output)
    built = sorted(doc.doc_id for doc in to_build if doc.doc_id in outputs)
    failed = sorted(failures, key=lambda failure: failure.doc_id)
    reused = sorted(set(outputs) - set(built))
    return BuildResult(built=built, reused=reused, written=True, failed=failed)


RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def defined_twice(documents: dict[str, DocumentOutput]) -> list[str]:
    """Resources that more than one document's graph gives a type: `iri (doc, doc)`."""
    definers: dict[str, list[str]] = {}
    for doc_id, out in sorted(documents.items()):
        typed = {parts[0] for line in out.nquads if (parts := line.split(" ", 2))[1] == RDF_TYPE}
        for subject in typed:
            definers.setdefault(subject, []).append(doc_id)
    return sorted(f"{iri[1:-1]} ({', '.join(docs)})" for iri, docs in definers.items() if len(docs) > 1)


def compile_all(inputs: BuildInputs, ns: Namespaces | None = None) -> dict[str, Graph]:
    """Compile and materialise every document in this process, raising the first problem
    as it is (an `AnnotationError` names its file and entry); no validation, nothing written."""
    ns = ns or Namespaces()
    ontology, _ = read_rdf(inputs.ontology, ns)
    materialise(ontology, ontology)
    register = load_register(inputs.register)
    graphs = {}
    for doc_id in document_ids(inputs.sources):
        graph, _ = compile_document(doc_id, inputs, ns, register)
        materialise(graph, ontology)
        graphs[doc_id] = graph
    return graphs


# -- writing ---------------------------------------------------------------------------------


def manifest(
    ontology: OntologyOutput,
    register: RegisterOutput,
    documents: dict[str, DocumentOutput],
    shared: SharedInputs,
) -> dict:
    inputs = dict(shared.hashes)
    graphs = {
        shared.ns.ontology_iri: len(ontology.nquads),
        str(shared.ns.id["register"]): len(register.nquads),
    }
    for doc_id, out in documents.items():
        inputs.update(out.inputs)
        graphs[str(shared.ns.id[f"document/{doc_id}"])] = out.triples
    return {
        "namespaces": {"ontology": shared.ns.ontology, "data": shared.ns.data},
        "inputs": dict(sorted(inputs.items())),
        "graphs": graphs,
        "documents": sorted(documents),
    }


def output_files(
    ontology: OntologyOutput,
    register: RegisterOutput,
    documents: dict[str, DocumentOutput],
    shared: SharedInputs,
) -> dict[str, bytes]:
    """Every file of the output folder but the cache record, by path inside it."""
    files = {
        "dataset.nq": join_nquads(
            [ontology.nquads, register.nquads, *(out.nquads for out in documents.values())]
        ),
        "ontology.ttl": ontology.turtle,
        "register.ttl": register.turtle,
    }
    for doc_id, out in documents.items():
        files[f"documents/{doc_id}.ttl"] = out.turtle
        files[f"texts/{doc_id}.txt"] = out.text.encode("utf-8")
    text = json.dumps(
        manifest(ontology, register, documents, shared), ensure_ascii=False, indent=2, sort_keys=True
    )
    files["manifest.json"] = f"{text}\n".encode()
    return files


def cache_record(
    ontology: OntologyOutput, documents: dict[str, DocumentOutput], files: dict[str, bytes]
) -> bytes:
    def lines_digest(lines: list[str]) -> str:
        return sha256_bytes("".join(lines).encode("utf-8"))

    record = {
        "format": CACHE_FORMAT,
        "code": code_version(),
        "ontology": {"key": ontology.key, "nquads": lines_digest(ontology.nquads)},
        "documents": {
            doc_id: {"key": out.key, "nquads": lines_digest(out.nquads), "register": list(out.register)}
            for doc_id, out in documents.items()
        },
        "files": {name: sha256_bytes(data) for name, data in sorted(files.items())},
    }
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")


def check_output(output: Path) -> None:
    """The output folder is made (or replaced) by the build, but not its parents: a mistyped
    parent is an error, not a new tree of folders; and a file there is never replaced."""
    output = output.resolve()
    if not output.parent.is_dir():
        raise BuildError(f"cannot write {output}: the folder {output.parent} does not exist")
    if output.exists() and not output.is_dir():
        raise BuildError(f"cannot write {output}: it is a file, not a folder")


def write_outputs(
    ontology: OntologyOutput,
    register: RegisterOutput,
    documents: dict[str, DocumentOutput],
    shared: SharedInputs,
    output: Path,
) -> None:
    """Write every file into a fresh folder, then swap it in place of `output`."""
    check_output(output)
    output = output.resolve()
    files = output_files(ontology, register, documents, shared)
    files[CACHE_FILE] = cache_record(ontology, documents, files)
    # mkdir, not mkdtemp: the staging folder becomes the output, and should have the mode
    # of any new folder (0777 less the umask), not mkdtemp's 0700. The files in it are made
    # by write_bytes, 0666 less the umask.
    staging = output.with_name(f".{output.name}-{secrets.token_hex(8)}")
    try:
        staging.mkdir()
    except OSError as error:
        raise BuildError(f"cannot write {output}: {error.strerror or error}") from error
    try:
        for folder in ("documents", "texts", "cache"):
            (staging / folder).mkdir()
        for name, data in files.items():
            (staging / name).write_bytes(data)
        previous = output.with_name(f".{output.name}.previous")
        if previous.exists():
            shutil.rmtree(previous)
        if (output / INPUTS_FOLDER).is_dir():  # an ingested folder's own inputs stay with it
            (output / INPUTS_FOLDER).rename(staging / INPUTS_FOLDER)
        if output.exists():
            output.rename(previous)
        staging.rename(output)
        if previous.exists():
            shutil.rmtree(previous)
    except OSError as error:  # a full disk, a folder not writable: one line, not a traceback
        raise BuildError(f"cannot write {output}: {error.strerror or error}") from error
    finally:
        if staging.exists():
            kept = staging / INPUTS_FOLDER
            if kept.is_dir() and output.is_dir() and not (output / INPUTS_FOLDER).exists():
                kept.rename(output / INPUTS_FOLDER)  # the swap failed: the inputs go back
            shutil.rmtree(staging)
