"""Lexical signals: label/reading lookup, prefix completion, BM25 over lemmas, character n-grams."""

from __future__ import annotations

import bisect
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.terms import label_key
from ingest.tokenize import CONTENT_POS, tokenize
from search.normalize import loose_key, normalize
from search.sudachi import normalized_text, normalized_word

PREF, ALT, HIDDEN, READING = 0, 1, 2, 3
MATCH_TYPES = {PREF: "prefLabel", ALT: "altLabel", HIDDEN: "hiddenLabel", READING: "reading"}


@dataclass(frozen=True, slots=True)
class LabelHit:
    doc: int
    label: str
    rank: int  # PREF < ALT < HIDDEN < READING (Skosmos precedence)


def analyze(text: str) -> list[str]:
    """BM25 terms: content-word lemmas, NFKC-lowercased, plus English origins of loanwords, plus
    Sudachi's spelling where it differs (稼動 also counts as 稼働), so variant spellings meet."""
    terms: list[str] = []
    for token in tokenize(text):
        if token.pos in CONTENT_POS:
            key = (token.lemma, token.origin, token.surface)
            found = _TERMS.get(key)
            if found is None:
                found = _word_terms(*key)
                if len(_TERMS) < _MAX_TERMS:
                    _TERMS[key] = found
            terms.extend(found)
    return terms


# A word's terms, worked out once per build (an index analyses millions of words, a few thousand distinct).
_TERMS: dict[tuple[str, str, str], tuple[str, ...]] = {}
_MAX_TERMS = 500_000


def _word_terms(lemma: str, origin: str, surface: str) -> tuple[str, ...]:
    lemma = unicodedata.normalize("NFKC", lemma).lower()
    terms = [lemma]
    if origin:
        terms.append(origin.lower())
    if _LATIN_WORD.match(lemma):
        # English labels and definitions are indexed as English: "calls" and "call", "handling"
        # and "handle" share a term. Sudachi would make a loanword of it ("Customer" -> カスタマー).
        if (stem := english_stem(lemma)) != lemma:
            terms.append(stem)
        return tuple(terms)
    variant = normalized_word(surface)
    if variant is not None and (variant := unicodedata.normalize("NFKC", variant).lower()) != lemma:
        terms.append(variant)
    return tuple(terms)


_LATIN_WORD = re.compile(r"^[a-z][a-z'\-]*$")


