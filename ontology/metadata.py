"""A document's metadata, read from its own words: kind, category, issuer, number and dated events.

Pure functions over a `ParsedDocument` (``ontology.document.parse``): nothing is looked up
and nothing is guessed. Every fact carries the exact words it was read from and their offsets
in ``parsed.text`` (0-based, end-exclusive, code points), so ``parsed.text[start:end] == text``
for every `Words`; `read_metadata` checks that before it returns.

Where the facts come from, in the shapes of the genre:

- the **kind** (文种): the last word of the title, by the closed vocabulary of the 党政机关公文
  forms (决议 决定 命令 … 函 纪要) and of the legislative forms (法 条例 规定 办法 细则 …),
  longest match; a notice that transmits a document (关于印发X办法的通知) notes that form too;
- the **events**: the metadata block of a Markdown regulation (``2001年6月15日 中华人民共和国
  国务院令第306号公布``, ``2010年1月9日 《…的决定》第二次修订``, ``2014年7月1日 施行``), the
  dated note under a title (（2013年10月29日中共中央政治局会议审议批准 …）), the closing date of
  an official document (→ issued, with its signature) and the final article's ``本条例自…起施行``;
- the **number**: the 文号 line (国发〔2018〕39号), else the 令 that promulgated the text
  (中华人民共和国国务院令第306号);
- the **issuer**: the closing signature, the body whose 令 promulgated the text, the body named
  by a promulgation event (国务院发布), the 文号's prefix (a closed table: the numbering system
  of the central organs), or the 发文机关 that opens the title (X关于…的通知);
- the **category**: 行政法规 / 部门规章 / 地方政府规章 / 法律 by whose 令 promulgated the text,
  行政法规 for a 条例 / 规定 / 办法 the State Council itself promulgated, 党内法规 for a Party
  regulation (a 条例 / 规定 … issued or approved by a Party organ, or titled 中国共产党…).
  None when the words say nothing of it.
"""

from __future__ import annotations

import datetime
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

from dutygraph.ontology.document import HeaderLine, ParsedDocument, chinese_number
from dutygraph.ontology.errors import BuildError

# -- closed vocabularies ---------------------------------------------------------------------

# The forms of the 党政机关公文 (党政机关公文处理工作条例, art. 8), with 令 for 命令 as titles
# write it. A closed class: a fixed English gloss per form is right here.
OFFICIAL_FORMS = {
    "决议": "resolution",
    "决定": "decision",
    "命令": "order",
    "令": "order",
    "公报": "communiqué",
    "公告": "announcement",
    "通告": "public notice",
    "意见": "opinions",
    "通知": "notice",
    "通报": "circular",
    "报告": "report",
    "请示": "request for instructions",
    "批复": "official reply",
    "议案": "motion",
    "函": "letter",
    "纪要": "minutes",
}
# The forms of laws, regulations and rules (立法法, 行政法规制定程序条例 art. 5, 规章制定程序条例
# art. 7, 中国共产党党内法规制定条例 art. 5), and the plans a notice commonly transmits.
LEGISLATIVE_FORMS = {
    "法": "law",
    "条例": "regulations",
    "规定": "provisions",
    "办法": "measures",
    "细则": "detailed rules",
    "实施细则": "implementing rules",
    "规则": "rules",
    "准则": "code",
    "章程": "charter",
}
PLAN_FORMS = {"方案": "plan", "规划": "plan", "纲要": "outline"}
FORMS: dict[str, str] = {**OFFICIAL_FORMS, **LEGISLATIVE_FORMS, **PLAN_FORMS}
FORMS_LONGEST_FIRST = sorted(FORMS, key=len, reverse=True)
# words that end in 法 without being a law (办法 is a form of its own, matched first)
NOT_A_LAW = ("方法", "做法", "算法", "用法", "手法", "写法", "说法", "想法", "看法", "疗法", "技法")
# the forms of a Party regulation (中国共产党党内法规制定条例, art. 5)
PARTY_FORMS = {"章程", "准则", "条例", "规定", "办法", "规则", "细则", "实施细则"}
# the forms of an administrative regulation (行政法规制定程序条例, art. 5)
REGULATION_FORMS = {"条例", "规定", "办法", "细则", "实施细则"}

