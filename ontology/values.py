"""The closed value sets every room shares: modalities, administrative levels, readings.

Defined once here (the ids of the SKOS concepts in dutygraph.ttl) and imported by the
reading's models, the graph queries, the REST parameters and models, and the pages; the
tuples are read off the Literal types so the two can never disagree.
"""

from __future__ import annotations

from typing import Literal, get_args

Modality = Literal["obligation", "permission", "encouragement", "prohibition"]
MODALITIES: tuple[str, ...] = get_args(Modality)

# who made a reading: a person (curated), or `dutygraph ingest`'s rules, not yet reviewed
ReadingKind = Literal["curated", "draft"]
READING_KINDS: tuple[str, ...] = get_args(ReadingKind)

# highest rank first, as the scheme ranks them (dg:rank: central 4 … county 1)
Level = Literal["central", "provincial", "prefectural", "county"]
LEVELS: tuple[str, ...] = get_args(Level)
LEVEL_RANKS: dict[str, int] = {level: len(LEVELS) - i for i, level in enumerate(LEVELS)}
