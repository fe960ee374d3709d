"""`dutygraph`: a thin door onto the build, the checks and the exports.

Exit codes: 0 success, 1 the work failed (a bad annotation, a SHACL violation), 2 the
command line was wrong (argparse's own convention).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dutygraph import serve_options
from dutygraph.errors import DutygraphError
from dutygraph.ontology.annotations import AnnotationError
from dutygraph.ontology.errors import BuildError
from dutygraph.ontology.namespaces import DEFAULT_DATA_NAMESPACE, DEFAULT_ONTOLOGY_NAMESPACE, Namespaces
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

EXIT_FAILED = 1


class CommandError(DutygraphError):
    """A failure the user can act on; printed as one clear line."""


def _knowledge(folder: Path):  # -> Knowledge; imported lazily to keep `--help` fast
    from dutygraph.graph.knowledge import load_knowledge

    try:
        return load_knowledge(folder)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error


def cmd_build(args: argparse.Namespace) -> int:
    from dutygraph.build_progress import BuildProgress
    from dutygraph.ontology.build import BuildInputs, build
    from dutygraph.ontology.rdf_files import read_manifest

    inputs = BuildInputs(
        sources=args.sources or BuildInputs.sources,
        annotations=args.annotations or BuildInputs.annotations,
        register=args.register or BuildInputs.register,
    )
    try:
        ns = Namespaces(args.ontology_namespace, args.data_namespace)
    except ValueError as error:
        raise CommandError(str(error)) from error
    progress = BuildProgress(sys.stderr, quiet=args.quiet)
    try:  # a failed build raises BuildFailed, naming every document that failed and why
        build(args.output, inputs, ns, progress, jobs=args.jobs)
    finally:
        progress.close()
    # from the manifest: loading the built graph to count its classes took 50 s of a
    # nothing-changed build of 100 documents (benchmarks/RESULTS.md); `stats` does that
    manifest = read_manifest(args.output)
    triples = sum(manifest["graphs"].values())
    print(f"built {args.output}: {len(manifest['documents'])} documents, {triples} triples")
    print(f"documents: {', '.join(manifest['documents'])}")
    print(f"counts by class, modality and article: dutygraph stats --data {args.output}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:

    from dutygraph.build_progress import BuildProgress
    from dutygraph.ingest.intake import IngestError, ingest

    started = time.perf_counter()
    terminal = sys.stderr.isatty() and not args.quiet
    failures = [0]

    def report(what: str, done: int, total: int, file: str) -> None:
        failures[0] += what == "failed"
        if what == "failed":  # never lost, on a terminal too
            print(("\r" if terminal else "") + f"FAILED {file}", file=sys.stderr)
        if terminal:
            filled = round(24 * done / total) if total else 24
            bar = "#" * filled + "-" * (24 - filled)
            name = Path(file.split(":")[0]).name[-40:]
            line = f"drafting [{bar}] {done}/{total}, {failures[0]} failed  {name:<40}"
            print("\r" + line, end="\n" if done == total else "", file=sys.stderr)
        elif what != "failed" and not args.quiet:
            print(f"drafted {done}/{total} {file}", file=sys.stderr)
        sys.stderr.flush()

    progress = BuildProgress(sys.stderr, quiet=args.quiet)
    try:
        result = ingest(
            args.paths,
            args.output,
            doc_id=args.id,
            title=args.title,
            jobs=args.jobs,
            replace=args.replace,
            report=report,
            listener=progress,
        )
    except IngestError as error:
        raise CommandError(str(error)) from error
    finally:
        progress.close()
    for path, doc in result.skipped:
        print(
            f"skipped {path}: already ingested as {doc} (same sha256; --replace drafts it again)",
            file=sys.stderr,
        )
    for failure in result.failed:
        print(f"failed {failure}", file=sys.stderr)
    # counted from what was drafted, not by loading the folder (a corpus takes seconds to load)
    counts = ", ".join(f"{name} {n}" for name, n in sorted(result.modalities.items())) or "none"
    print(
        f"ingested {len(result.ingested)}, skipped {len(result.skipped)}, failed {len(result.failed)} "
        f"in {time.perf_counter() - started:.1f}s; {args.output} holds {result.documents} documents, "
        f"{result.agents} bodies and posts; drafted provisions: {counts}"
    )
    return EXIT_FAILED if result.failed else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from dutygraph.ontology.verify import verify

    try:
        problems = verify(args.data)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.data}: valid (SHACL: 0 violations; every quote matches its offsets)")
    return 0


def _check_folder_of(path: Path) -> None:
    """The folder a file goes into must exist: a mistyped one is an error, not a new tree."""
    if path.is_dir():
        raise CommandError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise CommandError(f"cannot write {path}: the folder {path.parent} does not exist")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written export.

    The temporary file is created with mode 0666, which the kernel reduces by the umask,
    so the export gets the permissions any new file would (0644 under umask 022), not
    mkstemp's 0600, which the rename would keep."""
    _check_folder_of(path)
    temporary = path.with_name(f".{path.name}-{secrets.token_hex(8)}")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)  # nothing left after the rename
    except OSError as error:  # a folder not writable, `path` a folder, a full disk
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from error


