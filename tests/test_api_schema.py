"""Property-based: requests generated from the OpenAPI schema, sent to the running server.

For every operation, schemathesis sends valid and invalid requests (odd unicode, huge
numbers, missing and malformed parameters); no answer may be a server error, and every
answer must have a status code the schema declares and match its response model. The run is
bounded and derandomized, so CI sends the same requests every time.

The operations are read when the tests are collected, from the app's own schema, which the
first test checks is exactly the one the server serves at /openapi.json. (Loading it from the
server in a fixture, `schemathesis.pytest.from_fixture`, fails with this pytest: schemathesis
4.32 reads and rewrites `request.node._nodeid`, which pytest 9.2 no longer has.)
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from dutygraph.api.app import create_app

SETTINGS = {
    "seed": 20260101,
    "generation": {"max-examples": 30, "deterministic": True, "database": "none"},
}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@schemathesis.serializer("application/sparql-query")
def sparql_query_text(ctx: object, value: object) -> bytes:
    """/sparql takes the query itself as the body: send generated strings as UTF-8 text."""
    return str(value).encode("utf-8", errors="surrogatepass")


OPENAPI = create_app().openapi()
schema = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.Config.from_dict(SETTINGS))


@pytest.fixture(scope="module")
def schema_server(served: str) -> str:
    return served


def test_the_server_serves_this_schema(schema_server: str) -> None:
    assert httpx.get(f"{schema_server}/openapi.json", timeout=30).json() == OPENAPI


@schema.parametrize()
def test_no_server_error_and_answers_match_the_schema(case: schemathesis.Case, schema_server: str) -> None:
    case.call_and_validate(base_url=schema_server, checks=CHECKS, timeout=30)
