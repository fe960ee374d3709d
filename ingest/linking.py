"""Link the bodies a draft finds to the register, or propose new draft register entries.

A name links to an entry when it is the entry's zh label or one of its aliases, first as
written, then without its level and scope words (各级党委 → 党委). Otherwise the draft
proposes an entry: a readable ASCII id from the name's pinyin, the zh label, class and kind
from the grammar, and never an English label (no machine-invented translation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin

from dutygraph.ontology.annotations import Register

from .bodies import Found, Grammar, kind_of_words, strip_prefixes
from .lexicon import BODY_KINDS

MAX_SLUG_SYLLABLES = 8


@dataclass
class Linker:
    """Register entries by their words, and the new entries proposed so far (in order)."""

    register: Register
    proposals: dict[str, dict[str, object]] = field(default_factory=dict)  # words → entry
    _by_words: dict[str, str] = field(default_factory=dict)
    _by_core: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in [*self.register.bodies, *self.register.posts]:
            for words in [entry.zh, *entry.alt_zh]:
                self._by_words.setdefault(words, entry.id)
        for words, slug in self._by_words.items():
            core = strip_prefixes(words)
            if core != words and len(core) >= 2:
                self._by_core.setdefault(core, slug)

    def grammar(self) -> Grammar:
        kinds = {b.id: (b.class_, b.kind) for b in self.register.bodies}
        for post in self.register.posts:
            kinds[post.id] = ("Post", "individual")
        return Grammar(labels=dict(self._by_words), kinds=kinds)

    def known(self, words: str) -> str | None:
        """The register id for these words, as written or without level and scope words."""
        if words in self._by_words:
            return self._by_words[words]
        core = strip_prefixes(words)
        return self._by_words.get(core) or self._by_core.get(core)

    def link(self, found: Found) -> tuple[str, bool]:
        """(id, is_new): the register entry of a found name, else a proposed entry's id."""
        slug = found.register_id or self.known(found.words)
        if slug:
            return slug, False
        return self.propose(found.words, found.class_, found.kind), True

    def propose(self, words: str, class_: str | None = None, kind: str | None = None) -> str:
        core = strip_prefixes(words) or words
        parent = self._parent_of(words)
        if parent is not None:
            core = words  # 国务院办公厅 is the State Council's own office, not any 办公厅
        if core in self.proposals:
            entry = self.proposals[core]
            if words != core and words not in entry["alt_zh"]:
                entry["alt_zh"].append(words)  # type: ignore[union-attr]
            return str(entry["id"])
        grammar_class, grammar_kind = kind_of_words(core)
        entry: dict[str, object] = {
            "id": self._unique_slug(core),
            "zh": core,
            "alt_zh": [words] if words != core else [],
            "class": class_ if class_ and class_ != "Post" else grammar_class,
            "kind": kind or grammar_kind,
        }
        if entry["class"] == "OrganizationalUnit":
            if parent is not None:
                entry["unit_of"] = parent
            else:
                # a unit whose body the name does not say (办公室): proposed as a body of its
                # own, for the reviewer to place (a unit needs the body it is a unit of)
                entry["class"] = "FormalOrganization"
        self.proposals[core] = entry
        return str(entry["id"])

    def _parent_of(self, words: str) -> str | None:
        """The register body a unit's name opens with (国务院办公厅: 国务院), if any."""
        suffix = next((k for k, _, _ in BODY_KINDS if words.endswith(k)), "")
        if kind_of_words(words)[0] != "OrganizationalUnit" or len(words) <= len(suffix):
            return None
        parent = self.known(words[: -len(suffix)])
        return parent if parent is not None and self.register.body(parent) is not None else None

    def _unique_slug(self, words: str) -> str:
        base = slug_of(words)
        taken = {b.id for b in self.register.bodies} | {p.id for p in self.register.posts}
        taken |= {str(e["id"]) for e in self.proposals.values()}
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug


def slug_of(words: str) -> str:
    """A readable ASCII id: the pinyin of the words, syllables joined by hyphens."""
    syllables = [re.sub(r"[^a-z0-9]", "", s.lower()) for s in lazy_pinyin(words)]
    syllables = [s for s in syllables if s][:MAX_SLUG_SYLLABLES]
    return "-".join(syllables) or "body"
