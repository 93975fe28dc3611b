"""`kg validate`: a small clean graph passes, one planted defect per shape or check is caught, the corpus is clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH, SKOS, XSD

from kg.cli import main
from kg.validate import SHAPES_PATH, validate_artifact, validate_file, validate_ntriples

EX = Namespace("https://example.org/t/")
KGO = Namespace("https://jaterm.example.org/kgo#")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
LEXINFO = Namespace("http://www.lexinfo.net/ontology/3.0/lexinfo#")

CLEAN = """
@prefix ex: <https://example.org/t/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix skosxl: <http://www.w3.org/2008/05/skos-xl#> . @prefix kgo: <https://jaterm.example.org/kgo#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix lexinfo: <http://www.lexinfo.net/ontology/3.0/lexinfo#> .

ex:scheme a skos:ConceptScheme ; dct:title "テスト用語集"@ja , "Test glossary"@en ; skos:prefLabel "テスト用語集"@ja ;
    skos:hasTopConcept ex:a , ex:b , ex:c .
ex:a a skos:Concept ; skos:inScheme ex:scheme ; skos:topConceptOf ex:scheme ;
    skos:prefLabel "コストセンター"@ja , "cost centre"@en ; skos:altLabel "CC"@en ; skos:hiddenLabel "こすとせんたー"@ja ;
    skos:definition "利益を生まない部門。"@ja ; skos:related ex:b ; kgo:antonym ex:b ;
    skosxl:prefLabel ex:la ; skosxl:altLabel ex:lcc .
ex:b a skos:Concept ; skos:inScheme ex:scheme ; skos:topConceptOf ex:scheme ; skos:prefLabel "プロフィットセンター"@ja ;
    skos:definition "利益を生む部門。"@ja ; skos:related ex:a , ex:c ; kgo:antonym ex:a .
ex:c a skos:Concept ; skos:inScheme ex:scheme ; skos:topConceptOf ex:scheme ; skos:prefLabel "売上"@ja ;
    skos:editorialNote "用語集に定義はない。"@ja ; skos:related ex:b .
ex:la a skosxl:Label ; skosxl:literalForm "コストセンター"@ja .
ex:lcc a skosxl:Label , kgo:Abbreviation ; skosxl:literalForm "CC"@en ; kgo:abbreviationOf ex:la ;
    lexinfo:termType lexinfo:acronym .
ex:doc a kgo:Document ; kgo:fileName "g.txt" ;
    kgo:sha256 "36a1878220acbac7702b4263777fbad52bfed474728f9647aa7dcca3b86a579e" .
ex:x1 a kgo:Extraction ; rdf:subject ex:a ; rdf:predicate kgo:antonym ; rdf:object ex:b ; kgo:evidence "対義語" ;
    kgo:pattern "taigigo" ; kgo:confidence 0.9 ; kgo:lineStart 3 ; kgo:lineEnd 3 ; dct:source ex:doc ;
    prov:wasDerivedFrom ex:doc .
ex:x2 a kgo:Extraction ; rdf:subject ex:c ; rdf:predicate skos:related ; rdf:object ex:b ; kgo:evidence "関連用語" ;
    kgo:pattern "kanren" ; kgo:confidence 0.8 ; kgo:lineStart 7 ; kgo:lineEnd 8 ; dct:source ex:doc ;
    prov:wasDerivedFrom ex:doc .
