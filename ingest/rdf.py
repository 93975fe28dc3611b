"""Concept records -> SKOS triples as N-Quads: one named graph per source document.

Layout of the dataset (the union of all graphs is the default graph when served):
- `{base}graph/vocabulary`: the concept scheme and the merged vocabulary (labels, relations);
- `{base}graph/doc/{file}`: what one glossary says: its definitions and one kgo:Extraction
  record (reified triple + evidence, pattern, lines, confidence) per extracted statement.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import _is_valid_uri

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


class _Strings:
    """A namespace's IRIs as plain strings, looked up once: rdflib resolves `SKOS.prefLabel` anew on
    every access, and a 50k-entry build makes millions of them."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        value = str(getattr(self._namespace, name))
        setattr(self, name, value)  # found as a plain attribute from now on
        return value


_RDF, _SKOS, _KGO, _DCTERMS, _PROV, _OWL, _VOID, _SKOSXL, _LEXINFO = (
    _Strings(ns) for ns in (RDF, SKOS, KGO, DCTERMS, PROV, OWL, VOID, SKOSXL, LEXINFO))

_Add = Callable[[str, str, str, str], None]  # (subject IRI, predicate IRI, object term, graph IRI)


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


class _Quads:
    """N-Quads lines written as they are made, so no in-memory graph holds the whole dataset.

    rdflib's in-memory Dataset cost ~1 KB a quad (4 GB at 50k entries) and most of the graph step's
    time. A graph is a set: what one concept states is de-duplicated within the concept (its
    subjects are its own IRI and nodes hashed from it), relation edges, which two concepts may both
    state, across the whole vocabulary.
    """

    def __init__(self, out: BinaryIO):
        self.out = out
        self.count = 0
        self._lines: dict[str, None] = {}  # the current batch, in order, without repeats
        self._edges: set[str] = set()  # lines that several concepts may state

    def add(self, s: str, p: str, o: str, g: str) -> None:
        """s, p, g are IRIs; o is an N-Triples term (see _iri, _literal, _typed)."""
        self._lines[f"<{s}> <{p}> {o} <{g}> .\n"] = None

    def add_shared(self, s: str, p: str, o: str, g: str) -> None:
        line = f"<{s}> <{p}> {o} <{g}> .\n"
        if line not in self._edges:
            self._edges.add(line)
            self._lines[line] = None

    def flush(self) -> None:
        """Write the batch (one concept's lines); a later batch may repeat none of them but shared ones."""
        if self._lines:
            self.out.write("".join(self._lines).encode("utf-8", "replace"))
            self.count += len(self._lines)
            self._lines = {}


def _iri(value: str) -> str:
    return f"<{value}>"


def _checked_iri(value: str) -> str:
    """An IRI from outside this module (a base, a previous build's IRI): refused as rdflib would refuse it."""
    if not _is_valid_uri(value):
        raise ValueError(f"{value!r} does not look like a valid IRI")
    return f"<{value}>"


def _literal(text: str, lang: str | None = None) -> str:
    """A plain or language-tagged literal, quoted as rdflib's N-Quads serializer quotes it."""
    escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
    return f'"{escaped}"@{_language(lang)}' if lang else f'"{escaped}"'


@functools.lru_cache(maxsize=64)
def _language(lang: str) -> str:
    return str(Literal("", lang=lang).language)  # rdflib refuses a malformed tag: so does this


@functools.lru_cache(maxsize=65536, typed=True)  # typed: 1 (a line) is not True (a boolean)
def _typed(value: object, datatype: str | None = None) -> str:
    """A typed literal in rdflib's lexical form (decimal 0.9, boolean true, integer 12, dateTime)."""
    return _quoteLiteral(Literal(value, datatype=URIRef(datatype) if datatype else None))


def _decimal(value: float) -> str:
    return _typed(round(value, 3), str(XSD.decimal))


