"""How the app is served: uvicorn with an HTTP protocol that protects the server from its
clients, the listening sockets bound before anything else starts, and (`serve --workers N`)
N forked server processes on those sockets under a supervising one (ServerProcesses).

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
import contextlib
import gc
import logging
import os
import re
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

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


def _configured(app: Any, limits: Limits) -> uvicorn.Config:
    """uvicorn's configuration of `app` (it sets up the log: log only after it), with the
    connection cap lowered to what the limit of open files allows."""
    descriptors = raise_descriptor_limit()
    wanted = limits.max_connections
    if descriptors != resource.RLIM_INFINITY and wanted > descriptors - RESERVED_DESCRIPTORS:
        limits = Limits(limits.request_timeout, max(1, descriptors - RESERVED_DESCRIPTORS))
    config = uvicorn.Config(app, http=protocol_class(limits), log_level="info", access_log=True)
    if limits.max_connections < wanted:
        logger.warning(
            "at most %d connections: the limit of open files is %d", limits.max_connections, descriptors
        )
    return config


def _nothing() -> None:
    pass


def serve(
    app: Any,
    sockets: list[socket.socket],
    limits: Limits,
    workers: int = 1,
    *,
    before_fork: Callable[[], None] = _nothing,
    after_serving: Callable[[], None] = _nothing,
) -> bool:
    """Serve `app` on already bound `sockets` until interrupted; False if it could not start
    (uvicorn has logged why). With `workers` > 1, that many forked processes serve it (see
    ServerProcesses): `before_fork` runs once in this process before the first fork,
    `after_serving` in each server process once it has stopped."""
    config = _configured(app, limits)
    for sock in sockets:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        logger.info("dutygraph running on http://%s:%d (Press CTRL+C to quit)", shown, port)
    if workers == 1:
        server = uvicorn.Server(config)
        server.run(sockets=sockets)
        return server.started
    before_fork()
    return ServerProcesses(config, sockets, workers, after_serving).run()


# several server processes


STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
SUPERVISED_SIGNALS = STOP_SIGNALS | {signal.SIGCHLD}
STARTUP_FAILED = 3  # a server process whose server did not start (uvicorn's own exit code for it)
QUICK_EXIT_SECONDS = 5.0  # a process that lived less is replaced after a growing delay
MAX_RESTART_DELAY = 30.0
PARENT_CHECK_SECONDS = 1.0
ORPHAN_GRACE_SECONDS = 10.0  # an orphaned server process stops gracefully, or is ended after this


def exit_cause(code: int) -> str:
    """What `os.waitstatus_to_exitcode` says of a process, in words."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


