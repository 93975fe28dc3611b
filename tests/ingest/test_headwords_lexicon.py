"""Headword candidates beyond the text: the JMdict reverse dictionary, learned title topics, no placeholders."""

from __future__ import annotations

import pytest

from ingest.headwords import recover_headwords, title_term, title_topics
from ingest.jmdict import DEFAULT_PATH
from ingest.lexicon import ReverseDictionary
from ingest.profile import load_profile
from ingest.records import Entry, SourceSpan

needs_jmdict = pytest.mark.skipif(
    not DEFAULT_PATH.is_file(), reason=f"{DEFAULT_PATH} missing: run `make model` first"
)


@pytest.fixture(scope="module")
def lexicon():
    dictionary = ReverseDictionary.open_default()
    assert dictionary is not None
    return dictionary


def _entry(definition: str, line: int, doc: str = "bare.txt", title: str | None = None) -> Entry:
    return Entry(doc, None, None, definition, (definition,), SourceSpan(doc, line, line), title=title)


def _labels(candidates) -> list[str]:
    return [c.label for c in candidates]


@needs_jmdict
def test_a_compound_of_a_definition_word_and_a_short_synonym_of_its_genus(lexicon):
    found = lexicon.candidates("オペレーターが対応中に保留をかけたコール数の割合を示す数値。", limit=16)
    by_label = {c.label: c for c in found}
    assert "保留率" in by_label  # 保留 + 率, since JMdict glosses 率 and 割合 alike ("rate", "ratio")
    assert "率≈割合" in by_label["保留率"].evidence


@needs_jmdict
def test_a_loanword_whose_english_gloss_the_definition_covers(lexicon):
    found = lexicon.candidates("見込み客や購入者に対して、直接プロモーションを行い、注文や購入を促す販売方法。", limit=10)
    match = next(c for c in found if c.label == "ダイレクトマーケティング")
    assert '"direct marketing"' in match.evidence and "直接" in match.evidence and "販売" in match.evidence


@needs_jmdict
def test_words_of_the_first_sentence_are_not_proposed_as_its_term(lexicon):
    definition = "企業や商品に対して、顧客から寄せられた不満、苦情のこと。"
    found = _labels(lexicon.candidates(definition, limit=20))
    assert found and not {"苦情", "不満", "顧客", "企業", "商品"} & set(found)
    assert all(c.evidence for c in lexicon.candidates(definition))


@needs_jmdict
def test_excluded_names_stay_out(lexicon):
    definition = "オペレーターが対応中に保留をかけたコール数の割合を示す数値。"
    assert "保留率" not in _labels(lexicon.candidates(definition, exclude=["保留率"], limit=16))


def test_title_topic_is_learned_from_the_documents_titles():
    titles = ["物流におけるWMSとは?仕組みを解説", "物流のクロスドックとは?", "物流における検品とは?", "ピッキングとは?"]
    topics = title_topics(titles)
    assert "物流" in topics
    assert title_term("物流におけるWMSとは?仕組みを解説", topics).pref == "WMS"
    assert title_term("物流のクロスドックとは?", topics).pref == "クロスドック"
    assert title_topics(titles[:2]) == ()  # two titles show no habit


def test_the_default_profile_names_no_title_topic(tmp_path):
    default = load_profile("ingest/profiles/default.toml")
    assert default.strings("headwords", "title_prefixes") == ()
    assert default.strings("headwords", "mention_stop") == ()


@needs_jmdict
def test_every_bare_definition_gets_a_real_name_and_its_candidates():
    bare = [
        (_entry("発信者の電話番号を着信者に通知する機能。", 1), ()),
        (_entry("電話をかけること。業界では発信することを架電という。", 2), ()),
        (_entry("オペレーターが対応中に保留をかけたコール数の割合を示す数値。", 3), ()),
    ]
    terms = recover_headwords(bare, [])
    assert len(terms) == 3
    for term in terms:
        assert not term.pref_label.startswith("(")  # no 「(見出し語不明) …」 placeholder
        assert term.candidates and term.candidates[0].label == term.pref_label
        assert all(c.evidence for c in term.candidates)
        assert 0 < term.headword_confidence < 1
    defined = terms[1]
    assert defined.pref_label == "架電" and defined.headword_evidence == "self_reference"
    assert terms[2].headword_evidence == "lexicon"
    assert terms[2].headword_confidence <= 0.15  # a lexicon guess alone is rarely right: it says so


