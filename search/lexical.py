"""Lexical signals: label/reading lookup, prefix completion, BM25 over lemmas, character n-grams."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.tokenize import CONTENT_POS, tokenize
from search.normalize import loose_key, normalize

PREF, ALT, HIDDEN, READING = 0, 1, 2, 3
MATCH_TYPES = {PREF: "prefLabel", ALT: "altLabel", HIDDEN: "hiddenLabel", READING: "reading"}


@dataclass(frozen=True, slots=True)
class LabelHit:
    doc: int
    label: str
    rank: int  # PREF < ALT < HIDDEN < READING (Skosmos precedence)


def analyze(text: str) -> list[str]:
    """BM25 terms: content-word lemmas, NFKC-lowercased, plus English origins of loanwords."""
    terms = []
    for token in tokenize(text):
        if token.pos in CONTENT_POS:
            terms.append(unicodedata.normalize("NFKC", token.lemma).lower())
            if token.origin:
                terms.append(token.origin.lower())
    return terms


def reading_key(text: str) -> str:
    """Loose key of the UniDic reading: 呼損率 -> コソンリツ -> コソンリツ."""
    return loose_key("".join(token.reading for token in tokenize(normalize(text))))


def _char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> dict[str, int]:
    text = normalize(text)
    grams: dict[str, int] = defaultdict(int)
    for n in sizes:
        for i in range(len(text) - n + 1):
            grams[text[i : i + n]] += 1
    return grams


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    hits = np.flatnonzero(scores > 0)
    if hits.size > k:
        hits = hits[np.argpartition(-scores[hits], k)[:k]]
    order = hits[np.argsort(-scores[hits], kind="stable")]
    return [(int(i), float(scores[i])) for i in order]


class CharNgramIndex:
    """TF-IDF cosine over character 2-3-grams (sublinear tf), as numpy posting arrays."""

    def __init__(self, texts: Sequence[str]):
        self.size = len(texts)
        doc_grams = [_char_ngrams(t) for t in texts]
        df: dict[str, int] = defaultdict(int)
        for grams in doc_grams:
            for g in grams:
                df[g] += 1
        n = max(1, len(texts))
        self.idf = {g: math.log((1 + n) / (1 + c)) + 1 for g, c in df.items()}
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, grams in enumerate(doc_grams):
            weights = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for g, w in weights.items():
                docs, values = postings[g]
                docs.append(i)
                values.append(w / norm)
        self.postings = {g: (np.asarray(d, dtype=np.int32), np.asarray(v, dtype=np.float32))
                         for g, (d, v) in postings.items()}

    def search(self, query: str, k: int = 50) -> list[tuple[int, float]]:
        grams = _char_ngrams(query)
        weights = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return []
        scores = np.zeros(self.size, dtype=np.float32)
        for g, w in weights.items():
            docs, values = self.postings[g]
            scores[docs] += (w / norm) * values  # a gram occurs once per document's posting list
        return _top(scores, k)


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75) over analysed terms, with numpy posting arrays for speed."""

    def __init__(self, docs: Sequence[list[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.size = len(docs)
        lengths = np.asarray([len(d) for d in docs], dtype=np.float32)
        avgdl = float(lengths.mean()) if len(docs) else 1.0
        self.norm = k1 * (1 - b + b * lengths / (avgdl or 1.0))
        postings: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for i, terms in enumerate(docs):
            counts: dict[str, int] = defaultdict(int)
            for t in terms:
                counts[t] += 1
            for t, c in counts.items():
                postings[t][0].append(i)
                postings[t][1].append(c)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - len(p[0]) + 0.5) / (len(p[0]) + 0.5)) for t, p in postings.items()}
        self.postings = {t: (np.asarray(d, dtype=np.int32), np.asarray(c, dtype=np.float32))
                         for t, (d, c) in postings.items()}

    def search(self, terms: Sequence[str], k: int = 50) -> list[tuple[int, float]]:
        scores = np.zeros(self.size, dtype=np.float32)
        for t in set(terms):
            if t not in self.postings:
                continue
            docs, tf = self.postings[t]
            scores[docs] += self.idf[t] * tf * (self.k1 + 1) / (tf + self.norm[docs])
        return _top(scores, k)


