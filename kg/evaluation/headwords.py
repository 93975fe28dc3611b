"""`kg eval headwords`: recovered headwords of bare definitions against the gold, and calibration.

Accuracy is reported for every headword-less gold entry, split by whether the gold headword
occurs anywhere in the entry's text (`headword_in_text`), and per confidence bucket: a confidence
is calibrated when the share of right names in each bucket is about the bucket's confidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.profile import named_profile
from ingest.records import LabelKind, Term
from kg.evaluation.common import Accuracy, table
from kg.evaluation.extract import _iou, _read_terms, key, load_gold, locate

BUCKETS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01))


@dataclass
class Outcome:
    gold_id: str
    split: str  # dev | heldout
    gold: str
    in_text: bool
    predicted: str
    confidence: float
    evidence: str
    right: bool
    rank_of_gold: int | None  # where the gold name is among the kept candidates (0 = prefLabel)


@dataclass
class HeadwordScores:
    outcomes: list[Outcome] = field(default_factory=list)

    def accuracy(self, keep=lambda o: True) -> Accuracy:
        acc = Accuracy()
        for outcome in self.outcomes:
            if keep(outcome):
                acc.add(outcome.right)
        return acc


def _accepted(g: dict) -> set[str]:
    return {key(g["headword"]), *(key(a) for a in g.get("headword_alternatives", []))}


def _match(g: dict, terms: list[Term]) -> Term | None:
    span = (g["lines"][0], g["lines"][1])
    best = max(terms, key=lambda t: _iou(span, (t.entry.span.line_start, t.entry.span.line_end)), default=None)
    if best is None or _iou(span, (best.entry.span.line_start, best.entry.span.line_end)) < 0.5:
        return None
    return best


def evaluate_headwords(corpus_dir: Path, gold_dir: Path, similarity=None) -> HeadwordScores:
    """Recovered headwords of the bundled corpus's bare entries, read as `kg build` reads them."""
    gold = load_gold(gold_dir)
    bundled = sorted(n for n in gold if locate(n, [corpus_dir]))
    terms, _ = _read_terms([corpus_dir / n for n in bundled], named_profile("callcenter"), similarity)
    scores = HeadwordScores()
    for name in bundled:
        for g in gold[name]:
            if g["headword_line"] is not None:
                continue  # a stated headword is parsed, not recovered
            accepted = _accepted(g)
            term = _match(g, terms.get(name, []))
            if term is None:
                scores.outcomes.append(Outcome(g["id"], g["split"], g["headword"], bool(g.get("headword_in_text")),
                                               "", 0.0, "no entry", False, None))
                continue
            prefs = {key(term.pref_label), *(key(lb.text) for lb in term.labels if lb.kind is LabelKind.PREF)}
            names = [key(c.label) for c in term.candidates] or [key(term.pref_label)]
            rank = next((i for i, n in enumerate(names) if n in accepted), None)
            scores.outcomes.append(Outcome(
                g["id"], g["split"], g["headword"], bool(g.get("headword_in_text")), term.pref_label,
                term.headword_confidence, term.headword_evidence, bool(prefs & accepted), rank))
    return scores


def report_headwords(scores: HeadwordScores, examples: int = 8) -> str:
    total = scores.accuracy()
    rows = [["all headword-less entries", total.cell()],
            ["headword occurs in the text", scores.accuracy(lambda o: o.in_text).cell()],
            ["headword occurs nowhere in the text", scores.accuracy(lambda o: not o.in_text).cell()],
            ["dev split", scores.accuracy(lambda o: o.split == "dev").cell()],
            ["held-out split", scores.accuracy(lambda o: o.split == "heldout").cell()],
            ["gold among the kept candidates", f"{sum(o.rank_of_gold is not None for o in scores.outcomes)}"
                                               f"/{len(scores.outcomes)}"]]
    out = ["## recovered headwords (bare definitions)", "", table(["entries", "accuracy"], rows), ""]
    bucket_rows = []
    for low, high in BUCKETS:
        inside = [o for o in scores.outcomes if low <= o.confidence < high]
        if not inside:
            bucket_rows.append([f"{low:.1f}–{min(high, 1.0):.1f}", "0", "-", "-"])
            continue
        right = sum(o.right for o in inside)
        mean = sum(o.confidence for o in inside) / len(inside)
        bucket_rows.append([f"{low:.1f}–{min(high, 1.0):.1f}", str(len(inside)), f"{mean:.2f}",
                            f"{right / len(inside):.2f} ({right}/{len(inside)})"])
    out += ["calibration: accuracy per confidence bucket", "",
            table(["confidence", "entries", "mean confidence", "accuracy"], bucket_rows), ""]
    by_evidence: dict[str, Accuracy] = defaultdict(Accuracy)
    for outcome in scores.outcomes:
        by_evidence[outcome.evidence].add(outcome.right)
    out += ["accuracy by the evidence that named the entry", "",
            table(["evidence", "accuracy"], [[e, a.cell()] for e, a in sorted(by_evidence.items())]), ""]
    found = [o for o in scores.outcomes if o.right and o.evidence in ("lexicon", "corpus")][:examples]
    wrong = [o for o in scores.outcomes if not o.right][:examples]
    out.append("examples, right guesses (corpus, lexicon): " + ("、".join(f"{o.predicted} ({o.confidence:.2f})"
                                                                         for o in found) or "none"))
    out.append("examples, wrong names: " + "、".join(f"{o.predicted} for {o.gold} ({o.evidence} {o.confidence:.2f})"
                                                     for o in wrong))
    return "\n".join(out)
