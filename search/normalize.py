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
# 「SVってどういう役職?」「ACDとはどんな装置?」 ask what kind of thing X is: X is what is asked about (only
# after って/とは, whose X is a topic; after は, X may be the start of a description).
_WRAPPERS = re.compile(
    r"(?:(?:って|とは|は)(?:何|なに|なん|どういう(?:意味|こと))(?:のこと)?(?:です|でしょう)?か?|"
    r"(?:って|とは)(?:どういう|どんな|どのような)[^\s、。?？!！]{1,10}?(?:のこと)?(?:です|でしょう)?か?|"
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
def _question_frames() -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """(min_left, endings, particles), each longest first, from question_frames.json beside this module."""
    data = json.loads((Path(__file__).with_name("question_frames.json")).read_text(encoding="utf-8"))

    def longest_first(words: list[str]) -> tuple[str, ...]:
        return tuple(sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True))

    return int(data.get("min_left", 2)), longest_first(data["endings"]), longest_first(data.get("particles", []))


def _cut(text: str, endings: tuple[str, ...], min_left: int) -> str | None:
    """text without the first of endings it ends with, or None."""
    for ending in endings:
        if text.endswith(ending) and len(text) - len(ending) >= min_left:
            return _TRAILING.sub("", text[: -len(ending)])
    return None


def strip_frame(text: str) -> str:
    """text without the question frame that ends it: 「…方式は何と呼ばれる」 -> 「…方式」."""
    min_left, endings, particles = _question_frames()
    while (cut := _cut(text, endings, min_left)) is not None:
        text = cut
        while (bare := _cut(text, particles, min_left)) is not None:  # 「…見積もるのって」
            if text.endswith("の") and bare == text[:-1] and not _NOMINALISED.search(bare):
                break  # 「…もの」 is a noun, not the の of 「見積もるの」
            text = bare
    return text


# A verb or adjective in its plain form (見積もる, ない, した) before the の that makes it a noun.
_NOMINALISED = re.compile(r"[うくぐすつぬぶむるいた]$")


def strip_question(text: str) -> str:
    """The thing asked about, without question wrappers: 「AHTって何?」 -> 「AHT」, "what is AHT?" -> "AHT"."""
    text = unicodedata.normalize("NFKC", text).strip()
    if (english := _EN_WRAPPER.match(text)) is not None:
        text = next(g for g in english.groups() if g)
    previous = None
    while previous != text:
        previous = text
        bare = _TRAILING.sub("", text)
        if (framed := strip_frame(bare)) != bare:
            text = framed
        else:
            text = _TRAILING.sub("", _WRAPPERS.sub("", text).strip())
    return text or previous or ""


def is_kana(text: str) -> bool:
    text = normalize(text)
    return bool(text) and all("\u30a1" <= ch <= "\u30ff" for ch in text)
