"""Build Terms from Entries: parse stated headwords, recover missing ones with evidence."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ingest.gojuon import LATIN, collation_key, is_ordered
from ingest.lexicon import CorpusVocabulary, ReverseDictionary, definition_genus, same_kind
from ingest.profile import current_profile
from ingest.records import Entry, HeadwordCandidate, Label, LabelKind, Relation, RelationKind, Term
from ingest.terms import ParsedName, clean_label, definition_subject, is_acronym, label_key, label_lang, parse_name

# Below this confidence a recovered headword is kept as a candidate label, visibly.
CONFIDENT = 0.5
# What joins a title's topic phrase to the term: 「<topic>における」「<topic>の」「<topic>業界の」.
TITLE_JOINERS = r"(?:における|の|で重要な|業界の|では|で)?"
TITLE_TAIL = r"\s*(?:とは|って何)[?？]?"


def title_topics(titles: Sequence[str]) -> tuple[str, ...]:
    """Phrases a document's article titles open with: the profile's, and the one learned here.

    The learned one is the longest opening that at least half of the titles (three or more)
    share, such as the domain word of a blog's series 「<domain>における…とは?」.
    """
    topics = list(current_profile().strings("headwords", "title_prefixes"))
    titles = [t.strip() for t in titles if t and t.strip()]
    if len(titles) >= 3:
        counts: Counter[str] = Counter()
        for title in set(titles):
            for n in range(2, min(12, len(title)) + 1):
                counts[title[:n]] += 1
        shared = [p for p, c in counts.items() if c * 2 >= len(set(titles)) and c >= 3
                  and re.match(r"[\u30a0-\u30ff\u4e00-\u9fffA-Za-z]+$", p)]
        if shared:
            topics.append(max(shared, key=len))
    return tuple(dict.fromkeys(topics))


def title_term(title: str, topics: Sequence[str] = ()) -> ParsedName | None:
    """The term an article title names: 「<topic>におけるACW(平均後処理時間)とは?…」."""
    opening = "|".join(re.escape(t) for t in sorted(topics, key=len, reverse=True))
    prefix = f"(?:(?:{opening}){TITLE_JOINERS})?" if opening else ""
    m = re.match(f"^{prefix}(?P<term>.+?){TITLE_TAIL}", title.strip())
    if not m:
        if not opening:
            return None
        topic = re.match(f"^(?:{opening})(?:における|の)(?P<term>[A-Za-z\u30a0-\u30ff\u4e00-\u9fff]+?)(?:の|例文|とは)",
                         title.strip())
        return parse_name(topic["term"]) if topic else None
    term = m["term"].strip()
    term = re.sub(r"の(?:違い|意味|重要性)$", "", term)
    if "と" in term and not re.search(r"[(（]", term):
        # 「輸入と輸出の違い」: the first of a compared pair.
        term = term.split("と")[0]
    if " " in term and not re.search(r"[(（]", term):
        term = term.split()[-1]
    if "の" in term and not re.search(r"[(（]", term):
        term = term.rsplit("の", 1)[-1]
    return parse_name(term)


def labels_from_relations(relations: Sequence[Relation]) -> list[Label]:
    """Alt labels, abbreviations, expansions and readings that the entry's own cues state."""
    labels: list[Label] = []
    for rel in relations:
        if rel.kind is RelationKind.SYNONYM and not rel.hedged:
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


def stated_term(entry: Entry, relations: Sequence[Relation]) -> Term:
    """A Term for an entry whose glossary gives the headword."""
    if entry.headword is None:
        raise ValueError("stated_term needs an entry whose glossary gives the headword")
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
    return Term(entry, pref, pref_lang, _dedupe(pref, labels), _without_self(pref, relations), 1.0, "headword")


def _without_self(pref: str, relations: Sequence[Relation]) -> tuple[Relation, ...]:
    """Drop relations from a term to its own name: 「輸入と輸出の違い」 under 輸入."""
    own = label_key(pref)
    # A synonym equal to the name stays: for a bare definition it is often what named the term.
    return tuple(r for r in relations
                 if (r.kind in (RelationKind.ABBREVIATION, RelationKind.SYNONYM) and not r.hedged)
                 or label_key(clean_label(r.target)) != own)


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

    def scores(self, definition: str) -> list[float]:
        query = self._weigh(_bigrams(definition))
        return [sum(w * vector.get(g, 0.0) for g, w in query.items()) for vector in self.weighted]

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