def write_nquads(out: BinaryIO, concepts: Sequence[Concept], documents: Sequence[DocumentReport], *,
                 base: str = DEFAULT_BASE, title: str | Mapping[str, str], description: Mapping[str, str] | None = None,
                 languages: Sequence[str] = ("ja", "en"), document_titles: Mapping[str, str] | None = None,
                 created: datetime | None = None, previous_iris: dict[str, str] | None = None) -> int:
    """Turn linked concepts into RDF with provenance, written to out as N-Quads; returns the quad count.

    title and description are the vocabulary's (one string is Japanese, else language -> text);
    document_titles names single glossaries (file name -> title) for their pages.
    """
    iris = IRIs(base)
    _checked_iri(iris.base)
    iri_of, retired = concept_iris(concepts, iris, previous_iris)
    quads = _Quads(out)
    vocab = str(iris.vocabulary_graph)
    created = created or datetime.now(UTC).replace(microsecond=0)
    stamp = _typed(created.isoformat(), str(XSD.dateTime))
    scheme = str(iris.scheme)
    add = quads.add
    add(scheme, _RDF.type, _iri(_SKOS.ConceptScheme), vocab)
    for lang, text in ({"ja": title} if isinstance(title, str) else title).items():
        add(scheme, _DCTERMS.title, _literal(text, lang), vocab)
        add(scheme, _SKOS.prefLabel, _literal(text, lang), vocab)  # what SKOS tools display
    for lang, text in (description or {}).items():
        add(scheme, _DCTERMS.description, _literal(text, lang), vocab)
    add(scheme, _DCTERMS.created, stamp, vocab)
    add(scheme, _DCTERMS.modified, stamp, vocab)
    for lang in languages:
        add(scheme, _DCTERMS.language, _literal(lang), vocab)
    add(scheme, _VOID.dataDump, _iri(iris.base + "export?format=turtle"), vocab)

    doc_graphs: dict[str, str] = {}
    doc_titles = dict(document_titles or {})
    for report in documents:
        doc_iri = str(iris.document(report.name))
        doc_graphs[report.name] = doc_iri
        add(doc_iri, _RDF.type, _iri(_KGO.Document), doc_iri)
        add(doc_iri, _KGO.fileName, _literal(report.name), doc_iri)
        add(doc_iri, _KGO.sha256, _literal(report.sha256), doc_iri)
        add(doc_iri, _KGO.encoding, _literal(report.encoding), doc_iri)
        add(doc_iri, _KGO.layout, _literal(report.layout), doc_iri)
        if report.name in doc_titles:
            add(doc_iri, _DCTERMS.title, _literal(doc_titles[report.name]), doc_iri)
        add(scheme, _DCTERMS.source, _iri(doc_iri), vocab)
    quads.flush()

    def provenance(span: SourceSpan, s: str, p: str, o: str, o_term: str, *, o_lang: str = "", evidence: str,
                   pattern: str, confidence: float) -> None:
        """o is the object's value (an IRI or a literal's text), o_term its N-Triples form."""
        graph = doc_graphs.get(span.doc)
        if graph is None:
            return
        node = str(iris.extraction(s, p, o, o_lang or "", str(span), pattern))
        doc = _iri(iris.document(span.doc))
        add(node, _RDF.type, _iri(_KGO.Extraction), graph)
        add(node, _RDF.subject, _iri(s), graph)
        add(node, _RDF.predicate, _iri(p), graph)
        add(node, _RDF.object, o_term, graph)
        add(node, _KGO.evidence, _literal(evidence), graph)
        add(node, _KGO.pattern, _literal(pattern), graph)
        add(node, _KGO.confidence, _decimal(confidence), graph)
        add(node, _KGO.lineStart, _typed(span.line_start), graph)
        add(node, _KGO.lineEnd, _typed(span.line_end), graph)
        add(node, _DCTERMS.source, doc, graph)
        add(node, _PROV.wasDerivedFrom, doc, graph)

    outside = set((previous_iris or {}).values())  # IRIs this build did not make: checked before use
    for old, new in retired.items():
        _checked_iri(old)
        add(old, _OWL.deprecated, _typed(True), vocab)
        add(old, _DCTERMS.isReplacedBy, _checked_iri(new), vocab)
    quads.flush()
    keys = {c.key for c in concepts}
    # Two concepts under one IRI would state the same lines in two batches: de-duplicate them all.
    shared = len(set(iri_of.values())) < len(concepts)
    if shared:
        add = quads.add_shared
    broader: set[tuple[str, str]] = set()  # (narrower, broader) stated so far
    scheme_term = _iri(scheme)
    for concept in concepts:
        c = str(iri_of[concept.key])
        c_term = _checked_iri(c) if c in outside else _iri(c)
        add(c, _RDF.type, _iri(_SKOS.Concept), vocab)
        add(c, _SKOS.inScheme, scheme_term, vocab)
        add(c, _SKOS.topConceptOf, scheme_term, vocab)
        add(scheme, _SKOS.hasTopConcept, c_term, vocab)
        pref = _literal(concept.pref_label, concept.pref_lang)
        add(c, _SKOS.prefLabel, pref, vocab)
        add(c, _KGO.headwordConfidence, _decimal(concept.headword_confidence), vocab)
        add(c, _KGO.headwordEvidence, _literal(concept.headword_evidence), vocab)
        add(c, _KGO.headwordStatus, _literal(headword_status(concept)), vocab)
        _add_candidates(add, vocab, iris, concept, c)
        for doc in concept.sources if concept.defined else ():
            add(c, _KGO.definedIn, _iri(iris.document(doc)), vocab)
        if not concept.defined:
            note = "用語集に定義はなく、他の用語の関係先としてのみ現れる。"
            add(c, _SKOS.editorialNote, _literal(note, "ja"), vocab)
            add(c, _SKOS.editorialNote, _literal("Not defined by any glossary; named only as a relation target.", "en"),
                vocab)
        stated = _stated_labels(concept)
        for term in concept.terms:
            entry = term.entry
            # A term merged under another preferred label contributes an alternative label.
            predicate = stated.get((term.pref_label, term.pref_lang))
            if predicate is None:
                continue
            literal = _literal(term.pref_label, term.pref_lang)
            if entry.headword_line:
                provenance(SourceSpan(entry.doc, entry.headword_line, entry.headword_line), c, predicate,
                           term.pref_label, literal, o_lang=term.pref_lang, evidence=entry.headword or "",
                           pattern="headword", confidence=1.0)
            else:
                provenance(entry.span, c, predicate, term.pref_label, literal, o_lang=term.pref_lang,
                           evidence=entry.title or entry.definition[:120],
                           pattern=f"recovered:{term.headword_evidence}", confidence=term.headword_confidence)
        for definition in concept.definitions:
            literal = _literal(definition.text, definition.lang)
            add(c, _SKOS.definition, literal, doc_graphs.get(definition.span.doc, vocab))
            provenance(definition.span, c, SKOS.definition, definition.text, literal, o_lang=definition.lang or "",
                       evidence=definition.text[:200], pattern="definition", confidence=1.0)
        _add_labels(add, vocab, iris, concept, c, pref)
        for rel in concept.relations:
            if rel.target_key not in keys:
                continue
            t = str(iri_of[rel.target_key])
            if rel.kind in (RelationKind.BROADER, RelationKind.NARROWER):
                # Hierarchy, stated both ways; never also skos:related (SKOS keeps the two disjoint).
                narrow, broad = (c, t) if rel.kind is RelationKind.BROADER else (t, c)
                if (broad, narrow) in broader:
                    continue  # the other direction was stated first: a cycle is no hierarchy
                broader.add((narrow, broad))
                quads.add_shared(narrow, _SKOS.broader, _iri(broad), vocab)
                quads.add_shared(broad, _SKOS.narrower, _iri(narrow), vocab)
                predicate = SKOS.broader if rel.kind is RelationKind.BROADER else SKOS.narrower
            else:
                predicate = KGO.antonym if rel.kind is RelationKind.ANTONYM else SKOS.related
                if (c, t) in broader or (t, c) in broader:
                    continue  # already in a hierarchy: related would contradict it
                for s, o in ((c, t), (t, c)):
                    quads.add_shared(s, predicate, _iri(o), vocab)
                    quads.add_shared(s, _SKOS.related, _iri(o), vocab)
            provenance(rel.relation.span, c, predicate, t, _iri(t), evidence=rel.relation.evidence,
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
                            provenance(relation.span, c, predicate, text, _literal(text, lang), o_lang=lang or "",
                                       evidence=relation.evidence, pattern=relation.pattern,
                                       confidence=relation.confidence)
        quads.flush()
    return quads.count


def headword_status(concept: Concept) -> str:
    """"stated" when a glossary gives the name (as a headword or a relation's target), else "recovered".

    "confirmed" is a curator's decision, stated over this by the curation log.
    """
    return "stated" if concept.headword_evidence in ("headword", "relation_target") else "recovered"


def _add_candidates(add: _Add, vocab: str, iris: IRIs, concept: Concept, c: str) -> None:
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
            node = str(iris.candidate(concept.key, f"{cand.label}@{cand.lang}"))
            add(c, _KGO.headwordCandidate, _iri(node), vocab)
            add(node, _RDF.type, _iri(_KGO.HeadwordCandidate), vocab)
            add(node, _KGO.candidateText, _literal(cand.label, cand.lang), vocab)
            add(node, _KGO.candidateScore, _decimal(cand.score), vocab)
            add(node, _KGO.candidateEvidence, _literal(cand.evidence), vocab)
            add(node, _KGO.candidateRank, _typed(rank), vocab)


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


def _add_labels(add: _Add, vocab: str, iris: IRIs, concept: Concept, c: str, pref: str) -> None:
    """pref is the preferred label's N-Triples term."""
    pref_xl = str(iris.label(concept.key, concept.pref_label, concept.pref_lang or ""))
    add(c, _SKOSXL.prefLabel, _iri(pref_xl), vocab)
    add(pref_xl, _RDF.type, _iri(_SKOSXL.Label), vocab)
    add(pref_xl, _SKOSXL.literalForm, pref, vocab)
    xl_by_text = {concept.pref_label: pref_xl}
    seen = {(concept.pref_label, concept.pref_lang or None)}  # (text, language as rdflib keeps it: "" is None)
    for label in concept.labels:
        if (label.text, label.lang) in seen:
            continue
        seen.add((label.text, label.lang))
        literal = _literal(label.text, label.lang)
        if label.kind is LabelKind.PREF:
            add(c, _SKOS.prefLabel, literal, vocab)
        elif label.kind is LabelKind.READING:
            add(c, _SKOS.hiddenLabel, literal, vocab)
            add(c, _KGO.reading, literal, vocab)
        elif label.kind is LabelKind.CANDIDATE:
            add(c, _KGO.candidateLabel, literal, vocab)
        else:
            add(c, _SKOS.altLabel, literal, vocab)
        if label.kind in (LabelKind.ALT, LabelKind.EXPANSION, LabelKind.ABBREVIATION):
            xl = str(iris.label(concept.key, label.text, label.lang))
            add(c, _SKOSXL.altLabel, _iri(xl), vocab)
            add(xl, _RDF.type, _iri(_SKOSXL.Label), vocab)
            add(xl, _SKOSXL.literalForm, literal, vocab)
            xl_by_text[label.text] = xl
    for short_text, long_text in abbreviation_links(concept.pref_label, concept.labels):
        short = xl_by_text.get(short_text)
        long = xl_by_text.get(long_text, pref_xl)
        if short is not None and short != long:
            add(short, _RDF.type, _iri(_KGO.Abbreviation), vocab)
            add(short, _KGO.abbreviationOf, _iri(long), vocab)
            add(short, _LEXINFO.termType, _iri(_LEXINFO.acronym if is_acronym(short_text) else _LEXINFO.abbreviation),
                vocab)
