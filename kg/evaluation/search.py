"""`kg eval search`: Recall@1/@5, MRR per query kind, and no-answer precision/recall, per signal and fused."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kg.evaluation.common import table
from search.hybrid import Searcher
from search.normalize import loose_key

CONFIGS = {
    "bm25": ("bm25",),
    "ngram": ("ngram",),
    "dense": ("dense",),
    "fused": ("bm25", "ngram", "dense"),
}


def load_queries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _relevant_docs(searcher: Searcher, labels: list[str]) -> set[str]:
    keys = {loose_key(label) for label in labels}
    uris = set()
    for doc in searcher.index.docs:
        names = [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels), *doc.hidden_labels]
        if keys & {loose_key(n) for n in names}:
            uris.add(doc.uri)
    return uris


@dataclass
class Outcome:
    kind: str
    split: str
    rank: int | None  # 1-based rank of the first relevant hit among confident ones
    answered: bool  # any confident hit at all
    unanswerable: bool
    top_score: float


def run(searcher: Searcher, queries: list[dict], signals: tuple[str, ...], use_labels: bool,
        threshold: float) -> list[Outcome]:
    outcomes = []
    for q in queries:
        relevant = _relevant_docs(searcher, q["relevant"]) if q["relevant"] else set()
        hits = searcher.suggest(q["query"], limit=10, threshold=threshold, signals=signals,
                                include_unconfident=True)
        if not use_labels:
            hits = [h for h in hits if h.match_type == "hybrid"]
        confident = [h for h in hits if h.score >= threshold]
        rank = next((i + 1 for i, h in enumerate(confident) if h.uri in relevant), None)
        outcomes.append(Outcome(q["kind"], q["split"], rank, bool(confident), not q["relevant"],
                                hits[0].score if hits else 0.0))
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if not o.unanswerable]
    unanswerable = [o for o in outcomes if o.unanswerable]
    n = max(1, len(answerable))
    silent = [o for o in outcomes if not o.answered]
    return {
        "R@1": sum(1 for o in answerable if o.rank == 1) / n,
        "R@5": sum(1 for o in answerable if o.rank and o.rank <= 5) / n,
        "MRR": sum(1 / o.rank for o in answerable if o.rank) / n,
        "noans P": (sum(1 for o in silent if o.unanswerable) / len(silent)) if silent else 1.0,
        "noans R": (sum(1 for o in unanswerable if not o.answered) / len(unanswerable)) if unanswerable else 1.0,
        "n": len(answerable),
    }


def best_threshold(searcher: Searcher, queries: list[dict]) -> float:
    """Threshold that maximises R@1 on answerable plus no-answer recall (dev queries only)."""
    dev = [q for q in queries if q["split"] == "dev"]
    outcomes = run(searcher, dev, CONFIGS["fused"], True, 0.0)
    scores_by_query = []
    for q, o in zip(dev, outcomes, strict=True):
        scores_by_query.append((o, q))
    best, best_value = 0.0, -1.0
    for step in range(0, 100):
        t = step / 100
        value = 0.0
        for o, _ in scores_by_query:
            if o.unanswerable:
                value += o.top_score < t
            else:
                value += o.rank == 1 and o.top_score >= t
        if value > best_value:
            best, best_value = t, value
    return best


def report(searcher: Searcher, queries: list[dict]) -> str:
    out = []
    threshold = searcher.threshold
    for split in ("dev", "heldout"):
        chosen = [q for q in queries if q["split"] == split]
        rows = []
        for name, signals in CONFIGS.items():
            for use_labels in (False, True):
                summary = summarize(run(searcher, chosen, signals, use_labels, threshold))
                label = f"labels + {name}" if use_labels else name
                rows.append([label, *(f"{summary[k]:.3f}" for k in ("R@1", "R@5", "MRR", "noans P", "noans R"))])
        out.append(f"## search — split: {split} ({len(chosen)} queries, threshold {threshold:.2f})\n")
        out.append(table(["signals", "R@1", "R@5", "MRR", "no-answer P", "no-answer R"], rows))
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for o in run(searcher, chosen, CONFIGS["fused"], True, threshold):
            by_kind[o.kind].append(o)
        kind_rows = []
        for kind, items in sorted(by_kind.items()):
            s = summarize(items)
            kind_rows.append([kind, str(len(items)), *(f"{s[k]:.3f}" for k in ("R@1", "R@5", "MRR", "noans R"))])
        out.append("\nper query kind (labels + fused):")
        out.append(table(["kind", "n", "R@1", "R@5", "MRR", "no-answer R"], kind_rows))
        out.append("")
    return "\n".join(out)


def failures(searcher: Searcher, queries: list[dict], split: str = "heldout") -> list[str]:
    lines = []
    for q in (q for q in queries if q["split"] == split):
        hits = searcher.suggest(q["query"], limit=5)
        relevant = _relevant_docs(searcher, q["relevant"]) if q["relevant"] else set()
        top = hits[0] if hits else None
        ok = (top is None) if not q["relevant"] else (top is not None and top.uri in relevant)
        if not ok:
            lines.append(f"{q['id']} [{q['kind']}] {q['query']} -> {top.pref_label if top else '(no answer)'}"
                         f" (want {', '.join(q['relevant']) or 'no answer'})")
    return lines
