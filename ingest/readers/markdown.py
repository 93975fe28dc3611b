"""Markdown glossaries, read with markdown-it-py (front matter, definition lists, tables).

The parser gives blocks with source line maps; this reader decides which blocks state entries:
- definition lists (`用語` then `: 定義`) and tables (columns by header or content);
- a bold lead term over or before its definition (`**account (アカウント)**` then a paragraph,
  `**用語**：定義`, `- **用語**: 定義`, `- 用語：定義`);
- one heading per term with paragraphs under it: the term level is the deepest heading level that
  has prose under it at least twice; shallower headings (and あ行 rows) are sections.
Front matter gives the document title; HTML comments, template tags and link-only lines (tables of
contents) are noise. A template tag that names a term (`title="…"`) is read as a bold lead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ingest.layout import is_kana_row
from ingest.markup import join_lines
from ingest.readers.base import (
    TEMPLATE_TAG,
    TEMPLATE_TERM,
    Contrast,
    Detection,
    DryRunReader,
    Reading,
    contrasted_terms,
    fit_score,
    own_parts,
    render_template_tags,
    suffix,
    trim_span,
)
from ingest.readers.columns import Row, content_roles, entries_from_rows, header_roles, with_other_names
from ingest.readers.fields import Part, field_labels, fielded_entry, is_field_label, normalised_label, part_role
from ingest.records import Document, Entry, SourceSpan

_PARSER = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(deflist_plugin)
# One colon: `用語::` is an AsciiDoc labelled list (and `a::b` a scope), not a Markdown colon lead.
_COLON_LEAD = re.compile(r"^(?P<head>[^:：。、「」]{1,40}?)\s*[:：](?![:：])\s*(?P<body>\S.*)$", re.S)
# A definition that opens on its quoted term: 「組合法」とは、…をいう。 (numbering before it is allowed).
_QUOTED_LEAD = re.compile(r"^(?:[(（]?\d{1,3}[)）.．]?\s*)?[「『](?P<head>[^「」『』]{1,40})[」』]\s*(?:とは|は|[:：])")
# ... or on the lead's own line, over the definition: `**コンテナ**（こんてな）` then the next line.
_TRAILING_NAME = re.compile(r"^[ \t\u3000]*([(（][^()（）。、]{1,40}[)）])(?=[ \t\u3000]*(?:[:：]|[-‐–—]\s|\n|$))")
_SEPARATOR = re.compile(r"^\s*(?:[:：]|[-‐–—]\s|…)\s*")
# Markdown Extra / Python-Markdown / MkDocs abbreviations, one per line: `*[HTML]: Hyper Text Markup Language`.
_ABBREVIATION = re.compile(r"^\*\[(?P<short>[^\[\]]{1,40})\]:\s*(?P<long>\S.*?)\s*$")
# Pandoc/kramdown/Hugo heading attributes: `## 用語 {#anchor .class}`.
HEADING_ATTRIBUTES = re.compile(r"\s*\{[#.][^{}]*\}\s*$")
_FRONT_TITLE = re.compile(r"^title\s*:\s*[\"']?(?P<title>.+?)[\"']?\s*$", re.M)
_FORMAT_EVIDENCE = {"md": 1.0, "markdown": 1.0, "mdx": 1.0, "txt": 0.3, "": 0.3}


@dataclass
class Block:
    kind: str  # heading | para | item | table | dl | noise | abbr
    start: int  # 1-based inclusive source lines
    end: int
    level: int = 0
    text: str = ""
    lead: str | None = None  # a bold lead term the block opens with
    rest: str = ""  # the text after the lead
    rest_start: int = 0
    link_only: bool = False
    cross_reference: bool = False  # one in-page link and nothing else: 「[計装済みライブラリ](#…).」
    code: bool = False  # a fenced or indented code block (a sample or a diagram)
    rule: bool = False  # a thematic break (---): it separates entries, it belongs to none
    rows: list[Row] = field(default_factory=list)
    pairs: list[tuple[str, int, str, int, int]] = field(default_factory=list)  # dt, line, dd, start, end


def _inline(token: Token) -> tuple[str, str | None, str, int, bool]:
    """Text of an inline token; its bold lead, the rest after it and the rest's first line; link-only?"""
    line = token.map[0] + 1 if token.map else 0
    pieces: list[str] = []
    lead: str | None = None
    rest: list[str] = []
    rest_line = line
    in_strong = in_link = False
    strong_first = None
    links = plain = 0
    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            pieces.append("\n")
            line += 1
            if lead is not None and not "".join(rest).strip():
                rest_line = line
            (rest if lead is not None and not in_strong else []).append("\n")
            continue
        if kind == "strong_open":
            in_strong = True
            if strong_first is None:
                strong_first = not "".join(pieces).strip()
            continue
        if kind == "strong_close":
            in_strong = False
            if strong_first and lead is None:
                lead = "".join(pieces).strip()
                rest_line = line
            continue
        if kind == "link_open":
            in_link = True
            continue
        if kind == "link_close":
            in_link = False
            continue
        if kind == "html_inline" and re.match(r"<br\s*/?>", child.content, re.IGNORECASE):
            pieces.append("\n")  # a line break inside a table cell: 「**Issue**<br>イシュー」 gives two names
            continue
        if kind in ("text", "code_inline"):
            content = TEMPLATE_TAG.sub("", child.content)
            pieces.append(content)
            if content.strip():
                if in_link:
                    links += 1
                else:
                    plain += bool(re.search(r"\w", content))
            if lead is not None and not in_strong:
                rest.append(content)
    text = "".join(pieces).strip()
    after = "".join(rest)
    # `**日本語 (English)** (ACR) - 定義`: a bracketed name right after the bold term is part of it.
    if lead is not None and (m := _TRAILING_NAME.match(after)):
        lead, after = f"{lead} {m[1]}", after[m.end():]
        rest_line += after[: len(after) - len(after.lstrip())].count("\n")  # the definition's own line
    return text, lead, _SEPARATOR.sub("", after).strip(), rest_line, links > 0 and plain == 0


