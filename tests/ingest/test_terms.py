from __future__ import annotations

import pytest

from ingest.records import LabelKind
from ingest.terms import label_key, parse_name


@pytest.mark.parametrize(("raw", "pref", "labels"), [
    ("カスタマーセンター(カスタマーサービスセンター)", "カスタマーセンター", {("カスタマーサービスセンター", "alt")}),
    ("CS(顧客満足)", "顧客満足", {("CS", "abbreviation")}),
    ("CX(カスタマーエクスペリエンス / 顧客体験)", "カスタマーエクスペリエンス",
     {("顧客体験", "alt"), ("CX", "abbreviation")}),
    ("待ち呼(まちこ)", "待ち呼", {("まちこ", "reading")}),
    ("呼量予測/コール予測", "呼量予測", {("コール予測", "alt")}),
    ("Service Level Agreement (SLA)", "Service Level Agreement", {("SLA", "abbreviation")}),
    ("NPS®(ネットプロモータースコア / 顧客推奨度)", "ネットプロモータースコア",
     {("顧客推奨度", "alt"), ("NPS", "abbreviation")}),
    ("Support/Service Plans", "Support/Service Plans", set()),
])
def test_parentheses_slashes_acronyms_and_readings_are_classified(raw, pref, labels):
    parsed = parse_name(raw)
    assert parsed.pref == pref
    assert {(label.text, label.kind.value) for label in parsed.labels} == labels


def test_abbreviation_points_at_its_long_form():
    parsed = parse_name("コミュニケーター/CM (Communicator)")
    cm = next(label for label in parsed.labels if label.kind is LabelKind.ABBREVIATION)
    assert (cm.text, cm.expansion_of) == ("CM", "Communicator")


@pytest.mark.parametrize(("a", "b"), [("オペレータ", "オペレーター"), ("ｵﾍﾟﾚｰﾀｰ", "オペレーター"),
                                      ("こーるせんたー", "コールセンター"), ("ＦＡＱ", "faq")])
def test_label_key_unifies_spelling_variants(a, b):
    assert label_key(a) == label_key(b)


def test_gojuon_windows_come_from_the_best_order_consistent_naming():
    from ingest.gojuon import collation_key
    from ingest.headwords import Candidate, order_windows
    from ingest.terms import parse_name

    def cands(*pairs):
        return [Candidate(score, "other_glossary", parse_name(name)) for name, score in pairs]

    windows = order_windows([
        cands(("アウトソーシング", 0.85)),
        # サンクスコール scores higher alone, but only インバウンド fits between its neighbours.
        cands(("サンクスコール", 0.6), ("インバウンド", 0.5)),
        cands(("コールバック", 0.85)),
        cands(("FAQ", 0.9)),  # Latin names have no agreed place (001 files FAQ under エ): no constraint
    ])
    assert windows[1] == (collation_key("アウトソーシング"), collation_key("コールバック"))
    assert windows[2] == (collation_key("インバウンド"), None)
    assert windows[3] == (collation_key("コールバック"), None)
