"""Concept records -> SKOS triples in a Dataset: one named graph per source document.

Layout of the dataset (the union of all graphs is the default graph when served):
- `{base}graph/vocabulary`: the concept scheme and the merged vocabulary (labels, relations);
- `{base}graph/doc/{file}`: what one glossary says: its definitions and one kgo:Extraction
  record (reified triple + evidence, pattern, lines, confidence) per extracted statement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from ingest.pipeline import DocumentReport
from ingest.records import Concept, LabelKind, RelationKind, SourceSpan
from ingest.terms import abbreviation_links, is_acronym, label_key, parse_name
from ontology.namespace import KGO, LEXINFO, SKOSXL, VOID

DEFAULT_BASE = "https://jaterm.example.org/glossary/"
PREFIXES = {"skos": SKOS, "skosxl": SKOSXL, "kgo": KGO._NS, "dct": DCTERMS, "prov": PROV, "owl": OWL,
            "xsd": XSD, "lexinfo": LEXINFO, "void": VOID, "rdfs": RDFS}


def _hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()[:12]


class IRIs:
    """Deterministic IRIs under one base: the same label gives the same IRI in every build."""

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base if base.endswith(("/", "#")) else base + "/"
        self.ns = Namespace(self.base)
        self.scheme = self.ns["scheme"]
        self.vocabulary_graph = self.ns["graph/vocabulary"]

    def concept(self, key: str) -> URIRef:
        return self.ns[f"concept/c{_hash(key)}"]

    def document(self, name: str) -> URIRef:
        return self.ns[f"graph/doc/{quote(name, safe='')}"]

    def label(self, concept_key: str, text: str, lang: str) -> URIRef:
        return self.ns[f"label/l{_hash(concept_key, text, lang)}"]

    def candidate(self, concept_key: str, text: str) -> URIRef:
        return self.ns[f"candidate/k{_hash(concept_key, text)}"]

    def extraction(self, *parts: str) -> URIRef:
        return self.ns[f"extraction/x{_hash(*parts)}"]


def _bind(ds: Dataset) -> None:
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)


def definition_key(text: str) -> str:
    """Identity of a definition across builds: a concept whose headword is recovered later keeps its IRI."""
    return "definition:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def concept_iris(concepts: Sequence[Concept], iris: IRIs, previous: dict[str, str] | None = None
                 ) -> tuple[dict[str, URIRef], dict[str, URIRef]]:
    """IRI per concept key: the previous build's IRI when one of the concept's labels was a previous
    concept's preferred label (so adding a glossary that renames or merges a concept keeps its IRI),
    else a hash of the normalised preferred label."""
    previous = previous or {}
    out: dict[str, URIRef] = {}
    taken: set[str] = set()
    matched: dict[str, set[str]] = {}
    olds_of: dict[str, list[str]] = {}
    for concept in concepts:
        # Candidate labels are guesses, not names: they never claim another concept's IRI.
        keys = [concept.key,
                *(label_key(label.text) for label in concept.labels if label.kind is not LabelKind.CANDIDATE),
                *(definition_key(d.text) for d in concept.definitions)]
        olds_of[concept.key] = list(dict.fromkeys(previous[k] for k in keys if k in previous))
        matched[concept.key] = set(olds_of[concept.key])
    # A concept whose preferred label named a previous concept keeps that IRI before any other
    # concept can claim it through an alternative label or a definition.
    for concept in concepts:
        if concept.key in previous and previous[concept.key] not in taken:
            out[concept.key] = URIRef(previous[concept.key])
            taken.add(previous[concept.key])
    for concept in concepts:
        if concept.key in out:
            continue
        reused = next((u for u in olds_of[concept.key] if u not in taken), None)
        iri = URIRef(reused) if reused else iris.concept(concept.key)
        n = 1
        while str(iri) in taken:  # a fresh IRI that a reused one already holds
            n += 1
            iri = iris.concept(f"{concept.key}#{n}")
        out[concept.key] = iri
        taken.add(str(iri))
    # Previous concepts that merged into another one: their IRIs are retired, pointing at the survivor.
    retired = {old: out[key] for key, olds in matched.items() for old in olds if old not in taken}
    return out, {old: URIRef(new) for old, new in retired.items()}


def build_dataset(concepts: Sequence[Concept], documents: Sequence[DocumentReport], *, base: str = DEFAULT_BASE,
                  title: str | Mapping[str, str], description: Mapping[str, str] | None = None,
                  languages: Sequence[str] = ("ja", "en"), document_titles: Mapping[str, str] | None = None,
                  created: datetime | None = None, previous_iris: dict[str, str] | None = None) -> Dataset:
    """Turn linked concepts into an RDF dataset with provenance.

    title and description are the vocabulary's (one string is Japanese, else language -> text);
    document_titles names single glossaries (file name -> title) for their pages.
    """
    iris = IRIs(base)
    iri_of, retired = concept_iris(concepts, iris, previous_iris)
    ds = Dataset()
    _bind(ds)
    vocab = ds.graph(iris.vocabulary_graph)
    created = created or datetime.now(UTC).replace(microsecond=0)
    stamp = Literal(created.isoformat(), datatype=XSD.dateTime)
    scheme = iris.scheme
    vocab.add((scheme, RDF.type, SKOS.ConceptScheme))
    for lang, text in ({"ja": title} if isinstance(title, str) else title).items():
        vocab.add((scheme, DCTERMS.title, Literal(text, lang=lang)))
        vocab.add((scheme, SKOS.prefLabel, Literal(text, lang=lang)))  # what SKOS tools display
    for lang, text in (description or {}).items():
        vocab.add((scheme, DCTERMS.description, Literal(text, lang=lang)))
    vocab.add((scheme, DCTERMS.created, stamp))
    vocab.add((scheme, DCTERMS.modified, stamp))
    for lang in languages:
        vocab.add((scheme, DCTERMS.language, Literal(lang)))
    vocab.add((scheme, VOID.dataDump, URIRef(iris.base + "export?format=turtle")))

    doc_graphs = {}
    doc_titles = dict(document_titles or {})
    for report in documents:
        doc_iri = iris.document(report.name)
        graph = ds.graph(doc_iri)
        doc_graphs[report.name] = graph
        graph.add((doc_iri, RDF.type, KGO.Document))
        graph.add((doc_iri, KGO.fileName, Literal(report.name)))
        graph.add((doc_iri, KGO.sha256, Literal(report.sha256)))
        graph.add((doc_iri, KGO.encoding, Literal(report.encoding)))
        graph.add((doc_iri, KGO.layout, Literal(report.layout)))
        if report.name in doc_titles:
            graph.add((doc_iri, DCTERMS.title, Literal(doc_titles[report.name])))
        vocab.add((scheme, DCTERMS.source, doc_iri))

    def provenance(span: SourceSpan, s: URIRef, p: URIRef, o, *, evidence: str, pattern: str, confidence: float):
        graph = doc_graphs.get(span.doc)
        if graph is None:
            return
        node = iris.extraction(str(s), str(p), str(o), getattr(o, "language", "") or "", str(span), pattern)
        graph.add((node, RDF.type, KGO.Extraction))
        graph.add((node, RDF.subject, s))
        graph.add((node, RDF.predicate, p))
        graph.add((node, RDF.object, o))
        graph.add((node, KGO.evidence, Literal(evidence)))
        graph.add((node, KGO.pattern, Literal(pattern)))
        graph.add((node, KGO.confidence, Literal(round(confidence, 3), datatype=XSD.decimal)))
        graph.add((node, KGO.lineStart, Literal(span.line_start)))
        graph.add((node, KGO.lineEnd, Literal(span.line_end)))
        graph.add((node, DCTERMS.source, iris.document(span.doc)))
        graph.add((node, PROV.wasDerivedFrom, iris.document(span.doc)))

    for old, new in retired.items():
        vocab.add((URIRef(old), OWL.deprecated, Literal(True)))
        vocab.add((URIRef(old), DCTERMS.isReplacedBy, new))
    keys = {c.key for c in concepts}
    for concept in concepts:
        c = iri_of[concept.key]
        vocab.add((c, RDF.type, SKOS.Concept))
        vocab.add((c, SKOS.inScheme, scheme))
        vocab.add((c, SKOS.topConceptOf, scheme))
        vocab.add((scheme, SKOS.hasTopConcept, c))
        pref = Literal(concept.pref_label, lang=concept.pref_lang)
        vocab.add((c, SKOS.prefLabel, pref))
        vocab.add((c, KGO.headwordConfidence, Literal(round(concept.headword_confidence, 3), datatype=XSD.decimal)))
        vocab.add((c, KGO.headwordEvidence, Literal(concept.headword_evidence)))
        vocab.add((c, KGO.headwordStatus, Literal(headword_status(concept))))
        _add_candidates(vocab, iris, concept, c)
        for doc in concept.sources if concept.defined else ():
            vocab.add((c, KGO.definedIn, iris.document(doc)))
        if not concept.defined:
            note = "用語集に定義はなく、他の用語の関係先としてのみ現れる。"
            vocab.add((c, SKOS.editorialNote, Literal(note, lang="ja")))
            vocab.add((c, SKOS.editorialNote, Literal("Not defined by any glossary; named only as a relation target.",
                                                      lang="en")))
        stated = _stated_labels(concept)
        for term in concept.terms:
            entry = term.entry
            # A term merged under another preferred label contributes an alternative label.
            predicate = stated.get((term.pref_label, term.pref_lang))
            if predicate is None:
                continue
            literal = Literal(term.pref_label, lang=term.pref_lang)
            if entry.headword_line:
                provenance(SourceSpan(entry.doc, entry.headword_line, entry.headword_line), c, predicate, literal,
                           evidence=entry.headword or "", pattern="headword", confidence=1.0)
            else:
                provenance(entry.span, c, predicate, literal, evidence=entry.title or entry.definition[:120],
                           pattern=f"recovered:{term.headword_evidence}", confidence=term.headword_confidence)
        for definition in concept.definitions:
            literal = Literal(definition.text, lang=definition.lang)
            graph = doc_graphs.get(definition.span.doc, vocab)
            graph.add((c, SKOS.definition, literal))
            provenance(definition.span, c, SKOS.definition, literal, evidence=definition.text[:200],
                       pattern="definition", confidence=1.0)
        _add_labels(vocab, iris, concept, c, pref)
        for rel in concept.relations:
            if rel.target_key not in keys:
                continue
            t = iri_of[rel.target_key]
            if rel.kind in (RelationKind.BROADER, RelationKind.NARROWER):
                # Hierarchy, stated both ways; never also skos:related (SKOS keeps the two disjoint).
                narrow, broad = (c, t) if rel.kind is RelationKind.BROADER else (t, c)
                if (broad, SKOS.broader, narrow) in vocab:
                    continue  # the other direction was stated first: a cycle is no hierarchy
                vocab.add((narrow, SKOS.broader, broad))
                vocab.add((broad, SKOS.narrower, narrow))
                predicate = SKOS.broader if rel.kind is RelationKind.BROADER else SKOS.narrower
            else:
                predicate = KGO.antonym if rel.kind is RelationKind.ANTONYM else SKOS.related
                if (c, SKOS.broader, t) in vocab or (c, SKOS.narrower, t) in vocab:
                    continue  # already in a hierarchy: related would contradict it
                for s, o in ((c, t), (t, c)):
                    vocab.add((s, predicate, o))
                    vocab.add((s, SKOS.related, o))
            provenance(rel.relation.span, c, predicate, t, evidence=rel.relation.evidence,
                       pattern=rel.relation.pattern, confidence=rel.relation.confidence)
        for term in concept.terms:
            for relation in term.relations:
                if relation.kind not in (RelationKind.SYNONYM, RelationKind.ABBREVIATION):
                    continue
                # Record provenance for the label the graph actually states (「CX(Customer Experience)」
                # gives the label CX); a synonym that names the concept itself states nothing new.
                parsed = parse_name(relation.target)
                names = [parsed.pref, *(lb.text for lb in parsed.labels)] if parsed else [relation.target]
                for name in names:
                    for (text, lang), predicate in stated.items():
                        if text == name and predicate == SKOS.altLabel:
                            provenance(relation.span, c, predicate, Literal(text, lang=lang),
                                       evidence=relation.evidence, pattern=relation.pattern,
                                       confidence=relation.confidence)
    return ds


def headword_status(concept: Concept) -> str:
    """"stated" when a glossary gives the name (as a headword or a relation's target), else "recovered".

    "confirmed" is a curator's decision, stated over this by the curation log.
    """
    return "stated" if concept.headword_evidence in ("headword", "relation_target") else "recovered"


def _add_candidates(vocab, iris: IRIs, concept: Concept, c: URIRef) -> None:
    """Every name proposed for a recovered headword, with its score and evidence, for review.

    <concept> kgo:headwordCandidate <candidate/k…> .
    <candidate/k…> a kgo:HeadwordCandidate ; kgo:candidateText "…"@ja ; kgo:candidateScore 0.43 ;
        kgo:candidateEvidence "lexicon: jmdict: …" ; kgo:candidateRank 1 .   # rank 1 = the prefLabel
    """
    seen: set[tuple[str, str]] = set()
    rank = 0
    for term in concept.terms:
        for cand in term.candidates:
            if (cand.label, cand.lang) in seen:
                continue
            seen.add((cand.label, cand.lang))
            rank += 1
            node = iris.candidate(concept.key, f"{cand.label}@{cand.lang}")
            vocab.add((c, KGO.headwordCandidate, node))
            vocab.add((node, RDF.type, KGO.HeadwordCandidate))
            vocab.add((node, KGO.candidateText, Literal(cand.label, lang=cand.lang)))
            vocab.add((node, KGO.candidateScore, Literal(round(cand.score, 3), datatype=XSD.decimal)))
            vocab.add((node, KGO.candidateEvidence, Literal(cand.evidence)))
            vocab.add((node, KGO.candidateRank, Literal(rank)))


def _stated_labels(concept: Concept) -> dict[tuple[str, str], URIRef]:
    """(text, lang) -> the SKOS label property the graph states it with, for this concept."""
    out = {(concept.pref_label, concept.pref_lang): SKOS.prefLabel}
    for label in concept.labels:
        key = (label.text, label.lang)
        if key in out:
            continue
        if label.kind is LabelKind.PREF:
            out[key] = SKOS.prefLabel
        elif label.kind is LabelKind.READING:
            out[key] = SKOS.hiddenLabel
        elif label.kind is not LabelKind.CANDIDATE:
            out[key] = SKOS.altLabel
    return out


def _add_labels(vocab, iris: IRIs, concept: Concept, c: URIRef, pref: Literal) -> None:
    pref_xl = iris.label(concept.key, str(pref), pref.language or "")
    vocab.add((c, SKOSXL.prefLabel, pref_xl))
    vocab.add((pref_xl, RDF.type, SKOSXL.Label))
    vocab.add((pref_xl, SKOSXL.literalForm, pref))
    xl_by_text = {str(pref): pref_xl}
    seen = {(str(pref), pref.language)}
    for label in concept.labels:
        literal = Literal(label.text, lang=label.lang)
        if (label.text, label.lang) in seen:
            continue
        seen.add((label.text, label.lang))
        if label.kind is LabelKind.PREF:
            vocab.add((c, SKOS.prefLabel, literal))
        elif label.kind is LabelKind.READING:
            vocab.add((c, SKOS.hiddenLabel, literal))
            vocab.add((c, KGO.reading, literal))
        elif label.kind is LabelKind.CANDIDATE:
            vocab.add((c, KGO.candidateLabel, literal))
        else:
            vocab.add((c, SKOS.altLabel, literal))
        if label.kind in (LabelKind.ALT, LabelKind.EXPANSION, LabelKind.ABBREVIATION):
            xl = iris.label(concept.key, label.text, label.lang)
            vocab.add((c, SKOSXL.altLabel, xl))
            vocab.add((xl, RDF.type, SKOSXL.Label))
            vocab.add((xl, SKOSXL.literalForm, literal))
            xl_by_text[label.text] = xl
    for short_text, long_text in abbreviation_links(str(pref), concept.labels):
        short = xl_by_text.get(short_text)
        long = xl_by_text.get(long_text, pref_xl)
        if short is not None and short != long:
            vocab.add((short, RDF.type, KGO.Abbreviation))
            vocab.add((short, KGO.abbreviationOf, long))
            vocab.add((short, LEXINFO.termType, LEXINFO.acronym if is_acronym(short_text) else LEXINFO.abbreviation))