# The prefix of a 文号 names its issuer: the numbering system of the central organs, a closed
# table. A prefix not in it (劳部发, 某政发) names no issuer here: it is not guessed.
NUMBER_PREFIXES = {
    "国发": "国务院",
    "国函": "国务院",
    "国发明电": "国务院",
    "国办发": "国务院办公厅",
    "国办函": "国务院办公厅",
    "国办发明电": "国务院办公厅",
    "中发": "中共中央",
    "中办发": "中共中央办公厅",
    "中办函": "中共中央办公厅",
    "厅字": "中共中央办公厅 国务院办公厅",
}

# -- patterns --------------------------------------------------------------------------------

_CN_DIGIT = "〇零一二三四五六七八九"
_NUMBER = rf"[\d{_CN_DIGIT}十]{{1,3}}"
_YEAR = rf"(?:\d{{4}}|[{_CN_DIGIT}]{{4}})"
# a full date, or a year alone when an event verb follows it at once (2018年修订)
DATE_RE = re.compile(
    rf"(?P<year>{_YEAR})年(?:(?P<month>{_NUMBER})月(?P<day>{_NUMBER})日"
    r"|(?=(?:修订|修正|通过|公布|发布|施行|实施|批准)))"
)
# 自发布之日起施行: the date is that of the promulgation
RELATIVE_DATE_RE = re.compile(r"(?:发布|公布|印发|颁布)之日")
# the event verbs, the first listed kind winning when a clause has several (修订通过: the
# adoption of a revision is a revision; 修正公布: an amendment)
EVENT_VERBS = (
    ("abolished", re.compile(r"废止")),
    ("revised", re.compile(r"修订")),
    ("amended", re.compile(r"修正")),
    ("adopted", re.compile(r"(?:审议)?通过")),
    ("approved", re.compile(r"(?:审议)?批准")),
    ("promulgated", re.compile(r"公布|发布|颁布|印发")),
    ("effective", re.compile(r"施行|实施|执行|生效")),
)
ORDINAL_RE = re.compile(rf"第([\d{_CN_DIGIT}十]{{1,3}})次(?=修订|修正)")
# X令第N号 / X第N号令, possibly several orders (国家教育委员会令第1号、卫生部令第2号)
ORDER_RE = re.compile(r"(?P<body>[\u4e00-\u9fff、]+?)(?:令第\s*\d+\s*号|第\s*\d+\s*号令)")
ISSUING_NUMBER_RE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,8})[〔\[［(（]\d{4}[〕\]］)）]\s*第?\s*\d+\s*号"
)
# what separates two clauses of one metadata line
SEPARATOR_RE = re.compile(r"[，,；;。]|[ \t\u3000]{2,}|\u3000|[ \t](?=自)")
TRIM = " \t\u3000（）()【】"
# a clause that names nothing yet and shares the verb of the next (国务院第N次常务会议、2017年…中央
# 军事委员会常务会议修订)
CONTINUED = ("、", "和", "及", "与")
BODY_LEAD = ("经", "由", "在", "于")
BOOK_TITLE_RE = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》")
# 本条例自2014年7月1日起施行 in a final article
_FORM_ALTERNATIVES = "|".join(FORMS_LONGEST_FIRST)
EFFECTIVE_CLAUSE_RE = re.compile(
    rf"本(?:暂行|试行)?(?:{_FORM_ALTERNATIVES})(?:自|从)"
    rf"(?:{_YEAR}年{_NUMBER}月{_NUMBER}日|(?:发布|公布|印发|颁布)之日)起?(?:施行|实施|执行|生效)"
)
# a notice that transmits a document: (关于)印发X的通知 / 转发…X的通知
TRANSMITS_RE = re.compile(r"(?:印发|转发|批转|颁发|发布|颁布)(?P<inner>.+?)的(?:通知|命令|令|函)$")
# a trailing qualifier of a title: （试行）, （2018年修订）
TITLE_QUALIFIER_RE = re.compile(r"\s*[（(][^（()）]{1,12}[）)]$")
TITLE_ISSUER_MAX_CHARS = 40
TRANSMITTING_VERB_RE = re.compile(r"转发|印发|批转")
PARTY_BODY_RE = re.compile(r"^(?:中共|中国共产党|党中央|中央(?!军事委员会|军委|人民政府|国家机关))")
STATE_COUNCIL_RE = re.compile(r"^(?:中华人民共和国)?国务院$")
CENTRAL_MILITARY_RE = re.compile(r"^(?:中华人民共和国)?中央军(?:事委员会|委)$")
PRESIDENT_RE = re.compile(r"^(?:中华人民共和国)?主席$")
NATIONAL_CONGRESS_RE = re.compile(r"全国人民代表大会")
PROMULGATING = ("promulgated", "issued", "revised", "amended")


