"""Content negotiation: which of the media types a route offers the client prefers.

`negotiate(accept, offered)` follows RFC 9110 §12.5.1: each offered type takes the q-value
of the most specific media range that matches it (`text/turtle` over `text/*` over `*/*`),
q=0 means "not acceptable", and among equal q-values the route's own order decides. No
Accept header (or one with no valid range) accepts anything: the first offered type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str  # "text", or "*"
    subtype: str  # "turtle", or "*"
    q: float

    def specificity(self, media_type: str) -> int:
        """2 for an exact match, 1 for `type/*`, 0 for `*/*`, -1 when it does not match."""
        kind, _, subtype = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == subtype else -1


def _quality(value: str) -> float | None:
    """A q-value as RFC 9110 writes it (0, 0.5, 1.000), or None when it is not one."""
    try:
        q = float(value)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 and len(value) <= 5 else None


def parse_accept(header: str | None) -> list[MediaRange]:
    """The valid media ranges of an Accept header; malformed ones are skipped."""
    ranges = []
    for element in (header or "").split(","):
        media, *parameters = (part.strip() for part in element.split(";"))
        media = media.lower()
        if media == "*":  # some old clients send a bare "*"
            media = "*/*"
        kind, slash, subtype = media.partition("/")
        if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
            continue
        q: float | None = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip())
        if q is not None:
            ranges.append(MediaRange(kind, subtype, q))
    return ranges


def negotiate(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers, or None when it accepts none of them."""
    ranges = parse_accept(header)
    if not ranges:
        return offered[0] if offered else None
    best, best_q = None, 0.0
    for media_type in offered:
        specificity, q = -1, 0.0
        for media_range in ranges:
            s = media_range.specificity(media_type)
            if s > specificity:
                specificity, q = s, media_range.q
        if q > best_q:
            best, best_q = media_type, q
    return best