def _prepare(doc: Document) -> str:
    """The source with template noise blanked (line count kept) and template-named terms as bold leads.

    A .docx paragraph is a block of its own: its lines are joined with blank lines between them
    (line n of the document is line 2n-1 of the source; `_from_source` maps back).
    """
    out = []
    for line in doc.lines:
        if m := TEMPLATE_TERM.search(line):
            line = f"**{m[1].strip()}**"
        elif TEMPLATE_TAG.search(line):
            line = render_template_tags(line)
        out.append(line)
    return ("\n\n" if doc.source_format == "docx" else "\n").join(out)


def _from_source(found: list[Block], doc: Document) -> list[Block]:
    if doc.source_format != "docx":
        return found
    line = lambda n: (n + 1) // 2 if n else n  # noqa: E731
    for block in found:
        block.start, block.end, block.rest_start = line(block.start), line(block.end), line(block.rest_start)
        block.rows = [Row(r.cells, line(r.line_start), line(r.line_end)) for r in block.rows]
        block.pairs = [(dt, line(dl), dd, line(a), line(b)) for dt, dl, dd, a, b in block.pairs]
    return found


def blocks(doc: Document) -> tuple[list[Block], str | None]:
    tokens = _PARSER.parse(_prepare(doc))
    out: list[Block] = []
    title = None
    depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        span = (tok.map[0] + 1, tok.map[1]) if tok.map else (0, 0)
        if tok.type == "front_matter":
            if m := _FRONT_TITLE.search(tok.content):
                title = m["title"]
            out.append(Block("noise", *span))
        elif tok.type in ("html_block", "fence", "code_block", "hr"):
            out.append(Block("noise", *span, code=tok.type in ("fence", "code_block"), rule=tok.type == "hr"))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "heading_open":
            text = HEADING_ATTRIBUTES.sub("", _inline(tokens[i + 1])[0])
            out.append(Block("heading", *span, level=int(tok.tag[1]), text=text))
            i += 3
            continue
        elif tok.type == "paragraph_open":
            text, lead, rest, rest_line, link_only = _inline(tokens[i + 1])
            kind = "item" if depth else "para"
            # One link to an anchor in this document and nothing else: a cross-reference to another entry.
            hrefs = [str(c.attrs.get("href", "")) for c in tokens[i + 1].children or [] if c.type == "link_open"]
            out.append(Block(kind, *span, level=depth, text=text, lead=lead, rest=rest, rest_start=rest_line,
                             link_only=link_only, cross_reference=link_only and kind == "para" and len(hrefs) == 1
                             and hrefs[0].startswith("#")))
            i += 3
            continue
        elif tok.type == "table_open":
            j, rows = i, []
            cells: list[str] = []
            row_span = span
            while tokens[j].type != "table_close":
                t = tokens[j]
                if t.type == "tr_open":
                    cells, row_span = [], ((t.map[0] + 1, t.map[1]) if t.map else span)
                elif t.type == "inline":
                    cells.append(_inline(t)[0])
                elif t.type == "tr_close":
                    rows.append(Row(tuple(cells), *row_span))
                j += 1
            out.append(Block("table", *span, rows=rows))
            i = j + 1
            continue
        elif tok.type == "dl_open":
            j, pairs = i, []
            dt, dt_line = "", 0
            while tokens[j].type != "dl_close":
                t = tokens[j]
                if t.type == "dt_open":
                    dt, dt_line = _inline(tokens[j + 1])[0], (t.map[0] + 1 if t.map else 0)
                elif t.type == "dd_open" and t.map:
                    k, texts = j, []
                    while tokens[k].type != "dd_close":
                        if tokens[k].type == "inline":
                            texts.append(_inline(tokens[k])[0])
                        k += 1
                    pairs.append((dt, dt_line, join_lines(texts), t.map[0] + 1, t.map[1]))
                    j = k
                j += 1
            out.append(Block("dl", *span, pairs=pairs))
            i = j + 1
            continue
        i += 1
    return _from_source(out, doc), title


