"""The W3C SPARQL 1.1 Protocol test cases, query side, run against a real `dutygraph serve`.

The cases are those of w3c/rdf-tests, `sparql/sparql11/protocol/manifest.ttl`: one test
function per W3C case, named after it (`test_<case name>`), its docstring quoting the case's
`mf:name`. The update cases (`update_*`, `bad_update_*`) and the graph store protocol are out
of scope: this endpoint is read-only, which `test_local_update_is_forbidden` checks once.

How the cases are adapted to this endpoint, for all of them:

- The W3C requests go to `/sparql/` on `www.example`; here they go to `/sparql` on the
  test server, with the same parameters, bodies and headers, and no Accept header (the W3C
  requests send none).
- The W3C datasets are remote graphs (`http://kasei.us/2009/09/sparql/data/data0.rdf` …
  `data3.rdf`) that a test harness would first load. This store does not hold them and the
  endpoint never fetches anything: a graph it does not hold is an empty graph (SPARQL 1.1
  Query §13). So the W3C request itself is sent unchanged (the `w3c-request` variant) and
  answers 200 with what that dataset gives: `true` for `ASK {}`, but `false` where the W3C
  data would have had a match.
- The non-empty datasets use this store's own named graphs (the ones
  `SELECT DISTINCT ?g { GRAPH ?g {} }` lists). Like the W3C data files, each describes
  itself: graph `<g>` holds `<g> a ?type`, and no other graph does. In the queries below
  `<G1>` and `<G2>` stand for two such graphs; their types differ (an `eli:LegalResource`,
  an `owl:Ontology`), so where the W3C queries join both descriptions on one `?type` the
  adapted ones use `?type1` and `?type2`.

The tests at the end (`test_local_*`) are not W3C cases: they pin the rest of the
endpoint's protocol behaviour (unknown graphs never fetched, relative IRIs, unknown
functions, SERVICE, updates, 406).
"""

from __future__ import annotations

import csv
import io
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from dutygraph.ontology.paths import DEFAULT_BUILD_DIR

W3C_DATA = "http://kasei.us/2009/09/sparql/data/"
DATA0, DATA1, DATA2, DATA3 = (f"{W3C_DATA}data{n}.rdf" for n in range(4))

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
CSV_RESULTS = "text/csv"
TSV_RESULTS = "text/tab-separated-values"
BOOLEAN_MEDIA = (JSON_RESULTS, XML_RESULTS)
TABULAR_MEDIA = (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS)
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
SRX = "{http://www.w3.org/2005/sparql-results#}"
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")

Params = Sequence[tuple[str, str]]


# ---- the server, the store's graphs -------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(served: str) -> str:
    return f"{served}/sparql"


