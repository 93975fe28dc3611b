"""Find glossary entries in a document from line features (not one regex per file).

Two layout families cover what glossaries do:
- headworded: a short headword line followed (after optional blank lines) by a definition,
  including 「Xとは、…」 paragraphs, `### 用語` Markdown headings, pipe-table rows, bullet or
  numbered items (under a sub-heading or as a free-standing list) and `用語：定義` one-liners;
- bare: definitions without headwords (scraped glossaries that lost them), one or more lines
  each, sometimes followed by an article title (▼詳細記事) that names the term.
HTML is read through ingest/markup.py first: <dl> and <table> state their entries outright,
the rest of the page is segmented like text. Lines that belong to no entry (titles, intros,
commentary, page chrome) are returned as skipped. A document whose lines fit neither family
(prose, notes) yields no entries and the layout "unrecognised", so the pipeline reports it
instead of inventing entries.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.markup import (
    TABLE_SEP,
    clean_inline,
    heading_body,
    heading_level,
    is_table_row,
    join_lines,
    markup_view,
    pipe_table_entries,
)
from ingest.records import Document, Entry, SourceSpan
from ingest.tokenize import tokenize

CHROME = re.compile(
    r"^(コメントを残す|コメント|目次|シェア|ツイート|関連記事|前の記事|次の記事|この記事を書いた人|"
    r"Copyright|©|トップへ戻る|ページの先頭へ|お問い合わせ|PR|広告)\b"
)
KANA_ROW = re.compile(r"^(頭文字[:：]\s*)?[■□●◆#\s]*[あかさたなはまやらわアカサタナハマヤラワ][行]?$"
                      r"|^.*[あかさたなはまやらわ]行$")
# Index headers come in many wrappings (【さ行】, 「■ か」, ＜A＞): what is left once the
# decoration is gone is one kana (optionally 行) or one capital letter.
KANA_ROW_DECORATION = re.compile(r"[■□●○◆◇▼▽★☆#＃【】\[\]「」『』〔〕()（）<>＜＞\s]")
KANA_ROW_CORE = re.compile(r"[\u3041-\u3096\u30a1-\u30f6]行?|[A-ZＡ-Ｚ]")
ARTICLE_MARK = re.compile(r"^[▼▽►▶■]?\s*(詳細記事|関連記事|詳しくはこちら)[:：]?\s*")
BULLET = re.compile(r"^\s*(?:[-*+](?=\s)|[・•●◆]|\d+[.)）．](?!\d)|[(（]\d+[)）]|[①-⑳])\s*")
NUMBERED = re.compile(r"^\s*(?:\d+[.)）．](?!\d)|[(（]\d+[)）]|[①-⑳])\s*")
COLON_DEF = re.compile(r"^(?P<head>[^:：。、]{1,40}?)\s*[:：]\s*(?P<body>.{4,})$")
# 【用語】定義: a lenticular bracket around the term opens the line.
BRACKETED_DEF = re.compile(r"^【(?P<head>[^】]{1,40})】\s*[:：]?\s*(?P<body>\S.{3,})$")
# Other ways one line sets a term before its definition: an ideographic space (キャッシュ　一時的に…),
# leader dots (キャッシュ …… 一時的に…) or a spaced dash. Read only where most lines of a document do it.
SEPARATED_DEF = re.compile(r"^(?![一二三四五六七八九十百0-9０-９イロハニホヘトチリヌルヲ]{1,4}\u3000)"
                           r"(?P<head>[^:：。、\u3000]{1,40}?)(?:\s*[:：]\s*|\s*\u3000+\s*"
                           r"|\s*(?:[…‥]{1,3}|\.{3,}|・{3,})\s*|\s+[-–—]\s+)(?P<body>\S.{3,})$")
POLITE = re.compile(r"(です|ます|ません|ください|でしょう|ましょう|ございます)[。!！]?$")
# Sentences about the page itself, never a definition: 「本ページでは…」「今回は…ご紹介します」.
PAGE_META = re.compile(r"^(本ページ|このページ|本記事|この記事|今回は|ここでは.*(紹介|まとめ))")
CONNECTIVE = re.compile(
    r"^(また[、,]|もしくは|または|なお[、,]|ただし|さらに|略して|具体的には|たとえば|例えば|一方[、,]|"
    r"これ(は|に|を|ら)|この(場合|ため|よう)|その(ため|後|他|際)|それ(は|に|を|ら|ぞれ)|そして|しかし|つまり|特に|※)"
)
# Predicates that still close a definition: 「…のことをいう」「…を指す」「…を意味する」.
DEFINITIONAL_PREDICATE = re.compile(r"(ことを|ものを|を)(いう|言う|指す|意味する|表す|示す)$|のこと$|ことを指します$")
# The same, said politely: 「…を指します」「…のことです」.
POLITE_DEFINITION = re.compile(r"(を|ことを)(指し|意味し|表し|示し)ます$|(の|という)?ことです$")
# A definition that opens on its subject: 「CSとは、…」「チケットは通常、…」 (not 「…では、」).
SUBJECT_OPENING = re.compile(r"^[「『]?(?P<subject>[^、。]{1,40}?)[」』]?\s*(とは|は)(?![\u3041-\u3096])")
KANA = re.compile(r"[\u3041-\u30ff]")
READING_IN_BRACKETS = re.compile(r"\s*[(（][\u3041-\u309fー・\s]+[)）]")
# Entries whose boundaries are guessed from line shapes (not stated by markup or punctuation).
GUESSED = frozenset({"headword-block", "heading"})


@dataclass(frozen=True, slots=True)
class Segmentation:
    entries: list[Entry]
    skipped: list[int]  # 1-based line numbers that belong to no entry
    layout: str


def _strip_markup(line: str) -> str:
    return clean_inline(NUMBERED.sub("", re.sub(r"^#{1,6}\s+", "", line)).strip())


def is_kana_row(line: str) -> bool:
    text = line.strip()
    core = KANA_ROW_DECORATION.sub("", re.sub(r"^頭文字\s*[:：]", "", text))
    return bool(KANA_ROW.match(text) or KANA_ROW_CORE.fullmatch(core))


def is_continuation(line: str) -> bool:
    """An indented line that is no list item of its own continues the item above it."""
    return line[:1] in (" ", "\t", "\u3000") and bool(line.strip()) and not BULLET.match(line)


def is_heading_like(line: str) -> bool:
    """A short line without sentence punctuation: a headword or a section heading."""
    # A bracketed kana reading is part of the headword, not a sentence: 「紹介スケジュール（しょうかいすけじゅーる）」.
    text = READING_IN_BRACKETS.sub("", _strip_markup(line))
    if not text or len(text) > 48 or is_table_row(text):
        return False
    # List items are content, except a numbered one that holds just a term (「1. 棚卸」).
    if BULLET.match(line) and not (NUMBERED.match(line) and not COLON_DEF.match(text)):
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


def ends_nominally(sentence: str, adjectival: bool = True) -> bool:
    """True when the sentence closes on a noun (「…すること」「…指標」), as definitions do.

    `adjectival`: whether an adjectival noun (「…が一般的」「…が可能」) counts; it closes comments on a
    term as often as definitions, so it cannot by itself open a new entry in headword-less text.
    """
    sentence = re.sub(r"[)）」』\]]+$", "", sentence.strip())
    if DEFINITIONAL_PREDICATE.search(sentence):
        return True
    tokens = [t for t in tokenize(sentence[-30:]) if t.pos not in {"補助記号", "空白"}]
    if not tokens:
        return False
    if not adjectival and (tokens[-1].pos == "形状詞" or tokens[-1].surface == "的"):
        return False  # 「…が一般的」「…が可能」
    return tokens[-1].pos in {"名詞", "接尾辞", "代名詞"} or (tokens[-1].pos == "形状詞" and len(tokens) > 3)


def defines(entry: Entry) -> bool:
    """Whether a guessed entry reads like a definition, not like a page intro or commentary."""
    if entry.layout not in GUESSED:
        return True
    sentence = first_sentence(entry.definition)
    if ends_nominally(sentence) or POLITE_DEFINITION.search(sentence):
        return True
    if (m := SUBJECT_OPENING.match(entry.definition)) and not m["subject"].endswith(("で", "に", "も")):
        return True
    core = _headword_core(entry.headword or "")
    return bool(core) and core in entry.definition[: len(core) + 12]


def _next_nonblank(lines: tuple[str, ...], i: int) -> int | None:
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j if j < len(lines) else None


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
        return k is not None and (is_definition_like(lines[k]) or is_table_row(lines[k])
                                  or bool(BULLET.match(lines[k])))
    return False


def _headword_core(headword: str) -> str:
    return re.split(r"[(（/／\s]", _strip_markup(headword), maxsplit=1)[0]


def _entry_heading_level(lines: tuple[str, ...]) -> int:
    """The Markdown heading level that names terms: the deepest one that, at least twice,
    has text right under it. Shallower headings are the title and sections (## あ行)."""
    counts: Counter[int] = Counter()
    for i, line in enumerate(lines):
        if (level := heading_level(line)) and not is_kana_row(line):
            j = _next_nonblank(lines, i)
            counts[level] += j is not None and not heading_level(lines[j]) and not is_table_row(lines[j])
    return max((level for level, n in counts.items() if n >= 2), default=0)


def _is_colon_glossary(lines: tuple[str, ...]) -> bool:
    """Most lines are `用語：定義` (or `・用語　定義`): then a short definition without 。 is still one."""
    text = [line for line in lines if line.strip()]
    colon = sum(1 for line in text if _colon_entry(line, True) or _item_definition(line, True))
    return colon >= 3 and colon >= 0.4 * len(text)


def _item_definition(line: str, glossary: bool) -> re.Match[str] | None:
    """A list item that sets its term before its definition: `- 用語：定義`, and in a document made
    of such lines `・用語　定義` or `● 用語 …… 定義`."""
    bullet = BULLET.match(line)
    if not bullet:
        return None
    rest = line[bullet.end():]
    m = COLON_DEF.match(rest) or (SEPARATED_DEF.match(rest.strip()) or BRACKETED_DEF.match(rest.strip())
                                  if glossary else None)
    return m if m and is_heading_like(m["head"]) else None


def _colon_entry(line: str, glossary: bool) -> re.Match[str] | None:
    """A `用語：定義` one-liner (not a list item, not a heading that happens to hold a colon)."""
    text = line.strip()
    m = COLON_DEF.match(text) or (SEPARATED_DEF.match(text) or BRACKETED_DEF.match(text) if glossary else None)
    if not m or BULLET.match(line) or not is_heading_like(m["head"]):
        return None
    if glossary:  # metadata lines (作成：営業企画部, 更新日：2024年4月1日) carry no kana
        return m if len(m["body"]) >= 4 and KANA.search(m["body"]) else None
    return m if len(m["body"]) >= 8 and not is_heading_like(text) else None


def segment_headworded(doc: Document) -> Segmentation:
    lines = doc.lines
    entries: list[Entry] = []
    used: set[int] = set()
    section: str | None = None
    term_level = _entry_heading_level(lines)  # 0: the headings (if any) do not name terms
    colon_glossary = _is_colon_glossary(lines)

    def starts_entry(k: int) -> bool:
        """Line k opens an entry of its own, so it ends the definition block above it."""
        bullet = BULLET.match(lines[k])
        return (is_heading_like(lines[k]) or is_table_row(lines[k])
                or (colon_glossary and bool(_colon_entry(lines[k], True)))
                or bool(bullet and _item_definition(lines[k], colon_glossary) and entries_allow_bullets(lines, k)))

    i = 0
    while i < len(lines):
        line, text, level = lines[i], lines[i].strip(), heading_level(lines[i])
        entry: Entry | None = None
        rows = [i]
        if not text or CHROME.match(text):
            pass
        elif is_kana_row(text) or 0 < level < term_level:
            section = _strip_markup(text)
            used.add(i)
        elif is_table_row(text) and i + 1 < len(lines) and TABLE_SEP.match(lines[i + 1]):
            found, end = pipe_table_entries(doc, i, section)
            entries.extend(found)
            used.update(range(i, end) if found else ())
            i = end
            continue
        elif level and level == term_level:
            # A term heading owns its paragraphs up to the next heading (blank lines and all).
            if body := heading_body(lines, i):
                block = [lines[n].strip() for n in range(body[0], body[-1] + 1)]
                entry = Entry(doc.name, _strip_markup(text), i + 1, join_lines(block), tuple(block),
                              SourceSpan(doc.name, body[0] + 1, body[-1] + 1), section, "heading")
                rows = [i, *body]
        elif (m := _item_definition(line, colon_glossary)) and entries_allow_bullets(lines, i):
            k = i + 1  # an item may wrap onto indented lines below it
            while k < len(lines) and is_continuation(lines[k]):
                k += 1
            block = [m["body"].strip(), *(lines[n].strip() for n in range(i + 1, k))]
            entry = Entry(doc.name, clean_inline(m["head"]), i + 1, join_lines(block), tuple(block),
                          SourceSpan(doc.name, i + 1, k), section, "bullet")
            rows = list(range(i, k))
        elif m := _colon_entry(line, colon_glossary):
            entry = Entry(doc.name, clean_inline(m["head"]), i + 1, m["body"].strip(), (line,),
                          SourceSpan(doc.name, i + 1, i + 1), section, "colon")
        elif is_heading_like(text) and (j := _next_nonblank(lines, i)) is not None:
            # 「作成：営業企画部」 over the entries is metadata, not their section.
            if _looks_like_section(lines, i) and not COLON_DEF.match(text):
                section = _strip_markup(text)
                used.add(i)
            # In a `用語：定義` list the next line is an entry of its own, not this line's definition.
            elif is_definition_like(lines[j]) and not is_heading_like(lines[j]) \
                    and not (colon_glossary and (_colon_entry(lines[j], True) or _item_definition(lines[j], True))):
                # The definition block: contiguous non-blank lines from j that do not start a new entry.
                k = j + 1
                while k < len(lines) and lines[k].strip() and not starts_entry(k):
                    k += 1
                block = [lines[n].strip() for n in range(j, k)]
                entry = Entry(doc.name, _strip_markup(text), i + 1,
                              "".join(block) if _is_cjk_block(block) else " ".join(block),
                              tuple(block), SourceSpan(doc.name, j + 1, k), section, "headword-block")
                rows = [i, *range(j, k)]
        # A title over the page's intro has the shape of an entry but defines nothing.
        if entry is not None and defines(entry):
            entries.append(entry)
            used.update(rows)
            i = rows[-1] + 1
        else:
            i += 1
    skipped = [n + 1 for n, line in enumerate(lines) if line.strip() and n not in used]
    return Segmentation(entries, skipped, "headworded")


def _is_cjk_block(block: list[str]) -> bool:
    return all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", b) for b in block)


def _colon_items(lines: tuple[str, ...], start: int) -> int:
    """How many `用語：定義` items the list starting at `start` has."""
    n, i = 0, start
    while i < len(lines) and (BULLET.match(lines[i]) or is_continuation(lines[i])):
        # Separated items (・用語　定義) count too; they become entries only in a document made of them.
        n += bool(_item_definition(lines[i], True))
        i += 1
    return n


def entries_allow_bullets(lines: tuple[str, ...], i: int) -> bool:
    """Bullets are entries when their group hangs under a heading, not under a definition;
    a free-standing list (after a blank line) is a glossary when several items are `用語：定義`."""
    j = i - 1
    while j >= 0 and lines[j].strip() and (BULLET.match(lines[j]) or is_continuation(lines[j])):
        j -= 1
    if j < 0 or not lines[j].strip():
        return _colon_items(lines, j + 1) >= 2
    return is_heading_like(lines[j])


def _starts_bare_entry(line: str, previous: str | None) -> bool:
    if previous is not None and previous.rstrip().endswith(("、", ",", "，", "(", "（", "「")):
        return False
    if CONNECTIVE.match(line):
        return False
    if QUOTED_TOPIC.match(line):
        # 「「アベイラブル (available)」は、英語で…という意味を持つ。」: a definition that opens by naming
        # its term, whatever its first sentence ends with.
        return True
    return ends_nominally(first_sentence(line), adjectival=False)


QUOTED_TOPIC = re.compile(r"^[「『][^「」『』]{2,30}[」』]\s*(?:は|とは)、?")


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
        probe = text
        if "。" not in text and i + 1 < len(lines) and text.endswith(("、", ",")):
            # 「…不満を発見し、」 continues on the next line: judge the whole first sentence.
            probe = text + lines[i + 1].strip()
        if current and not _starts_bare_entry(probe, previous):
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
            Entry(entry.doc, None, None, "".join(block), tuple(block), entry.span, entry.section, entry.layout,
                  entry.title)
        )
    return out