# -- the facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """Words of the cleaned text: ``parsed.text[start:end] == text``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Fact:
    """A value read from words: the value may differ from them (国发 → 国务院)."""

    value: str
    words: Words
    source: str  # where it was read: "signature", "order", "event", "issuing-number", "title", …


@dataclass(frozen=True)
class Kind:
    form: str  # 通知, 条例, 实施细则 …
    gloss: str  # its English name, from the fixed table
    words: Words  # the form word at the end of the title
    transmits: Kind | None = None  # 印发X办法的通知: the 办法
    transmitted: Words | None = None  # the title of what is transmitted, without 《》


@dataclass(frozen=True)
class Event:
    """One dated (or, rarely, undated) event the text records."""

    kind: str  # adopted | approved | promulgated | issued | effective | revised | amended | abolished
    date: str | None  # ISO 8601: yyyy-mm-dd, or yyyy when the text gives the year only
    words: Words  # the whole clause
    date_words: Words | None  # the date as written (or 发布之日 when relative)
    body: Words | None = None  # who or what: 国务院第28次常务会议, 国务院令第306号, a 修改决定's title
    ordinal: int | None = None  # 第二次修订 → 2
    relative: bool = False  # 自发布之日起施行: the date is that of the promulgation
    attachment: bool = False  # the event of an attached document, not of the document itself
    source: str = "header"  # "header" (metadata lines, a note) | "closing" | "article" (a final article)


@dataclass(frozen=True)
class DocumentMetadata:
    title: Words | None
    kind: Kind | None
    category: Fact | None
    issuer: Fact | None
    number: Fact | None
    events: tuple[Event, ...]
    date: str | None  # the latest promulgation / issue / revision, else the latest event
    year: int | None


# -- reading ---------------------------------------------------------------------------------


def read_metadata(parsed: ParsedDocument) -> DocumentMetadata:
    """Every metadata fact the document's own words state, with their offsets."""
    text = parsed.text
    title = _title(parsed)
    kind = _kind(text, title)
    events = _events(parsed)
    number = _number(parsed, events)
    issuer = _issuer(parsed, events, number, title)
    category = _category(text, kind, events, issuer, title)
    date = _latest_date(events)
    metadata = DocumentMetadata(
        title, kind, category, issuer, number, events, date, int(date[:4]) if date else None
    )
    check_offsets(text, metadata)
    return metadata


def check_offsets(text: str, metadata: DocumentMetadata) -> None:
    """Raise BuildError when any words of `metadata` are not the text at their offsets."""
    for words in _all_words(metadata):
        if text[words.start : words.end] != words.text:
            raise BuildError(
                f"metadata words {words.text!r} are not the text at [{words.start}, {words.end}): "
                f"{text[words.start : words.end]!r}"
            )


def _all_words(value: object) -> Iterable[Words]:
    if isinstance(value, Words):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _all_words(item)
    elif value is not None and hasattr(value, "__dataclass_fields__"):
        for field in fields(value):  # type: ignore[arg-type]
            yield from _all_words(getattr(value, field.name))


def _words(text: str, start: int, end: int) -> Words:
    return Words(text[start:end], start, end)


def _trimmed(text: str, start: int, end: int, chars: str = TRIM) -> tuple[int, int]:
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


# -- title and kind --------------------------------------------------------------------------


def _title(parsed: ParsedDocument) -> Words | None:
    """The title's last line: the form word ends it (a title set over lines is joined elsewhere)."""
    lines = [line for line in parsed.header if line.kind == "title"]
    if not lines:
        return None
    first, last = lines[0], lines[-1]
    return _words(parsed.text, first.start, last.end)