# Compound terms may hold okurigana (問い合わせ, 取り扱い) but never a particle (会社の離職率).
_NAME = (r"[A-Za-z\u30a0-\u30ff\u4e00-\u9fff]"
         r"(?:[A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff/]|[ちりしきいえけせめれじび](?=[\u4e00-\u9fff]))*")
# A later sentence that talks about the defined term: 「…。放棄呼率は、…」「適切なリスクマネジメントを実施する」.
MENTION = re.compile(
    r"(?<![A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff])[「『]?(?P<name>" + _NAME + r")[」』]?"
    r"(?:は、|は(?=[^、。]{2})|には、|では、|によって|を実施|を行な?う|をもとに|が(?:多|長|高|低|必要|豊富|発生|短)|"
    r"といった使い方|の短縮|に含まれ)"
)
# 「…発信することを架電という」: the definition names its own term.
DEFINED_AS = re.compile(r"(?:こと|もの)を[「『]?(?P<name>" + _NAME + r")[」』]?と(?:いう|言う|呼ぶ)")
# 「…他の部署に転送すること(を指す)。」: a definition whose first sentence ends in a verbal noun + する
# may define that action itself. A weak guess (on the dev gold the action is the term for one such
# entry in six), so it scores below any other evidence and names an entry only when nothing else does.
DEFINING_ACTION = re.compile(r"(?<![A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff])(?P<name>" + _NAME
                             + r")すること(?:を(?:指す|いう|言う))?$")
QUOTED_SUBJECT = re.compile(r"^[「『](?P<name>[^「」『』]{2,30})[」』]\s*(?:は|とは)")
# Sentence subjects that are generic words, never the defined term.
# Domain nouns of the same kind (a sector's "customer", "staff") come from the profile.
MENTION_STOP = frozenset({"数値", "これ", "それ", "目的", "場合", "一般", "具体", "主", "基本"})


def _mention_stop() -> frozenset[str]:
    return MENTION_STOP | frozenset(current_profile().strings("headwords", "mention_stop"))
# Candidate scores by evidence, before the document-order and similarity adjustments.
TITLE, QUOTED, MENTIONED, SELF_ALT, SELF_EXPANSION, SELF_ABBREVIATION = 0.9, 0.85, 0.75, 0.7, 0.45, 0.4
DEFINED_ACTION = 0.35
POOL_BASE = 0.2
ORDER_BONUS, ORDER_PENALTY = 0.1, 0.25
# Candidates scoring below this carry no weight in the gojūon chain.
ORDER_FLOOR = 0.3
# A glossary is taken to be in gojūon order when one proposed name per entry lines up for this
# share of its entries (a shuffled list of 50 lines up about a quarter).
ORDER_CHAIN_SHARE, ORDER_MIN_ENTRIES = 0.45, 10
DENSE_WEIGHT = 0.15
# Added to a borrowed name whose other definition has the same genus (dev: 70/108 for 0.05 to 0.2 alike).
GENUS_AGREEMENT = 0.1
# Lexicon words proposed per bare definition, and candidates kept for the review queue.
LEXICON_LIMIT, CORPUS_LIMIT, CANDIDATES_KEPT = 10, 5, 8
# Lexicon words are guesses from meaning alone: any name the text or another glossary gives outranks them.
LEXICON_WEIGHT = 0.5
LEXICON_CONFIDENCE, CORPUS_CONFIDENCE = 0.15, 0.35
# A word that merely sorts in the window must still keep company with the definition's words.
WINDOW_MIN_COSINE, WINDOW_MIN_USES = 0.2, 2
# Kana a guess must share with a neighbour's name in an ordered glossary to count as its family.
FAMILY_PREFIX, FAMILY_BONUS = 3, 0.1
# Two similar definitions (bigram cosine) in two documents back the names both are given.
AGREE_SIMILARITY, AGREE_WEIGHT, AGREE_MAX = 0.15, 0.5, 0.2
# Names proposed from meaning alone, not read in or beside the entry.
GUESSES = ("corpus", "lexicon")
# Names a glossary gives one of its entries at most: a guess, or a name borrowed from another
# glossary's similar definition (two bare entries that borrow one name are two different terms).
UNIQUE_NAMES = (*GUESSES, "other_glossary")


