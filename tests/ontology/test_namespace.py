from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from ontology.namespace import KGO, KGO_IRI, ONTOLOGY_PATH


def declared_terms() -> set[str]:
    g = Graph().parse(ONTOLOGY_PATH)
    return {str(s)[len(KGO_IRI):] for s in g.subjects(RDF.type, None) if str(s).startswith(KGO_IRI) and str(s) != KGO_IRI}


def test_namespace_module_and_ontology_declare_the_same_terms():
    assert declared_terms() == set(KGO.__annotations__)


def test_unknown_term_raises_instead_of_minting_an_iri():
    with pytest.raises(AttributeError):
        _ = KGO.antonm


def test_every_term_has_labels_and_comments_in_japanese_and_english():
    g = Graph().parse(ONTOLOGY_PATH)
    for name in declared_terms():
        term = URIRef(KGO_IRI + name)
        for prop in (RDFS.label, RDFS.comment):
            assert {lit.language for lit in g.objects(term, prop)} >= {"ja", "en"}, (name, prop)


def test_antonym_refines_related_and_is_symmetric():
    g = Graph().parse(ONTOLOGY_PATH)
    assert (KGO.antonym, RDFS.subPropertyOf, SKOS.related) in g
    assert (KGO.antonym, RDF.type, OWL.SymmetricProperty) in g
