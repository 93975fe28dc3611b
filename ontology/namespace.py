"""The kgo: namespace as a closed DefinedNamespace: a typo such as KGO.antonm raises."""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

KGO_IRI = "https://jaterm.example.org/kgo#"
ONTOLOGY_PATH = Path(__file__).with_name("kgo.ttl")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
LEXINFO = Namespace("http://www.lexinfo.net/ontology/3.0/lexinfo#")
VOID = Namespace("http://rdfs.org/ns/void#")


class KGO(DefinedNamespace):
    """Terms declared in kgo.ttl (a test keeps the two in step)."""

    _fail = True
    _NS = Namespace(KGO_IRI)

    antonym: URIRef
    Abbreviation: URIRef
    abbreviationOf: URIRef
    reading: URIRef
    headwordConfidence: URIRef
    headwordEvidence: URIRef
    candidateLabel: URIRef
    headwordStatus: URIRef
    headwordCandidate: URIRef
    HeadwordCandidate: URIRef
    candidateText: URIRef
    candidateScore: URIRef
    candidateEvidence: URIRef
    candidateRank: URIRef
    Curation: URIRef
    action: URIRef
    curates: URIRef
    definedIn: URIRef
    Document: URIRef
    Extraction: URIRef
    evidence: URIRef
    pattern: URIRef
    confidence: URIRef
    lineStart: URIRef
    lineEnd: URIRef
    fileName: URIRef
    sha256: URIRef
    encoding: URIRef
    layout: URIRef
