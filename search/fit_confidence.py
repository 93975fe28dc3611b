"""Fit an artifact's no-answer model on pseudo-queries made from its own definitions.

Positives: a stretch of one definition sentence with every label of its concept taken out (people
describe a term without naming it). Negatives: the same pseudo-query asked with its concept left
out of the ranking, so the top hit is a near miss in the same field, which is what a real
unanswerable question looks like. No query written by anyone and no other glossary is involved, so
the model fits any glossary the project has never seen.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ingest.forked import forked_map
from ingest.tokenize import CONTENT_POS, Token, tokenize
from search.calibration import Calibration, choose_threshold, features, fit

_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|\n")
_BRACKETS = re.compile(r"[「」『』（）()【】\[\]]")
MIN_QUERY_CHARS = 6
SWAP, DROP = 0.5, 0.2  # per content word: swapped for a near word, dropped
MIN_EXAMPLES = 20  # fewer right or wrong top hits than this: keep the prior rather than fit noise
MIN_CONCEPTS = 8  # nor fit weights on fewer concepts: their many pseudo-queries repeat the same few words
# Most pseudo-queries made from one concept. A glossary of a few dozen terms needs many rounds to
# reach `limit`: with 6, the threshold of such a glossary moved by ±0.04-0.06 between seeds; with
# 20, by half that (a large glossary reaches the limit in its first round either way).
PER_CONCEPT = 20
# Share of near misses the threshold must reject: above the 0.8 the service promises, since real
# near misses share fewer words with the glossary than a sentence taken out of it does.
MIN_REJECTED = 0.85
# From this many concepts a search takes milliseconds, and calibration's searches are split across two processes.
PARALLEL_FROM = 5000
# Shares of near misses at which the threshold is also recorded (fit["threshold_at"]), so that an
# evaluation can choose the share on other glossaries' questions (leave-one-glossary-out).
REJECTION_GRID = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


@dataclass(frozen=True, slots=True)
class PseudoQuery:
    text: str
    target: int  # index of the concept it was made from


def _strip_labels(sentence: str, labels: list[str]) -> str:
    for label in sorted({lab for lab in labels if lab}, key=len, reverse=True):
        sentence = sentence.replace(label, "")
    return _BRACKETS.sub("", sentence).strip(" 、。：:は")


def _plan(tokens: list[Token], rng: random.Random) -> list[tuple[str, Token]]:
    """Per word: keep it, drop it, or swap it for a near word ("swap" rows are filled in later).
    People ask with their own words, so a pseudo-query that copies the definition would be too easy."""
    plan: list[tuple[str, Token]] = []
    for token in tokens:
        roll = rng.random() if token.pos in CONTENT_POS else 1.0
        if roll < SWAP:
            plan.append(("swap", token))
        elif roll >= SWAP + DROP:
            plan.append(("keep", token))
    return plan


def pseudo_queries(index, limit: int = 300, seed: int = 0, neighbours=None) -> list[PseudoQuery]:
    """Up to limit pseudo-queries, made from concepts with a definition (deterministic for a seed).

    neighbours([(lemma, surface), …]) -> near words for each; without it swapped words are kept.
    """
    rng = random.Random(seed)
    with_definitions = [i for i, doc in enumerate(index.docs) if doc.definitions]
    rng.shuffle(with_definitions)
    plans: list[tuple[int, list[tuple[str, Token]]]] = []
    # Several rounds over the concepts, a different stretch each time, so that a glossary of a few
    # dozen terms still gives enough pseudo-queries to fit on.
    for _round in range(PER_CONCEPT):
        for i in with_definitions:
            if len(plans) >= limit:
                break
            doc = index.docs[i]
            labels = [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels), *doc.hidden_labels]
            sentences = [s for d in doc.definitions for s in _SENTENCE_END.split(d)]
            sentences = [s for s in (_strip_labels(s, labels) for s in sentences) if len(s) >= MIN_QUERY_CHARS]
            if not sentences:
                continue
            tokens = tokenize(rng.choice(sentences))
            # A contiguous stretch of about 60 % of the words: a user recalls part of a description.
            size = max(3, round(len(tokens) * rng.uniform(0.4, 0.8)))
            start = rng.randrange(0, max(1, len(tokens) - size + 1))
            plans.append((i, _plan(tokens[start : start + size], rng)))
    swaps = [(t.lemma, t.surface) for _, plan in plans for action, t in plan if action == "swap"]
    near = iter(neighbours(swaps) if neighbours is not None and swaps else [[] for _ in swaps])
    out = []
    for i, plan in plans:
        words = []
        for action, token in plan:
            choices = next(near)[:3] if action == "swap" else []
            words.append(rng.choice(choices) if choices else token.surface)
        text = "".join(words).strip(" 、。")
        if len(text) >= MIN_QUERY_CHARS:
            out.append(PseudoQuery(text, i))
    return out


def fit_confidence(searcher, limit: int = 500, seed: int = 0, min_rejected: float = MIN_REJECTED) -> Calibration:
    """The artifact's confidence model: logistic weights and a no-answer threshold, with how they were fitted."""
    from search.calibration import PRIOR

    embedder = searcher.embedder
    queries = pseudo_queries(searcher.index, limit, seed, embedder.word_neighbours if embedder is not None else None)
    x: list[list[float]] = []
    y: list[int] = []
    answered: list[tuple[list[float], bool]] = []  # top hit with the concept present: right or not
    missing: list[list[float]] = []  # top hit with the concept left out: must be rejected

    def top_hits(q: PseudoQuery) -> tuple[list, list]:
        """The best candidate with the concept present, and with it left out."""
        return searcher.candidates(q.text)[:1], searcher.candidates(q.text, exclude=frozenset({q.target}))[:1]

    # Two searches per pseudo-query take seconds on a large glossary: half of them go to a forked child
    # where the model is one that survives a fork (ingest.forked).
    large = len(searcher.index) >= PARALLEL_FROM and getattr(embedder, "fork_safe", embedder is None)
    hits = forked_map(top_hits, queries, min_items=0 if large else len(queries) + 1)
    for q, (present, left_out) in zip(queries, hits, strict=True):
        if present:
            doc, scores = present[0]
            vector = features(scores)
            x.append(vector)
            y.append(int(doc == q.target))
            answered.append((vector, doc == q.target))
        if left_out:
            vector = features(left_out[0][1])
            x.append(vector)
            y.append(0)
            missing.append(vector)
    positives = sum(y)
    concepts = len({q.target for q in queries})
    if positives < MIN_EXAMPLES or len(y) - positives < MIN_EXAMPLES or concepts < MIN_CONCEPTS:
        # Too few to fit weights on; the prior's weights, but the threshold still from this glossary's
        # own near misses where there are some.
        near_misses = [PRIOR.probability(v) for v in missing]
        threshold = choose_threshold([], near_misses, min_rejected) if len(near_misses) >= 10 else PRIOR.threshold
        return Calibration(PRIOR.weights, threshold, fit={
            "source": "prior weights", "pseudo_queries": len(queries), "reason": "too few definitions to fit on",
            "threshold_from": "near misses" if len(near_misses) >= 10 else "prior",
            **({"threshold_at": thresholds_at([], near_misses)} if len(near_misses) >= 10 else {})})
    # Weights shrink toward the prior's, so that a small glossary moves them only as far as its data say.
    model = Calibration(fit(x, y, prior=PRIOR.weights), 0.5)
    right = [model.probability(v) for v, ok in answered if ok]
    near_misses = [model.probability(v) for v in missing]
    threshold = choose_threshold(right, near_misses, min_rejected)
    return Calibration(model.weights, threshold, fit={
        "source": "pseudo-queries from the artifact's definitions",
        "pseudo_queries": len(queries), "seed": seed, "min_rejected": min_rejected,
        "top_hit_right": round(sum(ok for _, ok in answered) / max(1, len(answered)), 4),
        "right_kept": round(sum(p >= threshold for p in right) / max(1, len(right)), 4),
        "near_misses_rejected": round(sum(p < threshold for p in near_misses) / max(1, len(near_misses)), 4),
        "threshold_at": thresholds_at(right, near_misses),
    })


def thresholds_at(right: list[float], near_misses: list[float]) -> dict[str, float]:
    """The threshold that rejects each share of REJECTION_GRID of the near misses."""
    return {f"{share:.2f}": choose_threshold(right, near_misses, share) for share in REJECTION_GRID}


def calibrate_index(index_dir, embedder, index=None) -> Calibration:
    """Fit the confidence model of the index saved in index_dir and save it beside the index.

    index: that index already in memory (search.index.write_index), saving a reload.
    """
    from search.hybrid import Searcher
    from search.index import load_index

    calibration = fit_confidence(Searcher(index if index is not None else load_index(index_dir), embedder))
    calibration.save(index_dir)
    return calibration
