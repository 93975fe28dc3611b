"""Build Terms from Entries: parse stated headwords, recover missing ones with evidence."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from ingest.records import Entry, Label, LabelKind, Relation, RelationKind, Term
from ingest.terms import ParsedName, clean_label, definition_subject, is_acronym, label_key, label_lang, parse_name

# Below this confidence a recovered headword is kept as a candidate label, visibly.
CONFIDENT = 0.5
TITLE_TERM = re.compile(
    r"^(?:コールセンター(?:における|の|で重要な)?|コールセンター業界の)?(?P<term>.+?)\s*(?:とは|って何)[?？]?"
)


def labels_from_relations(relations: Sequence[Relation]) -> list[Label]:
    """Alt labels, abbreviations, expansions and readings that the entry's own cues state."""
    labels: list[Label] = []
    for rel in relations:
        if rel.kind is RelationKind.SYNONYM:
            parsed = parse_name(rel.target)
            if parsed:
                labels.append(Label(parsed.pref, parsed.pref_lang, LabelKind.ALT))
                labels.extend(parsed.labels)
        elif rel.kind is RelationKind.ABBREVIATION:
            target = clean_label(rel.target)
            if rel.pattern.endswith(":long"):
                labels.append(Label(target, label_lang(target), LabelKind.EXPANSION))
            else:
                labels.append(Label(target, label_lang(target) if not is_acronym(target) else "en",
                                    LabelKind.ABBREVIATION))
    return labels


def title_term(title: str) -> ParsedName | None:
    """The term an article title names: 「コールセンターにおけるACW(平均後処理時間)とは?…」."""
    m = TITLE_TERM.match(title.strip())
    if not m:
        return None
    term = m["term"].strip()
    term = re.sub(r"の(?:違い|意味|重要性)$", "", term)
    if "とアウトバウンド" in term or "と" in term and not re.search(r"[(（]", term):
        # 「インバウンドとアウトバウンドの違い」: the first of a compared pair.
        term = term.split("と")[0]
    if " " in term and not re.search(r"[(（]", term):
        term = term.split()[-1]
    if "の" in term and not re.search(r"[(（]", term):
        term = term.rsplit("の", 1)[-1]
    return parse_name(term)


def stated_term(entry: Entry, relations: Sequence[Relation]) -> Term:
    """A Term for an entry whose glossary gives the headword."""
    assert entry.headword is not None
    parsed = parse_name(entry.headword) or ParsedName(clean_label(entry.headword), "ja", ())
    labels = list(parsed.labels)
    pref, pref_lang = parsed.pref, parsed.pref_lang
    subject = definition_subject(entry.definition)
    if subject:
        sub = parse_name(subject)
        known = {label_key(pref), *(label_key(label.text) for label in labels)}
        if sub and label_key(sub.pref) not in known:
            if pref_lang == "en" and sub.pref_lang == "ja":
                # 「Self-Service Portal」 defined as 「セルフサービスポータルは…」: a Japanese name in the
                # vocabulary's language becomes preferred, the English headword its @en label.
                labels.append(Label(pref, "en", LabelKind.PREF))
                pref, pref_lang = sub.pref, "ja"
            else:
                labels.append(Label(sub.pref, sub.pref_lang, LabelKind.ALT))
        if sub:
            labels.extend(label for label in sub.labels if label_key(label.text) not in known)
    labels.extend(labels_from_relations(relations))
    return Term(entry, pref, pref_lang, _dedupe(pref, labels), tuple(relations), 1.0, "headword")


def _dedupe(pref: str, labels: Sequence[Label]) -> tuple[Label, ...]:
    seen = {label_key(pref)}
    out = []
    for label in labels:
        key = label_key(label.text)
        if key and key not in seen:
            seen.add(key)
            out.append(label)
    return tuple(out)


def _bigrams(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\s、。「」()()・,.]", "", text)
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


