"""Sudachi normalised forms: spelling variants meet, and more words find a vector."""

from __future__ import annotations

from search.lexical import PREF, LabelIndex, analyze


def test_a_variant_spelling_finds_the_label():
    index = LabelIndex()
    index.add(0, "シミュレーション", PREF)
    index.add(1, "稼動率", PREF)
    index.freeze()
    assert [h.doc for h in index.lookup("シュミレーション")] == [0]
    assert [h.doc for h in index.lookup("稼働率")] == [1]


def test_bm25_terms_carry_the_normalised_spelling():
    assert "稼働" in analyze("稼動状況を確認する")
    assert "問い合わせ" in analyze("問合せ窓口")


def test_sudachi_forms_find_more_vectors_on_the_corpus_definitions(service):
    embedder = service.embedder
    texts = [d for doc in service.artifact.searcher.index.docs for d in doc.definitions]
    before, total = embedder.vocabulary_hits(texts, sudachi=False)
    after, total_after = embedder.vocabulary_hits(texts, sudachi=True)
    assert total == total_after > 1000
    assert after > before


def test_a_variant_spelled_question_finds_the_term(service):
    assert service.suggest("稼動率", limit=1)[0].pref_label == "稼働率"
