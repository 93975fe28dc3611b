"""Japanese tokenization with fugashi + unidic-lite, shared by ingest and search."""

from __future__ import annotations

import threading
import unicodedata
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


def tokenize(text: str) -> list[Token]:
    """Split text into UniDic short units."""
    tokens: list[Token] = []
    for word in _tagger()(text):
        feature = word.feature
        surface = word.surface
        lemma, origin = _split_lemma(getattr(feature, "lemma", None), surface)
        reading = getattr(feature, "kana", None) or ""
        if not reading or reading == "*":
            reading = surface
        tokens.append(
            Token(
                surface=surface,
                pos=feature.pos1 or "",
                pos2=feature.pos2 or "",
                lemma=lemma,
                origin=origin,
                reading=reading,
                goshu=getattr(feature, "goshu", None) or "",
            )
        )
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
