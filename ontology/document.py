"""Read a Chinese policy document or regulation: clean its text and find its parts with their offsets.

Written for the shapes these documents come in:

- plain texts (opinions, notices, decisions): a header (title, issuing number 文号, and right
  after the issuing number the addressee line 主送机关 ending in a colon; or a dated note in
  brackets under the title), a preamble, sections headed 一、二、… (or 第一编 / 第一章 / 第一节),
  articles numbered ``（一）`` across the sections, ``1.`` / ``1．`` (often restarting in each
  section), ``第一条``, or ``一、`` when those lines are provisions rather than headings,
  unnumbered paragraphs, a closing (the issuer's signature, the date, a note such as
  （此件公开发布）) and, after a closing, attached documents (附件) with their own title;
- Markdown regulations: ``# title``, metadata lines (dates, issuer) before ``<!-- INFO END -->``,
  ``## 第X章`` / ``### 第X节`` headings, ``第X条`` articles with unnumbered 款 paragraphs and
  ``(一)`` / ``（一）`` / ``一、`` items.

Every article number is unique in a document: when the document's own numbers restart (``1.`` in
every section, an attachment with its own 第一条) the articles are numbered 1..N in document order
and the number as written is kept in ``label``. A numbered line below the article level is an
item of its article (``Part.items``). An item that ends with its division-of-labour note
(…负责）) is closed by it: a following unnumbered paragraph is a part of its own.

Every offset is a 0-based, end-exclusive index in Unicode code points into the *cleaned* text;
the raw text is kept exactly as received elsewhere. Markdown markers (``#``) stay in the cleaned
text but never inside a part's span or a heading.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dutygraph.errors import DutygraphError

CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_NUMERAL = "[零〇一二三四五六七八九十百]+"

# A paragraph that ends with one of these ends a sentence; PDF extraction never joins these.
SENTENCE_END = "。！？!?"
CLOSERS = "”’」』）)】"
PARAGRAPH_END = SENTENCE_END + "；;：:" + CLOSERS

# The numbered lines of the genre, from the highest level down. A heading line (编, 章, 节) is
# a section; the others are articles or items depending on what the document uses.
HEADING_RE = re.compile(rf"^第({CHINESE_NUMERAL})(编|部分|部|章|节)\s*")
HEADING_RANKS = {"编": 1, "部分": 1, "部": 1, "章": 2, "节": 3}
NUMERAL_SECTION_RANK = 4  # 一、 used as a section heading
UNMARKED_HEADING_RANK = 5  # a Markdown heading with no number of its own
ATTACHMENT_RANK = 0
NUMBERED_RES = {
    "tiao": re.compile(rf"^第({CHINESE_NUMERAL})条\s*"),
    "numeral": re.compile(rf"^({CHINESE_NUMERAL})、\s*"),
    "paren": re.compile(rf"^[（(]({CHINESE_NUMERAL})[）)]\s*"),
    "arabic": re.compile(r"^(\d{1,3})[.．、](?!\d)\s*"),
    "arabic-paren": re.compile(r"^[（(](\d{1,3})[）)]\s*"),
}
# below 第X条 every other numbering is an item; among the others, the higher level comes first
ITEM_RANKS = {"numeral": 0, "paren": 1, "arabic": 2, "arabic-paren": 3}
# the article_style names the rest of the package knows ("item" is （一）)
STYLE_NAMES = {
    "tiao": "tiao",
    "arabic": "arabic",
    "paren": "item",
    "numeral": "numeral",
    "arabic-paren": "arabic-item",
}
MARKDOWN_HEADING_RE = re.compile(r"^(#{1,6})\s+")
MARKDOWN_INFO_END = "<!-- INFO END -->"
MARKDOWN_COMMENT_RE = re.compile(r"^<!--.*-->$")

ISSUING_NUMBER_RE = re.compile(r"[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
# the closing of an official document: signature line(s), the date, a publication note
CHINESE_DATE_DIGIT = "〇零一二三四五六七八九十"
DATE_DIGITS = rf"[\d{CHINESE_DATE_DIGIT}]{{1,3}}"
DATE = rf"(?:\d{{4}}|[{CHINESE_DATE_DIGIT}]{{4}})年{DATE_DIGITS}月{DATE_DIGITS}日"
DATE_LINE_RE = re.compile(rf"^{DATE}$")
LEADING_DATE_RE = re.compile(rf"^{DATE}")
PUBLICATION_NOTE_RE = re.compile(r"^[（(](?:此件|本文|此文)[^（()）]*[）)]$")
SIGNATURE_MAX_CHARS = 40
SIGNATURE_MAX_LINES = 3
SHORT_ADDRESSEE_MAX_CHARS = 15
PRINTED_LINE_CHARS = 28  # characters in a printed line of an official document (GB/T 9704)
_PUNCTUATION_RE = re.compile(r"[，,、。；;：:！？!?]")
# 附件 / 附件1 / 附： — the line that opens an attached document
ATTACHMENT_MARK_RE = re.compile(r"^附(?:件\s*\d*|表\s*\d*)?\s*[:：]?$")
ATTACHMENT_TITLE_MAX_LINES = 2
# an issuer line in a Markdown metadata block: 某某部发布, 国务院批准
ISSUER_LINE_RE = re.compile(r"(?:发布|公布|颁布|批准|印发)$")
# a division-of-labour note closing an item: （人力资源社会保障部、财政部负责）
RESPONSIBILITY_NOTE_RE = re.compile(r"[（(][^（()）]*负责[^（()）]*[）)]$")
SENTENCE_RE = re.compile(rf"[^{SENTENCE_END}]*(?:[{SENTENCE_END}][{CLOSERS}]*|$)")
HEADING_MAX_CHARS = 40
# a flattened table: at least this many short lines in a row without closing punctuation
TABLE_MIN_CELLS = 3
TABLE_CELL_MAX_CHARS = 40
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
EXPECTED = (
    "expected a Chinese policy document or regulation: a title line, then paragraphs, 一、 sections, "
    "第X章 headings or 第X条 / （一） / 1. articles (or a Markdown # title and ## headings)"
)


class DocumentError(DutygraphError, ValueError):
    """The text cannot be read as a document of this family."""


def chinese_number(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105."""
    total, current = 0, 0
    for char in numeral:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char in CHINESE_DIGITS:
            current = CHINESE_DIGITS[char]
        else:
            raise DocumentError(f"not a Chinese numeral: {numeral!r}")
    return total + current


