"""`dutygraph`: a thin door onto the build, the checks and the exports.

Exit codes: 0 success, 1 the work failed (a bad annotation, a SHACL violation), 2 the
command line was wrong (argparse's own convention).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dutygraph.ontology.annotations import AnnotationError
from dutygraph.ontology.errors import BuildError
from dutygraph.ontology.namespaces import DEFAULT_DATA_NAMESPACE, DEFAULT_ONTOLOGY_NAMESPACE, Namespaces
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

EXIT_FAILED = 1


class CommandError(Exception):
    """A failure the user can act on; printed as one clear line."""


def _progress(quiet: bool) -> Callable[[str], None]:
    started = time.perf_counter()

    def report(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - started:5.1f}s] {message}", file=sys.stderr)

    return report


def _load(folder: Path):  # -> LoadedGraph; imported lazily to keep `--help` fast
    from dutygraph.graph.loaded import load

    try:
        return load(folder)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error


def cmd_build(args: argparse.Namespace) -> int:
    from dutygraph.graph.loaded import load
    from dutygraph.graph.summary import format_summary, summary
    from dutygraph.ontology.build import BuildInputs, build

    inputs = BuildInputs(
        sources=args.sources or BuildInputs.sources,
        annotations=args.annotations or BuildInputs.annotations,
    )
    try:
        ns = Namespaces(args.ontology_namespace, args.data_namespace)
    except ValueError as error:
        raise CommandError(str(error)) from error
    build(args.output, inputs, ns, _progress(args.quiet))
    print(f"built {args.output}")
    print(format_summary(summary(load(args.output))))
    return 0


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


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written export."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def cmd_export(args: argparse.Namespace) -> int:
    from dutygraph.graph.exports import EXPORTERS

    data = EXPORTERS[args.format](_load(args.data))
    if args.output:
        _write_atomically(args.output, data)
        print(f"wrote {args.output} ({len(data)} bytes, {args.format})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def cmd_text(args: argparse.Namespace) -> int:
    loaded = _load(args.data)
    documents = loaded.manifest["documents"]
    doc = args.document or documents[0]
    if doc not in loaded.texts:
        raise CommandError(f"unknown document {doc!r}; known: {', '.join(documents)}")
    sys.stdout.write(loaded.texts[doc])
    if not args.no_newline:
        sys.stdout.write("\n")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    import json

    from dutygraph.graph.summary import format_summary, summary

    data = summary(_load(args.data))
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_summary(data))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dutygraph.api.app import create_app

    started = time.perf_counter()
    try:
        app = create_app(data=args.data, sparql_timeout=args.sparql_timeout)
    except FileNotFoundError as error:
        raise CommandError(str(error)) from error
    print(f"dutygraph: graph loaded in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=True)
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    from dutygraph.graph.knowledge import build_knowledge
    from dutygraph.visualizations.export import export_pages

    knowledge = build_knowledge(_load(args.data))
    try:
        written = export_pages(knowledge, args.output, args.server)
    except OSError as error:
        raise CommandError(f"cannot write the pages to {args.output}: {error.strerror or error}") from error
    print(f"wrote {len(written)} pages to {args.output} (open {args.output / 'index.html'})", file=sys.stderr)
    return 0


def _server_url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or any(c in text for c in " \"'<>"):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, not {text!r}")
    return text.rstrip("/")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return value


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_BUILD_DIR,
        help=f"folder of a built graph (default: the packaged build, {DEFAULT_BUILD_DIR})",
    )


def parser() -> argparse.ArgumentParser:
    from dutygraph.graph.exports import EXPORTERS

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
    p.add_argument("--ontology-namespace", default=DEFAULT_ONTOLOGY_NAMESPACE, help="default: %(default)s")
    p.add_argument("--data-namespace", default=DEFAULT_DATA_NAMESPACE, help="default: %(default)s")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("validate", help="re-check a built graph (SHACL, quotes vs offsets)")
    _data_option(p)
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser("export", help="write the graph as RDF, CSV, GraphML or GEXF")
    p.add_argument("--format", required=True, choices=sorted(EXPORTERS), help="output format")
    p.add_argument("--output", type=Path, help="file to write (default: standard output)")
    _data_option(p)
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("text", help="print the cleaned text that the offsets index")
    p.add_argument("document", nargs="?", help="document id (default: the first)")
    p.add_argument("--no-newline", action="store_true", help="print the text exactly, no final newline")
    _data_option(p)
    p.set_defaults(run=cmd_text)

    p = commands.add_parser("stats", help="counts by class, modality and article")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _data_option(p)
    p.set_defaults(run=cmd_stats)
    p = commands.add_parser("serve", help="serve the REST API (and its docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    p.add_argument(
        "--sparql-timeout",
        type=_positive_seconds,
        default=10.0,
        help="time limit of one SPARQL query, in seconds (default: %(default)s)",
    )
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
