"""The build: sources + annotations + ontology → validated RDF files, byte-identical each run.

Output folder:
    dataset.nq            every graph, sorted N-Quads (the canonical form)
    ontology.ttl          the ontology graph
    documents/{doc}.ttl   one graph per document
    texts/{doc}.txt       the cleaned text the offsets index
    manifest.json         input hashes, namespaces and counts

Outputs are written to a fresh folder and swapped in only when everything succeeded, so
a failed build leaves the previous outputs as they were.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from .annotations import AnnotationError, SourceMetadata, load_metadata, load_reading
from .checks import quote_problems, validate_graph
from .closure import materialise
from .compile import DocumentCompiler
from .document import DocumentError, ParsedDocument, parse
from .errors import BuildError
from .namespaces import DEFAULT_DATA_NAMESPACE, DEFAULT_ONTOLOGY_NAMESPACE, Namespaces
from .paths import DEFAULT_BUILD_DIR, PACKAGE_DIR
from .rdf_files import canonical_nquads, canonical_turtle


@dataclass(frozen=True)
class BuildInputs:
    sources: Path = PACKAGE_DIR / "sources"
    annotations: Path = PACKAGE_DIR / "annotations"
    ontology: Path = PACKAGE_DIR / "dutygraph.ttl"
    shapes: Path = PACKAGE_DIR / "shapes.ttl"


@dataclass
class BuiltGraphs:
    """The in-memory result of a build, before it is written."""

    ns: Namespaces
    ontology: Graph
    shapes: Graph
    documents: dict[str, Graph] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # relative path → sha256

    def union(self) -> Graph:
        merged = Graph()
        for graph in (self.ontology, *self.documents.values()):
            merged += graph
        return merged

    def named_graphs(self) -> list[tuple[URIRef, Graph]]:
        graphs = [(URIRef(self.ns.ontology_iri), self.ontology)]
        graphs += [(self.ns.id[f"document/{doc}"], g) for doc, g in sorted(self.documents.items())]
        return graphs


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_rdf(path: Path, ns: Namespaces) -> tuple[Graph, bytes]:
    """Parse a Turtle file of the project, moved into the configured namespaces."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise BuildError(f"{path}: file not found") from error
    text = raw.decode("utf-8")
    text = text.replace(DEFAULT_ONTOLOGY_NAMESPACE, ns.ontology)
    text = text.replace(DEFAULT_ONTOLOGY_NAMESPACE[:-1] + ">", ns.ontology_iri + ">")
    text = text.replace(DEFAULT_DATA_NAMESPACE, ns.data)
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as error:  # rdflib raises several parser exception types
        raise BuildError(f"{path}: not valid Turtle: {error}") from error
    return graph, raw


def document_ids(sources: Path) -> list[str]:
    if not sources.is_dir():
        raise BuildError(f"{sources}: sources folder not found")
    ids = sorted(p.name.removesuffix(".meta.yaml") for p in sources.glob("*.meta.yaml"))
    if not ids:
        raise BuildError(f"{sources}: no document metadata (*.meta.yaml) found")
    return ids


def compile_document(doc_id: str, inputs: BuildInputs, ns: Namespaces, out: BuiltGraphs) -> None:
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
    reading = load_reading(reading_path)
    if reading.document != doc_id:
        raise AnnotationError(reading_path, "document", f"{reading.document!r} is not {doc_id!r}")
    graph = Graph()
    DocumentCompiler(graph, ns, parsed, meta, reading, reading_path).compile()
    out.documents[doc_id] = graph
    out.texts[doc_id] = parsed.text
    for path in (meta_path, source_path, reading_path):
        out.inputs[path.name] = sha256_bytes(path.read_bytes())


def check_header(meta: SourceMetadata, parsed: ParsedDocument, meta_path: Path) -> None:
    """The header lines the metadata states (title, 文号, addressee) are the text's own."""
    for name, kind in (("title", "title"), ("number", "issuing-number"), ("addressee", "addressee")):
        stated = getattr(meta.header, name)
        found = parsed.line(kind)
        if stated is not None and (found is None or found.text != stated):
            where = f"the text's {kind} line is {found.text!r}" if found else f"the text has no {kind} line"
            raise AnnotationError(meta_path, f"header.{name}", f"{stated!r} is not the header: {where}")