def test_without_a_lexicon_the_opening_phrase_names_the_entry():
    terms = recover_headwords([(_entry("発信者の電話番号を着信者に通知する機能。", 1), ())], [], lexicon=None)
    assert terms[0].pref_label == "発信者" and terms[0].headword_evidence == "definition_phrase"


def test_a_word_the_collection_uses_beside_the_definitions_words():
    from ingest.lexicon import CorpusVocabulary

    vocabulary = CorpusVocabulary([
        "商品やサービスに対するクレーム・苦情を受け付ける窓口。",
        "お客様の不満やクレームに対応する部署。",
        "電話でのクレーム対応では、苦情の内容を記録する。",
        "着信した電話を担当者に振り分ける仕組み。",
    ])
    found = vocabulary.candidates("企業や商品に対して、顧客から寄せられた不満、苦情のこと。", limit=3)
    assert found[0].label == "クレーム"
    assert "used 3×" in found[0].evidence and "不満" in found[0].evidence
    # The entry's own sentences are no evidence for a word it uses itself.
    own = vocabulary.candidates("着信した電話を担当者に振り分ける仕組み。", limit=5)
    assert all(c.label != "担当者" for c in own)


def test_two_bare_entries_of_one_glossary_never_borrow_the_same_name():
    # Two headword-less definitions (after a public terms page of a telephone service) both
    # resemble one stated entry of another glossary; a glossary defines a term once, so only one
    # of them may take its name: the entry whose own text uses the name.
    from ingest.headwords import stated_term

    stated = [stated_term(Entry("named.txt", "ナビダイヤル", 1, "全国共通の電話番号で着信できる電話サービス。",
                                ("全国共通の電話番号で着信できる電話サービス。",), SourceSpan("named.txt", 2, 2)), ())]
    bare = [
        (_entry("全国共通の電話番号で着信できる電話サービス。通話料は発信者が負担する。", 1), ()),
        (_entry("全国共通の電話番号で着信できる電話サービス。ナビダイヤルの通話料は発信者が負担する。", 2), ()),
    ]
    first, second = recover_headwords(bare, stated, lexicon=None)
    assert second.pref_label == "ナビダイヤル" and second.headword_evidence == "other_glossary"
    assert first.pref_label != "ナビダイヤル"
    # The borrowed name stays a candidate a curator can still choose.
    assert "ナビダイヤル" in [c.label for c in first.candidates]


@needs_jmdict
def test_a_loanword_joined_to_a_short_synonym_of_the_genus(lexicon):
    # 「…エスカレーションを行った割合」: a katakana word with a one-kanji head is longer than a kanji compound.
    found = _labels(lexicon.candidates("応答数に対して、エスカレーションを行った割合のこと。", limit=10))
    assert "エスカレーション率" in found


@needs_jmdict
def test_dictionary_synonyms_found_by_one_gloss_take_one_place(lexicon):
    # 販促, 販売促進, 販売推進 and セールスプロモーション all gloss "sales promotion": one of them stands
    # for the meaning, so the places left go to other meanings ("direct marketing").
    found = lexicon.candidates("見込み客や購入者に対して、直接プロモーションを行い、注文や購入を促す販売方法。", limit=10)
    glosses = [c.gloss for c in found if c.gloss]
    assert glosses and len(glosses) == len(set(glosses))
    assert sum(c.gloss == "sales promotion" for c in found) == 1
    assert all(not c.gloss for c in found if c.evidence.startswith("compound"))


def test_a_name_used_after_a_sentence_whose_full_stop_was_dropped():
    # 「…確認を行なうこと不満点がある…」: こと runs into a noun, so the first sentence ended there and
    # the name the next one uses is the entry's subject, as after a 。.
    definition = ("商品の販売やDMの送付後に顧客へ架電し、商品の使用状況やDMの到着確認を行なうこと不満点がある場合も、"
                  "アフターコールを行なうことでクレームや苦情に発展する前に対応できるという副次的な効果もある。")
    term = recover_headwords([(_entry(definition, 1), ())], [], lexicon=None)[0]
    assert term.pref_label == "アフターコール" and term.headword_evidence == "subject_mention"
    # A first sentence that ends in 。 (or こと自体) is read as before: its own words name nothing.
    kept = recover_headwords([(_entry("通話を録音すること自体を指す。", 1), ())], [], lexicon=None)[0]
    assert kept.headword_evidence == "definition_phrase"


