"""ConceptIndex: every searchable concept with its lexical indexes and faiss vectors, saved as files."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from ingest.forked import start_in_child
from ingest.records import Concept, LabelKind
from ontology.namespace import KGO
from search.calibration import Calibration
from search.lexical import ALT, HIDDEN, PREF, BM25Index, CharNgramIndex, LabelIndex, analyze
from search.normalize import normalize, strip_question

log = logging.getLogger(__name__)

SKOS = "http://www.w3.org/2004/02/skos/core#"
INDEX_VERSION = 3  # 2: lexical indexes saved (lexical.npz, labels.json); 3: Sudachi variants, calibration.json

# One row per (concept, property, value): labels, definitions and antonym edges, from any SKOS graph.
LABEL_PROPERTIES = "skos:prefLabel skos:altLabel skos:hiddenLabel"
OTHER_PROPERTIES = "skos:definition kgo:antonym skos:inScheme kgo:headwordConfidence"
_ROWS_QUERY = f"""
PREFIX skos: <{SKOS}>
PREFIX kgo: <{KGO}>
SELECT ?c ?p ?o WHERE {{{{
  ?c a skos:Concept .
  ?c ?p ?o .
  VALUES ?p {{{{ {{properties}} }}}}
}}}}
"""
CONCEPT_ROWS_QUERY = _ROWS_QUERY.format(properties=f"{LABEL_PROPERTIES} {OTHER_PROPERTIES}")
# The same rows less the labels, for a caller that has the label rows already (kg.store.label_rows_of).
CONCEPT_FIELDS_QUERY = _ROWS_QUERY.format(properties=OTHER_PROPERTIES)


@dataclass
class ConceptDoc:
    """What search needs to know about one concept."""

    uri: str
    pref_labels: dict[str, str] = field(default_factory=dict)  # lang -> label
    alt_labels: list[list[str]] = field(default_factory=list)  # [text, lang]
    hidden_labels: list[str] = field(default_factory=list)
    definitions: list[str] = field(default_factory=list)
    antonyms: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)
    headword_confidence: float = 1.0

    @property
    def pref_label(self) -> str:
        return self.pref_labels.get("ja") or next(iter(self.pref_labels.values()), self.uri)

    @property
    def lang(self) -> str:
        return "ja" if "ja" in self.pref_labels else next(iter(self.pref_labels), "ja")

    def text(self) -> str:
        """Text that represents the concept for BM25, n-grams and embeddings."""
        labels = [*self.pref_labels.values(), *(t for t, _ in self.alt_labels)]
        return "。".join([" / ".join(labels), *self.definitions])


_DOC_FIELDS = tuple(f.name for f in fields(ConceptDoc))


def concept_docs_from_rows(rows: Iterable[tuple[str, str, str, str | None]]) -> list[ConceptDoc]:
    """Group (concept, property, value, lang) rows into ConceptDocs, sorted by URI."""
    docs: dict[str, ConceptDoc] = {}
    for c, p, o, lang in rows:
        doc = docs.setdefault(c, ConceptDoc(c))
        name = p.rsplit("#", 1)[-1]
        if name == "prefLabel":
            doc.pref_labels.setdefault(lang or "", o)
        elif name == "altLabel":
            doc.alt_labels.append([o, lang or ""])
        elif name == "hiddenLabel":
            doc.hidden_labels.append(o)
        elif name == "definition":
            doc.definitions.append(o)
        elif name == "antonym":
            doc.antonyms.append(o)
        elif name == "inScheme":
            doc.schemes.append(o)
        elif name == "headwordConfidence":
            doc.headword_confidence = float(o)
    for doc in docs.values():
        doc.alt_labels.sort()
        doc.hidden_labels.sort()
        doc.definitions.sort()
        doc.antonyms.sort()
    return [docs[k] for k in sorted(docs)]


def expected_texts(concepts: Iterable[Concept]) -> list[str]:
    """The texts an index of these concepts will tokenize (labels, definitions, the embedded text),
    as the graph will state them. A build tokenizes them while its store loads; a text guessed
    wrong is only tokenized again, so the index never depends on the guess."""
    out: list[str] = []
    for concept in concepts:
        alt: set[tuple[str, str]] = set()
        hidden: set[str] = set()
        for label in concept.labels:
            if (label.text, label.lang) == (concept.pref_label, concept.pref_lang):
                continue
            if label.kind is LabelKind.READING:
                hidden.add(label.text)
            elif label.kind not in (LabelKind.PREF, LabelKind.CANDIDATE):
                alt.add((label.text, label.lang))
        doc = ConceptDoc("", {concept.pref_lang: concept.pref_label}, sorted([t, lang] for t, lang in alt),
                         sorted(hidden), sorted({d.text for d in concept.definitions}))
        out += [" ".join([concept.pref_label, *(t for t, _ in doc.alt_labels)]), " ".join(doc.definitions), doc.text()]
        out += [normalize(t) for t in [concept.pref_label, *(t for t, _ in doc.alt_labels), *doc.hidden_labels]
                if _KANJI.search(t)]
    return out


_KANJI = re.compile(r"[\u4e00-\u9fff]")


class ConceptIndex:
    """Lexical indexes (rebuilt on load, deterministic) plus dense vectors (stored)."""

    def __init__(self, docs: Sequence[ConceptDoc], vectors: np.ndarray | None, model_id: str | None,
                 lexical: tuple[list, Mapping[str, np.ndarray]] | None = None, ngrams: CharNgramIndex | None = None):
        self.docs = list(docs)
        self.by_uri = {d.uri: i for i, d in enumerate(self.docs)}
        self.model_id = model_id
        if lexical is not None:  # saved by build_index: no tokenising on load
            rows, arrays = lexical
            self.labels = LabelIndex.from_state(rows, arrays)
            self.bm25 = BM25Index(arrays=arrays)
            self.ngrams = CharNgramIndex(arrays=arrays)
        else:
            self._build_lexical(ngrams)
        self.calibration: Calibration | None = None  # the artifact's confidence model, set by load_index
        self.attach_vectors(vectors)

    def attach_vectors(self, vectors: np.ndarray | None) -> None:
        """Give the index its dense vectors (one row per doc) and the faiss index over them."""
        self.vectors = vectors
        self.faiss = None
        if vectors is not None and len(vectors):
            import faiss  # heavy import kept out of module import time

            # One query at a time: faiss's OpenMP threads only contend with the web workers.
            faiss.omp_set_num_threads(1)
            self.faiss = faiss.IndexFlatIP(vectors.shape[1])
            self.faiss.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def lexical_state(self) -> tuple[list, dict[str, np.ndarray]]:
        rows, arrays = self.labels.state()
        return rows, {**arrays, **self.bm25.arrays(), **self.ngrams.arrays()}

    def _build_lexical(self, ngrams: CharNgramIndex | None = None) -> None:
        self.labels = LabelIndex()
        analysed = []
        for i, doc in enumerate(self.docs):
            for label in doc.pref_labels.values():
                self.labels.add(i, label, PREF)
            for text, _lang in doc.alt_labels:
                self.labels.add(i, text, ALT)
            for text in doc.hidden_labels:
                self.labels.add(i, text, HIDDEN)
                # A question a curator attached as written (kg.review) is looked up as suggest reads it:
                # without its question wrapper (「…割合は?」 is asked as 「…割合」).
                if (asked := strip_question(text)) and asked != text:
                    self.labels.add(i, asked, HIDDEN)
            label_text = " ".join([*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels)])
            # Labels count twice: a term named in the query should beat one merely mentioned.
            analysed.append(analyze(label_text) * 2 + analyze(" ".join(doc.definitions)))
        self.labels.freeze()
        self.bm25 = BM25Index(analysed)
        self.ngrams = ngrams if ngrams is not None else CharNgramIndex([doc.text() for doc in self.docs])

    def __len__(self) -> int:
        return len(self.docs)

    def dense_search(self, query_vector: np.ndarray, k: int = 50) -> list[tuple[int, float]]:
        if self.faiss is None or not np.any(query_vector):
            return []
        scores, ids = self.faiss.search(query_vector.reshape(1, -1).astype(np.float32), min(k, len(self.docs)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


def build_index(docs: Sequence[ConceptDoc], embedder, out_dir: str | os.PathLike,
                progress: Callable[[Iterable], Iterable] = lambda it: it, batch: int = 256) -> dict:
    """Encode docs and write the index files into out_dir; returns the index manifest."""
    return write_index(docs, embedder, out_dir, progress, batch)[0]


def write_index(docs: Sequence[ConceptDoc], embedder, out_dir: str | os.PathLike,
                progress: Callable[[Iterable], Iterable] = lambda it: it,
                batch: int = 256) -> tuple[dict, ConceptIndex]:
    """build_index, also returning the index it wrote (as load_index would read it back, less its calibration)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts = [doc.text() for doc in docs]

    # The character n-grams need nothing of the rest: a forked child computes them while this process
    # builds the labels, BM25 and the vectors (the step took 30 s at 50k on one core).
    ngrams = start_in_child(lambda: CharNgramIndex(texts).arrays()) if len(texts) > 2000 else None
    index = ConceptIndex(docs, None, embedder.model_id, ngrams=CharNgramIndex() if ngrams else None)
    chunks = [embedder.encode_documents(texts[start : start + batch])
              for start in progress(range(0, len(texts), batch))]
    vectors = np.vstack(chunks).astype(np.float32) if chunks else np.zeros((0, embedder.dimension), np.float32)
    with (out / "docs.jsonl").open("w", encoding="utf-8") as f:
        for doc in docs:
            # The fields as they are (asdict deep-copies every list: seconds at 50k concepts), in field order.
            f.write(json.dumps({name: getattr(doc, name) for name in _DOC_FIELDS}, ensure_ascii=False) + "\n")
    if ngrams is not None:
        index.ngrams = CharNgramIndex(arrays=ngrams.result())
    rows, arrays = index.lexical_state()
    np.savez(out / "lexical.npz", allow_pickle=False, **arrays)
    (out / "labels.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    np.save(out / "vectors.npy", vectors)
    index.attach_vectors(vectors)
    manifest = {"version": INDEX_VERSION, "model_id": embedder.model_id, "dimension": int(embedder.dimension),
                "query_prefix": embedder.query_prefix, "document_prefix": embedder.document_prefix,
                "concepts": len(docs)}
    (out / "index.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest, index


def read_manifest(index_dir: str | os.PathLike) -> Mapping:
    return json.loads((Path(index_dir) / "index.json").read_text(encoding="utf-8"))


def load_index(index_dir: str | os.PathLike) -> ConceptIndex:
    """Load what build_index wrote."""
    path = Path(index_dir)
    manifest = read_manifest(path)
    docs = []
    with (path / "docs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            docs.append(ConceptDoc(**json.loads(line)))
    vectors = np.load(path / "vectors.npy")
    lexical = None
    if (path / "lexical.npz").is_file():  # artifacts built before version 2 rebuild it here
        with np.load(path / "lexical.npz", allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        lexical = (json.loads((path / "labels.json").read_text(encoding="utf-8")), arrays)
    index = ConceptIndex(docs, vectors, manifest["model_id"], lexical)
    index.calibration = Calibration.load(path)
    return index