def subject_mentions(definition: str, topics: Sequence[str] = ()) -> list[tuple[str, bool]]:
    """Names a bare definition talks about after its first sentence: 「…指標。放棄呼率は、…」.

    Each name comes with whether it opens its sentence (the strongest position for a topic).
    """
    stop = _mention_stop()
    rest = _after_first_sentence(definition)
    text = "。" + rest
    out = []
    for m in MENTION.finditer(text):
        name = m["name"]
        if len(name) < 2 or name.endswith("的") or name in stop:
            continue
        before = text[: m.start()].rstrip("「『")
        lead = "|".join(re.escape(t) for t in topics)
        lead = f"(?:{lead})(?:の|における|では)|" if lead else ""
        opening = (before.rstrip().endswith("。")
                   or re.search(f"。(?:{lead}適切な|[^。、]{{0,6}}、)$", before) is not None)
        out.append((name, opening))
    return out


# 「…確認を行なうこと不満点がある場合も、…」: the nominaliser こと runs straight into a noun only
# where a sentence ended and its 。 was dropped (こと自体, こと等 excepted).
_DROPPED_STOP = re.compile(r"こと(?=[\u30a0-\u30ff\u4e00-\u9fff])(?!自体|等|全般|全体)")


def _after_first_sentence(definition: str) -> str:
    """The definition after its first sentence, which ends at 。 or at a こと whose 。 was dropped."""
    ends = [m.end() for m in (re.search("。", definition), _DROPPED_STOP.search(definition)) if m]
    return definition[min(ends):] if ends else ""


@dataclass
class Candidate:
    score: float
    evidence: str
    name: ParsedName
    detail: str = ""  # why, in words a curator reads (「compound: 保留+率 (率≈割合)」)


def own_candidates(entry: Entry, labels: list[Label], topics: Sequence[str] = ()) -> list[Candidate]:
    """Headword candidates found in the entry's own text and title (`topics`: see title_topics)."""
    out: list[Candidate] = []
    if entry.title and (parsed := title_term(entry.title, topics)):
        out.append(Candidate(TITLE, "article_title", parsed))
    if (m := QUOTED_SUBJECT.match(entry.definition)) and (parsed := parse_name(m["name"])):
        out.append(Candidate(QUOTED, "self_reference", parsed))
    for m in DEFINED_AS.finditer(entry.definition):
        if m["name"] not in _mention_stop() and (parsed := parse_name(m["name"])):
            out.append(Candidate(QUOTED, "self_reference", parsed))
    first = entry.definition.split("。", 1)[0].strip()
    if (m := DEFINING_ACTION.search(first)) and m["name"] not in _mention_stop() and (parsed := parse_name(m["name"])):
        out.append(Candidate(DEFINED_ACTION, "defining_action", parsed))
    for name, opening in subject_mentions(entry.definition, topics)[:3]:
        if parsed := parse_name(name):
            out.append(Candidate(MENTIONED if opening else MENTIONED - 0.2, "subject_mention", parsed))
    for label in labels:
        score = {LabelKind.ALT: SELF_ALT, LabelKind.EXPANSION: SELF_EXPANSION,
                 LabelKind.ABBREVIATION: SELF_ABBREVIATION}.get(label.kind)
        if score is not None and (parsed := parse_name(label.text)):
            out.append(Candidate(score, "self_reference", parsed))
    return out


# (queries, documents) -> a len(queries) x len(documents) array of cosine similarities
Similarity = Callable[[Sequence[str], Sequence[str]], Any]


_DEFAULT_LEXICON = object()


def _corpus_candidates(entry: Entry, found: list[Candidate], vocabulary: CorpusVocabulary,
                       window: tuple[str | None, str | None] | None) -> list[Candidate]:
    """Words the other entries use in the company of this definition's words.

    In an ordered glossary the words that sort inside the entry's window are proposed too: few
    words of a collection fall between two neighbouring headwords.
    """
    exclude = [c.name.pref for c in found]
    proposed = vocabulary.candidates(entry.definition, exclude=exclude, limit=CORPUS_LIMIT)
    if window is not None:
        def inside(word: str) -> bool:
            if vocabulary.counts[word] < WINDOW_MIN_USES:
                return False  # a word said once in passing is no term of the collection
            key = collation_key(word)
            return bool(key) and not key.startswith(LATIN) and (window[0] is None or window[0] <= key) \
                and (window[1] is None or key <= window[1])
        taken = {c.label for c in proposed}
        proposed += [c for c in vocabulary.candidates(entry.definition, exclude=exclude, limit=CORPUS_LIMIT,
                                                      keep=inside, min_cosine=WINDOW_MIN_COSINE)
                     if c.label not in taken]
    return [Candidate(c.score, "corpus", parsed, c.evidence) for c in proposed if (parsed := parse_name(c.label))]


