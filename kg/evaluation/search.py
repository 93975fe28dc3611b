"""`kg eval search`: R@1, R@5, MRR, English R@1 and negatives rejected, per kind and per glossary.

Bundled queries (data/gold/queries.jsonl) are asked of the served artifact. Third-party queries
(data/gold/queries_dev.jsonl) are asked of an artifact built from their glossary alone, as anyone
who runs `kg build` on their own file gets, with its own confidence model. No parameter is fitted on
these queries: the confidence model comes from each artifact's own definitions. The one number the
report does tune on queries, a global threshold, is chosen leave-one-glossary-out: the threshold
that scores a glossary's queries was picked on the other glossaries' queries only.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.evaluation.common import table
from search.hybrid import Searcher
from search.normalize import loose_key

KINDS = ("paraphrase", "question", "keyword", "english", "acronym", "variant", "negative")
NEGATIVE_KINDS = frozenset({"negative", "unanswerable"})  # "unanswerable": the older name
SIGNAL_CONFIGS = {"bm25": ("bm25",), "ngram": ("ngram",), "dense": ("dense",), "fused": ("bm25", "ngram", "dense")}
DEPTH = 10


@dataclass(frozen=True)
class Query:
    """One line of a query file: {id, query, kind, relevant[], split, glossary}."""

    id: str
    text: str
    kind: str
    relevant: tuple[str, ...]
    split: str = "dev"
    glossary: str | None = None  # file name of the glossary the query is about

    @property
    def negative(self) -> bool:
        return self.kind in NEGATIVE_KINDS or not self.relevant


def load_queries(path: Path) -> list[Query]:
    """Read a query file; a malformed line is a ValueError naming the file and line."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Query(str(row["id"]), str(row["query"]), str(row["kind"]), tuple(row.get("relevant") or ()),
                             str(row.get("split", "dev")), row.get("glossary")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a query line ({exc})") from exc
    return out


def gold_definitions(gold_dir: Path, doc_dirs: Sequence[Path]) -> dict[str, set[str]]:
    """Label key -> opening text of every gold entry that the label names (headword or alternative).

    Lets the search evaluation find the concept that holds an entry even when extraction did not
    recover its headword, so search is not scored on extraction's mistakes.
    """
    out: dict[str, set[str]] = defaultdict(set)
    if not gold_dir.exists():
        return out
    for path in sorted(gold_dir.glob("*.jsonl")):
        for row in path.read_text(encoding="utf-8").splitlines():
            if not row.strip():
                continue
            entry = json.loads(row)
            source = next((d / entry["doc"] for d in doc_dirs if (d / entry.get("doc", "")).is_file()), None)
            if source is None:
                continue
            lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
            opening = lines[entry["lines"][0] - 1].strip()[:20] if entry.get("lines") else ""
            for name in [entry["headword"], *entry.get("headword_alternatives", []), *entry.get("alt_labels", [])]:
                if opening:
                    out[loose_key(name)].add(opening)
    return out


def relevant_uris(index, labels: Iterable[str], gold: dict[str, set[str]]) -> set[str]:
    """Concepts that answer a query: a label (after normalisation) or a gold entry's definition matches."""
    keys = {loose_key(label) for label in labels}
    if not keys:
        return set()
    openings = set().union(*(gold.get(k, set()) for k in keys))
    uris = set()
    for doc in index.docs:
        names = [*doc.pref_labels.values(), *(t for t, _ in doc.alt_labels), *doc.hidden_labels]
        if keys & {loose_key(n) for n in names} or any(d.strip()[:20] in openings for d in doc.definitions):
            uris.add(doc.uri)
    return uris