class DefinitionMatcher:
    """Cosine similarity of character-bigram TF-IDF between definitions across documents."""

    def __init__(self, terms: Sequence[Term]):
        self.terms = list(terms)
        self.vectors = [_bigrams(t.entry.definition) for t in self.terms]
        df: Counter[str] = Counter()
        for vector in self.vectors:
            df.update(vector.keys())
        n = max(1, len(self.vectors))
        self.idf = {gram: math.log((1 + n) / (1 + count)) + 1 for gram, count in df.items()}
        self.weighted = [self._weigh(v) for v in self.vectors]

    def _weigh(self, vector: Counter[str]) -> dict[str, float]:
        weights = {g: c * self.idf.get(g, 1.0) for g, c in vector.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    def best(self, definition: str, exclude_doc: str) -> tuple[Term, float] | None:
        query = self._weigh(_bigrams(definition))
        best: tuple[Term, float] | None = None
        for term, vector in zip(self.terms, self.weighted, strict=True):
            if term.entry.doc == exclude_doc:
                continue
            score = sum(w * vector.get(g, 0.0) for g, w in query.items())
            if best is None or score > best[1]:
                best = (term, score)
        return best


MENTION = re.compile(r"(?:^|[。．]\s*)(?P<name>[A-Za-z\u30a0-\u30ff\u4e00-\u9fff][A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff/]{1,19})(?:は、|には、|によって|を実施する|が多ければ|が長い)")


# Sentence subjects that are generic words, never the defined term.
MENTION_STOP = frozenset({"業務内容", "企業", "顧客", "お客様", "数値", "これ", "それ", "担当者", "目的", "場合"})


def subject_mentions(definition: str) -> list[str]:
    """Names that later sentences of a bare definition talk about: 「…指標。放棄呼率は、…」."""
    sentences_after_first = definition.split("。", 1)[1] if "。" in definition else ""
    return [m["name"] for m in MENTION.finditer("。" + sentences_after_first)
            if "の" not in m["name"] and not m["name"].endswith("的") and m["name"] not in MENTION_STOP]


def recovered_term(entry: Entry, relations: Sequence[Relation], matcher: DefinitionMatcher | None) -> Term:
    """A Term for a bare definition, its headword recovered from the strongest evidence found."""
    labels = labels_from_relations(relations)
    candidates: list[tuple[float, str, ParsedName]] = []
    if entry.title and (parsed := title_term(entry.title)):
        candidates.append((0.9, "article_title", parsed))
    for name in subject_mentions(entry.definition):
        if parsed := parse_name(name):
            candidates.append((0.75, "subject_mention", parsed))
            break
    names = [label for label in labels if label.kind in (LabelKind.ALT, LabelKind.EXPANSION)]
    for label in names:
        if parsed := parse_name(label.text):
            candidates.append((0.6 if label.kind is LabelKind.ALT else 0.45, "self_reference", parsed))
    if matcher is not None:
        match = matcher.best(entry.definition, entry.doc)
        if match and match[1] >= 0.33:
            term, score = match
            other = ParsedName(term.pref_label, term.pref_lang, term.labels)
            candidates.append((min(0.8, 0.25 + score), "other_glossary", other))
    for label in labels:
        if label.kind is LabelKind.ABBREVIATION and (parsed := parse_name(label.text)):
            candidates.append((0.4, "self_reference", parsed))
    if not candidates:
        snippet = re.split(r"[、。]", entry.definition)[0][:24]
        placeholder = ParsedName(f"(見出し語不明) {snippet}", "ja", ())
        candidates.append((0.05, "none", placeholder))
    confidence, evidence, best = max(candidates, key=lambda c: c[0])
    all_labels = list(best.labels) + labels
    for _, _, other in candidates:
        if other is not best and other.pref:
            kind = LabelKind.ALT if confidence >= CONFIDENT else LabelKind.CANDIDATE
            if evidence == "none":
                continue
            all_labels.append(Label(other.pref, other.pref_lang, kind))
    return Term(entry, best.pref, best.pref_lang, _dedupe(best.pref, all_labels), tuple(relations), confidence, evidence)
