"""HTML glossaries, read with lxml (source line numbers from libxml2).

Entries come from what the markup states: <dl> pairs (several <dt> before one <dd> name one
term), <table> rows (columns by header or content), paragraphs that open with a bold term
(<p><b>用語</b>：…</p>), and one heading per term with the paragraphs under it. Scripts, styles,
navigation and comments are dropped; template tags from site generators are blanked, and a tag that
names a term (`{% include term_dt.html title="…" %}`) becomes that term's <dt>.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.html
from lxml import etree

from ingest.markup import join_lines
from ingest.readers.base import (
    TEMPLATE_TERM,
    Detection,
    DryRunReader,
    Reading,
    contrasted_terms,
    fit_score,
    own_parts,
    render_template_tags,
    suffix,
)
from ingest.readers.columns import Row, content_roles, entries_from_rows, header_roles, with_other_names
from ingest.readers.fields import Part, field_labels, fielded_entry, is_field_label, normalised_label, part_role
from ingest.records import Document, Entry, SourceSpan

# Page chrome: navigation, scripts, forms, and complementary content (<aside>: sidebars, related links).
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "head", "form", "button", "aside")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "div", "ul", "ol", "blockquote", "section", "dd")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_LEAD_SEPARATOR = re.compile(r"^\s*(?:[:：]|[-‐–—]\s|…)\s*")
_FORMAT_EVIDENCE = {"html": 1.0, "htm": 1.0, "xhtml": 1.0, "md": 0.4, "txt": 0.3, "": 0.3}
_TAG = re.compile(r"<(?:/?(?:html|body|div|p|dl|dt|dd|table|tr|td|th|ul|ol|li|h[1-6]|section|article|span|b|strong))\b",
                  re.IGNORECASE)


def _prepare(doc: Document) -> str:
    out = []
    for line in doc.lines:
        line = TEMPLATE_TERM.sub(lambda m: f"<dt>{m[1]}</dt>", line)
        out.append(render_template_tags(line))
    return _XML_DECL.sub("", "\n".join(out))


def _text(el: etree._Element) -> str:
    lines = _broken_text(el).replace(_BREAK, "\n").split("\n")
    return join_lines([re.sub(r"\s+", " ", line) for line in lines])


_BREAK = "\x00"
_HIRAGANA = re.compile(r"^[\u3041-\u309fー・\s]+$")


def _broken_text(el: etree._Element) -> str:
    """The element's text with each <br> as _BREAK (itertext drops it, running two names together)."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "br":
            parts.append(_BREAK)
        elif isinstance(child.tag, str):
            parts.append(_broken_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _cell_text(el: etree._Element) -> str:
    """A table cell's text with its <br> line breaks kept (a term cell's lines name the term again)."""
    return "\n".join(join_lines([re.sub(r"\s+", " ", x) for x in line.split("\n")])
                     for line in _broken_text(el).split(_BREAK)).strip()


def _term_text(el: etree._Element) -> str:
    """A term cell's text. Lines broken by <br> name the term, then its other names or its reading
    (`<dt>CSV<br><small>Comma-Separated Values</small></dt>`): they become 「CSV（Comma-Separated Values）」,
    which the headword parser splits into labels."""
    lines = [join_lines([re.sub(r"\s+", " ", x) for x in line.split("\n")]) for line in _broken_text(el).split(_BREAK)]
    lines = [line for line in lines if line]
    if len(lines) < 2:
        return _text(el)
    readings = [line for line in lines[1:] if _HIRAGANA.match(line)]
    return with_other_names(lines[0], [line for line in lines[1:] if line not in readings], readings)


def _last_line(el: etree._Element) -> int:
    """The source line an element's content ends on: its last descendant's line plus the newlines after it."""
    last = el
    for child in el.iter():
        if isinstance(child.tag, str) and child.sourceline and child.sourceline >= (last.sourceline or 0):
            last = child
    text = "".join(last.itertext()) if last is not el else (el.text or "")
    trailing = text.rstrip().count("\n")
    return (last.sourceline or el.sourceline or 1) + trailing


def _span(doc: Document, el: etree._Element) -> SourceSpan:
    start = el.sourceline or 1
    return SourceSpan(doc.name, start, max(start, min(_last_line(el), len(doc.lines))))


def _entry(doc: Document, term: str, term_line: int, parts: list[etree._Element], section: str | None,
           layout: str, fields: tuple[tuple[str, str], ...] = ()) -> Entry | None:
    texts = [t for t in (_text(p) for p in parts) if t]
    if not term or not texts:
        return None
    spans = [_span(doc, p) for p in parts]
    span = SourceSpan(doc.name, min(s.line_start for s in spans), max(s.line_end for s in spans))
    return Entry(doc.name, term, term_line, join_lines(texts), tuple(texts), span, section, layout, None, fields)


def _definition_lists(doc: Document, root: etree._Element) -> list[Entry]:
    out = []
    for dl in root.iter("dl"):
        if any(a.tag == "dl" for a in dl.iterancestors()):
            continue
        terms: list[etree._Element] = []
        groups: list[tuple[list[etree._Element], list[etree._Element]]] = []
        for child in dl.iterchildren():
            if child.tag == "div":  # <dl><div><dt/><dd/></div></dl> (HTML 5.2 grouping)
                children = list(child.iterchildren())
            else:
                children = [child]
            for el in children:
                if el.tag == "dt":
                    if terms and terms[-1].getnext() is not None and terms[-1].getnext().tag == "dd":
                        terms = []
                    terms.append(el)
                elif el.tag == "dd" and terms:
                    if groups and groups[-1][0] is terms:  # a second <dd> goes on defining the same term
                        groups[-1][1].append(el)
                    else:
                        groups.append((terms, [el]))
        for names_of, dds in groups:
            names = [_term_text(t) for t in names_of]
            fields = tuple(("synonyms", n) for n in names[1:])
            if entry := _entry(doc, names[0], names_of[0].sourceline or 1, dds, _section(dl), "html-dl", fields):
                out.append(entry)
        if terms and not (groups and groups[-1][0] is terms):  # <dt>s the list closes on, with no <dd>:
            for dt in terms:  # terms the glossary lists without defining them
                line = dt.sourceline or 1
                if name := _term_text(dt):
                    out.append(Entry(doc.name, name, line, "", (), SourceSpan(doc.name, line, line), _section(dl),
                                     "html-dl"))
    return out


def _tables(doc: Document, root: etree._Element, rows_used: set[int]) -> list[Entry]:
    out = []
    for table in root.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            tds = [c for c in tr if c.tag in ("td", "th")]
            cells = tuple(_cell_text(c) for c in tds)
            if any(cells):
                spans = tuple((s.line_start, s.line_end) for s in (_span(doc, c) for c in tds))
                rows.append(Row(cells, tr.sourceline or 1, max(tr.sourceline or 1, _last_line(tr)), spans))
        if len(rows) < 2:
            continue
        roles = header_roles(rows[0].cells)
        body = rows[1:] if roles else rows
        roles = roles or content_roles([r.cells for r in rows])
        if roles:
            found = entries_from_rows(doc.name, body, roles, "html-table", _section(table))
            out.extend(found)
            if found:
                rows_used.update(n for row in rows for n in range(row.line_start, row.line_end + 1))
    return out


def _section(el: etree._Element) -> str | None:
    """The nearest heading before the element."""
    for prev in el.itersiblings(preceding=True):
        if prev.tag in _HEADINGS:
            return _text(prev) or None
    parent = el.getparent()
    return _section(parent) if parent is not None and parent.tag not in ("body", "html") else None


def _lead(p: etree._Element) -> tuple[str, str] | None:
    """The bold lead a paragraph opens with, and the text after it."""
    first = next(iter(p), None)
    if first is None or first.tag not in ("b", "strong") or (p.text or "").strip():
        return None
    rest = _LEAD_SEPARATOR.sub("", "".join((first.tail or "", *(("".join(c.itertext()) + (c.tail or ""))
                                                                 for c in list(p)[1:])))).strip()
    return _text(first), rest


def _part_labels(root: etree._Element) -> frozenset[str]:
    """Bold leads that label parts of entries (<h3>用語</h3><p><b>定義</b>: …</p>), as in Markdown:
    those that come back, the known part names beside them, and every lead under a heading that has one."""
    leads = [found[0] for p in root.iter("p", "li") if (found := _lead(p))]
    labels = set(field_labels(leads))
    if not labels:
        return frozenset()
    labels.update(normalised_label(lead) for lead in leads if part_role(lead) not in ("other", "term"))
    for h in root.iter(*_HEADINGS):
        under = []
        for sib in h.itersiblings():
            if sib.tag in _HEADINGS:
                break
            under += [found[0] for p in (sib, *sib.iter("p", "li")) if p.tag in ("p", "li") and (found := _lead(p))]
        if any(is_field_label(lead, labels) for lead in under):
            labels.update(normalised_label(lead) for lead in under)
    return frozenset(labels)


def _bold_leads(doc: Document, root: etree._Element, taken: set[etree._Element],
                labels: frozenset[str] = frozenset()) -> list[Entry]:
    out = []
    for p in root.iter("p", "li"):
        if p in taken or any(a in taken for a in p.iterancestors()):
            continue
        first = next(iter(p), None)
        if first is None or first.tag not in ("b", "strong") or (p.text or "").strip():
            continue
        term = _text(first)
        if is_field_label(term, labels):
            continue
        rest = _LEAD_SEPARATOR.sub("", "".join((first.tail or "", *(("".join(c.itertext()) + (c.tail or ""))
                                                                     for c in list(p)[1:])))).strip()
        if not term or len(term) > 60:
            continue
        parts: list[etree._Element] = []
        if rest:
            definition = join_lines([re.sub(r"\s+", " ", x) for x in rest.split("\n")])
            span = _span(doc, p)
            out.append(Entry(doc.name, term, first.sourceline or span.line_start, definition, (definition,), span,
                             _section(p), "html-bold"))
            continue
        for sib in p.itersiblings():
            if sib.tag in _HEADINGS or (sib.tag == "p" and len(sib) and sib[0].tag in ("b", "strong")
                                        and not (sib.text or "").strip()):
                break
            if sib.tag in _BLOCKS:
                parts.append(sib)
        if entry := _entry(doc, term, first.sourceline or 1, parts, _section(p), "html-bold"):
            out.append(entry)
    return out


def _fielded(doc: Document, h: etree._Element, parts: list[etree._Element], labels: frozenset[str]) -> Entry | None:
    """A heading whose paragraphs are labelled parts (ingest/readers/fields.py); None if none is."""
    labelled: list[Part] = []
    unlabelled: list[Part] = []
    for el in parts:
        span = _span(doc, el)
        found = _lead(el) if el.tag in ("p", "li") else None
        if found and is_field_label(found[0], labels):
            labelled.append(Part(found[0], found[1], span.line_start, span.line_end))
        else:
            unlabelled.append(Part("", _text(el), span.line_start, span.line_end))
    if not labelled:
        return None
    return fielded_entry(doc.name, _text(h), h.sourceline or 1, labelled, unlabelled, _section(h), "html-fields")


# Page chrome that generators mark by ARIA role or by class/id (Sphinx's sphinxsidebar, Docsy's
# td-sidebar, Bootstrap's navbar, breadcrumbs) rather than by <nav>/<aside>.
_CHROME_ROLES = {"navigation", "complementary", "contentinfo", "banner", "search"}
_CHROME_NAME = re.compile(r"(?:sidebar|navbar|breadcrumbs?)(?:wrapper)?$|^(?:toc|menu|footer|header)$", re.IGNORECASE)


def _is_chrome(el: etree._Element) -> bool:
    """A sidebar, navigation bar or footer by role or name; never one that holds the page's own content."""
    if el.tag not in ("div", "section", "ul", "ol"):  # containers only: <a id="header"> names a term
        return False
    names = f"{el.get('class', '')} {el.get('id', '')}".split()
    if el.get("role") not in _CHROME_ROLES and not any(_CHROME_NAME.search(name) for name in names):
        return False
    return next(el.iter("main", "article", "h1"), None) is None


def _links_only(el: etree._Element) -> bool:
    """Whether all the element's words are link text (a table of contents, a related-pages list)."""
    linked = "".join("".join(a.itertext()) for a in el.iter("a"))
    return bool(linked.strip()) and not re.sub(r"[\W_]+", "", _text(el).replace(" ", "")).replace(
        re.sub(r"[\W_]+", "", linked), "", 1)


def _headings(doc: Document, root: etree._Element, taken: set[etree._Element],
              labels: frozenset[str] = frozenset(), owners: frozenset[etree._Element] = frozenset()) -> list[Entry]:
    """One heading per term. `owners` are the lists and tables that gave entries: a heading over one of
    them is its section (「クライアントヒント」 with an introduction, then its <dl>), not a term."""
    bodies: dict[etree._Element, list[etree._Element]] = {}
    for h in root.iter(*_HEADINGS):
        parts: list[etree._Element] = []
        for sib in h.itersiblings():
            if sib.tag in _HEADINGS:
                break
            if sib in owners or any(d in owners for d in sib.iter("dl", "table")):
                parts = []
                break
            if sib.tag in _BLOCKS and not any(t is sib or sib in t.iterancestors() for t in taken) \
                    and not any(d.tag in ("dl", "table") for d in sib.iter()):
                parts.append(sib)
        if any(not _links_only(p) for p in parts):  # a list of links under a heading defines nothing
            bodies[h] = parts
    counts: dict[str, int] = {}
    for h in bodies:
        counts[h.tag] = counts.get(h.tag, 0) + 1
    level = max((tag for tag, n in counts.items() if n >= 2), default=None)
    out = []
    for h, parts in bodies.items():
        if h.tag != level:
            continue
        if contrast := contrasted_terms(_text(h)):  # 「A vs. B」: each term with the paragraph that names it alone
            names = (contrast.first, contrast.second)
            for name, other, own in zip(names, names[::-1], own_parts(contrast, [_text(p) for p in parts]),
                                        strict=True):
                fields = (("antonyms", other),) if contrast.opposed else ()
                if entry := _entry(doc, name, h.sourceline or 1, [parts[i] for i in own], _section(h), "html-heading",
                                   fields):
                    out.append(entry)
        else:
            entry = (labels and _fielded(doc, h, parts, labels)) or _entry(
                doc, _text(h), h.sourceline or 1, parts, _section(h), "html-heading")
            if entry:
                out.append(entry)
    return out


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    source = _prepare(doc)
    tags = len(_TAG.findall(source))
    if tags < 3:
        return Reading([], [], "html"), Detection(0.0, (f"{tags} HTML block tags",))
    try:
        root = lxml.html.document_fromstring(source)
    except (etree.ParserError, ValueError) as exc:
        return Reading([], [], "html"), Detection(0.0, (f"lxml could not parse it: {exc}",))
    title_el = root.find(".//title")
    h1 = root.find(".//h1")
    title = _text(title_el) if title_el is not None else (_text(h1) if h1 is not None else None)
    chrome: set[int] = set()  # lines of page chrome: recognised as such, so they count as read
    for el in dict.fromkeys([*root.iter(*_DROP), *(el for el in root.iter() if _is_chrome(el))]):
        chrome.update(range(el.sourceline or 1, _last_line(el) + 1))
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter(etree.Comment)):
        el.drop_tree()
    rows_used: set[int] = set()
    entries = _definition_lists(doc, root) + _tables(doc, root, rows_used)
    taken = {el for el in root.iter("dl", "table")}
    labels = _part_labels(root)
    bold = _bold_leads(doc, root, taken, labels)
    if len(bold) >= 2:
        entries += bold
    starts = [e.headword_line or e.span.line_start for e in entries]
    owners = frozenset(el for el in taken if any((el.sourceline or 0) <= n <= _last_line(el) for n in starts))
    heads = _headings(doc, root, taken, labels, owners)
    if len(heads) > len(bold):
        entries = [e for e in entries if e.layout != "html-bold"] + heads
    entries.sort(key=lambda e: e.span.line_start)
    kinds: dict[str, int] = {}
    for entry in entries:
        kinds[entry.layout] = kinds.get(entry.layout, 0) + 1
    used = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)} | rows_used
    used |= {e.headword_line for e in entries if e.headword_line}
    skipped = [n for n, line in enumerate(doc.lines, 1) if line.strip() and n not in used]
    evidence = _FORMAT_EVIDENCE.get(suffix(doc), 0.3)
    reasons = (f"{tags} HTML block tags",
               *(f"{n} {k} entries" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])))
    layout = max(kinds, key=lambda k: kinds[k]) if kinds else "html"
    score = fit_score(entries, doc, evidence, used | chrome)
    return Reading(entries, skipped, layout, title), Detection(score, reasons, len(entries))


class HtmlReader(DryRunReader):
    name = "html"
    description = "HTML: <dl> pairs, <table> rows, bold lead terms, heading per term (lxml)"
    formats = ("text",)

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