def _form_at_end(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The longest form the span ends with, and where it starts."""
    end = _without_qualifier(text, start, end)
    for form in FORMS_LONGEST_FIRST:
        if end - len(form) < start or text[end - len(form) : end] != form:
            continue
        if form == "法" and text[max(start, end - 2) : end] in NOT_A_LAW:
            continue
        return form, end - len(form)
    return None


def _without_qualifier(text: str, start: int, end: int) -> int:
    """The end of a title before a trailing （试行） / （2018年修订）."""
    while True:
        match = TITLE_QUALIFIER_RE.search(text, start, end)
        if not match or match.start() <= start:
            return end
        end = match.start()


def _kind(text: str, title: Words | None) -> Kind | None:
    if title is None:
        return None
    found = _form_at_end(text, title.start, title.end)
    if found is None:
        return None
    form, form_start = found
    transmits, transmitted = _transmitted(text, title.start, _without_qualifier(text, title.start, title.end))
    words = _words(text, form_start, form_start + len(form))
    return Kind(form, FORMS[form], words, transmits, transmitted)


def _transmitted(text: str, start: int, end: int) -> tuple[Kind | None, Words | None]:
    """关于印发《X办法》的通知 → (办法, X办法): the document a notice transmits, when its title
    ends in a form."""
    match = TRANSMITS_RE.search(text, start, end)
    if not match:
        return None, None
    inner_start, inner_end = _trimmed(text, match.start("inner"), match.end("inner"), TRIM + "《》")
    found = _form_at_end(text, inner_start, inner_end)
    if found is None or inner_end <= inner_start:
        return None, None
    form, form_start = found
    kind = Kind(form, FORMS[form], _words(text, form_start, form_start + len(form)))
    return kind, _words(text, inner_start, inner_end)


# -- events ----------------------------------------------------------------------------------


@dataclass
class _Clause:
    start: int
    end: int
    continued: bool  # ends in 、: it shares the verb of the next clause


def _clauses(text: str, start: int, end: int) -> list[_Clause]:
    """The clauses of one metadata line: split at punctuation, wide spaces and before each date
    that is not the first thing of its clause (两个事件 on one line)."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in SEPARATOR_RE.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    clauses = []
    for span_start, span_end in spans:
        cuts = [span_start]
        for date in DATE_RE.finditer(text, span_start, span_end):
            cut = date.start()
            if cut > span_start and text[cut - 1] == "自":  # 自2014年7月1日起施行 is one clause
                cut -= 1
            piece_start, piece_end = _trimmed(text, cuts[-1], cut)
            if piece_end > piece_start:
                cuts.append(cut)
        cuts.append(span_end)
        for piece_start, piece_end in itertools.pairwise(cuts):
            trimmed_start, trimmed_end = _trimmed(text, piece_start, piece_end)
            if trimmed_end > trimmed_start:
                continued = text[trimmed_end - 1] in CONTINUED
                clauses.append(_Clause(trimmed_start, trimmed_end, continued))
    return clauses


def _iso(match: re.Match[str]) -> str | None:
    """2001年6月15日 / 二〇一八年十二月五日 → 2001-06-15 / 2018-12-05; 2018年 → 2018."""
    year_words = match.group("year")
    year = int(year_words) if year_words.isdigit() else int("".join(str(_cn_digit(c)) for c in year_words))
    if match.group("month") is None:
        return f"{year:04d}"
    try:
        month, day = _number_value(match.group("month")), _number_value(match.group("day"))
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None  # not a date of the calendar: not a date


def _cn_digit(char: str) -> int:
    return 0 if char in "〇零" else chinese_number(char)


def _number_value(words: str) -> int:
    return int(words) if words.isdigit() else chinese_number(words.replace("〇", "零"))


def _masked(text: str, start: int, end: int) -> str:
    """The clause with 《…》 titles blanked (a 修改决定 named 《…废止和修改…》 is no abolition),
    keeping every offset."""
    clause = text[start:end]
    return BOOK_TITLE_RE.sub(lambda m: "\u0000" * len(m.group()), clause)


def _clause_event(text: str, clause: _Clause) -> Event | None:
    start, end = clause.start, clause.end
    masked = _masked(text, start, end)
    date = DATE_RE.search(masked)
    relative = None if date else RELATIVE_DATE_RE.search(masked)
    date_span = (date or relative).span() if (date or relative) else None
    searchable = masked
    if date_span:  # the date's own 发布 (发布之日) is not a verb of the clause
        searchable = (
            masked[: date_span[0]] + "\u0000" * (date_span[1] - date_span[0]) + masked[date_span[1] :]
        )
    verbs = [(kind, rx.search(searchable)) for kind, rx in EVENT_VERBS]
    found = [(kind, match) for kind, match in verbs if match]
    if not date and not relative:
        return None  # an undated clause: prose, not a metadata line
    kind = found[0][0] if found else "issued"  # a date with no verb: the date of issue
    if not found and ORDER_RE.search(masked):
        kind = "promulgated"  # 国务院令第692号 alone: an order is the instrument of promulgation
    iso = _iso(date) if date else None
    if date and iso is None:
        return None
    first_verb = min((match.start() for _, match in found), default=len(masked))
    ordinal = ORDINAL_RE.search(masked)
    body_end = min(first_verb, ordinal.start() if ordinal else first_verb)
    body_start = date_span[1] if date_span and date_span[1] <= body_end else 0
    body = _body(text, start + body_start, start + body_end)
    return Event(
        kind,
        iso,
        _words(text, start, end),
        _words(text, start + date_span[0], start + date_span[1]) if date_span else None,
        body,
        _number_value(ordinal.group(1)) if ordinal else None,
        relative=bool(relative),
    )


def _body(text: str, start: int, end: int) -> Words | None:
    """The body a clause names, trimmed of its lead (经国务院批准) and of an outer 《》."""
    start, end = _trimmed(text, start, end, TRIM + "、")
    while start < end and text[start] in BODY_LEAD:
        start += 1
    if end - start >= 2 and text[start] == "《" and text[end - 1] == "》":
        start, end = start + 1, end - 1
    if end > start and text[end - 1] == "起":  # 自2014年7月1日起施行
        end -= 1
    return _words(text, start, end) if end > start else None


def _line_events(text: str, line: HeaderLine) -> list[Event]:
    clauses = _clauses(text, line.start, line.end)
    events: list[Event | None] = [_clause_event(text, clause) for clause in clauses]
    found: list[Event] = []
    for index, (clause, event) in enumerate(zip(clauses, events, strict=True)):
        if event is None:
            continue
        following = next((e for e in events[index + 1 :] if e is not None), None)
        if clause.continued and event.kind == "issued" and following is not None:
            event = _replace(event, kind=following.kind)  # 国务院第N次常务会议、…修订
        found.append(event)
    return found


def _replace(event: Event, **changes: object) -> Event:
    values = {field.name: getattr(event, field.name) for field in fields(event)}
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def _events(parsed: ParsedDocument) -> tuple[Event, ...]:
    events: list[Event] = []
    events.extend(_header_events(parsed))
    events.extend(_closing_events(parsed))
    events = _resolve_relative(events)
    for event in _resolve_relative([*events, *_final_article_events(parsed)])[len(events) :]:
        # the final article repeats the block's 施行 line: one event, the block's
        if not any(e.kind == event.kind and e.date == event.date and e.date for e in events):
            events.append(event)
    return tuple(events)


def _header_events(parsed: ParsedDocument) -> list[Event]:
    """The events of the header's metadata lines: the Markdown block, the note under a title."""
    text = parsed.text
    events: list[Event] = []
    previous: HeaderLine | None = None
    for line in parsed.header:
        if line.kind in ("title", "addressee", "issuing-number") or "。" in line.text:
            previous = line  # not a metadata line: the prose of a notice copied into the block
            continue
        found = _line_events(text, line)
        if (
            len(found) == 1
            and found[0].kind == "issued"
            and found[0].body is None
            and previous is not None
            and previous.kind == "issuer"
            and not _line_events(text, previous)
        ):
            # a signature above a date in the metadata block (劳动部 / 一九九四年十二月六日)
            found = [_replace(found[0], body=_words(text, previous.start, previous.end))]
        events.extend(found)
        previous = line
    return events


def _closing_events(parsed: ParsedDocument) -> list[Event]:
    """The closing date of the document (and of each attached document): issued, signed by the
    signature lines above it."""
    text = parsed.text
    attachments_from = min((part.start for part in parsed.attachments), default=len(text) + 1)
    events: list[Event] = []
    signatures: list[HeaderLine] = []
    for line in parsed.closing:
        if line.kind == "signature":
            signatures.append(line)
            continue
        if line.kind != "date":
            continue
        date = DATE_RE.match(text, line.start, line.end)
        iso = _iso(date) if date else None
        if date is None or iso is None:
            continue
        body = _words(text, signatures[0].start, signatures[-1].end) if signatures else None
        words = _words(text, line.start, line.end)
        attached = line.start > attachments_from
        events.append(Event("issued", iso, words, words, body, attachment=attached, source="closing"))
        signatures = []
    return events


def _final_article_events(parsed: ParsedDocument) -> list[Event]:
    """本条例自2014年7月1日起施行: the final article says when the text takes effect."""
    text = parsed.text
    attachments_from = min((part.start for part in parsed.attachments), default=len(text) + 1)
    events = []
    for article in parsed.articles:
        for match in EFFECTIVE_CLAUSE_RE.finditer(text, article.body_start, article.end):
            date = DATE_RE.search(text, match.start(), match.end())
            relative = None if date else RELATIVE_DATE_RE.search(text, match.start(), match.end())
            anchor = date or relative
            if anchor is None:
                continue
            iso = _iso(date) if date else None
            if date and iso is None:
                continue
            events.append(
                Event(
                    "effective",
                    iso,
                    _words(text, match.start(), match.end()),
                    _words(text, anchor.start(), anchor.end()),
                    relative=relative is not None,
                    attachment=match.start() > attachments_from,
                    source="article",
                )
            )
    return events


def _resolve_relative(events: list[Event]) -> list[Event]:
    """自发布之日起施行 takes the date of the promulgation (or issue) recorded last before it."""
    resolved: list[Event] = []
    for event in events:
        if event.relative and event.date is None:
            earlier = [
                e.date
                for e in resolved
                if e.kind in ("promulgated", "issued") and e.date and e.attachment == event.attachment
            ]
            if earlier:
                event = _replace(event, date=earlier[-1])
        resolved.append(event)
    return resolved


def _latest_date(events: tuple[Event, ...]) -> str | None:
    own = [event for event in events if not event.attachment and event.date]
    setting = [event.date for event in own if event.kind in PROMULGATING and event.date]
    dates = setting or [event.date for event in own if event.date]
    return max(dates) if dates else None


# -- number, issuer, category ----------------------------------------------------------------


def _orders(text: str, event: Event) -> list[tuple[Words, Words]]:
    """The orders (令) an event's body names: (the order's words, the issuing body's words)."""
    if event.body is None:
        return []
    found = []
    for match in ORDER_RE.finditer(text, event.body.start, event.body.end):
        body_start, body_end = _trimmed(text, match.start("body"), match.end("body"), TRIM + "、")
        found.append((_words(text, match.start(), match.end()), _words(text, body_start, body_end)))
    return found


def _promulgating_orders(text: str, events: tuple[Event, ...]) -> list[tuple[Event, Words, Words]]:
    """Orders of promulgation first (in text order), then orders of revision."""
    ordered = [e for e in events if e.kind == "promulgated"] + [
        e for e in events if e.kind in ("revised", "amended")
    ]
    return [
        (event, order, body)
        for event in ordered
        if not event.attachment
        for order, body in _orders(text, event)
    ]


def _number(parsed: ParsedDocument, events: tuple[Event, ...]) -> Fact | None:
    """The 文号 as written; else the 令 of the latest promulgation or revision of the text."""
    text = parsed.text
    for line in parsed.lines("issuing-number"):
        match = ISSUING_NUMBER_RE.search(text, line.start, line.end)
        if match:
            words = _words(text, match.start(), match.end())
            return Fact(words.text, words, "issuing-number")
    orders = _promulgating_orders(text, events)
    if not orders:
        return None
    _, order, _ = max(orders, key=lambda found: found[0].date or "")
    return Fact(order.text, order, "order")


def _issuer(
    parsed: ParsedDocument, events: tuple[Event, ...], number: Fact | None, title: Words | None
) -> Fact | None:
    text = parsed.text
    own = [event for event in events if not event.attachment]
    signed = [event.body for event in own if event.kind == "issued" and event.body]
    closing = [
        event.body for event in own if event.kind == "issued" and event.body and event.source == "closing"
    ]
    if closing:
        return Fact(closing[0].text, closing[0], "signature")
    orders = _promulgating_orders(text, events)
    if orders:
        _, _, body = orders[0]
        return Fact(body.text, body, "order")
    for event in own:
        if event.kind == "promulgated" and event.body:
            return Fact(event.body.text, event.body, "event")
    if signed:  # a signature in a Markdown metadata block
        return Fact(signed[0].text, signed[0], "signature")
    if number is not None and number.source == "issuing-number":
        match = ISSUING_NUMBER_RE.fullmatch(number.words.text)
        prefix = match.group("prefix") if match else ""
        if prefix in NUMBER_PREFIXES:
            start = number.words.start
            return Fact(NUMBER_PREFIXES[prefix], _words(text, start, start + len(prefix)), "issuing-number")
    return _title_issuer(text, title)


def _title_issuer(text: str, title: Words | None) -> Fact | None:
    """X关于…的通知: the 发文机关 that opens the title (国务院办公厅转发Y关于… → 国务院办公厅)."""
    if title is None:
        return None
    about = text.find("关于", title.start, title.end)
    if about <= title.start or about - title.start > TITLE_ISSUER_MAX_CHARS:
        return None
    end = about
    verb = TRANSMITTING_VERB_RE.search(text, title.start, about)
    if verb:
        end = verb.start()
    start, end = _trimmed(text, title.start, end)
    if end <= start or "《" in text[start:end]:
        return None
    words = _words(text, start, end)
    return Fact(words.text, words, "title")


def _bodies(words: str) -> list[str]:
    return [piece for piece in re.split(r"[、\s]+", words) if piece]


def _category(
    text: str, kind: Kind | None, events: tuple[Event, ...], issuer: Fact | None, title: Words | None
) -> Fact | None:
    orders = _promulgating_orders(text, events)
    if orders:
        first_event, order, _ = orders[0]
        bodies = [piece for event, _, body in orders if event is first_event for piece in _bodies(body.text)]
        return Fact(_order_category(bodies), order, "order")
    form = kind.form if kind else None
    if form in PARTY_FORMS:
        party = _party_words(text, events, issuer, title)
        if party is not None:
            return Fact("党内法规", party, "party-organ")
    for event in events:
        if event.kind == "adopted" and event.body and NATIONAL_CONGRESS_RE.search(event.body.text):
            return Fact("法律", event.body, "event")
    if form in REGULATION_FORMS:
        for event in events:
            if event.kind in ("promulgated", "issued") and event.body and not event.attachment:
                bodies = _bodies(event.body.text)
                if _order_category(bodies) == "行政法规":  # 国务院发布, 国务院、中央军委发布
                    return Fact("行政法规", event.body, "event")
    return None


def _order_category(bodies: list[str]) -> str:
    """Whose order promulgated the text says what it is (立法法)."""
    if any(PRESIDENT_RE.match(body) for body in bodies):
        return "法律"
    if any(STATE_COUNCIL_RE.match(body) for body in bodies) and all(
        STATE_COUNCIL_RE.match(body) or CENTRAL_MILITARY_RE.match(body) for body in bodies
    ):
        return "行政法规"
    if any(body.endswith("人民政府") for body in bodies):
        return "地方政府规章"
    return "部门规章"


def _party_words(
    text: str, events: tuple[Event, ...], issuer: Fact | None, title: Words | None
) -> Words | None:
    """The words that make a regulation the Party's: a Party organ that issued or approved it, or
    a title that opens with 中国共产党."""
    for event in events:
        if event.kind not in ("promulgated", "approved", "adopted", "issued") or event.body is None:
            continue
        if any(PARTY_BODY_RE.match(body) for body in _bodies(event.body.text)):
            return event.body
    if issuer is not None and any(PARTY_BODY_RE.match(body) for body in _bodies(issuer.value)):
        return issuer.words
    if title is not None and text.startswith("中国共产党", title.start):
        return _words(text, title.start, title.start + len("中国共产党"))
    return None


# -- versions --------------------------------------------------------------------------------


def normalised_title(title: str) -> str:
    """The title compared across versions: no white space, full-width forms as half-width."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", title))


def link_versions(items: list[tuple[str, str, str | None]]) -> dict[str, str]:
    """(doc_id, title, ISO date) of a corpus → {doc_id: the doc_id of the version it revises}.

    Documents with the same title and different dates are versions of one text; each revises
    the latest one dated before it. Undated documents and documents sharing their date are linked
    to nothing earlier than their date (two texts of one day cannot be ordered by the date)."""
    by_title: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for doc_id, title, date in items:
        if date:
            by_title[normalised_title(title)].append((date, doc_id))
    links: dict[str, str] = {}
    for versions in by_title.values():
        versions.sort()
        for date, doc_id in versions:
            earlier = [(d, other) for d, other in versions if d < date]
            if earlier:
                links[doc_id] = max(earlier)[1]
    return links
