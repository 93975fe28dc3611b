"""English questions to Japanese words through JMdict, weighted by sense order and priority tags.

The longest run of the question's words that is a whole JMdict gloss wins ("customer
satisfaction" -> 顧客満足, not 顧客 + 満足); words no phrase covers are looked up alone. Of the
entries with that gloss, the more frequent (priority tags) and those where it is an earlier sense
come first, so "rate" gives 率 and 割合 rather than rare senses. Japanese noun compounds put the
modifier first, as English does, so the phrases' best forms joined in order are also tried as a
label ("employee satisfaction" -> 従業員満足).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Function words: they carry no term of their own and their glosses are noise (in, of, the).
_STOP = frozenset([
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "about", "into", "after",
    "before", "during", "per", "and", "or", "is", "are", "was", "were", "be", "been", "what", "which", "who",
    "how", "why", "when", "where", "does", "do", "did", "this", "that", "these", "those", "it", "its", "my",
    "our", "your", "their", "called", "call's", "mean", "means", "meaning", "term", "word",
    # Pronouns, quantifiers and fillers of a descriptive question: their glosses are common words
    # (they -> 彼ら, any -> 何でも) that match everything a glossary writes.
    "they", "them", "he", "she", "him", "her", "we", "us", "you", "i", "me", "one", "ones", "someone",
    "something", "anything", "any", "some", "all", "each", "every", "other", "another", "such", "so",
    "than", "then", "there", "here", "can", "could", "may", "might", "will", "would", "should", "must",
    "has", "have", "had", "not", "no", "never", "only", "just", "also", "very", "too", "more", "most",
    "again", "example", "e.g", "etc", "like", "as", "if", "whether", "while", "until", "since", "because",
    "without", "within", "through", "over", "under", "up", "down", "out", "off", "own", "way", "ways",
    "thing", "things", "kind", "type", "used", "use", "using", "get", "gets", "getting", "got", "make",
    "makes", "made", "let", "lets", "being", "whom", "whose", "already", "actually", "really",
])
_WORD = re.compile(r"[a-z][a-z0-9'\-]*")
MAX_PHRASE = 4
PER_PHRASE = 3  # Japanese forms kept per English phrase for labels and the ranked word list
CANDIDATES = 8  # forms kept per phrase for a searcher to choose among (Translation.pieces)
WORD_WEIGHT = 0.8  # a word's translation when the word is part of a longer matched phrase
# Japanese -> English (english_of): entries, senses per entry and glosses per sense read. Measured on the
# third-party queries: 2/2/3 finds the English label (timeout, load, option) without the rare senses.
JA_ENTRIES, JA_SENSES, JA_GLOSSES = 2, 2, 3
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class Translation:
    words: list[tuple[str, float]]  # Japanese forms with weights, best first (for BM25, n-grams, vectors)
    labels: list[tuple[str, float]]  # whole-question translations to look up as labels (or label prefixes)
    # Per English phrase of the question, in order: up to CANDIDATES Japanese forms, best first. A
    # searcher keeps the forms its glossary writes (the glossary's sense of "call" is 電話, not 訪問).
    pieces: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _base_forms(phrase: str) -> list[str]:
    """Verb base forms of a one-word phrase, as JMdict writes verb glosses: "abandoned" -> "to abandon",
    "handling" -> "to handle"."""
    if " " in phrase or len(phrase) < 5:
        return []
    stems = []
    if phrase.endswith("ing"):
        stems = [phrase[:-3], phrase[:-3] + "e"]
    elif phrase.endswith("ed"):
        stems = [phrase[:-2], phrase[:-1]]
    # Only as verbs: the bare stem is often a noun of another meaning (handling -> handle -> 取っ手).
    return ["to " + stem for stem in stems if len(stem) > 2]


class EnglishLexicon:
    """English words and phrases -> weighted Japanese forms, from a JMdict reader (ingest.jmdict)."""

    def __init__(self, jmdict) -> None:
        import sqlite3

        self._jmdict = jmdict
        # Exact gloss look-ups on the compiled file's indexed gloss table: search_gloss also runs a
        # full-text containment query, which costs tens of milliseconds per phrase.
        self._db = sqlite3.connect(f"file:{jmdict.path}?mode=ro", uri=True, check_same_thread=False)

    def _exact(self, gloss: str) -> list:
        """Entries with `gloss` (normalised) as one of their glosses, read from the compiled file."""
        import json

        from ingest.jmdict import JMEntry

        rows = self._db.execute(
            "SELECT id, kanji, kana, senses, priority FROM entry WHERE id IN "
            "(SELECT id FROM gloss WHERE text = ? LIMIT 16) ORDER BY id", (gloss,))
        return [JMEntry(id_, tuple(json.loads(kanji)), tuple(json.loads(kana)),
                        tuple(tuple(sense) for sense in json.loads(senses)), tuple(json.loads(priority)))
                for id_, kanji, kana, senses, priority in rows]

    @classmethod
    def open(cls) -> EnglishLexicon | None:
        """The lexicon over the compiled JMdict, or None (with a warning) where it is not built."""
        from ingest.jmdict import JMdict, JMdictMissing

        try:
            return cls(JMdict.open())
        except JMdictMissing as exc:
            log.warning("English questions go through katakana only: %s", exc)
            return None

    def phrase(self, phrase: str) -> tuple[tuple[str, float], ...]:
        """The best PER_PHRASE Japanese forms whose entry has `phrase` as a whole gloss, weighted in (0, 1]."""
        return self.candidates(phrase)[:PER_PHRASE]

    @functools.lru_cache(maxsize=8192)  # noqa: B019 (one lexicon per process; the cache is its purpose)
    def candidates(self, phrase: str) -> tuple[tuple[str, float], ...]:
        """Up to CANDIDATES Japanese forms whose entry has `phrase` as a whole gloss, best first."""
        from ingest.jmdict import normalise_gloss

        found: dict[str, float] = {}
        for variant in dict.fromkeys((phrase, " ".join(_singular(w) for w in phrase.split()), "to " + phrase,
                                      *_base_forms(phrase))):
            for entry in self._exact(variant):
                where = next(((i, j) for i, glosses in enumerate(entry.senses)
                              for j, g in enumerate(glosses) if normalise_gloss(g) == variant), None)
                if where is None:
                    continue  # only contains the phrase: a longer gloss, another meaning
                sense, position = where
                # Earlier senses, earlier glosses within a sense (the main translation) and listed
                # (frequent) words first; verbs ("to X") a little behind nouns.
                weight = (1 / (1 + sense)) * (1 / (1 + 0.25 * position)) * (0.4 + 0.6 * min(1.0, entry_rank(entry) / 8))
                if variant != phrase and (variant.startswith("to ") or variant in _base_forms(phrase)):
                    weight *= 0.7
                form = entry.headword
                found[form] = max(found.get(form, 0.0), weight)
        best = sorted(found.items(), key=lambda item: -item[1])[:CANDIDATES]
        return tuple(best)

    @functools.lru_cache(maxsize=8192)  # noqa: B019 (one lexicon per process; the cache is its purpose)
    def english_of(self, word: str) -> tuple[str, ...]:
        """English forms of a Japanese word, for a glossary that labels its terms in English: the first
        glosses of its first senses (既定値 -> "default value", 時間切れ -> "time-out"), each also
        without hyphens, singular and stemmed ("options" -> "option"), best first. A compound JMdict
        lacks (読み込み中) is read without a one-character suffix (読み込み); anything longer left over would
        be a word of its own (設定項目 is not 設定)."""
        from search.lexical import english_stem

        entries: list = self._jmdict.lookup(word)[:JA_ENTRIES]
        if not entries and len(word) > 2:
            entries = self._jmdict.lookup(word[:-1])[:JA_ENTRIES]
        forms: list[str] = []
        for entry in entries:
            for glosses in entry.senses[:JA_SENSES]:
                for gloss in glosses[:JA_GLOSSES]:
                    gloss = _PARENTHESES.sub("", gloss).strip().lower().removeprefix("to ")
                    if not gloss or len(gloss.split()) > MAX_PHRASE - 1:
                        continue  # a description, not a name
                    for form in (gloss, gloss.replace("-", ""), gloss.replace("-", " "), _singular(gloss),
                                 english_stem(gloss)):
                        if form not in forms:
                            forms.append(form)
        return tuple(forms)

    def translate(self, text: str) -> Translation:
        words = [w.strip("'-") for w in _WORD.findall(text.lower())]
        words = [w for w in words if w]
        pieces: list[tuple[tuple[str, float], ...]] = []
        spans: list[tuple[str, tuple[tuple[str, float], ...]]] = []
        i = 0
        while i < len(words):
            for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                span = words[i : i + size]
                if size == 1 and span[0] in _STOP:
                    found: tuple[tuple[str, float], ...] = ()
                    break
                found = self.phrase(" ".join(span))
                if found:
                    break
            pieces.append(found)
            if found:
                spans.append((" ".join(span), self.candidates(" ".join(span))))
                if size > 1:  # the phrase's words alone too: a glossary may write 従業員 + 満足
                    spans += [(w, self.candidates(w)) for w in span if w not in _STOP and self.candidates(w)]
            i += size
        weighted: dict[str, float] = {}
        for piece in pieces:
            for form, weight in piece:
                weighted[form] = max(weighted.get(form, 0.0), weight)
        # The words of a matched phrase alone as well, a little behind: "employee satisfaction" is
        # a gloss of ＥＳ only, while 従業員 + 満足 are what a glossary writes.
        for word in words:
            if word not in _STOP:
                for form, weight in self.phrase(word):
                    weighted.setdefault(form, WORD_WEIGHT * weight)
        word_forms = [self.phrase(w) for w in words if w not in _STOP]
        content = [p for p in pieces if p]
        labels: list[tuple[str, float]] = []
        if len(pieces) == 1 and content:  # the whole question is one gloss: each of its forms
            labels.extend(content[0])
        elif content:
            joined = "".join(p[0][0] for p in content)  # best form of each phrase, in order
            labels.append((joined, min(p[0][1] for p in content)))
        if len(word_forms) > 1 and all(word_forms):
            joined = "".join(f[0][0] for f in word_forms)  # word by word: 従業員満足
            labels.append((joined, WORD_WEIGHT * min(f[0][1] for f in word_forms)))
        best: dict[str, float] = {}
        for form, weight in labels:
            best[form] = max(best.get(form, 0.0), weight)
        return Translation(sorted(weighted.items(), key=lambda item: -item[1]), list(best.items()), tuple(spans))


def entry_rank(entry) -> float:
    from ingest.jmdict import priority_rank

    return priority_rank(entry.priority)
