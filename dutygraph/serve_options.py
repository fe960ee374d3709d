"""The options of `dutygraph serve`, each checked as argparse reads it.

A wrong value is a usage error: one line on stderr (`dutygraph serve: error: argument
--port: …`) and exit code 2, before anything is loaded. Kept apart from the server itself
so that `dutygraph --help` does not import the web stack.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import re
import socket
from typing import NoReturn
from urllib.parse import urlsplit

EXIT_USAGE = 2  # argparse's own


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, not {text!r}")
    return value


def host(text: str) -> str:
    """An IP address, or a host name that resolves."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    # 999.1.1.1 is no address, and not a name to look up either
    if not text or re.fullmatch(r"[0-9.]+", text) or any(c in text for c in " /:@[]%"):
        raise argparse.ArgumentTypeError(f"expected an IP address or a host name, not {text!r}")
    try:
        socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise argparse.ArgumentTypeError(f"cannot resolve host name {text!r}") from error
    return text


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):  # inf and nan are no time limit
        raise argparse.ArgumentTypeError(f"expected a positive, finite number of seconds, not {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, not {text!r}")
    return value


def http_url(text: str) -> str:
    """An absolute http:// or https:// URL with a host (and a valid port, if any)."""
    problem = f"expected an http:// or https:// URL such as http://127.0.0.1:8000, not {text!r}"
    if any(c in text for c in " \"'<>\\") or not text.isprintable():
        raise argparse.ArgumentTypeError(problem)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise argparse.ArgumentTypeError(problem) from error
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(problem)
    return text.rstrip("/")


def public_url(args: argparse.Namespace) -> str:
    """--public-url, or the address served on."""
    if args.public_url:
        return args.public_url
    shown = f"[{args.host}]" if ":" in args.host else args.host
    return f"http://{shown}:{args.port}"


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Usage errors of `parser` as one line, without the usage text before it."""

    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message}\n")

    parser.error = error  # type: ignore[method-assign]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", type=host, default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument("--port", type=port, default=8000, help="port, 1–65535 (default: %(default)s)")
    parser.add_argument(
        "--sparql-timeout",
        type=positive_seconds,
        default=10.0,
        help="time limit of one SPARQL query, in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--sparql-memory",
        type=positive_int,
        default=1024,
        metavar="MIB",
        help="memory a SPARQL query may use beyond the store its worker holds, in MiB (default: %(default)s)",
    )
    parser.add_argument(
        "--public-url",
        type=http_url,
        metavar="URL",
        help="where clients reach the server: the SPARQL endpoint's IRI and the base of relative IRIs "
        "in queries (default: http://HOST:PORT)",
    )
    parser.add_argument(
        "--request-timeout",
        type=positive_seconds,
        default=5.0,
        metavar="S",
        help="close a connection whose request has not fully arrived S seconds after it began waiting "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-connections",
        type=positive_int,
        default=1000,
        help="open connections at most; beyond, the one waiting longest for its request is closed "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--store",
        type=http_url,
        metavar="URL",
        help="serve from a remote store, an Oxigraph server's base URL (its /query), filled by "
        "`dutygraph push`; instead of --data",
    )
    parser.add_argument(
        "--store-query",
        type=http_url,
        metavar="URL",
        help="serve from another SPARQL 1.1 server's query endpoint (credentials from "
        "DUTYGRAPH_STORE_USER / DUTYGRAPH_STORE_PASSWORD); instead of --data",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="server processes answering on the same port, forked once the knowledge is loaded "
        "(its memory shared until written) and restarted when one dies (default: %(default)s)",
    )
    parser.add_argument(
        "--cache-mib",
        type=positive_int,
        default=64,
        metavar="MIB",
        help="memory for cached answers, in MiB (default: %(default)s)",
    )
    one_line_errors(parser)
