from __future__ import annotations

import pytest

from ingest.records import Entry, SourceSpan
from ingest.relations import extract_relations


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
     {("related", "コールセンター"), ("related", "コンタクトセンター")}),
])
def test_cue_phrases(text, expected):
    assert {(r.kind.value, r.target) for r in extract_relations(entry(text))} == expected


def test_every_relation_carries_evidence_pattern_and_line():
    [rel] = extract_relations(entry("部門。対義語「プロフィットセンター」。"))
    assert rel.evidence == "対義語「プロフィットセンター」"
    assert rel.pattern == "taigigo"
    assert str(rel.span) == "t.txt:2"