@dataclass(frozen=True)
class Sentence:
    number: int
    start: int
    end: int


@dataclass
class Part:
    """The preamble, a section, an article or an item: a span of the cleaned text."""

    kind: str  # "preamble" | "section" | "attachment" | "article" | "item"
    number: int  # 0 for the preamble; unique among the document's articles, and among its sections
    start: int
    end: int
    body_start: int  # after the number marker ("1.", "一、", "第一章 ")
    heading: str = ""
    section: int | None = None  # for articles: the number of the innermost enclosing section
    numbered: bool = True
    sentences: list[Sentence] = field(default_factory=list)
    # the number as the text writes it ("第十二条", "（三）", "三、2." when numbers restart per section)
    label: str = ""
    items: list[Part] = field(default_factory=list)  # for articles: their numbered items
    parent: int | None = None  # for sections: the number of the enclosing section
    level: int = 0  # for sections: 0 attachment, 1 编, 2 章, 3 节, 4 一、, 5 other heading


@dataclass(frozen=True)
class HeaderLine:
    # header: "title" | "issuing-number" | "addressee" | "note" | "date" | "issuer" | "other";
    # closing: "signature" | "date" | "publication-note"
    kind: str
    text: str
    start: int
    end: int


@dataclass
class ParsedDocument:
    raw: str
    text: str  # cleaned
    joins: list[int]  # offsets in the cleaned text where a page break was joined
    header: list[HeaderLine]
    preamble: Part | None
    sections: list[Part]
    articles: list[Part]
    # the closing lines of the document and of any attached document, in text order
    closing: list[HeaderLine] = field(default_factory=list)
    # "tiao" | "arabic" | "item" (（一）) | "numeral" (一、) | "arabic-item" (（1）) | None (nothing numbered)
    article_style: str | None = None
    markdown: bool = False
    renumbered: bool = False  # article numbers are positions, the text's own numbers are in labels

    def line(self, kind: str) -> HeaderLine | None:
        """The header or closing line of this kind (the first, if several)."""
        return next((line for line in (*self.header, *self.closing) if line.kind == kind), None)

    def lines(self, kind: str) -> list[HeaderLine]:
        """Every header or closing line of this kind, in text order."""
        return [line for line in (*self.header, *self.closing) if line.kind == kind]

    @property
    def title(self) -> str:
        """The title as one string (a title may be set over several lines)."""
        return "".join(line.text for line in self.header if line.kind == "title")

    @property
    def attachments(self) -> list[Part]:
        return [section for section in self.sections if section.kind == "attachment"]

    def part(self, article: int) -> Part:
        """Article `article`, or the preamble for 0."""
        if article == 0:
            if self.preamble is None:
                raise KeyError("the document has no preamble")
            return self.preamble
        for candidate in self.articles:
            if candidate.number == article:
                return candidate
        raise KeyError(f"the document has no article {article}")

    def sentences_overlapping(self, start: int, end: int) -> list[tuple[Part, Sentence]]:
        parts = ([self.preamble] if self.preamble else []) + self.articles
        return [
            (part, sentence)
            for part in parts
            for sentence in part.sentences
            if sentence.start < end and start < sentence.end
        ]


# -- lines -----------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding white space."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((match.start() + lead, match.start() + len(line.rstrip())))
    return spans


