"""What a document says about itself: its title, from front matter, a heading, HTML or a title line.

A glossary usually names itself somewhere near the top: a YAML front-matter `title:`, a Markdown
`# ` heading, an HTML `<title>` or first `<h1>`, or a short first line that calls itself a glossary
(「IT用語集」). The title names the vocabulary built from the document and the document's own page.
"""

from __future__ import annotations

import html
import re
import unicodedata

MAX_TITLE = 80  # longer "titles" are sentences, not names
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
FRONT_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.+?)[ \t]*$", re.M)
ATX_H1 = re.compile(r"^[ ]{0,3}#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
ATX_ANY = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+\S", re.M)
HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.S | re.I)
HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
# Words a title line uses to call itself a glossary (Japanese and English); a first line without one
# is more likely a heading or an entry than the document's name.
GLOSSARY_WORDS = re.compile(
    r"用語集|用語辞典|用語一覧|用語解説|辞典|事典|辞書|glossary|terminology|dictionary|vocabulary", re.I)
QUOTES = "「」『』\"'“”"


def _clean(text: str) -> str | None:
    text = unicodedata.normalize("NFC", html.unescape(TAG.sub("", text)))
    text = re.sub(r"\s+", " ", text).strip().strip(QUOTES).strip()
    if not text or len(text) > MAX_TITLE:
        return None
    return text


def _front_matter_title(text: str) -> str | None:
    m = FRONT_MATTER.match(text)
    if not m:
        return None
    t = FRONT_TITLE.search(m.group(1))
    return _clean(t.group(1).strip().strip("'\"")) if t else None


def _markdown_title(text: str) -> str | None:
    """The first `# ` heading, when it heads the document: the only level-1 heading, or the first heading
    of all (a glossary whose entries are `# term` headings has no title heading)."""
    h1 = ATX_H1.findall(text)
    if not h1:
        return None
    first_heading = ATX_ANY.search(text)
    first_is_h1 = first_heading is not None and ATX_H1.match(text, first_heading.start()) is not None
    if len(h1) == 1 or (first_is_h1 and GLOSSARY_WORDS.search(h1[0])):
        return _clean(h1[0])
    return None


def _html_title(text: str) -> str | None:
    for pattern in (HTML_TITLE, HTML_H1):
        m = pattern.search(text)
        if m:
            title = _clean(m.group(1))
            if title:
                return title
    return None


def _first_line_title(text: str) -> str | None:
    """A short first line that calls itself a glossary: 「IT用語集」, コールセンター用語集(CS / 顧客対応)."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.endswith("。") or not GLOSSARY_WORDS.search(line):
            return None
        return _clean(line.lstrip("#").strip())
    return None


def looks_like_html(text: str, name: str = "") -> bool:
    return name.lower().endswith((".html", ".htm")) or bool(re.search(r"<(html|head|title|body)\b", text[:2000], re.I))


def document_title(text: str, name: str = "") -> str | None:
    """The document's title, or None when it states none."""
    if looks_like_html(text, name):
        return _html_title(text)
    return _front_matter_title(text) or _markdown_title(text) or _first_line_title(text)