def _colon_lead(block: Block) -> Block:
    """`- 用語：定義` and `(1)「用語」とは、…をいう。` state their term without bold."""
    if block.lead is not None:
        return block
    if (m := _QUOTED_LEAD.match(block.text)) or ((m := _COLON_LEAD.match(block.text)) and "\n" not in m["head"]):
        block.lead, block.rest, block.rest_start = m["head"].strip(), block.text.strip(), block.start
        if m.re is _COLON_LEAD:
            block.rest = m["body"].strip()
    return block


def _introduces_code(found: list[Block], k: int) -> bool:
    """A lead-in to a code sample or diagram, one clause ending in a colon (「このデプロイには…があります:」
    over a ```mermaid block): it says what the sample shows, it does not define the heading. A heading
    with nothing else under it is an example section, not a term."""
    text = found[k].text
    return (found[k].kind == "para" and re.search(r"[:：]\s*$", text) is not None and "。" not in text
            and k + 1 < len(found) and found[k + 1].code)


def _colon_head(block: Block) -> str | None:
    m = _COLON_LEAD.match(block.text) if block.kind in ("para", "item") else None
    return m["head"].strip() if m and "\n" not in m["head"] else None


def _part_labels(found: list[Block]) -> frozenset[str]:
    """The leads that label parts of entries: those field_labels finds, and every other lead under a
    heading whose entry has a labelled part (a one-off **実装箇所** beside **定義**)."""
    def lead_of(block: Block) -> str | None:
        if block.kind not in ("para", "item"):
            return None
        return block.lead if block.lead is not None else _colon_head(block)

    leads = [lead for b in found if (lead := lead_of(b))]
    labels = set(field_labels(leads))
    if not labels:
        return frozenset()
    # A document that labels parts labels them all alike: a one-off 正式名称 or 意味 is a part too.
    labels.update(normalised_label(lead) for lead in leads if part_role(lead) not in ("other", "term"))
    segment: list[str] = []
    for block in [*found, Block("heading", 0, 0)]:
        if block.kind == "heading":
            if any(is_field_label(lead, frozenset(labels)) for lead in segment):
                labels.update(normalised_label(lead) for lead in segment)
            segment = []
        elif lead := lead_of(block):
            segment.append(lead)
    return frozenset(labels)


