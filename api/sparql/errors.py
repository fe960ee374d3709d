"""The refusals of the endpoint, shared by the web side and the query workers (no web imports)."""

from __future__ import annotations

from dutygraph.errors import DutygraphError


class ProtocolError(DutygraphError):
    """A request the endpoint refuses: an HTTP status, a short code and a message for people."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def read_only() -> ProtocolError:
    return ProtocolError(403, "read_only", "this endpoint is read-only: SPARQL Update is not accepted")
