"""Read a Chinese policy document: clean its text and find its parts with their offsets.

Written for the family of documents the seed belongs to: a header (title, issuing number,
and, right after the issuing number, the addressee line 主送机关 ending in a colon), a
preamble, sections headed 一、二、… (or 第一章), articles numbered ``1.`` / ``1．`` or
``第一条`` (or ``（一）`` when a document has no other article numbers), unnumbered
paragraphs, and a closing at the end (the issuer's signature, the date, and a note such as
（此件公开发布）). An item that ends with its division-of-labour note (…负责）) is closed by
it: a following unnumbered paragraph is a part of its own. Every offset is a 0-based,
end-exclusive index in Unicode code points into the *cleaned* text; the raw text is kept
exactly as received elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dutygraph.errors import DutygraphError

CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_NUMERAL = "[零一二三四五六七八九十百]+"

# A paragraph that ends with one of these ends a sentence; PDF extraction never joins these.
SENTENCE_END = "。！？!?"
CLOSERS = "”’」』）)】"
PARAGRAPH_END = SENTENCE_END + "；;：:" + CLOSERS

SECTION_RE = re.compile(rf"^(?:({CHINESE_NUMERAL})、|第({CHINESE_NUMERAL})[章部分]+\s*)")
ARTICLE_RES = {
    "tiao": re.compile(rf"^第({CHINESE_NUMERAL})条\s*"),
    "arabic": re.compile(r"^(\d{1,3})[.．、]\s*"),
    "item": re.compile(rf"^[（(]({CHINESE_NUMERAL})[）)]\s*"),
}
ISSUING_NUMBER_RE = re.compile(r"[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
# the closing of an official document: signature line(s), the date, a publication note
CHINESE_DATE_DIGIT = "〇零一二三四五六七八九十"
DATE_LINE_RE = re.compile(
    rf"^(?:\d{{4}}|[{CHINESE_DATE_DIGIT}]{{4}})年[\d{CHINESE_DATE_DIGIT}]{{1,3}}月[\d{CHINESE_DATE_DIGIT}]{{1,3}}日$"
)
PUBLICATION_NOTE_RE = re.compile(r"^[（(]此件[^（()）]*[）)]$")
SIGNATURE_MAX_CHARS = 40
SIGNATURE_MAX_LINES = 2
# a division-of-labour note closing an item: （人力资源社会保障部、财政部负责）
RESPONSIBILITY_NOTE_RE = re.compile(r"[（(][^（()）]*负责[^（()）]*[）)]$")
SENTENCE_RE = re.compile(rf"[^{SENTENCE_END}]*(?:[{SENTENCE_END}][{CLOSERS}]*|$)")
HEADING_MAX_CHARS = 40


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
    """The preamble, a section or an article: a span of the cleaned text."""

    kind: str  # "preamble" | "section" | "article"
    number: int  # 0 for the preamble
    start: int
    end: int
    body_start: int  # after the number marker ("1.", "一、")
    heading: str = ""
    section: int | None = None  # for articles: the number of the enclosing section
    numbered: bool = True
    sentences: list[Sentence] = field(default_factory=list)


@dataclass(frozen=True)
class HeaderLine:
    # header: "title" | "issuing-number" | "addressee" | "other";
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
    closing: list[HeaderLine] = field(default_factory=list)
    article_style: str | None = None  # "tiao" | "arabic" | "item" | None (nothing numbered)

    def line(self, kind: str) -> HeaderLine | None:
        """The header or closing line of this kind (the first, if several)."""
        return next((line for line in (*self.header, *self.closing) if line.kind == kind), None)

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


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, trimmed of surrounding white space."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        if line.strip():
            lead = len(line) - len(line.lstrip())
            spans.append((match.start() + lead, match.start() + len(line.rstrip())))
    return spans


def _is_structural(line: str) -> bool:
    return bool(SECTION_RE.match(line)) or any(rx.match(line) for rx in ARTICLE_RES.values())


def _ends_paragraph(line: str) -> bool:
    return line[-1] in PARAGRAPH_END


def clean(raw: str) -> tuple[str, list[int]]:
    """NFC, Unix newlines, and PDF page breaks inside a paragraph joined.

    A break is a page break when, once the body has begun, a paragraph stops without
    closing punctuation, is not a heading, and the next one does not open a new part.
    Header lines (title, issuing number) come before the body and are never joined.
    Returns the cleaned text and the cleaned offsets where joins happened.
    """
    text = unicodedata.normalize("NFC", raw.lstrip("\ufeff")).replace("\r\n", "\n").replace("\r", "\n")
    spans = _paragraphs(text)
    closing_from = _closing_start(text, spans)
    pieces: list[str] = []
    joins: list[int] = []
    cursor = 0
    in_body = False
    for index, ((start, end), following) in enumerate(zip(spans, [*spans[1:], None], strict=True)):
        line = text[start:end]
        in_body = in_body or _is_structural(line) or _ends_paragraph(line)
        pieces.append(text[cursor:end])
        cursor = end
        if following is None or not in_body or _ends_paragraph(line) or SECTION_RE.match(line):
            continue
        if index + 1 >= closing_from:  # the closing lines stand apart, never joined
            continue
        if _is_structural(text[following[0] : following[1]]):
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


def _article_style(lines: list[str]) -> str | None:
    """The numbering that marks articles in this document, most specific first."""
    for style in ("tiao", "arabic", "item"):
        if any(ARTICLE_RES[style].match(line) for line in lines):
            return style
    return None


def _is_addressee(line: str) -> bool:
    """主送机关: one line of addressees ending in a colon, with no sentence in it."""
    return line[-1] in "：:" and not any(char in SENTENCE_END for char in line) and not _is_structural(line)


def _closing_start(text: str, spans: list[tuple[int, int]]) -> int:
    """Index of the first closing line (signature, date, publication note) at the end of the
    text, or len(spans) when the text does not end with a dated closing."""
    index = len(spans)
    if index and PUBLICATION_NOTE_RE.match(text[slice(*spans[index - 1])]):
        index -= 1
    if not index or not DATE_LINE_RE.match(text[slice(*spans[index - 1])]):
        return len(spans)
    index -= 1
    for _ in range(SIGNATURE_MAX_LINES):
        if index <= 1:
            break
        line = text[slice(*spans[index - 1])]
        if len(line) > SIGNATURE_MAX_CHARS or _is_structural(line) or any(c in PARAGRAPH_END for c in line):
            break
        index -= 1
    return index


def _closing(text: str, spans: list[tuple[int, int]]) -> list[HeaderLine]:
    lines = []
    for start, end in spans:
        line = text[start:end]
        kind = "date" if DATE_LINE_RE.match(line) else "signature"
        kind = "publication-note" if PUBLICATION_NOTE_RE.match(line) else kind
        lines.append(HeaderLine(kind, line, start, end))
    return lines


def _header(text: str, spans: list[tuple[int, int]]) -> tuple[list[HeaderLine], int]:
    """Header lines before the body; returns them and the index of the first body line."""
    header = []
    for index, (start, end) in enumerate(spans):
        line = text[start:end]
        if header and header[-1].kind == "issuing-number" and _is_addressee(line) and index + 1 < len(spans):
            header.append(HeaderLine("addressee", line, start, end))
            return header, index + 1
        if _is_structural(line) or _ends_paragraph(line):
            return header, index
        kind = "title" if not header else "other"
        if ISSUING_NUMBER_RE.search(line):
            kind = "issuing-number"
        header.append(HeaderLine(kind, line, start, end))
    raise DocumentError("no body text found: every line looks like a header")


def parse(raw: str) -> ParsedDocument:
    """Clean `raw` and find its header, preamble, sections, articles and sentences."""
    if not raw.strip():
        raise DocumentError("the document is empty")
    text, joins = clean(raw)
    spans = _paragraphs(text)
    closing_from = _closing_start(text, spans)
    closing = _closing(text, spans[closing_from:])
    header, first_body = _header(text, spans[:closing_from])
    body = spans[first_body:closing_from]
    style = _article_style([text[s:e] for s, e in body])

    preamble: Part | None = None
    sections: list[Part] = []
    articles: list[Part] = []
    current: Part | None = None  # where an unnumbered paragraph belongs

    def close(part: Part | None, end: int) -> None:
        if part is not None:
            part.end = max(part.end, end)

    for start, end in body:
        line = text[start:end]
        section_match = SECTION_RE.match(line)
        article_match = ARTICLE_RES[style].match(line) if style else None
        if section_match:
            numeral = section_match.group(1) or section_match.group(2)
            section = Part("section", chinese_number(numeral), start, end, start + section_match.end())
            section.heading = line[section_match.end() :].strip()
            sections.append(section)
            current = None
        elif article_match:
            raw_number = article_match.group(1)
            number = int(raw_number) if raw_number.isdigit() else chinese_number(raw_number)
            current = Part("article", number, start, end, start + article_match.end())
            current.section = sections[-1].number if sections else None
            articles.append(current)
            if style == "item" and RESPONSIBILITY_NOTE_RE.search(line):
                current = None  # the division-of-labour note closes the item
        elif current is not None and style is not None:
            close(current, end)  # a further paragraph of the same numbered article
            if style == "item" and RESPONSIBILITY_NOTE_RE.search(line):
                current = None
        elif not sections and not articles:
            preamble = preamble or Part("preamble", 0, start, end, start)
            close(preamble, end)
        else:
            # an unnumbered paragraph: numbered in order when the document numbers nothing
            current = Part("article", len(articles) + 1, start, end, start, numbered=False)
            current.section = sections[-1].number if sections else None
            articles.append(current)
        if sections:
            close(sections[-1], end)

    _check_numbering(articles)
    for part in ([preamble] if preamble else []) + articles:
        part.sentences = _sentences(text, part.body_start, part.end)
    for article in articles:
        first = article.sentences[0] if article.sentences else None
        if first and len(article.sentences) > 1 and first.end - first.start <= HEADING_MAX_CHARS:
            article.heading = text[first.start : first.end].rstrip(SENTENCE_END)
    return ParsedDocument(raw, text, joins, header, preamble, sections, articles, closing, style)


def _check_numbering(articles: list[Part]) -> None:
    numbers = [article.number for article in articles]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise DocumentError(f"article numbers repeat: {duplicates}")