def _lexicon_candidates(entry: Entry, found: list[Candidate], lexicon: ReverseDictionary | None) -> list[Candidate]:
    """Real words the definition may name, after the text's own candidates."""
    if lexicon is None:
        return []
    exclude = [c.name.pref for c in found]
    out = []
    for cand in lexicon.candidates(entry.definition, exclude=exclude, limit=LEXICON_LIMIT):
        if parsed := parse_name(cand.label):
            out.append(Candidate(round(cand.score * LEXICON_WEIGHT, 3), "lexicon", parsed, cand.evidence))
    return out


def recover_headwords(bare: Sequence[tuple[Entry, Sequence[Relation]]], stated: Sequence[Term],
                      similarity: Similarity | None = None, lexicon: Any = _DEFAULT_LEXICON) -> list[Term]:
    """Terms for bare definitions: own evidence, other glossaries' definitions, lexicon words and gojūon order.

    `lexicon` is a ReverseDictionary; by default the one over the compiled JMdict (none without it).
    """
    if lexicon is _DEFAULT_LEXICON:
        lexicon = _default_lexicon(similarity) if bare else None
    by_doc: dict[str, list[tuple[Entry, Sequence[Relation], list[Label], list[Candidate]]]] = defaultdict(list)
    titles: dict[str, list[str]] = defaultdict(list)
    for entry, _ in bare:
        if entry.title:
            titles[entry.doc].append(entry.title)
    topics = {doc: title_topics(doc_titles) for doc, doc_titles in titles.items()}
    for entry, relations in bare:
        labels = labels_from_relations(relations)
        by_doc[entry.doc].append((entry, relations, labels, own_candidates(entry, labels, topics.get(entry.doc, ()))))
    # Confidently named bare entries help name their twins in the other bare glossary.
    anchors = [Term(e, max(c, key=lambda x: x.score).name.pref, "ja", (), tuple(r),
                    max(c, key=lambda x: x.score).score, "anchor")
               for items in by_doc.values() for e, r, _, c in items if c and max(x.score for x in c) >= MENTIONED]
    pool = [*stated, *anchors]
    vocabulary = CorpusVocabulary([t.entry.definition for t in stated] + [e.definition for e, _ in bare])
    lexical = DefinitionMatcher(pool) if pool else None
    dense = None
    if similarity is not None and pool:
        queries = [e.definition for items in by_doc.values() for e, _, _, _ in items]
        dense = dict(zip(queries, similarity(queries, [t.entry.definition for t in pool]), strict=True))
    # 1. Names with evidence: the entry's own text and other glossaries' definitions.
    proposals: dict[str, list[list[Candidate]]] = {
        doc: [[*candidates, *_pool_candidates(entry, pool, lexical, dense.get(entry.definition) if dense else None)]
              for entry, _, _, candidates in items]
        for doc, items in by_doc.items()}
    # 2. In a glossary in gojūon order, those names bound where each missing headword must sort.
    windows_of: dict[str, list] = {}
    chains: dict[str, dict[int, str]] = {}
    for doc, items in by_doc.items():
        keys = [collation_key(max(c, key=lambda x: x.score).name.pref) if c and max(x.score for x in c) >= MENTIONED
                else None for _, _, _, c in items]
        ordered = is_ordered([k for k in keys if k])
        evidenced = proposals[doc]
        if not ordered:
            # Too few sure names to see the order: it shows when one name per entry, taken from
            # the text's and other glossaries' proposals, lines up for far more entries than chance.
            chain = _order_chain(evidenced)
            named = sum(1 for found in evidenced if found)
            ordered = named >= ORDER_MIN_ENTRIES and len(chain) >= ORDER_CHAIN_SHARE * named
        # The window comes from names with evidence; guesses are then judged by it, never shape it.
        windows_of[doc] = order_windows(evidenced) if ordered else [None] * len(items)
        chains[doc] = _order_chain(evidenced) if ordered else {}
    # 3. Guesses: words the collection uses nearby (also those that sort inside the window), lexicon words.
    for doc, items in by_doc.items():
        for i, (entry, _, _, _) in enumerate(items):
            found = proposals[doc][i]
            found += _corpus_candidates(entry, found, vocabulary, windows_of[doc][i])
            found += _lexicon_candidates(entry, found, lexicon)
    if len(by_doc) > 1:
        _reward_agreement(by_doc, proposals)
    out: list[Term] = []
    for doc, items in by_doc.items():
        candidates_of, windows, chain = proposals[doc], windows_of[doc], chains[doc]
        scored_of: list[list[Candidate]] = []
        for i, (found, window) in enumerate(zip(candidates_of, windows, strict=True)):
            neighbours = [chain[k] for k in (i - 1, i + 1) if k in chain]
            scored: list[Candidate] = []
            for cand in found:
                score = cand.score
                key = collation_key(cand.name.pref)
                if window is not None and key and not key.startswith(LATIN):
                    inside = (window[0] is None or window[0] <= key) and (window[1] is None or key <= window[1])
                    # A title or a stated alias (「再ダイヤルともいう」) names the concept whatever the
                    # list sorts by: the headword may be another of its names.
                    penalty = ORDER_PENALTY * (0.4 if cand.evidence in ("article_title", "self_reference") else 1)
                    score += ORDER_BONUS if inside else -penalty
                    # An ordered glossary lists a family together (保留時間, 保留率): a guess that
                    # shares its start with the next entry's name is likelier a member.
                    if cand.evidence in GUESSES and inside and any(
                            _shared_start(key, n) >= FAMILY_PREFIX and key != n for n in neighbours):
                        score += FAMILY_BONUS
                scored.append(Candidate(max(0.01, min(score, 0.95)), cand.evidence, cand.name, cand.detail))
            scored_of.append(scored)
        _one_name_per_entry(scored_of, [entry.definition for entry, _, _, _ in items])
        out.extend(_term_from(entry, relations, labels, scored)
                   for (entry, relations, labels, _), scored in zip(items, scored_of, strict=True))
    return out


