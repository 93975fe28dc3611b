"""Numbered definition items: `一　法令　法律、…をいう。`, `1. 用語　定義`, `(3) 用語　定義`.

Japanese statutes and standards define their terms in numbered items, each giving the term and,
after a wide space, what it means; sub-items (イ、ロ、ハ, ア、イ、ウ or (1), (2)) below an item continue
its definition. A sub-item may define a term of its own in place, as statutes do when an item is
defined by listing its kinds (`八　命令等　次に掲げるものをいう。` then `ロ　審査基準（…をいう。以下同じ。）`):
that sub-item is an entry too, inside its item's span. The rest of the document (articles, chapter
titles, tables of contents) is not an entry.
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
# Sub-item markers: イロハ order (national statutes), アイウ order (ordinances), (1), a., (ア).
_SUB_MARK = r"(?:[\u30a2-\u30f3]|[(（](?:\d{1,3}|[\u30a2-\u30f3])[)）]|[a-z][.)）])"
SUB_ITEM = re.compile(rf"^[ \u3000\t]*{_SUB_MARK}[ \u3000]")
# A sub-item that defines a term in place: the term, then either its meaning in brackets closing the
# line (`ロ　審査基準（…基準をいう。以下同じ。）`) or a wide space and a meaning (`ア　用語　…をいう。`).
# 「をいう」 is what makes it a definition: `イ　法律に基づく命令（…単に「命令」という。）又は規則`
# only names a phrase, and `ロ　地方公共団体の機関（議会を除く。）` describes a member of a list.
_SUB_TERM = r"(?P<term>[^ \u3000\t。、，,（）()「」『』]{1,30})"
SUB_DEFINITION = re.compile(
    rf"^[ \u3000\t]*{_SUB_MARK}[ \u3000]+{_SUB_TERM}"
    r"(?:[（(](?P<meaning>[^\n]*をいう。?[^\n]*)[)）]。?"
    r"|(?:\u3000|\t| {2,})[ \u3000]*(?P<body>\S[^\n]*をいう。[^\n]*))$")
# A term defined in brackets in running text (括弧書きの定義), as statutes do in their articles:
# 「…と透明性（行政上の意思決定について、…明らかであることをいう。第四十六条において同じ。）の向上」.
# The term is the run of kanji and katakana before the bracket; 「以下「規則」という」 only names a phrase.
BRACKET_DEFINITION = re.compile(r"(?P<term>[\u4e00-\u9fff\u30a1-\u30faー々]{2,15})"
                                r"[（(](?P<meaning>[^（）()]*をいう。[^（）()]*)[)）]")
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
        entries.extend(_defined_sub_items(doc, range(i + 1, end + 1), m["term"]))
    entries.extend(_bracket_definitions(doc, entries))
    entries.sort(key=lambda e: (e.headword_line or 0, e.span.line_start))
    used = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)}
    skipped = [n for n, line in enumerate(lines, 1) if line.strip() and n not in used]
    # A statute is mostly articles: judge the fit by the items' share of the numbered lines, not the file.
    evidence = _FORMAT_EVIDENCE.get(suffix(doc), 0.3) if doc.source_format != "xlsx" else 0.0
    score = fit_score(entries, doc, evidence)
    reasons = (f"{len(entries)} numbered items 「番号　用語　定義」",)
    return Reading(entries, skipped, "text-numbered"), Detection(score, reasons, len(entries))


def _defined_sub_items(doc: Document, indexes: range, parent: str) -> list[Entry]:
    """Sub-items of an item that define a term of their own (0-based line indexes)."""
    out = []
    for k in indexes:
        if not (m := SUB_DEFINITION.match(doc.lines[k])):
            continue
        meaning = (m["meaning"] or m["body"]).strip()
        out.append(Entry(doc.name, m["term"], k + 1, meaning, (meaning,), SourceSpan(doc.name, k + 1, k + 1),
                         parent, "text-numbered"))
    return out


def _bracket_definitions(doc: Document, found: list[Entry]) -> list[Entry]:
    """Terms the text defines in brackets, where no item or sub-item already states them."""
    known = {(e.headword, e.headword_line) for e in found} | {(e.headword, None) for e in found}
    out = []
    for k, line in enumerate(doc.lines):
        for m in BRACKET_DEFINITION.finditer(line):
            if (m["term"], k + 1) in known or (m["term"], None) in known:
                continue
            known.add((m["term"], k + 1))
            meaning = m["meaning"].strip()
            out.append(Entry(doc.name, m["term"], k + 1, meaning, (meaning,), SourceSpan(doc.name, k + 1, k + 1),
                             None, "text-numbered"))
    return out


class NumberedReader(DryRunReader):
    name = "numbered"
    description = "numbered definition items: 一　用語　定義 (statutes, standards)"
    formats = ("text", "docx")

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
