"""Japanese normalisation applied identically to labels and queries."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from pathlib import Path

from ingest.kana import to_katakana
from ingest.terms import label_key

# 「〜とは」「〜って何」「〜の意味」「〜を教えて」 and question marks wrap the thing asked about.
_WRAPPERS = re.compile(
    r"(?:(?:って|とは|は)(?:何|なに|なん|どういう(?:意味|こと))(?:のこと)?(?:です|でしょう)?か?|"
    r"って|とは|の意味(?:は|を教えて(?:ください)?)?|の意味を?知りたい|を教えて(?:ください|下さい)?|"
    r"について(?:教えて(?:ください)?)?|の定義|とは何ぞや|は(?=\s*[?？]))"
    r"[\s?？!！。]*$"
)
_TRAILING = re.compile(r"[\s?？!！。、]+$")
_KATAKANA_LONG = re.compile(r"(?<=[\u30a1-\u30fa])[ｰ\-‐‑–—〜~](?=[\u30a1-\u30fa]|$)")


_VU = (("ヴァ", "バ"), ("ヴィ", "ビ"), ("ヴェ", "ベ"), ("ヴォ", "ボ"), ("ヴ", "ブ"))


def normalize(text: str) -> str:
    """NFKC, lower-case Latin, hiragana -> katakana, one long-vowel mark, no spaces or middle dots."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = to_katakana(text)
    for vu, plain in _VU:  # スーパーヴァイザー and スーパーバイザー are one word
        text = text.replace(vu, plain)
    text = _KATAKANA_LONG.sub("ー", text)
    return re.sub(r"[\s・･·]", "", text)


def loose_key(text: str) -> str:
    """normalize() without long-vowel marks, so オペレータ and オペレーター meet."""
    return label_key(normalize(text))


# "what is an X?", "what does X mean", "meaning of X", "define X" wrap the English thing asked about.
_EN_WRAPPER = re.compile(
    r"^(?:(?:what|who)\s+(?:is|are|does|do)\s+(?:an?\s+|the\s+)?(?P<a>.+?)(?:\s+(?:mean|stand\s+for))?|"
    r"(?:the\s+)?(?:meaning|definition)\s+of\s+(?:an?\s+|the\s+)?(?P<b>.+?)|define\s+(?P<c>.+?))\s*[?？.!]*$",
    re.IGNORECASE)


@functools.cache
def _question_frames() -> tuple[int, tuple[str, ...]]:
    """(min_left, endings longest first) from question_frames.json beside this module."""
    data = json.loads((Path(__file__).with_name("question_frames.json")).read_text(encoding="utf-8"))
    endings = {unicodedata.normalize("NFKC", e) for e in data["endings"] if e}
    return int(data.get("min_left", 2)), tuple(sorted(endings, key=len, reverse=True))


def strip_frame(text: str) -> str:
    """text without the question frame that ends it: 「…方式は何と呼ばれる」 -> 「…方式」."""
    min_left, endings = _question_frames()
    changed = True
    while changed:
        changed = False
        for ending in endings:
            if text.endswith(ending) and len(text) - len(ending) >= min_left:
                text = _TRAILING.sub("", text[: -len(ending)])
                changed = True
                break
    return text


def strip_question(text: str) -> str:
    """The thing asked about, without question wrappers: 「AHTって何?」 -> 「AHT」, "what is AHT?" -> "AHT"."""
    text = unicodedata.normalize("NFKC", text).strip()
    if (english := _EN_WRAPPER.match(text)) is not None:
        text = next(g for g in english.groups() if g)
    previous = None
    while previous != text:
        previous = text
        text = strip_frame(_TRAILING.sub("", text))
        text = _WRAPPERS.sub("", text).strip()
        text = _TRAILING.sub("", text)
    return text or previous or ""


def is_kana(text: str) -> bool:
    text = normalize(text)
    return bool(text) and all("\u30a1" <= ch <= "\u30ff" for ch in text)
