"""ReplayAnswers: a repeated GET of an immutable answer is sent again without reaching the app;
anything else always reaches it."""

from __future__ import annotations

import asyncio
from typing import Any

from dutygraph.api.cache import ReplayAnswers


class CountingApp:
    """An ASGI app that answers `status` with `body`, and an ETag when `etag` is set."""

    def __init__(self, status: int = 200, etag: bool = True, body: bytes = b"answer") -> None:
        self.status, self.etag, self.body = status, etag, body
        self.calls = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        self.calls += 1
        headers = [(b"content-type", b"application/json")]
        if self.etag:
            headers.append((b"etag", b'"t1"'))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body + scope["path"].encode()})


def request(
    app: Any, path: str, method: str = "GET", headers: list | None = None, query: bytes = b""
) -> list:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": headers or []}
    asyncio.run(app(scope, receive, send))
    return sent


def test_a_repeated_immutable_answer_is_replayed_byte_for_byte() -> None:
    inner = CountingApp()
    app = ReplayAnswers(inner)
    first = request(app, "/api/bodies", query=b"kind=post")
    again = request(app, "/api/bodies", query=b"kind=post")
    assert inner.calls == 1
    assert first == again
    assert again[1]["body"] == b"answer/api/bodies"
    request(app, "/api/bodies", query=b"kind=unit")  # another query string is another answer
    assert inner.calls == 2


def test_accept_is_part_of_the_key() -> None:
    inner = CountingApp()
    app = ReplayAnswers(inner)
    request(app, "/sparql", headers=[(b"accept", b"text/csv")], query=b"query=ASK{}")
    request(app, "/sparql", headers=[(b"accept", b"text/csv")], query=b"query=ASK{}")
    assert inner.calls == 1
    request(app, "/sparql", headers=[(b"accept", b"application/sparql-results+xml")], query=b"query=ASK{}")
    assert inner.calls == 2


def test_errors_answers_without_etag_other_paths_and_methods_always_reach_the_app() -> None:
    for inner, path, method in (
        (CountingApp(status=404), "/api/bodies/nope", "GET"),
        (CountingApp(etag=False), "/api/bodies", "GET"),
        (CountingApp(), "/viz/org", "GET"),
        (CountingApp(), "/sparql", "POST"),
    ):
        app = ReplayAnswers(inner)
        for _ in range(3):
            request(app, path, method=method)
        assert inner.calls == 3, (path, method)


def test_a_conditional_request_goes_the_normal_way() -> None:
    inner = CountingApp()
    app = ReplayAnswers(inner)
    request(app, "/api/duties")
    request(app, "/api/duties", headers=[(b"if-none-match", b'"t1"')])
    assert inner.calls == 2


def test_the_kept_bytes_stay_within_the_budget() -> None:
    inner = CountingApp(body=b"x" * 1000)
    app = ReplayAnswers(inner, max_bytes=64 * 1100)  # room for about 64 answers of ~1 kB
    for number in range(200):
        request(app, f"/api/duties/{number}")
    assert app._size <= app.max_bytes
    calls = inner.calls
    request(app, "/api/duties/199")  # recent: replayed
    request(app, "/api/duties/0")  # long gone: asked again
    assert inner.calls == calls + 1