@needs_jmdict
def test_the_loanword_twin_of_a_dictionary_compound(lexicon):
    # JMdict glosses 外部委託 and アウトソーシング alike ("outsourcing"): a field often names the thing by
    # the loanword, so it is proposed beside the compound, with the compound as its evidence.
    found = lexicon.candidates("業務や機能の一部を専門業者や子会社などの外部に委託すること。", limit=10)
    twin = next(c for c in found if c.label == "アウトソーシング")
    assert twin.evidence.startswith("loanword of ") and '"outsourcing"' in twin.evidence
    assert "アウトソース" not in [c.label for c in found]  # a clipping of the same word is no other candidate
    assert lexicon.loanword_twins("応答時間") == [("レスポンスタイム", "response time")]
    # A general gloss ties words of other meanings: 保留 ("reservation") is no オーダー or ブッキング.
    assert lexicon.loanword_twins("保留") == []


def test_a_first_sentence_ending_in_a_verbal_noun_with_suru_may_define_that_action():
    definition = ("最初に着信した電話をオペレーターが受け取り、それを他のオペレーターや部署に転送することを指す。"
                  "たとえば、初めに受け取ったオペレーターが対応できない場合に行われる。")
    term = recover_headwords([(_entry(definition, 1), ())], [], lexicon=None)[0]
    assert term.pref_label == "転送" and term.headword_evidence == "defining_action"
    assert term.headword_confidence <= 0.15  # right for about one such entry in six: it says so
    # Any name with other evidence outranks it: 「…。X は…」 names the entry.
    named = recover_headwords([(_entry("電話を他の部署に転送すること。内線転送は、社内の別の電話に回す。", 1), ())], [],
                              lexicon=None)[0]
    assert named.pref_label == "内線転送"
    # The action must end the first sentence: 「転送することが多い」 defines nothing.
    other = recover_headwords([(_entry("着信を他の部署に転送することが多い窓口。", 1), ())], [], lexicon=None)[0]
    assert other.headword_evidence != "defining_action"


def test_the_kind_of_thing_a_definition_defines():
    from ingest.lexicon import definition_genus, same_kind

    assert definition_genus("オペレーションを効率的に指揮・指導する役割。実際の業務も行なう。") == "役割"
    assert definition_genus("モニタリングの結果を照合し、評価基準を統一するために行なう作業のこと。") == "作業"
    assert same_kind("役割", "役職") and same_kind("担当者", "者") and same_kind("窓口", "窓口")
    assert not same_kind("サービス", "システム")  # katakana in common is no shared meaning
    assert not same_kind(None, "窓口")


def test_a_borrowed_name_whose_definition_defines_the_same_kind_of_thing_wins():
    # Two stated entries of another glossary resemble a bare definition; the one that defines the
    # same kind of thing (an 役職, like the bare 役割) is the likelier name, though its text is a
    # little less alike (without the genus it loses: 0.53 against 0.58).
    from ingest.headwords import stated_term

    def named(name: str, definition: str, line: int):
        return stated_term(Entry("named.txt", name, line, definition, (definition,),
                                 SourceSpan("named.txt", line, line)), ())

    stated = [named("モニタリング", "通話を聞いて応対の品質を確かめ、指導につなげる作業。", 1),
              named("スーパーバイザー", "現場の応対を見守り、指導する役職。", 2),
              named("FAQ", "よくある質問と回答の一覧。", 3), named("ヘッドセット", "両手が使える通話用の機器。", 4)]
    term = recover_headwords([(_entry("オペレーターの応対を管理し、指導につなげる役割。", 1), ())], stated,
                             lexicon=None)[0]
    assert term.pref_label == "スーパーバイザー"
    assert term.candidates[0].evidence == "other_glossary: same kind (役割)"
    assert [c.label for c in term.candidates][1] == "モニタリング"  # still a candidate a curator sees
