"""`dutygraph serve --store URL`: the REST API, /sparql, /id and /viz served from an Oxigraph
server filled by `dutygraph push`, answering as `serve --data DIR` does for the same data.

Each test that changes or stops its store has an Oxigraph server of its own (in memory, on a
free port of 127.0.0.1); the comparisons share one. These run in both test modes: they name
their stores themselves (DUTYGRAPH_TEST_STORE changes nothing here).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from dutygraph.graph.store import META_GRAPH, META_VERSION, RemoteStore, file_version
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .servers import ServerProcess, free_port, serving
from .stores import oxigraph_process, oxigraph_serving, push

JSON_RESULTS = "application/sparql-results+json"
# the same public URL for both servers: pages and descriptions that name it compare byte for byte
PUBLIC_URL = "http://dutygraph.test"
DUTY = "party-talent-work-opinion/a05-3"
COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
# three patterns over ~22k triples that match rarely: rows come out slowly, for a long time
# (Oxigraph checks its own time limit as it writes rows, so it does cancel this one)
SLOW = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?c = ?i && ?a = ?g && ?d = ?a) }"
START_TIMEOUT = 60  # seconds a `serve` that must fail may take, at most: never a hang


@dataclass(frozen=True)
class Pair:
    """An Oxigraph server holding the packaged build, and two servers of that data: one
    embedded (`--data`), one reading the Oxigraph server (`--store`)."""

    store: str
    embedded: ServerProcess
    remote: ServerProcess


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with oxigraph_serving() as store:
        push(DEFAULT_BUILD_DIR, store)
        with (
            serving("--data", str(DEFAULT_BUILD_DIR), "--public-url", PUBLIC_URL, as_given=True) as embedded,
            serving("--store", store, "--public-url", PUBLIC_URL, as_given=True) as remote,
        ):
            yield Pair(store, embedded, remote)


def quads_in(store: str) -> int:
    """How many quads the Oxigraph server holds, asked of it directly (its own dataset)."""
    answer = httpx.post(f"{store}/query", data={"query": COUNT_QUADS}, headers={"Accept": JSON_RESULTS})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def serve_fails(*options: str) -> subprocess.CompletedProcess[str]:
    """`dutygraph serve` that must exit by itself: its exit code and what it printed."""
    command = [sys.executable, "-m", "dutygraph", "serve", "--host", "127.0.0.1", "--port", str(free_port())]
    return subprocess.run([*command, *options], capture_output=True, text=True, timeout=START_TIMEOUT)


# -- the same answers as the embedded store ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        pytest.param("/api/duties?limit=500", "application/json", id="duties"),
        pytest.param("/api/bodies/organization-department", "application/json", id="a-body"),
        pytest.param("/api/bodies/organization-department/duties", "application/json", id="its-duties"),
        pytest.param(f"/api/duties/{DUTY}", "application/json", id="a-duty"),
        pytest.param("/id/body/organization-department", "text/turtle", id="id-body-turtle"),
        pytest.param(f"/id/document/{DUTY.replace('/', '/duty/')}", "text/turtle", id="id-duty-turtle"),
        pytest.param("/id/body/organization-department", "text/html", id="id-body-html"),
        pytest.param("/viz/org", "text/html", id="viz-org"),
        pytest.param("/viz/body/organization-department", "text/html", id="viz-body"),
        pytest.param("/.well-known/void", "text/turtle", id="void"),
    ],
)
def test_the_store_serves_the_same_bytes(pair: Pair, path: str, accept: str) -> None:
    embedded = httpx.get(pair.embedded.base + path, headers={"Accept": accept}, timeout=30)
    remote = httpx.get(pair.remote.base + path, headers={"Accept": accept}, timeout=30)
    assert embedded.status_code == 200, embedded.text
    assert remote.status_code == 200, remote.text
    assert remote.headers["content-type"] == embedded.headers["content-type"]
    assert remote.content == embedded.content
    assert remote.headers.get("etag") == embedded.headers.get("etag")


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT ?duty ?quote WHERE { ?duty a odrl:Duty ; dg:quote ?quote } ORDER BY ?duty", JSON_RESULTS),
        ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g", JSON_RESULTS),
        (
            "SELECT ?body ?label WHERE { ?body a org:FormalOrganization ; skos:prefLabel ?label } "
            "ORDER BY ?body ?label",
            "text/csv",
        ),
        ("ASK { ?d a odrl:Permission }", JSON_RESULTS),
    ],
)
def test_sparql_answers_are_the_same_bytes(pair: Pair, query: str, accept: str) -> None:
    answers = [
        httpx.post(f"{server.base}/sparql", data={"query": query}, headers={"Accept": accept}, timeout=30)
        for server in (pair.embedded, pair.remote)
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
    embedded, remote = answers
    assert len(embedded.content) > 20, "an empty answer proves nothing"
    assert remote.headers["content-type"] == embedded.headers["content-type"]
    assert remote.content == embedded.content


def test_healthz_names_the_same_data(pair: Pair) -> None:
    embedded = httpx.get(f"{pair.embedded.base}/healthz").json()
    remote = httpx.get(f"{pair.remote.base}/healthz").json()
    assert remote["version"] == embedded["version"] == file_version(DEFAULT_BUILD_DIR)
    assert (remote["documents"], remote["triples"]) == (embedded["documents"], embedded["triples"])
    assert f"from {pair.store}/query" in pair.remote.log()  # it did read the store


# -- what /sparql keeps out of the store ---------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <urn:dutygraph:meta> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <urn:dutygraph:meta> WHERE { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": META_GRAPH},
        {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": META_GRAPH},
        {"query": f"SELECT * WHERE {{ GRAPH <{META_GRAPH}> {{ ?s ?p ?o }} }}"},
    ],
    ids=["from", "from-named", "default-graph-uri", "named-graph-uri", "graph"],
)
def test_the_stores_metadata_graph_is_not_served(pair: Pair, params: dict[str, str]) -> None:
    with RemoteStore.oxigraph(pair.store) as store:  # it is there, in the store
        held = store.select(
            f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ ?s <{META_VERSION}> ?v }} }}",
            default_graphs=[],
            named_graphs=[META_GRAPH],
        )
    assert [row["v"].value for row in held] == [file_version(DEFAULT_BUILD_DIR)]
    answer = httpx.get(f"{pair.remote.base}/sparql", params=params, headers={"Accept": JSON_RESULTS})
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"] == []


def test_service_is_refused_as_embedded(pair: Pair) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{pair.store}/query> {{ ?s ?p ?o }} }}"
    answers = [httpx.post(f"{s.base}/sparql", data={"query": query}) for s in (pair.embedded, pair.remote)]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[1].json() == answers[0].json()
    assert answers[1].json()["error"] == "service_refused"


@pytest.mark.parametrize(
    "request_of",
    [
        lambda update: {"data": {"update": update}},
        lambda update: {"data": {"query": update}},
        lambda update: {"content": update, "headers": {"Content-Type": "application/sparql-update"}},
    ],
    ids=["update-form", "update-as-query", "sparql-update"],
)
def test_an_update_is_refused_as_embedded_and_the_store_is_unchanged(pair: Pair, request_of) -> None:
    update = (
        f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <urn:x> <urn:y> <urn:z> }} }} ; "
        f"DROP GRAPH <https://dutygraph.example/id/register>"
    )
    before = quads_in(pair.store)
    answers = [httpx.post(f"{s.base}/sparql", **request_of(update)) for s in (pair.embedded, pair.remote)]
    assert answers[0].status_code in (400, 403)
    assert answers[1].status_code == answers[0].status_code
    assert answers[1].json() == answers[0].json()
    assert quads_in(pair.store) == before


# -- the command line --------------------------------------------------------------------------


def test_store_and_data_together_name_both() -> None:
    result = serve_fails("--store", "http://127.0.0.1:1", "--data", str(DEFAULT_BUILD_DIR.parent))
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert line.startswith("dutygraph serve: error:")
    assert "--data" in line and "--store" in line


def test_store_and_data_together_are_a_usage_error() -> None:
    assert (
        serve_fails("--store", "http://127.0.0.1:1", "--data", str(DEFAULT_BUILD_DIR.parent)).returncode == 2
    )


def test_a_store_that_is_down_at_start_is_one_line_and_exit_1() -> None:
    store = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = serve_fails("--store", store)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"dutygraph serve: error: store {store}/query: cannot connect")


def test_a_store_that_never_answers_at_start_is_exit_1_not_a_hang() -> None:
    with socket.socket() as silent:  # connections are accepted by the kernel, never answered
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        store = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = serve_fails("--store", store, "--sparql-timeout", "2")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"dutygraph serve: error: store {store}/query:") and "2 s" in line
    assert time.monotonic() - started < 30


# -- a store that goes down or is slow while serving -------------------------------------------------


@pytest.fixture
def own_store() -> Iterator[tuple[str, subprocess.Popen, ServerProcess]]:
    """An Oxigraph server of its own with the packaged build, its process, and `serve --store` of it."""
    with oxigraph_process() as (store, process):
        push(DEFAULT_BUILD_DIR, store)
        with serving("--store", store, as_given=True) as server:
            yield store, process, server


def test_a_store_that_goes_down_is_503_naming_it_and_rest_answers_from_memory(own_store) -> None:
    store, process, server = own_store
    assert httpx.get(f"{server.base}/sparql", params={"query": "ASK {}"}).status_code == 200
    process.terminate()
    process.wait(timeout=10)
    answer = httpx.get(f"{server.base}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert answer.status_code == 503
    assert answer.json()["error"] == "store_unavailable"
    assert f"{store}/query" in answer.json()["message"]
    assert answer.headers["retry-after"]
    # the records were read at start: REST answers from memory, the store down or not
    for path in ("/api/duties?limit=5", f"/api/duties/{DUTY}", "/api/bodies/party-committee", "/healthz"):
        assert httpx.get(server.base + path, timeout=30).status_code == 200, path


@pytest.mark.parametrize("path", ["/id/body/party-committee", "/viz/org"])
def test_pages_of_a_store_that_goes_down_are_503_naming_it(own_store, path: str) -> None:
    store, process, server = own_store
    process.terminate()
    process.wait(timeout=10)
    answer = httpx.get(server.base + path, timeout=30)
    assert answer.status_code == 503
    assert f"{store}/query" in answer.text


def test_the_stores_own_time_limit_is_a_503_timeout_not_a_cut_answer() -> None:
    with oxigraph_serving("--timeout-s", "1") as store:
        push(DEFAULT_BUILD_DIR, store)
        with serving("--store", store, "--sparql-timeout", "30", as_given=True) as server:
            started = time.monotonic()
            answer = httpx.post(f"{server.base}/sparql", data={"query": SLOW}, timeout=60)
            assert answer.status_code == 503, answer.text[:300]
            assert answer.json()["error"] == "timeout"
            assert "cancelled" in answer.json()["message"]
            assert time.monotonic() - started < 20  # the store's 1 s, not our 30 s
            # and the store, its query cancelled, still answers
            assert httpx.get(f"{server.base}/sparql", params={"query": "ASK {}"}).status_code == 200


def test_the_endpoints_time_limit_holds_over_a_store(own_store) -> None:
    store, _, _ = own_store
    with serving("--store", store, "--sparql-timeout", "2", as_given=True) as server:
        started = time.monotonic()
        answer = httpx.post(f"{server.base}/sparql", data={"query": SLOW}, timeout=60)
        assert answer.status_code == 503, answer.text[:300]
        assert answer.json()["error"] == "timeout" and "2 s" in answer.json()["message"]
        assert time.monotonic() - started < 20
        assert httpx.get(f"{server.base}/sparql", params={"query": "ASK {}"}).status_code == 200


def test_a_long_expression_does_not_bring_the_store_down(own_store) -> None:
    _, process, server = own_store
    chain = "SELECT (" + "+".join(["1"] * 3000) + " AS ?n) {}"
    answer = httpx.post(f"{server.base}/sparql", data={"query": chain}, timeout=30)
    assert answer.status_code in (200, 400), answer.text[:300]
    assert process.poll() is None, f"the store exited with {process.returncode}"
    assert httpx.get(f"{server.base}/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
