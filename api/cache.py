"""Answers computed once per build: JSON bytes with an ETag, kept in a bounded LRU.

The data is immutable while the server runs, so the same request always gets the same
bytes; repeated requests cost a dictionary lookup, and a client holding the ETag gets 304.
The headers of both answers (200 and 304) are encoded once too, when the entry is made:
benchmarks/api_throughput.py measures this path.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

import orjson
from fastapi import Request, Response
from pydantic import BaseModel

CACHE_CONTROL = "public, max-age=300"
JSON = "application/json"
RawHeaders = list[tuple[bytes, bytes]]


def _model(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(value: Any) -> bytes:
    return orjson.dumps(value, default=_model)


def none_match(header: bytes, etag: bytes) -> bool:
    """RFC 9110 If-None-Match: `*`, or a list of tags compared weakly (W/ ignored)."""
    if header.strip() == b"*":
        return True
    return any(tag.strip().removeprefix(b"W/") == etag for tag in header.split(b","))


class _Entry(NamedTuple):
    body: bytes
    etag: bytes  # as it appears in the request's If-None-Match
    ok: RawHeaders  # what Response(content=body, media_type=JSON, headers=...) sends
    not_modified: RawHeaders  # what Response(status_code=304, headers=...) sends
    media_type: str


class _Prepared(Response):
    """A Response whose headers were encoded when its entry was made.

    Response.__init__ would encode the same headers again on every request; this takes the
    ones the real constructor produced once (see ResponseCache._make), so status, headers and
    bytes are those of Response(...), only cheaper."""

    def __init__(self, status_code: int, body: bytes, raw_headers: RawHeaders, media_type: str | None):
        self.status_code = status_code
        self.media_type = media_type
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


class ResponseCache:
    def __init__(self, version: str, max_entries: int = 4096) -> None:
        self.version = version
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def _make(
        self, body: bytes, media_type: str = JSON, extra_headers: dict[str, str] | None = None
    ) -> _Entry:
        etag = f'"{self.version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, **(extra_headers or {})}
        ok = Response(content=body, media_type=media_type, headers=headers)
        not_modified = Response(status_code=304, headers=headers)
        return _Entry(body, etag.encode("latin-1"), ok.raw_headers, not_modified.raw_headers, media_type)

    def respond(self, request: Request, key: Hashable, produce: Callable[[], Any]) -> Response:
        """The JSON of produce(), computed once per key."""
        entries = self._entries
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = self._make(to_json(produce()))
            if len(entries) > self.max_entries:
                entries.popitem(last=False)
        else:
            entries.move_to_end(key)
        return self._answer(request, entry)

    def respond_bytes(
        self,
        request: Request,
        key: Hashable,
        produce: Callable[[], bytes],
        media_type: str,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Bytes of any media type (Turtle, HTML …), computed once per key, with extra headers
        (Vary, Content-Security-Policy) sent on both the 200 and the 304."""
        entries = self._entries
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = self._make(produce(), media_type, headers)
            if len(entries) > self.max_entries:
                entries.popitem(last=False)
        else:
            entries.move_to_end(key)
        return self._answer(request, entry)

    @staticmethod
    def _answer(request: Request, entry: _Entry) -> Response:
        # The first If-None-Match, compared as Request.headers.get would (uvicorn gives
        # header names in lower case), without building a Headers object per request.
        for name, value in request.scope["headers"]:
            if name == b"if-none-match":
                if value == entry.etag or none_match(value, entry.etag):
                    return _Prepared(304, b"", entry.not_modified.copy(), None)
                break
        # A fresh list each time: a middleware may add headers to the one it is sent.
        return _Prepared(200, entry.body, entry.ok.copy(), entry.media_type)


class ReplayAnswers:
    """ASGI middleware: a GET whose exact URL (and Accept header) was answered before gets the
    same answer again, without routing or parameter validation.

    Only immutable answers are kept: a 200 with an ETag, in one body message, under /api/ or
    /sparql. The data does not change while the server runs and those routes read nothing of
    a GET but the path, the query string and Accept, so these decide the bytes. Routing,
    middleware and validating the parameters of an already cached answer cost about two thirds
    of its time (benchmarks/RESULTS.md). A request with If-None-Match takes the normal way,
    which answers 304; so does every other path and method. At most `max_bytes` of answers are
    kept, the least recently used dropped first."""

    def __init__(
        self, app: Any, prefixes: tuple[str, ...] = ("/api/", "/sparql"), max_bytes: int = 32 * 1024 * 1024
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 64
        self._entries: OrderedDict[tuple[str, bytes, bytes], tuple[RawHeaders, bytes]] = OrderedDict()
        self._size = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self._entries.get(key)
        if entry is None:
            await self.app(scope, receive, self._recording(key, send))
            return
        self._entries.move_to_end(key)
        headers, body = entry
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    def _key(self, scope: dict) -> tuple[str, bytes, bytes] | None:
        """(path, query string, Accept) of a replayable request, else None."""
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(self.prefixes):
            return None
        accept = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                return None
            if name == b"accept":
                accept = value
        return (scope["path"], scope["query_string"], accept)

    def _recording(self, key: tuple[str, bytes, bytes], send: Any) -> Any:
        start: dict = {}

        async def record(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif (
                start.get("status") == 200
                and not message.get("more_body", False)
                and any(name == b"etag" for name, _ in start.get("headers", ()))
            ):
                self._keep(key, list(start["headers"]), message.get("body", b""))
            await send(message)

        return record

    def _keep(self, key: tuple[str, bytes, bytes], headers: RawHeaders, body: bytes) -> None:
        size = len(body) + sum(map(len, key))
        if size > self.max_entry_bytes or key in self._entries:
            return
        self._entries[key] = (headers, body)
        self._size += size
        while self._size > self.max_bytes:
            old_key, (_, old_body) = self._entries.popitem(last=False)
            self._size -= len(old_body) + sum(map(len, old_key))
