"""The store interface: the embedded store and a remote one (Oxigraph server, after
`dutygraph push`) give the same answers; a remote store that is down, slow or cut short by
its own time limit is a clear StoreError, never a hang."""

from __future__ import annotations

import base64
import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from dutygraph.cli import main
from dutygraph.graph.store import (
    META_GRAPH,
    EmbeddedStore,
    RemoteStore,
    Row,
    StoreRefused,
    StoreTimeout,
    StoreUnavailable,
    StoreUnversioned,
    file_version,
    plain,
    remote_store,
)
from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

from .servers import free_port
from .stores import oxigraph_serving, oxigraph_url  # noqa: F401  (a fixture)

ONTOLOGY = "https://dutygraph.example/ontology"
DOCUMENT = "https://dutygraph.example/id/document/party-talent-work-opinion"
SECOND_DOCUMENT = "https://dutygraph.example/id/document/employment-promotion-opinion-2018"
REGISTER = "https://dutygraph.example/id/register"  # the bodies and posts
# every data graph of the packaged build, by name
GRAPHS = [SECOND_DOCUMENT, DOCUMENT, REGISTER, ONTOLOGY]
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"

SELECTS = [
    # bodies with their Chinese labels: language tags survive
    f"SELECT ?body ?label WHERE {{ ?body a <{ORG}FormalOrganization> ; <{SKOS}prefLabel> ?label "
    'FILTER(lang(?label) = "zh") } ORDER BY ?body ?label',
    # counts per graph: typed literals, GRAPH over every data graph
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    # OPTIONAL: an unbound variable is absent from its row
    f"SELECT ?post ?unit WHERE {{ ?post a <{ORG}Post> OPTIONAL {{ ?post <{ORG}postIn> ?unit }} }} "
    "ORDER BY ?post ?unit",
    # the query's own dataset holds when no dataset is given
    f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}",
    f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{ONTOLOGY}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g",
    # numbers, booleans, dates as the data types them
    "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && "
    "datatype(?o) != <http://www.w3.org/2001/XMLSchema#string> && !langMatches(lang(?o), '*')) } "
    "ORDER BY ?s ?o LIMIT 300",
]
ASKS = [
    f"ASK {{ ?s a <{ORG}FormalOrganization> }}",
    "ASK { ?s <urn:nothing> ?o }",
    f"ASK {{ GRAPH <{DOCUMENT}> {{ ?s ?p ?o }} }}",
    f"ASK {{ GRAPH <{META_GRAPH}> {{ ?s ?p ?o }} }}",  # our metadata stays out of every answer
]
CONSTRUCTS = [
    f"CONSTRUCT {{ ?body ?p ?o }} WHERE {{ ?body a <{ORG}FormalOrganization> ; ?p ?o }}",
    f"DESCRIBE <{ONTOLOGY}>",
]


def unordered(rows: list[Row]) -> list[tuple]:
    return sorted(tuple(sorted((name, str(term)) for name, term in row.items())) for row in rows)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the packaged build's dataset, so both stores load the same bytes."""
    folder = tmp_path_factory.mktemp("store-data")
    shutil.copy(DEFAULT_BUILD_DIR / "dataset.nq", folder / "dataset.nq")
    return folder


@pytest.fixture(scope="module")
def embedded(data_dir: Path) -> EmbeddedStore:
    return EmbeddedStore.from_folder(data_dir)


@pytest.fixture(scope="module")
def remote(oxigraph_url: str, data_dir: Path) -> Iterator[RemoteStore]:  # noqa: F811
    with RemoteStore.oxigraph(oxigraph_url) as pusher:
        pusher.load_dataset(data_dir)
    with RemoteStore.oxigraph(oxigraph_url) as store:  # a client that did not push
        yield store


# -- the same answers --------------------------------------------------------------------------


@pytest.mark.parametrize("query", SELECTS)
def test_select_gives_the_same_rows(embedded: EmbeddedStore, remote: RemoteStore, query: str) -> None:
    expected = embedded.select(query)
    assert expected, "a question with no answer proves nothing"
    got = remote.select(query)
    if "ORDER BY" in query:
        assert got == expected
    else:
        assert unordered(got) == unordered(expected)