def _is_heading_like(content: str) -> bool:
    """A short line with no sentence in it: a heading rather than a provision."""
    return len(content) <= HEADING_MAX_CHARS and not any(char in SENTENCE_END + "；;" for char in content)


def _is_section_heading(content: str) -> bool:
    """一、 followed by a heading, not by a provision or the lead-in of a list (…如下：)."""
    return _is_heading_like(content) and content[-1:] not in "：:"


def _plain_heading(line: str) -> re.Match[str] | None:
    """第X编 / 第X章 / 第X节 / 第X部分 as a heading line (not a sentence that begins so)."""
    match = HEADING_RE.match(line)
    return match if match and _is_heading_like(line[match.end() :]) else None


def _is_structural(line: str) -> bool:
    if MARKDOWN_HEADING_RE.match(line) or _plain_heading(line):
        return True
    return any(rx.match(line) for rx in NUMBERED_RES.values())


def _is_heading_line(line: str) -> bool:
    """A heading ends at its line: 一、…, 第X章 …, ## …"""
    return bool(
        MARKDOWN_HEADING_RE.match(line) or _plain_heading(line) or NUMBERED_RES["numeral"].match(line)
    )


def _ends_paragraph(line: str) -> bool:
    return line[-1] in PARAGRAPH_END


def _stands_alone(line: str) -> bool:
    """A line that is never half of a broken paragraph: a date, a note, a heading, an attachment mark."""
    return bool(
        DATE_LINE_RE.match(line)
        or PUBLICATION_NOTE_RE.match(line)
        or ATTACHMENT_MARK_RE.match(line)
        or MARKDOWN_HEADING_RE.match(line)
        or MARKDOWN_COMMENT_RE.match(line)
    )


def _is_markdown(text: str, spans: list[tuple[int, int]]) -> bool:
    return bool(spans) and (text[slice(*spans[0])].startswith("# ") or MARKDOWN_INFO_END in text)


def clean(raw: str) -> tuple[str, list[int]]:
    """NFC, Unix newlines, and PDF page breaks inside a paragraph joined.

    A break is a page break when, once the body has begun, a paragraph stops without
    closing punctuation, is not a heading, and the next one does not open a new part and
    ends the paragraph (flattened table cells, one per line, end without punctuation and
    stay apart). Header lines (title, issuing number) come before the body and are never
    joined, nor are closings, dates and Markdown texts (whose paragraphs are explicit).
    Returns the cleaned text and the cleaned offsets where joins happened.
    """
    text = unicodedata.normalize("NFC", raw.lstrip("\ufeff")).replace("\r\n", "\n").replace("\r", "\n")
    spans = _paragraphs(text)
    if _is_markdown(text, spans):
        return text, []
    closing_from = _closing_start(text, spans)
    pieces: list[str] = []
    joins: list[int] = []
    cursor = 0
    in_body = False
    for index, ((start, end), following) in enumerate(zip(spans, [*spans[1:], None], strict=True)):
        line = text[start:end]
        in_body = in_body or _is_structural(line) or _ends_paragraph(line)
        if DATE_LINE_RE.match(line) or PUBLICATION_NOTE_RE.match(line):
            in_body = False  # after a closing comes an attached document's header: never joined
        pieces.append(text[cursor:end])
        cursor = end
        if following is None or not in_body or _ends_paragraph(line) or _is_heading_line(line):
            continue
        if index + 1 >= closing_from:  # the closing lines stand apart, never joined
            continue
        next_line = text[following[0] : following[1]]
        if _is_structural(next_line) or _stands_alone(line) or _stands_alone(next_line):
            continue
        if not _ends_paragraph(next_line):  # not the rest of a paragraph: a table cell, a signature
            continue
        if _is_short_addressee(next_line):  # 国务院： under an attached document's title
            continue
        if index and _is_table_cell(line) and _is_table_cell(text[slice(*spans[index - 1])]):
            continue  # the last cell of a flattened table, not the first half of a paragraph
        if _is_short_heading(line):
            continue
        joins.append(sum(len(piece) for piece in pieces))
        cursor = following[0]  # drop the blank lines between the halves
    pieces.append(text[cursor:])
    return "".join(pieces), joins


def _sentences(text: str, start: int, end: int) -> list[Sentence]:
    found = []
    for match in SENTENCE_RE.finditer(text, start, end):
        piece_start, piece_end = match.start(), match.end()
        # trim white space so that a sentence never starts or ends with it
        while piece_start < piece_end and text[piece_start].isspace():
            piece_start += 1
        while piece_end > piece_start and text[piece_end - 1].isspace():
            piece_end -= 1
        if piece_start < piece_end:
            found.append(Sentence(len(found) + 1, piece_start, piece_end))
    return found


# -- header and closing ----------------------------------------------------------------------


def _is_addressee(line: str) -> bool:
    """主送机关: one line of addressees ending in a colon, with no sentence in it."""
    return line[-1] in "：:" and not any(char in SENTENCE_END for char in line) and not _is_structural(line)


