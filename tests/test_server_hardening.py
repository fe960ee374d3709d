"""The server against clients that misbehave, and the HTTP details around the answers: a
real `dutygraph serve` on 127.0.0.1, raw sockets where a client would send what httpx never
does. Every wait is bounded; nothing here measures time."""

from __future__ import annotations

import contextlib
import gzip
import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from .servers import ServerProcess, serving
from .test_build import run_cli

REQUEST_TIMEOUT = "2"
WAIT = 20.0  # the most any test waits for the server to do something


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with serving("--request-timeout", REQUEST_TIMEOUT) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        yield client


def address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


def exchange(server: ServerProcess, *pieces: bytes) -> bytes:
    """Send `pieces` (one write each) on a fresh connection; everything the server sends
    back until it closes the connection."""
    with socket.create_connection(address(server), timeout=WAIT) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(0.05)  # separate segments, as a slow client's would be
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def split_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (EOF or reset), reading what it sent before."""
    try:
        while True:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            if not sock.recv(65536):
                return True
    except OSError:  # reset
        return True


def half_open(server: ServerProcess, count: int) -> list[socket.socket]:
    """`count` connections that each sent the start of a request, never its end."""
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(address(server), timeout=WAIT)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: ends")
        sockets.append(sock)
    return sockets


# half-open connections


def test_connections_that_never_finish_their_request_are_closed(
    server: ServerProcess, http: httpx.Client
) -> None:
    sockets = half_open(server, 300)
    try:
        assert http.get("/healthz").status_code == 200  # answered meanwhile
        deadline = time.monotonic() + WAIT
        open_ = list(sockets)
        while open_ and time.monotonic() < deadline:
            open_ = [sock for sock in open_ if not closed_by_server(sock)]
            time.sleep(0.2)
        assert not open_, f"{len(open_)} of 300 half-open connections still open after {WAIT} s"
        assert http.get("/healthz").status_code == 200
    finally:
        for sock in sockets:
            sock.close()


def test_a_request_sent_a_byte_at_a_time_does_not_keep_its_connection(server: ServerProcess) -> None:
    # every byte arrives well within the timeout, the request as a whole never does
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with socket.create_connection(address(server), timeout=WAIT) as sock:
        sent = 0
        deadline = time.monotonic() + WAIT
        while sent < len(request) and time.monotonic() < deadline and not closed_by_server(sock):
            try:
                sock.sendall(request[sent : sent + 1])
            except OSError:
                break
            sent += 1
            time.sleep(0.1)
        assert sent < len(request), "the server waited for the whole dribbled request"


def test_a_timed_out_request_is_told_why(server: ServerProcess) -> None:
    form = b"Content-Type: application/x-www-form-urlencoded\r\n"
    raw = exchange(
        server, b"POST /sparql HTTP/1.1\r\nHost: x\r\n" + form + b"Content-Length: 50\r\n\r\nquery="
    )
    status, headers, body = split_answer(raw)
    assert status == 408
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == "request_timeout"


def test_beyond_the_connection_cap_the_longest_waiting_connection_goes() -> None:
    with (
        serving("--max-connections", "50", "--request-timeout", "60") as capped,
        httpx.Client(base_url=capped.base, timeout=30) as http,
    ):
        sockets = half_open(capped, 120)
        try:
            # a client that sends its request is answered, at the cost of the oldest waiting one
            assert http.get("/healthz").status_code == 200
            deadline = time.monotonic() + WAIT
            while not closed_by_server(sockets[0]) and time.monotonic() < deadline:
                time.sleep(0.1)
            closed = [closed_by_server(sock) for sock in sockets]
            assert closed[0], "the oldest half-open connection is still open"
            assert not closed[-1], "the newest half-open connection was closed"
            assert sum(closed) >= 120 - 50
        finally:
            for sock in sockets:
                sock.close()


# what the parser refuses


def test_a_raw_utf8_query_string_is_answered_as_its_percent_encoded_form(
    server: ServerProcess, http: httpx.Client
) -> None:
    expected = http.get("/api/bodies", params={"q": "用人"})
    assert expected.status_code == 200 and expected.json()["total"] >= 1
    target = "/api/bodies?q=用人".encode()
    ending = b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    for pieces in (
        [b"GET " + target + ending],
        [b"GET " + target[:-2], target[-2:] + ending],  # cut inside 人
        [b"\r\nGET " + target + b" HTTP/1.1", b"\r\nHost: x\r\nConnection: close\r\n\r\n"],
    ):
        status, _, body = split_answer(exchange(server, *pieces))
        assert status == 200, body
        assert json.loads(body) == expected.json()


def test_a_request_the_parser_refuses_gets_a_json_400(server: ServerProcess) -> None:
    status, headers, body = split_answer(exchange(server, b"GE\x01T / HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert status == 400
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["error"] == "bad_request" and "percent-encode" in error["message"]


def test_an_overlong_url_is_414(server: ServerProcess) -> None:
    raw = exchange(server, b"GET /api/bodies?q=" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, body = split_answer(raw)
    assert status == 414 and json.loads(body)["error"] == "uri_too_long"


# request bodies


def test_a_client_leaving_mid_body_leaves_no_traceback(server: ServerProcess) -> None:
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    with socket.create_connection(address(server), timeout=WAIT) as sock:
        sock.sendall(head + b"Content-Length: 1000\r\n\r\nSELECT * {")
        time.sleep(0.3)
    noted = "connection closed before its whole body arrived"
    deadline = time.monotonic() + WAIT
    while noted not in server.log() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = server.log()
    assert noted in log
    assert "Traceback" not in log and "ERROR" not in log


def test_a_compressed_body_is_415_naming_its_encoding(http: httpx.Client) -> None:
    answer = http.post(
        "/sparql",
        content=gzip.compress(b"ASK {}"),
        headers={"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 415
    error = answer.json()
    assert error["error"] == "unsupported_media_type" and "gzip" in error["message"]
    assert answer.headers["accept-encoding"] == "identity"
    plain = http.post("/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert plain.status_code == 200


# methods


@pytest.mark.parametrize(
    "path",
    [
        "/api/bodies",
        "/api/duties/party-talent-work-opinion/a05-3",
        "/id/document/party-talent-work-opinion/duty/a05-8",
        "/viz/org",
        "/sparql",
    ],
)
def test_405_lists_head_wherever_get_is_allowed(http: httpx.Client, path: str) -> None:
    for method in ("PUT", "DELETE"):
        answer = http.request(method, path)
        assert answer.status_code == 405, (method, path)
        assert answer.json()["error"] == "method_not_allowed"
        allowed = [name.strip() for name in answer.headers["allow"].split(",")]
        assert "GET" in allowed and "HEAD" in allowed, allowed
    # and what it lists does work
    assert http.head(path).status_code == 200
    assert http.get(path).status_code == 200


# compression


@contextlib.contextmanager
def raw_get(http: httpx.Client, path: str, **headers: str) -> Iterator[tuple[httpx.Response, bytes]]:
    """The answer and its body as sent (httpx decompresses .content; this does not)."""
    with http.stream("GET", path, headers=headers) as answer:
        yield answer, b"".join(answer.iter_raw())


def test_large_answers_are_gzipped_when_asked_and_only_then(http: httpx.Client) -> None:
    path = "/api/duties?limit=200"
    with raw_get(http, path, **{"Accept-Encoding": "identity"}) as (plain, plain_body):
        assert "content-encoding" not in plain.headers
        assert len(plain_body) > 1024
        assert "accept-encoding" in plain.headers["vary"].lower()
    for _ in range(2):  # computed, then replayed (api/cache.py)
        with raw_get(http, path, **{"Accept-Encoding": "gzip"}) as (packed, packed_body):
            assert packed.headers["content-encoding"] == "gzip"
            assert int(packed.headers["content-length"]) == len(packed_body) < len(plain_body)
            assert json.loads(gzip.decompress(packed_body)) == json.loads(plain_body)
            assert "accept-encoding" in packed.headers["vary"].lower()
            assert packed.headers["etag"] != plain.headers["etag"]
    # each representation revalidates with its own tag
    for tag, encoding in ((packed.headers["etag"], "gzip"), (plain.headers["etag"], "identity")):
        with raw_get(http, path, **{"Accept-Encoding": encoding, "If-None-Match": tag}) as (again, body):
            assert again.status_code == 304 and body == b""
            assert again.headers["etag"] == tag
    # HEAD: the headers of the GET, no body
    head = http.head(path, headers={"Accept-Encoding": "gzip"})
    assert head.headers["content-encoding"] == "gzip"
    assert head.headers["content-length"] == packed.headers["content-length"]
    # small answers are sent as they are
    one_duty = "/api/duties/party-talent-work-opinion/a05-3"
    with raw_get(http, one_duty, **{"Accept-Encoding": "gzip"}) as (small, _):
        assert small.status_code == 200
        if int(small.headers["content-length"]) < 1024:
            assert "content-encoding" not in small.headers


def test_sparql_results_are_gzipped_too(http: httpx.Client) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 300"
    with raw_get(http, f"/sparql?query={query}", **{"Accept-Encoding": "gzip"}) as (packed, body):
        assert packed.status_code == 200
        assert packed.headers["content-encoding"] == "gzip"
        assert len(json.loads(gzip.decompress(body))["results"]["bindings"]) == 300
        assert packed.headers["access-control-allow-origin"] == "*"


# memory


def test_distinct_urls_do_not_grow_the_server_past_its_cache_budget() -> None:
    """Each distinct URL is a new entry in two caches. Counted as what it really costs, a few
    thousand of them must push older ones out of a 4 MiB budget, and the process stays
    within that budget (and some slack for the allocator)."""
    urls = 6000
    with serving("--cache-mib", "4") as small, httpx.Client(base_url=small.base, timeout=30) as http:
        for number in range(500):  # warm up: the allocator's arenas, the first entries
            http.get("/api/duties", params={"q": f"warm-{number}"})
        before = small.rss_bytes()
        for number in range(urls):
            assert http.get("/api/duties", params={"q": f"zz-{number}"}).status_code == 200
        grown = small.rss_bytes() - before
        caches = http.get("/healthz").json()["caches"]
    total_budget = sum(caches[name]["budget_bytes"] for name in ("answers", "replayed", "gzip"))
    assert total_budget == 4 * 1024 * 1024
    for name in ("answers", "replayed"):
        cache = caches[name]
        assert cache["bytes"] <= cache["budget_bytes"], name
        assert cache["entries"] < urls, (
            f"{name}: {cache['entries']} entries kept in {cache['budget_bytes']} bytes"
        )
    assert grown < total_budget + 60 * 1024 * 1024, f"the server grew by {grown / 2**20:.0f} MiB"


# the command line


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--port", "99999"], "--port"),
        (["--port", "-5"], "--port"),
        (["--port", "0"], "--port"),
        (["--host", "999.1.1.1"], "--host"),
        (["--host", "no-such-host.invalid"], "--host"),
        (["--sparql-timeout", "inf"], "--sparql-timeout"),
        (["--sparql-timeout", "nan"], "--sparql-timeout"),
        (["--sparql-timeout", "0"], "--sparql-timeout"),
        (["--sparql-memory", "0"], "--sparql-memory"),
        (["--sparql-memory", "lots"], "--sparql-memory"),
        (["--public-url", "ftp://example.org"], "--public-url"),
        (["--public-url", "http://"], "--public-url"),
        (["--public-url", "http://example.org:99999"], "--public-url"),
        (["--request-timeout", "-1"], "--request-timeout"),
        (["--max-connections", "0"], "--max-connections"),
    ],
)
def test_a_wrong_serve_option_is_one_line_and_exit_2(options: list[str], named: str) -> None:
    result = run_cli("serve", *options)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"dutygraph serve: error: argument {named}")


def test_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--host", "127.0.0.1", "--port", str(port))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"dutygraph serve: error: cannot listen on 127.0.0.1:{port}: address already in use"
    ]


def test_serve_has_help_naming_its_options() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    options = ("--sparql-memory", "--public-url", "--request-timeout", "--max-connections", "--cache-mib")
    assert all(option in result.stdout for option in options)
