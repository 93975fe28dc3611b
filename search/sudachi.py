"""Sudachi normalised forms: the keys of the chiVe (ja-ginza) vectors, and one spelling for variants.

Sudachi's normalised form writes spelling variants one way (稼動 -> 稼働, シュミレーション ->
シミュレーション, 問合せ -> 問い合わせ). The static embedding model's keys are these forms, so a word
UniDic lemmatises differently can still find its vector; and labels and queries compare on them, so
a variant spelling meets the label.
"""

from __future__ import annotations

import functools
import threading

_local = threading.local()
_MAX_CHARS = 2000  # Sudachi refuses inputs over ~49 kB; labels and words are far shorter


@functools.cache
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


def _tokenizer():
    # One tokenizer per thread: a Sudachi tokenizer keeps per-call state.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _local.tokenizer = _dictionary().tokenizer()
    return tokenizer


@functools.lru_cache(maxsize=65536)
def normalized_forms(text: str) -> tuple[str, ...]:
    """Sudachi normalised forms of text's words (split mode C: the longest dictionary units)."""
    from sudachipy import SplitMode

    text = text[:_MAX_CHARS]
    if not text.strip():
        return ()
    return tuple(m.normalized_form() for m in _tokenizer().tokenize(text, SplitMode.C))


def normalized_text(text: str) -> str:
    """text with every word in its normalised spelling: 稼動率 -> 稼働率."""
    return "".join(normalized_forms(text))


def normalized_word(word: str) -> str | None:
    """The normalised form of one word, or None when Sudachi reads it as several words."""
    forms = normalized_forms(word)
    return forms[0] if len(forms) == 1 else None
