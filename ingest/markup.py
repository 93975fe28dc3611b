"""Read the structure that markup states outright: HTML <dl>/<table>, Markdown tables and headings.

Line segmentation (ingest/layout.py) guesses entries from what lines look like. Markup needs
no guessing: a <dt> is a headword and its <dd> the definition, a table row is one entry. So an
HTML document is turned into a `MarkupView`: the entries its <dl> and <table> elements state,
plus a plain-text copy of the document, line for line, for the line segmenter to read the
rest (headings become `#` lines, list items `- ` lines). Source line numbers are kept
throughout, so spans still point into the file as written. Markdown is already line-shaped;
the helpers at the end read its pipe tables, headings and inline marks for the segmenter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ingest.records import Document, Entry, SourceSpan

TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
MD_HEADING = re.compile(r"^(#{1,6})\s+\S")
THEMATIC_BREAK = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")

# An HTML document opens with a doctype or <html>, or has block tags on several lines;
# a stray <br> in a Markdown table cell does not make a file HTML.
_HTML_START = re.compile(r"^\s*(<!doctype html|<html[\s>])", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"<(?:/?(?:html|body|div|p|dl|dt|dd|table|tr|td|th|ul|ol|li|h[1-6]|section|article))\b",
                        re.IGNORECASE)
_SKIP_TEXT = frozenset({"script", "style", "title", "head", "template", "noscript"})
_CELL = frozenset({"dt", "dd", "td", "th"})
_HEADING = re.compile(r"^h([1-6])$")
_CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")

# Markdown inline marks around a term: **太字**, __太字__, `コード`, [リンク](url).
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?P<text>.+?)\1|`(?P<code>[^`]+)`|\[(?P<link>[^\]]+)\]\([^)]*\)")


def clean_inline(text: str) -> str:
    """Drop Markdown inline marks, keeping their text."""
    return _MD_EMPHASIS.sub(lambda m: m["text"] or m["code"] or m["link"] or "", text).strip()


def join_lines(pieces: list[str]) -> str:
    """Join wrapped lines: Japanese text runs on without a space, other text with one."""
    out = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        glue = "" if not out or (_CJK.search(out[-1]) or _CJK.search(piece[0])) else " "
        out += glue + piece
    return re.sub(r"[ \t]+", " ", out)


def looks_like_html(doc: Document) -> bool:
    first = next((line for line in doc.lines if line.strip()), "")
    if _HTML_START.match(first):
        return True
    return sum(1 for line in doc.lines if _BLOCK_TAG.search(line)) >= 3


@dataclass
class _Cell:
    tag: str
    pieces: dict[int, list[str]] = field(default_factory=dict)  # line -> text on that line

    def add(self, line: int, text: str) -> None:
        self.pieces.setdefault(line, []).append(text)

    def lines(self) -> list[int]:
        return sorted(n for n, parts in self.pieces.items() if "".join(parts).strip())

    def texts(self) -> list[str]:
        return [re.sub(r"\s+", " ", "".join(self.pieces[n])).strip() for n in self.lines()]

    def text(self) -> str:
        return join_lines(self.texts())


@dataclass
class _Structure:
    """One open <dl> or <table>: its cells in order, grouped in rows for a table."""

    tag: str
    first_line: int
    section: str | None
    rows: list[list[_Cell]] = field(default_factory=list)  # a <dl> holds one cell per row


class _Reader(HTMLParser):
    def __init__(self, doc: Document):
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.text: dict[int, list[str]] = {}  # plain text per line outside glossary structures
        self.entries: list[Entry] = []
        self.consumed: set[int] = set()
        self.skip_depth = 0
        self.structure: _Structure | None = None
        self.depth = 0  # nesting of <dl>/<table> inside the open structure
        self.cell: _Cell | None = None
        self.heading: list[str] | None = None
        self.section: str | None = None

    # -- tags ---------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in _SKIP_TEXT:
            self.skip_depth += 1
        elif tag in ("dl", "table"):
            if self.structure is None:
                self.structure = _Structure(tag, line, self.section)
            else:
                self.depth += 1
        elif self.structure is not None and self.depth == 0:
            if tag in _CELL:
                self._close_cell()
                if tag in ("td", "th") and not self.structure.rows:
                    self.structure.rows.append([])
                self.cell = _Cell(tag)
            elif tag == "tr":
                self._close_cell()
                self.structure.rows.append([])
            elif tag == "br" and self.cell is not None:
                self.cell.add(line, " ")
        elif (m := _HEADING.match(tag)) and self.structure is None:
            self._put(line, "#" * int(m[1]) + " ")
            self.heading = []
        elif tag == "li" and self.structure is None:
            self._put(line, "- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TEXT:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in ("dl", "table") and self.structure is not None:
            if self.depth:
                self.depth -= 1
            else:
                self._close_cell()
                self._finish(self.getpos()[0])
        elif self.structure is not None and self.depth == 0 and tag in _CELL:
            self._close_cell()
        elif (m := _HEADING.match(tag)) and self.heading is not None:
            if m[1] != "1":  # <h1> is the page's title; <h2>… name its sections (か行)
                self.section = "".join(self.heading).strip() or self.section
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        line = self.getpos()[0]
        for offset, piece in enumerate(data.split("\n")):
            if self.cell is not None:
                self.cell.add(line + offset, piece)
            elif self.structure is None:
                self._put(line + offset, piece)
                if self.heading is not None:
                    self.heading.append(piece)

    def close(self) -> None:
        super().close()
        if self.structure is not None:  # an unclosed <dl>/<table> ends with the file
            self._close_cell()
            self._finish(len(self.doc.lines))

    # -- helpers ------------------------------------------------------------------------
    def _put(self, line: int, text: str) -> None:
        self.text.setdefault(line, []).append(text)

    def _close_cell(self) -> None:
        if self.cell is not None and self.structure is not None:
            if self.structure.tag == "dl":
                self.structure.rows.append([self.cell])
            elif self.structure.rows:
                self.structure.rows[-1].append(self.cell)
        self.cell = None

    def _finish(self, last_line: int) -> None:
        structure, self.structure = self.structure, None
        if structure is None:
            raise RuntimeError("an HTML glossary structure was finished twice")
        found = _dl_entries(self.doc, structure) if structure.tag == "dl" else _table_entries(self.doc, structure)
        if found:
            self.entries.extend(found)
            self.consumed.update(range(structure.first_line, last_line + 1))
        else:
            # A layout table, not a glossary: give its text back to the line segmenter.
            for row in structure.rows:
                for cell in row:
                    for n, parts in cell.pieces.items():
                        self._put(n, " ".join(parts))


def _entry(doc: Document, head: str, head_line: int | None, cells: list[_Cell], labels: list[str],
           section: str | None, layout: str) -> Entry | None:
    filled = [(cell, label) for cell, label in zip(cells, labels or [""] * len(cells), strict=True) if cell.lines()]
    if not head or not filled:
        return None
    if len(filled) == 1:
        definition = filled[0][0].text()
    else:
        # Several columns (読み, 分類, 説明) keep which column said what, as pipe tables do.
        definition = "、".join(f"{label}: {cell.text()}" if label else cell.text() for cell, label in filled)
    lines = sorted({n for cell, _ in filled for n in cell.lines()})
    per_line = tuple(join_lines([t for cell, _ in filled for m, t in zip(cell.lines(), cell.texts(), strict=True)
                                 if m == n]) for n in lines)
    span = SourceSpan(doc.name, lines[0], lines[-1])
    return Entry(doc.name, head, head_line or lines[0], definition, per_line, span, section, layout)


def _dl_entries(doc: Document, structure: _Structure) -> list[Entry]:
    """A run of <dt> names the entry (several are alternative names); the <dd> run defines it."""
    entries: list[Entry] = []
    terms: list[_Cell] = []
    definitions: list[_Cell] = []

    def flush() -> None:
        if terms and definitions:
            head = " / ".join(t.text() for t in terms if t.text())
            head_line = next((t.lines()[0] for t in terms if t.lines()), None)
            joined = _Cell("dd")
            for cell in definitions:
                for n, parts in cell.pieces.items():
                    joined.pieces.setdefault(n, []).extend(parts)
            if entry := _entry(doc, head, head_line, [joined], [], structure.section, "html-dl"):
                entries.append(entry)
        terms.clear()
        definitions.clear()

    for (cell,) in structure.rows:
        if cell.tag == "dt":
            if definitions:
                flush()
            terms.append(cell)
        elif cell.tag == "dd":
            definitions.append(cell)
    flush()
    return entries


def _table_entries(doc: Document, structure: _Structure) -> list[Entry]:
    """The first cell names the entry, the others define it; a row of <th> only is the header."""
    entries: list[Entry] = []
    header: list[str] = []
    for row in structure.rows:
        if not row:
            continue
        if all(c.tag == "th" for c in row):
            header = [c.text() for c in row]
            continue
        if len(row) < 2:
            continue
        labels = header[1:] if len(header) == len(row) else []
        head_lines = row[0].lines()
        entry = _entry(doc, row[0].text(), head_lines[0] if head_lines else None, row[1:], labels,
                       structure.section, "html-table")
        if entry:
            entries.append(entry)
    return entries


@dataclass(frozen=True, slots=True)
class MarkupView:
    document: Document  # the same lines as plain text; lines of stated entries left blank
    entries: list[Entry]  # entries the markup states outright
    consumed: frozenset[int]  # 1-based lines of the structures those entries came from


def html_view(doc: Document) -> MarkupView:
    reader = _Reader(doc)
    reader.feed(doc.text)
    reader.close()
    lines = tuple(
        "" if n in reader.consumed else re.sub(r"\s+", " ", "".join(reader.text.get(n, []))).strip()
        for n in range(1, len(doc.lines) + 1)
    )
    # "# " alone (an empty heading) or "- " alone carries nothing.
    lines = tuple("" if re.fullmatch(r"[#\-\s]*", line) else line for line in lines)
    plain = Document(doc.name, doc.path, lines, doc.encoding, doc.sha256)
    return MarkupView(plain, sorted(reader.entries, key=lambda e: e.span.line_start), frozenset(reader.consumed))


def markup_view(doc: Document) -> MarkupView:
    """The document as the line segmenter should read it, with any entries markup states."""
    if looks_like_html(doc):
        return html_view(doc)
    return MarkupView(doc, [], frozenset())


# -- Markdown ------------------------------------------------------------------------------
def is_table_row(line: str) -> bool:
    return line.count("|") >= 2 and not TABLE_SEP.match(line)


def heading_level(line: str) -> int:
    """1-6 for a Markdown heading line (`### 用語`), 0 for any other line."""
    m = MD_HEADING.match(line)
    return len(m[1]) if m else 0


def heading_body(lines: tuple[str, ...], i: int) -> list[int]:
    """Indexes of the non-blank lines a term heading owns: all paragraphs up to the next
    heading, table or horizontal rule (a definition may run over several paragraphs)."""
    k = i + 1
    while k < len(lines) and not (MD_HEADING.match(lines[k]) or is_table_row(lines[k])
                                  or THEMATIC_BREAK.match(lines[k])):
        k += 1
    return [n for n in range(i + 1, k) if lines[n].strip()]


def pipe_table_entries(doc: Document, start: int, section: str | None) -> tuple[list[Entry], int]:
    """Rows of a pipe table whose header row is lines[start]; returns entries and the next index."""
    lines = doc.lines
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    entries = []
    i = start + 1
    while i < len(lines) and (is_table_row(lines[i]) or TABLE_SEP.match(lines[i])):
        cells = [clean_inline(c) for c in lines[i].strip().strip("|").split("|")]
        if is_table_row(lines[i]) and cells[0] and len(cells) > 1:
            filled = [(h, c) for h, c in zip(header[1:], cells[1:], strict=False) if c]
            # One definition column (| 用語 | 説明 |) is the definition itself; several
            # (| 用語 | 主な目的 | 対応内容 |) keep which column said what.
            definition = "、".join(c if len(filled) == 1 or not h else f"{h}: {c}" for h, c in filled)
            if definition:
                span = SourceSpan(doc.name, i + 1, i + 1)
                entries.append(Entry(doc.name, cells[0], i + 1, definition, (lines[i],), span, section, "table"))
        i += 1
    return entries, i
