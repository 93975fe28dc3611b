"""English questions through JMdict (needs the compiled file from `make model`)."""

from __future__ import annotations

import pytest

from ingest.jmdict import DEFAULT_PATH

needs_jmdict = pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason=f"{DEFAULT_PATH} missing: run `make model`")


@pytest.fixture(scope="module")
def lexicon():
    from search.english_lexicon import EnglishLexicon

    return EnglishLexicon.open()


@needs_jmdict
def test_a_whole_gloss_beats_its_words(lexicon):
    translation = lexicon.translate("customer satisfaction")
    assert translation.labels[0][0] == "顧客満足"
    assert "顧客満足度" in dict(translation.labels)


@needs_jmdict
def test_frequent_senses_come_first(lexicon):
    words = dict(lexicon.translate("rate").words)
    assert "割合" in words  # not only the rare senses an exact-gloss lookup first meets


@needs_jmdict
def test_function_words_are_not_translated(lexicon):
    assert lexicon.translate("the of in").words == []


@needs_jmdict
def test_employee_satisfaction_is_not_customer_satisfaction(service):
    hits = service.suggest("employee satisfaction", limit=3)
    assert hits and hits[0].pref_label == "従業員満足度"


@needs_jmdict
def test_an_english_phrase_finds_a_japanese_term_through_its_translation(service):
    hits = service.suggest("customer satisfaction", limit=3)
    assert {"顧客満足度", "顧客満足"} & {h.pref_label for h in hits} or hits[0].pref_label == "Customer Satisfaction"
    assert service.suggest("after-call work time", limit=1)[0].pref_label in {"平均後処理時間", "後処理時間", "ACW"}


@needs_jmdict
def test_english_question_wrappers_and_opposites(service):
    assert service.suggest("what is AHT?", limit=1)[0].matched_label == "AHT"
    hit = service.suggest("opposite of cost center", limit=1)[0]
    assert hit.pref_label == "プロフィットセンター" and hit.match_type == "antonym"


def test_english_words_are_indexed_by_their_stem():
    from search.lexical import analyze

    terms = analyze("Average Handling Time: handled calls")
    assert {"call", "calls", "handl", "time"} <= set(terms)
    assert "カスタマー" not in analyze("Customer")  # English stays English, not a loanword


@needs_jmdict
def test_an_english_word_takes_the_sense_the_glossary_writes(lexicon):
    """"calls": JMdict's first senses are 呼びかけ and 訪問; a glossary of telephone work writes コール."""
    from search.hybrid import Searcher
    from search.index import ConceptDoc, ConceptIndex

    docs = [
        ConceptDoc("urn:a", {"ja": "放棄コール"}, definitions=["オペレーターが応答する前に顧客が切ったコール。コールの放棄。"]),
        ConceptDoc("urn:b", {"ja": "訪問販売"}, definitions=["家を訪問して商品を売ること。"]),
        ConceptDoc("urn:c", {"ja": "応答率"}, definitions=["かかってきたコールのうち応答できたコールの割合。"]),
    ]
    searcher = Searcher(ConceptIndex(docs, None, None), english=lexicon)
    written, _groups = searcher._written_translations(lexicon.translate("calls"))
    assert written == ["コール"]
    hits = searcher.suggest("abandoned calls", limit=3, include_unconfident=True)
    assert hits[0].pref_label != "訪問販売" and {"放棄コール", "応答率"} == {h.pref_label for h in hits[:2]}


def test_only_a_short_english_question_is_tried_as_a_katakana_loanword(monkeypatch):
    """A description is not a loanword: transliterating it costs ~25 ms a word and matches no label."""
    import search.hybrid
    from search.hybrid import Searcher
    from search.index import ConceptDoc, ConceptIndex

    asked: list[str] = []
    monkeypatch.setattr(search.hybrid, "to_katakana", lambda text: asked.append(text) or "エスカレーション")
    docs = [ConceptDoc("urn:a", {"ja": "エスカレーション"}, definitions=["上位の担当者に対応を引き継ぐこと。"])]
    searcher = Searcher(ConceptIndex(docs, None, None))
    assert searcher.suggest("escalation")[0].pref_label == "エスカレーション"
    assert asked == ["escalation"]
    asked.clear()
    searcher.suggest("handing a difficult call over to a more senior colleague", include_unconfident=True)
    assert asked == []


@needs_jmdict
def test_a_japanese_word_gives_its_first_glosses_in_label_forms(lexicon):
    assert lexicon.english_of("時間切れ")[:4] == ("passing the deadline", "time-out", "timeout", "time out")
    assert "option" in lexicon.english_of("選択肢")  # options, singular
    assert "load" in lexicon.english_of("読み込み中")  # 読み込み: loading, stemmed


@needs_jmdict
def test_only_a_one_character_suffix_is_dropped_to_find_a_word(lexicon):
    assert lexicon.english_of("設定項目") == ()  # not 設定's "setting": 項目 is a word of its own
