"""The no-answer model is fitted per artifact, on its own definitions, and recorded in its manifest."""

from __future__ import annotations

import json
from pathlib import Path

from kg.build import current_artifact_path
from search.calibration import FEATURES, Calibration, choose_threshold
from search.fit_confidence import pseudo_queries

PACKAGE = Path(__file__).resolve().parents[2] / "search"


def test_the_manifest_records_a_model_fitted_on_the_artifacts_own_definitions(built):
    artifact = current_artifact_path(built)
    manifest = json.loads((artifact / "manifest.json").read_text(encoding="utf-8"))
    confidence = manifest["search"]["confidence"]
    assert confidence["fit"]["source"].startswith("pseudo-queries")
    assert confidence["fit"]["pseudo_queries"] >= 100
    assert confidence["features"] == list(FEATURES)
    assert 0.05 <= confidence["threshold"] <= 0.95
    # Near misses made from the artifact's own text are rejected at the chosen threshold.
    assert confidence["fit"]["near_misses_rejected"] >= 0.8
    assert Calibration.load(artifact / "index").threshold == confidence["threshold"]
    # The threshold at other shares of near misses rejected, for choosing the share without a glossary.
    at = confidence["fit"]["threshold_at"]
    assert list(at) == sorted(at) and list(at.values()) == sorted(at.values())
    assert at["0.85"] == confidence["threshold"]


def test_the_package_holds_no_fitted_model():
    assert not (PACKAGE / "calibration.json").exists()


def test_the_served_searcher_uses_the_artifacts_model(service, built):
    manifest = json.loads((current_artifact_path(built) / "manifest.json").read_text(encoding="utf-8"))
    assert service.artifact.searcher.threshold == manifest["search"]["confidence"]["threshold"]


def test_pseudo_queries_never_name_their_concept(service):
    index = service.artifact.searcher.index
    queries = pseudo_queries(index, 60, seed=3)
    assert 50 <= len(queries) <= 60  # a stretch left too short after dropping words is skipped
    assert queries == pseudo_queries(index, 60, seed=3)  # deterministic for a seed
    for q in queries:
        doc = index.docs[q.target]
        labels = [label for label in [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels)] if len(label) > 1]
        assert not any(label in q.text for label in labels), (q.text, labels)


def test_an_unanswerable_question_in_the_same_field_gets_no_confident_answer(service):
    assert service.suggest("有給休暇の申請方法") == []
    assert service.suggest("有給休暇の申請方法", include_unconfident=True)  # ranked, but below the threshold


def test_the_threshold_rejects_the_asked_share_of_near_misses():
    negatives = [i / 100 for i in range(100)]
    threshold = choose_threshold([0.9], negatives, 0.85)
    assert sum(n < threshold for n in negatives) / len(negatives) >= 0.85
    assert sum(n >= threshold for n in negatives) >= 10  # no stricter than asked


def test_a_glossary_too_small_to_fit_keeps_the_prior_weights_but_its_own_threshold():
    from search.calibration import PRIOR
    from search.fit_confidence import fit_confidence
    from search.hybrid import Searcher
    from search.index import ConceptDoc, ConceptIndex

    docs = [ConceptDoc("c1", {"ja": "放棄呼"}, definitions=["オペレーターにつながる前に顧客が電話を切ってしまった呼。"]),
            ConceptDoc("c2", {"ja": "稼働率"}, definitions=["オペレーターが勤務時間のうち通話や後処理に費やした時間の割合。"]),
            ConceptDoc("c3", {"ja": "離職率"}, definitions=["一定期間にオペレーターが職場を辞めた割合。定着率の逆。"])]
    calibration = fit_confidence(Searcher(ConceptIndex(docs, None, None)))
    assert calibration.weights == PRIOR.weights
    assert calibration.fit["source"] == "prior weights"
    assert calibration.fit["threshold_from"] in {"near misses", "prior"}
    assert 0.05 <= calibration.threshold <= 0.95
