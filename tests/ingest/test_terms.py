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
