"""gzip for answers of 1 kB and more, when the client asks for it (Accept-Encoding).

A gzip-encoded answer is another representation of the same resource (RFC 9110, 8.8.3), so
it gets its own strong ETag: the identity tag with `-gzip` inside the quotes. A client that
revalidates such a tag gets 304 as it would for the plain one: the suffix is taken off the
tags of If-None-Match before the routes compare them, and put back on the 304's ETag. Every
answer that may be compressed says `Vary: Accept-Encoding`, compressed or not.

This sits inside ReplayAnswers, which keeps what it sends per Accept-Encoding: a replayed
answer is compressed once. Other answers with a strong ETag (the pages under /viz and /id)
are compressed once per ETag too: the data does not change while the server runs, so the
ETag names the bytes.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import anyio.to_thread

from .cache import RawHeaders, SizedLRU

MINIMUM_SIZE = 1024
# Level 6 (zlib's default) gave 9% larger output than 9 on a 100 kB /api/duties answer, in
# a third of the time.
LEVEL = 6
# zlib releases the GIL: bodies this large are compressed in a worker thread, so that the
# event loop goes on serving meanwhile.
THREAD_MINIMUM_SIZE = 256 * 1024
SUFFIX = b"-gzip"
_COMPRESSIBLE_TYPES = {
    b"application/javascript",
    b"application/n-quads",
    b"application/n-triples",
    b"application/trig",
    b"application/sparql-query",
}
_ENCODING = re.compile(rb"\s*([^\s;,]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*", re.IGNORECASE)


def accepts_gzip(header: bytes | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (RFC 9110, 12.5.3): named, or `*`,
    with a q-value above 0."""
    if not header:
        return False
    weights: dict[bytes, float] = {}
    for part in header.split(b","):
        match = _ENCODING.fullmatch(part)
        if match is None:
            continue
        try:
            weights[match[1].lower()] = float(match[2]) if match[2] else 1.0
        except ValueError:
            continue
    weight = weights.get(b"gzip", weights.get(b"x-gzip", weights.get(b"*", 0.0)))
    return weight > 0


def compressible(media_type: bytes) -> bool:
    media = media_type.partition(b";")[0].strip().lower()
    return media.startswith(b"text/") or media.endswith((b"json", b"xml")) or media in _COMPRESSIBLE_TYPES


def _gzip(body: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


def _gzip_tag(etag: bytes) -> bytes:
    """'"abc"' → '"abc-gzip"', 'W/"abc"' → 'W/"abc-gzip"'."""
    return etag[:-1] + SUFFIX + b'"' if etag.endswith(b'"') else etag + SUFFIX


def _identity_tags(header: bytes) -> bytes:
    """If-None-Match with the gzip tags turned back into the identity ones."""
    return b",".join(
        tag.strip()[: -len(SUFFIX) - 1] + b'"' if tag.strip().endswith(SUFFIX + b'"') else tag
        for tag in header.split(b",")
    )


def _with_vary(headers: RawHeaders) -> RawHeaders:
    for index, (name, value) in enumerate(headers):
        if name == b"vary":
            if b"accept-encoding" not in value.lower() and value.strip() != b"*":
                headers[index] = (name, value + b", Accept-Encoding")
            return headers
    headers.append((b"vary", b"Accept-Encoding"))
    return headers


class GzipAnswers:
    """ASGI middleware: gzip answers of MINIMUM_SIZE bytes or more, of a textual media type,
    sent in one body message, when the request accepts gzip. Streamed answers (the static
    files of /static) and answers already encoded are sent as they are."""

    def __init__(
        self,
        app: Any,
        max_bytes: int = 16 * 1024 * 1024,
        store: SizedLRU[tuple[bytes, int], bytes] | None = None,
    ) -> None:
        self.app = app
        # (identity ETag, its body's length) → gzip bytes; pass `store` to inspect it
        self.compressed = store if store is not None else SizedLRU(max_bytes)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept_encoding = held = None
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accept_encoding = value
            elif name == b"if-none-match":
                held = value
        if held is not None and SUFFIX in held:
            headers = [
                (name, _identity_tags(value) if name == b"if-none-match" else value)
                for name, value in scope["headers"]
            ]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, _Responder(self, send, accepts_gzip(accept_encoding), held).send)

    async def compress(self, body: bytes, etag: bytes | None) -> bytes:
        key = (etag, len(body)) if etag is not None and not etag.startswith(b"W/") else None
        if key is not None:
            found = self.compressed.get(key)
            if found is not None:
                return found
        if len(body) >= THREAD_MINIMUM_SIZE:
            compressed = await anyio.to_thread.run_sync(_gzip, body)
        else:
            compressed = _gzip(body)
        if key is not None:
            self.compressed.put(key, compressed)
        return compressed


class _Responder:
    """The `send` of one request: holds the start message until the first body message
    shows whether (and how) the answer is compressed."""

    def __init__(self, middleware: GzipAnswers, send: Any, gzip: bool, held: bytes | None) -> None:
        self.middleware = middleware
        self.downstream = send
        self.gzip = gzip
        self.held = held  # the request's If-None-Match, as sent
        self.start: dict | None = None

    async def send(self, message: dict) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.start = message
            if message["status"] == 304:
                await self.downstream(self._not_modified(message))
                self.start = None
            return
        if kind != "http.response.body" or self.start is None:
            await self.downstream(message)
            return
        start, self.start = self.start, None
        body = message.get("body", b"")
        headers: RawHeaders = list(start.get("headers", ()))
        names = {name: value for name, value in headers}
        if (
            message.get("more_body", False)
            or len(body) < MINIMUM_SIZE
            or start["status"] in (204, 206)
            or b"content-encoding" in names
            or not compressible(names.get(b"content-type", b""))
        ):
            await self.downstream(start)
            await self.downstream(message)
            return
        headers = _with_vary(headers)
        if self.gzip:
            etag = names.get(b"etag")
            body = await self.middleware.compress(body, etag)
            headers = [(name, value) for name, value in headers if name not in (b"content-length", b"etag")]
            headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(body)).encode("latin-1"))]
            if etag is not None:
                headers.append((b"etag", _gzip_tag(etag)))
        await self.downstream({**start, "headers": headers})
        await self.downstream({**message, "body": body})

    def _not_modified(self, start: dict) -> dict:
        """A 304 for a gzip representation names its ETag (and varies) as its 200 did."""
        if not self.gzip or self.held is None or SUFFIX not in self.held:
            return start
        headers: RawHeaders = list(start.get("headers", ()))
        for index, (name, value) in enumerate(headers):
            if name == b"etag" and _gzip_tag(value) in self.held:
                headers[index] = (name, _gzip_tag(value))
                return {**start, "headers": _with_vary(headers)}
        return start
