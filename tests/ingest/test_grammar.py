"""The relation grammar: every cue's own examples (sentences from outside the bundled corpus) and
the promises of the grammar as a whole: lists split, no domain word, hedges kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.grammar import default_cues, find_cues, split_list
from ingest.profile import named_profile
from ingest.records import Entry, RelationKind, SourceSpan
from ingest.relations import extract_relations

EXAMPLES = [(cue.id, cue.kind, text, targets) for cue in default_cues() for text, targets in cue.examples]


def test_every_cue_has_examples():
    assert all(cue.examples for cue in default_cues())
    assert all(cue.self_term for cue in default_cues() if cue.template)  # a {SELF} cue says whose examples


def test_the_head_of_a_longer_phrase_is_no_target():
    # 「…を表現する方式の一つ」: the kind is the whole phrase the text names, never its head 「方式」.
    [match] = [m for m in find_cues("テキストのパターンを表現する方式の一つ。", default_cues()) if m.cue.kind.value == "broader"]
    assert match.targets == ("テキストのパターンを表現する方式",)


@pytest.mark.parametrize(("cue_id", "kind", "text", "targets"), EXAMPLES, ids=[f"{e[0]}:{e[2][:12]}" for e in EXAMPLES])
def test_cue_examples(cue_id, kind, text, targets):
    term = next(c.self_term for c in default_cues() if c.id == cue_id)
    matches = find_cues(text, default_cues(), (term,) if term else ())
    found = {t for m in matches if m.cue.kind is kind for t in m.targets}
    assert set(targets) <= found, [(m.cue.id, m.targets) for m in matches]
    if not targets:  # an example of what the cue must not take
        assert not [m for m in matches if m.cue.id == cue_id]


def entry(text: str, headword: str = "X", fields=()) -> Entry:
    return Entry("dev.md", headword, 1, text, (text,), SourceSpan("dev.md", 2, 2), fields=fields)


@pytest.mark.parametrize(("text", "expected"), [
    # Sentences of the kind third-party glossaries write (IT, finance, law), none from the corpus.
    ("ウォーターフォール開発の対義語として使われる。", {("antonym", "ウォーターフォール開発")}),
    ("Software as a Serviceの略。", {("abbreviation", "Software as a Service")}),
    ("関連用語：PaaS、IaaS", {("related", "PaaS"), ("related", "IaaS")}),
    ("詳細は「KGI」を参照。", {("related", "KGI")}),
    ("→ファイアウォール", {("related", "ファイアウォール")}),
    ("⇔ログアウト", {("antonym", "ログアウト")}),
    ("同義語：当座預金", {("synonym", "当座預金")}),
    ("類義語：ワーム", {("synonym", "ワーム")}),
    ("反対語は債務者。", {("antonym", "債務者")}),
    ("デリバティブの一種で、将来の売買の権利。", {("broader", "デリバティブ")}),
])
def test_ordinary_statements(text, expected):
    got = {(r.kind.value, r.target) for r in extract_relations(entry(text), named_profile("default"))}
    assert expected <= got


def test_a_definition_without_cues_states_nothing():
    text = "インターネット経由でサーバーやストレージを利用する形態。利用した分だけ料金を支払う。"
    assert extract_relations(entry(text), named_profile("default")) == []


def test_hedged_synonym_stays_hedged():
    [rel] = extract_relations(entry("広義では「ネットワーク」と同義として扱われる。"), named_profile("default"))
    assert rel.kind is RelationKind.SYNONYM and rel.hedged


def test_list_splitting_keeps_english_names_whole():
    assert split_list("Software as a Service、PaaS・IaaS など") == ["Software as a Service", "PaaS", "IaaS"]
    assert split_list("後述する手順に従うこと") == []
    assert split_list("ワーク・ライフ・バランス、認証・認可") == ["ワーク・ライフ・バランス", "認証", "認可"]


def test_column_fields_state_relations():
    fields = (("synonyms", "クラウド、クラウドサービス"), ("related", "SaaS/PaaS"))
    got = {(r.kind.value, r.target) for r in extract_relations(entry("定義。", "クラウドコンピューティング", fields))}
    assert got == {("synonym", "クラウド"), ("synonym", "クラウドサービス"), ("related", "SaaS"), ("related", "PaaS")}


def test_no_cue_in_the_default_grammar_names_a_domain_word():
    domain = re.compile(r"コールセンター|オペレーター|呼量|放棄呼|顧客|インバウンド|アウトバウンド")
    assert not [cue.id for cue in default_cues() if domain.search(cue.regex.pattern if cue.regex else cue.template or "")]
    assert not domain.search(Path(named_profile("default").path).read_text(encoding="utf-8"))


def test_a_denied_statement_states_nothing():
    text = "props の語源は properties ですが、properties の略語として使用することは避けてください。"
    assert not [r for r in extract_relations(entry(text, "props")) if r.kind is RelationKind.ABBREVIATION]
    assert not extract_relations(entry("マルウェアの一種ではない。"))


def test_a_term_list_splits_on_to():
    # 「AとBを参照」: matched term by term, と joins two names; in free text it may belong to a phrase.
    [match] = find_cues("リアクティブエフェクトと副作用を参照してください。", default_cues())
    assert match.targets == ("リアクティブエフェクト", "副作用")
    assert split_list("認証と承認の違い") == ["認証と承認の違い"]


def test_a_see_reference_naming_the_entry_itself_is_a_page_title():
    # 「参照: 認証、承認、アクセス制御」 under 認証 points at a page about three topics.
    assert not extract_relations(entry("参照: 認証、承認、アクセス制御", "認証"), named_profile("default"))
    assert {r.target for r in extract_relations(entry("参照: 承認、アクセス制御", "認証"), named_profile("default"))} \
        == {"承認", "アクセス制御"}


def test_an_expansion_spells_its_acronym():
    from ingest.grammar import spells

    assert spells("CIDR", "Classless Inter-Domain Routing")
    assert spells("HTTPS", "HyperText Transfer Protocol (Secure)")
    assert spells("OWASP", "The Open Worldwide Application Security Project")
    assert not spells("TLS", "Transport Layer Security Protocol")  # a word left over
    assert not spells("DPR", "the ratio")


def test_a_statement_in_a_bracket_glossing_another_name_is_about_that_name():
    # 「一意の ID（別名「…」）」: the other name belongs to the ID, not to the entry being defined.
    text = "変更を記録すると、一意の ID（別名「指紋」または「ダイジェスト」）が作られる。"
    assert not extract_relations(entry(text, "変更履歴"), named_profile("default"))
    # The entry's own name glossed in the bracket still speaks of the entry.
    got = {(r.kind.value, r.target) for r in extract_relations(entry("SaaS（別名「サービス型ソフト」）は広く使われる。", "SaaS"),
                                                                  named_profile("default"))}
    assert ("synonym", "サービス型ソフト") in got


def test_column_fields_name_terms_not_paths_or_glosses():
    fields = (("related", "~/.config/app.toml, 設定ファイル"), ("antonyms", "オフライン (offline)"),
              ("related", "入力/出力"))
    got = {(r.kind.value, r.target) for r in extract_relations(entry("定義。", "オンライン", fields))}
    assert got == {("related", "設定ファイル"), ("antonym", "オフライン"), ("related", "入力"), ("related", "出力")}


def _dev_texts() -> list[str]:
    root = Path(__file__).resolve().parents[2] / "data"
    texts = []
    for path in sorted([*root.glob("corpus/*"), *root.glob("dev/**/*")]):
        if path.is_file() and path.suffix in (".txt", ".md", ".html", ".csv", ".tsv", ".rst", ".rd", ".yml"):
            text = path.read_text(encoding="utf-8", errors="replace")
            # Lines, and paragraphs: some cues read across lines (an enumerated block).
            texts += [line for line in text.splitlines() if line] + [p for p in text.split("\n\n") if "\n" in p]
    return texts


def test_a_cue_skipped_for_lacking_its_required_strings_could_not_have_matched():
    # The prefilter must never hide a match: every text a cue's regex matches holds one string of
    # each of its required sets. Checked on every cue example and every line of the dev documents.
    texts = _dev_texts() + [text for cue in default_cues() for text, _ in cue.examples]
    assert len(texts) > 3000
    checked = 0
    for cue in default_cues():
        assert cue.needles, f"{cue.id}: no required string found; the prefilter would try it on every text"
        pattern = cue.regex or cue.pattern_for(("検査",))
        for text in texts:
            if pattern is not None and pattern.search(text):
                checked += 1
                assert all(any(n in text for n in needles) for needles in cue.needles), (cue.id, text)
    assert checked > 200


def test_required_literals_of_patterns():
    from ingest.grammar import required_literals

    assert required_literals("(?P<x>[^。]+)の略(?:称|語)?") == (("の略",),)
    assert set(required_literals("(?:別名|通称)[:：]")) == {("別名", "通称"), (":", "：")}
    assert required_literals("(?i:see also) x") == ((" x",),)
    assert required_literals("(?=関連)[^。]*") == ()
    assert required_literals("(?:参照)?です") == (("です",),)
