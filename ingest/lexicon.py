"""Headword candidates beyond the text: a reverse dictionary over JMdict and UniDic.

A bare definition often names its term nowhere (「モニタリングの結果を照合し評価基準をすり合わせる」
is キャリブレーション). Two generators propose real words for it:

- compounds: a word of the definition joined to the definition's genus or to a short word that
  JMdict glosses like it (「保留をかけたコール数の割合」 -> 保留 + 率, since 率 and 割合 share
  the gloss "rate"): how Japanese builds most technical terms;
- loanwords and compounds from JMdict whose English glosses the definition's words cover
  (「不満、苦情のこと」: 苦情 "complaint" -> クレーム "(general) complaint"), the definition's
  words being put into English through JMdict and the loanword origins UniDic records.

Each candidate is scored against the definition (its morphemes and glosses, and the cosine of the
definition with the candidate under the embedding model when one is given) and keeps a short
evidence string. Scores stay below what the text's own evidence earns, so text candidates win
when they exist.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ingest.jmdict import JMdict, JMdictMissing, JMEntry, normalise_gloss, priority_rank
from ingest.tokenize import Token, tokenize

log = logging.getLogger(__name__)

# (queries, documents) -> len(queries) x len(documents) cosines, as in ingest.headwords.
Similarity = Callable[[Sequence[str], Sequence[str]], Any]

# Nouns that end a Japanese definition without saying what kind of thing it defines (「…のこと」
# 「…を示す数値」): the genus is the noun before them.
GENERIC_GENUS = frozenset({"こと", "もの", "事", "物", "の", "ため", "為", "数値", "値", "指標", "一つ", "1つ",
                           "ひとつ",
                           "総称", "意味", "言葉", "用語", "場合", "際", "等", "など", "方", "中", "内", "上", "間",
                           "一種", "種類", "状態", "形", "形式", "ところ", "よう", "様", "的"})
ENGLISH_STOP = frozenset({"to", "a", "an", "the", "of", "in", "on", "for", "with", "by", "and", "or", "be", "is", "as",
                          "at", "from", "one", "one's", "someone", "something", "etc", "e.g", "i.e", "that",
                          "it", "its", "into", "do", "make", "get", "have", "not", "no", "up", "out", "off",
                          "thing", "things", "way", "person", "people", "being", "kind", "sort"})
KATAKANA_WORD = re.compile(r"^[\u30a0-\u30ff]{3,}$")
# Kanji (and katakana) compounds; hiragana only inside (待ち呼), never at the end (a verb or phrase).
KANJI_COMPOUND = re.compile(r"^(?=.*[\u4e00-\u9fff])[\u30a0-\u30ff\u4e00-\u9fff]"
                            r"[\u3041-\u3096\u30a0-\u30ff\u4e00-\u9fff]{0,6}[\u30a0-\u30ff\u4e00-\u9fff]$")
# A loanword with a kanji head (エスカレーション率, サポート窓口): longer than KANJI_COMPOUND allows.
LOANWORD_COMPOUND = re.compile(r"^[\u30a0-\u30ff]{2,12}[\u4e00-\u9fff]{1,2}$")
NOUN_POS = frozenset({"名詞", "接頭辞"})
# Ceilings: a lexicon candidate never outranks a confident text candidate (0.75 and up).
COMPOUND_BASE, COMPOUND_KNOWN, GLOSS_BASE, LEXICON_CEILING = 0.3, 0.25, 0.1, 0.7
# A one-word gloss must be about this rare among JMdict glosses to tie a loanword to a compound.
TWIN_MIN_RARITY = 0.65


@dataclass(frozen=True)
class LexiconCandidate:
    label: str
    score: float
    evidence: str
    gloss: str = ""  # the English gloss a gloss match was found by; empty for compounds and corpus words


_ENGLISH_WORD = re.compile(r"[a-z][a-z'\-]*")


@lru_cache(maxsize=200_000)
def _english_words(gloss: str) -> tuple[str, ...]:
    words = _ENGLISH_WORD.findall(normalise_gloss(gloss))
    return tuple(w for w in words if w not in ENGLISH_STOP and len(w) > 1)


def _first_sentence(definition: str) -> str:
    return re.split(r"[。．]", definition, maxsplit=1)[0]


def _is_term_like(word: str) -> bool:
    return bool(KATAKANA_WORD.match(word) or KANJI_COMPOUND.match(word) or LOANWORD_COMPOUND.match(word))


@lru_cache(maxsize=20_000)
def definition_genus(definition: str) -> str | None:
    """The head noun of a definition's first sentence: what kind of thing it defines (「…する窓口のこと」 -> 窓口)."""
    genus = ReverseDictionary._genus(tokenize(_first_sentence(definition)))
    return genus.surface if genus else None