# how the last addressee of a 主送机关 line ends: a body (…人民政府, …各部门, 各直属机构, 各有关单位)
ADDRESSEE_END_RE = re.compile(
    r"(?:政府|部门|部委|机构|单位|党委|党组|党组织|委员会|机关|团体|组织|企业|学校|院校|高校|"
    r"法院|检察院|军区|厅|局|委|办|院|会|署|行|处|室|所|站|中心)$"
)
ADDRESSEE_PIECE_MAX_CHARS = 20
TITLE_KINDS = ("title", "other", "note", "date")


def _names_addressees(line: str) -> bool:
    """各市、县人民政府，省政府各部门：: a list of bodies, each short, the last ending in a body's
    kind; not a sentence that ends in a colon (现将有关事项通知如下：)."""
    pieces = [p for p in re.split(r"[，,、；;]", line.rstrip("：:").strip()) if p]
    return (
        bool(pieces)
        and "如下" not in line
        and all(len(p) <= ADDRESSEE_PIECE_MAX_CHARS for p in pieces)
        and bool(ADDRESSEE_END_RE.search(pieces[-1]))
    )


def _is_short_heading(line: str) -> bool:
    """Shorter than a printed line (28 characters, GB/T 9704) and without punctuation: a title, an
    item's heading or a table cell, which ends there. A 第X条 line is the exception: a regulation's
    articles have no headings, so one that stops so short was broken."""
    return (
        len(line) < PRINTED_LINE_CHARS
        and not _PUNCTUATION_RE.search(line)
        and not NUMBERED_RES["tiao"].match(line)
    )


def _is_table_cell(line: str) -> bool:
    return len(line) <= TABLE_CELL_MAX_CHARS and not _ends_paragraph(line) and not _is_structural(line)


def _is_short_addressee(line: str) -> bool:
    """One body addressed alone (国务院：), not the tail of a sentence."""
    return (
        len(line) <= SHORT_ADDRESSEE_MAX_CHARS and line[-1] in "：:" and not _PUNCTUATION_RE.search(line[:-1])
    )


def _is_signature(line: str) -> bool:
    return not (
        len(line) > SIGNATURE_MAX_CHARS or _is_structural(line) or any(c in PARAGRAPH_END for c in line)
    )


def _closing_start(text: str, spans: list[tuple[int, int]]) -> int:
    """Index of the first closing line (signature, date, publication note) at the end of the
    text, or len(spans) when the text does not end with a dated closing."""
    start, end = _closing_block(text, spans, len(spans) - 1, floor=1, at_end=True)
    return start if end == len(spans) else len(spans)


def _closing_block(
    text: str, spans: list[tuple[int, int]], index: int, floor: int, at_end: bool = False
) -> tuple[int, int]:
    """The closing block (start, end indexes) around a date line at `index` (or, at the end of the
    text, the publication note after it); (index, index) when there is none."""
    if at_end and index >= 0 and PUBLICATION_NOTE_RE.match(text[slice(*spans[index])]):
        index -= 1
    if index < 0 or not DATE_LINE_RE.match(text[slice(*spans[index])]):
        return index, index
    end = index + 1
    if end < len(spans) and PUBLICATION_NOTE_RE.match(text[slice(*spans[end])]):
        end += 1
    start = index
    for _ in range(SIGNATURE_MAX_LINES):
        if start <= floor or not _is_signature(text[slice(*spans[start - 1])]):
            break
        start -= 1
    return start, end


def _closing(text: str, spans: list[tuple[int, int]]) -> list[HeaderLine]:
    lines = []
    for start, end in spans:
        line = text[start:end]
        kind = "date" if DATE_LINE_RE.match(line) else "signature"
        kind = "publication-note" if PUBLICATION_NOTE_RE.match(line) else kind
        lines.append(HeaderLine(kind, line, start, end))
    return lines


def _bracketed_note_end(text: str, spans: list[tuple[int, int]], index: int) -> int | None:
    """A note in brackets under the title — （2021年5月20日）, （2018年修订，自…起施行） — possibly
    over several lines: the index after its last line, or None."""
    first = text[slice(*spans[index])]
    if first[0] not in "（(":
        return None
    for last in range(index, min(index + 3, len(spans))):
        line = text[slice(*spans[last])]
        if any(char in "。！？；" for char in line):
            return None
        if line[-1] in "）)":
            return last + 1
    return None


