"""`kg eval search`: Recall@1/@5, MRR per query kind, and no-answer precision/recall, per signal and fused."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kg.evaluation.common import table
from search.calibration import Calibration, features, fit
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


def gold_definitions(gold_dir: Path, corpus_dir: Path) -> dict[str, set[str]]:
    """Label key -> opening text of every gold entry that the label names (headword or alternative).

    Lets the search evaluation find the concept that holds an entry even when extraction did not
    recover its headword, so search is not scored on extraction's mistakes.
    """
    out: dict[str, set[str]] = defaultdict(set)
    if not gold_dir.exists():
        return out
    for path in sorted(gold_dir.glob("*.jsonl")):
        lines = (corpus_dir / (path.stem + ".txt")).read_text(encoding="utf-8").split("\n")
        for row in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(row)
            opening = lines[entry["lines"][0] - 1].strip()[:20]
            for name in [entry["headword"], *entry.get("headword_alternatives", []), *entry.get("alt_labels", [])]:
                out[loose_key(name)].add(opening)
    return out


_GOLD_DEFINITIONS: dict[str, set[str]] = {}


def _relevant_docs(searcher: Searcher, labels: list[str]) -> set[str]:
    keys = {loose_key(label) for label in labels}
    openings = set().union(*(_GOLD_DEFINITIONS.get(k, set()) for k in keys)) if keys else set()
    uris = set()
    for doc in searcher.index.docs:
        names = [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels), *doc.hidden_labels]
        if keys & {loose_key(n) for n in names} or any(d[:20] in openings for d in doc.definitions):
            uris.add(doc.uri)
    return uris


def use_gold_definitions(gold_dir: Path, corpus_dir: Path) -> None:
    _GOLD_DEFINITIONS.clear()
    _GOLD_DEFINITIONS.update(gold_definitions(gold_dir, corpus_dir))


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
    """Ranking quality per signal (no threshold), then the end-to-end system at its threshold."""
    out = []
    threshold = searcher.threshold
    for split in ("dev", "heldout"):
        chosen = [q for q in queries if q["split"] == split]
        rows = []
        for name, signals in CONFIGS.items():
            for use_labels in (False, True):
                ranking = summarize(run(searcher, chosen, signals, use_labels, 0.0))
                gated = summarize(run(searcher, chosen, signals, use_labels, threshold))
                label = f"labels + {name}" if use_labels else name
                rows.append([label, *(f"{ranking[k]:.3f}" for k in ("R@1", "R@5", "MRR")),
                             f"{gated['R@1']:.3f}", f"{gated['noans P']:.3f}", f"{gated['noans R']:.3f}"])
        out.append(f"## search — split: {split} ({len(chosen)} queries; confidence threshold {threshold:.2f})\n")
        out.append(table(["signals", "R@1", "R@5", "MRR", "R@1 at threshold", "no-answer P", "no-answer R"], rows))
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        gated_by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for o in run(searcher, chosen, CONFIGS["fused"], True, 0.0):
            by_kind[o.kind].append(o)
        for o in run(searcher, chosen, CONFIGS["fused"], True, threshold):
            gated_by_kind[o.kind].append(o)
        kind_rows = []
        for kind, items in sorted(by_kind.items()):
            s, g = summarize(items), summarize(gated_by_kind[kind])
            kind_rows.append([kind, str(len(items)), *(f"{s[k]:.3f}" for k in ("R@1", "R@5", "MRR")),
                              f"{g['R@1']:.3f}", f"{g['noans R']:.3f}"])
        out.append("\nper query kind (labels + fused):")
        out.append(table(["kind", "n", "R@1", "R@5", "MRR", "R@1 at threshold", "no-answer R"], kind_rows))
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


def calibrate(searcher: Searcher, queries: list[dict]) -> Calibration:
    """Fit the confidence model and the no-answer threshold on the dev split only."""
    dev = [q for q in queries if q["split"] == "dev"]
    x, y, rows = [], [], []
    for q in dev:
        relevant = _relevant_docs(searcher, q["relevant"]) if q["relevant"] else set()
        hits = searcher.suggest(q["query"], limit=10, include_unconfident=True)
        hybrid = next((h for h in hits if h.match_type == "hybrid"), None)
        if hybrid is not None and (not hits or hits[0] is hybrid):
            x.append(features(hybrid.scores, int(hybrid.scores.get("agreement", 0))))
            y.append(int(hybrid.uri in relevant))
        rows.append((q, relevant))
    calibration = Calibration(fit(x, y), 0.5)
    best, best_value = 0.5, -1
    for step in range(5, 96):
        candidate = Calibration(calibration.weights, step / 100)
        trial = Searcher(searcher.index, searcher.embedder, calibration=candidate)
        value = 0
        for q, relevant in rows:
            hits = trial.suggest(q["query"], limit=1)
            value += (not hits) if not q["relevant"] else bool(hits and hits[0].uri in relevant)
        if value > best_value:
            best, best_value = step / 100, value
    return Calibration(calibration.weights, best)
