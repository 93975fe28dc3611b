"""Glossaries whose headwords are marked lines: ■用語, ●用語, 【用語】, `: 用語` (RD), `; 用語`.

The marker is found, not assumed: the leading symbol that opens at least three short lines, each
followed by text that is not marked. A marked line owns the lines below it up to the next marked
line or a heading. Marked lines in a row name one term (`: 再定義` then `: redefinition`): the first
is the headword, the others its other names. A marked line that carries its own definition after a
colon (`■クラウド：インターネット経由で…`) is a one-line entry.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ingest.layout import SEPARATED_DEF
from ingest.markup import join_lines
from ingest.readers.base import Detection, DryRunReader, Reading, fit_score, suffix
from ingest.readers.columns import with_other_names
from ingest.records import Document, Entry, SourceSpan
from ingest.terms import clean_label, is_latin

MARKERS = ("■", "□", "●", "○", "◆", "◇", "▼", "▽", "★", "☆", "◎", "▲", "・", ": ", "; ", "【")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|={1,6}\s*|[=＝]{2,}|-{3,}$)")
_FORMAT_EVIDENCE = {"txt": 0.9, "text": 0.9, "rd": 0.9, "": 0.8, "md": 0.4}


def _marker(line: str) -> str | None:
    for marker in MARKERS:
        if line.startswith(marker):
            if marker == "【" and "】" not in line[:42]:
                return None
            return marker
    return None


_BRACKET_INLINE = re.compile(r"^【(?P<head>[^】]{1,40})】\s*[:：]?\s*(?P<body>\S.{3,})$")


def _carries_definition(line: str, marker: str) -> bool:
    """A marked line with its definition after it: `■クラウド：インターネット経由で…`, `【用語】定義…`."""
    if marker == "【":
        return _BRACKET_INLINE.match(line.strip()) is not None
    return _inline(line, marker) is not None


def _inline(line: str, marker: str) -> re.Match[str] | None:
    """`■クラウド：定義`, `●クラウド　定義`, `■クラウド …… 定義`: the head and body of a one-line entry."""
    return SEPARATED_DEF.match(line.strip()[len(marker.strip()):].strip())


def _headword(line: str, marker: str) -> str:
    text = line[len(marker):] if marker != "【" else line[1:].replace("】", " ", 1)
    return clean_label(text)


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    lines = doc.lines
    counts = Counter(m for line in lines if (m := _marker(line)))
    # A marker opens short lines (headwords), with unmarked text after them.
    best = None
    for marker, count in counts.most_common():
        if count < 3:
            break
        marked = [i for i, line in enumerate(lines) if _marker(line) == marker]
        short = sum(1 for i in marked if len(lines[i]) <= 48 or _carries_definition(lines[i], marker))
        # One-line entries (【用語】定義) follow each other; a bare headword is followed by its text.
        followed = sum(1 for i in marked if _carries_definition(lines[i], marker)
                       or (i + 1 < len(lines) and _marker(lines[i + 1]) != marker))
        # Headwords differ from each other; a label repeated on every marked line (▼詳細記事) marks a link.
        distinct = len({lines[i].strip() for i in marked})
        if short >= 0.8 * count and followed >= 0.5 * count and distinct >= 0.8 * count:
            best = marker
            break
    if best is None:
        return Reading([], [], "text-markers"), Detection(0.0, ("no marker opens three or more headword lines",))
    entries: list[Entry] = []
    section: str | None = None
    i = 0
    while i < len(lines):
        if _marker(lines[i]) != best:
            if _HEADING.match(lines[i]):
                section = clean_label(re.sub(r"^[=#\s]+", "", lines[i])) or section
            i += 1
            continue
        head_line = i
        bracketed = _BRACKET_INLINE.match(lines[i].strip()) if best == "【" else None
        names = [_headword(lines[i], best)]
        i += 1
        while i < len(lines) and _marker(lines[i]) == best and len(lines[i]) <= 48 \
                and not _carries_definition(lines[head_line], best) and not _carries_definition(lines[i], best):
            names.append(_headword(lines[i], best))  # `: 再定義` / `: redefinition`
            i += 1
        body: list[int] = []
        if bracketed:
            names[0] = clean_label(bracketed["head"])
            body_text = [bracketed["body"].strip()]
            start = head_line
        elif inline := _inline(lines[head_line], best):
            names[0] = clean_label(inline["head"])
            body_text = [inline["body"].strip()]
            start = head_line
        else:
            body_text, start = [], None
        while i < len(lines) and _marker(lines[i]) != best and not _HEADING.match(lines[i]):
            if lines[i].strip():
                body.append(i)
            i += 1
        texts = body_text + [lines[n].strip() for n in body]
        if not names[0] or not texts:
            continue
        first_line = start if start is not None else body[0]
        last_line = body[-1] if body else head_line
        fields = tuple(("synonyms", n) for n in names[1:] if n and not is_latin(n))
        headword = with_other_names(names[0], [n for n in names[1:] if n and is_latin(n)], [])
        entries.append(Entry(doc.name, headword, head_line + 1, join_lines(texts), tuple(texts),
                             SourceSpan(doc.name, first_line + 1, last_line + 1), section, "text-markers", None,
                             fields))
    used = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)}
    used |= {e.headword_line for e in entries if e.headword_line}
    skipped = [n for n, line in enumerate(lines, 1) if line.strip() and n not in used]
    evidence = _FORMAT_EVIDENCE.get(suffix(doc), 0.3) if doc.source_format != "xlsx" else 0.0
    reasons = (f"{counts[best]} lines marked {best.strip()!r}", f"{len(entries)} marked entries")
    score = fit_score(entries, doc, evidence)
    return Reading(entries, skipped, "text-markers"), Detection(score, reasons, len(entries))


class MarkerReader(DryRunReader):
    name = "markers"
    description = "marked headword lines (■用語, 【用語】, `: 用語`) over their definitions"
    formats = ("text", "docx")

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
