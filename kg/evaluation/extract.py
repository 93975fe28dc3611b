"""`kg eval extract`: entries, headwords, relations, abbreviations and readings against the gold files."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.headwords import recover_headwords, stated_term
from ingest.layout import segment
from ingest.reader import read_document
from ingest.records import LabelKind, RelationKind, Term
from ingest.relations import extract_relations
from ingest.terms import abbreviation_links, definition_subject, label_key, parse_name
from kg.evaluation.common import PRF, Accuracy, table

RELATION_TYPES = ("synonym", "antonym", "related", "abbreviation")
BRACKET = re.compile(r"\s*[(（][^)）]*[)）]")


def key(text: str) -> str:
    return label_key(BRACKET.sub("", text.replace("®", "")))


def load_gold(gold_dir: Path) -> dict[str, list[dict]]:
    gold: dict[str, list[dict]] = {}
    for path in sorted(gold_dir.glob("*.jsonl")):
        gold[path.stem + ".txt"] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return gold


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    union = max(a[1], b[1]) - min(a[0], b[0]) + 1
    return inter / union


@dataclass
class Scores:
    entries: PRF = field(default_factory=PRF)
    headword_stated: Accuracy = field(default_factory=Accuracy)
    headword_bare: Accuracy = field(default_factory=Accuracy)
    relations: dict[str, PRF] = field(default_factory=lambda: {t: PRF() for t in RELATION_TYPES})
    abbreviation_pairs: PRF = field(default_factory=PRF)
    readings: PRF = field(default_factory=PRF)


def _predicted_terms(corpus_dir: Path, names: list[str], similarity=None) -> dict[str, list[Term]]:
    """Terms per document exactly as the pipeline builds them (headword recovery included)."""
    stated, bare = [], []
    for name in names:
        doc = read_document(corpus_dir / name)
        for entry in segment(doc).entries:
            relations = extract_relations(entry)
            (stated if entry.headword else bare).append((entry, relations))
    stated_terms = [stated_term(e, r) for e, r in stated]
    terms = stated_terms + recover_headwords(bare, stated_terms, similarity)
    out: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        out[term.entry.doc].append(term)
    return out


def _abbreviation_forms(term: Term) -> set[str]:
    """Forms in abbreviation relations the entry states: its headword brackets and abbreviation cues.

    Abbreviations inside a synonym's brackets (「CX(Customer Experience)」と同義) are labels, not
    relations of this entry, as in the gold's convention.
    """
    forms = set()
    names = [n for n in (term.entry.headword, definition_subject(term.entry.definition)) if n]
    for name in names:
        parsed = parse_name(name)
        if parsed is None:
            continue
        acronyms = [lb.text for lb in parsed.labels if lb.kind is LabelKind.ABBREVIATION]
        if acronyms:
            forms.update(key(a) for a in acronyms)
            if re.match(r"[A-Z]", name):  # 「CS(顧客満足)」: the long form is the other side
                forms.add(key(parsed.pref))
    for rel in term.relations:
        if rel.kind is RelationKind.ABBREVIATION:
            forms.add(key(rel.target))
    return forms


def _abbreviation_pairs(term: Term) -> set[frozenset]:
    """The (short, long) pairs the graph states for the term (kgo:abbreviationOf), as keys."""
    return {frozenset({key(short), key(long)}) for short, long in abbreviation_links(term.pref_label, term.labels)
            if key(short) != key(long)}


def evaluate(corpus_dir: Path, gold_dir: Path, similarity=None) -> dict[str, dict[str, Scores]]:
    """Scores per split ("dev", "heldout", "all") per document (and "overall")."""
    gold = load_gold(gold_dir)
    predicted = _predicted_terms(corpus_dir, list(gold), similarity)
    results: dict[str, dict[str, Scores]] = {s: defaultdict(Scores) for s in ("dev", "heldout", "all")}
    for doc, gold_entries in gold.items():
        terms = predicted.get(doc, [])
        used: set[int] = set()
        matches: dict[str, Term | None] = {}
        for g in gold_entries:
            span = (g["lines"][0], g["lines"][1])
            best, best_iou = None, 0.5
            for i, term in enumerate(terms):
                if i in used:
                    continue
                iou = _iou(span, (term.entry.span.line_start, term.entry.span.line_end))
                if iou >= best_iou:
                    best, best_iou = i, iou
            if best is not None:
                used.add(best)
            matches[g["id"]] = terms[best] if best is not None else None
        unmatched = [t for i, t in enumerate(terms) if i not in used]
        for split in ("dev", "heldout", "all"):
            for bucket in (doc, "overall"):
                scores = results[split][bucket]
                chosen = [g for g in gold_entries if split == "all" or g["split"] == split]
                matched = sum(1 for g in chosen if matches[g["id"]] is not None)
                # Unmatched predictions count against precision once, in the "all" split and
                # proportionally in the splits (they belong to no gold entry).
                share = len(chosen) / max(1, len(gold_entries))
                scores.entries.tp += matched
                scores.entries.fn += len(chosen) - matched
                scores.entries.fp += round(len(unmatched) * share)
                for g in chosen:
                    term = matches[g["id"]]
                    _score_entry(scores, g, term)
    return results


def _score_entry(scores: Scores, g: dict, term: Term | None) -> None:
    accepted = {key(g["headword"]), *(key(a) for a in g.get("headword_alternatives", []))}
    # A term may carry one preferred label per language (English headword + Japanese name).
    prefs = {key(term.pref_label), *(key(lb.text) for lb in term.labels if lb.kind is LabelKind.PREF)} if term else set()
    ok = bool(prefs & accepted)
    (scores.headword_stated if g["headword_line"] is not None else scores.headword_bare).add(ok)
    own = accepted
    for kind in RELATION_TYPES:
        gold_targets = {key(r["target"]) for r in g["relations"] if r["type"] == kind}
        if term is None:
            predicted = set()
        elif kind == "abbreviation":
            predicted = _abbreviation_forms(term) - own
        else:
            predicted = {key(r.target) for r in term.relations if r.kind.value == kind}
            if kind == "related":
                predicted -= {key(term.pref_label)}
        scores.relations[kind].add(predicted, gold_targets - own if kind == "abbreviation" else gold_targets)
    gold_pairs = {frozenset({key(a["short"]), key(a["long"])}) for a in g["abbreviations"]}
    scores.abbreviation_pairs.add(_abbreviation_pairs(term) if term else set(), gold_pairs)
    gold_readings = {(key(r["label"]), key(r["reading"])) for r in g["readings"]}
    predicted_readings = set()
    if term is not None:
        names = [term.pref_label, *(lb.text for lb in term.labels if lb.kind is LabelKind.ALT)]
        for reading in (lb for lb in term.labels if lb.kind is LabelKind.READING):
            predicted_readings.update((key(n), key(reading.text)) for n in names)
        predicted_readings &= gold_readings | {(p, r) for p, r in predicted_readings if p == key(term.pref_label)}
    scores.readings.add(predicted_readings, gold_readings)


def report(results: dict[str, dict[str, Scores]]) -> str:
    out = []
    for split in ("dev", "heldout", "all"):
        rows = []
        for doc, s in sorted(results[split].items(), key=lambda kv: (kv[0] == "overall", kv[0])):
            rel = [s.relations[t] for t in RELATION_TYPES]
            rows.append([doc.split("_")[0] if doc != "overall" else "overall", *s.entries.row()[:3],
                         s.headword_stated.cell(), s.headword_bare.cell(),
                         *(f"{r.f1:.3f}" for r in rel), f"{s.abbreviation_pairs.f1:.3f}", f"{s.readings.f1:.3f}"])
        out.append(f"## extraction — split: {split}\n")
        out.append(table(["doc", "entry P", "entry R", "entry F1", "headword (stated)", "headword (bare)",
                          "syn F1", "ant F1", "rel F1", "abbr F1", "abbr pairs F1", "reading F1"], rows))
        overall = results[split]["overall"]
        out.append("\nrelations overall (P / R / F1 / gold):")
        out.append(table(["type", "P", "R", "F1", "gold"], [[t, *overall.relations[t].row()] for t in RELATION_TYPES]))
        out.append("")
    return "\n".join(out)
