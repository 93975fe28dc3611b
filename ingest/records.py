"""Typed records that flow through the ingest pipeline (document -> entries -> terms -> concepts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class RelationKind(str, Enum):
    SYNONYM = "synonym"
    ANTONYM = "antonym"
    RELATED = "related"
    ABBREVIATION = "abbreviation"
    BROADER = "broader"  # the entry's term is a kind or part of the target (Xの一種)
    NARROWER = "narrower"  # the target is a kind of the entry's term (種類としてA、B)


class LabelKind(str, Enum):
    PREF = "pref"
    ALT = "alt"
    ABBREVIATION = "abbreviation"  # a short form of the concept's name (CX, FCR)
    EXPANSION = "expansion"  # a long form given for an abbreviation (Customer Experience)
    READING = "reading"  # kana reading (まちこ)
    CANDIDATE = "candidate"  # a recovered headword below the confidence threshold


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Where something was read: document name and a 1-based inclusive line range."""

    doc: str
    line_start: int
    line_end: int

    def __str__(self) -> str:
        if self.line_start == self.line_end:
            return f"{self.doc}:{self.line_start}"
        return f"{self.doc}:{self.line_start}-{self.line_end}"


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded glossary file: its text split into lines, with how it was decoded."""

    name: str  # file name, the document's identity in the graph
    path: str
    lines: tuple[str, ...]
    encoding: str
    sha256: str
    # How the lines were made: "text" (decoded as written), "xlsx" (one tab-separated line per
    # row, line n = row n), "docx" (one line per paragraph or table row, in body order).
    source_format: str = "text"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class Entry:
    """One glossary entry as segmented from the layout, before headword parsing."""

    doc: str
    headword: str | None  # raw headword text as written, None for a bare definition
    headword_line: int | None
    definition: str
    definition_lines: tuple[str, ...]
    span: SourceSpan  # the definition's lines (headword line excluded)
    section: str | None = None
    layout: str = ""  # the layout family that produced it (e.g. "headword-block", "bare")
    title: str | None = None  # a following article title (▼詳細記事) that may name the term
    # Values a structured layout states per entry, by role (reading, synonyms, related, english,
    # abbreviation, antonyms, broader, category): a CSV column or an HTML/Markdown table cell.
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Label:
    text: str
    lang: str  # "ja" or "en"
    kind: LabelKind
    expansion_of: str | None = None  # for ABBREVIATION: the long form it abbreviates


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation the text states, from the entry's term to a target label."""

    kind: RelationKind
    target: str
    evidence: str
    pattern: str  # id of the rule that fired
    span: SourceSpan
    confidence: float = 1.0

    @property
    def hedged(self) -> bool:
        """A qualified statement (「広義では…と同義」): recorded, but weaker than what it says."""
        return self.pattern.startswith("hedged")


@dataclass(frozen=True, slots=True)
class HeadwordCandidate:
    """A possible name for a bare definition, with why it was proposed (shown to a curator)."""

    label: str
    lang: str
    score: float
    evidence: str  # source:detail, e.g. "jmdict: gloss 'response time' ← 返答, 時間"


@dataclass(frozen=True, slots=True)
class Term:
    """An entry with its parsed or recovered headword, labels and relations."""

    entry: Entry
    pref_label: str
    pref_lang: str
    labels: tuple[Label, ...]
    relations: tuple[Relation, ...]
    headword_confidence: float = 1.0
    headword_evidence: str = "headword"  # headword | article_title | self_reference | ...
    # For a recovered headword: every candidate considered, best first (the first is pref_label).
    candidates: tuple[HeadwordCandidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Definition:
    text: str
    lang: str
    span: SourceSpan


@dataclass(frozen=True, slots=True)
class ResolvedRelation:
    """A relation whose target is another concept (by key)."""

    kind: RelationKind
    target_key: str
    relation: Relation


@dataclass(frozen=True)
class Concept:
    """One concept after linking: merged across documents, every definition kept."""

    key: str  # normalised preferred label; the IRI is derived from it
    pref_label: str
    pref_lang: str
    labels: tuple[Label, ...]
    definitions: tuple[Definition, ...]
    relations: tuple[ResolvedRelation, ...]
    sources: tuple[str, ...]  # documents that define or mention it
    headword_confidence: float = 1.0
    headword_evidence: str = "headword"
    defined: bool = True  # False for a concept only known as a relation target
    terms: tuple[Term, ...] = field(default=(), compare=False, repr=False)
