"""Gojūon collation: the order Japanese glossaries list their terms in."""

from __future__ import annotations

import re
import unicodedata

from ingest.tokenize import reading_of

_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
LATIN = "\uffff"  # Latin-script terms sort after ン, as in most Japanese glossaries


def _seion(ch: str) -> str:
    # ガ -> カ, パ -> ハ: dakuten and handakuten do not change a term's place in the list.
    decomposed = unicodedata.normalize("NFD", ch)
    return unicodedata.normalize("NFC", decomposed[0]) if decomposed else ch


def collation_key(term: str) -> str:
    """A string whose ordering is the gojūon ordering of term (Latin terms at the end)."""
    text = unicodedata.normalize("NFKC", term).strip()
    if not text:
        return ""
    if re.match(r"[A-Za-z0-9]", text):
        return LATIN + text.lower()
    reading = reading_of(text)
    reading = "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in reading)
    reading = reading.translate(_SMALL).replace("ー", "")
    return "".join(_seion(c) for c in reading if "\u30a0" <= c <= "\u30ff")


def is_ordered(keys: list[str], tolerance: float = 0.8) -> bool:
    """True when consecutive keys are mostly non-decreasing (the list is in gojūon order)."""
    pairs = [(a, b) for a, b in zip(keys, keys[1:], strict=False) if a and b]
    if len(pairs) < 4:
        return False
    return sum(1 for a, b in pairs if a <= b) / len(pairs) >= tolerance