def _header(text: str, spans: list[tuple[int, int]]) -> tuple[list[HeaderLine], int]:
    """Header lines before the body; returns them and the index of the first body line."""
    header: list[HeaderLine] = []
    index = 0
    while index < len(spans):
        start, end = spans[index]
        line = text[start:end]
        # the addressee line closes the header: after the 文号, or right after the title when
        # the document has none (a notice of a provincial government, an internal circular)
        after_title = bool(header) and all(h.kind in TITLE_KINDS for h in header) and _names_addressees(line)
        if (
            header
            and (header[-1].kind == "issuing-number" or after_title)
            and _is_addressee(line)
            and index + 1 < len(spans)
        ):
            header.append(HeaderLine("addressee", line, start, end))
            return header, index + 1
        note_end = _bracketed_note_end(text, spans, index) if header else None
        if note_end is not None and note_end < len(spans):
            kind = "date" if DATE_LINE_RE.match(line.strip("（()）")) else "note"
            header.extend(HeaderLine(kind, text[s:e], s, e) for s, e in spans[index:note_end])
            index = note_end
            continue
        if _is_structural(line) or _ends_paragraph(line):
            return header, index
        kind = "title" if not header else "other"
        if ISSUING_NUMBER_RE.search(line):
            kind = "issuing-number"
        header.append(HeaderLine(kind, line, start, end))
        index += 1
    raise DocumentError("no body text found: every line looks like a header")


def _markdown_header(text: str, spans: list[tuple[int, int]]) -> tuple[list[HeaderLine], int]:
    """``# title``, then the metadata lines up to ``<!-- INFO END -->``: dates, issuer, as given."""
    header: list[HeaderLine] = []
    index = 0
    first = text[slice(*spans[0])]
    title = MARKDOWN_HEADING_RE.match(first)
    if title and len(title.group(1)) == 1:
        start, end = spans[0]
        header.append(HeaderLine("title", first[title.end() :].strip(), start + title.end(), end))
        index = 1
    has_block = any(text[s:e] == MARKDOWN_INFO_END for s, e in spans)
    if not has_block:
        return header, index
    block_end = next(i for i, (s, e) in enumerate(spans) if text[s:e] == MARKDOWN_INFO_END)
    block = spans[index:block_end]
    for position, (start, end) in enumerate(block):
        line = text[start:end]
        following = text[slice(*block[position + 1])] if position + 1 < len(block) else ""
        header.append(HeaderLine(_metadata_kind(line, following), line, start, end))
    return header, block_end + 1


def _metadata_kind(line: str, following: str) -> str:
    if LEADING_DATE_RE.match(line):
        return "date"
    if ISSUING_NUMBER_RE.search(line):
        return "issuing-number"
    if _is_addressee(line):
        return "addressee"
    if ISSUER_LINE_RE.search(line):
        return "issuer"
    if _is_signature(line) and (ISSUER_LINE_RE.search(following) or DATE_LINE_RE.match(following)):
        return "issuer"  # one of several issuers set one per line, or the signature above a date
    return "other"


# -- body lines ------------------------------------------------------------------------------


@dataclass
class _Line:
    """One body paragraph, classified by its number marker."""

    start: int
    end: int
    kind: str  # "heading" | "attachment" | a key of NUMBERED_RES | "plain"
    number: int | None = None
    body_start: int = 0  # after the marker
    label: str = ""  # the marker as written
    rank: int = 0  # for headings
    heading: str = ""


def _classify(text: str, start: int, end: int) -> _Line:
    line = text[start:end]
    markdown = MARKDOWN_HEADING_RE.match(line)
    if markdown:
        return _markdown_heading(text, start + markdown.end(), end)
    heading = _plain_heading(line)
    if heading:
        return _heading_line(text, start, end, heading)
    for kind, rx in NUMBERED_RES.items():
        match = rx.match(line)
        if match:
            raw_number = match.group(1)
            number = int(raw_number) if raw_number.isdigit() else chinese_number(raw_number)
            label = line[: match.end()].strip()
            return _Line(start, end, kind, number, start + match.end(), label)
    return _Line(start, end, "plain", body_start=start)


def _heading_line(text: str, start: int, end: int, match: re.Match[str]) -> _Line:
    label = text[start : start + match.end()].strip()
    heading = text[start + match.end() : end].strip()
    rank = HEADING_RANKS[match.group(2)]
    return _Line(
        start, end, "heading", chinese_number(match.group(1)), start + match.end(), label, rank, heading
    )


def _markdown_heading(text: str, start: int, end: int) -> _Line:
    """``## 第一章 总则`` → a heading whose span starts after the ``## `` marker."""
    content = text[start:end]
    heading = HEADING_RE.match(content)
    if heading:
        return _heading_line(text, start, end, heading)
    numeral = NUMBERED_RES["numeral"].match(content)
    if numeral:
        number = chinese_number(numeral.group(1))
        label = content[: numeral.end()].strip()
        body = content[numeral.end() :].strip()
        return _Line(start, end, "heading", number, start + numeral.end(), label, NUMERAL_SECTION_RANK, body)
    return _Line(start, end, "heading", None, start, "", UNMARKED_HEADING_RANK, content.strip())


def _is_cell(text: str, line: _Line) -> bool:
    return line.kind == "plain" and _is_table_cell(text[line.start : line.end])