def same_kind(genus_a: str | None, genus_b: str | None) -> bool:
    """Two genus words that say the same kind of thing: equal, or sharing a kanji (担当者 / 者, 役割 / 役職)."""
    if not genus_a or not genus_b:
        return False
    return genus_a == genus_b or any("\u4e00" <= ch <= "\u9fff" for ch in set(genus_a) & set(genus_b))


class ReverseDictionary:
    """Proposes lexicon words for a definition; one per process, reused across documents."""

    def __init__(self, jmdict: JMdict, similarity: Similarity | None = None):
        self.jmdict = jmdict
        self.similarity = similarity
        self._lookup = lru_cache(maxsize=50_000)(self._lookup_uncached)
        self._suffixes = lru_cache(maxsize=2_000)(self._suffixes_uncached)
        self._rarities: dict[str, float] = {}

    @classmethod
    def open_default(cls, similarity: Similarity | None = None) -> ReverseDictionary | None:
        """The reverse dictionary over the compiled JMdict, or None (with a warning) without it."""
        try:
            return cls(_shared_jmdict(), similarity)
        except JMdictMissing as exc:
            log.warning("headword candidates from the text only: %s", exc)
            return None

    def with_similarity(self, similarity: Similarity | None) -> ReverseDictionary:
        if similarity is self.similarity:
            return self
        other = ReverseDictionary(self.jmdict, similarity)
        other._lookup, other._suffixes, other._rarities = self._lookup, self._suffixes, self._rarities
        return other

    # --- JMdict, cached ---------------------------------------------------------------------

    def _lookup_uncached(self, word: str) -> tuple[JMEntry, ...]:
        return tuple(self.jmdict.lookup(word)[:2])

    def english_of(self, token: Token) -> list[str]:
        """English words for a Japanese word: its loanword origin and its first JMdict senses."""
        words = list(_english_words(token.origin.replace("-", " "))) if token.origin else []
        for entry in self._lookup(token.lemma) or self._lookup(token.surface):
            for sense in entry.senses[:2]:
                for gloss in sense[:3]:
                    words.extend(_english_words(gloss))
            break
        return list(dict.fromkeys(words))

    def _rarity(self, word: str) -> float:
        """0..1: how specific an English word is among JMdict glosses ("time" ~0.3, "calibration" ~1)."""
        if word not in self._rarities:
            count = self.jmdict.gloss_word_count(word)
            self._rarities[word] = max(0.2, min(1.0, 1.0 - math.log1p(count) / math.log(20_000)))
        return self._rarities[word]

    def _suffixes_uncached(self, genus: str) -> tuple[str, ...]:
        """Short words JMdict glosses like the genus (割合 -> 率): the forms a compound ends in."""
        out = [genus]
        entries = self._lookup(genus)
        if not entries:
            return tuple(out)
        own = {normalise_gloss(g) for g in entries[0].senses[0]} if entries[0].senses else set()
        for gloss in list(own)[:3]:
            for entry in self.jmdict.search_gloss(gloss, limit=60):
                shared = own & {normalise_gloss(g) for g in (entry.senses[0] if entry.senses else ())}
                if len(shared) < 2:
                    continue  # one shared gloss is a pun, not a synonym (料 "rate" is a fee)
                for form in entry.kanji:
                    if len(form) == 1 and "\u4e00" <= form <= "\u9fff" and form not in out:
                        out.append(form)
        # The synonyms that head many dictionary compounds (率: 税率, 視聴率…) are the ones terms end in.
        heads = sorted(out[1:], key=lambda k: -self.jmdict.compounds_ending_with(k))
        return tuple([genus, *heads[:3]])

    # --- candidates -------------------------------------------------------------------------

    def candidates(self, definition: str, *, exclude: Sequence[str] = (), limit: int = 6) -> list[LexiconCandidate]:
        """Lexicon words for `definition`, best first; `exclude` lists names already proposed."""
        first = _first_sentence(definition)
        tokens = tokenize(definition)
        first_len = len(first)
        position = 0
        located: list[tuple[Token, bool]] = []  # (token, in the first sentence)
        for token in tokens:
            at = definition.find(token.surface, position)
            if at >= 0:
                position = at + len(token.surface)
            located.append((token, at < first_len if at >= 0 else False))
        first_tokens = [t for t, in_first in located if in_first]
        genus = self._genus(first_tokens)
        skip = {unicodedata.normalize("NFKC", n) for n in exclude}
        # Half the places go to each generator: gloss matches are many and would crowd out the
        # compounds, which are fewer and often the better guess.
        compounds = sorted((c for c in self._compounds(first_tokens, genus, first) if c.label not in skip),
                           key=lambda c: -c.score)
        compounds = sorted([*compounds, *self._loanword_twins(compounds[: limit * 3 // 2], first)],
                           key=lambda c: -c.score)
        compounds = [c for c in compounds if c.label not in skip]
        glossed = sorted((c for c in self._gloss_matches(located, genus, first) if c.label not in skip),
                         key=lambda c: -c.score)
        found: dict[str, LexiconCandidate] = {}
        for cand in [*compounds[: limit * 3 // 2], *glossed[: limit * 3 // 2]]:
            if cand.label not in found or cand.score > found[cand.label].score:
                found[cand.label] = cand
        ranked = sorted(found.values(), key=lambda c: -c.score)
        if self.similarity is not None and ranked:
            cosines = self.similarity([definition], [c.label for c in ranked])[0]
            ranked = [
                LexiconCandidate(c.label, min(LEXICON_CEILING, c.score + 0.15 * max(0.0, float(cos) - 0.3)),
                                 f"{c.evidence}; cos {float(cos):.2f}", c.gloss)
                for c, cos in zip(ranked, cosines, strict=True)
            ]
            ranked.sort(key=lambda c: -c.score)
        # Dictionary entries that share the gloss a match was found by are synonyms of one another
        # (販売促進, 販売推進, セールスプロモーション: "sales promotion"): the best of them stands for
        # the meaning, and the places left go to other meanings.
        seen_glosses: set[str] = set()
        distinct = []
        for c in ranked:
            if c.gloss and c.gloss in seen_glosses:
                continue
            seen_glosses.add(c.gloss)
            distinct.append(c)
        ranked = distinct
        half = [c for c in ranked if c.evidence.startswith(("compound", "loanword"))][: limit // 2]
        rest = [c for c in ranked if c not in half][: limit - len(half)]
        return sorted([*half, *rest], key=lambda c: -c.score)

    def loanword_twins(self, word: str) -> list[tuple[str, str]]:
        """(katakana word, gloss): loanwords JMdict glosses as `word`'s first sense (外部委託 -> アウトソーシング).

        Only the word's first gloss, and only a specific one: two words or more, or one rare word
        ("outsourcing"); a general one ("reservation") is shared by words of other meanings.
        """
        entries = self._lookup(word)
        if not entries or not entries[0].senses:
            return []
        own = entries[0]
        out: list[tuple[str, str]] = []
        # The word's main meaning only: its first gloss (保留 is "withholding" before "reservation").
        for gloss in [normalise_gloss(own.senses[0][0])]:
            words = _english_words(gloss)
            if not words or (len(words) < 2 and self._rarity(words[0]) < TWIN_MIN_RARITY):
                continue
            for other in self.jmdict.search_gloss(gloss, limit=10):
                if other.id == own.id or not other.senses \
                        or gloss not in {normalise_gloss(g) for g in other.senses[0]}:
                    continue
                form = next((f for f in (*other.kana, *other.kanji) if KATAKANA_WORD.match(f)), None)
                if form:
                    # The most common loanword of the meaning: its rarer spellings and clippings
                    # (アウトソース) are the same word, not another candidate.
                    out.append((form, gloss))
                    break
        return out

    def _loanword_twins(self, compounds: list[LexiconCandidate], first: str) -> list[LexiconCandidate]:
        """The katakana synonyms of the dictionary compounds proposed: a field often names a thing
        by its loanword (応答時間 "response time" -> レスポンスタイム)."""
        out = []
        for cand in compounds:
            if not cand.evidence.endswith("in JMdict"):
                continue
            for twin, gloss in self.loanword_twins(cand.label):
                if twin not in first:
                    out.append(LexiconCandidate(twin, cand.score, f"loanword of {cand.label}: \"{gloss}\""))
        return out

    @staticmethod
    def _genus(first_tokens: list[Token]) -> Token | None:
        """The head noun of the first sentence: what kind of thing the definition defines."""
        for token in reversed(first_tokens):
            if token.pos == "名詞" and token.lemma not in GENERIC_GENUS and token.surface not in GENERIC_GENUS \
                    and not token.surface.isdigit():
                return token
            if token.pos in ("動詞", "形容詞"):
                # 「…を統一するために行なう作業」: a verb before any noun ends the search only once a
                # noun has been passed; a clause-final verb keeps looking left.
                continue
        return None

    def _compounds(self, first_tokens: list[Token], genus: Token | None, first: str) -> list[LexiconCandidate]:
        if genus is None:
            return []
        nouns = [t for t in first_tokens if t.pos in NOUN_POS and t.surface not in GENERIC_GENUS
                 and len(t.surface) >= 2 and t is not genus and not t.surface.isdigit()]
        out = []
        suffixes = self._suffixes(genus.lemma if len(genus.lemma) <= len(genus.surface) else genus.surface)
        seen: set[str] = set()
        for rank, modifier in enumerate(reversed(nouns[-6:])):
            for k, suffix in enumerate(suffixes):
                label = modifier.surface + suffix
                if label in seen or label in first or not _is_term_like(label):
                    continue
                seen.add(label)
                known = bool(self._lookup(label))
                # A one-kanji head (率, 数, 者) is how a term ends; a two-word genus is how prose does.
                # Heads come most productive first (率 before 割): a later one is a less likely ending.
                score = (COMPOUND_BASE + (COMPOUND_KNOWN if known else 0.0) - 0.02 * rank
                         + (0.02 if len(suffix) == 1 else 0.0) - 0.015 * max(0, k - 1))
                how = "genus" if k == 0 else f"{suffix}≈{genus.surface}"
                known_text = " in JMdict" if known else ""
                out.append(LexiconCandidate(label, round(score, 3),
                                            f"compound: {modifier.surface}+{suffix} ({how}){known_text}"))
        return out

    def _gloss_matches(self, located: list[tuple[Token, bool]], genus: Token | None,
                       first: str) -> list[LexiconCandidate]:
        # English bag: word -> (weight, Japanese source word); the genus and the first sentence weigh more.
        bag: dict[str, tuple[float, str]] = {}
        for token, in_first in located:
            # Nouns carry what a definition is about; its verbs are mostly light (行なう, かける).
            if token.pos not in ("名詞", "形状詞") or (len(token.surface) < 2 and not token.origin) \
                    or token.lemma in GENERIC_GENUS or token.surface in GENERIC_GENUS:
                continue
            weight = 1.5 if token is genus else (1.0 if in_first else 0.5)
            for word in self.english_of(token):
                if bag.get(word, (0.0, ""))[0] < weight:
                    bag[word] = (weight, token.surface)
        if not bag:
            return []
        rows = self.jmdict.glosses_with_words(sorted(bag, key=lambda w: -bag[w][0])[:30], limit=2500)
        best: dict[int, tuple[float, str, str]] = {}  # entry id -> (score, gloss, evidence)
        for entry_id, sense, gloss in rows:
            words = _english_words(gloss)
            if not words or len(words) > 4:
                continue  # long glosses explain rather than name; they match anything
            covered = [w for w in words if w in bag]
            if not covered:
                continue
            coverage = sum(min(1.0, bag[w][0]) for w in covered) / len(words)
            salience = max(bag[w][0] for w in covered) / 1.5
            sources = list(dict.fromkeys(bag[w][1] for w in covered))
            # A gloss that only restates one word of the definition names that word, not the term
            # (the term is a kind of the genus); two words of the definition in one gloss is a name.
            breadth = 1.0 if len(sources) >= 2 else 0.45
            rarity = sum(self._rarity(w) for w in covered) / len(covered)
            score = coverage * rarity * breadth * (0.6 + 0.4 * salience) * (1.0 if sense == 0 else 0.8)
            if score > best.get(entry_id, (0.0, "", ""))[0]:
                best[entry_id] = (score, gloss, f"jmdict: \"{gloss}\" ← {'、'.join(sources)}")
        top = sorted(best, key=lambda i: -best[i][0])[:200]
        entries = self.jmdict.entries_by_id(top)
        out = []
        for entry_id in top:
            entry = entries.get(entry_id)
            if entry is None:
                continue
            label = next((f for f in (*entry.kana, *entry.kanji) if KATAKANA_WORD.match(f)), None) \
                or next((f for f in entry.kanji if KANJI_COMPOUND.match(f)), None)
            if label is None or label in first:
                continue  # a definition does not use its own term in its first sentence
            score, gloss, evidence = best[entry_id]
            # Frequent everyday words (news1, ichi1) are rarely the term a glossary defines.
            common = min(1.0, priority_rank(entry.priority) / 4)
            score = GLOSS_BASE + 0.45 * score - 0.08 * common + (0.04 if len(entry.senses) == 1 else 0.0)
            out.append(LexiconCandidate(label, round(score, 3), evidence, normalise_gloss(gloss)))
        return out


_JMDICT: JMdict | None = None


def _shared_jmdict() -> JMdict:
    global _JMDICT
    if _JMDICT is None:
        _JMDICT = JMdict.open()
    return _JMDICT


# --- the corpus's own vocabulary ----------------------------------------------------------------

LATIN_TERM = re.compile(r"^[A-Z][A-Za-z0-9]{1,7}$")
CONTEXT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
GENERIC_TAIL = frozenset({"等", "時", "以外", "用", "中", "内", "上", "的", "など", "後", "前", "別", "様", "さん",
                          "側"})


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。．！？!?\n]", text) if s.strip()]


def _words_and_context(sentence: str) -> tuple[list[str], Counter[str]]:
    """Term-like words of a sentence (noun runs, loanwords, acronyms) and its content lemmas."""
    tokens = tokenize(sentence)
    words: list[str] = []
    run: list[Token] = []
    for token in [*tokens, None]:
        if token is not None and token.pos in NOUN_POS | {"接尾辞"} and token.pos2 != "数詞":
            run.append(token)
            continue
        if run:
            while run and run[-1].surface in GENERIC_TAIL:
                run.pop()  # 「クレーム等」「トラブル時」: the word, not its qualifier
            while run and run[0].pos == "接尾辞":
                run.pop(0)  # 「一度回線」 without its numeral: 度 belongs to 一, not to 回線
            joined = "".join(t.surface for t in run)
            if 2 <= len(run) <= 4 and _is_term_like(joined):
                words.append(joined)
            words.extend(t.surface for t in run if KATAKANA_WORD.match(t.surface) or LATIN_TERM.match(t.surface))
            run = []
    context = Counter(t.lemma for t in tokens if t.pos in CONTEXT_POS and len(t.lemma) > 1
                      and t.lemma not in GENERIC_GENUS)
    return list(dict.fromkeys(words)), context


class CorpusVocabulary:
    """Words the glossaries being built use, with the words they keep company with.

    A headword missing from its own entry is often used elsewhere in the collection: 「クレーム」
    appears beside 苦情 and 不満 in other definitions, so a bare 「…不満、苦情のこと」 is close to
    it. Each word's contexts are the content words of the sentences it occurs in.
    """

    def __init__(self, texts: Sequence[str]):
        self.contexts: dict[str, Counter[str]] = defaultdict(Counter)
        self.counts: Counter[str] = Counter()
        df: Counter[str] = Counter()
        self._cache: dict[str, tuple[list[str], Counter[str]]] = {}
        for text in texts:
            for sentence in _sentences(text):
                words, context = self._analyse(sentence)
                df.update(context.keys())
                for word in words:
                    self.counts[word] += 1
                    self.contexts[word].update(context)
        n = max(1, sum(len(_sentences(t)) for t in texts))
        self.idf = {lemma: math.log((1 + n) / (1 + c)) for lemma, c in df.items()}
        self.norm = {w: math.sqrt(sum((c * self.idf.get(f, 0.0)) ** 2 for f, c in ctx.items())) or 1.0
                     for w, ctx in self.contexts.items()}
        self.postings: dict[str, list[str]] = defaultdict(list)
        for word, ctx in self.contexts.items():
            for lemma in ctx:
                self.postings[lemma].append(word)

    def _analyse(self, sentence: str) -> tuple[list[str], Counter[str]]:
        if sentence not in self._cache:
            self._cache[sentence] = _words_and_context(sentence)
        return self._cache[sentence]

    def candidates(self, definition: str, *, exclude: Sequence[str] = (), limit: int = 5,
                   keep: Callable[[str], bool] | None = None, min_cosine: float = 0.0) -> list[LexiconCandidate]:
        """Words used beside the definition's words, best first; `keep` filters the words considered."""
        first = _first_sentence(definition)
        query: dict[str, float] = defaultdict(float)
        own: dict[str, Counter[str]] = defaultdict(Counter)
        for i, sentence in enumerate(_sentences(definition)):
            words, context = self._analyse(sentence)
            for lemma, c in context.items():
                query[lemma] += c * (1.0 if i == 0 else 0.5)
            for word in words:
                own[word].update(context)  # the entry's own sentences are no evidence for itself
        weights = {lemma: c * self.idf.get(lemma, 0.0) for lemma, c in query.items()}
        qnorm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores: dict[str, float] = defaultdict(float)
        for lemma, weight in weights.items():
            for word in self.postings.get(lemma, ()):
                beside = self.contexts[word][lemma] - own.get(word, Counter())[lemma]
                if beside > 0:
                    scores[word] += weight * beside * self.idf.get(lemma, 0.0)
        skip = set(exclude)
        ranked = []
        for word, dot in scores.items():
            if word in skip or word in first or self.counts[word] - (1 if word in own else 0) < 1:
                continue
            if keep is not None and not keep(word):
                continue
            cosine = dot / (qnorm * self.norm[word])
            if cosine >= min_cosine:
                ranked.append((cosine, word))
        ranked.sort(reverse=True)
        out = []
        for cosine, word in ranked[:limit]:
            mine = own.get(word, Counter())
            shared = sorted((lemma for lemma in weights if self.contexts[word][lemma] > mine[lemma]),
                            key=lambda lemma: -weights[lemma])[:3]
            # A word the collection uses again and again is one of its terms, not a passing phrase.
            score = CORPUS_BASE + CORPUS_WEIGHT * cosine + CORPUS_USE * math.log1p(self.counts[word])
            out.append(LexiconCandidate(word, round(min(LEXICON_CEILING, score), 3),
                                        f"used {self.counts[word]}× beside {'、'.join(shared)} (cos {cosine:.2f})"))
        return out


CORPUS_BASE, CORPUS_WEIGHT, CORPUS_USE = 0.05, 0.6, 0.05
