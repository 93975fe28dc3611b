from __future__ import annotations

import pytest

from ingest.records import Entry, SourceSpan
from ingest.relations import extract_relations

pytestmark = pytest.mark.usefixtures("bundled_profile")


def entry(text: str) -> Entry:
    return Entry("t.txt", "X", 1, text, (text,), SourceSpan("t.txt", 2, 2))


@pytest.mark.parametrize(("text", "expected"), [
    ("コスト(費用)だけが集計される部門。対義語「プロフィットセンター」。", {("antonym", "プロフィットセンター")}),
    ("スタッフのこと。「オペレーター」「テレコミュニケーター」「エージェント」と同義。",
     {("synonym", "オペレーター"), ("synonym", "テレコミュニケーター"), ("synonym", "エージェント")}),
    ("窓口のこと。関連用語「コールセンター」「コンタクトセンター",
     {("related", "コールセンター"), ("related", "コンタクトセンター")}),
    ("状態。待ち呼(まちこ)とも言う。", {("synonym", "待ち呼(まちこ)")}),
    ("顧客維持率(リテンション率)の逆で、重要なKPIです。", {("antonym", "顧客維持率(リテンション率)")}),
    ("逆に言えば、例えクレームでも意見はありがたい。", set()),
    ("「After Call Work」の頭文字を取って、「ACW」と略すこともある。",
     {("abbreviation", "ACW"), ("abbreviation", "After Call Work")}),
    ("会話すること。略して「ロープレ」と呼ばれることもある。", {("abbreviation", "ロープレ")}),
    ("窓口のこと。広義では「コールセンター」や「コンタクトセンター」と同義として扱われることもある。",
     {("synonym", "コールセンター"), ("synonym", "コンタクトセンター")}),
    # Real snippets of 001, 004 (cues added for 「状態を解除」, 「とみなされる」, 「をもとに…を作成」).
    ("システムへの接続を終了する操作のこと。ログイン状態を解除すること。", {("antonym", "ログイン")}),
    ("一度の対話で解決できた割合を示す指標。なお、最初の入電で問題解決できなかった場合は「二次解決」とみなされる。",
     {("related", "二次解決")}),
    ("トークスクリプトの基本となる会話の流れを表したもの。トークフローをもとにトークスクリプトを作成するのが一般的。",
     {("related", "トークスクリプト")}),
    ("過去のコールの履歴データ等の変動要因をもとに、時間帯毎の着信呼数を予測すること。", set()),
])
def test_cue_phrases(text, expected):
    assert {(r.kind.value, r.target) for r in extract_relations(entry(text))} == expected


def test_every_relation_carries_evidence_pattern_and_line():
    [rel] = extract_relations(entry("部門。対義語「プロフィットセンター」。"))
    assert rel.evidence == "対義語「プロフィットセンター」"
    assert rel.pattern == "taigigo-wa"
    assert str(rel.span) == "t.txt:2"


def test_hedged_synonym_is_a_synonym_marked_as_hedged():
    rels = extract_relations(entry("窓口のこと。広義では「コールセンター」と同義として扱われることもある。"))
    assert [(r.kind.value, r.pattern, r.hedged) for r in rels] == [("synonym", "hedged-synonym", True)]
    [plain] = extract_relations(entry("スタッフのこと。「オペレーター」と同義。"))
    assert not plain.hedged


def test_a_see_reference_to_a_kind_of_a_defined_term_names_a_term():
    from ingest.relations import names_a_kind_of_defined
    from ingest.terms import label_key

    known = {label_key(t) for t in ("エフェクト", "annotation", "仕様", "環境変数")}
    assert names_a_kind_of_defined("リアクティブエフェクト", known)
    assert names_a_kind_of_defined("variable annotation", known)
    assert not names_a_kind_of_defined("Apache の環境変数", known)  # a page title, with a particle
    assert not names_a_kind_of_defined("エフェクト", known)  # the defined term itself is no compound
    assert not names_a_kind_of_defined("バゲッジ仕様", known, ("バゲッジ",))  # the entry's own specification page
    assert not names_a_kind_of_defined("SSL/TLS 暗号化", known)


def test_a_see_reference_to_a_sibling_kind_names_a_term():
    from ingest.relations import names_a_kind_of_defined

    assert names_a_kind_of_defined("text file", set(), ("バイナリファイル", "binary file"))
    assert not names_a_kind_of_defined("Dockershim FAQ", set(), ("Dockershim",))


def test_a_see_reference_to_what_the_glossary_names_as_a_class_is_kept():
    from ingest.headwords import stated_term
    from ingest.profile import named_profile
    from ingest.relations import defined_references_only

    def term(headword: str, text: str):
        e = Entry("g.md", headword, 1, text, (text,), SourceSpan("g.md", 2, 2))
        return stated_term(e, extract_relations(e, named_profile("default")))

    terms = defined_references_only([
        term("CNI", "仕様に準拠したネットワークプラグインの一種。詳細はネットワークプラグインを参照してください。"),
        term("Dockershim", "詳細は移行ガイドを参照してください。"),
    ], named_profile("default"))
    assert {(r.kind.value, r.target) for r in terms[0].relations} == {
        ("broader", "ネットワークプラグイン"), ("related", "ネットワークプラグイン")}
    assert not terms[1].relations  # a page no statement names as a term
