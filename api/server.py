"""How the app is served: uvicorn with an HTTP protocol that protects the server from its
clients, and the listening sockets bound before anything else starts.

uvicorn's httptools protocol waits forever for a request that never completes (it has a
keep-alive timeout only between requests), accepts connections until the process runs out
of file descriptors, and answers a request target with raw UTF-8 bytes (`?q=用人`, which curl
and browsers' address bars send as typed) with a text/plain 400. `GuardedHttpToolsProtocol`
adds, per connection:

- a request timeout: armed when the connection starts waiting for a request and cancelled
  when the request (body included) has fully arrived; when it fires, the connection is closed
  (with a 408 if part of a request had arrived). Sending a byte now and then does not re-arm it.
- a cap on open connections: a new connection beyond it closes the connection that has been
  waiting longest for its request (or itself, when every other one is being answered), so
  that clients that do send requests are still served.
- bytes 0x80–0xFF in the request line percent-encoded before the parser sees them: what a
  client means by a raw UTF-8 target is its percent-encoded form (RFC 3986, 2.5), so both
  get the same answer. Anything else the parser refuses gets a JSON 400.
- a bound on the request line and headers (414, 431), so that no URL is too long to keep.
"""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from dutygraph.errors import DutygraphError

logger = logging.getLogger("uvicorn.error")

DEFAULT_REQUEST_TIMEOUT = 5.0
DEFAULT_MAX_CONNECTIONS = 1000
MAX_URL_BYTES = 16 * 1024
MAX_HEAD_BYTES = 64 * 1024  # request line and headers together
# file descriptors kept free of connections: the listening socket, the SPARQL workers'
# pipes, the log, files the routes open
RESERVED_DESCRIPTORS = 64
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


@dataclass(frozen=True)
class Limits:
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS


class _Refused(Exception):
    """Raised in a parser callback to stop parsing: the request gets `status`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def percent_encode_request_line(data: bytes, at_boundary: bool = True) -> bytes:
    """`data` with every byte 0x80–0xFF of its first line (a request line, or the rest of
    one) written as %XX; the rest (headers, a body, where such bytes may be meant as they
    are) untouched. At a message boundary, blank lines before the request line (RFC 9112,
    2.2) are skipped over."""
    if data.isascii():
        return data
    start = len(data) - len(data.lstrip(b"\r\n")) if at_boundary else 0
    end = data.find(b"\n", start)
    end = len(data) if end < 0 else end
    line = _HIGH_BYTE.sub(lambda byte: b"%%%02X" % byte[0][0], data[start:end])
    return data[:start] + line + data[end:]


def error_response(
    status: int, code: str, message: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> bytes:
    """A complete HTTP/1.1 answer with the JSON error body the app's errors have; the
    connection is closed after it."""
    body = orjson.dumps({"error": code, "message": message})
    return b"".join(
        [
            STATUS_LINE[status],
            *(name + b": " + value + b"\r\n" for name, value in headers),
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request timeout, a connection cap, raw UTF-8
    request targets accepted and JSON errors for what cannot be parsed (see the module's
    docstring). Use `protocol_class(limits)`: a subclass per server, holding its limits and
    the connections waiting for a request."""

    limits: ClassVar[Limits] = Limits()
    # connections waiting for (the rest of) a request, longest waiting first; a dict as an
    # ordered set
    waiting: ClassVar[dict[GuardedHttpToolsProtocol, None]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_timer: asyncio.TimerHandle | None = None
        # where the next bytes go: "boundary" (a request line starts), "request line" (one
        # has begun), "rest" (headers and body)
        self._reading = "boundary"
        self._in_message = False  # part of a request has arrived, not all of it
        self._head_bytes = 0

    # waiting for a request

    def _wait_for_request(self) -> None:
        """Arm the timer, unless it is armed: it runs from when the wait began."""
        if self._request_timer is None:
            self._request_timer = self.loop.call_later(self.limits.request_timeout, self._timed_out)
            self.waiting[self] = None

    def _request_arrived(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None
        self.waiting.pop(self, None)

    def _timed_out(self) -> None:
        timeout = self.limits.request_timeout
        if self.flow is not None and self.flow.read_paused:
            # uvicorn stopped reading (a pipelined request waits for the one before it to be
            # answered; a body beyond its buffer waits for the app): the delay is ours
            self._request_timer = self.loop.call_later(timeout, self._timed_out)
            return
        self._request_timer = None
        self._drop(408, "request_timeout", f"the request did not arrive within {timeout:g} s")

    def _drop(self, status: int, code: str, message: str) -> None:
        """Close the connection, first answering `status` if a request had begun and no
        answer is on its way."""
        self._request_arrived()
        self.connections.discard(self)
        if self.transport.is_closing():
            return
        answering = (
            self.cycle is not None and self.cycle.response_started and not self.cycle.response_complete
        )
        if self._in_message and not answering:
            self.transport.write(error_response(status, code, message, self.server_state.default_headers))
        self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for_request()
        if len(self.connections) > self.limits.max_connections:
            # the longest waiting (this one, if no other waits)
            oldest = next(iter(self.waiting))
            oldest._drop(503, "too_many_connections", "the server has too many open connections; try again")

    def connection_lost(self, exc: Exception | None) -> None:
        self._request_arrived()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        if self._reading != "rest":
            data = percent_encode_request_line(data, at_boundary=self._reading == "boundary")
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            refused = error.__context__ if isinstance(error.__context__, _Refused) else None
            if refused is None:
                logger.warning("Invalid HTTP request received: %s", error)
                refused = _Refused(
                    400,
                    "bad_request",
                    f"not a valid HTTP/1.1 request ({error}); percent-encode the URL "
                    "(curl -G --data-urlencode 'q=…') and check the request line and headers",
                )
            self._in_message = True  # answer it, whatever had arrived
            self._drop(refused.status, refused.code, refused.message)

    def send_400_response(self, msg: str) -> None:
        # what uvicorn sends for other failures it detects (an invalid upgrade): JSON too
        self.transport.write(error_response(400, "bad_request", msg, self.server_state.default_headers))
        self.transport.close()

    # parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message = True
        self._reading = "request line"
        self._head_bytes = 0
        self._wait_for_request()  # a pipelined request: it too must arrive in time

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES:
            raise _Refused(414, "uri_too_long", f"the request target is longer than {MAX_URL_BYTES} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._reading = "rest"
        self._head_bytes += len(name) + len(value) + 4
        if self._head_bytes > MAX_HEAD_BYTES:
            raise _Refused(
                431, "headers_too_large", f"the request's headers are larger than {MAX_HEAD_BYTES} bytes"
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading = "rest"
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._request_arrived()
        self._in_message = False
        self._reading = "boundary"
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # idle between requests: wait for the next one (unless one is already arriving or
        # queued to be answered)
        if not self.transport.is_closing() and not self._in_message and self.cycle.response_complete:
            self._wait_for_request()


def protocol_class(limits: Limits) -> type[GuardedHttpToolsProtocol]:
    """A GuardedHttpToolsProtocol with its own limits and its own set of waiting connections."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"limits": limits, "waiting": {}, "__module__": __name__},
    )


# binding and serving


class ListenError(DutygraphError):
    """The address cannot be listened on (in use, not this machine's, no permission)."""


def bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address `host` resolves to (as asyncio's create_server
    would make), or ListenError with one line saying why."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise ListenError(f"cannot resolve {host!r}: {error}") from error
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(addresses):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as error:
                reason = error.strerror or str(error)
                raise ListenError(f"cannot listen on {host}:{port}: {reason.lower()}") from error
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def raise_descriptor_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit (often 1024 → 1M on
    Linux): each connection is one. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return soft


def serve(app: Any, sockets: list[socket.socket], limits: Limits) -> bool:
    """Serve `app` on already bound `sockets` until interrupted; False if it could not start
    (uvicorn has logged why)."""
    descriptors = raise_descriptor_limit()
    wanted = limits.max_connections
    if descriptors != resource.RLIM_INFINITY and wanted > descriptors - RESERVED_DESCRIPTORS:
        limits = Limits(limits.request_timeout, max(1, descriptors - RESERVED_DESCRIPTORS))
    # uvicorn.Config sets up the log: log only after it
    config = uvicorn.Config(app, http=protocol_class(limits), log_level="info", access_log=True)
    if limits.max_connections < wanted:
        logger.warning(
            "at most %d connections: the limit of open files is %d", limits.max_connections, descriptors
        )
    for sock in sockets:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        logger.info("dutygraph running on http://%s:%d (Press CTRL+C to quit)", shown, port)
    server = uvicorn.Server(config)
    server.run(sockets=sockets)
    return server.started
