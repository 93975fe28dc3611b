"""The bundled build names every concept: no placeholder label, a headword status, candidates with evidence."""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from ontology.namespace import KGO


def _graph(service) -> Graph:
    return Graph().parse(data=service.export("turtle"), format="turtle")


def test_no_concept_of_the_bundled_build_has_a_placeholder_label(service):
    ds = _graph(service)
    labels = [str(o) for o in ds.objects(None, SKOS.prefLabel)]
    assert labels
    assert not [label for label in labels if "見出し語不明" in label or label.startswith("(")]


def test_every_concept_has_one_headword_status_and_recovered_ones_keep_their_candidates(service):
    ds = _graph(service)
    concepts = set(ds.subjects(predicate=SKOS.inScheme))
    statuses = {c: [str(s) for s in ds.objects(c, KGO.headwordStatus)] for c in concepts}
    assert all(len(s) == 1 and s[0] in ("stated", "recovered") for s in statuses.values())
    recovered = [c for c, s in statuses.items() if s == ["recovered"]]
    assert len(recovered) > 20  # the two headword-less glossaries of the corpus
    for concept in recovered:
        confidence = float(next(ds.objects(concept, KGO.headwordConfidence)))
        assert 0 < confidence < 1
        candidates = list(ds.objects(concept, KGO.headwordCandidate))
        assert candidates
        ranked = sorted(candidates, key=lambda n: int(next(ds.objects(n, KGO.candidateRank))))
        for node in ranked:
            assert str(next(ds.objects(node, KGO.candidateEvidence)))
            assert 0 <= float(next(ds.objects(node, KGO.candidateScore))) <= 1
        best = next(ds.objects(ranked[0], KGO.candidateText))
        assert isinstance(best, Literal) and best in set(ds.objects(concept, SKOS.prefLabel))
    stated = [c for c, s in statuses.items() if s == ["stated"]]
    assert stated and all(float(next(ds.objects(c, KGO.headwordConfidence))) == 1.0 for c in stated[:50])
