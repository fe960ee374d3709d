"""Answers computed once per build: JSON bytes with an ETag, kept in a bounded LRU.

The data is immutable while the server runs, so the same request always gets the same
bytes; repeated requests cost a dictionary lookup, and a client holding the ETag gets 304.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import orjson
from fastapi import Request, Response
from pydantic import BaseModel

CACHE_CONTROL = "public, max-age=300"


def _model(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(value: Any) -> bytes:
    return orjson.dumps(value, default=_model)


class ResponseCache:
    def __init__(self, version: str, max_entries: int = 4096) -> None:
        self.version = version
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()

    def respond(self, request: Request, key: Hashable, produce: Callable[[], Any]) -> Response:
        entry = self._entries.get(key)
        if entry is None:
            body = to_json(produce())
            etag = f'"{self.version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'
            entry = self._entries[key] = (body, etag)
            if len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        body, etag = entry
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(content=body, media_type="application/json", headers=headers)
