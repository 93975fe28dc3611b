"""Confidence for hybrid hits: a logistic model over scale-free per-signal scores, fitted per artifact.

The model is fitted when an artifact is built, on pseudo-queries made from that artifact's own
definitions (search.pseudo_queries), and saved inside the artifact's index directory and manifest.
Nothing in the package is rewritten: a glossary nobody has written queries for gets a no-answer
threshold chosen on its own text, not on the bundled corpus.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FEATURES = ("coverage", "bm25", "ngram", "lead", "agreement", "bias")
FILE_NAME = "calibration.json"
MAX_STEP = 2.0


def features(scores: dict[str, float]) -> list[float]:
    """Feature vector of one hit.

    coverage: idf-weighted share of the query's terms the concept's text contains (scale-free, the
    strongest sign that the glossary talks about what was asked); bm25 squashed; the n-gram cosine;
    lead: how far its BM25 score stands above the best other concept's; how many of the three
    signals rank it in their top 3. The dense cosine is left out: it is as high for questions the
    glossary cannot answer as for right answers (measured on the bundled queries).
    """
    return [scores.get("coverage", 0.0), 1 - math.exp(-scores.get("bm25", 0.0) / 10), scores.get("ngram", 0.0),
            scores.get("lead", 0.0), scores.get("agreement", 0.0) / 3, 1.0]


@dataclass
class Calibration:
    weights: list[float]
    threshold: float = 0.5
    features: tuple[str, ...] = FEATURES
    fit: dict = field(default_factory=dict)  # how it was fitted: pseudo-query counts, rates at the threshold

    def probability(self, vector: list[float]) -> float:
        z = sum(w * x for w, x in zip(self.weights, vector, strict=True))
        return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))

    def as_dict(self) -> dict:
        return {**asdict(self), "features": list(self.features)}

    def save(self, directory: Path) -> Path:
        path = Path(directory) / FILE_NAME
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"calibration features {data.get('features')} are not {list(FEATURES)}: "
                             "rebuild the artifact")
        return cls(list(data["weights"]), float(data["threshold"]), FEATURES, dict(data.get("fit", {})))

    @classmethod
    def load(cls, directory: Path) -> Calibration | None:
        """The calibration saved in an index directory, or None for an artifact built without one
        or with features this version does not compute (the prior then serves until a rebuild)."""
        path = Path(directory) / FILE_NAME
        if not path.is_file():
            return None
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError) as exc:
            log.warning("%s: %s; using the prior confidence model", path, exc)
            return None


# Used only where no artifact-fitted model exists (a Searcher built in memory, an older artifact):
# weights of the shape every fit so far has had, and a middling threshold.
PRIOR = Calibration([3.0, 0.0, 10.0, 3.0, 2.0, -5.0], 0.3, FEATURES, {"source": "prior"})


def fit(x: list[list[float]], y: list[int], l2: float = 1.0, steps: int = 100,
        prior: list[float] | None = None) -> list[float]:
    """Logistic regression by Newton steps (a few hundred rows), its weights shrunk toward prior
    (zeros by default) with an L2 penalty; the bias is not shrunk."""
    rows = np.asarray(x, dtype=float)
    t = np.asarray(y, dtype=float)
    w0 = np.asarray(prior if prior is not None else [0.0] * rows.shape[1], dtype=float)
    w = w0.copy()
    # The bias is barely shrunk; without any shrinkage a separable sample sends it to infinity.
    penalty = np.diag([1.0] * (rows.shape[1] - 1) + [0.01])
    for _ in range(steps):
        p = 0.5 * (1 + np.tanh(0.5 * (rows @ w)))  # the logistic function, without overflow
        gradient = rows.T @ (p - t) + l2 * penalty @ (w - w0)
        hessian = (rows.T * (p * (1 - p))) @ rows + l2 * penalty
        step = np.linalg.solve(hessian, gradient)
        largest = np.abs(step).max()
        if largest > MAX_STEP:  # damped Newton: a saturated sample must not throw the weights away
            step *= MAX_STEP / largest
        w -= step
        if largest < 1e-8:
            break
    return [round(float(v), 4) for v in w]


def choose_threshold(positives: list[float], negatives: list[float], min_rejected: float) -> float:
    """The lowest threshold that rejects at least min_rejected of the negatives' top scores.

    positives: confidence of top hits that were right; negatives: confidence of top hits for
    questions the artifact cannot answer. Answering is only worth it where silence is likely right,
    so the threshold is the smallest that keeps the rejection rate, which keeps every right answer
    above it.
    """
    if not negatives:
        return PRIOR.threshold
    ranked = sorted(negatives)
    index = min(len(ranked) - 1, math.ceil(min_rejected * len(ranked)) - 1)
    threshold = ranked[index] + 1e-4  # strictly above the negative at the quantile
    return round(min(0.95, max(0.05, threshold)), 4)
