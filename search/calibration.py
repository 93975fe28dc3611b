"""Calibrated confidence for hybrid hits: a logistic model over the per-signal scores.

Fitted on the dev split of the hand-written queries (`python -m kg eval search --calibrate`), so a
score of 0.7 means "about 70 % of such top hits were right", and the no-answer threshold is a
probability rather than an arbitrary cut on one signal.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DEFAULT_PATH = Path(__file__).with_name("calibration.json")
FEATURES = ("bm25", "ngram", "dense", "agreement", "bias")


def features(scores: dict[str, float], agreement: int) -> list[float]:
    """Feature vector of one hit: squashed BM25, n-gram and dense cosines, how many signals agree."""
    return [1 - math.exp(-scores.get("bm25", 0.0) / 10), scores.get("ngram", 0.0), scores.get("dense", 0.0),
            agreement / 3, 1.0]


@dataclass
class Calibration:
    weights: list[float]
    threshold: float = 0.5

    def probability(self, vector: list[float]) -> float:
        z = sum(w * x for w, x in zip(self.weights, vector, strict=True))
        return 1 / (1 + math.exp(-z))

    def save(self, path: Path = DEFAULT_PATH) -> None:
        path.write_text(json.dumps({**asdict(self), "features": FEATURES}, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Calibration:
        if not path.exists():
            return cls([6.0, 2.0, 2.0, 1.0, -5.0])  # a rough prior until fitted
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], data.get("threshold", 0.5))


def fit(x: list[list[float]], y: list[int], l2: float = 0.1, steps: int = 2000) -> list[float]:
    """L2-regularised logistic regression by Newton steps (tiny data: a few hundred rows)."""
    X = np.asarray(x, dtype=float)
    t = np.asarray(y, dtype=float)
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-X @ w))
        gradient = X.T @ (p - t) + l2 * np.r_[w[:-1], 0.0]
        hessian = (X.T * (p * (1 - p))) @ X + l2 * np.diag([1.0] * (X.shape[1] - 1) + [0.0])
        step = np.linalg.solve(hessian + 1e-9 * np.eye(X.shape[1]), gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [round(float(v), 4) for v in w]