@dataclass
class Outcome:
    """What the searcher answered: its top hits as (confidence, relevant?) in the order returned."""

    query: Query
    hits: list[tuple[float, bool]]
    artifact_threshold: float
    findable: bool = True  # some concept of the artifact answers it (False: extraction lost the answer)
    # The artifact's threshold at other shares of its pseudo near misses rejected (fit["threshold_at"]).
    threshold_at: dict[str, float] = dataclasses.field(default_factory=dict)

    def threshold_for(self, share: str) -> float:
        return self.threshold_at.get(share, self.artifact_threshold)

    def rank(self, threshold: float) -> int | None:
        confident = [ok for score, ok in self.hits if score >= threshold]
        return next((i + 1 for i, ok in enumerate(confident) if ok), None)

    def answered(self, threshold: float) -> bool:
        return any(score >= threshold for score, _ in self.hits)

    def cause(self) -> str:
        """Why it was scored as it was, at the artifact's threshold (one of CAUSES)."""
        if self.query.negative:
            return "rejected" if not self.answered(self.artifact_threshold) else "accepted"
        if not self.findable:
            return "no concept"
        if self.rank(self.artifact_threshold) == 1:
            return "right"
        ranked = self.rank(0.0)
        if ranked == 1:
            return "first, below threshold"
        if ranked is None:
            return f"not in top {DEPTH}"
        return "ranked 2-5" if ranked <= 5 else f"ranked 6-{DEPTH}"


def ask(searcher, queries: Sequence[Query], gold: dict[str, set[str]], signals=SIGNAL_CONFIGS["fused"],
        labels: bool = True) -> list[Outcome]:
    outcomes = []
    for q in queries:
        relevant = relevant_uris(searcher.index, q.relevant, gold)
        hits = searcher.suggest(q.text, limit=DEPTH, threshold=searcher.threshold, signals=signals,
                                include_unconfident=True)
        if not labels:
            hits = [h for h in hits if h.match_type == "hybrid"]
        outcomes.append(Outcome(q, [(h.score, h.uri in relevant) for h in hits], searcher.threshold, bool(relevant),
                                dict(searcher.calibration.fit.get("threshold_at", {}))))
    return outcomes


Threshold = Callable[[Outcome], float]


def at_artifact_threshold(outcome: Outcome) -> float:
    return outcome.artifact_threshold