def _segment_lines(doc: Document) -> Segmentation:
    """Segment plain-text lines with the layout family they fit best."""
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
            article = len(previous) > 1 and ARTICLE_MARK.match(previous[-2])
            if previous and is_heading_like(previous[-1]) and not article:
                under_headword += 1
        previous.append(line.strip())
    if definitions and under_headword / definitions < 0.2:
        bare = segment_bare(doc)
        if len(bare.entries) > len(headworded.entries) and _reads_as_definitions(bare.entries):
            return bare
    return headworded


def _reads_as_definitions(entries: list[Entry]) -> bool:
    """Bare entries are only told apart by how they read: most open on a sentence that
    closes on a noun (「…する業務の総称。」). Prose closes on verbs (「…急いでいる。」)."""
    nominal = sum(1 for e in entries if ends_nominally(first_sentence(e.definition)))
    return nominal >= 0.5 * len(entries)


def _is_glossary(entries: list[Entry], text_lines: int, stated: bool) -> bool:
    """Several entries, or entries the markup states, or one entry that is most of the file;
    a single stray `注意：…` line in an article does not make it a glossary."""
    covered = sum(e.span.line_end - e.span.line_start + 1 + ((e.headword_line or e.span.line_start) < e.span.line_start)
                  for e in entries)
    return bool(entries) and (len(entries) >= 2 or stated or covered >= 0.5 * text_lines)


def segment(doc: Document) -> Segmentation:
    """Segment a document: entries its markup states, then its text lines by layout family.

    A document that yields no believable entries is "unrecognised" with every line skipped,
    so the pipeline reports it rather than ingesting guesses.
    """
    view = markup_view(doc)
    lines = _segment_lines(view.document)
    entries = sorted([*view.entries, *lines.entries], key=lambda e: e.span.line_start)
    text_lines = [n for n, line in enumerate(doc.lines, 1) if line.strip()]
    stated = bool(view.entries) or any(e.layout == "table" for e in entries)
    if not _is_glossary(entries, len(text_lines), stated):
        return Segmentation([], text_lines, "unrecognised")
    if not view.entries:
        return lines
    layout = "markup" if not lines.entries else f"markup+{lines.layout}"
    return Segmentation(entries, lines.skipped, layout)
