"""Merge terms into concepts across documents and resolve relation targets to concepts.

Choices (documented in the README):
- One concept per meaning across glossaries: terms with the same normalised preferred label,
  or joined by an unhedged synonym statement, merge into one concept that keeps every
  source's definition. Two entries of the same glossary never merge (the glossary says they
  are different terms).
- A related/antonym target that no glossary defines becomes a concept of its own
  (`defined=False`), so the relation is an edge, never a dangling string.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.grammar import reference_patterns
from ingest.records import Concept, Definition, Label, LabelKind, RelationKind, ResolvedRelation, Term
from ingest.relations import cues_for, names_a_kind_of_defined, own_names, stated_targets
from ingest.terms import label_key, parse_name

LABEL_PRIORITY = {LabelKind.PREF: 0, LabelKind.ALT: 1, LabelKind.EXPANSION: 2, LabelKind.ABBREVIATION: 3,
                  LabelKind.READING: 4, LabelKind.CANDIDATE: 5}


@dataclass
class LinkReport:
    conflicts: list[str] = field(default_factory=list)
    ambiguous_labels: dict[str, list[str]] = field(default_factory=dict)
    undefined_targets: list[str] = field(default_factory=list)
    page_references: list[str] = field(default_factory=list)  # see-references to something no glossary defines


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))
        self.docs: list[dict[str, str]] = [{} for _ in range(n)]  # doc -> key of its member

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        for doc, key in self.docs[rb].items():
            if doc in self.docs[ra] and self.docs[ra][doc] != key:
                return False  # would merge two different entries of one glossary
        self.parent[rb] = ra
        for doc, key in self.docs[rb].items():
            self.docs[ra].setdefault(doc, key)
        return True


def _choose_pref(terms: Sequence[Term]) -> Term:
    # Stated headwords beat recovered ones; Japanese beats English; then the most common.
    keys: defaultdict[str, int] = defaultdict(int)
    for term in terms:
        keys[label_key(term.pref_label)] += 1
    return max(terms, key=lambda t: (t.headword_confidence, t.pref_lang == "ja", keys[label_key(t.pref_label)],
                                     -len(t.pref_label)))


def link_terms(terms: Sequence[Term]) -> tuple[list[Concept], LinkReport]:
    """Group terms into concepts and resolve their related/antonym targets."""
    report = LinkReport()
    uf = _UnionFind(len(terms))
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, term in enumerate(terms):
        key = label_key(term.pref_label)
        uf.docs[i][term.entry.doc] = key
        by_key[key].append(i)
    for indexes in by_key.values():
        for i in indexes[1:]:
            if not uf.union(indexes[0], i):
                report.conflicts.append(
                    f"{terms[i].entry.span}: 「{terms[i].pref_label}」 is defined twice in one glossary")
    for i, term in enumerate(terms):
        for rel in term.relations:
            if rel.kind is not RelationKind.SYNONYM or rel.hedged:
                continue
            parsed = parse_name(rel.target)
            for j in by_key.get(label_key(parsed.pref), []) if parsed else []:
                if not uf.union(i, j):
                    report.conflicts.append(
                        f"{rel.span}: synonym 「{rel.target}」 names another entry of the same glossary; kept apart"
                    )
    # Two entries that each name the other as an alternative label (呼量予測/コール予測 in one
    # glossary, コール予測(呼量予測) in another) are one concept.
    names = [{label_key(lb.text) for lb in t.labels if lb.kind in (LabelKind.ALT, LabelKind.PREF)} for t in terms]
    for i, term in enumerate(terms):
        for key in names[i]:
            for j in by_key.get(key, []):
                if j != i and label_key(term.pref_label) in names[j] and not uf.union(i, j):
                    report.conflicts.append(
                        f"{term.entry.span}: 「{term.pref_label}」 and 「{terms[j].pref_label}」 name each other "
                        "but are separate entries of one glossary; kept apart"
                    )
    # A stated headword's alternative name that another glossary uses as its headword
    # (顧客離れ(チャーンレート) / チャーンレート(解約率)) names the same concept.
    for i, term in enumerate(terms):
        if term.headword_evidence != "headword":
            continue
        for label in term.labels:
            if label.kind is not LabelKind.ALT:
                continue
            for j in by_key.get(label_key(label.text), []):
                if terms[j].entry.doc != term.entry.doc:
                    uf.union(i, j)
    groups: dict[int, list[Term]] = defaultdict(list)
    for i, term in enumerate(terms):
        groups[uf.find(i)].append(term)

    drafts = [_draft(group) for group in groups.values()]
    concepts_by_key: dict[str, dict] = {}
    for draft in drafts:
        # Concepts kept apart under one name (two entries of one glossary, a guessed name equal to a
        # stated one) each keep their own key, so no definition is lost.
        key, n = draft["key"], 1
        while draft["key"] in concepts_by_key:
            n += 1
            draft["key"] = f"{key}~{n}"
        concepts_by_key[draft["key"]] = draft
    # label key -> concept keys, pref labels first (Skosmos precedence)
    label_index: dict[str, list[str]] = defaultdict(list)
    for draft in drafts:
        label_index[label_key(draft["pref"])].append(draft["key"])
    for draft in drafts:
        for label in draft["labels"]:
            k = label_key(label.text)
            if draft["key"] not in label_index[k]:
                label_index[k].append(draft["key"])
    for k, owners in label_index.items():
        if len(owners) > 1:
            report.ambiguous_labels[k] = owners

    references = reference_patterns(cues_for())
    stated = stated_targets([t for d in concepts_by_key.values() for t in d["terms"]], references)
    for draft in list(concepts_by_key.values()):
        for term in draft["terms"]:
            for rel in term.relations:
                # A hedged synonym (「広義では…と同義」) links two concepts as related, never as one.
                kind = RelationKind.RELATED if rel.kind is RelationKind.SYNONYM and rel.hedged else rel.kind
                if kind in (RelationKind.SYNONYM, RelationKind.ABBREVIATION):
                    continue
                parsed = parse_name(rel.target)
                if not parsed:
                    continue
                if rel.pattern in references:  # a see-reference names the whole target: 「SSL/TLS 暗号化」 is not SSL
                    target = _resolve(rel.target, label_index)
                else:
                    target = _resolve(parsed.pref, label_index) or next(
                        (_resolve(label.text, label_index) for label in parsed.labels
                         if _resolve(label.text, label_index)), None)
                if target is None and rel.pattern in references and label_key(rel.target) not in stated \
                        and not names_a_kind_of_defined(rel.target, label_index, own_names(term.entry)):
                    # 「参照: Apache の環境変数」 names a page, not a term: a see-reference counts only
                    # when the glossaries define or name as a term what it points at, or a compound headed by a
                    # term they define.
                    report.page_references.append(f"{rel.span}: {rel.target}")
                    continue
                if target is None:
                    target = label_key(parsed.pref)
                    concepts_by_key[target] = {
                        "key": target, "pref": parsed.pref, "pref_lang": parsed.pref_lang,
                        "labels": list(parsed.labels), "terms": [], "relations": [], "defined": False,
                        "sources": [term.entry.doc], "confidence": 1.0, "evidence": "relation_target",
                    }
                    label_index[target].append(target)
                    for label in parsed.labels:
                        label_index[label_key(label.text)].append(target)
                    report.undefined_targets.append(parsed.pref)
                if target == draft["key"]:
                    continue
                draft["relations"].append(ResolvedRelation(kind, target, rel))
    return [_freeze(d) for d in sorted(concepts_by_key.values(), key=lambda d: d["key"])], report


def _resolve(text: str, label_index: dict[str, list[str]]) -> str | None:
    owners = label_index.get(label_key(text))
    return owners[0] if owners else None


def _draft(group: list[Term]) -> dict:
    chosen = _choose_pref(group)
    labels: list[Label] = []
    seen = {label_key(chosen.pref_label)}
    for term in sorted(group, key=lambda t: t is not chosen):
        extra = [] if term is chosen else [Label(term.pref_label, term.pref_lang, LabelKind.ALT)]
        for label in [*extra, *term.labels]:
            key = label_key(label.text)
            if label.kind is LabelKind.PREF and label.lang == chosen.pref_lang:
                label = Label(label.text, label.lang, LabelKind.ALT)
            if key not in seen:
                seen.add(key)
                labels.append(label)
    # At most one preferred label per language.
    pref_langs = {chosen.pref_lang}
    fixed = []
    for label in labels:
        if label.kind is LabelKind.PREF:
            if label.lang in pref_langs:
                label = Label(label.text, label.lang, LabelKind.ALT)
            pref_langs.add(label.lang)
        fixed.append(label)
    return {
        "key": label_key(chosen.pref_label), "pref": chosen.pref_label, "pref_lang": chosen.pref_lang,
        "labels": sorted(fixed, key=lambda lb: LABEL_PRIORITY[lb.kind]), "terms": group, "relations": [],
        "defined": True, "sources": sorted({t.entry.doc for t in group}),
        "confidence": max(t.headword_confidence for t in group), "evidence": chosen.headword_evidence,
    }


def _freeze(draft: dict) -> Concept:
    definitions = tuple(
        Definition(t.entry.definition, "ja", t.entry.span) for t in draft["terms"] if t.entry.definition
    )
    return Concept(
        key=draft["key"], pref_label=draft["pref"], pref_lang=draft["pref_lang"], labels=tuple(draft["labels"]),
        definitions=definitions, relations=tuple(draft["relations"]), sources=tuple(draft["sources"]),
        headword_confidence=draft["confidence"], headword_evidence=draft["evidence"], defined=draft["defined"],
        terms=tuple(draft["terms"]),
    )