class LabelIndex:
    """Exact, normalised and reading lookups over labels, plus sorted keys for prefix search."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[LabelHit]] = defaultdict(list)
        self.prefix_keys: list[tuple[str, int, str, int]] = []  # (key, doc, label, rank)

    def add(self, doc: int, label: str, rank: int) -> None:
        keys = {loose_key(label)}
        if rank != READING and re.search(r"[\u4e00-\u9fff]", label):
            keys.add(reading_key(label))
        for key in keys:
            if key and all(h.doc != doc or h.rank > rank for h in self.by_key[key]):
                self.by_key[key].append(LabelHit(doc, label, rank if key == loose_key(label) else READING))
                self.prefix_keys.append((key, doc, label, rank if key == loose_key(label) else READING))

    def freeze(self) -> None:
        self.prefix_keys.sort()
        # Bigram postings over label keys, to find typo candidates without scanning every label.
        self.grams: dict[str, list[int]] = defaultdict(list)
        for i, (key, _doc, _label, _rank) in enumerate(self.prefix_keys):
            for g in {key[j : j + 2] for j in range(len(key) - 1)}:
                self.grams[g].append(i)

    def fuzzy(self, text: str, limit: int = 5) -> list[tuple[LabelHit, float]]:
        """Labels within a small edit distance of text (typos), with a similarity in (0, 1)."""
        key = loose_key(text)
        if len(key) < 4:
            return []
        budget = 1 if len(key) <= 6 else 2
        counts: dict[int, int] = defaultdict(int)
        for g in {key[j : j + 2] for j in range(len(key) - 1)}:
            for i in self.grams.get(g, ()):
                counts[i] += 1
        need = max(1, len(key) - 1 - 2 * budget)
        best: dict[int, tuple[LabelHit, float]] = {}
        for i, shared in counts.items():
            if shared < need:
                continue
            other, doc, label, rank = self.prefix_keys[i]
            if abs(len(other) - len(key)) > budget:
                continue
            distance = _levenshtein(key, other, budget)
            if 0 < distance <= budget:
                similarity = 1 - distance / max(len(key), len(other))
                if doc not in best or similarity > best[doc][1]:
                    best[doc] = (LabelHit(doc, label, rank), similarity)
        return sorted(best.values(), key=lambda item: (-item[1], item[0].rank))[:limit]

    def lookup(self, text: str) -> list[LabelHit]:
        hits = list(self.by_key.get(loose_key(text), ()))
        if not hits and re.search(r"[\u3040-\u30ff]", text):
            hits = [LabelHit(h.doc, h.label, READING) for h in self.by_key.get(reading_key(text), ())]
        best: dict[int, LabelHit] = {}
        for hit in hits:
            if hit.doc not in best or hit.rank < best[hit.doc].rank:
                best[hit.doc] = hit
        return sorted(best.values(), key=lambda h: (h.rank, h.doc))

    def prefix(self, text: str, limit: int = 10) -> list[LabelHit]:
        """Labels whose loose key (or reading) starts with text, one per concept, best rank first."""
        key = loose_key(text)
        if not key:
            return []
        start = bisect.bisect_left(self.prefix_keys, (key,))
        best: dict[int, LabelHit] = {}
        for k, doc, label, rank in self.prefix_keys[start:]:
            if not k.startswith(key):
                break
            if doc not in best or (rank, len(label)) < (best[doc].rank, len(best[doc].label)):
                best[doc] = LabelHit(doc, label, rank)
            if len(best) >= limit * 20:
                break
        return sorted(best.values(), key=lambda h: (h.rank, len(h.label), h.label))[:limit]


def _levenshtein(a: str, b: str, budget: int) -> int:
    """Edit distance, giving up (returning budget + 1) once it must exceed budget."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > budget:
            return budget + 1
        previous = current
    return previous[-1]
