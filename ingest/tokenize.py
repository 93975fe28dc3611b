"""Japanese tokenization with fugashi + unidic-lite, shared by ingest and search."""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# UniDic top-level parts of speech that carry meaning for indexing and term candidates.
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "接尾辞"})
# Tokens whose first POS is one of these never start or end a term.
FUNCTION_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})


@dataclass(frozen=True, slots=True)
class Token:
    """One UniDic short unit with the fields the pipeline uses."""

    surface: str
    pos: str  # pos1, e.g. 名詞
    pos2: str  # pos2, e.g. 普通名詞
    lemma: str  # lemma with the loanword gloss stripped: オペレーター-operator -> オペレーター
    origin: str  # English origin of a loanword ("operator"), else ""
    reading: str  # katakana reading (UniDic kana), surface when unknown
    goshu: str  # word origin class: 和 / 漢 / 外 / 混 / 固 / 記号

    @property
    def is_content(self) -> bool:
        return self.pos in CONTENT_POS


_local = threading.local()


def _tagger():
    # One tagger per thread: a MeCab tagger keeps per-parse state and is not safe to share
    # between the threads of a web worker. Created lazily (loading the dictionary takes ~0.1 s).
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def _split_lemma(lemma: str | None, surface: str) -> tuple[str, str]:
    if not lemma:
        return surface, ""
    base, sep, origin = lemma.partition("-")
    if sep and origin and origin.isascii():
        return base, origin
    return lemma, ""


# One Token per distinct (surface, UniDic feature string): a glossary uses a few thousand words, so
# reading a token is one dict lookup instead of parsing its feature fields (most of tokenize's own
# time). Within one text every occurrence is still its own object: callers tell occurrences apart
# by identity (the genus of a definition vs. the same word elsewhere in it). Bounded: a long-running
# service sees open-ended text.
_TOKENS: dict[tuple[str, str], Token] = {}
_MAX_TOKENS = 500_000


def _token(word) -> Token:
    feature = word.feature
    surface = word.surface
    lemma, origin = _split_lemma(getattr(feature, "lemma", None), surface)
    reading = getattr(feature, "kana", None) or ""
    if not reading or reading == "*":
        reading = surface
    return Token(surface=surface, pos=feature.pos1 or "", pos2=feature.pos2 or "", lemma=lemma, origin=origin,
                 reading=reading, goshu=getattr(feature, "goshu", None) or "")


# Texts whose tokens are kept while a build asks for them (remembered_tokens): the build tokenizes
# what its index will need while the store loads on other cores, and the index finds them here.
_REMEMBERED: dict[str, tuple[Token, ...]] | None = None


@contextmanager
def remembered_tokens() -> Iterator[None]:
    """Within the block, tokenize() keeps every text's tokens and answers a text it has seen from them."""
    global _REMEMBERED
    _REMEMBERED = {}
    try:
        yield
    finally:
        _REMEMBERED = None


def tokenize(text: str) -> list[Token]:
    """Split text into UniDic short units."""
    remembered = _REMEMBERED
    if remembered is not None:
        seen = remembered.get(text)
        if seen is not None:
            return list(seen)
    tokens = _tokenize(text)
    if remembered is not None:
        remembered[text] = tuple(tokens)
    return tokens


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    known = _TOKENS
    used: set[int] = set()  # ids of the shared Tokens this text has used
    for word in _tagger()(text):
        key = (word.surface, word.feature_raw)
        token = known.get(key)
        if token is None:
            token = _token(word)
            if len(known) < _MAX_TOKENS:
                known[key] = token
        elif id(token) in used:  # a second occurrence in this text: an object of its own
            token = Token(token.surface, token.pos, token.pos2, token.lemma, token.origin, token.reading, token.goshu)
        used.add(id(token))
        tokens.append(token)
    return tokens


def content_lemmas(text: str) -> list[str]:
    """Lemmas of the content words of text, NFKC-lowercased (the BM25 vocabulary)."""
    out = []
    for token in tokenize(text):
        if token.pos in CONTENT_POS:
            out.append(unicodedata.normalize("NFKC", token.lemma).lower())
    return out


def reading_of(text: str) -> str:
    """Katakana reading of text from UniDic; characters without a reading are kept."""
    return "".join(token.reading for token in tokenize(text))
