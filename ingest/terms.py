"""Parse headwords into labels: 「X(Y)」, 「A/B」, acronyms, English names and kana readings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ingest.kana import to_katakana
from ingest.records import Label, LabelKind

ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9&.\-]{0,2}(?:[ \-]?[A-Z0-9&]{1,6}){0,3}$")
LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .,'&/\-]*$")
HIRAGANA = re.compile(r"^[\u3041-\u309fー]+$")
BRACKETS = re.compile(r"^(?P<outer>.+?)\s*[(（](?P<inner>[^()（）]+)[)）]\s*(?P<rest>.*)$")
MARKS = re.compile(r"[®™©]")
INNER_GROUP = re.compile(r"\s*[(（]([^()（）]+)[)）]")
NOTE_LABEL = re.compile(r"^\s*(?:訳注|原語|英語|英|略称?|略語|注|読み|よみ|en|ja)\s*[:：]\s*", re.IGNORECASE)


# What layouts wrap a term in, never part of it: list markers and numbering (■用語, 1. 用語, ①用語),
# Markdown and HTML markup, template syntax, heading attributes, a trailing colon.
LEADING_MARKERS = re.compile(r"^(?:[■□●○◆◇▼▽▲△★☆※・◎•►▶＊*+#\-]+\s*|(?:\d{1,3}[.)）．:]|[A-Za-z][.)）．])(?!\d)\s*|[(（]\d{1,3}[)）]\s*|[①-⑳㉑-㉟]\s*|第\d+[章節項]\s*)+")  # noqa: E501
MARKUP = re.compile(r"\*\*|__|`|<[^<>]{1,200}>|\{\{[^{}]*\}\}|\{%[^%]*%\}|\s*\{[#.][^{}]*\}\s*$")
MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")


# Labels are cleaned and keyed many times each (parsing, linking, relation targets, the index):
# both are pure functions of the text, so one answer per text serves the whole build.
@lru_cache(maxsize=262_144)
def clean_label(text: str) -> str:
    """Trim markers, markup, quotes, trademark signs and spacing from a label as written."""
    text = MARKS.sub("", text)
    text = MD_LINK.sub(lambda m: m[1] or m[2] or "", text)
    text = MARKUP.sub("", text).replace("\t", " ")
    text = LEADING_MARKERS.sub("", text.strip())
    text = re.sub(r"\s*[:：]+$|\s*など$", "", text)  # 「ES2016 など」: など ends a list, not a name (命令等 keeps 等)
    # A full stop ends a sentence, never a name: 「依存プロキシblob。」 is a translated cell's leftover.
    text = re.sub(r"[。．]+$", "", text.strip())
    text = text.strip().strip("「」『』\"'“”【】").strip()
    return re.sub(r"\s+", " ", text)


def is_acronym(text: str) -> bool:
    text = unicodedata.normalize("NFKC", text).strip()
    caps = sum(1 for ch in text if "A" <= ch <= "Z")
    return bool(ACRONYM.match(text)) and caps >= 2 and len(text) <= 10


def is_latin(text: str) -> bool:
    return bool(LATIN.match(unicodedata.normalize("NFKC", text).strip()))


def label_lang(text: str) -> str:
    return "en" if is_latin(text) and not is_acronym(text) else "ja"


def _split_alternatives(text: str) -> list[str]:
    # 「A/B」 and 「A / B」 list alternatives, but 「Support/Service Plans」 is one English name.
    if is_latin(text) and " " in text:
        parts = re.split(r"\s+[/／]\s+", text)
        # 「Return On Advertising Spend／ROAS」: a slash before an acronym separates two names.
        tail = re.split(r"\s*[/／]\s*", parts[-1])
        if len(tail) > 1 and is_acronym(tail[-1]):
            parts = [*parts[:-1], "/".join(tail[:-1]), tail[-1]]
    else:
        # 「ゲスト または ゲストユーザー」: a spaced conjunction lists variants like a slash does.
        parts = re.split(r"\s*[/／、,]\s*|[ \u3000]+(?:または|又は|もしくは|若しくは|あるいは|或いは)[ \u3000]+", text)
        parts = [piece for part in parts for piece in _japanese_then_english(part)]
    return [clean_label(p) for p in parts if clean_label(p)]


# 「個人を特定できる情報 Personally Identifiable Information」: a Japanese name, a space, then an English
# name of two or more words. (「Azure サービス」, English first, is one name; so is 「データ API」.)
_JA_THEN_EN = re.compile(r"^(?P<ja>.*[\u3040-\u30ff\u4e00-\u9fff].*?)[ \u3000]+(?P<en>[A-Za-z][A-Za-z0-9'&.\-]*(?: [A-Za-z0-9][A-Za-z0-9'&.\-]*)+)$")  # noqa: E501


def _japanese_then_english(text: str) -> list[str]:
    m = _JA_THEN_EN.match(text.strip())
    return [m["ja"], m["en"]] if m and not re.search(r"[A-Za-z]", m["ja"]) else [text]


_KATAKANA = re.compile(r"^[\u30a1-\u30faー・]+$")


def _spells_out(names: list[str], inner: str) -> bool:
    """「API（エーピーアイ）」, 「SaaS（サース）」: katakana after an acronym, about as long as its letters
    said aloud, is how it is read (「CS（カスタマーサティスファクション）」 is a name: far longer)."""
    if len(names) != 1 or not is_acronym(names[0]) or not _KATAKANA.match(inner):
        return False
    letters = sum(1 for ch in names[0] if ch.isalnum())
    return len(inner.replace("ー", "").replace("・", "")) <= 3 * letters


@dataclass(frozen=True, slots=True)
class ParsedName:
    pref: str
    pref_lang: str
    labels: tuple[Label, ...]  # every label except the preferred one


def parse_name(raw: str) -> ParsedName | None:
    """Split a headword (or a quoted target) into a preferred label and typed other labels."""
    raw = clean_label(raw)
    if not raw:
        return None
    outer, inner = raw, ""
    if m := BRACKETS.match(raw):
        outer, inner = m["outer"], m["inner"]
        if m["rest"]:
            outer = f"{outer} {m['rest']}".strip()
    # 「証明局 (訳注: Certification Authority) (CA)」: every bracketed group names the term once more;
    # a note label inside one (訳注:, 英:, 略:) is not part of the name.
    extra = INNER_GROUP.findall(outer) if BRACKETS.match(outer) else []
    outer = INNER_GROUP.sub(" ", outer).strip() if extra else outer
    inner_parts = [p for group in (inner, *extra) if group for p in _split_alternatives(NOTE_LABEL.sub("", group))]
    outer_parts = _split_alternatives(outer)
    pieces = outer_parts + inner_parts
    acronyms = [p for p in pieces if is_acronym(p)]
    readings = [p for p in inner_parts if HIRAGANA.match(p) or _spells_out(outer_parts, p)]
    names = [p for p in pieces if p not in acronyms and p not in readings]
    if not names and not acronyms:
        return None
    # The full form is preferred over an acronym (CS(顧客満足) -> 顧客満足), Japanese over English
    # when both are names of the headword itself.
    english = [n for n in names if label_lang(n) == "en"]
    japanese = [n for n in names if n not in english]
    pref = japanese[0] if japanese else names[0] if names else acronyms[0]
    names = [pref] + [n for n in names if n != pref]
    labels: list[Label] = []
    for name in names[1:]:
        if name in english and acronyms:
            labels.append(Label(name, "en", LabelKind.EXPANSION, expansion_of=acronyms[0]))
        else:
            labels.append(Label(name, label_lang(name), LabelKind.ALT))
    for acronym in acronyms:
        if acronym == pref:
            continue
        long_form = next((n for n in english if n != pref), None) or (pref if pref != acronym else None)
        labels.append(Label(acronym, "en", LabelKind.ABBREVIATION, expansion_of=long_form))
    for reading in readings:
        labels.append(Label(reading, "ja", LabelKind.READING))
    return ParsedName(pref, label_lang(pref), tuple(labels))


def abbreviation_links(pref: str, labels: Sequence[Label]) -> list[tuple[str, str]]:
    """(short form, long form) pairs the graph states with kgo:abbreviationOf.

    An abbreviation abbreviates the long form the text pairs it with (「AHT(平均処理時間)」) and every
    expansion the text gives (「Average Handling Timeの頭文字をとって「AHT」」); with neither, the
    concept's preferred label.
    """
    links = []
    for label in labels:
        if label.kind is not LabelKind.ABBREVIATION:
            continue
        longs = [label.expansion_of] if label.expansion_of else []
        longs += [lb.text for lb in labels if lb.kind is LabelKind.EXPANSION and lb.expansion_of in (None, label.text)]
        for long_form in dict.fromkeys(longs or [pref]):
            if long_form != label.text:
                links.append((label.text, long_form))
    return links


SUBJECT = re.compile(r"^[「『]?(?P<subject>[^、。「」]{1,40}?)[」』]?\s*(とは|には|では|は)[、,\s]")


def definition_subject(definition: str) -> str | None:
    """The name a definition opens with: 「セルフサービスポータルは、…」 -> セルフサービスポータル."""
    m = SUBJECT.match(definition.strip())
    if not m:
        return None
    subject = m["subject"].strip()
    if len(subject) < 2 or re.search(r"[をがにでの]$", subject):
        return None
    # A clause, not a name: 「あるコンポーネントが…関連付けられている場合は」 has particles and a verb.
    if re.search(r"[がをにで](?![\u30a0-\u30ff\u4e00-\u9fff]*$)", subject) and len(subject) > 12:
        return None
    if re.search(r"(?:場合|とき|時|ため|ので|から|ように)$", subject):
        return None
    return subject


_KEY_DROP = re.compile(r"[\s・･·\-‐‑–—ー〜~_]")


@lru_cache(maxsize=262_144)
def label_key(text: str) -> str:
    """Normalised form used to decide that two labels name the same thing.

    NFKC (full/half width), case, hiragana -> katakana, and no spaces, middle dots or
    long-vowel marks, so オペレータ / オペレーター / ｵﾍﾟﾚｰﾀｰ share one key.
    """
    text = unicodedata.normalize("NFKC", clean_label(text)).casefold()
    text = to_katakana(text)
    return _KEY_DROP.sub("", text)