def _stop_with_parent(parent: int) -> None:
    """In a server process: once the supervising process is gone (killed, say), stop as on
    SIGTERM, and end for good if that takes longer than ORPHAN_GRACE_SECONDS."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    logger.warning("server process %d: its supervising process %d is gone, stopping", os.getpid(), parent)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(1)


class ServerProcesses:
    """`count` server processes forked from this one, all accepting on the same listening
    sockets, and their supervision; this process serves nothing itself.

    They are forked after the knowledge is loaded and the app created, and before any event
    loop, thread or SPARQL worker exists (create_app starts none: the worker pool starts on
    the first query, in each process), so each starts from the same memory, shared
    copy-on-write, and owns everything it later starts. A replacement is forked from the same
    untouched state, which is why this process does not serve: once it had run an event loop
    and threads it could no longer be forked safely.

    This process blocks the signals it waits for and takes them with sigtimedwait, so that no
    handler interrupts it midway through a fork or a reap: SIGTERM or SIGINT stops every
    server process with SIGTERM (uvicorn's graceful stop; a second SIGINT is passed on,
    uvicorn's forced one) and returns once they have exited; a process that exits on its own
    is logged and forked again (after a growing delay when it keeps exiting within seconds),
    except one whose server could not start, which stops them all. Each server process stops
    when this one is gone."""

    def __init__(
        self,
        config: uvicorn.Config,
        sockets: list[socket.socket],
        count: int,
        after_serving: Callable[[], None],
    ) -> None:
        self.config = config
        self.sockets = sockets
        self.count = count
        self.after_serving = after_serving
        self.parent = os.getpid()
        self.children: dict[int, float] = {}  # pid → when it was forked (time.monotonic)
        self.replacements: list[float] = []  # when each process still to be forked again may be
        self._quick_exits = 0
        self._mask: set[signal.Signals] = set()

    def run(self) -> bool:
        """Serve until stopped; False if a server could not start."""
        # what every process would do first, done once here so that its memory is shared too
        self.config.load()
        # a collection in a server process writes into the header of each object it visits,
        # which copies that object's page: the objects made so far it is to leave alone (as
        # Python's gc.freeze documentation advises before a fork without exec)
        gc.freeze()
        self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISED_SIGNALS)
        try:
            for _ in range(self.count):
                self._fork()
            logger.info("%d server processes: %s", self.count, ", ".join(str(pid) for pid in self.children))
            return self._supervise()
        finally:
            for pid in self.children:  # only left after a failure of this process
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)

    # the server processes

    def _fork(self) -> int:
        for stream in (sys.stdout, sys.stderr):  # else what is buffered is written twice
            stream.flush()
        pid = os.fork()
        if pid == 0:
            self._child()
        self.children[pid] = time.monotonic()
        return pid

    def _child(self) -> NoReturn:
        """The life of a forked server process; it never returns into the caller's code."""
        code = 1
        try:
            code = self._serve_here()
        except BaseException:
            logger.exception("server process %d failed", os.getpid())
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def _serve_here(self) -> int:
        server = uvicorn.Server(self.config)
        # uvicorn installs its own handlers while it serves and afterwards raises the signals
        # it caught again: to these, which only tell it (again) to stop. One arriving before
        # it serves stops it as soon as it has started.
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, server.handle_exit)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
        threading.Thread(
            target=_stop_with_parent, args=(self.parent,), name="stop-with-parent", daemon=True
        ).start()
        try:
            server.run(sockets=self.sockets)
        except SystemExit:  # uvicorn's way out when it cannot start serving on the sockets
            return 1 if server.started else STARTUP_FAILED
        finally:
            self.after_serving()
        return 0 if server.started else STARTUP_FAILED

    # supervision

    def _supervise(self) -> bool:
        while True:
            now = time.monotonic()
            wait = min([PARENT_CHECK_SECONDS, *(due - now for due in self.replacements)])
            received = signal.sigtimedwait(SUPERVISED_SIGNALS, max(wait, 0.01))
            if not self._reap(stopping=False):
                self._stop()
                return False
            if received is not None and received.si_signo in STOP_SIGNALS:
                self._stop()
                return True
            self._fork_due_replacements()

    def _reap(self, stopping: bool) -> bool:
        """Collect the server processes that have exited and plan their replacement (unless
        `stopping`); False if one could not start its server."""
        started = True
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            forked = self.children.pop(pid, None)
            if forked is None or stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            if code == STARTUP_FAILED:
                logger.error("server process %d could not start its server: stopping", pid)
                started = False
                continue
            delay = self._restart_delay(time.monotonic() - forked)
            logger.warning(
                "server process %d %s; starting another%s",
                pid,
                exit_cause(code),
                f" in {delay:g} s" if delay else "",
            )
            self.replacements.append(time.monotonic() + delay)
        return started

    def _restart_delay(self, lived: float) -> float:
        if lived >= QUICK_EXIT_SECONDS:
            self._quick_exits = 0
            return 0.0
        self._quick_exits += 1
        return min(MAX_RESTART_DELAY, 0.5 * 2 ** (self._quick_exits - 1))

    def _fork_due_replacements(self) -> None:
        now = time.monotonic()
        due = [when for when in self.replacements if when <= now]
        self.replacements = [when for when in self.replacements if when > now]
        for _ in due:
            logger.info("server process %d started", self._fork())

    def _stop(self) -> None:
        """SIGTERM to every server process, then wait until each has exited; a SIGINT while
        waiting (a second Ctrl-C) is passed on: uvicorn then stops without waiting for
        connections to close."""
        self.replacements.clear()
        if self.children:
            logger.info("stopping %d server processes", len(self.children))
        self._signal_children(signal.SIGTERM)
        while self.children:
            received = signal.sigtimedwait(SUPERVISED_SIGNALS, PARENT_CHECK_SECONDS)
            self._reap(stopping=True)
            if received is not None and received.si_signo == signal.SIGINT:
                self._signal_children(signal.SIGINT)

    def _signal_children(self, signum: int) -> None:
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