def _one_name_per_entry(scored_of: list[list[Candidate]], texts: Sequence[str]) -> None:
    """A glossary defines a term once: two of its entries never get the same guessed or borrowed name.

    An entry whose own text uses the name keeps it first, then the entry whose candidate scores
    higher; the other falls back to its next candidate. Names the text states are left alone
    (two entries may really state the same name).
    """
    def claim(i: int) -> tuple[bool, float]:
        top = max(scored_of[i], key=lambda c: c.score)
        return top.name.pref in texts[i], top.score

    best = sorted(((claim(i), i) for i, found in enumerate(scored_of) if found), reverse=True)
    taken: set[str] = set()
    for _, i in best:
        ranked = sorted(scored_of[i], key=lambda c: -c.score)
        top = ranked[0]
        if top.evidence in UNIQUE_NAMES and label_key(top.name.pref) in taken:
            free = next((c for c in ranked if label_key(c.name.pref) not in taken), None)
            if free is not None:
                # Demote the taken name below the free one rather than dropping it: a curator sees both.
                scored_of[i] = [Candidate(min(c.score, free.score - 0.001), c.evidence, c.name, c.detail)
                                if label_key(c.name.pref) in taken else c for c in scored_of[i]]
                top = free
        taken.add(label_key(top.name.pref))


