"""Gojūon collation: the order Japanese glossaries list their terms in."""

from __future__ import annotations

import itertools
import re
import unicodedata

from ingest.kana import full_size, seion, to_katakana
from ingest.tokenize import reading_of

LATIN = "\uffff"  # Latin-script terms sort after ン, as in most Japanese glossaries


def collation_key(term: str) -> str:
    """A string whose ordering is the gojūon ordering of term (Latin terms at the end)."""
    text = unicodedata.normalize("NFKC", term).strip()
    if not text:
        return ""
    if re.match(r"[A-Za-z0-9]", text):
        return LATIN + text.lower()
    reading = reading_of(text)
    reading = full_size(to_katakana(reading)).replace("ー", "")
    # ガ -> カ, パ -> ハ: dakuten and handakuten do not change a term's place in the list.
    return "".join(seion(c) for c in reading if "\u30a0" <= c <= "\u30ff")


def is_ordered(keys: list[str], tolerance: float = 0.8) -> bool:
    """True when consecutive keys are mostly non-decreasing (the list is in gojūon order)."""
    pairs = [(a, b) for a, b in itertools.pairwise(keys) if a and b]
    if len(pairs) < 4:
        return False
    return sum(1 for a, b in pairs if a <= b) / len(pairs) >= tolerance