def _group_table_cells(text: str, lines: list[_Line]) -> list[_Line]:
    """A run of short unpunctuated lines is a flattened table: one paragraph, not one per cell."""
    grouped: list[_Line] = []
    index = 0
    while index < len(lines):
        run_end = index
        while run_end < len(lines) and _is_cell(text, lines[run_end]):
            run_end += 1
        if run_end - index >= TABLE_MIN_CELLS:
            grouped.append(
                _Line(lines[index].start, lines[run_end - 1].end, "plain", body_start=lines[index].start)
            )
            index = run_end
        else:
            grouped.append(lines[index])
            index += 1
    return grouped


def _attachment_header(text: str, spans: list[tuple[int, int]], index: int) -> tuple[_Line, int]:
    """The opening of an attached document after a closing: 附件 mark, title line(s), a note in
    brackets under the title, an addressee line. Returns it and the index of the first body line."""
    start = spans[index][0]
    label = ""
    if ATTACHMENT_MARK_RE.match(text[slice(*spans[index])]) and index + 1 < len(spans):
        label = text[slice(*spans[index])].rstrip(":：")
        index += 1
    title_from = title_to = index
    while title_to < len(spans) and title_to - title_from < ATTACHMENT_TITLE_MAX_LINES:
        line = text[slice(*spans[title_to])]
        if title_to > title_from and (line[0] in "（(" or any(char in "：:" for char in line)):
            break  # a note under the title, or a table's first cell (单位：人)
        if _is_structural(line) or _has_sentence(line) or len(line) > SIGNATURE_MAX_CHARS * 2:
            break
        if title_to > title_from and not _opens_body(text, spans, title_to + 1):
            break  # a second short line is part of the title only when the body follows it
        title_to += 1
    heading = "".join(text[s:e] for s, e in spans[title_from:title_to])
    after = title_to
    if title_to > title_from and title_to < len(spans):
        after = _bracketed_note_end(text, spans, title_to) or title_to
    if title_to > title_from and after < len(spans) and _is_addressee(text[slice(*spans[after])]):
        after += 1
    end = spans[after - 1][1] if after > title_from else spans[index - 1][1]
    body_start = spans[title_from][0] if title_to > title_from else end
    return _Line(start, end, "attachment", None, body_start, label, ATTACHMENT_RANK, heading), after


def _has_sentence(line: str) -> bool:
    """Ends a sentence or a clause (a title may end in a bracket: 关于内地西藏班（校）)."""
    return line[-1] in SENTENCE_END + "；;：:" or any(char in SENTENCE_END for char in line)


def _opens_body(text: str, spans: list[tuple[int, int]], index: int) -> bool:
    if index >= len(spans):
        return True
    line = text[slice(*spans[index])]
    return _is_structural(line) or _ends_paragraph(line) or len(line) > SIGNATURE_MAX_CHARS


def _body_lines(text: str, spans: list[tuple[int, int]]) -> tuple[list[_Line], list[HeaderLine]]:
    """The body's paragraphs, classified, with closings taken out and attachments opened."""
    lines: list[_Line] = []
    closing: list[HeaderLine] = []
    index = 0
    while index < len(spans):
        block_start, block_end = _closing_block(text, spans, index, floor=0)
        if block_end > index:  # a date line: the closing of the document so far
            signature_from = spans[block_start][0]
            lines = [line for line in lines if line.start < signature_from]
            closing.extend(_closing(text, spans[block_start:block_end]))
            index = block_end
            if index < len(spans):
                attachment, index = _attachment_header(text, spans, index)
                lines.append(attachment)
            continue
        start, end = spans[index]
        if not MARKDOWN_COMMENT_RE.match(text[start:end]):
            lines.append(_classify(text, start, end))
        index += 1
    return _group_table_cells(text, lines), closing


# -- levels ----------------------------------------------------------------------------------


@dataclass
class _Levels:
    article: str | None  # the numbering of articles
    numeral_sections: bool  # 一、 lines are section headings
    # nothing is numbered: the first paragraph is the preamble, each further one an article
    paragraphs: bool = False


def _levels(text: str, lines: list[_Line]) -> _Levels:
    """Which numbering marks articles: 第X条 when present; otherwise the level below 一、 when 一、
    heads sections (short lines with no sentence), else the highest numbering the text uses."""
    present = {line.kind for line in lines if line.kind in NUMBERED_RES}
    if "tiao" in present:
        return _Levels("tiao", False)
    numerals = [line for line in lines if line.kind == "numeral"]
    headings = sum(_is_section_heading(text[line.body_start : line.end]) for line in numerals)
    numeral_sections = bool(numerals) and headings * 2 >= len(numerals)
    ranked = sorted(present - ({"numeral"} if numeral_sections else set()), key=ITEM_RANKS.__getitem__)
    paragraphs = not present and not any(line.kind in ("heading", "attachment") for line in lines)
    return _Levels(ranked[0] if ranked else None, numeral_sections, paragraphs)


