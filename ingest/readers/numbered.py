"""Numbered definition items: `一　法令　法律、…をいう。`, `1. 用語　定義`, `(3) 用語　定義`.

Japanese statutes and standards define their terms in numbered items, each giving the term and,
after a wide space, what it means; sub-items (イ、ロ、ハ or (1), (2)) below an item continue its
definition. The rest of the document (articles, chapter titles, tables of contents) is not an entry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.markup import join_lines
from ingest.readers.base import Detection, DryRunReader, Reading, fit_score, suffix
from ingest.records import Document, Entry, SourceSpan

_NUMBER = r"(?:[一二三四五六七八九十百]+|\d{1,3}[.)）．]?|[(（]\d{1,3}[)）]|[①-⑳])"
# The term and its definition are set apart by a full-width space (or a tab, or two spaces).
ITEM = re.compile(rf"^(?P<indent>[ \u3000\t]*){_NUMBER}[ \u3000\t]+(?P<term>[^ \u3000\t。、]{{1,30}})(?:\u3000|\t| {{2,}})[ \u3000]*"  # noqa: E501
                  r"(?P<body>\S.*)$")
SUB_ITEM = re.compile(r"^[ \u3000\t]*(?:[イロハニホヘトチリヌルヲワカヨタレソツネナラム]|[(（]\d{1,3}[)）]|[a-z][.)）])[ \u3000]")  # noqa: E501
_FORMAT_EVIDENCE = {"txt": 1.0, "text": 1.0, "": 0.8, "md": 0.4}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \u3000\t"))


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    lines = doc.lines
    items = [(i, m) for i, line in enumerate(lines) if (m := ITEM.match(line)) and len(m["body"]) >= 4]
    if len(items) < 3:
        return Reading([], [], "text-numbered"), Detection(0.0, (f"{len(items)} numbered term items",))
    entries = []
    starts = {i for i, _ in items}
    for i, m in items:
        body = [m["body"].strip()]
        end = i
        k = i + 1
        # Sub-items and deeper-indented lines below an item continue its definition.
        while k < len(lines) and k not in starts and lines[k].strip() and (
                SUB_ITEM.match(lines[k]) or _indent(lines[k]) > _indent(lines[i])):
            body.append(lines[k].strip())
            end = k
            k += 1
        entries.append(Entry(doc.name, m["term"], i + 1, join_lines(body), tuple(body),
                             SourceSpan(doc.name, i + 1, end + 1), None, "text-numbered"))
    used = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)}
    skipped = [n for n, line in enumerate(lines, 1) if line.strip() and n not in used]
    # A statute is mostly articles: judge the fit by the items' share of the numbered lines, not the file.
    evidence = _FORMAT_EVIDENCE.get(suffix(doc), 0.3) if doc.source_format != "xlsx" else 0.0
    score = fit_score(entries, doc, evidence)
    reasons = (f"{len(entries)} numbered items 「番号　用語　定義」",)
    return Reading(entries, skipped, "text-numbered"), Detection(score, reasons, len(entries))


class NumberedReader(DryRunReader):
    name = "numbered"
    description = "numbered definition items: 一　用語　定義 (statutes, standards)"
    formats = ("text", "docx")

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
