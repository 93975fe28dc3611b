"""What every layout reader is: a detector that says how well a document fits, and a reader.

A reader owns one layout family (delimited rows, Markdown structure, HTML elements, plain-text
lines). `detect` is a dry run: it reads the structure it knows and scores how much of the
document that structure explains, with reasons a person can check. `read` returns the entries
with their source spans. The registry (ingest/readers/__init__.py) picks the best fit.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace

from ingest.records import Document, Entry

# Template and markup noise that never becomes an entry: Liquid/Jinja/Hugo tags, HTML comments.
TEMPLATE_TAG = re.compile(r"\{%-?.*?-?%\}|\{\{-?.*?-?\}\}")
# A term given only as a template argument: {% include term_dt.html title="オプション取引" %}.
TEMPLATE_TERM = re.compile(r"""\{%-?\s*(?:include|render)\b[^%]*?\b(?:title|term|name|word)\s*=\s*["']([^"']+)["'][^%]*-?%\}""")  # noqa: E501
# An inline template call whose argument is the text it shows: {{HTTPHeader("Accept")}},
# {{< glossary_tooltip text="Pod" term_id="pod" >}}, {{ term('API') }}.
_INLINE_CALL = re.compile(r"""\{\{[<%]?-?\s*[\w.:-]+\s*\(?\s*(?:(?:text|title|term|name)\s*=\s*)?["']([^"']+)["'][^{}]*\}\}""")  # noqa: E501


def render_template_tags(line: str) -> str:
    """A line with template calls replaced by the text they show, and other template tags removed."""
    line = _INLINE_CALL.sub(lambda m: m[1], line)
    return TEMPLATE_TAG.sub("", line)


@dataclass(frozen=True, slots=True)
class Detection:
    """How well a reader fits a document: a score in [0, 1] and why."""

    score: float
    reasons: tuple[str, ...] = ()
    entries: int = 0  # how many entries the dry run found


@dataclass(frozen=True)
class Reading:
    """What a reader made of a document."""

    entries: list[Entry]
    skipped: list[int]  # 1-based lines that belong to no entry (titles, chrome, noise)
    layout: str  # the finer layout family, e.g. "csv-header", "md-heading", "html-dl"
    title: str | None = None  # the document's own title (front matter, <title>, first heading)
    notes: list[str] = field(default_factory=list)


class Reader(ABC):
    """One layout family. Subclasses set `name` and `description` and implement both methods."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def detect(self, doc: Document) -> Detection: ...

    @abstractmethod
    def read(self, doc: Document) -> Reading: ...


# Lines no reader should be judged on: markup or template tags alone, an image, a link alone.
_NOISE_LINE = re.compile(r"^(?:\s|<[^<>]*>|&nbsp;|\{[%{].*?[%}]\})*$|^\s*!?\[[^\]]*\]\([^)]*\)\s*$")


class DryRunReader(Reader):
    """A reader whose detection is a whole read: `detect` and `read` share one cached pass (`parse`).

    `formats` lists the Document.source_format values it reads at all; others score 0 with a reason.
    """

    formats: tuple[str, ...] = ("text", "docx")

    @abstractmethod
    def parse(self, doc: Document) -> tuple[Reading, Detection]: ...

    def detect(self, doc: Document) -> Detection:
        if doc.source_format not in self.formats:
            return Detection(0.0, (f"{doc.source_format} content is not for the {self.name} reader",))
        return self.parse(doc)[1]

    def read(self, doc: Document) -> Reading:
        return self.parse(doc)[0]


def front_matter_lines(doc: Document) -> set[int]:
    """1-based lines of a YAML/TOML front matter block at the top of the document (--- … --- / +++ … +++)."""
    lines = doc.lines
    first = next((i for i, line in enumerate(lines[:5]) if line.strip()), None)
    if first is None or lines[first].strip() not in ("---", "+++"):
        return set()
    fence = lines[first].strip()
    for j in range(first + 1, min(len(lines), first + 80)):
        if lines[j].strip() == fence:
            return set(range(first + 1, j + 2))
    return set()


def without_front_matter(doc: Document) -> Document:
    """The document with its front matter blanked (line numbers kept), for readers that don't parse it."""
    hidden = front_matter_lines(doc)
    if not hidden:
        return doc
    return replace(doc, lines=tuple("" if n in hidden else line for n, line in enumerate(doc.lines, 1)))


def coverage(entries: list[Entry], doc: Document, used: set[int] | None = None) -> float:
    """The share of the document's text lines that lie inside an entry (headword, span, or `used`:
    lines a reader consumed for its entries, such as a table row's other cells)."""
    text_lines = {n for n, line in enumerate(doc.lines, 1) if line.strip() and not _NOISE_LINE.match(line)}
    text_lines -= front_matter_lines(doc)
    if not text_lines:
        return 0.0
    inside: set[int] = set(used or ())
    for entry in entries:
        inside.update(range(entry.span.line_start, entry.span.line_end + 1))
        if entry.headword_line:
            inside.add(entry.headword_line)
    return len(inside & text_lines) / len(text_lines)


def fit_score(entries: list[Entry], doc: Document, format_evidence: float, used: set[int] | None = None) -> float:
    """One scale for every reader: how much of the file the entries explain, how sure the
    format is (0..1: file suffix, markup seen), and whether there are enough entries to call it
    a glossary at all."""
    if not entries:
        return 0.0
    many = min(1.0, len(entries) / 5)
    return round(0.55 * coverage(entries, doc, used) + 0.3 * format_evidence + 0.15 * many, 3)


def suffix(doc: Document) -> str:
    name = doc.name.lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


_MARKUP_ONLY = re.compile(r"^(?:\s|<[^<>]*>|&nbsp;|\{[%{].*?[%}]\})*$")


def trim_span(doc: Document, start: int, end: int) -> tuple[int, int]:
    """Narrow a 1-based line range to the lines that hold text (not blanks, <br> or template tags)."""
    while start < end and _MARKUP_ONLY.match(doc.lines[start - 1]):
        start += 1
    while end > start and _MARKUP_ONLY.match(doc.lines[end - 1]):
        end -= 1
    return start, end


# A heading that sets two terms side by side: 「A vs. B」, 「A 対 B」 (opposed), 「AとBの違い」 (compared).
_VERSUS = re.compile(r"^(?P<a>\S.*?)\s+(?:vs\.?|versus|対)\s+(?P<b>\S.*)$", re.IGNORECASE)
_DIFFERENCE = re.compile(r"^(?P<a>[^、。と]{1,40})と(?P<b>[^、。と]{1,40})の(?:違い|相違|相違点|比較)$")


@dataclass(frozen=True, slots=True)
class Contrast:
    """Two terms one heading defines together, and whether the heading opposes them (vs., 対)."""

    first: str
    second: str
    opposed: bool


def contrasted_terms(heading: str) -> Contrast | None:
    heading = heading.strip()
    if m := _VERSUS.match(heading):
        return Contrast(m["a"].strip(), m["b"].strip(), True)
    if m := _DIFFERENCE.match(heading):
        return Contrast(m["a"].strip(), m["b"].strip(), False)
    return None


def _folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def own_parts(contrast: Contrast, texts: list[str]) -> tuple[list[int], list[int]]:
    """Which of a section's paragraphs define each of its two terms: for each, the first paragraph
    that names it and not the other (「…要素は制御されたコンポーネントと呼ばれます」). A term no
    paragraph names alone is defined by the whole section."""
    # A bracketed English name or reading after a term is not how the paragraphs name it.
    first, second = (_folded(re.sub(r"\s*[(（][^()（）]*[)）]", "", name))
                     for name in (contrast.first, contrast.second))
    longer, shorter = sorted((first, second), key=len, reverse=True)
    named: list[set[str]] = []
    for text in map(_folded, texts):
        # One name may contain the other (コンポーネント / 非制御コンポーネント): the shorter one is
        # named only where it stands outside the longer.
        named.append({name for name, present in ((longer, longer in text),
                                                 (shorter, shorter in text.replace(longer, ""))) if present})
    found: list[list[int]] = []
    for mine in (first, second):
        alone = [i for i, names in enumerate(named) if names == {mine}]
        found.append(alone[:1] or list(range(len(texts))))
    return found[0], found[1]
