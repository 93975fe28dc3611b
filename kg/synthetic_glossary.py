"""Synthetic Japanese glossaries of any size, for the ingest scale benchmark (`kg bench-ingest`).

Terms are compounds of real morphemes: the kanji and katakana common nouns that fugashi with the
unidic-lite lexicon finds in the bundled corpus, with their UniDic readings and, for loanwords, the
English origin UniDic records (カスタマー → customer), so a katakana compound also gets an English
name and an acronym. Definitions are 40–120 characters of sentences built from the same nouns, and
some state relations the way real glossaries do: 「X」とも呼ばれる, 関連用語：A、B, 「X」の対義語,
Xは… の略. Every relation target is another headword of the same glossary and every synonym is a
label no entry uses, so a correct build yields exactly one concept per entry.

Output is deterministic for a given seed and corpus. Two layouts: CSV with a header
(用語,読み,定義,同義語,関連語) and plain text with a headword line over a definition line.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.kana import to_hiragana
from ingest.terms import label_key

LAYOUTS = ("csv", "text")
CSV_HEADER = ("用語", "読み", "定義", "同義語", "関連語")
MIN_DEFINITION, MAX_DEFINITION = 40, 120

# Nouns that are themselves relation cues or glossary furniture: a term built from them would read as a cue.
_CUE_NOUNS = frozenset({"同義", "同意", "類義", "対義", "反対", "関連", "用語", "参照", "略称", "略語", "別名", "別称",
                        "通称", "旧称", "一種", "総称", "上位", "下位", "概念", "意味", "頭文字", "正式", "名称",
                        "対語", "文字"})

# Sentence frames with noun slots ({n}), a verbal-noun slot ({v}) and the term's own head noun ({h}).
# A definition opens as glossaries do, on a noun (「…のための{h}。」「…のこと。」), then goes on freely.
_OPENING = (
    "{n}の{n}において、{n}と{n}を{v}するための{h}。",
    "{n}を{v}し、{n}の{n}を高めるための{h}のこと。",
    "{n}に関する{n}を{v}する仕組み。",
    "{n}の{v}を目的とした{h}。",
    "{n}を{n}ごとに{v}した{h}。",
    "{n}が{n}に対して行う{v}のこと。",
)
_FOLLOWING = (
    "{n}や{n}の{v}にも用いられる。",
    "主に{n}の{n}で使われる。",
    "{n}と{n}の{n}を{v}する際に重視される。",
    "一般に{n}の{v}と{n}の{v}を含む。",
    "{n}の{n}を{v}する場合もある。",
    "{h}の{n}は{n}によって異なる。",
)


@dataclass(frozen=True)
class Morpheme:
    surface: str
    reading: str  # hiragana
    origin: str  # English origin of a loanword, else ""


@dataclass(frozen=True)
class Vocabulary:
    nouns: tuple[Morpheme, ...]  # kanji and katakana common nouns
    verbal: tuple[str, ...]  # nouns that take する (UniDic サ変可能)


@dataclass
class SyntheticEntry:
    term: str
    reading: str
    definition: str  # without the relation sentences
    synonyms: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    antonym: str | None = None
    english: str | None = None
    acronym: str | None = None

    def cue_sentences(self) -> str:
        """The relations, stated in running text as a glossary would."""
        parts = []
        if self.acronym and self.english:
            parts.append(f"{self.english}の略で、{self.acronym}とも表記される。")
        for synonym in self.synonyms:
            parts.append(f"「{synonym}」とも呼ばれる。")
        if self.antonym:
            parts.append(f"「{self.antonym}」の対義語。")
        if self.related:
            parts.append("関連用語：" + "、".join(self.related))
        return "".join(parts)


def corpus_vocabulary(corpus_dir: Path) -> Vocabulary:
    """Kanji and katakana common nouns of the corpus's glossaries, with UniDic readings and origins."""
    import fugashi

    tagger = fugashi.Tagger()
    nouns: dict[str, Morpheme] = {}
    verbal: set[str] = set()
    files = sorted(p for p in Path(corpus_dir).iterdir() if p.suffix in {".txt", ".csv", ".tsv", ".md"})
    if not files:
        raise FileNotFoundError(f"no glossary text in {corpus_dir} to take a vocabulary from")
    for path in files:
        for word in tagger(path.read_text(encoding="utf-8", errors="replace")):
            f = word.feature
            surface = word.surface
            if (f.pos1 != "名詞" or f.pos2 != "普通名詞" or f.pos3 not in {"一般", "サ変可能"}
                    or f.goshu not in {"漢", "外"} or len(surface) < 2
                    or surface in _CUE_NOUNS or not f.kana or f.kana == "*"):
                continue
            origin = (f.lemma or "").partition("-")[2]
            nouns.setdefault(surface, Morpheme(surface, to_hiragana(f.kana), origin if origin.isascii() else ""))
            if f.pos3 == "サ変可能" and f.goshu == "漢":
                verbal.add(surface)
    if len(nouns) < 50 or len(verbal) < 10:
        raise ValueError(f"{corpus_dir} gives too small a vocabulary ({len(nouns)} nouns, {len(verbal)} verbal nouns)")
    return Vocabulary(tuple(nouns[k] for k in sorted(nouns)), tuple(sorted(verbal)))