def _part(block: Block, labels: frozenset[str]) -> Part | None:
    """The labelled part of an entry a block is (`**定義**: …`, `関連用語: …`), if it is one."""
    if block.kind not in ("para", "item") or not labels:
        return None
    if block.lead is not None and is_field_label(block.lead, labels):
        return Part(block.lead, block.rest, block.rest_start or block.start, block.end)
    head = _colon_head(block)
    if head is not None and is_field_label(head, labels) and (m := _COLON_LEAD.match(block.text)):
        return Part(head, m["body"].strip(), block.start, block.end)
    return None


def _plausible_lead(lead: str) -> bool:
    """A term, not an emphasised phrase: short, no sentence punctuation."""
    return 0 < len(lead) <= 100 and not re.search(r"[。！？!?]$", lead)


def _entry(doc: Document, head: str, head_line: int, pieces: list[tuple[str, int, int]], section: str | None,
           layout: str, links: Sequence[tuple[int, int]] = ()) -> Entry | None:
    """An entry from its text pieces; link-only lines inside it (「詳しくは…」 links) widen its span, not its text."""
    pieces = [p for p in pieces if p[0].strip()]
    if not head or not pieces:
        return None
    texts = [p[0] for p in pieces]
    definition = join_lines([t for text in texts for t in text.split("\n")])
    start, end = min(p[1] for p in pieces), max(p[2] for p in pieces)
    for a, b in sorted(links):  # only what continues the entry: no gap of more than two lines
        if a > end and a - end <= 3:
            end = max(end, b)
    start, end = trim_span(doc, start, end)
    return Entry(doc.name, head, head_line, definition, tuple(texts), SourceSpan(doc.name, start, end), section, layout)