@pytest.mark.parametrize("query", [q for q in SELECTS if "GRAPH" not in q])
def test_a_data_vocabulary_question_gives_the_same_rows_from_oxigraphs_union(
    embedded: EmbeddedStore, remote: RemoteStore, query: str
) -> None:
    expected = embedded.select(query)
    got = remote.select(query, data_vocabulary=True)
    assert unordered(got) == unordered(expected)


def test_only_a_data_vocabulary_question_is_asked_of_oxigraphs_union(remote: RemoteStore) -> None:
    """The union is Oxigraph's whole store, our metadata graph included: what a question that
    says it matches only the data's vocabulary trades for not listing every graph."""
    ours = f"ASK {{ GRAPH <{META_GRAPH}> {{ ?s ?p ?o }} }}"
    assert remote.ask(ours) is False
    assert remote.ask(ours, data_vocabulary=True) is True
    listed = RemoteStore(remote.query_url, remote.gsp_url)  # not said to be Oxigraph: no union
    with listed:
        assert listed.ask(ours, data_vocabulary=True) is False


def test_rows_are_typed_terms(embedded: EmbeddedStore, remote: RemoteStore) -> None:
    query = SELECTS[0]
    for store in (embedded, remote):
        row = store.select(query)[0]
        assert row["label"].language == "zh"
        assert row["body"].value.startswith("https://dutygraph.example/id/")
    assert plain(remote.select(query)) == plain(embedded.select(query))
    assert isinstance(plain(embedded.select(query))[0]["label"], str)


def test_an_explicit_dataset_wins(embedded: EmbeddedStore, remote: RemoteStore) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for options in ({"default_graphs": [ONTOLOGY]}, {"default_graphs": [DOCUMENT], "named_graphs": []}):
        expected = embedded.select(query, **options)
        assert remote.select(query, **options) == expected
    ontology_only = int(embedded.select(query, default_graphs=[ONTOLOGY])[0]["n"].value)
    assert ontology_only == embedded.count(ONTOLOGY)
    named = "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert remote.select(named, named_graphs=[ONTOLOGY]) == embedded.select(named, named_graphs=[ONTOLOGY])
    assert [r["g"].value for r in remote.select(named, named_graphs=[ONTOLOGY])] == [ONTOLOGY]


@pytest.mark.parametrize("query", ASKS)
def test_ask_gives_the_same_answer(embedded: EmbeddedStore, remote: RemoteStore, query: str) -> None:
    assert remote.ask(query) is embedded.ask(query)


def test_ask_answers_both_ways(embedded: EmbeddedStore) -> None:
    assert [embedded.ask(q) for q in ASKS] == [True, False, True, False]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_construct_gives_the_same_triples(embedded: EmbeddedStore, remote: RemoteStore, query: str) -> None:
    expected = embedded.construct(query)
    assert expected
    got = remote.construct(query)
    assert len(got) == len(expected)
    assert set(got) == set(expected)


def test_graph_names_counts_and_version(embedded: EmbeddedStore, remote: RemoteStore, data_dir: Path) -> None:
    assert embedded.graph_names() == GRAPHS
    assert remote.graph_names() == embedded.graph_names()  # the metadata graph is not data
    for graph in embedded.graph_names():
        assert remote.count(graph) == embedded.count(graph) > 0
    assert remote.count() == embedded.count() == len(embedded) == len(remote)
    assert remote.count("urn:no-such-graph") == embedded.count("urn:no-such-graph") == 0
    assert remote.version() == embedded.version() == file_version(data_dir)
    assert len(embedded.version()) == 64


