"""`kg eval extract`: every gold document scored on its own, pooled by group, leave-one-document-out.

Gold lives in data/gold/extraction/<stem>.jsonl (one line per entry, written by reading the source);
documents are looked up in the bundled corpus (data/corpus) and the third-party development set
(data/dev). Each document is read as `kg build` reads it: a bundled one with the bundled profile,
a third-party one alone, as its owner would build it, with the default profile.

Leave-one-document-out: a cue of the relation grammar counts for a document only when its family
(the construction it is a surface form of, ingest/cues/default.toml) finds a gold relation in at
least one *other* document. A cue fitted to a single glossary therefore earns nothing on it (the
bundled profile's cues are families of their own), and the pooled third-party figures measure the
grammar as it would meet a new file.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.headwords import recover_headwords, stated_term
from ingest.profile import Profile, named_profile, use_profile
from ingest.reader import read_document
from ingest.readers import UnrecognisedLayout, choose
from ingest.records import Entry, LabelKind, Relation, RelationKind, Term
from ingest.relations import cues_for, defined_references_only, extract_relations
from ingest.terms import abbreviation_links, definition_subject, label_key, parse_name
from kg.evaluation.common import PRF, Accuracy, table

RELATION_TYPES = ("synonym", "antonym", "related", "abbreviation", "broader", "narrower")
BRACKET = re.compile(r"\s*[(（][^)）]*[)）]")
# What no label may contain once read: layout markers, markup, tabs, template syntax.
BAD_LABEL = re.compile(r"[■□●○◆◇▼▽★☆※\t]|\*\*|__|^#|^\s*[-*+]\s|<[a-zA-Z/]|\{[%{]|^\d+[.)）]\s")


def key(text: str) -> str:
    return label_key(BRACKET.sub("", text.replace("®", "")))


def unbalanced(text: str) -> bool:
    pairs = ("()", "（）", "「」", "『』", "[]", "【】")
    return any(text.count(pair[0]) != text.count(pair[1]) for pair in pairs)


def bad_label(text: str) -> bool:
    return bool(BAD_LABEL.search(text)) or unbalanced(text)


def load_gold(gold_dir: Path) -> dict[str, list[dict]]:
    gold: dict[str, list[dict]] = {}
    for path in sorted(gold_dir.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if rows:
            gold[rows[0].get("doc") or path.stem + ".txt"] = rows
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
    bad_labels: list[str] = field(default_factory=list)
    reader: str = ""

    def merge(self, other: Scores) -> None:
        for mine, theirs in ((self.entries, other.entries), (self.abbreviation_pairs, other.abbreviation_pairs),
                             (self.readings, other.readings), *((self.relations[t], other.relations[t])
                                                                 for t in RELATION_TYPES)):
            mine.tp += theirs.tp
            mine.fp += theirs.fp
            mine.fn += theirs.fn
        for mine_acc, theirs_acc in ((self.headword_stated, other.headword_stated),
                                     (self.headword_bare, other.headword_bare)):
            mine_acc.right += theirs_acc.right
            mine_acc.total += theirs_acc.total
        self.bad_labels += other.bad_labels


def _read_terms(paths: list[Path], profile: Profile, similarity=None) -> tuple[dict[str, list[Term]], dict[str, str]]:
    """Terms per document exactly as a build makes them (headword recovery included), and the reader of each."""
    stated: list[tuple[Entry, list[Relation]]] = []
    bare: list[tuple[Entry, list[Relation]]] = []
    readers: dict[str, str] = {}
    with use_profile(profile):
        for path in paths:
            doc = read_document(path)
            try:
                choice = choose(doc)
            except UnrecognisedLayout:
                readers[doc.name] = "refused"
                continue
            readers[doc.name] = f"{choice.reader}:{choice.reading.layout}"
            for entry in choice.reading.entries:
                relations = extract_relations(entry, profile)
                (stated if entry.headword else bare).append((entry, relations))
        stated_terms = [stated_term(e, r) for e, r in stated]
        terms = defined_references_only(stated_terms + recover_headwords(bare, stated_terms, similarity), profile)
    out: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        out[term.entry.doc].append(term)
    return out, readers


def _abbreviation_forms(term: Term, allowed) -> set[str]:
    """Forms in abbreviation relations the entry states: its headword brackets and abbreviation cues."""
    forms: set[str] = set()
    for name in (n for n in (term.entry.headword, definition_subject(term.entry.definition)) if n):
        parsed = parse_name(name)
        if parsed is None:
            continue
        acronyms = [lb.text for lb in parsed.labels if lb.kind is LabelKind.ABBREVIATION]
        if acronyms:
            forms.update(key(a) for a in acronyms)
            if re.match(r"[A-Z]", name):  # 「CS(顧客満足)」: the long form is the other side
                forms.add(key(parsed.pref))
    for rel in term.relations:
        if rel.kind is RelationKind.ABBREVIATION and allowed(rel):
            forms.add(key(rel.target))
    return forms


def _score_document(gold_entries: list[dict], terms: list[Term], allowed) -> Scores:
    scores = Scores()
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
    matched = sum(1 for m in matches.values() if m is not None)
    scores.entries.tp += matched
    scores.entries.fn += len(gold_entries) - matched
    scores.entries.fp += len(terms) - len(used)
    for g in gold_entries:
        _score_entry(scores, g, matches[g["id"]], allowed)
    for term in terms:
        for text in (term.pref_label, *(lb.text for lb in term.labels)):
            if bad_label(text):
                scores.bad_labels.append(f"{term.entry.span}: {text!r}")
    return scores


def _score_entry(scores: Scores, g: dict, term: Term | None, allowed) -> None:
    accepted = {key(g["headword"]), *(key(a) for a in g.get("headword_alternatives", []))}
    # A term may carry one preferred label per language (English headword + Japanese name).
    prefs = ({key(term.pref_label), *(key(lb.text) for lb in term.labels if lb.kind is LabelKind.PREF)}
             if term else set())
    ok = bool(prefs & accepted)
    (scores.headword_stated if g.get("headword_line") is not None else scores.headword_bare).add(ok)
    own = accepted
    for kind in RELATION_TYPES:
        gold_targets = {key(r["target"]) for r in g.get("relations", []) if r["type"] == kind}
        if term is None:
            predicted = set()
        elif kind == "abbreviation":
            predicted = _abbreviation_forms(term, allowed) - own
        else:
            predicted = {key(r.target) for r in term.relations if r.kind.value == kind and allowed(r)}
            if kind == "related":
                predicted -= {key(term.pref_label)}
        scores.relations[kind].add(predicted, gold_targets - own if kind == "abbreviation" else gold_targets)
    gold_pairs = {frozenset({key(a["short"]), key(a["long"])}) for a in g.get("abbreviations", [])}
    pairs = {frozenset({key(s), key(long)}) for s, long in abbreviation_links(term.pref_label, term.labels)
             if key(s) != key(long)} if term else set()
    scores.abbreviation_pairs.add(pairs, gold_pairs)
    gold_readings = {(key(r["label"]), key(r["reading"])) for r in g.get("readings", [])}
    predicted_readings: set[tuple[str, str]] = set()
    if term is not None:
        names = [term.pref_label, *(lb.text for lb in term.labels if lb.kind is LabelKind.ALT)]
        for reading in (lb for lb in term.labels if lb.kind is LabelKind.READING):
            predicted_readings.update((key(n), key(reading.text)) for n in names)
        predicted_readings &= gold_readings | {(p, r) for p, r in predicted_readings if p == key(term.pref_label)}
    scores.readings.add(predicted_readings, gold_readings)


def _cue_of(rel: Relation) -> str:
    pattern = rel.pattern.removesuffix(":long")
    return pattern.removeprefix("hedged-") if pattern.startswith("hedged-") and pattern != "hedged-synonym" else pattern


def _families() -> dict[str, str]:
    """Cue id -> the construction (family) it is a surface form of; profile cues are families of their own."""
    return {cue.id: cue.family or cue.id for cue in cues_for(named_profile("callcenter"))}


def _cue_support(gold: dict[str, list[dict]], terms: dict[str, list[Term]]) -> dict[str, set[str]]:
    """For every cue family, the documents on which one of its cues finds at least one gold relation."""
    families = _families()
    support: dict[str, set[str]] = defaultdict(set)
    for doc, entries in gold.items():
        wanted = {(r["type"], key(r["target"])) for g in entries for r in g.get("relations", [])}
        for term in terms.get(doc, []):
            for rel in term.relations:
                if (rel.kind.value, key(rel.target)) in wanted:
                    cue = _cue_of(rel)
                    support[families.get(cue, cue)].add(doc)
    return support


@dataclass
class Evaluation:
    per_document: dict[str, Scores]
    groups: dict[str, list[str]]  # group name -> documents
    in_sample: dict[str, Scores]  # bundled documents scored with every cue (their own profile, no hold-out)

    def pooled(self, group: str) -> Scores:
        total = Scores()
        for doc in self.groups.get(group, []):
            total.merge(self.per_document[doc])
        return total


def locate(name: str, folders: Iterable[Path]) -> Path | None:
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def evaluate(corpus_dir: Path, gold_dir: Path, dev_dir: Path | None = None, similarity=None) -> Evaluation:
    gold = load_gold(gold_dir)
    bundled = sorted(n for n in gold if locate(n, [corpus_dir]))
    third = sorted(n for n in gold if n not in bundled and dev_dir and locate(n, [dev_dir]))
    terms: dict[str, list[Term]] = {}
    readers: dict[str, str] = {}
    # The bundled corpus is one vocabulary: read together, with its profile, as `kg build` does.
    if bundled:
        found, seen = _read_terms([corpus_dir / n for n in bundled], named_profile("callcenter"), similarity)
        terms.update(found)
        readers.update(seen)
    for name in third:  # a third-party glossary is its owner's own build
        found, seen = _read_terms([dev_dir / name], named_profile("default"), similarity)  # type: ignore[operator]
        terms.update(found)
        readers.update(seen)
    support = _cue_support({n: gold[n] for n in bundled + third}, terms)
    families = _families()
    per_document: dict[str, Scores] = {}
    in_sample: dict[str, Scores] = {}
    for name in bundled + third:
        def allowed(rel: Relation, name: str = name) -> bool:
            cue = _cue_of(rel)
            if cue.startswith("field-"):
                return True  # a column states the relation; no cue was involved
            return bool(support.get(families.get(cue, cue), set()) - {name})

        per_document[name] = _score_document(gold[name], terms.get(name, []), allowed)
        per_document[name].reader = readers.get(name, "missing")
        if name in bundled:
            in_sample[name] = _score_document(gold[name], terms.get(name, []), lambda rel: True)
    return Evaluation(per_document, {"bundled": bundled, "third-party": third}, in_sample)


def _rel_cell(prf: PRF) -> str:
    gold = prf.tp + prf.fn
    predicted = prf.tp + prf.fp
    return f"{prf.tp}/{predicted}/{gold}" if gold or predicted else "-"


def report(result: Evaluation) -> str:
    out = ["## extraction, per document (leave-one-document-out cues)", "",
           "relation cells: correct / extracted / gold"]
    rows = []
    for group, docs in result.groups.items():
        for doc in docs:
            s = result.per_document[doc]
            rows.append([doc[:40], group, s.reader, str(s.entries.tp + s.entries.fn), *s.entries.row()[:3],
                         s.headword_stated.cell() if s.headword_stated.total else "-",
                         s.headword_bare.cell() if s.headword_bare.total else "-",
                         *(_rel_cell(s.relations[t]) for t in RELATION_TYPES), str(len(s.bad_labels))])
    out.append(table(["document", "group", "reader", "gold", "entry P", "entry R", "entry F1", "headword (stated)",
                      "headword (bare)", "syn", "ant", "rel", "abbr", "broader", "narrower", "bad labels"], rows))
    for group in result.groups:
        pooled = result.pooled(group)
        out += ["", f"## {group}: pooled", "",
                f"entry F1 {pooled.entries.f1:.3f}; stated headwords {pooled.headword_stated.cell()}; "
                f"bare headwords {pooled.headword_bare.cell()}; abbreviation pairs F1 "
                f"{pooled.abbreviation_pairs.f1:.3f}; readings F1 {pooled.readings.f1:.3f}; "
                f"labels with markup or markers: {len(pooled.bad_labels)}", "",
                table(["relation", "P", "R", "F1", "gold"], [[t, *pooled.relations[t].row()] for t in RELATION_TYPES])]
    if result.in_sample:
        total = Scores()
        for scores in result.in_sample.values():
            total.merge(scores)
        out += ["", "## bundled, in-sample (every cue, including those only these documents support)", "",
                table(["relation", "P", "R", "F1", "gold"], [[t, *total.relations[t].row()] for t in RELATION_TYPES])]
    bad = [label for doc in result.per_document.values() for label in doc.bad_labels]
    if bad:
        out += ["", "labels with markup or markers:", *(f"  {b}" for b in bad[:20])]
    return "\n".join(out)