def compile_all(
    inputs: BuildInputs,
    ns: Namespaces | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> BuiltGraphs:
    """Compile and materialise every document, ready for validation; raise on any problem."""
    ns = ns or Namespaces()
    ontology, ontology_bytes = read_rdf(inputs.ontology, ns)
    shapes, shapes_bytes = read_rdf(inputs.shapes, ns)
    out = BuiltGraphs(ns, ontology, shapes)
    out.inputs[inputs.ontology.name] = sha256_bytes(ontology_bytes)
    out.inputs[inputs.shapes.name] = sha256_bytes(shapes_bytes)
    materialise(ontology, ontology)
    for doc_id in document_ids(inputs.sources):
        progress(f"compiling {doc_id}")
        compile_document(doc_id, inputs, ns, out)
        materialise(out.documents[doc_id], ontology)
    return out


def validate_built(out: BuiltGraphs) -> None:
    union = out.union()
    problems = quote_problems(union, out.ns)
    if problems:
        raise BuildError("quotes do not match their offsets:\n" + "\n".join(problems[:20]))
    report = validate_graph(union, out.shapes)
    if report:
        raise BuildError("SHACL validation failed:\n" + report)


def manifest(out: BuiltGraphs) -> dict:
    return {
        "namespaces": {"ontology": out.ns.ontology, "data": out.ns.data},
        "inputs": dict(sorted(out.inputs.items())),
        "graphs": {str(name): len(graph) for name, graph in out.named_graphs()},
        "documents": sorted(out.documents),
    }


def check_output(output: Path) -> None:
    """The output folder is made (or replaced) by the build, but not its parents: a mistyped
    parent is an error, not a new tree of folders; and a file there is never replaced."""
    output = output.resolve()
    if not output.parent.is_dir():
        raise BuildError(f"cannot write {output}: the folder {output.parent} does not exist")
    if output.exists() and not output.is_dir():
        raise BuildError(f"cannot write {output}: it is a file, not a folder")


def write_outputs(out: BuiltGraphs, output: Path) -> None:
    """Write every file into a fresh folder, then swap it in place of `output`."""
    check_output(output)
    output = output.resolve()
    # mkdir, not mkdtemp: the staging folder becomes the output, and should have the mode
    # of any new folder (0777 less the umask), not mkdtemp's 0700. The files in it are made
    # by write_bytes / write_text, 0666 less the umask.
    staging = output.with_name(f".{output.name}-{secrets.token_hex(8)}")
    try:
        staging.mkdir()
    except OSError as error:
        raise BuildError(f"cannot write {output}: {error.strerror or error}") from error
    try:
        (staging / "documents").mkdir()
        (staging / "texts").mkdir()
        (staging / "dataset.nq").write_bytes(canonical_nquads(out.named_graphs()))
        (staging / "ontology.ttl").write_bytes(canonical_turtle(out.ontology, out.ns))
        for doc_id, graph in out.documents.items():
            (staging / "documents" / f"{doc_id}.ttl").write_bytes(canonical_turtle(graph, out.ns))
            (staging / "texts" / f"{doc_id}.txt").write_text(out.texts[doc_id], encoding="utf-8")
        text = json.dumps(manifest(out), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (staging / "manifest.json").write_text(text, encoding="utf-8")
        previous = output.with_name(f".{output.name}.previous")
        if previous.exists():
            shutil.rmtree(previous)
        if output.exists():
            output.rename(previous)
        staging.rename(output)
        if previous.exists():
            shutil.rmtree(previous)
    except OSError as error:  # a full disk, a folder not writable: one line, not a traceback
        raise BuildError(f"cannot write {output}: {error.strerror or error}") from error
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def build(
    output: Path = DEFAULT_BUILD_DIR,
    inputs: BuildInputs | None = None,
    ns: Namespaces | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> BuiltGraphs:
    check_output(output)  # before the compiling, not after it
    out = compile_all(inputs or BuildInputs(), ns, progress)
    progress("validating with SHACL")
    validate_built(out)
    progress(f"writing {output}")
    write_outputs(out, output)
    return out
