"""English words to katakana, so 「escalation」 meets エスカレーション (the e2k package, weights in its wheel)."""

from __future__ import annotations

import functools
import re

_LATIN_WORDS = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")


@functools.cache
def _converter():
    from e2k import C2K  # imported lazily: loading the model takes ~0.1 s

    return C2K()


def is_english_phrase(text: str) -> bool:
    """Latin words with at least one lower-case letter (「AHT」 is an acronym, not English prose)."""
    text = text.strip()
    return bool(_LATIN_WORDS.match(text)) and any(ch.islower() for ch in text)


@functools.lru_cache(maxsize=4096)
def to_katakana(text: str) -> str:
    """Katakana rendering of an English phrase, word by word (spaces dropped)."""
    words = re.split(r"[\s\-]+", text.strip().lower())
    return "".join(_converter()(w) for w in words if w)


def stemmed(text: str) -> str:
    """The phrase with -ing and plural -s taken off its words: 「upselling」 -> 「upsell」.

    Katakana loanwords are usually the bare stem (アップセル, エスカレーション), while e2k renders
    the inflected form literally (アプセリング).
    """
    words = []
    for word in re.split(r"[\s\-]+", text.strip().lower()):
        if len(word) > 5 and word.endswith("ing"):
            word = word[:-3]
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        words.append(word)
    return " ".join(w for w in words if w)