def cmd_export(args: argparse.Namespace) -> int:
    from dutygraph.graph.exports import Export, UnknownDocument

    if args.output:
        _check_folder_of(args.output)  # before the seconds of loading and serialising
    if args.per_document and not args.per_document.is_dir():
        raise CommandError(f"cannot write into {args.per_document}: not an existing folder")
    try:
        export = Export(args.data)
        documents = export.select(args.document)
    except (FileNotFoundError, UnknownDocument) as error:
        raise CommandError(str(error)) from error
    if args.per_document:  # one file per document, each readable on its own
        for doc in documents:
            target = args.per_document / f"{doc}.{args.format}"
            data = export.data(args.format, [doc])
            _write_atomically(target, data)
            print(f"wrote {target} ({len(data)} bytes, {args.format})", file=sys.stderr)
        return 0
    data = export.data(args.format, documents)
    if args.output:
        _write_atomically(args.output, data)
        print(f"wrote {args.output} ({len(data)} bytes, {args.format})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def cmd_text(args: argparse.Namespace) -> int:
    from dutygraph.ontology.rdf_files import read_manifest, read_text

    try:
        manifest = read_manifest(args.data)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error
    documents = manifest["documents"]
    if args.list:
        print("\n".join(documents))
        return 0
    if args.document is None and len(documents) > 1:
        raise CommandError(f"which document? give one of: {', '.join(documents)} (or --list)")
    doc = args.document or documents[0]
    if doc not in documents:
        raise CommandError(f"unknown document {doc!r}; known: {', '.join(documents)}")
    sys.stdout.write(read_text(args.data, doc))
    if not args.no_newline:
        sys.stdout.write("\n")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    from dutygraph.graph.summary import format_summary, summary

    data = summary(_knowledge(args.data))
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_summary(data))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from dutygraph.api.server import Limits, ListenError, bind, serve
    from dutygraph.serve_options import EXIT_USAGE, public_url

    if (args.store or args.store_query) and args.data != DEFAULT_BUILD_DIR:
        print(
            "dutygraph serve: error: give either --data (a built folder) or --store (a store), not both",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # the address first: a busy port is one line and exit 2, before seconds of loading
    try:
        sockets = bind(args.host, args.port)
    except ListenError as error:
        print(f"dutygraph serve: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from dutygraph.api.app import create_app
    from dutygraph.graph.store import StoreError

    started = time.perf_counter()
    try:
        knowledge = _served_knowledge(args)
        app = create_app(
            knowledge,
            sparql_timeout=args.sparql_timeout,
            sparql_memory_mib=args.sparql_memory,
            public_url=public_url(args),
            cache_mib=args.cache_mib,
        )
    except (FileNotFoundError, StoreError, ValueError) as error:
        for sock in sockets:
            sock.close()
        raise CommandError(str(error)) from error
    print(
        f"dutygraph: {len(knowledge.documents)} documents, {knowledge.triples} triples from "
        f"{knowledge.store.name}, loaded in {time.perf_counter() - started:.2f}s",
        file=sys.stderr,
    )
    limits = Limits(request_timeout=args.request_timeout, max_connections=args.max_connections)
    served = serve(
        app,
        sockets,
        limits,
        args.workers,
        before_fork=knowledge.store.drop_connections,  # no socket shared by two processes
        after_serving=app.state.sparql.close,  # each process's own query workers, if it started any
    )
    return 0 if served else EXIT_FAILED


def _served_knowledge(args: argparse.Namespace):  # -> Knowledge
    """What `serve` answers from: the built folder (--data), or a remote store (--store)."""
    from dutygraph.graph.knowledge import load_knowledge, read_knowledge
    from dutygraph.graph.snapshot import remote_snapshot_folder, snapshot_knowledge
    from dutygraph.graph.store import remote_store

    if args.store is None and args.store_query is None:
        return load_knowledge(args.data)
    # the server's start-up reads everything: the store's own per-query limit applies, not ours
    store = remote_store(args.store, query_url=args.store_query, timeout=args.sparql_timeout)
    return snapshot_knowledge(store, remote_snapshot_folder(store.name), read_knowledge)


def cmd_viz(args: argparse.Namespace) -> int:
    from dutygraph.visualizations.export import export_pages

    knowledge = _knowledge(args.data)
    try:
        written = export_pages(knowledge, args.output, args.server)
    except OSError as error:
        raise CommandError(f"cannot write the pages to {args.output}: {error.strerror or error}") from error
    print(f"wrote {len(written)} pages to {args.output} (open {args.output / 'index.html'})", file=sys.stderr)
    return 0


def _push_progress(terminal: bool) -> Callable[[int, int, str], None]:
    """A bar with graphs done / total on a terminal; a line per graph otherwise."""

    def report(done: int, total: int, graph: str) -> None:
        if terminal:
            filled = round(24 * done / total) if total else 24
            end = "\n" if done == total else ""
            bar = "#" * filled + "-" * (24 - filled)
            print(f"\rpushing [{bar}] {done}/{total} graphs  {graph[-60:]:<60}", end=end, file=sys.stderr)
        else:
            print(f"pushed {done}/{total} {graph}", file=sys.stderr)
        sys.stderr.flush()

    return report


def cmd_push(args: argparse.Namespace) -> int:
    from dutygraph.graph.store import StoreError, dataset_file, remote_store

    if args.to is None and not (args.store_query and args.store_gsp):
        args.usage_error("give --to URL (an Oxigraph server) or both --store-query URL and --store-gsp URL")
    source = dataset_file(args.data)
    if not source.is_file():
        raise CommandError(f"no built dataset at {source}: run `dutygraph build` first")
    started = time.perf_counter()
    try:
        store = remote_store(
            args.to, query_url=args.store_query, gsp_url=args.store_gsp, load_timeout=args.timeout
        )
    except ValueError as error:  # credentials half given
        raise CommandError(str(error)) from error
    with store:
        try:
            store.load_dataset(source, _push_progress(sys.stderr.isatty()))
            triples, version = store.count(), store.version()
        except (StoreError, ValueError) as error:
            raise CommandError(str(error)) from error
        graphs = len(store.graph_names())
    print(
        f"pushed {source} to {store.name}: {graphs} graphs, {triples} triples, version {version[:12]} "
        f"in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0


def _server_url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or any(c in text for c in " \"'<>"):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, not {text!r}")
    return text.rstrip("/")


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_BUILD_DIR,
        help=f"folder of a built graph (default: the packaged build, {DEFAULT_BUILD_DIR})",
    )


def parser() -> argparse.ArgumentParser:
    from dutygraph.graph.exports import FORMATS

    root = argparse.ArgumentParser(
        prog="dutygraph",
        description="A knowledge graph of who must, may or is encouraged to do what, "
        "built from Chinese policy documents.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="compile sources + annotations into validated RDF")
    p.add_argument(
        "--output", type=Path, default=DEFAULT_BUILD_DIR, help="output folder (default: %(default)s)"
    )
    p.add_argument("--sources", type=Path, help="folder of source texts and *.meta.yaml")
    p.add_argument("--annotations", type=Path, help="folder of curated readings ({doc}.yaml)")
    p.add_argument(
        "--register", type=Path, help="register of bodies and posts (default: ontology/registry/agents.yaml)"
    )
    p.add_argument("--ontology-namespace", default=DEFAULT_ONTOLOGY_NAMESPACE, help="default: %(default)s")
    p.add_argument("--data-namespace", default=DEFAULT_DATA_NAMESPACE, help="default: %(default)s")
    p.add_argument(
        "-j",
        "--jobs",
        type=serve_options.positive_int,
        default=None,
        metavar="N",
        help="documents built at once, each in its own process (default: one per core)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser(
        "ingest", help="draft the reading of documents by rule and build them into a data folder"
    )
    p.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a file, or a folder of .txt / .md files"
    )
    p.add_argument(
        "--output", type=Path, required=True, metavar="DIR", help="the data folder (made if missing)"
    )
    p.add_argument("--id", help="the document's id (a single file only; default: a slug of its name)")
    p.add_argument("--title", help="the document's title (a single file only; default: read from the text)")
    p.add_argument("--replace", action="store_true", help="draft again a text that is already there")
    p.add_argument(
        "-j",
        "--jobs",
        type=serve_options.positive_int,
        default=None,
        metavar="N",
        help="default: one per core",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(run=cmd_ingest)

    p = commands.add_parser("validate", help="re-check a built graph (SHACL, quotes vs offsets)")
    _data_option(p)
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("export", help="write the graph as RDF, CSV, GraphML or GEXF")
    p.add_argument("--format", required=True, choices=sorted(FORMATS), help="output format")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--output", type=Path, help="file to write (default: standard output)")
    where.add_argument(
        "--per-document",
        type=Path,
        metavar="DIR",
        help="write one file per document into DIR ({doc}.{format})",
    )
    p.add_argument(
        "--document",
        action="append",
        metavar="DOC",
        help="only this document (repeat for several; default: all)",
    )
    _data_option(p)
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("text", help="print the cleaned text that the offsets index")
    p.add_argument("document", nargs="?", help="document id (needed when the folder holds several)")
    p.add_argument("--list", action="store_true", help="list the documents' ids instead")
    p.add_argument("--no-newline", action="store_true", help="print the text exactly, no final newline")
    _data_option(p)
    p.set_defaults(run=cmd_text)

    p = commands.add_parser("stats", help="counts by class, modality and article")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _data_option(p)
    p.set_defaults(run=cmd_stats)
    p = commands.add_parser("serve", help="serve the REST API (and its docs at /docs)")
    serve_options.add_arguments(p)  # --host, --port, limits: checked, one-line usage errors
    _data_option(p)
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("viz", help="write the /viz pages as self-contained HTML files")
    p.add_argument("--output", type=Path, required=True, help="folder to write the pages into")
    p.add_argument(
        "--server",
        type=_server_url,
        default="http://127.0.0.1:8000",
        help="where the pages' links to the REST API and IRI pages point (default: %(default)s)",
    )
    _data_option(p)
    p.set_defaults(run=cmd_viz)

    p = commands.add_parser(
        "push",
        help="load a built graph into a remote store (a named graph per document, replaced)",
        description="Load a built graph into a SPARQL 1.1 + Graph Store Protocol server, replacing "
        "each named graph, then write the version marker; a second push leaves the same data. "
        "Credentials come from DUTYGRAPH_STORE_USER / DUTYGRAPH_STORE_PASSWORD "
        "(DUTYGRAPH_STORE_AUTH=digest for Virtuoso), never from the command line.",
    )
    _data_option(p)
    url = serve_options.http_url
    p.add_argument("--to", type=url, metavar="URL", help="an Oxigraph server's base URL (/query, /store)")
    p.add_argument("--store-query", type=url, metavar="URL", help="another server's SPARQL query endpoint")
    p.add_argument("--store-gsp", type=url, metavar="URL", help="its Graph Store Protocol endpoint")
    p.add_argument(
        "--timeout",
        type=serve_options.positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="seconds for each graph written (default: %(default)s)",
    )
    serve_options.one_line_errors(p)
    p.set_defaults(run=cmd_push, usage_error=p.error)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (CommandError, BuildError, AnnotationError) as error:
        print(f"dutygraph {args.command}: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # `dutygraph export … | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