def english_stem(word: str) -> str:
    """A light English stem: plural -s/-es/-ies and -ing/-ed taken off (resolution stays)."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ied"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def variant_key(text: str) -> str:
    """Loose key of the Sudachi spelling: シュミレーション -> シミュレーション, 稼動率 -> 稼働率."""
    return loose_key(normalized_text(normalize(text)))


def reading_key(text: str) -> str:
    """Loose key of the UniDic reading: 呼損率 -> コソンリツ -> コソンリツ."""
    return loose_key("".join(token.reading for token in tokenize(normalize(text))))


def _char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> dict[str, int]:
    text = normalize(text)
    grams: Counter[str] = Counter()  # counted in C; keys in first-seen order, as the index needs
    for n in sizes:
        grams.update(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


# A code point plus one fits in 21 bits, so a 2- or 3-gram packs into one int64 (first character highest).
_GRAM_BITS = 21
_GRAM_MASK = (1 << _GRAM_BITS) - 1


def _ngram_postings(texts: Sequence[str], sizes: tuple[int, ...] = (2, 3)):
    """Postings of the sublinear TF-IDF 2-3-gram vectors of normalised texts, computed with numpy.

    The same terms, in the same (first-seen) order, and the same weights as counting each text's
    grams with _char_ngrams. A 50k-entry glossary has ~7.5M (document, gram) pairs: counting them in
    Python took 12 s, sorting packed grams 8-10 s on the same machine. Returns (terms, offsets, docs,
    values, idf).
    """
    n_docs = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.int64) + 1
    starts = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    per_size = [np.maximum(lengths - n + 1, 0) for n in sizes]
    run_start = np.zeros(n_docs + 1, dtype=np.int64)  # each document's grams: its 2-grams, then its 3-grams
    np.cumsum(np.sum(per_size, axis=0), out=run_start[1:])
    grams = np.empty(int(run_start[-1]), dtype=np.int64)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(run_start))
    ahead = np.zeros(n_docs, dtype=np.int64)  # grams of smaller sizes ahead in the document's run
    for n, count in zip(sizes, per_size, strict=True):
        owner = np.repeat(np.arange(n_docs, dtype=np.int64), count)
        k = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        packed = np.zeros(len(owner), dtype=np.int64)
        for j in range(n):
            packed = (packed << _GRAM_BITS) | codes[starts[owner] + k + j]
        grams[run_start[owner] + ahead[owner] + k] = packed
        ahead += count
    # Distinct grams numbered in the order a Counter over the texts first sees them.
    by_gram = np.argsort(grams)
    sorted_grams = grams[by_gram]
    new = np.ones(len(grams), dtype=bool)
    new[1:] = sorted_grams[1:] != sorted_grams[:-1]
    heads = np.flatnonzero(new)
    first_seen = np.minimum.reduceat(by_gram, heads) if len(heads) else heads
    seen_order = np.argsort(first_seen, kind="stable")
    number = np.empty(len(heads), dtype=np.int64)
    number[seen_order] = np.arange(len(heads))
    term = np.empty(len(grams), dtype=np.int64)
    term[by_gram] = number[np.cumsum(new) - 1]
    width = max(1, n_docs)
    pairs, counts = np.unique(term * width + doc, return_counts=True)  # by term, then document
    pair_term, pair_doc = pairs // width, pairs % width
    df = np.bincount(pair_term, minlength=len(heads))
    idf = np.log((1 + width) / (1 + df)) + 1
    weights = (1 + np.log(counts)) * idf[pair_term]
    norms = np.sqrt(np.bincount(pair_doc, weights=weights * weights, minlength=n_docs))
    norms[norms == 0] = 1.0
    offsets = np.zeros(len(heads) + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    terms = _unpack_grams(sorted_grams[heads][seen_order], max(sizes, default=1))
    return terms, offsets, pair_doc.astype(np.int32), (weights / norms[pair_doc]).astype(np.float32), idf


def _unpack_grams(grams: np.ndarray, size: int) -> list[str]:
    fields = np.stack([(grams >> (_GRAM_BITS * (size - 1 - j))) & _GRAM_MASK for j in range(size)], axis=1)
    empty = (fields == 0).sum(axis=1)
    for shift in range(1, size):  # a shorter gram's leading fields are empty: its characters go first
        rows = empty == shift
        fields[rows] = np.roll(fields[rows], -shift, axis=1)
    if (fields == 1).any():  # a NUL character, which a numpy string would drop when trailing
        return ["".join(chr(c - 1) for c in row if c) for row in fields.tolist()]
    chars = np.ascontiguousarray(np.where(fields > 0, fields - 1, 0).astype("<u4"))
    return chars.view(f"<U{size}").ravel().tolist()



def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    hits = np.flatnonzero(scores > 0)
    if hits.size > k:
        hits = hits[np.argpartition(-scores[hits], k)[:k]]
    order = hits[np.argsort(-scores[hits], kind="stable")]
    return [(int(i), float(scores[i])) for i in order]


class Postings:
    """term -> (document ids, values) in three flat arrays, so an index saves and loads as arrays.

    Rebuilding the lexical indexes from text on every load took 150 s at 40k concepts (fugashi and
    n-grams over every definition); loading these arrays takes about a second.
    """

    def __init__(self, terms: Sequence[str], offsets: np.ndarray, docs: np.ndarray, values: np.ndarray):
        self.terms = list(terms)
        self.row = {t: i for i, t in enumerate(self.terms)}
        self.offsets, self.docs, self.values = offsets, docs, values

    @classmethod
    def from_lists(cls, postings: Mapping[str, tuple[Sequence[int], Sequence[float]]]) -> Postings:
        terms = list(postings)
        lengths = np.fromiter((len(postings[t][0]) for t in terms), dtype=np.int64, count=len(terms))
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        docs = np.fromiter((d for t in terms for d in postings[t][0]), dtype=np.int32, count=int(offsets[-1]))
        values = np.fromiter((v for t in terms for v in postings[t][1]), dtype=np.float32, count=int(offsets[-1]))
        return cls(terms, offsets, docs, values)

    def __contains__(self, term: str) -> bool:
        return term in self.row

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.row.get(term)
        if i is None:
            return None
        a, b = self.offsets[i], self.offsets[i + 1]
        return self.docs[a:b], self.values[a:b]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        # Terms as UTF-8 JSON bytes: a numpy string array would pad every term to the longest one.
        terms = np.frombuffer(json.dumps(self.terms, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        return {f"{prefix}_terms": terms, f"{prefix}_offsets": self.offsets,
                f"{prefix}_docs": self.docs, f"{prefix}_values": self.values}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> Postings:
        terms = json.loads(arrays[f"{prefix}_terms"].tobytes().decode("utf-8"))
        return cls(terms, arrays[f"{prefix}_offsets"], arrays[f"{prefix}_docs"], arrays[f"{prefix}_values"])


class CharNgramIndex:
    """TF-IDF cosine over character 2-3-grams (sublinear tf), as numpy posting arrays."""

    def __init__(self, texts: Sequence[str] | None = None, *, arrays=None):
        if arrays is not None:  # a saved index (see arrays())
            self.size = int(arrays["ngram_size"])
            self.postings = Postings.from_arrays(arrays, "ngram")
            self.idf_values = arrays["ngram_idf"]
            return
        texts = texts or []
        self.size = len(texts)
        terms, offsets, docs, values, self.idf_values = _ngram_postings([normalize(t) for t in texts])
        self.postings = Postings(terms, offsets, docs, values)

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.postings.arrays("ngram"), "ngram_idf": self.idf_values, "ngram_size": np.asarray(self.size)}

    def search(self, query: str, k: int = 50) -> list[tuple[int, float]]:
        grams = _char_ngrams(query)
        row = self.postings.row
        weights = {g: (1 + math.log(c)) * float(self.idf_values[row[g]]) for g, c in grams.items() if g in row}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        if not norm:
            return []
        scores = np.zeros(self.size, dtype=np.float32)
        for g, w in weights.items():
            found = self.postings.get(g)
            if found is None:
                continue
            docs, values = found
            scores[docs] += (w / norm) * values  # a gram occurs once per document's posting list
        return _top(scores, k)


class BM25Index:
    """Okapi BM25 (k1=1.5, b=0.75) over analysed terms, with numpy posting arrays for speed."""

    def __init__(self, docs: Sequence[list[str]] | None = None, k1: float = 1.5, b: float = 0.75, *, arrays=None):
        self.k1, self.b = k1, b
        if arrays is not None:  # a saved index (see arrays())
            self.k1, self.b = float(arrays["bm25_k1"]), float(arrays["bm25_b"])
            self.norm = arrays["bm25_norm"]
            self.size = len(self.norm)
            self.postings = Postings.from_arrays(arrays, "bm25")
            self.idf_values = arrays["bm25_idf"]
            return
        docs = docs or []
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
        self.postings = Postings.from_lists(postings)
        self.idf_values = np.asarray([math.log(1 + (n - len(postings[t][0]) + 0.5) / (len(postings[t][0]) + 0.5))
                                      for t in self.postings.terms], dtype=np.float64)

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.postings.arrays("bm25"), "bm25_idf": self.idf_values, "bm25_norm": self.norm,
                "bm25_k1": np.asarray(self.k1), "bm25_b": np.asarray(self.b)}

    def coverage(self, terms: Sequence[str]) -> np.ndarray:
        """Per document, the idf-weighted share of the distinct query terms it contains (0..1).

        A term no document contains weighs as much as the rarest indexed term: a question about
        something the glossary never mentions should not look covered.
        """
        covered = np.zeros(self.size, dtype=np.float32)
        unseen = math.log(1 + (self.size + 0.5) / 1.5)
        total = 0.0
        for t in set(terms):
            i = self.postings.row.get(t)
            if i is None:
                total += unseen
                continue
            idf = float(self.idf_values[i])
            total += idf
            found = self.postings.get(t)
            if found is not None:
                covered[found[0]] += idf
        return covered / total if total else covered

    def search(self, terms: Sequence[str], k: int = 50) -> list[tuple[int, float]]:
        scores = np.zeros(self.size, dtype=np.float32)
        for t in set(terms):
            i = self.postings.row.get(t)
            if i is None:
                continue
            found = self.postings.get(t)
            if found is None:
                continue
            docs, tf = found
            scores[docs] += float(self.idf_values[i]) * tf * (self.k1 + 1) / (tf + self.norm[docs])
        return _top(scores, k)


class LabelIndex:
    """Exact, normalised and reading lookups over labels, plus sorted keys for prefix search."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[LabelHit]] = defaultdict(list)
        self.prefix_keys: list[tuple[str, int, str, int]] = []  # (key, doc, label, rank)

    def add(self, doc: int, label: str, rank: int) -> None:
        # variant_key and reading_key of the label, sharing its normalised form (a build adds 100k labels).
        normal = normalize(label)
        own = label_key(normal)
        keys = {own}
        if rank in (PREF, ALT):  # hidden labels and readings are spellings already
            keys.add(loose_key(normalized_text(normal)))
        if rank != READING and re.search(r"[\u4e00-\u9fff]", label):
            keys.add(loose_key("".join(token.reading for token in tokenize(normal))))
        for key in keys:
            if key and all(h.doc != doc or h.rank > rank for h in self.by_key[key]):
                self.by_key[key].append(LabelHit(doc, label, rank if key == own else READING))
                self.prefix_keys.append((key, doc, label, rank if key == own else READING))

    def freeze(self) -> None:
        self.prefix_keys.sort()
        # Bigram postings over label keys, to find typo candidates without scanning every label.
        grams: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, (key, _doc, _label, _rank) in enumerate(self.prefix_keys):
            # In first-seen order, not a set's: the saved postings are then the same from build to build.
            for g in dict.fromkeys(key[j : j + 2] for j in range(len(key) - 1)):
                grams[g][0].append(i)
                grams[g][1].append(0.0)
        self.grams = Postings.from_lists(grams)

    def state(self) -> tuple[list, dict[str, np.ndarray]]:
        """(JSON-able rows, arrays) that from_state() turns back into this index."""
        return [list(row) for row in self.prefix_keys], self.grams.arrays("labelgram")

    @classmethod
    def from_state(cls, rows: list, arrays) -> LabelIndex:
        index = cls()
        index.prefix_keys = [tuple(row) for row in rows]  # already sorted by freeze()
        for key, doc, label, rank in index.prefix_keys:
            index.by_key[key].append(LabelHit(doc, label, rank))
        index.grams = Postings.from_arrays(arrays, "labelgram")
        return index

    def fuzzy(self, text: str, limit: int = 5) -> list[tuple[LabelHit, float]]:
        """Labels within a small edit distance of text (typos), with a similarity in (0, 1)."""
        key = loose_key(text)
        if len(key) < 4:
            return []
        budget = 1 if len(key) <= 6 else 2
        counts: dict[int, int] = defaultdict(int)
        for g in {key[j : j + 2] for j in range(len(key) - 1)}:
            found = self.grams.get(g)
            for i in (found[0].tolist() if found is not None else ()):
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
        if not hits:  # a variant spelling: シュミレーション for シミュレーション
            hits = [LabelHit(h.doc, h.label, max(h.rank, READING)) for h in self.by_key.get(variant_key(text), ())]
        # A kana query, or a kanji one written with a homophone (稼動率 for 稼働率, 放棄呼律 for 放棄呼率),
        # meets the label through its UniDic reading.
        if not hits and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
            hits = [LabelHit(h.doc, h.label, READING) for h in self.by_key.get(reading_key(text), ())]
        best: dict[int, LabelHit] = {}
        for hit in hits:
            if hit.doc not in best or hit.rank < best[hit.doc].rank:
                best[hit.doc] = hit
        # Homophones (稼働率 and 可動率 are both カドウリツ): the label sharing more of the query's
        # characters first.
        return sorted(best.values(), key=lambda h: (h.rank, -len(set(text) & set(h.label)), h.doc))

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
