"""Column roles for tabular glossaries (CSV/TSV, spreadsheets, HTML and Markdown tables).

Every column gets one role: term, reading, definition, synonyms, abbreviation, english, related,
antonyms, broader, category or other. A header row names them (in Japanese or English); without
one, the cells' content decides: the long sentence-like column is the definition, the short
column before it the term, an all-kana column the reading, a Latin one the English name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.kana import to_hiragana
from ingest.markup import join_lines
from ingest.records import Entry, SourceSpan

# Header names, matched after NFKC, lower-casing and dropping spaces and brackets. Order matters:
# the first role whose names match wins, so 「用語の読み」 is a reading before it is a term.
HEADER_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reading", ("読み", "よみ", "読み方", "よみがな", "ふりがな", "フリガナ", "かな", "カナ", "reading", "yomi", "kana",  # noqa: E501
                 "pronunciation")),
    ("definition", ("定義", "説明", "意味", "解説", "内容", "概要", "語義", "詳細", "詳細情報", "definition",
                    "description", "meaning", "explanation", "desc", "gloss", "details")),
    ("synonyms", ("同義語", "類義語", "同意語", "別名", "別称", "言い換え", "異表記", "表記ゆれ", "synonym", "synonyms",
                  "alias", "aliases", "altlabel", "alternative", "variants")),
    ("abbreviation", ("略語", "略称", "略号", "頭字語", "abbreviation", "abbr", "acronym", "短縮形")),
    ("antonyms", ("対義語", "反対語", "反意語", "antonym", "antonyms")),
    ("broader", ("上位語", "上位概念", "broader", "parent")),
    ("related", ("関連語", "関連用語", "参照", "関連", "参考", "seealso", "related", "relatedterms", "see")),
    ("english", ("英語", "英訳", "英語表記", "英名", "english", "en", "英文", "原語", "translation")),
    ("category", ("分類", "カテゴリ", "カテゴリー", "区分", "分野", "種別", "category", "type", "domain", "tags",
                  "section", "context", "コンテキスト")),
    ("note", ("備考", "注記", "メモ", "コメント", "補足", "notes", "note", "remarks", "comment", "comments")),
    ("term", ("用語", "見出し語", "見出し", "語", "単語", "名称", "term", "word", "headword", "label", "name", "用語名",
              "日本語", "和名", "japanese", "項目", "キーワード", "keyword")),
)
# "about" is a term list's short cell in the term's own language: what the table says of it.
ROLES = ("term", "reading", "definition", "about", "synonyms", "abbreviation", "english", "translation", "related",
         "antonyms", "broader", "category", "other")

_HIRAGANA = re.compile(r"^[\u3041-\u309fー・\s]+$")
_KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー・\s]+$")
_LATIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,'&/()\-]*$")
# A date names no term: 2025-10-23, 2025/10/23, 2025年10月23日, 2025年10月 (a change log's rows).
_NOT_A_TERM = re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?|\s*月)?$")
_SENTENCE = re.compile(r"[。．]|[\u3041-\u3096]{3}")


def _norm(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s()\[\]（）「」_:\-#*]", "", text)


def header_role(header: str) -> str | None:
    key = _norm(header)
    if not key:
        return None
    for role, names in HEADER_ROLES:
        if key in {_norm(n) for n in names}:
            return role
    for role, names in HEADER_ROLES:  # 「用語（日本語）」, 「定義・説明」, 「Term (JA)」, 「推奨されない同義語」
        # A two-letter Latin name only as a whole word: 「Env」 is no English column.
        if any(len(_norm(n)) >= (3 if _norm(n).isascii() else 2)
               and (key.startswith(_norm(n)) or key.endswith(_norm(n))) for n in names):
            return role
    return None


def header_roles(cells: Sequence[str]) -> list[str] | None:
    """Roles from a header row, or None when the row is not a header (it names no term and no definition)."""
    roles = [header_role(c) for c in cells]
    named = [r for r in roles if r]
    if not named or ("term" not in named and "definition" not in named) or len(named) < max(2, len(cells) // 2):
        return None
    out: list[str] = []
    for role in roles:
        # A second column with a role already taken (two 用語 columns: 日本語 and 英語) is other.
        out.append(role if role and role not in out else ("english" if role == "term" and "english" not in out
                                                           else "other"))
    # 「英語, 日本語, 備考」: with no definition column, the remarks are what the glossary says of the term.
    out = [("definition" if "definition" not in out else "other") if r == "note" else r for r in out]
    if "term" not in out:
        # 「英語, 説明」: an English-only glossary names its terms in the English column; otherwise the
        # first column the header does not name (| Context | Term | 詳細情報 |, its 'Term' mistranslated).
        unnamed = [i for i, role in enumerate(roles) if role is None]
        out[out.index("english") if "english" in out else unnamed[0] if unnamed else 0] = "term"
    return out


def content_roles(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """Roles from what the cells hold, for a table without a header; None if no column reads as definitions."""
    width = max((len(r) for r in rows), default=0)
    if width < 2:
        return None
    columns = [[r[i].strip() for r in rows if i < len(r) and r[i].strip()] for i in range(width)]
    lengths = [sum(len(c) for c in col) / max(1, len(col)) for col in columns]
    sentence = [sum(1 for c in col if _SENTENCE.search(c)) / max(1, len(col)) for col in columns]
    definition = max(range(width), key=lambda i: (sentence[i] >= 0.5, lengths[i]))
    if lengths[definition] < 8 or sentence[definition] < 0.3:
        return term_list_roles(columns)
    roles = ["other"] * width
    roles[definition] = "definition"
    candidates = [i for i in range(width) if i != definition and columns[i] and lengths[i] <= 40]
    if not candidates:
        return None
    term = min(candidates, key=lambda i: (i > definition, i))  # the short column before the definition
    roles[term] = "term"
    for i in candidates:
        if i == term or not columns[i]:
            continue
        if all(_KANA.match(c) for c in columns[i]) and not all(_KANA.match(c) for c in columns[term]):
            roles[i] = "reading"
        elif all(_LATIN.match(c) for c in columns[i]) and not all(_LATIN.match(c) for c in columns[term]):
            roles[i] = "english"
    return roles


def with_other_names(term: str, english: Sequence[str], readings: Sequence[str]) -> str:
    """The headword as a glossary writes it when it gives more than one name: 「用語（english、よみ）」.

    The headword parser (ingest/terms.py) then gives the English name its language tag and the kana
    its reading role, exactly as for a headword written that way in running text.
    """
    # 「katatsuki (katatsuki-ruby)」 in an English cell gives two names, not a bracket inside a bracket.
    english = [re.sub(r"\s*[(（]([^()（）]*)[)）]", r"、\1", e) for e in english]
    extra = [e for e in english if e and e not in term] + [to_hiragana(r).replace(" ", "") for r in readings
                                                          if r and r not in term]
    return f"{term}（{'、'.join(extra)}）" if extra else term


def term_list_roles(columns: Sequence[Sequence[str]]) -> list[str] | None:
    """A term list without definitions (a translation table: error / エラー): the first column names
    the term, the others give it in another language or script. A column in the term's own language
    is not another name for it: an all-hiragana one is its reading, and the first other one is what
    the table says of the term ("about": | レプリケーター名 | コンポーネント名 | names the component)."""
    filled = [col for col in columns if col]
    if len(filled) < 2 or any(sum(len(c) for c in col) / len(col) > 30 for col in filled):
        return None
    if sum(1 for col in filled if col and all(_LATIN.match(c) for c in col)) == len(filled):
        return None  # all Latin: codes and values, not terms in two languages

    def latin(col: Sequence[str]) -> bool:
        return sum(1 for c in col if _LATIN.match(c)) * 2 > len(col)

    roles = ["term"]
    for col in columns[1:]:
        if not col:
            roles.append("other")
        elif latin(col) != latin(columns[0]):
            roles.append("translation")
        elif all(_HIRAGANA.match(c) for c in col) and not all(_HIRAGANA.match(c) for c in columns[0]):
            roles.append("reading")
        else:
            roles.append("about" if "about" not in roles else "other")
    return roles


def _term_cell(cell: str) -> str:
    lines = [re.sub(r"\s+", " ", line).strip() for line in cell.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) < 2:
        return cell
    readings = [line for line in lines[1:] if _HIRAGANA.match(line)]
    return with_other_names(lines[0], [line for line in lines[1:] if line not in readings], readings)


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    line_start: int  # 1-based source lines of the row
    line_end: int
    cell_spans: tuple[tuple[int, int], ...] = ()  # each cell's own lines, where the markup spreads a row out


def entries_from_rows(doc: str, rows: Sequence[Row], roles: Sequence[str], layout: str,
                      section: str | None = None) -> list[Entry]:
    """One entry per row that has a term and a definition; the other roles become the entry's fields."""
    out: list[Entry] = []
    for row in rows:
        values: dict[str, list[str]] = {}
        for role, cell in zip(roles, row.cells, strict=False):
            if role == "term":  # a term cell's further lines (<br>, a line break in a quoted cell) name it again
                cell = _term_cell(cell)
            cell = re.sub(r"\s+", " ", join_lines(cell.split("\n"))).strip()  # wrapped Japanese runs on
            if cell and role != "other":
                values.setdefault(role, []).append(cell)
        term = (values.get("term") or [""])[0]
        if _NOT_A_TERM.match(term):
            continue  # a change log's date in the first column (| 日付 | 変更内容 |)
        definition = " ".join(values.get("definition", []))
        # A cell that only repeats the term (a link to its page: | 単一データベース | [単一データベース](…) |)
        # says nothing more, but the row still lists the term.
        repeated = bool(definition) and definition == term
        definition = "" if repeated else definition
        names = values.get("english", []) + values.get("translation", [])
        said = [d for d in values.get("about", []) if d != term]
        definition = definition or " ".join(said)
        # A row needs a definition, or (in a term list) the term in another language, its reading or a
        # cell about it.
        if not term or not (definition or names or values.get("reading") or values.get("about") or repeated):
            continue
        term = with_other_names(term, names, values.get("reading", []))
        fields = tuple((role, value) for role in ROLES[1:]
                       if role not in ("term", "definition", "about", "english", "translation", "reading")
                       for value in values.get(role, []))
        category = values["category"][0] if values.get("category") else section
        head_line, span = row.line_start, SourceSpan(doc, row.line_start, row.line_end)
        if len(row.cell_spans) == len(row.cells):  # <td> per line: the headword and definition have lines of their own
            head_line = row.cell_spans[list(roles).index("term")][0]
            if "definition" in roles and definition:
                first, last = row.cell_spans[list(roles).index("definition")]
                span = SourceSpan(doc, first, last)
        out.append(Entry(doc, term, head_line, definition, (definition,) if definition else (),
                         span, category, layout, None, fields))
    return out