# -- parts -----------------------------------------------------------------------------------


@dataclass
class _Written:
    """What the text itself says of a part, before the document's numbering is settled."""

    number: int | None  # None: unnumbered
    marker: str  # "第十二条", "（三）", "2.", "" when unnumbered
    enclosing: Part | None  # the innermost open section (for a section: its parent)


class _Builder:
    """Walks the body lines and builds the preamble, sections, articles and items."""

    def __init__(self, text: str, levels: _Levels) -> None:
        self.text = text
        self.levels = levels
        self.preamble: Part | None = None
        self.sections: list[Part] = []
        self.articles: list[Part] = []
        self.open_sections: list[Part] = []
        self.current: Part | None = None  # where an unnumbered paragraph belongs
        self.item_kind: str | None = None  # the numbering of the current article's items
        self.after_heading = False  # the previous line was a 编 / 章 / 节 or Markdown heading
        self.written: dict[int, _Written] = {}  # by id() of the section or article

    def add(self, line: _Line) -> None:
        after_heading, self.after_heading = self.after_heading, line.kind == "heading"
        content = self.text[line.start : line.end]
        if after_heading and line.kind == "plain" and _is_short_heading(content):
            # a heading set over two lines: 第二章 各级部门 / 在设备管理中的职责
            self.sections[-1].heading += content
            self.after_heading = True
        elif line.kind in ("heading", "attachment"):
            self.open_section(line, line.rank)
        elif line.kind == "numeral" and self.levels.numeral_sections:
            line.heading = self.text[line.body_start : line.end].strip()
            self.open_section(line, NUMERAL_SECTION_RANK)
            if not _is_heading_like(line.heading):  # a heading that goes on with provisions
                self.current = self.new_article(line, numbered=False, marker=line.label)
        elif line.kind == self.levels.article:
            self.current = self.new_article(line, numbered=True, marker=line.label)
            if self.closes_with_note(line):
                self.current = None  # the division-of-labour note closes the item
        elif line.kind in NUMBERED_RES:
            self.add_item(line)
        elif self.current is not None and (self.levels.article is not None or self.current.items):
            self.extend(self.current, line.end)  # a further paragraph (款) of the same article
            self.item_kind = None  # items after it are a new list
            if self.closes_with_note(line):
                self.current = None
        elif not self.sections and not self.articles and not (self.levels.paragraphs and self.preamble):
            self.preamble = self.preamble or Part("preamble", 0, line.start, line.end, line.start)
            self.extend(self.preamble, line.end)
        else:
            # an unnumbered paragraph: numbered in order when the document numbers nothing
            self.current = self.new_article(line, numbered=False, marker="")
        for section in self.open_sections:
            self.extend(section, line.end)

    def closes_with_note(self, line: _Line) -> bool:
        return self.levels.article not in (None, "tiao") and bool(
            RESPONSIBILITY_NOTE_RE.search(self.text[line.start : line.end])
        )

    @staticmethod
    def extend(part: Part, end: int) -> None:
        part.end = max(part.end, end)

    def enclosing(self) -> Part | None:
        return self.open_sections[-1] if self.open_sections else None

    def open_section(self, line: _Line, rank: int) -> None:
        while self.open_sections and self.open_sections[-1].level >= rank:
            self.open_sections.pop()
        kind = "attachment" if line.kind == "attachment" else "section"
        section = Part(kind, 0, line.start, line.end, line.body_start, line.heading, level=rank)
        self.written[id(section)] = _Written(line.number, line.label, self.enclosing())
        self.sections.append(section)
        self.open_sections.append(section)
        self.current = None
        self.item_kind = None

    def new_article(self, line: _Line, numbered: bool, marker: str) -> Part:
        article = Part("article", 0, line.start, line.end, line.body_start, numbered=numbered)
        self.written[id(article)] = _Written(line.number if numbered else None, marker, self.enclosing())
        self.articles.append(article)
        self.item_kind = None
        return article

    def add_item(self, line: _Line) -> None:
        """A numbered line below the article level: a new item, or a sub-item of the current one."""
        if self.current is None:  # items with no article line above them: an unnumbered article
            self.current = self.new_article(line, numbered=False, marker="")
            self.current.body_start = line.start
        article = self.current
        self.extend(article, line.end)
        rank = ITEM_RANKS.get(line.kind, 0)
        if self.item_kind is not None and article.items and rank > ITEM_RANKS.get(self.item_kind, 0):
            self.extend(article.items[-1], line.end)  # a sub-item belongs to its item
            return
        self.item_kind = line.kind
        item = Part("item", line.number or 0, line.start, line.end, line.body_start, label=line.label)
        article.items.append(item)