@pytest.fixture(scope="module")
def http(endpoint: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        del client.headers["accept"]  # the W3C requests carry no Accept header
        yield client


@pytest.fixture(scope="module")
def local_store() -> pyoxigraph.Store:
    """The same built dataset the server loads, to compute expected answers."""
    store = pyoxigraph.Store()
    store.load(path=str(DEFAULT_BUILD_DIR / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def store_graphs(http: httpx.Client, endpoint: str) -> list[str]:
    """The named graphs of the store, as the endpoint lists them."""
    _, rows = table_of(http.get(endpoint, params={"query": "SELECT DISTINCT ?g { GRAPH ?g {} }"}))
    graphs = sorted(row["g"] for row in rows)
    assert graphs, "the store has no named graph"
    return graphs


@pytest.fixture(scope="module")
def graphs(http: httpx.Client, endpoint: str, store_graphs: list[str]) -> tuple[str, str]:
    """Two graphs of the store that, like the W3C data files, each describe themselves
    (`<g> a ?type` inside `<g>`) and hold no such description of the other: <G1>, <G2>."""
    _, rows = table_of(http.get(endpoint, params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?g a ?t } }"}))
    described = sorted(row["g"] for row in rows)
    assert set(described) <= set(store_graphs)
    if len(described) < 2:
        pytest.fail(f"fewer than two self-describing named graphs in the store: {described}")
    first, second = described[:2]
    for inside, about in ((first, second), (second, first)):
        cross = f"ASK {{ GRAPH <{inside}> {{ <{about}> a ?t }} }}"
        assert boolean_of(http.get(endpoint, params={"query": cross})) is False, cross
    return first, second


def fill(text: str, graphs: tuple[str, str]) -> str:
    """`<G1>` / `<G2>` in a query, or `G1` / `G2` as a graph parameter, → the store's graphs."""
    first, second = graphs
    if text in ("G1", "G2"):
        return first if text == "G1" else second
    return text.replace("<G1>", f"<{first}>").replace("<G2>", f"<{second}>")


def dataset(graphs: tuple[str, str], default: Sequence[str] = (), named: Sequence[str] = ()) -> Params:
    return [("default-graph-uri", fill(g, graphs)) for g in default] + [
        ("named-graph-uri", fill(g, graphs)) for g in named
    ]


def encoded(params: Params) -> str:
    return urlencode(list(params), quote_via=quote)


# ---- reading answers ----------------------------------------------------------------------------


def media_of(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def answered(response: httpx.Response, allowed: Sequence[str]) -> str:
    """The answer's media type, once it is a 200 in one of `allowed`."""
    assert response.status_code == 200, (response.status_code, response.text)
    media = media_of(response)
    assert media in allowed, f"Content-Type {response.headers.get('content-type')!r}, not one of {allowed}"
    return media


def boolean_of(response: httpx.Response) -> bool:
    """The boolean of an ASK answer, parsed from SPARQL results JSON or XML."""
    media = answered(response, BOOLEAN_MEDIA)
    if media == JSON_RESULTS:
        body = response.json()
        assert "head" in body and isinstance(body.get("boolean"), bool), body
        return body["boolean"]
    root = ET.fromstring(response.content)
    assert root.tag == f"{SRX}sparql", root.tag
    node = root.find(f"{SRX}boolean")
    assert node is not None and node.text is not None, response.text
    return {"true": True, "false": False}[node.text.strip()]


def _tsv_value(cell: str) -> str:
    """A TSV cell (a Turtle term) → its IRI or lexical form."""
    if cell.startswith("<") and cell.endswith(">"):
        return cell[1:-1]
    if cell.startswith('"'):
        return cell[1 : cell.rindex('"')].replace('\\"', '"').replace("\\\\", "\\")
    return cell


def table_of(response: httpx.Response, allowed: Sequence[str] = TABULAR_MEDIA) -> tuple[list, list[dict]]:
    """(variables, rows of variable → IRI or lexical form) of a SELECT answer in any format."""
    media = answered(response, allowed)
    if media == JSON_RESULTS:
        body = response.json()
        rows = [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]
        return body["head"]["vars"], rows
    if media == XML_RESULTS:
        root = ET.fromstring(response.content)
        names = [v.get("name") for v in root.iter(f"{SRX}variable")]
        rows = [
            {b.get("name"): "".join(b[0].itertext()) for b in result.findall(f"{SRX}binding")}
            for result in root.iter(f"{SRX}result")
        ]
        return names, rows
    delimiter = "," if media == CSV_RESULTS else "\t"
    table = [row for row in csv.reader(io.StringIO(response.text), delimiter=delimiter) if row]
    if media == CSV_RESULTS:
        names, cells = table[0], table[1:]
    else:
        names = [name.removeprefix("?") for name in table[0]]
        cells = [[_tsv_value(cell) for cell in row] for row in table[1:]]
    return names, [{n: c for n, c in zip(names, row, strict=True) if c != ""} for row in cells]


def graph_of(response: httpx.Response) -> Graph:
    """The RDF graph of a CONSTRUCT / DESCRIBE answer, parsed by rdflib in its media type."""
    media = answered(response, tuple(RDF_MEDIA))
    return Graph().parse(data=response.content, format=RDF_MEDIA[media])


def refused(response: httpx.Response, statuses: Sequence[int]) -> str:
    """The message of a JSON error answer whose status is one of `statuses`."""
    assert response.status_code in statuses, (response.status_code, response.text)
    assert media_of(response) == "application/json", response.headers.get("content-type")
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    return body["message"]


def accept(media: str | None) -> dict[str, str]:
    return {} if media is None else {"Accept": media}


def post_direct(
    http: httpx.Client, endpoint: str, query: str, params: Params = (), media: str | None = None
) -> httpx.Response:
    url = f"{endpoint}?{encoded(params)}" if params else endpoint
    headers = {"Content-Type": SPARQL_QUERY, **accept(media)}
    return http.post(url, content=query.encode("utf-8"), headers=headers)


def get(http: httpx.Client, endpoint: str, query: str, params: Params = ()) -> httpx.Response:
    return http.get(f"{endpoint}?{encoded([('query', query), *params])}")


# ---- the W3C cases: queries that are answered ---------------------------------------------------


@pytest.mark.parametrize(
    ("url_params", "body", "expected"),
    [
        pytest.param(
            f"default-graph-uri={quote(DATA0, safe='')}", "query=ASK%20%7B%7D", True, id="w3c-request"
        ),
        pytest.param(
            [("default-graph-uri", "G1")], [("query", "ASK { <G1> a ?type }")], True, id="store-graph-in-url"
        ),
        pytest.param("", "query=ASK%20%7B%7D", True, id="no-dataset"),
        pytest.param(
            "", f"query=ASK%20%7B%7D&default-graph-uri={quote(DATA0, safe='')}", True, id="dataset-in-body"
        ),
        pytest.param(
            "", [("query", "ASK { <G1> a ?type }"), ("default-graph-uri", "G1")], True, id="store-graph"
        ),
        pytest.param(
            "", [("query", "ASK { <G1> a ?type }"), ("default-graph-uri", DATA0)], False, id="empty-graph"
        ),
    ],
)
def test_query_post_form(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    url_params: str | Params,
    body: str | Params,
    expected: bool,
) -> None:
    """W3C query_post_form: "query via URL-encoded POST" — `query=ASK {}` as a form body
    (with `default-graph-uri=…data0.rdf` in the URL) answers 2xx/3xx, boolean results, `true`.

    Adapted: `w3c-request` is the W3C request as it is (data0.rdf is an empty graph here, and
    `ASK {}` is true over any dataset); `store-graph-in-url` is the same shape (dataset in the
    URL, query in the form) over a store graph. The other variants put the dataset in the form
    body, as the Protocol (§2.1.2) asks of a form POST, and use a store graph, or an empty one,
    to show it applies.
    """
    content = body if isinstance(body, str) else encoded([(k, fill(v, graphs)) for k, v in body])
    if not isinstance(url_params, str):
        url_params = encoded([(k, fill(v, graphs)) for k, v in url_params])
    url = f"{endpoint}?{url_params}" if url_params else endpoint
    answer = http.post(url, content=content.encode("utf-8"), headers={"Content-Type": FORM})
    assert boolean_of(answer) is expected


DEFAULT_GRAPHS_CASES = [
    pytest.param(
        f"ASK {{ <{DATA1}> a ?type . <{DATA2}> a ?type . }}", [DATA1, DATA2], False, id="w3c-request"
    ),
    pytest.param("ASK { <G1> a ?type1 . <G2> a ?type2 . }", ["G1", "G2"], True, id="store-graphs"),
    pytest.param("ASK { <G1> a ?type1 . <G2> a ?type2 . }", ["G1"], False, id="only-one-of-them"),
    pytest.param(
        "ASK { <G1> a ?type1 . <G2> a ?type2 . }", ["G1", DATA1, "G2"], True, id="with-an-empty-graph"
    ),
    pytest.param("ASK { GRAPH ?g { ?s ?p ?o } }", ["G1", "G2"], False, id="no-named-graphs"),
]


@pytest.mark.parametrize(("query", "default", "expected"), DEFAULT_GRAPHS_CASES)
def test_query_dataset_default_graphs_get(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    default: list[str],
    expected: bool,
) -> None:
    """W3C query_dataset_default_graphs_get: "GET query with protocol-specified default graph" —
    `ASK { <data1.rdf> a ?type . <data2.rdf> a ?type . }` by GET with `default-graph-uri`
    data1.rdf and data2.rdf: the default graph is their merge, so `true`.

    Adapted: `w3c-request` sends the W3C request; both graphs are empty here, so it is
    answered 200 `false`. `store-graphs` is the same request over two graphs of the store
    (their merge holds both descriptions: `true`); with only one of them, `false`; an empty
    graph added to the merge changes nothing; the dataset given has no named graphs.
    """
    answer = get(http, endpoint, fill(query, graphs), dataset(graphs, default=default))
    assert boolean_of(answer) is expected


@pytest.mark.parametrize(("query", "default", "expected"), DEFAULT_GRAPHS_CASES)
def test_query_dataset_default_graphs_post(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    default: list[str],
    expected: bool,
) -> None:
    """W3C query_dataset_default_graphs_post: "POST query with protocol-specified default
    graphs" — the same ASK POSTed as `application/sparql-query`, `default-graph-uri` data1.rdf
    and data2.rdf in the URL: `true`.

    Adapted as query_dataset_default_graphs_get (the W3C graphs are empty here: `false`; two
    graphs of the store: `true`).
    """
    answer = post_direct(http, endpoint, fill(query, graphs), dataset(graphs, default=default))
    assert boolean_of(answer) is expected


NAMED_GRAPHS_CASES = [
    pytest.param(
        f"ASK {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}",
        [DATA1, DATA2],
        False,
        id="w3c-request",
    ),
    pytest.param(
        "ASK { GRAPH ?g1 { <G1> a ?type1 } GRAPH ?g2 { <G2> a ?type2 } }",
        ["G1", "G2"],
        True,
        id="store-graphs",
    ),
    pytest.param(
        "ASK { GRAPH ?g1 { <G1> a ?type1 } GRAPH ?g2 { <G2> a ?type2 } }",
        ["G1"],
        False,
        id="only-one-of-them",
    ),
    pytest.param(
        "ASK { GRAPH ?g1 { <G1> a ?type1 } GRAPH ?g2 { <G2> a ?type2 } }",
        ["G1", DATA1, "G2"],
        True,
        id="with-an-empty-graph",
    ),
    pytest.param("ASK { GRAPH <G2> { <G2> a ?type } }", ["G1"], False, id="other-graphs-not-named"),
    pytest.param("ASK { <G1> a ?type }", ["G1", "G2"], False, id="default-graph-empty"),
]


@pytest.mark.parametrize(("query", "named", "expected"), NAMED_GRAPHS_CASES)
def test_query_dataset_named_graphs_post(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    named: list[str],
    expected: bool,
) -> None:
    """W3C query_dataset_named_graphs_post: "POST query with protocol-specified named graphs" —
    `ASK { GRAPH ?g1 { <data1.rdf> a ?type } GRAPH ?g2 { <data2.rdf> a ?type } }` POSTed as
    `application/sparql-query`, `named-graph-uri` data1.rdf and data2.rdf in the URL: `true`.

    Adapted: `w3c-request` sends it as it is (empty graphs here: `false`); `store-graphs`
    names two graphs of the store (`true`); a graph not named is not visible, and with only
    `named-graph-uri` given the default graph is empty.
    """
    answer = post_direct(http, endpoint, fill(query, graphs), dataset(graphs, named=named))
    assert boolean_of(answer) is expected


@pytest.mark.parametrize(("query", "named", "expected"), NAMED_GRAPHS_CASES)
def test_query_dataset_named_graphs_get(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    named: list[str],
    expected: bool,
) -> None:
    """W3C query_dataset_named_graphs_get: "GET query with protocol-specified named graphs" —
    the same ASK by GET with `named-graph-uri` data1.rdf and data2.rdf: `true`.

    Adapted as query_dataset_named_graphs_post.
    """
    answer = get(http, endpoint, fill(query, graphs), dataset(graphs, named=named))
    assert boolean_of(answer) is expected


@pytest.mark.parametrize(
    ("query", "default", "named", "expected"),
    [
        pytest.param(
            f"ASK {{\n  <{DATA3}> a ?type\n  GRAPH ?g1 {{ <{DATA1}> a ?type }}\n"
            f"  GRAPH ?g2 {{ <{DATA2}> a ?type }}\n}}",
            [DATA3],
            [DATA1, DATA2],
            False,
            id="w3c-request",
        ),
        pytest.param(
            "ASK { <G2> a ?type2 GRAPH ?g1 { <G1> a ?type1 } }", ["G2"], ["G1"], True, id="store-graphs"
        ),
        pytest.param(
            "ASK { <G2> a ?type2 GRAPH ?g1 { <G1> a ?type1 } GRAPH ?g2 { <G2> a ?type3 } }",
            ["G2"],
            ["G1", "G2"],
            True,
            id="default-graph-also-named",
        ),
        pytest.param("ASK { <G1> a ?type }", ["G2"], ["G1"], False, id="named-graph-not-in-default"),
        pytest.param(
            "ASK { GRAPH ?g { <G2> a ?type } }", ["G2"], ["G1"], False, id="default-graph-not-named"
        ),
    ],
)
def test_query_dataset_full(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    default: list[str],
    named: list[str],
    expected: bool,
) -> None:
    """W3C query_dataset_full: "query with protocol-specified dataset (both named and default
    graphs)" — POST `application/sparql-query`, `default-graph-uri` data3.rdf and
    `named-graph-uri` data1.rdf, data2.rdf: `<data3.rdf> a ?type` in the default graph and the
    other two as named graphs, `true`.

    Adapted: `w3c-request` sends it as it is (empty graphs here: `false`). The store has two
    self-describing graphs, not three: one is the default graph and the other named
    (`store-graphs`), or the default graph is also named (`default-graph-also-named`, the W3C
    query's shape); and neither part of the dataset leaks into the other.
    """
    answer = post_direct(http, endpoint, fill(query, graphs), dataset(graphs, default, named))
    assert boolean_of(answer) is expected


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        pytest.param(
            f"ASK FROM <{DATA3}> {{ GRAPH ?g1 {{ <{DATA1}> a ?type }} GRAPH ?g2 {{ <{DATA2}> a ?type }} }}",
            # the W3C URL encodes `&` as %26: one named-graph-uri, an IRI holding "&named-graph-uri="
            [("named-graph-uri", f"{DATA1}&named-graph-uri={DATA2}")],
            False,
            id="w3c-request",
        ),
        pytest.param(
            "ASK FROM <G2> { GRAPH ?g { <G1> a ?type } }", [], False, id="from-alone-names-no-graph"
        ),
        pytest.param(
            "ASK FROM <G2> { GRAPH ?g { <G1> a ?type } }",
            [("named-graph-uri", "G1")],
            True,
            id="named-graph-uri-replaces-from",
        ),
        pytest.param("ASK FROM <G2> { <G2> a ?type }", [], True, id="from-alone"),
        pytest.param(
            "ASK FROM <G2> { <G2> a ?type }", [("named-graph-uri", "G1")], False, id="from-is-dropped"
        ),
        pytest.param(
            "ASK FROM <G1> { <G1> a ?type }",
            [("default-graph-uri", "G2")],
            False,
            id="default-graph-uri-wins",
        ),
        pytest.param(
            "ASK FROM <G1> { <G2> a ?type }", [("default-graph-uri", "G2")], True, id="default-graph-uri-used"
        ),
        pytest.param(
            "ASK FROM NAMED <G1> { GRAPH ?g { <G1> a ?type } }",
            [("default-graph-uri", "G1")],
            False,
            id="from-named-is-dropped",
        ),
    ],
)
def test_query_multiple_dataset(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    params: Params,
    expected: bool,
) -> None:
    """W3C query_multiple_dataset: "query specifying dataset in both query string and protocol;
    test for use of protocol-specified dataset" — `ASK FROM <data3.rdf> { GRAPH ?g1 {…} GRAPH
    ?g2 {…} }` with `named-graph-uri` in the URL: the protocol's dataset replaces the query's
    FROM / FROM NAMED (Protocol §2.1.4), `true`.

    Adapted: `w3c-request` sends it as it is (every graph it names is empty here: `false`).
    The others use the store's graphs to show the protocol dataset replacing FROM and FROM
    NAMED, each with a control without (or with another) protocol dataset.
    """
    answer = post_direct(http, endpoint, fill(query, graphs), [(k, fill(v, graphs)) for k, v in params])
    assert boolean_of(answer) is expected


@pytest.mark.parametrize(
    ("query", "default", "expected"),
    [
        pytest.param("ASK {}", [DATA0], True, id="w3c-request"),
        pytest.param("ASK {}", [], True, id="no-dataset"),
        pytest.param("ASK { <G1> a ?type }", [], True, id="union-default-graph"),
        pytest.param("ASK { <G1> a ?type }", ["G1"], True, id="store-graph"),
        pytest.param("ASK { <G1> a ?type }", [DATA0], False, id="empty-graph"),
    ],
)
def test_query_get(
    http: httpx.Client, endpoint: str, graphs: tuple[str, str], query: str, default: list[str], expected: bool
) -> None:
    """W3C query_get: "query via GET" — `GET ?query=ASK {}&default-graph-uri=…data0.rdf`
    answers 2xx/3xx, boolean results (XML, JSON or another boolean format), `true`.

    Adapted: `w3c-request` is the W3C request (data0.rdf is empty here; `ASK {}` is still
    true); the other variants check that the query and the dataset given by GET are used.
    """
    answer = get(http, endpoint, fill(query, graphs), dataset(graphs, default=default))
    assert boolean_of(answer) is expected


# the W3C content-type requests carry `default-graph-uri` data0.rdf (empty here); the same
# requests without a dataset separate the format checks from the empty-graph behaviour
W3C_DATASET = [
    pytest.param([("default-graph-uri", DATA0)], id="data0.rdf"),
    pytest.param([], id="no-dataset"),
]


@pytest.mark.parametrize(
    ("media", "expected_media"),
    [
        pytest.param(None, JSON_RESULTS, id="no-accept"),
        *(pytest.param(media, media, id=media) for media in TABULAR_MEDIA),
    ],
)
@pytest.mark.parametrize("params", W3C_DATASET)
def test_query_content_type_select(
    http: httpx.Client, endpoint: str, params: Params, media: str | None, expected_media: str
) -> None:
    """W3C query_content_type_select: "query appropriate content type (expect one of: XML,
    JSON, CSV, TSV)" — `SELECT (1 AS ?value) {}` POSTed as `application/sparql-query`
    (`default-graph-uri` data0.rdf) answers in a tabular results format.

    Adapted: the W3C request is `[data0.rdf-no-accept]` (data0.rdf is empty here, which this
    query does not read); with no Accept the answer is this endpoint's default, SPARQL results
    JSON; each of the four formats is also asked for by Accept, and every answer is parsed:
    one variable `value`, one row, the integer 1. The `no-dataset` variants send no
    `default-graph-uri`.
    """
    answer = post_direct(http, endpoint, "SELECT (1 AS ?value) {}", params, media)
    assert answered(answer, TABULAR_MEDIA) == expected_media
    names, rows = table_of(answer)
    assert names == ["value"]
    assert rows == [{"value": "1"}]
    if expected_media == JSON_RESULTS:
        binding = answer.json()["results"]["bindings"][0]["value"]
        assert binding == {"type": "literal", "datatype": str(XSD_INTEGER), "value": "1"}
    elif expected_media == XML_RESULTS:
        literal = ET.fromstring(answer.content).find(f"{SRX}results/{SRX}result/{SRX}binding/{SRX}literal")
        assert literal is not None and literal.get("datatype") == str(XSD_INTEGER)


@pytest.mark.parametrize(
    ("media", "expected_media"),
    [pytest.param(None, JSON_RESULTS, id="no-accept"), *(pytest.param(m, m, id=m) for m in BOOLEAN_MEDIA)],
)
@pytest.mark.parametrize("params", W3C_DATASET)
def test_query_content_type_ask(
    http: httpx.Client, endpoint: str, params: Params, media: str | None, expected_media: str
) -> None:
    """W3C query_content_type_ask: "query appropriate content type (expect one of: XML, JSON)"
    — `ASK {}` POSTed as `application/sparql-query` (`default-graph-uri` data0.rdf) answers
    SPARQL results XML or JSON.

    Adapted: the W3C request is `[data0.rdf-no-accept]` (data0.rdf is empty here; `ASK {}` is
    true over any dataset); with no Accept the answer is JSON, the default; XML and JSON are
    also asked for by Accept; the boolean is parsed from each (`true`). The `no-dataset`
    variants send no `default-graph-uri`.
    """
    answer = post_direct(http, endpoint, "ASK {}", params, media)
    assert answered(answer, BOOLEAN_MEDIA) == expected_media
    assert boolean_of(answer) is True


RDF_ACCEPTS = [
    pytest.param(None, "text/turtle", id="no-accept"),
    *(pytest.param(m, m, id=m) for m in RDF_MEDIA),
]


@pytest.mark.parametrize(("media", "expected_media"), RDF_ACCEPTS)
@pytest.mark.parametrize(
    ("resource", "default"),
    [
        pytest.param("http://example.org/", [DATA0], id="w3c-request"),
        pytest.param("http://example.org/", [], id="w3c-query-no-dataset"),
        pytest.param("G1", [DATA0], id="empty-graph"),
        pytest.param("G1", [], id="store-resource"),
    ],
)
def test_query_content_type_describe(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    local_store: pyoxigraph.Store,
    resource: str,
    default: list[str],
    media: str | None,
    expected_media: str,
) -> None:
    """W3C query_content_type_describe: "query appropriate content type (expect one of:
    RDF/XML, Turtle, N-Triples, RDFa)" — `DESCRIBE <http://example.org/>` POSTed as
    `application/sparql-query` (`default-graph-uri` data0.rdf) answers in an RDF format.

    Adapted: without Accept (as the W3C request) the answer is Turtle, this endpoint's
    default; each RDF format is also asked for by Accept and parsed with rdflib. The W3C
    request's graph is empty here (`w3c-request`, `empty-graph`: no triples). Over the
    store's default graph (no dataset), the description of `<http://example.org/>` (nothing)
    and of one of its graphs' IRIs (`store-resource`) is compared, triple for triple, with
    what the same DESCRIBE gives on a local copy of the store.
    """
    iri = fill(resource, graphs)
    answer = post_direct(http, endpoint, f"DESCRIBE <{iri}>", dataset(graphs, default=default), media)
    assert answered(answer, tuple(RDF_MEDIA)) == expected_media
    graph = graph_of(answer)
    if default:
        assert len(graph) == 0, graph.serialize(format="nt")
        return
    expected = Graph().parse(
        data=local_store.query(f"DESCRIBE <{iri}>", use_default_graph_as_union=True).serialize(
            format=pyoxigraph.RdfFormat.N_TRIPLES
        ),
        format="nt",
    )
    if resource != "http://example.org/":
        assert len(expected) > 0
        assert (URIRef(iri), None, None) in graph
    assert isomorphic(graph, expected)


@pytest.mark.parametrize(("media", "expected_media"), RDF_ACCEPTS)
@pytest.mark.parametrize("params", W3C_DATASET)
def test_query_content_type_construct(
    http: httpx.Client, endpoint: str, params: Params, media: str | None, expected_media: str
) -> None:
    """W3C query_content_type_construct: "query appropriate content type (expect one of:
    RDF/XML, Turtle, N-Triples, RDFa)" — `CONSTRUCT { <s> <p> 1 } WHERE {}` POSTed as
    `application/sparql-query` (`default-graph-uri` data0.rdf) answers in an RDF format.

    Adapted: the W3C request is `[data0.rdf-no-accept]` (data0.rdf is empty here, which this
    query does not read; `no-dataset` sends none). Without Accept the answer is Turtle; each
    RDF format is asked for by Accept and parsed with rdflib. The relative IRIs `<s>` and
    `<p>` resolve against the endpoint's base IRI: one triple, both IRIs absolute and resolved
    against the same base, object the integer 1.
    """
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    answer = post_direct(http, endpoint, query, params, media)
    assert answered(answer, tuple(RDF_MEDIA)) == expected_media
    triples = list(graph_of(answer))
    assert len(triples) == 1, triples
    subject, predicate, obj = triples[0]
    assert isinstance(subject, URIRef) and isinstance(predicate, URIRef)
    for iri, last in ((subject, "s"), (predicate, "p")):
        parts = urlsplit(str(iri))
        assert parts.scheme in ("http", "https") and parts.netloc, iri
        assert parts.path.endswith("/" + last) and not parts.query and not parts.fragment, iri
    assert str(predicate) == str(subject)[:-1] + "p"
    assert obj == Literal(1) and obj.datatype == XSD_INTEGER


@pytest.mark.parametrize(
    ("query", "params", "content_type", "expected"),
    [
        pytest.param("ASK {}", [], SPARQL_QUERY, True, id="w3c-request"),
        pytest.param("ASK {}", [], f"{SPARQL_QUERY}; charset=UTF-8", True, id="charset-utf-8"),
        pytest.param(
            "ASK { <G1> a ?type }", [("default-graph-uri", "G1")], SPARQL_QUERY, True, id="store-graph"
        ),
        pytest.param(
            "ASK { <G1> a ?type }", [("default-graph-uri", DATA0)], SPARQL_QUERY, False, id="empty-graph"
        ),
        pytest.param('ASK { FILTER(STRLEN("人才") = 2) }', [], SPARQL_QUERY, True, id="utf-8-text"),
    ],
)
def test_query_post_direct(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    query: str,
    params: Params,
    content_type: str,
    expected: bool,
) -> None:
    """W3C query_post_direct: "query via POST directly" — `ASK {}` as the body, Content-Type
    `application/sparql-query`, answers 2xx/3xx, boolean results, `true`.

    Adapted: `w3c-request` is the W3C request; the others add an explicit UTF-8 charset, a
    dataset in the URL (a store graph, or an empty one) and non-ASCII UTF-8 text.
    """
    url = f"{endpoint}?{encoded([(k, fill(v, graphs)) for k, v in params])}" if params else endpoint
    answer = http.post(
        url, content=fill(query, graphs).encode("utf-8"), headers={"Content-Type": content_type}
    )
    assert boolean_of(answer) is expected


# ---- the W3C cases: requests that are refused ---------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(http: httpx.Client, endpoint: str, method: str) -> None:
    """W3C bad_query_method: "invoke query operation with a method other than GET or POST" —
    `PUT ?query=ASK {}&default-graph-uri=…data0.rdf` (form Content-Type, empty body) is 4xx.

    Adapted: PUT as the W3C request, and DELETE and PATCH too; this endpoint answers 405 with
    an Allow header naming GET and POST.
    """
    url = f"{endpoint}?query=ASK%20%7B%7D&default-graph-uri={quote(DATA0, safe='')}"
    answer = http.request(method, url, content=b"", headers={"Content-Type": FORM})
    refused(answer, (405,))
    allowed = {m.strip().upper() for m in answer.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed and method not in allowed


@pytest.mark.parametrize(
    "request_parts",
    [
        pytest.param(("GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, None), id="w3c-request"),
        pytest.param(("POST", "", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", FORM), id="post-form"),
        pytest.param(
            ("POST", "query=SELECT%20%2A%20%7B%7D", "ASK {}", SPARQL_QUERY), id="post-direct-and-url"
        ),
    ],
)
def test_bad_multiple_queries(
    http: httpx.Client, endpoint: str, request_parts: tuple[str, str, str | None, str | None]
) -> None:
    """W3C bad_multiple_queries: "invoke query operation with more than one query string" —
    `GET ?query=ASK {}&query=SELECT * {}` is 4xx.

    Adapted: the W3C GET, and the same two queries in a form body, or one in the URL of a
    direct POST and one as its body; this endpoint answers 400 naming `query`.
    """
    method, url_params, body, content_type = request_parts
    url = f"{endpoint}?{url_params}" if url_params else endpoint
    headers = {"Content-Type": content_type} if content_type else {}
    content = body.encode("utf-8") if body is not None else None
    message = refused(http.request(method, url, content=content, headers=headers), (400,))
    assert "query" in message


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "text/turtle", "multipart/form-data; boundary=x"]
)
def test_bad_query_wrong_media_type(http: httpx.Client, endpoint: str, content_type: str) -> None:
    """W3C bad_query_wrong_media_type: "invoke query operation with a POST with media type
    that's not url-encoded or application/sparql-query" — `ASK {}` POSTed as `text/plain`
    is 4xx.

    Adapted: `text/plain` as the W3C request, and other media types; this endpoint answers 415.
    """
    answer = http.post(endpoint, content=b"ASK {}", headers={"Content-Type": content_type})
    refused(answer, (415,))


def test_bad_query_missing_form_type(http: httpx.Client, endpoint: str) -> None:
    """W3C bad_query_missing_form_type: "invoke query operation with url-encoded body, but
    without application/x-www-form-urlencoded media type" — `query=ASK%20%7B%7D` POSTed with
    no Content-Type is 4xx.

    Adapted: the W3C request as it is; this endpoint answers 415.
    """
    answer = http.post(endpoint, content=b"query=ASK%20%7B%7D")
    assert "content-type" not in answer.request.headers
    refused(answer, (415,))


def test_bad_query_missing_direct_type(http: httpx.Client, endpoint: str) -> None:
    """W3C bad_query_missing_direct_type: "invoke query operation with SPARQL body, but without
    application/sparql-query media type" — `ASK {}` POSTed with no Content-Type is 4xx.

    Adapted: the W3C request as it is; this endpoint answers 415.
    """
    answer = http.post(endpoint, content=b"ASK {}")
    assert "content-type" not in answer.request.headers
    refused(answer, (415,))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param("ASK {}".encode("utf-16"), f"{SPARQL_QUERY}; charset=UTF-16", id="w3c-request"),
        pytest.param("ASK {}".encode("utf-16"), SPARQL_QUERY, id="utf-16-undeclared"),
        pytest.param(
            'ASK { FILTER("caf\xe9" != "") }'.encode("latin-1"), SPARQL_QUERY, id="latin-1-undeclared"
        ),
        pytest.param(
            'ASK { FILTER("caf\xe9" != "") }'.encode("latin-1"),
            f"{SPARQL_QUERY}; charset=ISO-8859-1",
            id="latin-1",
        ),
        pytest.param("query=ASK%20%7B%7D".encode("utf-16"), f"{FORM}; charset=UTF-16", id="form-utf-16"),
        pytest.param(b"query=ASK%20%7B%22%FF%22%7D", FORM, id="form-percent-encoded-non-utf-8"),
    ],
)
def test_bad_query_non_utf8(http: httpx.Client, endpoint: str, body: bytes, content_type: str) -> None:
    """W3C bad_query_non_utf8: "invoke query operation with direct POST, but with a non-UTF8
    encoding (UTF-16)" — `ASK {}` in UTF-16 with a byte-order mark, Content-Type
    `application/sparql-query; charset=UTF-16`, is 4xx.

    Adapted: the W3C request, and other bodies that are not UTF-8 (declared or not, direct or
    form); this endpoint answers 415 for a charset other than UTF-8 and 400 for bytes that are
    not UTF-8 (README): either way a 4xx, as the W3C case asks, and never an answer.
    """
    answer = http.post(endpoint, content=body, headers={"Content-Type": content_type})
    refused(answer, (400, 415))


@pytest.mark.parametrize("how", ["w3c-request", "post-form", "post-direct"])
def test_bad_query_syntax(http: httpx.Client, endpoint: str, how: str) -> None:
    """W3C bad_query_syntax: "invoke query operation with invalid query syntax (4XX result)" —
    `GET ?query=ASK%20%7B` is 4xx.

    Adapted: the W3C GET, and the same text by form and direct POST; this endpoint answers
    400 with the parser's message.
    """
    if how == "w3c-request":
        answer = http.get(f"{endpoint}?query=ASK%20%7B")
    elif how == "post-form":
        answer = http.post(endpoint, content=b"query=ASK%20%7B", headers={"Content-Type": FORM})
    else:
        answer = post_direct(http, endpoint, "ASK {")
    refused(answer, (400,))


# ---- the endpoint's own protocol behaviour (not W3C cases) --------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    """A socket listening on 127.0.0.1 and its URL: a graph or service that must never be fetched."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        sock.settimeout(1.5)
        yield sock, f"http://127.0.0.1:{sock.getsockname()[1]}/data.ttl"


COUNT = "SELECT (COUNT(*) AS ?n) {}"


def count_of(response: httpx.Response) -> int:
    names, rows = table_of(response, (JSON_RESULTS,))
    assert names == ["n"] and len(rows) == 1, rows
    return int(rows[0]["n"])


def test_local_unknown_graphs_are_empty_and_never_fetched(
    http: httpx.Client,
    endpoint: str,
    graphs: tuple[str, str],
    local_store: pyoxigraph.Store,
    listener: tuple[socket.socket, str],
) -> None:
    """Not a W3C case: a graph named by FROM, FROM NAMED, `default-graph-uri` or
    `named-graph-uri` that the store does not hold is an empty graph (SPARQL 1.1 Query §13):
    answered 200 over that dataset, and never fetched (nothing connects to the listener, no
    file is read)."""
    sock, remote = listener
    first = graphs[0]
    in_first = int(
        next(iter(local_store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{first}> {{ ?s ?p ?o }} }}")))[
            "n"
        ].value
    )
    assert in_first > 0
    triples = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    quads = "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    for iri in (remote, "file:///etc/passwd", DATA1):
        cases = [
            (get(http, endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{iri}> {{ ?s ?p ?o }}"), 0),
            (
                get(http, endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{iri}> FROM <{first}> {{ ?s ?p ?o }}"),
                in_first,
            ),
            (
                get(
                    http,
                    endpoint,
                    f"SELECT (COUNT(*) AS ?n) FROM NAMED <{iri}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                ),
                0,
            ),
            (get(http, endpoint, triples, [("default-graph-uri", iri)]), 0),
            (
                get(http, endpoint, triples, [("default-graph-uri", iri), ("default-graph-uri", first)]),
                in_first,
            ),
            (get(http, endpoint, quads, [("named-graph-uri", iri)]), 0),
            (http.post(endpoint, data={"query": triples, "default-graph-uri": iri}), 0),
        ]
        for answer, expected in cases:
            assert "root:" not in answer.text
            assert count_of(answer) == expected, (iri, str(answer.request.url))
        ask = get(http, endpoint, f"ASK FROM <{iri}> {{ ?s ?p ?o }}")
        assert boolean_of(ask) is False
    with pytest.raises(TimeoutError):
        sock.accept()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        pytest.param("SELECT (<s> AS ?x) {}", "s", id="select"),
        pytest.param("ASK { FILTER(<p> = <p>) }", None, id="ask"),
    ],
)
def test_local_relative_iris_resolve_against_the_base(
    http: httpx.Client, endpoint: str, query: str, named: str | None
) -> None:
    """Not a W3C case: relative IRIs in any query form resolve against the endpoint's base
    IRI (as query_content_type_construct needs), so the query is answered, not refused."""
    answer = get(http, endpoint, query)
    if named is None:
        assert boolean_of(answer) is True
        return
    _, rows = table_of(answer, (JSON_RESULTS,))
    parts = urlsplit(rows[0]["x"])
    assert parts.scheme in ("http", "https") and parts.netloc and parts.path.endswith("/s")


@pytest.mark.parametrize(
    ("query", "name"),
    [
        pytest.param("SELECT (xsd:foo(1) AS ?x) {}", "foo", id="unknown-xsd-function"),
        pytest.param('SELECT (xsd:integr("1") AS ?x) {}', "integr", id="mistyped-cast"),
    ],
)
def test_local_unknown_function_is_400_naming_it(
    http: httpx.Client, endpoint: str, query: str, name: str
) -> None:
    """Not a W3C case: a call of an unknown or mistyped function is a bad query, 400, and the
    message names the function."""
    message = refused(get(http, endpoint, query), (400,))
    assert name in message


def test_local_service_is_400_and_never_called(
    http: httpx.Client, endpoint: str, listener: tuple[socket.socket, str]
) -> None:
    """Not a W3C case: SERVICE is refused (400) and the service is never contacted."""
    sock, remote = listener
    for query in (
        f"SELECT * {{ SERVICE <{remote}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{remote}> {{ ?s ?p ?o }} }}",
    ):
        refused(get(http, endpoint, query), (400,))
        refused(post_direct(http, endpoint, query), (400,))
    with pytest.raises(TimeoutError):
        sock.accept()


@pytest.mark.parametrize("how", ["query-get", "query-form", "query-direct", "update-form", "sparql-update"])
def test_local_update_is_forbidden(http: httpx.Client, endpoint: str, how: str) -> None:
    """Not a W3C case (the W3C update cases are out of scope): this endpoint is read-only,
    and an update, sent as a query or as an update, is 403."""
    update = "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"
    if how == "query-get":
        answer = get(http, endpoint, update)
    elif how == "query-form":
        answer = http.post(endpoint, data={"query": update})
    elif how == "query-direct":
        answer = post_direct(http, endpoint, update)
    elif how == "update-form":
        answer = http.post(endpoint, data={"update": update})
    else:
        answer = http.post(endpoint, content=update.encode(), headers={"Content-Type": SPARQL_UPDATE})
    refused(answer, (403,))
    assert boolean_of(get(http, endpoint, "ASK { <urn:x:s> ?p ?o }")) is False


@pytest.mark.parametrize(
    ("query", "media"),
    [
        pytest.param("ASK {}", "text/turtle", id="ask-as-rdf"),
        pytest.param("SELECT (1 AS ?value) {}", "application/n-triples", id="select-as-rdf"),
        pytest.param("CONSTRUCT { <urn:x:s> <urn:x:p> 1 } WHERE {}", "text/csv", id="construct-as-table"),
        pytest.param("DESCRIBE <urn:x:s>", JSON_RESULTS, id="describe-as-results"),
        pytest.param("SELECT (1 AS ?value) {}", "image/png", id="select-as-image"),
        pytest.param("ASK {}", f"{JSON_RESULTS};q=0, {XML_RESULTS};q=0", id="everything-q0"),
    ],
)
def test_local_no_acceptable_format_is_406(http: httpx.Client, endpoint: str, query: str, media: str) -> None:
    """Not a W3C case: an Accept header that allows none of the formats of the query's kind of
    result is 406."""
    refused(post_direct(http, endpoint, query, media=media), (406,))