def summarize(outcomes: Sequence[Outcome], threshold: Threshold = at_artifact_threshold) -> dict[str, float]:
    answerable = [o for o in outcomes if not o.query.negative]
    negatives = [o for o in outcomes if o.query.negative]
    english = [o for o in answerable if o.query.kind == "english"]
    ranks = [o.rank(threshold(o)) for o in answerable]
    n = max(1, len(answerable))
    return {
        "n": len(outcomes),
        "R@1": sum(r == 1 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "MRR": sum(1 / r for r in ranks if r) / n,
        "English R@1": (sum(o.rank(threshold(o)) == 1 for o in english) / len(english)) if english else float("nan"),
        "negatives rejected": (sum(not o.answered(threshold(o)) for o in negatives) / len(negatives)
                               if negatives else float("nan")),
    }


def _objective(outcomes: Sequence[Outcome], t: float) -> float:
    """Right first answers plus rejected negatives, each side weighed by its share (balanced)."""
    answerable = [o for o in outcomes if not o.query.negative]
    negatives = [o for o in outcomes if o.query.negative]
    right = sum(o.rank(t) == 1 for o in answerable) / max(1, len(answerable))
    rejected = sum(not o.answered(t) for o in negatives) / max(1, len(negatives))
    return right + rejected


def leave_one_glossary_out(outcomes: Sequence[Outcome]) -> dict[str | None, float]:
    """Per glossary, the global threshold that is best on every other glossary's queries."""
    glossaries = sorted({o.query.glossary for o in outcomes}, key=str)
    grid = [step / 100 for step in range(0, 100)]
    chosen = {}
    for g in glossaries:
        others = [o for o in outcomes if o.query.glossary != g]
        chosen[g] = max(grid, key=lambda t: (_objective(others, t), -t)) if others else 0.0
    return chosen


def _objective_at(outcomes: Sequence[Outcome], share: str) -> float:
    answerable = [o for o in outcomes if not o.query.negative]
    negatives = [o for o in outcomes if o.query.negative]
    right = sum(o.rank(o.threshold_for(share)) == 1 for o in answerable) / max(1, len(answerable))
    rejected = sum(not o.answered(o.threshold_for(share)) for o in negatives) / max(1, len(negatives))
    return right + rejected


def rejection_share_logo(outcomes: Sequence[Outcome]) -> tuple[dict[str | None, str], str | None]:
    """Per glossary, the share of pseudo near misses each artifact's threshold rejects that is best on
    every other glossary's queries; and the share best on all of them (the one worth shipping).

    Unlike a global threshold, a share carries over between artifacts: each artifact turns it into a
    threshold on the scale of its own confidence model. (None, None) where no artifact recorded shares.
    """
    shares = sorted({share for o in outcomes for share in o.threshold_at})
    if not shares:
        return {}, None
    glossaries = sorted({o.query.glossary for o in outcomes}, key=str)
    # Ties go to the higher share: with no evidence either way, silence is the safer answer.
    best = lambda group: max(shares, key=lambda sh: (round(_objective_at(group, sh), 9), sh))  # noqa: E731
    chosen = {g: best([o for o in outcomes if o.query.glossary != g]) for g in glossaries}
    return chosen, best(list(outcomes))


KEYS = ("R@1", "R@5", "MRR", "English R@1", "negatives rejected")
# Misses by cause: extraction lost the answer; the ranking put it first but the no-answer model
# rejected it; the ranking put it lower or not at all. Negatives: rejected or accepted.
CAUSES = ("right", "first, below threshold", "ranked 2-5", f"ranked 6-{DEPTH}", f"not in top {DEPTH}", "no concept",
          "rejected", "accepted")


def cause_rows(outcomes: Sequence[Outcome]) -> list[list[str]]:
    """Per kind and overall, how many queries fall under each cause."""
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind["negative" if o.query.negative else o.query.kind].append(o)
    rows = []
    for kind, group in [*sorted(by_kind.items()), ("all", list(outcomes))]:
        counts: dict[str, int] = defaultdict(int)
        for o in group:
            counts[o.cause()] += 1
        rows.append([kind, str(len(group)), *(str(counts[c]) if counts[c] else "" for c in CAUSES)])
    return rows


def _cells(summary: dict[str, float]) -> list[str]:
    return [str(summary["n"]), *("–" if summary[k] != summary[k] else f"{summary[k]:.3f}" for k in KEYS)]


def fit_line(name: str, searcher: Searcher) -> str:
    """How an artifact's confidence model was fitted (from its manifest record)."""
    fit = searcher.calibration.fit
    return (f"{name}: threshold {searcher.threshold:.3f} from {fit.get('source', '?')}, "
            f"{fit.get('pseudo_queries', 0)} pseudo-queries, right top hits kept {fit.get('right_kept', '–')}, "
            f"near misses rejected {fit.get('near_misses_rejected', '–')}")


def report_set(title: str, outcomes: Sequence[Outcome], signal_rows: list[list[str]] | None = None,
               fit_lines: list[str] | None = None) -> str:
    """Overall, per kind and per glossary tables for one query set."""
    logo = leave_one_glossary_out(outcomes)
    tuned: Threshold = lambda o: logo[o.query.glossary]  # noqa: E731
    shares, shipped = rejection_share_logo(outcomes)
    by_share: Threshold = lambda o: o.threshold_for(shares[o.query.glossary])  # noqa: E731
    thresholds = sorted({round(o.artifact_threshold, 3) for o in outcomes})
    out = [f"## search — {title}: {len(outcomes)} queries, {len({o.query.glossary for o in outcomes})} glossaries",
           f"artifact confidence thresholds (fitted on each artifact's own definitions): {thresholds}"]
    out += [f"  {line}" for line in fit_lines or []]
    out.append("")
    out.append(table(["threshold", "n", *KEYS], [
        ["artifact's own (no query used)", *_cells(summarize(outcomes))],
        ["global, tuned leave-one-glossary-out", *_cells(summarize(outcomes, tuned))],
        *([["artifact's own, near-miss share chosen LOGO", *_cells(summarize(outcomes, by_share))]]
          if shares else []),
        ["none (ranking only)", *_cells(summarize(outcomes, lambda _o: 0.0))],
    ]))
    if shares:
        out.append(f"near-miss share chosen per glossary without it: {sorted(set(shares.values()))}; "
                   f"on all glossaries: {shipped}")
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    by_glossary: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind["negative" if o.query.negative else o.query.kind].append(o)
        by_glossary[o.query.glossary or "(none)"].append(o)
    out += ["", "per kind, at the artifact's threshold (last column: R@1 with no threshold):"]
    out.append(table(["kind", "n", *KEYS, "R@1 ranked"],
                     [[k, *_cells(summarize(v)), f"{summarize(v, lambda _o: 0.0)['R@1']:.3f}"]
                      for k, v in sorted(by_kind.items())]))
    out += ["", "per glossary, at the artifact's threshold (LOGO threshold in brackets):"]
    out.append(table(["glossary", "n", *KEYS],
                     [[f"{g} ({logo.get(None if g == '(none)' else g, 0.0):.2f})", *_cells(summarize(v))]
                      for g, v in sorted(by_glossary.items())]))
    out += ["", "misses by cause, at the artifact's threshold:"]
    out.append(table(["kind", "n", *CAUSES], cause_rows(outcomes)))
    if signal_rows:
        out += ["", "ranking by signal (threshold none):"]
        out.append(table(["signals", "R@1", "R@5", "MRR"], signal_rows))
    return "\n".join(out) + "\n"


def signal_rows(searcher, queries: Sequence[Query], gold: dict[str, set[str]]) -> list[list[str]]:
    rows = []
    for name, signals in SIGNAL_CONFIGS.items():
        for labels in (False, True):
            s = summarize(ask(searcher, queries, gold, signals, labels), lambda _o: 0.0)
            rows.append([f"labels + {name}" if labels else name, *(f"{s[k]:.3f}" for k in ("R@1", "R@5", "MRR"))])
    return rows


def failures(outcomes: Sequence[Outcome], searcher_of: Callable[[Outcome], Searcher]) -> list[str]:
    """One line per query answered wrongly at the artifact's threshold."""
    lines = []
    for o in outcomes:
        q = o.query
        searcher = searcher_of(o)
        hits = searcher.suggest(q.text, limit=1)
        top = hits[0] if hits else None
        ok = (top is None) if q.negative else o.rank(o.artifact_threshold) == 1
        if not ok:
            lines.append(f"{q.id} [{q.kind}] {q.glossary or ''}: {q.text} -> "
                         f"{top.pref_label if top else '(no answer)'} (want {', '.join(q.relevant) or 'no answer'})")
    return lines


def vector_hit_report(searcher) -> str:
    """Share of the definitions' content words that find a vector in the static model, looked up by
    UniDic forms alone and with Sudachi's normalised forms as well."""
    embedder = searcher.embedder
    texts = [d for doc in searcher.index.docs for d in doc.definitions]
    if embedder is None or not texts:
        return "vector hit rate: no static word model or no definitions"
    before = embedder.vocabulary_hits(texts, sudachi=False)
    after = embedder.vocabulary_hits(texts, sudachi=True)
    if not before[1]:
        return "vector hit rate: the model reads raw text (no word vocabulary)"
    return (f"vector hit rate over {len(texts)} definitions' content words: UniDic forms {before[0] / before[1]:.4f} "
            f"({before[0]}/{before[1]}), with Sudachi normalised forms {after[0] / after[1]:.4f} "
            f"({after[0]}/{after[1]})\n")


def build_glossary_artifacts(settings, glossaries: Iterable[str], doc_dirs: Sequence[Path], data_root: Path,
                             embedder, log: Callable[[str], None] = lambda _m: None) -> dict[str, Searcher]:
    """One artifact per third-party glossary, built as `kg build FILE` builds it, under data_root/<stem>.

    Returns glossary file name -> Searcher. The served artifact and the package are never touched.
    """
    from kg.build import build_artifact
    from kg.service import Service

    searchers = {}
    for name in sorted(glossaries):
        path = next((d / name for d in doc_dirs if (d / name).is_file()), None)
        if path is None:
            raise ValueError(f"glossary {name!r} named by the queries is not in {', '.join(map(str, doc_dirs))}")
        scoped = dataclasses.replace(settings, data_dir=data_root / Path(name).stem, store="embedded")
        log(f"building {name}")
        build_artifact(scoped, [path], embedder=embedder)
        searchers[name] = Service(scoped, embedder=embedder).artifact.searcher
    return searchers