def _number_sections(builder: _Builder) -> None:
    """Section numbers: as written when unique, else 1..M in document order (节 restart per 章)."""
    sections = builder.sections
    written = [builder.written[id(section)] for section in sections]
    numbers = [entry.number for entry in written]
    own = None not in numbers and len(set(numbers)) == len(numbers)
    for position, (section, entry) in enumerate(zip(sections, written, strict=True), start=1):
        section.number = entry.number if own and entry.number is not None else position
        section.label = entry.marker
    for section, entry in zip(sections, written, strict=True):
        section.parent = entry.enclosing.number if entry.enclosing else None


def _number_articles(builder: _Builder) -> bool:
    """Final article numbers; returns True when they are positions rather than the text's own.

    The text's own numbers are kept when they are unique (an unnumbered paragraph takes its
    position). Numbering that starts again at 1 (per section, or in an attachment) is renumbered
    1..N in document order with the written number kept in the label; a number that repeats
    without starting again is a defect of the text that no numbering can make consistent.
    """
    articles = builder.articles
    written = [builder.written[id(article)] for article in articles]
    restarts = _check_sequences(articles, written)
    numbers = [entry.number or position for position, entry in enumerate(written, start=1)]
    renumber = restarts or len(set(numbers)) != len(numbers)
    for position, (article, entry) in enumerate(zip(articles, written, strict=True), start=1):
        article.number = position if renumber else numbers[position - 1]
        article.section = entry.enclosing.number if entry.enclosing else None
        qualifier = _section_qualifier(entry.enclosing, builder) if restarts and entry.number else ""
        article.label = qualifier + entry.marker
    return renumber


def _section_qualifier(section: Part | None, builder: _Builder) -> str:
    """The label of the nearest enclosing section that has one: "三、" for an article "2." in 三、."""
    while section is not None:
        if section.label:
            return section.label
        section = builder.written[id(section)].enclosing
    return ""


def _check_sequences(articles: list[Part], written: list[_Written]) -> bool:
    """Whether the numbering starts again; raises when a number repeats within one sequence."""
    seen: dict[int, Part] = {}
    restarts = False
    for article, entry in zip(articles, written, strict=True):
        if entry.number is None:
            continue
        if entry.number == 1 and seen:
            restarts = True
            seen = {}
        if entry.number in seen:
            raise DocumentError(
                f"numbering cannot be made consistent: {entry.marker} (offset {article.start}) repeats "
                f"the article at offset {seen[entry.number].start} without the numbering starting "
                "again at 1"
            )
        seen[entry.number] = article
    return restarts


def _number_items(article: Part) -> None:
    numbers = [item.number for item in article.items]
    if len(set(numbers)) != len(numbers) or 0 in numbers:
        for position, item in enumerate(article.items, start=1):
            item.number = position


def _check_recognisable(text: str, lines: list[_Line]) -> None:
    numbered = any(line.kind != "plain" for line in lines)
    if not numbered and not any(
        char in SENTENCE_END for line in lines for char in text[line.start : line.end]
    ):
        raise DocumentError(
            f"no recognisable structure: {EXPECTED}; "
            "the body has no numbered part and no sentence ending in 。！？"
        )


def parse(raw: str) -> ParsedDocument:
    """Clean `raw` and find its header, preamble, sections, articles, items and sentences."""
    if not raw.strip():
        raise DocumentError("the document is empty")
    text, joins = clean(raw)
    if not CJK_RE.search(text):
        raise DocumentError(f"no recognisable structure: {EXPECTED}; the text has no Chinese in it")
    spans = _paragraphs(text)
    markdown = _is_markdown(text, spans)
    closing_from = _closing_start(text, spans)
    if markdown:
        header, first_body = _markdown_header(text, spans[:closing_from])
    else:
        header, first_body = _header(text, spans[:closing_from])
    lines, inner_closing = _body_lines(text, spans[first_body:closing_from])
    closing = inner_closing + _closing(text, spans[closing_from:])
    if not lines:
        raise DocumentError("no body text found: the document has a header but no paragraphs")
    _check_recognisable(text, lines)
    levels = _levels(text, lines)
    builder = _Builder(text, levels)
    for line in lines:
        builder.add(line)
    _number_sections(builder)
    style = STYLE_NAMES[levels.article] if levels.article else None
    renumbered = _number_articles(builder)
    preamble, articles = builder.preamble, builder.articles
    for part in ([preamble] if preamble else []) + articles:
        part.sentences = _sentences(text, part.body_start, part.end)
    for article in articles:
        _number_items(article)
        for item in article.items:
            item.sentences = _sentences(text, item.body_start, item.end)
        first = article.sentences[0] if article.sentences else None
        if levels.article == "tiao":
            continue  # a regulation's articles have no headings of their own
        if first and len(article.sentences) > 1 and first.end - first.start <= HEADING_MAX_CHARS:
            article.heading = text[first.start : first.end].rstrip(SENTENCE_END)
    return ParsedDocument(
        raw, text, joins, header, preamble, builder.sections, articles, closing, style, markdown, renumbered
    )