def _definition(rng: random.Random, vocab: Vocabulary, head: str) -> str:
    while True:
        text = ""
        for frame in (rng.choice(_OPENING), *rng.sample(_FOLLOWING, 3)):
            sentence = frame
            while "{n}" in sentence:
                sentence = sentence.replace("{n}", rng.choice(vocab.nouns).surface, 1)
            while "{v}" in sentence:
                sentence = sentence.replace("{v}", rng.choice(vocab.verbal), 1)
            text += sentence.replace("{h}", head)
            if len(text) >= MIN_DEFINITION + rng.randrange(0, 40):
                break
        if MIN_DEFINITION <= len(text) <= MAX_DEFINITION - 20:  # room for the relation sentences
            return text


def generate_entries(n: int, vocab: Vocabulary, seed: int = 0) -> list[SyntheticEntry]:
    """n entries with distinct headwords; relation targets are other headwords, synonyms unused labels."""
    rng = random.Random(seed)
    entries: list[SyntheticEntry] = []
    used: set[str] = set()
    while len(entries) < n:
        parts = [rng.choice(vocab.nouns) for _ in range(rng.choice((2, 2, 2, 3)))]
        term = "".join(p.surface for p in parts)
        # Spellings that differ only in a long vowel (サーバー/サーバ) are one term to the linker.
        if term in used or label_key(term) in used or len(term) > 16:
            continue
        used.update((term, label_key(term)))
        entry = SyntheticEntry(term, "".join(p.reading for p in parts), _definition(rng, vocab, parts[-1].surface))
        if all(p.origin for p in parts) and rng.random() < 0.5:
            english = " ".join(p.origin.capitalize() for p in parts)
            acronym = "".join(word[0] for word in english.split()).upper()
            if len(acronym) >= 2 and acronym not in used and english not in used:
                used.update((english, acronym))
                entry.english, entry.acronym = english, acronym
        entries.append(entry)
    headwords = [e.term for e in entries]
    for i, entry in enumerate(entries):
        if rng.random() < 0.3:  # a synonym no entry uses: the term with a noun of manner after it
            synonym = entry.term + ("方式" if rng.random() < 0.5 else "手法")
            if synonym not in used:
                used.add(synonym)
                entry.synonyms.append(synonym)
        if rng.random() < 0.25:
            entry.related = [h for h in rng.sample(headwords, 3) if h != entry.term][: rng.choice((1, 2, 2, 3))]
        if rng.random() < 0.05:
            other = headwords[(i + 1 + rng.randrange(len(headwords) - 1)) % len(headwords)]
            if other != entry.term:
                entry.antonym = other
    return entries


def render_csv(entries: Iterable[SyntheticEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        definition = e.definition
        if e.acronym and e.english:
            definition += f"{e.english}の略で、{e.acronym}とも表記される。"
        if e.antonym:
            definition += f"「{e.antonym}」の対義語。"
        writer.writerow((e.term, e.reading, definition, "、".join(e.synonyms), "、".join(e.related)))
    return out.getvalue()


def render_text(entries: Iterable[SyntheticEntry], seed: int = 0) -> str:
    rng = random.Random(seed + 1)
    blocks = []
    for e in entries:
        headword = f"{e.term}（{e.reading}）" if rng.random() < 0.3 else e.term
        blocks.append(f"{headword}\n{e.definition}{e.cue_sentences()}\n")
    return "\n".join(blocks)


def write_glossary(path: Path, layout: str, entries: list[SyntheticEntry], seed: int = 0) -> Path:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    text = render_csv(entries) if layout == "csv" else render_text(entries, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
