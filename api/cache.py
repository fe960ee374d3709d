"""Answers computed once per build: JSON bytes with an ETag, kept in LRUs bounded by bytes.

The data is immutable while the server runs, so the same request always gets the same
bytes; repeated requests cost a dictionary lookup, and a client holding the ETag gets 304.
The headers of both answers (200 and 304) are encoded once too, when the entry is made:
benchmarks/api_throughput.py measures this path.

Every cache here is a `SizedLRU`: what it keeps is bounded by what its entries really cost
in memory (their bytes and the Python objects around them), not by their number, so that no
sequence of distinct URLs can grow the server without bound.
"""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, NamedTuple, TypeVar

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
    # orjson (3.13) hands back its growing write buffer as the bytes object: a 44-byte answer
    # held 4 kB, a 100 kB one 4 MB (tracemalloc). Copied once, a kept answer costs its length.
    return memoryview(orjson.dumps(value, default=_model)).tobytes()


# What a kept entry costs beyond the objects it holds: its slot in the OrderedDict's hash
# table and its node in the order list. Measured with tracemalloc: the growth of an
# OrderedDict of N tuple keys mapped to None, divided by N, for N from 1,000 to 80,000 in
# steps of 13% (so that table resizes fall in between): at most 115 bytes (CPython 3.11).
ENTRY_OVERHEAD = 128
_ALIGNMENT = 16  # pymalloc hands out blocks in multiples of 16 bytes


def object_cost(value: Any) -> int:
    """The bytes `value` occupies, with what its tuples and lists hold: sys.getsizeof of each
    object, rounded up to the allocator's block size.

    Objects shared with other entries (a constant header name, None) are counted in each, so
    this errs on the side of more. Checked against tracemalloc for real entries of both caches
    by tests/test_replay.py: a kept answer's count is at least what it made the process hold."""
    size = -(-sys.getsizeof(value) // _ALIGNMENT) * _ALIGNMENT
    if isinstance(value, tuple | list):
        size += sum(object_cost(item) for item in value)
    return size


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """A least-recently-used map whose entries together cost at most `max_bytes`
    (`object_cost` of key and value, plus ENTRY_OVERHEAD); an entry that alone would cost
    more than `max_entry_bytes` is not kept."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 8 if max_entry_bytes is None else max_entry_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def put(self, key: K, value: V) -> bool:
        """Keep `value` under `key`, dropping the least recently used entries to make room;
        False when it is too large to keep or `key` is already there."""
        if key in self._entries:
            return False
        cost = ENTRY_OVERHEAD + object_cost(key) + object_cost(value)
        if cost > self.max_entry_bytes:
            return False
        self._entries[key] = (value, cost)
        self.size += cost
        while self.size > self.max_bytes:
            _, (_, old_cost) = self._entries.popitem(last=False)
            self.size -= old_cost
        return True

    def usage(self) -> dict[str, int]:
        return {"entries": len(self._entries), "bytes": self.size, "budget_bytes": self.max_bytes}


def entity_tag(version: str, body: bytes) -> str:
    """The one ETag scheme of every answer: the build version and a hash of the bytes, so a
    tag never matches across builds even where an answer's bytes stayed the same."""
    return f'"{version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


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
    """Answers by a route's own key (its validated parameters), with their ETag: `respond`
    for JSON, `respond_bytes` for any other media type. Bounded by `max_bytes`; an answer
    too large to keep is computed again when asked again."""

    def __init__(self, version: str, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.version = version
        self.entries: SizedLRU[Hashable, _Entry] = SizedLRU(max_bytes)

    def _make(
        self, body: bytes, media_type: str = JSON, extra_headers: dict[str, str] | None = None
    ) -> _Entry:
        etag = entity_tag(self.version, body)
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, **(extra_headers or {})}
        ok = Response(content=body, media_type=media_type, headers=headers)
        not_modified = Response(status_code=304, headers=headers)
        return _Entry(body, etag.encode("latin-1"), ok.raw_headers, not_modified.raw_headers, media_type)

    def respond(self, request: Request, key: Hashable, produce: Callable[[], Any]) -> Response:
        """The JSON of produce(), computed once per key."""
        entry = self.entries.get(key)
        if entry is None:
            entry = self._make(to_json(produce()))
            self.entries.put(key, entry)
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
        entry = self.entries.get(key)
        if entry is None:
            entry = self._make(produce(), media_type, headers)
            self.entries.put(key, entry)
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


ReplayKey = tuple[str, bytes, bytes, bytes]  # path, query string, Accept, Accept-Encoding


class ReplayAnswers:
    """ASGI middleware: a GET whose exact URL (and Accept and Accept-Encoding headers) was
    answered before gets the same answer again, without routing or parameter validation.

    Only immutable answers are kept: a 200 with an ETag, in one body message, under /api/ or
    /sparql. The data does not change while the server runs and those routes read nothing of
    a GET but the path, the query string and Accept (Accept-Encoding picks the compression
    of what is sent, api/compression.py), so these decide the bytes. Routing, middleware and
    validating the parameters of an already cached answer cost about two thirds of its time
    (benchmarks/RESULTS.md). A request with If-None-Match takes the normal way, which answers
    304; so does every other path and method. What is kept costs at most `max_bytes`
    (SizedLRU), the least recently used dropped first; pass `store` to share or inspect it."""

    def __init__(
        self,
        app: Any,
        prefixes: tuple[str, ...] = ("/api/", "/sparql"),
        max_bytes: int = 32 * 1024 * 1024,
        store: SizedLRU[ReplayKey, tuple[RawHeaders, bytes]] | None = None,
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.store = store if store is not None else SizedLRU(max_bytes, max_bytes // 64)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.store.get(key)
        if entry is None:
            await self.app(scope, receive, self._recording(key, send))
            return
        headers, body = entry
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    def _key(self, scope: dict) -> ReplayKey | None:
        """(path, query string, Accept, Accept-Encoding) of a replayable request, else None."""
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith(self.prefixes):
            return None
        accept = encoding = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                return None
            if name == b"accept":
                accept = value
            elif name == b"accept-encoding":
                encoding = value
        return (scope["path"], scope["query_string"], accept, encoding)

    def _recording(self, key: ReplayKey, send: Any) -> Any:
        start: dict = {}

        async def record(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif (
                start.get("status") == 200
                and not message.get("more_body", False)
                and any(name == b"etag" for name, _ in start.get("headers", ()))
            ):
                self.store.put(key, (list(start["headers"]), message.get("body", b"")))
            await send(message)

        return record
