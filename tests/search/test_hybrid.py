"""Search behaviour on the index built from the bundled corpus."""

from __future__ import annotations

import pytest


def first(service, query):
    hits = service.suggest(query, limit=5)
    return hits[0] if hits else None


@pytest.mark.parametrize(("query", "label"), [
    ("放棄呼率", "放棄呼率"),
    ("AHTって何", "AHT"),
    ("ｶｽﾀﾏｰｻｸｾｽ", "カスタマーサクセス"),
    ("こーるせんたー", "コールセンター"),
    ("first contact resolution", "First Contact Resolution"),
    ("まちこ", "まちこ"),
])
def test_label_and_normalised_hits_come_first(service, query, label):
    hit = first(service, query)
    assert hit is not None and hit.match_type != "hybrid"
    assert hit.matched_label == label


def test_kana_reading_finds_a_kanji_term(service):
    hit = first(service, "こそんりつ")
    assert hit.pref_label == "呼損率" and hit.match_type == "reading"


def test_paraphrase_finds_the_abandoned_call_concepts(service):
    labels = [h.pref_label for h in service.suggest("電話がつながる前に切られた割合は?", limit=5)]
    assert {"呼損率", "呼損", "放棄呼"} & set(labels)


def test_each_concept_appears_once(service):
    hits = service.suggest("カスタマー", limit=20)
    assert len({h.uri for h in hits}) == len(hits)


def test_hits_explain_themselves(service):
    hit = service.suggest("後処理にかかる時間の平均", limit=1)[0]
    assert hit.match_type == "hybrid"
    assert {"bm25", "ngram"} <= set(hit.scores)
    assert hit.definition


def test_autocomplete_matches_kana_prefixes(service):
    labels = [h.pref_label for h in service.complete("かす")]
    assert any(label.startswith("カスタマー") for label in labels)


def test_asking_for_the_opposite_follows_the_antonym_edge(service):
    hit = first(service, "コストセンターの反対は?")
    assert hit.pref_label == "プロフィットセンター" and hit.match_type == "antonym"


def test_antonyms_are_not_answers_for_similarity(service):
    labels = [h.pref_label for h in service.suggest("コストセンター", limit=5)]
    assert labels[0] == "コストセンター"
    assert "プロフィットセンター" not in labels[:1]


def test_a_kanji_homophone_finds_the_term_through_its_reading(service):
    # 律 for 率 (both リツ): an IME slip, not an edit-distance typo of the label's characters.
    hit = first(service, "放棄呼律")
    assert hit is not None and hit.match_type == "reading"
    assert hit.pref_label in {"放棄呼率", "呼損率"}
    assert {h.pref_label for h in service.suggest("稼動率", limit=3)} >= {"稼働率"}


def test_an_inflected_english_word_finds_its_katakana_loanword(service):
    hit = first(service, "upselling")  # e2k alone gives アプセリング
    assert hit is not None and hit.pref_label == "アップセル" and hit.match_type == "prefLabel"


def test_a_clipped_word_finds_the_label_it_begins(service):
    # エスカレ is how people clip エスカレーション; エスカレーション管理 begins with it too, the shorter label first.
    hits = service.suggest("エスカレ", limit=3)
    assert [h.match_type for h in hits[:2]] == ["prefix", "prefix"]
    assert hits[0].pref_label == "エスカレーション"


def test_a_short_word_that_begins_many_labels_is_not_a_clipped_label(service):
    # Dozens of labels begin with コール: no prefix guess, the hybrid ranking answers.
    assert all(h.match_type != "prefix" for h in service.suggest("コール", limit=10))


@pytest.mark.parametrize("query", ["放棄呼率", "こそんりつ", "エスカレ", "コストセンターの反対は?", "放棄呼律", "カスタマーサクセ",
                                   "後処理にかかる時間の平均", "customer satisfaction"])
def test_every_hit_says_how_it_was_found(service, query):
    from search.hybrid import MATCH_KINDS

    hits = service.suggest(query, limit=10)
    assert hits and {h.match_type for h in hits} <= set(MATCH_KINDS)


def test_a_whole_word_at_the_start_of_a_compound_is_not_a_clipped_label():
    """コンテナ is a word of its own, broader than コンテナランタイム: guessing the compound would answer a
    question the glossary cannot; エスカレ ends inside a word, so it is a clipping."""
    from search.hybrid import Searcher, clipped
    from search.index import ConceptDoc, ConceptIndex

    assert clipped("エスカレ", "エスカレーション管理") and clipped("てれま", "テレマーケティング")
    assert not clipped("コンテナ", "コンテナランタイムインターフェース")
    docs = [ConceptDoc("urn:a", {"ja": "コンテナランタイムインターフェース"}, definitions=["コンテナを動かすソフトウェアとの接点。"]),
            ConceptDoc("urn:b", {"ja": "エスカレーション管理"}, definitions=["上位者への引き継ぎを管理すること。"])]
    searcher = Searcher(ConceptIndex(docs, None, None))
    assert all(h.match_type != "prefix" for h in searcher.suggest("コンテナ", include_unconfident=True))
    assert searcher.suggest("エスカレ")[0].match_type == "prefix"