def _shared_start(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@dataclass(frozen=True)
class _Definition:
    entry: Entry


def _reward_agreement(by_doc: dict, proposals: dict[str, list[list[Candidate]]]) -> None:
    """Two headword-less glossaries that define the same thing back the names they both propose.

    A guess (corpus word, lexicon word, weak cross-glossary match) made independently for two
    similar definitions in two documents is far likelier right than either alone.
    """
    flat = [(doc, i, entry) for doc, items in by_doc.items() for i, (entry, _, _, _) in enumerate(items)]
    # The matcher reads only `.entry` of what it is given.
    matcher = DefinitionMatcher(cast(list[Term], [_Definition(entry) for _, _, entry in flat]))
    for a, (doc_a, i, entry) in enumerate(flat):
        sims = matcher.scores(entry.definition)
        for b, (doc_b, j, _) in enumerate(flat):
            if b <= a or doc_b == doc_a or sims[b] < AGREE_SIMILARITY:
                continue
            # Only independent guesses count: two similar definitions match the same other
            # glossary's entry as a matter of course.
            names_b = {label_key(c.name.pref) for c in proposals[doc_b][j] if c.evidence in GUESSES}
            shared = {label_key(c.name.pref) for c in proposals[doc_a][i] if c.evidence in GUESSES} & names_b
            bonus = min(AGREE_MAX, AGREE_WEIGHT * sims[b])
            for doc, k in ((doc_a, i), (doc_b, j)):
                proposals[doc][k] = [
                    Candidate(c.score + bonus, c.evidence, c.name, f"{c.detail}; also proposed for a similar "
                              f"definition in {doc_b if doc == doc_a else doc_a}")
                    if label_key(c.name.pref) in shared and c.evidence in GUESSES else c
                    for c in proposals[doc][k]]


def order_windows(candidates_of: list[list[Candidate]]) -> list[tuple[str | None, str | None]]:
    """The gojūon range each entry's headword must fall in: bounded by the order chain's names."""
    chain = _order_chain(candidates_of)
    windows: list[tuple[str | None, str | None]] = []
    before: str | None = None
    for i in range(len(candidates_of)):
        windows.append((before, None))
        before = chain.get(i, before)
    after: str | None = None
    for i in range(len(candidates_of) - 1, -1, -1):
        windows[i] = (windows[i][0], after)
        after = chain.get(i, after)
    return windows


def _order_chain(candidates_of: list[list[Candidate]]) -> dict[int, str]:
    """The gojūon range each entry's headword must fall in, from the best order-consistent naming.

    A weighted longest non-decreasing chain over every entry's candidates (a candidate's weight is
    its score above ORDER_FLOOR) picks names that agree with each other's places in the list; each
    entry's window is then bounded by the chain's names before and after it.
    """
    nodes: list[tuple[int, str, float]] = []  # (entry, collation key, weight)
    for i, found in enumerate(candidates_of):
        best: dict[str, float] = {}
        for cand in found:
            key = collation_key(cand.name.pref)
            if key and not key.startswith(LATIN) and cand.score > ORDER_FLOOR:
                best[key] = max(best.get(key, 0.0), cand.score - ORDER_FLOOR)
        nodes.extend((i, key, weight) for key, weight in best.items())
    # Best chain ending at each node, in O(n log n): a Fenwick tree of prefix maxima over key ranks,
    # updated only once an entry is done (a chain takes at most one name per entry). A quadratic
    # scan would stall `kg add` on a bare glossary of a few thousand entries.
    ranks = {key: r for r, key in enumerate(sorted({key for _, key, _ in nodes}), 1)}
    tree: list[tuple[float, int]] = [(0.0, -1)] * (len(ranks) + 1)
    total = [0.0] * len(nodes)
    back: list[int | None] = [None] * len(nodes)
    n = 0
    while n < len(nodes):
        end = n
        while end < len(nodes) and nodes[end][0] == nodes[n][0]:
            end += 1
        for m in range(n, end):
            best_total, best_node = 0.0, -1
            r = ranks[nodes[m][1]]
            while r > 0:
                if tree[r][0] > best_total:
                    best_total, best_node = tree[r]
                r -= r & -r
            total[m] = best_total + nodes[m][2]
            back[m] = best_node if best_node >= 0 else None
        for m in range(n, end):
            r = ranks[nodes[m][1]]
            while r < len(tree):
                if total[m] > tree[r][0]:
                    tree[r] = (total[m], m)
                r += r & -r
        n = end
    chain: dict[int, str] = {}
    last = max(range(len(nodes)), key=lambda k: total[k], default=None)
    while last is not None:
        chain[nodes[last][0]] = nodes[last][1]
        last = back[last]
    return chain


def _pool_candidates(entry: Entry, pool: Sequence[Term], lexical: DefinitionMatcher | None,
                     dense_row) -> list[Candidate]:
    if lexical is None:
        return []
    lex = lexical.scores(entry.definition)
    combined = []
    for j, term in enumerate(pool):
        if term.entry.doc == entry.doc:
            continue
        score = lex[j]
        if dense_row is not None:
            # Static-embedding cosines of definitions crowd into 0.6-0.9; only the top end informs.
            score = score + DENSE_WEIGHT * min(1.0, max(0.0, (float(dense_row[j]) - 0.75) / 0.25))
        combined.append((score, term))
    combined.sort(key=lambda x: -x[0])
    out = []
    text = entry.definition + (entry.title or "")
    genus = definition_genus(entry.definition)
    for score, term in combined[:5]:
        if score < 0.2:
            break
        names = [term.pref_label, *(lb.text for lb in term.labels if lb.kind in (LabelKind.ALT, LabelKind.PREF))]
        mentioned = any(len(n) >= 2 and n in text for n in names)
        # Two definitions of one term say what kind of thing it is alike (「…窓口」, 「…窓口のこと」):
        # on the dev gold a borrowed name was right for about half the pairs whose genus agreed,
        # and for one in ten of the others.
        kind = GENUS_AGREEMENT if same_kind(genus, definition_genus(term.entry.definition)) else 0.0
        # Only the name travels: labels of the other entry join through linking if it is the same concept.
        out.append(Candidate(min(0.8, POOL_BASE + score + (0.1 if mentioned else 0.0) + kind), "other_glossary",
                             ParsedName(term.pref_label, term.pref_lang, ()),
                             f"same kind ({genus})" if kind else ""))
    return out


def _term_from(entry: Entry, relations: Sequence[Relation], labels: list[Label], candidates: list[Candidate]) -> Term:
    if not candidates:
        # Nothing proposes a name (no lexicon installed, no cue in the text): the definition's
        # opening noun phrase is still a real phrase a curator can confirm or replace.
        phrase = _opening_phrase(entry.definition)
        candidates = [Candidate(0.05, "definition_phrase", ParsedName(phrase, label_lang(phrase), ()),
                                "the definition's opening noun phrase")]
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0]
    all_labels = list(best.name.labels) + labels
    kind = LabelKind.ALT if best.score >= CONFIDENT else LabelKind.CANDIDATE
    for other in ranked[1:]:
        if other.evidence in ("other_glossary", "corpus", "lexicon", "definition_phrase") or other.score < CONFIDENT:
            all_labels.append(Label(other.name.pref, other.name.pref_lang, LabelKind.CANDIDATE))
        else:
            all_labels.append(Label(other.name.pref, other.name.pref_lang, kind))
    shown: dict[str, HeadwordCandidate] = {}
    for cand in ranked:
        key = label_key(cand.name.pref)
        if key and key not in shown:
            why = f"{cand.evidence}: {cand.detail}" if cand.detail else cand.evidence
            shown[key] = HeadwordCandidate(cand.name.pref, cand.name.pref_lang, round(cand.score, 3), why)
    # The score ranks candidates; the confidence says how often a name so found is right. On the
    # gold, a lexicon word alone was right for about one bare entry in ten, a corpus word for one in three.
    cap = {"lexicon": LEXICON_CONFIDENCE, "definition_phrase": LEXICON_CONFIDENCE, "corpus": CORPUS_CONFIDENCE,
           "defining_action": LEXICON_CONFIDENCE}
    confidence = min(best.score, cap.get(best.evidence, 1.0))
    return Term(entry, best.name.pref, best.name.pref_lang, _dedupe(best.name.pref, all_labels),
                _without_self(best.name.pref, relations),
                round(confidence, 3), best.evidence, tuple(shown.values())[:CANDIDATES_KEPT])


_OPENING = re.compile(r"[A-Za-z\u30a0-\u30ff\u4e00-\u9fff][A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff・]{1,15}")


def _opening_phrase(definition: str) -> str:
    m = _OPENING.search(definition)
    return m.group(0) if m else definition.strip()[:16]


def _default_lexicon(similarity: Similarity | None) -> ReverseDictionary | None:
    global _LEXICON
    if _LEXICON is None:
        _LEXICON = ReverseDictionary.open_default() or False
    return _LEXICON.with_similarity(similarity) if isinstance(_LEXICON, ReverseDictionary) else None


_LEXICON: ReverseDictionary | bool | None = None
