"""search.lexical: the n-gram index built with numpy holds what counting each text's grams gives."""

from __future__ import annotations

import math

import numpy as np

from search.lexical import CharNgramIndex, _char_ngrams

# Lines of real glossaries (bundled and third-party layouts), plus the awkward cases: full-width
# letters (normalised), a character outside the BMP, empty and one-character texts, a NUL.
TEXTS = [
    "放棄呼率 電話がつながる前に発信者が切断した呼の割合。",
    "ACD（Automatic Call Distributor）着信呼を待機中のオペレーターに自動で振り分ける装置。",
    "オンプレミス　自社で保有する設備にシステムを置く運用形態。クラウドの対義語。",
    "ＳａａＳ Software as a Serviceの略。",
    "𠮷野家の「𠮷」はサロゲートペアで表される。",
    "",
    "a",
    "ab",
    "x\x00y",
]


def reference(texts: list[str]) -> dict[str, dict[int, float]]:
    """Sublinear tf × smoothed idf, L2-normalised per document, from each text's own gram counts."""
    counted = [_char_ngrams(t) for t in texts]
    df: dict[str, int] = {}
    for grams in counted:
        for gram in grams:
            df[gram] = df.get(gram, 0) + 1
    n = max(1, len(texts))
    out: dict[str, dict[int, float]] = {gram: {} for gram in df}
    for doc, grams in enumerate(counted):
        weights = {g: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[g])) + 1) for g, c in grams.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for gram, weight in weights.items():
            out[gram][doc] = weight / norm
    return out


def test_ngram_postings_match_counting_each_text():
    index = CharNgramIndex(TEXTS)
    expected = reference(TEXTS)
    # Terms in the order a Counter over the texts first sees them (the saved index depends on it).
    assert index.postings.terms == list(expected)
    for gram, by_doc in expected.items():
        docs, values = index.postings.get(gram)
        assert docs.tolist() == sorted(by_doc), gram
        np.testing.assert_allclose(values, [by_doc[d] for d in sorted(by_doc)], rtol=1e-6)
    assert "\x00y" in index.postings and "𠮷野" in index.postings and "saa" in index.postings


def test_ngram_search_ranks_the_text_that_shares_the_grams():
    index = CharNgramIndex(TEXTS)
    assert index.search("つながる前に切られた呼の割合")[0][0] == 0
    assert CharNgramIndex([]).search("呼") == [] and CharNgramIndex([""]).search("呼") == []
