"""Find glossary entries in a document from line features (not one regex per file).

Two layout families cover what glossaries do:
- headworded: a short headword line followed (after optional blank lines) by a definition,
  including 「Xとは、…」 paragraphs, pipe-table rows, bullet items under a sub-heading and
  `用語：定義` one-liners;
- bare: definitions without headwords (scraped glossaries that lost them), one or more lines
  each, sometimes followed by an article title (▼詳細記事) that names the term.
Lines that belong to no entry (titles, intros, commentary, page chrome) are returned as skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Document, Entry, SourceSpan
from ingest.tokenize import tokenize

SENTENCE_END = ("。", "．", "!", "！", "?", "？")
CHROME = re.compile(
    r"^(コメントを残す|コメント|目次|シェア|ツイート|関連記事|前の記事|次の記事|この記事を書いた人|"
    r"Copyright|©|トップへ戻る|ページの先頭へ|お問い合わせ|PR|広告)\b"
)
KANA_ROW = re.compile(r"^(頭文字[:：]\s*)?[■□●◆#\s]*[あかさたなはまやらわアカサタナハマヤラワ][行]?$|^.*[あかさたなはまやらわ]行$")
ARTICLE_MARK = re.compile(r"^[▼▽►▶■]?\s*(詳細記事|関連記事|詳しくはこちら)[:：]?\s*")
BULLET = re.compile(r"^\s*(?:[-*・•●◆]|\d+[.)）]|[①-⑳])\s*")
COLON_DEF = re.compile(r"^(?P<head>[^:：。、]{1,40}?)\s*[:：]\s*(?P<body>.{4,})$")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
POLITE = re.compile(r"(です|ます|ません|ください|でしょう|ましょう|ございます)[。!！]?$")
# Sentences about the page itself, never a definition: 「本ページでは…」「今回は…ご紹介します」.
PAGE_META = re.compile(r"^(本ページ|このページ|本記事|この記事|今回は|ここでは.*(紹介|まとめ))")
CONNECTIVE = re.compile(
    r"^(また[、,]|もしくは|または|なお[、,]|ただし|さらに|略して|具体的には|たとえば|例えば|一方[、,]|"
    r"これ(は|に|を|ら)|この(場合|ため|よう)|その(ため|後|他|際)|それ(は|に|を|ら|ぞれ)|そして|しかし|つまり|特に|※)"
)
# Predicates that still close a definition: 「…のことをいう」「…を指す」「…を意味する」.
DEFINITIONAL_PREDICATE = re.compile(r"(ことを|ものを|を)(いう|言う|指す|意味する|表す|示す)$|のこと$|ことを指します$")


@dataclass(frozen=True, slots=True)
class Segmentation:
    entries: list[Entry]
    skipped: list[int]  # 1-based line numbers that belong to no entry
    layout: str


def _strip_markup(line: str) -> str:
    return re.sub(r"^#{1,6}\s+", "", line).strip()


def is_table_row(line: str) -> bool:
    return line.count("|") >= 2 and not TABLE_SEP.match(line)


def is_heading_like(line: str) -> bool:
    """A short line without sentence punctuation: a headword or a section heading."""
    text = _strip_markup(line)
    if not text or len(text) > 48 or is_table_row(text) or BULLET.match(line):
        return False
    if "。" in text or text.endswith(("、", ",", "，")) or POLITE.search(text):
        return False
    if ARTICLE_MARK.match(text) or CHROME.match(text):
        return False
    return not (len(text) > 30 and " " not in text and re.search(r"[をがにで]", text))


def is_definition_like(line: str) -> bool:
    text = line.strip()
    if PAGE_META.match(text):
        return False
    return (len(text) >= 6 and "。" in text) or len(text) >= 25 or (len(text) >= 6 and text.endswith(("こと", "もの")))


def first_sentence(text: str) -> str:
    match = re.search(r"^.*?[。．]", text)
    return (match.group(0) if match else text).rstrip("。．!！?？ ")


def ends_nominally(sentence: str) -> bool:
    """True when the sentence closes on a noun (「…すること」「…指標」), as definitions do."""
    sentence = re.sub(r"[)）」』\]]+$", "", sentence.strip())
    if DEFINITIONAL_PREDICATE.search(sentence):
        return True
    tokens = [t for t in tokenize(sentence[-30:]) if t.pos not in {"補助記号", "空白"}]
    if not tokens:
        return False
    return tokens[-1].pos in {"名詞", "接尾辞", "代名詞"} or (tokens[-1].pos == "形状詞" and len(tokens) > 3)


def _next_nonblank(lines: tuple[str, ...], i: int) -> int | None:
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j if j < len(lines) else None


def _table_entries(doc: Document, lines: tuple[str, ...], start: int, section: str | None) -> tuple[list[Entry], int]:
    """Rows of a pipe table from `start` (the header row); returns entries and the next index."""
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    entries = []
    i = start + 1
    while i < len(lines) and (is_table_row(lines[i]) or TABLE_SEP.match(lines[i])):
        if is_table_row(lines[i]):
            cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            if cells and cells[0] and len(cells) > 1:
                parts = [f"{h}: {c}" if h else c for h, c in zip(header[1:], cells[1:], strict=False) if c]
                definition = "、".join(parts) if parts else ""
                if definition:
                    n = i + 1
                    entries.append(
                        Entry(doc.name, cells[0], n, definition, (lines[i],), SourceSpan(doc.name, n, n), section, "table")
                    )
        i += 1
    return entries, i


def _looks_like_section(lines: tuple[str, ...], i: int) -> bool:
    """A heading followed directly by another headword (or a table) heads a section."""
    j = _next_nonblank(lines, i)
    if j is None:
        return True
    if is_table_row(lines[j]):
        return True
    if (bullet := BULLET.match(lines[j])) and COLON_DEF.match(lines[j][bullet.end():]):
        return True
    if is_heading_like(lines[j]):
        k = _next_nonblank(lines, j)
        return k is not None and (is_definition_like(lines[k]) or is_table_row(lines[k]) or bool(BULLET.match(lines[k])))
    return False


def _headword_core(headword: str) -> str:
    return re.split(r"[(（/／\s]", _strip_markup(headword), maxsplit=1)[0]


def segment_headworded(doc: Document) -> Segmentation:
    lines = doc.lines
    entries: list[Entry] = []
    used: set[int] = set()
    section: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.strip()
        if not text or CHROME.match(text):
            i += 1
            continue
        if KANA_ROW.match(text):
            section = text
            used.add(i)
            i += 1
            continue
        if is_table_row(text) and i + 1 < len(lines) and TABLE_SEP.match(lines[i + 1]):
            rows, i = _table_entries(doc, lines, i, section)
            entries.extend(rows)
            used.update(range(rows[0].span.line_start - 2, i) if rows else ())
            continue
        bullet = BULLET.match(line)
        if bullet and (m := COLON_DEF.match(line[bullet.end():])) and entries_allow_bullets(lines, i):
            n = i + 1
            entries.append(
                Entry(doc.name, m["head"].strip(), n, m["body"].strip(), (line,), SourceSpan(doc.name, n, n), section, "bullet")
            )
            used.add(i)
            i += 1
            continue
        if not bullet and (m := COLON_DEF.match(text)) and is_heading_like(m["head"]) and len(m["body"]) >= 8 \
                and not is_heading_like(text):
            n = i + 1
            entries.append(Entry(doc.name, m["head"].strip(), n, m["body"].strip(), (line,), SourceSpan(doc.name, n, n), section, "colon"))
            used.add(i)
            i += 1
            continue
        if is_heading_like(text):
            j = _next_nonblank(lines, i)
            if j is not None and _looks_like_section(lines, i):
                section = _strip_markup(text)
                used.add(i)
                i += 1
                continue
            if j is not None and is_definition_like(lines[j]) and not is_heading_like(lines[j]):
                # The definition block: contiguous non-blank lines from j that do not start a new entry.
                k = j
                block = []
                while k < len(lines) and lines[k].strip():
                    if k > j and (is_heading_like(lines[k]) or (is_table_row(lines[k]))):
                        break
                    if k > j and BULLET.match(lines[k]) and COLON_DEF.match(lines[k][BULLET.match(lines[k]).end():]) \
                            and entries_allow_bullets(lines, k):
                        break
                    block.append(lines[k].strip())
                    k += 1
                entries.append(
                    Entry(doc.name, _strip_markup(text), i + 1, "".join(block) if _is_cjk_block(block) else " ".join(block),
                          tuple(block), SourceSpan(doc.name, j + 1, k), section, "headword-block")
                )
                used.update([i, *range(j, k)])
                i = k
                continue
        i += 1
    skipped = [n + 1 for n, line in enumerate(lines) if line.strip() and n not in used]
    return Segmentation(entries, skipped, "headworded")


def _is_cjk_block(block: list[str]) -> bool:
    return all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", b) for b in block)


def entries_allow_bullets(lines: tuple[str, ...], i: int) -> bool:
    """Bullets are entries when their group hangs under a heading, not under a definition."""
    j = i - 1
    while j >= 0 and (BULLET.match(lines[j]) or not lines[j].strip()):
        if not lines[j].strip():
            return False
        j -= 1
    return j >= 0 and is_heading_like(lines[j])


def _starts_bare_entry(line: str, previous: str | None) -> bool:
    if previous is not None and previous.rstrip().endswith(("、", ",", "，", "(", "（", "「")):
        return False
    if CONNECTIVE.match(line):
        return False
    return ends_nominally(first_sentence(line))


def segment_bare(doc: Document) -> Segmentation:
    lines = doc.lines
    entries: list[Entry] = []
    skipped: list[int] = []
    current: list[int] = []  # 0-based line indexes of the entry being built
    title: str | None = None
    footnotes = False

    def flush() -> None:
        nonlocal current, title
        if current:
            block = [lines[n].strip() for n in current]
            span = SourceSpan(doc.name, current[0] + 1, current[-1] + 1)
            entries.append(Entry(doc.name, None, None, "".join(block), tuple(block), span, None, "bare", title))
        current, title = [], None

    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if not text:
            i += 1
            continue
        if footnotes or text.startswith("※"):
            footnotes = True
            skipped.append(i + 1)
            i += 1
            continue
        if mark := ARTICLE_MARK.match(text):
            first = i
            rest = text[mark.end():].strip()
            if not rest and i + 1 < len(lines):
                i += 1
                rest = lines[i].strip()
            if current and rest:
                # The article title names the entry above it and closes it.
                title = rest
                current.extend(range(first, i + 1))
                flush()
            else:
                skipped.extend(range(first + 1, i + 2))
            i += 1
            continue
        if CHROME.match(text) or is_heading_like(text) or POLITE.search(text):
            flush()
            skipped.append(i + 1)
            i += 1
            continue
        previous = lines[current[-1]] if current else None
        if current and not _starts_bare_entry(text, previous):
            current.append(i)
        else:
            flush()
            current = [i]
        i += 1
    flush()
    return Segmentation(_split_titles(entries, lines), skipped, "bare")


def _split_titles(entries: list[Entry], lines: tuple[str, ...]) -> list[Entry]:
    """Remove ▼詳細記事 and title lines from definitions while keeping them in the span."""
    out = []
    for entry in entries:
        block = []
        for n in range(entry.span.line_start, entry.span.line_end + 1):
            text = lines[n - 1].strip()
            if ARTICLE_MARK.match(text) or (entry.title and text == entry.title):
                break
            block.append(text)
        out.append(
            Entry(entry.doc, None, None, "".join(block), tuple(block), entry.span, entry.section, entry.layout, entry.title)
        )
    return out


def segment(doc: Document) -> Segmentation:
    """Segment a document with the layout family its lines fit best."""
    headworded = segment_headworded(doc)
    # Bare glossaries have plenty of definition lines but almost none sit right under a
    # headword-like line (article titles after ▼詳細記事 do not count as headwords).
    lines = doc.lines
    definitions = under_headword = 0
    previous: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if is_definition_like(line):
            definitions += 1
            if previous and is_heading_like(previous[-1]) and not (len(previous) > 1 and ARTICLE_MARK.match(previous[-2])):
                under_headword += 1
        previous.append(line.strip())
    if definitions and under_headword / definitions < 0.2:
        bare = segment_bare(doc)
        if len(bare.entries) > len(headworded.entries):
            return bare
    return headworded
