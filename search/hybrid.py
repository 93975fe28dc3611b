"""Natural-language lookup: label hits first, then BM25 + character n-grams + dense vectors fused by rank."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.tokenize import tokenize
from search.calibration import PRIOR, Calibration, features
from search.english import is_english_phrase, stemmed, to_katakana
from search.index import ConceptIndex
from search.lexical import MATCH_TYPES, READING, analyze
from search.normalize import normalize, strip_question

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=16384)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(analyze(text))

SIGNALS = ("bm25", "ngram", "dense")
RRF_K = 60
DEPTH = 50
CANDIDATES = 30  # fused candidates scored for confidence and returned at most
# Rank-fusion weights: BM25 alone was best for Recall@1 on the dev queries; n-grams and the
# static embeddings help Recall@5 and carry paraphrases BM25 misses (make eval prints each alone).
WEIGHTS = {"bm25": 1.0, "ngram": 0.3, "dense": 0.3}
LABEL_CONFIDENCE = {0: 1.0, 1: 0.97, 2: 0.95, READING: 0.9}
TRANSLATED_LABEL = 0.9  # weight of a label reached through a JMdict translation of the whole question
TRANSLATED_PREFIX, PREFIX_AMBIGUITY = 0.75, 2  # a label the translation begins, if at most 2 do
# A clipped word (エスカレ for エスカレーション, テレマ for テレマーケティング) is the start of a label: a query
# of one short word that no label equals is looked up as a label prefix, if at most 2 labels begin with it.
CLIPPED_CHARS = (3, 12)
# A Japanese word no label equals, in a glossary that names its terms in English (UI strings, API
# names): its JMdict glosses are looked up as labels (時間切れ -> timeout). Up to this many characters.
ENGLISH_OF_CHARS = 10
# Kana and kanji only: 「HPAの設定」 is not one word, and its start (HP) is not what it asks about.
_JAPANESE_WORD = re.compile(r"^[\u3041-\u30ff\u3400-\u9fff々〆ー]+$")
TRANSLATED_WORD = 0.8  # confidence of a label reached that way
TRANSLATED_WORDS = 8  # Japanese words of a translated question given to BM25, n-grams and vectors
# Translations kept per English phrase, of those the glossary writes: one, since a second, rarer
# sense gets the higher idf and outweighs the sense meant (measured: no gain from two).
FORMS_PER_PHRASE = 1
# English questions of at most this many words are also tried as katakana loanwords (e2k). A longer
# one describes the term rather than naming it: its katakana rendering matches no label and costs
# about 25 ms a word (300 ms for a typical description).
LOANWORD_WORDS = 4
# 「チャーンレートの逆にあたる指標」 asks for the antonym of a named concept.
OPPOSITE_OF = re.compile(r"^(?P<term>.+?)の(?:逆|反対|対義語|反対語)|"
                         r"^(?:the\s+)?(?:opposite|antonym)\s+of\s+(?:an?\s+|the\s+)?(?P<en>.+)$", re.IGNORECASE)


# How a hit was found: a label (Skosmos precedence), a label's start, a label through JMdict, a label
# within a typo's distance, the antonym of a named concept, or the fused text signals.
MATCH_KINDS = ("prefLabel", "altLabel", "hiddenLabel", "reading", "prefix", "translation", "translation-prefix",
               "fuzzy", "antonym", "hybrid")


def clipped(query: str, label: str) -> bool:
    """Whether query is label cut inside a word (エスカレ of エスカレーション), not at a word boundary: コンテナ
    of コンテナランタイム names another, broader thing, which the glossary may not define."""
    query, label = normalize(query), normalize(label)
    if not label.startswith(query) or len(query) == len(label):
        return True  # met through the loose key (long vowels): no boundary to compare
    end = 0
    for token in tokenize(label):
        end += len(token.surface)
        if end == len(query):
            return False
        if end > len(query):
            return True
    return True


@dataclass(frozen=True)
class Hit:
    uri: str
    pref_label: str
    lang: str
    matched_label: str
    match_type: str  # one of MATCH_KINDS
    score: float  # calibrated confidence in [0, 1]
    scores: dict[str, float] = field(default_factory=dict)
    definition: str = ""
    confident: bool = True

    def as_dict(self) -> dict:
        return {"uri": self.uri, "prefLabel": self.pref_label, "lang": self.lang, "matchedLabel": self.matched_label,
                "matchType": self.match_type, "score": round(self.score, 4),
                "scores": {k: round(v, 4) for k, v in self.scores.items()}, "definition": self.definition,
                "confident": self.confident}


class Searcher:
    """Ranks concepts of one ConceptIndex for free-text queries and prefixes."""

    def __init__(self, index: ConceptIndex, embedder=None, threshold: float | None = None,
                 calibration: Calibration | None = None, english=None):
        self.index = index
        self.embedder = embedder
        self.english = english  # search.english_lexicon.EnglishLexicon, or None: katakana only
        # The artifact's own confidence model (fitted when it was built), else a rough prior.
        self.calibration = calibration or getattr(index, "calibration", None) or PRIOR
        self.threshold = self.calibration.threshold if threshold is None else threshold

    def _hit(self, doc_id: int, matched: str, match_type: str, score: float, scores: dict[str, float],
             threshold: float) -> Hit:
        doc = self.index.docs[doc_id]
        return Hit(doc.uri, doc.pref_label, doc.lang, matched, match_type, score, scores,
                   doc.definitions[0] if doc.definitions else "", score >= threshold)

    def signal_lists(self, query: str, signals: Sequence[str] = SIGNALS, exclude: frozenset[int] = frozenset(),
                     japanese: str | None = None) -> dict[str, list[tuple[int, float]]]:
        """Each signal's ranked (doc, score) list for the query, without the excluded docs.

        japanese: an English question's Japanese words. The vectors read them instead of query (English
        words are unknown to a Japanese model and would only dilute them); the n-grams score each
        concept by the better of the two, since mixing the English letters into the Japanese words
        dilutes both. BM25 reads query, which holds both."""
        lists: dict[str, list[tuple[int, float]]] = {}
        depth = DEPTH + len(exclude)
        if "bm25" in signals:
            lists["bm25"] = self.index.bm25.search(analyze(query), depth)
        if "ngram" in signals:
            lists["ngram"] = self.index.ngrams.search(query, depth)
            if japanese is not None:
                # The better of the question's own letters (an English label) and its Japanese words.
                best = dict(lists["ngram"])
                for doc, score in self.index.ngrams.search(japanese, depth):
                    best[doc] = max(score, best.get(doc, 0.0))
                lists["ngram"] = sorted(best.items(), key=lambda item: -item[1])[:depth]
        if "dense" in signals and self.embedder is not None and self.index.faiss is not None:
            dense_query = query if japanese is None else japanese
            vector = self.embedder.encode_queries([dense_query])[0]
            share = self.embedder.known_word_share(dense_query)
            # A query the model barely knows gets no dense opinion (it would inject noise).
            lists["dense"] = self.index.dense_search(vector, depth) if share >= 0.5 else []
        if exclude:
            lists = {name: [(d, v) for d, v in ranked if d not in exclude][:DEPTH] for name, ranked in lists.items()}
        return lists

    def candidates(self, query: str, signals: Sequence[str] = SIGNALS, exclude: frozenset[int] = frozenset(),
                   k: int = CANDIDATES, japanese: str | None = None,
                   coverage_groups: list[list[str]] | None = None) -> list[tuple[int, dict[str, float]]]:
        """(doc, scores) fused by reciprocal rank, best first; scores hold each signal's score, the
        query-term coverage, how many signals rank the doc in their top 3, and the fused score.

        coverage_groups: the query's terms as alternatives per asked word (a translated question's
        words), where any one of a group covers it; by default each analysed term of query."""
        lists = self.signal_lists(query, signals, exclude, japanese)
        fused: dict[int, float] = {}
        per_signal: dict[int, dict[str, float]] = {}
        for name, ranked in lists.items():
            for rank, (doc, score) in enumerate(ranked):
                fused[doc] = fused.get(doc, 0.0) + WEIGHTS.get(name, 1.0) / (RRF_K + rank + 1)
                entry = per_signal.setdefault(doc, {"agreement": 0})
                entry[name] = score
                entry["agreement"] += rank < 3
        if not fused:
            return []
        coverage = (self.index.bm25.coverage(analyze(query)) if coverage_groups is None
                    else self._grouped_coverage(coverage_groups))
        # Only the best k are scored: below them a fused list holds nothing a user would read.
        order = sorted(fused, key=lambda d: -fused[d])[:k]
        # lead: how far a concept's BM25 score stands above the best other concept's (a right answer
        # usually stands out; for a question the glossary cannot answer several concepts tie).
        bm25 = [(score, d) for d, score in lists.get("bm25", [])[:2]]
        out = []
        for doc in order:
            own = per_signal[doc].get("bm25", 0.0)
            other = next((score for score, d in bm25 if d != doc), 0.0)
            lead = (own - other) / max(own, other) if max(own, other) > 0 else 0.0
            out.append((doc, {**per_signal[doc], "coverage": float(coverage[doc]), "lead": lead, "rrf": fused[doc]}))
        return out

    def _label_hits(self, text: str):
        """Label hits for text, or for its JMdict translation when it is English and no label is."""
        hits = self.index.labels.lookup(text)
        if not hits and self.english is not None and is_english_phrase(text):
            for form, _weight in self.english.translate(text).labels:
                hits = self.index.labels.lookup(form)
                if hits:
                    break
        if not hits and is_english_phrase(text) and len(text.split()) <= LOANWORD_WORDS:
            hits = self.index.labels.lookup(to_katakana(text))
        return hits

    def _grouped_coverage(self, groups: list[list[str]]) -> np.ndarray:
        """Per document, the idf-weighted share of the groups it covers with any of a group's terms
        (a group no document contains weighs as much as the rarest term, as in BM25Index.coverage)."""
        bm25 = self.index.bm25
        unseen = math.log(1 + (bm25.size + 0.5) / 1.5)
        covered = np.zeros(bm25.size, dtype=np.float32)
        total = 0.0
        for group in groups:
            best = np.zeros(bm25.size, dtype=np.float32)
            weight = 0.0
            for term in set(group):
                row = bm25.postings.row.get(term)
                found = bm25.postings.get(term)
                idf = unseen if row is None else float(bm25.idf_values[row])
                weight = max(weight, idf)
                if found is not None:
                    best[found[0]] = np.maximum(best[found[0]], idf)
            covered += best
            total += weight
        return covered / total if total else covered

    def _written_translations(self, translation) -> tuple[list[str], list[list[str]]]:
        """Japanese words for an English question, in the glossary's own sense of each phrase, and
        the coverage groups: per phrase the terms of its written forms, or its English words.

        A dictionary lists every sense ("call": 呼びかけ, 訪問, 電話 …); the forms this glossary
        writes are the ones that can match it, and the likeliest meant. Phrases with no written
        form fall back on the dictionary's best few words for the whole question.
        """
        postings = self.index.bm25.postings
        out: list[str] = []
        groups: list[list[str]] = []
        for english, forms in translation.pieces:
            written = []
            for form, weight in forms:
                rows = [postings.row.get(t) for t in _terms(form)]
                if rows and None not in rows:
                    # Documents that write it: the sense a glossary uses is the one it writes often.
                    used = min(int(postings.offsets[r + 1] - postings.offsets[r]) for r in rows if r is not None)
                    written.append((weight * math.log(1 + used), form))
            written.sort(key=lambda item: -item[0])
            kept = [form for _score, form in written[:FORMS_PER_PHRASE]]
            out += [form for form in kept if form not in out]
            if kept:
                groups.append([t for form in kept for t in _terms(form)])
            elif " " not in english:
                # A word the glossary writes no translation of is asked all the same: as English (an
                # English label or definition may hold it), else unseen. A phrase's words are pieces
                # of their own.
                groups.append(list(_terms(english)) or [english])
        return out or [form for form, _ in translation.words[:TRANSLATED_WORDS]], groups

    def confidence(self, scores: dict[str, float]) -> float:
        return self.calibration.probability(features(scores))

    def suggest(self, text: str, limit: int = 10, threshold: float | None = None,
                signals: Sequence[str] = SIGNALS, include_unconfident: bool = False) -> list[Hit]:
        """Best concepts for a question, best first; empty when nothing is a confident answer."""
        threshold = self.threshold if threshold is None else threshold
        query = strip_question(text)
        if not query or not len(self.index):
            return []
        hits: list[Hit] = []
        seen: set[int] = set()
        if (opposite := OPPOSITE_OF.match(query)) is not None:
            named = opposite["term"] or opposite["en"]
            for label_hit in self._label_hits(named):
                for uri in self.index.docs[label_hit.doc].antonyms:
                    doc = self.index.by_uri.get(uri)
                    if doc is not None and doc not in seen:
                        seen.add(doc)
                        hits.append(self._hit(doc, label_hit.label, "antonym", 0.9, {"antonym": 1.0}, threshold))
        variants = [(query, 1.0)]
        loanword = is_english_phrase(query) and len(query.split()) <= LOANWORD_WORDS
        if loanword:
            # English words for katakana loanwords: 「escalation」 -> エスカレーション.
            variants.append((to_katakana(query), 0.92))
        label_variants = [(variant, weight, False) for variant, weight in variants]
        translation = self.english.translate(query) if self.english is not None and is_english_phrase(query) else None
        if translation is not None:
            # JMdict: 「customer satisfaction」 -> 顧客満足, 顧客満足度 as labels; its words feed the text signals.
            label_variants += [(form, TRANSLATED_LABEL, False) for form, _weight in translation.labels]
        if loanword and (stem := stemmed(query)) != query.strip().lower():
            # 「upselling」: the loanword is the stem's (アップセル); asked only if nothing else is a label.
            label_variants.append((to_katakana(stem), 0.88, True))
        for variant, weight, fallback in label_variants:
            if fallback and hits:
                break
            for label_hit in self.index.labels.lookup(variant):
                if label_hit.doc not in seen:
                    seen.add(label_hit.doc)
                    hits.append(self._hit(label_hit.doc, label_hit.label, MATCH_TYPES[label_hit.rank],
                                          LABEL_CONFIDENCE[label_hit.rank] * weight, {"label": weight}, threshold))
        if translation is not None and not hits:
            # A translation short of the label's suffix (従業員満足 for 従業員満足度): labels it begins.
            for form, _weight in translation.labels:
                found = self.index.labels.prefix(form, limit=PREFIX_AMBIGUITY + 1)
                if 0 < len(found) <= PREFIX_AMBIGUITY and len(form) >= 2:
                    for label_hit in found:
                        if label_hit.doc not in seen:
                            seen.add(label_hit.doc)
                            hits.append(self._hit(label_hit.doc, label_hit.label, "translation-prefix",
                                                  TRANSLATED_PREFIX, {"label": TRANSLATED_PREFIX}, threshold))
        if not hits and translation is None and CLIPPED_CHARS[0] <= len(query) <= CLIPPED_CHARS[1] \
                and not any(ch.isspace() for ch in query):
            found = self.index.labels.prefix(query, limit=PREFIX_AMBIGUITY + 1)
            if len(found) <= PREFIX_AMBIGUITY:
                for label_hit in found:
                    if not clipped(query, label_hit.label):
                        continue
                    seen.add(label_hit.doc)
                    hits.append(self._hit(label_hit.doc, label_hit.label, "prefix", TRANSLATED_PREFIX,
                                          {"label": TRANSLATED_PREFIX}, threshold))
        if not hits and translation is None and self.english is not None and 2 <= len(query) <= ENGLISH_OF_CHARS \
                and _JAPANESE_WORD.match(query):
            for form in self.english.english_of(query):
                for label_hit in self.index.labels.lookup(form):
                    if label_hit.doc not in seen and len(hits) < PREFIX_AMBIGUITY + 1:
                        seen.add(label_hit.doc)
                        hits.append(self._hit(label_hit.doc, label_hit.label, "translation", TRANSLATED_WORD,
                                              {"label": TRANSLATED_WORD}, threshold))
        if not hits:
            for variant, weight in variants:
                for label_hit, similarity in self.index.labels.fuzzy(variant):
                    if label_hit.doc not in seen:
                        seen.add(label_hit.doc)
                        confidence = (0.55 + 0.4 * similarity) * weight
                        hits.append(self._hit(label_hit.doc, label_hit.label, "fuzzy", confidence,
                                              {"fuzzy": similarity}, threshold))
        text_query = " ".join(v for v, _ in variants)
        japanese = None
        groups = None
        if translation is not None:
            written, groups = self._written_translations(translation)
            japanese = " ".join(written) or None
            text_query = " ".join([*written, text_query])
        for doc, scores in self.candidates(text_query, signals, k=max(CANDIDATES, 2 * limit), japanese=japanese,
                                           coverage_groups=groups or None):
            if doc in seen:
                continue
            # matchedLabel is filled in below, for the rows returned only (at 40k concepts, computing
            # it for every fused candidate was a third of the time of a query).
            hits.append(self._hit(doc, "", "hybrid", self.confidence(scores), scores, threshold))
        hits = self._demote_antonyms(hits)
        if not include_unconfident:
            hits = [h for h in hits if h.confident]
        return [dataclasses.replace(h, matched_label=self._matched_label(self.index.by_uri[h.uri], query))
                if h.match_type == "hybrid" else h for h in hits[:limit]]

    def _matched_label(self, doc_id: int, query: str) -> str:
        doc = self.index.docs[doc_id]
        labels = [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels)]
        q = set(query)
        return max(labels, key=lambda label: len(q & set(label)) / (len(set(label)) or 1), default=doc.pref_label)

    def _demote_antonyms(self, hits: list[Hit]) -> list[Hit]:
        """A concept whose antonym ranks above it is moved below every other hit (never 'similar')."""
        kept, demoted = [], []
        above: set[str] = set()
        for hit in hits:
            antonyms = set(self.index.docs[self.index.by_uri[hit.uri]].antonyms)
            if antonyms & above:
                demoted.append(hit)
            else:
                kept.append(hit)
                above.add(hit.uri)
        return kept + demoted

    def complete(self, prefix: str, limit: int = 10) -> list[Hit]:
        """Autocomplete: concepts with a label or reading starting with prefix, one row each."""
        return [self._hit(h.doc, h.label, MATCH_TYPES[h.rank], 1.0, {"label": 1.0}, 0.0)
                for h in self.index.labels.prefix(prefix.rstrip("*"), limit)]
