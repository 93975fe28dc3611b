from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths

pytestmark = pytest.mark.usefixtures("bundled_profile")

DATA = Path(__file__).parent.parent / "data"


def test_a_broken_file_is_reported_and_the_rest_still_ingests(tmp_path):
    (tmp_path / "binary.txt").write_bytes(os.urandom(2048))
    (tmp_path / "empty.txt").write_bytes(b"")
    paths = [*sorted(DATA.glob("*.txt")), tmp_path / "binary.txt", tmp_path / "empty.txt"]
    concepts, report = ingest_paths(paths)
    assert len(report.documents) == 5
    assert any(e.startswith(str(tmp_path / "binary.txt")) for e in report.errors)
    assert any("empty.txt: empty file" in e for e in report.errors)
    labels = {c.pref_label for c in concepts}
    assert {"コストセンター", "プロフィットセンター", "平均処理時間", "マルチチャネル"} <= labels


def test_the_same_term_in_two_glossaries_is_one_concept_with_both_definitions():
    concepts, _ = ingest_paths(sorted(DATA.glob("*.txt")))
    service = next(c for c in concepts if c.pref_label == "カスタマーサービス")
    assert {d.span.doc for d in service.definitions} >= {"headword_blank_000.txt", "sections_003.txt"}


def test_relation_targets_that_no_glossary_defines_become_concepts():
    concepts, report = ingest_paths([DATA / "headword_blank_000.txt"])
    profit = next(c for c in concepts if c.pref_label == "プロフィットセンター")
    assert not profit.defined
    cost = next(c for c in concepts if c.pref_label == "コストセンター")
    assert [r.kind.value for r in cost.relations] == ["antonym"]
    assert "プロフィットセンター" in report.undefined_targets


def test_recovered_headwords_carry_evidence_and_confidence():
    concepts, _ = ingest_paths([DATA / "article_004.txt"])
    acw = next(c for c in concepts if c.pref_label == "平均後処理時間")
    assert acw.headword_evidence == "article_title"
    assert 0 < acw.headword_confidence < 1
    assert {"ACW", "After Call Work"} <= {label.text for label in acw.labels}


def test_a_hedged_synonym_links_concepts_as_related_and_never_merges_them(tmp_path):
    # 000, lines 15-17 and 47-49: each says the other is 「広義では」 the same.
    glossary = tmp_path / "hedged.txt"
    glossary.write_text(
        "カスタマーセンター(カスタマーサービスセンター)\n\n"
        "顧客に対するサービスを提供する組織またはサービスの受付窓口のこと。"
        "広義では「コールセンター」や「コンタクトセンター」と同義として扱われることもある。\n\n"
        "コールセンター\n\n"
        "顧客からの注文、問い合わせなどの「電話対応業務」を専門的・集中的に行う組織や施設。"
        "広義の意味では、コンタクトセンターやカスタマーセンターと同じ意味となり、狭義の意味では、電話を使った窓口を指す。\n",
        encoding="utf-8")
    concepts, _ = ingest_paths([glossary])
    by_label = {c.pref_label: c for c in concepts}
    customer, call = by_label["カスタマーセンター"], by_label["コールセンター"]
    assert customer is not call
    assert "コールセンター" not in {label.text for label in customer.labels}
    assert ("related", call.key) in {(r.kind.value, r.target_key) for r in customer.relations}
    assert {r.relation.pattern for r in customer.relations} == {"hedged-synonym"}


def test_concept_iris_stay_unique_when_labels_of_one_concept_named_another_before():
    """A rebuild where a previous concept's names now belong to several concepts (split entries,
    candidate labels) still gives every concept its own IRI, the named one keeping the old IRI."""
    from ingest.rdf import IRIs, concept_iris
    from ingest.terms import label_key

    concepts, _ = ingest_paths(sorted(DATA.glob("*.txt")))
    iris = IRIs("https://example.org/t/")
    previous = {c.key: str(iris.concept(c.key)) for c in concepts}
    # Every label of every concept pointed at some concept's previous IRI (the worst case of reuse).
    by_key = {c.key: c for c in concepts}
    for c in concepts:
        for label in c.labels:
            target = by_key.get(label_key(label.text))
            if target is not None:
                previous.setdefault(label_key(label.text), previous[target.key])
    first = concepts[0]
    previous[first.key] = previous[concepts[1].key]  # and one concept took another's IRI outright
    out, _ = concept_iris(concepts, iris, previous)
    assert len(set(out.values())) == len(concepts)
    assert all(str(out[c.key]) == previous[c.key] for c in concepts[2:] if c.key in previous
               and previous[c.key] == str(iris.concept(c.key)))
