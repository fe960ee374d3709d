"""ReplayAnswers: a repeated GET of an immutable answer is sent again without reaching the app;
anything else always reaches it."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dutygraph.api.cache import ReplayAnswers, ResponseCache


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
    app = ReplayAnswers(inner, max_bytes=64 * 2000)  # room for about 64 answers of ~1 kB
    for number in range(200):
        request(app, f"/api/duties/{number}")
    assert app.store.size <= app.store.max_bytes
    assert 32 <= len(app.store) <= 128
    calls = inner.calls
    request(app, "/api/duties/199")  # recent: replayed
    request(app, "/api/duties/0")  # long gone: asked again
    assert inner.calls == calls + 1


# What an entry really costs, against what the caches count. The old count (the body and
# the URL's bytes) said ~75 bytes for an answer that made the server hold ~5 kB.


def traced_growth(fill: Callable[[], None]) -> int:
    """The bytes Python holds after fill() that it did not hold before (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


class StarletteLikeApp:
    """Answers as the routes do: a fresh Response, with its own header objects, per request."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        body = b'{"total":0,"limit":50,"offset":0,"items":[],"q":"%s"}' % scope["query_string"]
        tag = f'"f47dab44686bc2c9-{hash(scope["query_string"]) & 0xFFFF:04x}"'
        await Response(body, media_type="application/json", headers={"ETag": tag})(scope, receive, send)


ANSWERS = 3000


def test_the_replay_counts_at_least_what_its_entries_hold() -> None:
    app = ReplayAnswers(StarletteLikeApp(), max_bytes=1 << 30)

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        pass

    async def requests() -> None:
        for number in range(ANSWERS):
            scope = {
                "type": "http",
                "method": "GET",
                "path": "/api/duties",
                "query_string": f"q=zz{number}".encode(),
                "headers": [(b"accept", b"*/*"), (b"accept-encoding", b"gzip, deflate")],
            }
            await app(scope, receive, send)

    held = traced_growth(lambda: asyncio.run(requests()))
    assert len(app.store) == ANSWERS
    assert app.store.size >= held, (app.store.size / ANSWERS, held / ANSWERS)
    assert app.store.size <= 2 * held  # and not so much more that the budget holds far less


def test_the_answer_cache_counts_at_least_what_its_entries_hold() -> None:
    cache = ResponseCache("v1", max_bytes=1 << 30)
    scope = {"type": "http", "method": "GET", "path": "/api/duties", "query_string": b"", "headers": []}
    request = Request(scope)

    def answers() -> None:
        for number in range(ANSWERS):
            key = ("duties", None, None, None, None, False, f"zz{number}", 50, 0)
            cache.respond(request, key, lambda: {"total": 0, "limit": 50, "offset": 0, "items": []})

    held = traced_growth(answers)
    assert len(cache.entries) == ANSWERS
    assert cache.entries.size >= held, (cache.entries.size / ANSWERS, held / ANSWERS)
    assert cache.entries.size <= 2 * held
