"""reStructuredText glossaries: Sphinx's `.. glossary::` directive and plain definition lists.

reST states an entry by indentation: the term on a line of its own, its definition indented under it,
blank lines and nested blocks (a literal block, a block quote, a hyperlink target) inside it as long as
they stay indented. Several term lines over one definition name one term (Sphinx's glossary). Lines
are read with tabs at every 8 columns, as docutils reads them. Inline markup keeps its text
(:term:`model` -> model, ``code`` -> code, `link`__ -> link); explicit markup (`.. _label:`,
`__ http://…`, directives) belongs to the entry's span but not to its text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.markup import join_lines
from ingest.readers.base import Detection, DryRunReader, Reading, fit_score, suffix
from ingest.records import Document, Entry, SourceSpan

_GLOSSARY = re.compile(r"^(?P<indent>\s*)\.\.\s+glossary::\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:(?:\s|$)")
_EXPLICIT = re.compile(r"^\s*(?:\.\.(?:\s|$)|__\s)")  # comments, targets, directives, anonymous targets
_ADORNMENT = re.compile(r"^\s*([=\-~^\"'`#*+:.])\1{2,}\s*$")  # a section title's over/underline
_ROLE = re.compile(r":[\w:-]+:`([^`<]*?)(?:\s*<[^>]*>)?`")  # :term:`model`, :ref:`text <label>`
_LINK = re.compile(r"`([^`<]+?)(?:\s*<[^>]*>)?`__?")  # `text <url>`_ and `text`__
_LITERAL = re.compile(r"``([^`]+)``")
_FORMAT_EVIDENCE = {"rst": 1.0, "rest": 1.0, "txt": 0.3, "text": 0.3}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _plain(line: str) -> str:
    """A definition line's text: inline markup replaced by what it shows."""
    line = _ROLE.sub(lambda m: m[1].strip(), line.strip())
    line = _LINK.sub(lambda m: m[1].strip(), line)
    return _LITERAL.sub(lambda m: m[1], line).replace("\\", "")


def _entries(doc: Document, lines: list[str], start: int, stop: int, term_indent: int | None,
             used: set[int]) -> list[Entry]:
    """Term lines at `term_indent` (or, for a plain definition list, any short line whose next line is
    indented under it) and what is indented under them, between 0-based lines start and stop."""
    out = []
    k = start
    while k < stop:
        line = lines[k]
        if not line.strip() or _OPTION.match(line) or _EXPLICIT.match(line) or _ADORNMENT.match(line):
            k += 1
            continue
        indent = _indent(line)
        nxt = next((j for j in range(k + 1, stop) if lines[j].strip()), None)
        is_term = (indent == term_indent) if term_indent is not None else (
            nxt == k + 1 and _indent(lines[nxt]) > indent and len(line.strip()) <= 60
            and not re.search(r"[。、]$", line.strip()) and not _ADORNMENT.match(lines[nxt]))
        if not is_term:
            k += 1
            continue
        names = [line.strip()]
        j = k + 1
        while term_indent is not None and j < stop and lines[j].strip() and _indent(lines[j]) == indent:
            names.append(lines[j].strip())  # more term lines over one definition: other names
            j += 1
        body: list[tuple[int, str]] = []
        while j < stop and (not lines[j].strip() or _indent(lines[j]) > indent):
            if lines[j].strip():
                body.append((j, lines[j]))
            j += 1
        texts = [_plain(text) for n, text in body if not _EXPLICIT.match(text) and not _OPTION.match(text)]
        texts = [t for t in texts if t]
        if body and texts:
            head = _plain(names[0]) + (f"（{'、'.join(_plain(n) for n in names[1:])}）" if names[1:] else "")
            first, last = body[0][0] + 1, body[-1][0] + 1
            out.append(Entry(doc.name, head, k + 1, join_lines(texts), tuple(texts), SourceSpan(doc.name, first, last),
                             None, "rst-glossary" if term_indent is not None else "rst-deflist"))
            used.update(n + 1 for n, text in body if _EXPLICIT.match(text))
        k = j
    return out


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    lines = [line.expandtabs(8) for line in doc.lines]
    entries: list[Entry] = []
    used: set[int] = set()
    glossaries = 0
    covered: set[int] = set()
    for k, line in enumerate(lines):
        if not (m := _GLOSSARY.match(line)):
            continue
        glossaries += 1
        directive = len(m["indent"].expandtabs(8))
        stop = next((j for j in range(k + 1, len(lines)) if lines[j].strip() and _indent(lines[j]) <= directive),
                    len(lines))
        body = [j for j in range(k + 1, stop) if lines[j].strip() and not _OPTION.match(lines[j])]
        if body:
            entries += _entries(doc, lines, k + 1, stop, min(_indent(lines[j]) for j in body), used)
        used.add(k + 1)
        covered.update(range(k, stop))
    if suffix(doc) in ("rst", "rest"):  # plain definition lists outside the directives
        rest = [k for k in range(len(lines)) if k not in covered]
        for a, b in _runs(rest):
            entries += _entries(doc, lines, a, b, None, used)
    used.update(n for n, line in enumerate(lines, 1) if _ADORNMENT.match(line) or _EXPLICIT.match(line))
    if not entries:
        return Reading([], [], "rst"), Detection(0.0, (f"{glossaries} glossary directives, no indented definitions",))
    entries.sort(key=lambda e: e.span.line_start)
    inside = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)}
    inside |= {e.headword_line for e in entries if e.headword_line}
    skipped = [n for n, line in enumerate(doc.lines, 1) if line.strip() and n not in inside]
    layout = "rst-glossary" if glossaries else "rst-deflist"
    score = fit_score(entries, doc, _FORMAT_EVIDENCE.get(suffix(doc), 0.1), used)
    reasons = (f"{len(entries)} {layout} entries", f"{glossaries} glossary directives")
    return Reading(entries, skipped, layout), Detection(score, reasons, len(entries))


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of 0-based line indexes as (start, stop) ranges."""
    runs: list[tuple[int, int]] = []
    for k in indexes:
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


class RstReader(DryRunReader):
    name = "rst"
    description = "reStructuredText: Sphinx .. glossary:: and definition lists (term over indented definition)"
    formats = ("text",)

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