"""


def clean() -> Graph:
    return Graph().parse(data=CLEAN, format="turtle")


def run(graph: Graph):
    return validate_ntriples(graph.serialize(format="nt", encoding="utf-8"), "test graph")


def _set(s, p, o) -> Callable[[Graph], None]:
    return lambda g: g.set((s, p, o))


def _add(*triples) -> Callable[[Graph], None]:
    return lambda g: [g.add(t) for t in triples]


def _drop(s=None, p=None, o=None) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, o))


def _concept(node, label: str):
    return [(node, RDF.type, SKOS.Concept), (node, SKOS.inScheme, EX.scheme), (node, SKOS.prefLabel, Literal(label, lang="ja")),
            (node, SKOS.definition, Literal(label + "の定義。", lang="ja"))]


# One planted defect per SHACL shape (keyed by sh:name) ...
SHAPE_DEFECTS = {
    "PrefLabelRequired": _drop(EX.c, SKOS.prefLabel),
    "PrefLabelPerLanguage": _add((EX.a, SKOS.prefLabel, Literal("コスト部門", lang="ja"))),
    "LabelsTagged": _add((EX.a, SKOS.altLabel, Literal("untagged"))),
    "PrefNotAlt": _add((EX.a, SKOS.altLabel, Literal("コストセンター", lang="ja"))),
    "PrefNotHidden": _add((EX.a, SKOS.hiddenLabel, Literal("コストセンター", lang="ja"))),
    "AltNotHidden": _add((EX.a, SKOS.hiddenLabel, Literal("CC", lang="en"))),
    "InScheme": _drop(EX.c, SKOS.inScheme),
    "RelatedSymmetric": _drop(EX.b, SKOS.related, EX.c),
    "RelatedTarget": _add((EX.a, SKOS.related, EX.nowhere), (EX.nowhere, SKOS.related, EX.a)),
    "RelatedNotBroader": _add((EX.a, SKOS.broader, EX.b)),
    "RelatedNotNarrower": _add((EX.a, SKOS.narrower, EX.b)),
    "AntonymSymmetric": _drop(EX.b, KGO.antonym, EX.a),
    "AntonymTarget": _add((EX.a, KGO.antonym, EX.lcc), (EX.lcc, KGO.antonym, EX.a)),
    "BroaderTarget": _add((EX.a, SKOS.broader, EX.scheme)),
    "NarrowerTarget": _add((EX.a, SKOS.narrower, EX.doc)),
    "Documented": _drop(EX.c, SKOS.editorialNote),
    "RelatedNotBroaderTransitive": _add(*_concept(EX.d, "中間"), (EX.a, SKOS.broader, EX.d), (EX.d, SKOS.broader, EX.b)),
    "AntonymIsRelated": _add((EX.a, KGO.antonym, EX.c), (EX.c, KGO.antonym, EX.a)),
    "AntonymIrreflexive": _add((EX.c, KGO.antonym, EX.c), (EX.c, SKOS.related, EX.c)),
    "RelationProvenance": _drop(EX.x2),
    "SchemeTitle": _drop(EX.scheme, DCTERMS.title),
    "SchemeTopConcepts": _drop(EX.scheme, SKOS.hasTopConcept),
    "TopConceptLinks": _drop(EX.scheme, SKOS.hasTopConcept, EX.c),
    "XLLiteralForm": _add((EX.la, SKOSXL.literalForm, Literal("コスト・センター", lang="ja"))),
    "AbbreviationOf": _drop(EX.lcc, KGO.abbreviationOf),
    "AbbreviationTermType": _set(EX.lcc, LEXINFO.termType, LEXINFO.fullForm),
    "ExtractionStatement": _set(EX.x1, RDF.predicate, Literal("antonym")),
    "ExtractionTriple": _drop(EX.x1, RDF.object),
    "ExtractionEvidence": _drop(EX.x1, KGO.evidence),
    "ExtractionPattern": _set(EX.x1, KGO.pattern, Literal("")),
    "ExtractionConfidence": _set(EX.x1, KGO.confidence, Literal("1.5", datatype=XSD.decimal)),
    "ExtractionLines": _set(EX.x1, KGO.lineStart, Literal(5)),
    "ExtractionSource": _set(EX.x1, DCTERMS.source, EX.nowhere),
    "DocumentFile": _drop(EX.doc, KGO.fileName),
    "DocumentChecksum": _set(EX.doc, KGO.sha256, Literal("abc")),
    "HeadwordStatus": _add((EX.a, KGO.headwordStatus, Literal("guessed"))),
}
# ... and per qSKOS-style / skosify check, with the severity it reports.
CHECK_DEFECTS = {
    ("violation", "HierarchyCycle"): _add((EX.a, SKOS.broader, EX.c), (EX.c, SKOS.broader, EX.a)),
    ("violation", "UndefinedTerm"): _add((EX.a, URIRef(str(SKOS) + "prefLable"), Literal("誤字", lang="ja"))),
    ("warning", "TopConceptHasBroader"): _add(*_concept(EX.d, "上位"), (EX.a, SKOS.broader, EX.d),
                                              (EX.d, SKOS.narrower, EX.a)),
    ("warning", "OverlappingPrefLabels"): _set(EX.c, SKOS.prefLabel, Literal("コストセンター", lang="ja")),
    ("warning", "LabelIsOtherPrefLabel"): _add((EX.c, SKOS.altLabel, Literal("プロフィットセンター", lang="ja"))),
    ("warning", "LabelWhitespace"): _add((EX.a, SKOS.altLabel, Literal(" コスト部門", lang="ja"))),
    ("warning", "ExtractionNotAsserted"): lambda g: [g.add((EX.x3, p, o)) for p, o in g.predicate_objects(EX.x1)
                                                     if p not in (RDF.predicate, RDF.object)]
    + [g.add((EX.x3, RDF.predicate, SKOS.altLabel)), g.add((EX.x3, RDF.object, Literal("幻", lang="ja")))],
    ("warning", "skosify"): _drop(EX.scheme, SKOS.prefLabel),
}


def shape_names() -> set[str]:
    shapes = Graph().parse(SHAPES_PATH, format="turtle")
    return {str(n) for n in shapes.objects(None, SH.name)}


def test_clean_graph_has_no_findings_at_all():
    report = run(clean())
    assert report.findings == [], "\n".join(f.line() for f in report.findings)
    assert report.conforms


def test_every_shape_has_a_planted_defect():
    assert shape_names() == set(SHAPE_DEFECTS)


@pytest.mark.parametrize("shape", sorted(SHAPE_DEFECTS))
def test_planted_defect_violates_its_shape(shape):
    graph = clean()
    SHAPE_DEFECTS[shape](graph)
    report = run(graph)
    assert not report.conforms
    assert shape in report.checks("violation"), "\n".join(f.line() for f in report.findings)


@pytest.mark.parametrize("severity,check", sorted(CHECK_DEFECTS))
def test_planted_defect_is_found_by_its_check(severity, check):
    graph = clean()
    CHECK_DEFECTS[(severity, check)](graph)
    report = run(graph)
    assert check in report.checks(severity), "\n".join(f.line() for f in report.findings)
    if severity == "warning":
        assert report.conforms, "\n".join(f.line() for f in report.findings if f.severity == "violation")


def test_finding_line_names_focus_shape_constraint_and_value():
    graph = clean()
    SHAPE_DEFECTS["PrefLabelPerLanguage"](graph)
    (finding,) = [f for f in run(graph).findings if f.check == "PrefLabelPerLanguage"]
    assert finding.line().startswith("VIOLATION ")
    assert "<https://example.org/t/a> — PrefLabelPerLanguage/UniqueLang — more than one skos:prefLabel" in finding.line()


@pytest.mark.parametrize("suffix,fmt", [(".ttl", "turtle"), (".rdf", "xml"), (".jsonld", "json-ld"), (".nt", "nt"),
                                        (".trig", "trig"), (".nq", "nquads")])
def test_files_in_every_format_validate_the_same(tmp_path, suffix, fmt):
    graph = clean()
    SHAPE_DEFECTS["InScheme"](graph)
    path = tmp_path / f"vocab{suffix}"
    if fmt in ("trig", "nquads"):  # two named graphs, as in an artifact
        import pyoxigraph as ox

        triples = list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(str(EX[f"g{i % 2}"])))
                 for i, t in enumerate(triples)]
        path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.N_QUADS))
    else:
        graph.serialize(path, format=fmt, encoding="utf-8")
    report = validate_file(path, use_skosify=False)
    assert report.triples == len(graph)
    assert report.checks("violation") == {"InScheme"}


def test_cli_exits_1_with_one_line_per_finding(tmp_path):
    graph = clean()
    SHAPE_DEFECTS["PrefNotAlt"](graph)
    path = tmp_path / "bad.ttl"
    graph.serialize(path, format="turtle")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(" — PrefNotAlt/Disjoint — " in line for line in lines)
    assert any("1 violations" in line for line in lines)


def test_corpus_validates_with_zero_violations(built):
    # How long validation takes is `make bench`'s business, not a timed assertion here.
    report = validate_artifact(built)
    assert report.conforms, "\n".join(f.line() for f in report.findings if f.severity == "violation")
    assert report.triples > 5000


def test_skosify_leaves_the_corpus_unchanged(built):
    """Another SKOS tool loads our export as it is: skosify would neither add nor remove a triple."""
    report = validate_artifact(built)
    assert not [f for f in report.findings if f.check == "skosify" and "would" in f.message]


def test_cli_validates_the_current_artifact(built, monkeypatch):
    monkeypatch.setenv("KG_DATA_DIR", str(built.data_dir))
    result = CliRunner().invoke(main, ["validate", "--quiet"])
    assert result.exit_code == 0, result.output
    assert " 0 violations" in result.output