def _contrasted(doc: Document, contrast: Contrast, head_line: int, pieces: list[tuple[str, int, int]],
                section: str | None) -> list[Entry | None]:
    """「A vs. B」 over paragraphs that define each: two entries, each with the paragraph that names it
    alone. The heading that opposes them (vs., 対) states the antonymy."""
    out: list[Entry | None] = []
    names = (contrast.first, contrast.second)
    for name, other, own in zip(names, names[::-1], own_parts(contrast, [p[0] for p in pieces]), strict=True):
        entry = _entry(doc, name, head_line, [pieces[i] for i in own], section, "md-heading")
        out.append(replace(entry, fields=(("antonyms", other),)) if entry and contrast.opposed else entry)
    return out


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    found, title = blocks(doc)
    # Leads that come back entry after entry (**定義**, 関連用語:) label parts of entries, not terms.
    labels = _part_labels(found)
    entries: list[Entry] = []
    kinds: dict[str, int] = {}
    claimed: set[int] = set()  # indexes of blocks inside an entry
    section: str | None = None
    sections: dict[int, str | None] = {}
    for n, block in enumerate(found):
        if block.kind == "heading" and is_kana_row(block.text):
            section = block.text
        sections[n] = section

    def add(entry: Entry | None, members: list[int]) -> None:
        if entry is not None:
            entries.append(entry)
            kinds[entry.layout] = kinds.get(entry.layout, 0) + 1
            claimed.update(members)

    # Abbreviation definitions name the short form and its expansion: 「HTML（Hyper Text Markup Language）」.
    abbreviations = {n: a for n, line in enumerate(doc.lines, 1) if (a := _ABBREVIATION.match(line))}
    for n, abbr in abbreviations.items():
        add(Entry(doc.name, with_other_names(abbr["short"].strip(), [abbr["long"]], []), n, abbr["long"],
                  (abbr["long"],), SourceSpan(doc.name, n, n), None, "md-abbr"), [])
    for block in found:  # a paragraph of them is theirs: not a colon lead, not a heading's definition
        if abbreviations and block.kind in ("para", "item") and all(
                k in abbreviations for k in range(block.start, block.end + 1) if doc.lines[k - 1].strip()):
            block.kind = "abbr"

    for n, block in enumerate(found):
        if block.kind == "dl":
            for dt, dt_line, dd, start, end in block.pairs:
                add(_entry(doc, dt, dt_line, [(dd, start, end)], sections[n], "md-deflist"), [n])
        elif block.kind == "table" and len(block.rows) >= 2:
            # The delimiter row (`|---|`) makes the first row a header even when its names are not
            # role names (`| Geoレプリケーター名 | GitLabコンポーネント名 |`): it is never an entry.
            body = block.rows[1:]
            roles = header_roles(block.rows[0].cells) or content_roles([r.cells for r in body])
            if roles:
                for entry in entries_from_rows(doc.name, body, roles, "md-table", sections[n]):
                    add(entry, [n])
    # Bold (or colon) leads: a lead with text after it is one entry (a paragraph lead also takes the
    # plain paragraphs after it); a lead alone on its line owns what follows up to the next lead.
    leads = [n for n, b in enumerate(found) if b.kind in ("para", "item") and n not in claimed
             and b.lead is not None and _plausible_lead(b.lead) and not is_field_label(b.lead, labels)]
    if len(leads) < 2:  # no bold leads: `用語：定義` paragraphs and items state their terms with a colon
        leads = [n for n, b in enumerate(found) if b.kind in ("para", "item") and n not in claimed
                 and not is_field_label(_colon_head(b), labels)
                 and _colon_lead(b).lead is not None and _plausible_lead(b.lead or "")]
        # A colon is weak evidence of a term: `- プラン: Premium` above a glossary table is a property
        # list. Colon leads are the glossary only when no table or definition list gives more entries.
        if len(leads) <= len(entries):
            leads = []
    lead_entries: list[tuple[Entry | None, list[int]]] = []
    if len(leads) >= 2:
        for n in leads:
            block = found[n]
            pieces = [(block.rest, block.rest_start, block.end)] if block.rest else []
            members = [n]
            if block.kind == "para" or not block.rest:
                m = n + 1
                while m < len(found) and found[m].kind in ("para", "item", "noise") and m not in leads:
                    if found[m].kind != "noise" and not found[m].link_only:
                        pieces.append((found[m].text, found[m].start, found[m].end))
                        members.append(m)
                    m += 1
            layout = "md-list" if block.kind == "item" else "md-bold"
            lead_entries.append((_entry(doc, block.lead or "", block.start, pieces, sections[n], layout), members))
    # One heading per term: the deepest level with prose under it at least twice.
    def heading_entries(taken: set[int]) -> list[tuple[Entry | None, list[int]]]:
        bodies: dict[int, list[int]] = {}
        link_lines: dict[int, list[tuple[int, int]]] = {}
        for n, block in enumerate(found):
            if block.kind != "heading" or is_kana_row(block.text):
                continue
            m, body = n + 1, []
            while m < len(found) and found[m].kind != "heading":
                body.append(m)
                m += 1
            if any(k in taken for k in body):
                continue  # a heading over entries of its own is their section
            prose = [k for k in body if found[k].kind in ("para", "item") and not found[k].link_only]
            if not prose:  # a term whose entry only points at another (see X) is still a term
                refs = [k for k in body if found[k].cross_reference]
                prose = refs if len(refs) == 1 and all(found[k].kind == "noise" or k in refs for k in body) else []
            if prose and not all(_introduces_code(found, k) for k in prose):
                bodies[n] = prose
                # Links, code samples and comments inside the entry widen its span, not its text.
                link_lines[n] = [(found[k].start, found[k].end) for k in body
                                 if found[k].link_only or (found[k].kind == "noise" and not found[k].rule)]
        counts: dict[int, int] = {}
        for n in bodies:
            counts[found[n].level] = counts.get(found[n].level, 0) + 1
        # The level that names most terms (deeper on a tie); deeper headings with prose are terms too
        # (### props under ## コンポーネント), shallower ones are sections.
        term_level = max((lvl for lvl, c in counts.items() if c >= 2), key=lambda lvl: (counts[lvl], lvl), default=0)
        out: list[tuple[Entry | None, list[int]]] = []
        current: str | None = None
        for n, block in enumerate(found):
            if block.kind != "heading":
                continue
            # A shallower heading over a definition part of its own (`### YAML` then `**定義**: …` in a
            # glossary whose other terms are ####) is a term too: a section heading does not define.
            defines = n in bodies and any((part := _part(found[k], labels)) and part_role(part.label) == "definition"
                                          for k in bodies[n])
            if (block.level < term_level and not defines) or n not in bodies or not term_level:
                current = block.text if not is_kana_row(block.text) else current
                continue
            if block.level >= term_level or defines:
                pieces = [(found[k].text, found[k].start, found[k].end) for k in bodies[n]]
                if contrast := contrasted_terms(block.text):
                    out.extend((entry, [n, *bodies[n]]) for entry in
                               _contrasted(doc, contrast, block.start, pieces, sections[n] or current))
                    continue
                parts = [part for k in bodies[n] if (part := _part(found[k], labels))]
                if parts:
                    unlabelled = [Part("", found[k].text, found[k].start, found[k].end) for k in bodies[n]
                                  if not _part(found[k], labels)]
                    fielded = fielded_entry(doc.name, block.text, block.start, parts, unlabelled,
                                            sections[n] or current, "md-fields")
                    # A code sample after the parts (**例**: then a fence) is the entry's too: it widens
                    # the span, as under a plain heading, not the text.
                    tail = [b for a, b in link_lines.get(n, []) if fielded and a > fielded.span.line_end]
                    if fielded and tail:
                        fielded = replace(fielded, span=SourceSpan(doc.name, fielded.span.line_start, max(tail)))
                    out.append((fielded, [n, *bodies[n]]))
                    continue
                entry = _entry(doc, block.text, block.start, pieces, sections[n] or current, "md-heading",
                               link_lines.get(n, []))
                if entry and found[bodies[n][0]].cross_reference:  # see X: the link names the related term
                    entry = replace(entry, fields=(("related", found[bodies[n][0]].text.rstrip(".。 ")),))
                out.append((entry, [n, *bodies[n]]))
        return out

    by_heading = heading_entries(set(claimed))
    lead_members = {k for _, members in lead_entries for k in members}
    if len([e for e, _ in lead_entries if e]) >= len([e for e, _ in by_heading if e]):
        chosen = lead_entries + heading_entries(claimed | lead_members)
    else:
        chosen = by_heading
    for candidate, members in chosen:
        add(candidate, members)
    entries.sort(key=lambda e: e.span.line_start)
    used = {line for e in entries for line in range(e.span.line_start, e.span.line_end + 1)}
    used |= {e.headword_line for e in entries if e.headword_line}
    skipped = [n for n, line in enumerate(doc.lines, 1) if line.strip() and n not in used]
    layout = max(kinds, key=lambda k: kinds[k]) if kinds else "markdown"
    evidence = 0.9 if doc.source_format == "docx" else _FORMAT_EVIDENCE.get(suffix(doc), 0.1)
    reasons = tuple(f"{count} {kind} entries" for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1]))
    if title:
        reasons += (f"front-matter title {title!r}",)
    # Code samples and diagrams are Markdown structure the reader recognises, not text it failed to read.
    code = {line for b in found if b.code for line in range(b.start, b.end + 1)}
    score = fit_score(entries, doc, evidence, code)
    return Reading(entries, skipped, layout, title), Detection(score, reasons, len(entries))


class MarkdownReader(DryRunReader):
    name = "markdown"
    description = "Markdown: heading per term, bold lead terms, definition lists, tables (markdown-it-py)"
    formats = ("text", "docx")

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