def test_a_bad_query_is_refused_by_both(embedded: EmbeddedStore, remote: RemoteStore) -> None:
    for store in (embedded, remote):
        with pytest.raises(StoreRefused) as refused:
            store.select("SELECT ?x WHERE { ?x ")
        assert store.name in str(refused.value)
        with pytest.raises(StoreRefused, match="ASK"):
            store.ask("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_replace_graph_changes_the_version(data_dir: Path) -> None:
    store = EmbeddedStore.from_folder(data_dir)
    before = store.version()
    store.replace_graph(DOCUMENT, b"<urn:a> <urn:b> <urn:c> .\n")
    assert store.count(DOCUMENT) == 1
    assert store.version() != before
    assert store.graph_names() == GRAPHS


# -- push ----------------------------------------------------------------------------------


def test_push_twice_leaves_the_same_data(
    oxigraph_url: str,  # noqa: F811
    data_dir: Path,
    embedded: EmbeddedStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):
        assert main(["push", "--data", str(data_dir), "--to", oxigraph_url]) == 0
        with RemoteStore.oxigraph(oxigraph_url) as store:
            assert store.graph_names() == embedded.graph_names()
            assert store.count() == embedded.count()  # replaced, not doubled
            for graph in embedded.graph_names():
                assert store.count(graph) == embedded.count(graph)
            assert store.version() == embedded.version()
    err = capsys.readouterr().err.splitlines()
    # not a terminal: a line per graph, then what was pushed
    assert err[:4] == [f"pushed {n}/4 {graph}" for n, graph in enumerate(GRAPHS, 1)]
    assert err[4].startswith(f"pushed {data_dir / 'dataset.nq'} to {oxigraph_url}/query: 4 graphs")


def test_push_with_separate_endpoints(oxigraph_url: str, data_dir: Path, embedded: EmbeddedStore) -> None:  # noqa: F811
    argv = ["push", "--data", str(data_dir)]
    argv += ["--store-query", f"{oxigraph_url}/query", "--store-gsp", f"{oxigraph_url}/store"]
    assert main(argv) == 0
    with RemoteStore(f"{oxigraph_url}/query") as store:  # reading needs no Graph Store endpoint
        assert store.count() == embedded.count()


def test_push_drops_only_the_graphs_it_pushed_before(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "dataset.nq").write_text(
        "<urn:s> <urn:p> <urn:o> <urn:a> .\n<urn:s> <urn:p> <urn:o> <urn:b> .\n"
    )
    (second / "dataset.nq").write_text("<urn:s> <urn:p> <urn:o2> <urn:a> .\n")
    with oxigraph_serving() as base, RemoteStore.oxigraph(base) as store:
        foreign = "<urn:x> <urn:y> <urn:z> <urn:theirs> .\n"  # loaded by someone else
        httpx.post(f"{base}/store", content=foreign, headers={"Content-Type": "application/n-quads"})
        with pytest.raises(StoreUnversioned, match="dutygraph push"):
            store.version()
        assert store.graph_names() == ["urn:theirs"]  # never pushed: every named graph
        store.load_dataset(first)
        assert store.graph_names() == ["urn:a", "urn:b"]
        store.load_dataset(second)
        assert store.graph_names() == ["urn:a"]
        assert store.version() == file_version(second)
        assert [row["o"].value for row in store.select("SELECT ?o WHERE { ?s ?p ?o }")] == ["urn:o2"]
        held = httpx.get(f"{base}/query", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"})
        assert sorted(b["g"]["value"] for b in held.json()["results"]["bindings"]) == [
            "urn:a",  # urn:b, pushed before and no longer in the data, is dropped
            META_GRAPH,
            "urn:theirs",  # what someone else loaded stays
        ]


# -- a store that is down, slow or cut short -----------------------------------------------


def test_a_down_store_is_unavailable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with RemoteStore.oxigraph(url, timeout=5) as store, pytest.raises(StoreUnavailable) as down:
        store.select("SELECT * WHERE { ?s ?p ?o }")
    assert f"{url}/query" in str(down.value)
    assert "connect" in str(down.value)


def test_push_to_a_down_store_is_one_line_and_exit_1(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["push", "--data", str(data_dir), "--to", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"dutygraph push: error: store {url}/query: cannot connect")


def test_push_needs_a_store(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["push", "--data", str(data_dir)])
    assert exit.value.code == 2
    assert "dutygraph push: error: give --to URL" in capsys.readouterr().err


def test_push_of_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["push", "--data", str(tmp_path / "nowhere"), "--to", "http://127.0.0.1:1"]) == 1
    assert "no built dataset" in capsys.readouterr().err


Handler = Callable[[BaseHTTPRequestHandler], None]


@contextlib.contextmanager
def fake_store(answer: Handler) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 whose every request is answered by `answer`."""
    release = threading.Event()

    class Handle(BaseHTTPRequestHandler):
        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.server.release = release  # type: ignore[attr-defined]
            answer(self)

        do_GET = do_POST = do_PUT = do_DELETE = handle_one

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()  # a sleeping handler wakes up and goes
        server.shutdown()
        server.server_close()


def _reply(handler: BaseHTTPRequestHandler, body: bytes, headers: dict[str, str] | None = None) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# a dataset given in full: no question asked of the fake store about its graphs
FIXED: dict = {"default_graphs": [ONTOLOGY], "named_graphs": []}
ASK_TRUE = b'{"head":{},"boolean":true}'
PARTIAL = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"urn:a"}}]}}'


def test_the_fake_store_answers() -> None:
    with fake_store(lambda h: _reply(h, ASK_TRUE)) as url, RemoteStore(f"{url}/sparql") as store:
        assert store.ask("ASK {}", **FIXED) is True


def test_a_slow_store_times_out() -> None:
    def sleeps(handler: BaseHTTPRequestHandler) -> None:
        handler.server.release.wait(30)  # type: ignore[attr-defined]  # far past the client's timeout

    with fake_store(sleeps) as url, RemoteStore(f"{url}/sparql", timeout=0.5) as store:
        with pytest.raises(StoreTimeout) as slow:
            store.ask("ASK {}", **FIXED)
        assert f"{url}/sparql" in str(slow.value)


def test_a_trickling_store_times_out() -> None:
    """Bytes that keep coming, each before the read timeout, do not extend the deadline."""

    def trickles(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.end_headers()
        for _ in range(300):
            if handler.server.release.wait(0.1):  # type: ignore[attr-defined]
                return
            try:
                handler.wfile.write(b" ")
                handler.wfile.flush()
            except OSError:
                return

    with (
        fake_store(trickles) as url,
        RemoteStore(f"{url}/sparql", timeout=0.5) as store,
        pytest.raises(StoreTimeout),
    ):
        store.ask("ASK {}", **FIXED)


def test_oxigraphs_cancelled_answer_is_a_timeout() -> None:
    cut = b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    with (
        fake_store(lambda h: _reply(h, cut)) as url,
        RemoteStore(f"{url}/query") as store,
        pytest.raises(StoreTimeout, match="cancelled"),
    ):
        store.select("SELECT * WHERE { ?s ?p ?o }", **FIXED)


def test_virtuosos_partial_answer_is_a_timeout() -> None:
    with (
        fake_store(lambda h: _reply(h, PARTIAL, {"X-SQL-State": "S1TAT"})) as url,
        RemoteStore(f"{url}/sparql") as store,
        pytest.raises(StoreTimeout, match="S1TAT"),
    ):
        store.select("SELECT * WHERE { ?s ?p ?o }", **FIXED)


def test_oxigraphs_own_time_limit_is_a_timeout() -> None:
    """A real Oxigraph server with --timeout-s: its cancelled answer is a StoreTimeout."""
    # streamed rows: Oxigraph checks its limit as it writes them (a COUNT over a product it
    # only checks late)
    product = "SELECT * WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f } }"
    with oxigraph_serving("--timeout-s", "1") as base, RemoteStore.oxigraph(base, timeout=30) as store:
        store.load_dataset(DEFAULT_BUILD_DIR)
        with pytest.raises(StoreTimeout, match="cancelled"):
            store.select(product)


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()

    def checks(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("Authorization") != expected:
            handler.send_response(401)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        _reply(handler, ASK_TRUE)

    with fake_store(checks) as url:
        with (
            RemoteStore(f"{url}/sparql") as anonymous,
            pytest.raises(StoreRefused, match="DUTYGRAPH_STORE_USER"),
        ):
            anonymous.ask("ASK {}", **FIXED)
        monkeypatch.setenv("DUTYGRAPH_STORE_USER", "reader")
        monkeypatch.setenv("DUTYGRAPH_STORE_PASSWORD", "s3cret")
        with remote_store(query_url=f"{url}/sparql") as store:
            assert store.ask("ASK {}", **FIXED) is True
        monkeypatch.setenv("DUTYGRAPH_STORE_AUTH", "digest")
        with remote_store(query_url=f"{url}/sparql") as store, pytest.raises(StoreRefused) as refused:
            store.ask("ASK {}", **FIXED)  # no digest challenge offered: 401 stays
        assert refused.value.status == 401
