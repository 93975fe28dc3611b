"""ontology/shapes.ttl is valid SHACL and only speaks of terms that exist."""

from __future__ import annotations

import pyshacl
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import SH, SKOS

from kg.validate import SHAPES_PATH, SKOS_TERMS, SKOSXL, SKOSXL_TERMS
from ontology.namespace import KGO_IRI, ONTOLOGY_PATH

SHAPES = Graph().parse(SHAPES_PATH, format="turtle")


def test_shapes_conform_to_shacl_shacl():
    conforms, _graph, text = pyshacl.validate(Graph(), shacl_graph=SHAPES, meta_shacl=True, advanced=True)
    assert conforms, text


def test_every_constraint_has_a_name_and_a_message():
    shapes = set(SHAPES.objects(None, SH.property)) | set(SHAPES.subjects(SH.targetClass, None)) \
        | set(SHAPES.subjects(SH.targetSubjectsOf, None))
    for shape in shapes:
        has_message = SHAPES.value(shape, SH.message) is not None or any(
            SHAPES.value(c, SH.message) is not None for c in SHAPES.objects(shape, SH.sparql))
        named = SHAPES.value(shape, SH.name) is not None
        # node shapes that only group property shapes need neither
        grouping = (shape, SH.property, None) in SHAPES and not named
        assert grouping or (named and has_message), shape


def test_shapes_use_only_declared_terms():
    kgo = {str(s) for s in Graph().parse(ONTOLOGY_PATH, format="turtle").subjects() if str(s).startswith(KGO_IRI)}
    for term in {t for triple in SHAPES for t in triple if isinstance(t, URIRef)}:
        iri = str(term)
        if iri.startswith(KGO_IRI):
            assert iri in kgo, iri
        elif iri.startswith(str(SKOS)):
            assert iri[len(str(SKOS)):] in SKOS_TERMS, iri
        elif iri.startswith(str(SKOSXL)):
            assert iri[len(str(SKOSXL)):] in SKOSXL_TERMS, iri


def test_shape_names_are_unique_per_meaning():
    names = [str(n) for n in SHAPES.objects(None, SH.name)]
    # ExtractionTriple / ExtractionLines / ExtractionSource group a few property shapes on purpose
    repeated = {n for n in names if names.count(n) > 1}
    assert repeated <= {"ExtractionTriple", "ExtractionLines", "ExtractionSource"}
    assert len(set(names)) >= 30
    assert (URIRef("https://jaterm.example.org/shapes#Concept"), RDF.type, SH.NodeShape) in SHAPES
