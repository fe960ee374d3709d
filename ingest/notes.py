"""The division-of-labour notes that close the items of a State Council opinion.

（X、Y负责。列第一位者为牵头单位，下同）: the issuer's answer to who is responsible for the
item. The note lists the bodies in order; 等有关部门和单位 says others share the task
unnamed; 按职责分工负责 says each answers for its own part; the lead rule, written once,
makes the first listed the lead from then on (README: the division of labour).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NOTE_RE = re.compile(r"[（(]([^（）()]*负责[^（）()]*|[^（）()]*牵头[^（）()]*)[）)]\s*$")
LEAD_RULE_RE = re.compile(r"列第一位(?:者|的)?为牵头(?:单位|部门)(?:，下同)?")
UNNAMED_RE = re.compile(r"等(?:有关|相关|其他)?(?:部门|单位|部门和单位|地区|方面)$")
DUTY_WORDS = ("按职责分工负责", "按职责负责", "分别负责", "共同负责", "负责")


@dataclass(frozen=True)
class Note:
    start: int  # offsets of the whole note, brackets included, in the document text
    end: int
    names: list[str] = field(default_factory=list)  # the bodies as the note writes them, in order
    lead_name: str | None = None  # a body the note itself says leads (X牵头)
    others_unnamed: bool = False
    by_division_of_duties: bool = False
    lead_rule: tuple[int, int] | None = None  # offsets of 列第一位者为牵头单位，下同


def find_note(text: str, start: int, end: int) -> Note | None:
    """The note that closes text[start:end], if there is one."""
    match = NOTE_RE.search(text, start, end)
    if not match:
        return None
    inside = match.group(1)
    inner_start = match.start(1)
    rule = LEAD_RULE_RE.search(inside)
    head = inside.split("。")[0]
    division = "按职责分工" in head
    lead_name = None
    if "牵头" in head and "负责" not in head:
        lead_part, _, rest = head.partition("牵头")
        lead_name = lead_part.strip("，, ")
        head = lead_part + "、" + rest.strip("，, ").removesuffix("参与").removesuffix("配合")
    for word in DUTY_WORDS:
        if head.endswith(word):
            head = head[: -len(word)]
            break
    names = [n.strip() for n in re.split(r"[、，,]", head) if n.strip()]
    unnamed = False
    if names:
        tail = UNNAMED_RE.search(names[-1])
        if tail and tail.start() > 0:
            names[-1] = names[-1][: tail.start()]
            unnamed = True
    rule_span = (inner_start + rule.start(), inner_start + rule.end()) if rule else None
    return Note(match.start(), match.end(), names, lead_name, unnamed, division, rule_span)
