"""Documents in, concepts out, with a report of everything that went wrong or was skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.errors import IngestError
from ingest.forked import forked_map
from ingest.headwords import Similarity, recover_headwords, stated_term
from ingest.linking import link_terms
from ingest.reader import read_document
from ingest.readers import UnrecognisedLayout, choose
from ingest.records import Concept, Document, Entry, Relation, Term
from ingest.relations import extract_relations

log = logging.getLogger(__name__)


@dataclass
class DocumentReport:
    name: str
    encoding: str
    layout: str
    entries: int
    recovered_headwords: int
    skipped_lines: list[int]
    sha256: str
    reader: str = ""  # which reader won, with its score and why (ingest/readers)
    reader_score: float = 0.0
    reader_reasons: tuple[str, ...] = ()
    runner_up: str | None = None
    runner_up_score: float = 0.0
    title: str | None = None  # the document's own title, when it states one


@dataclass
class IngestReport:
    documents: list[DocumentReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line each: `file:line: reason`
    conflicts: list[str] = field(default_factory=list)
    ambiguous_labels: dict[str, list[str]] = field(default_factory=dict)
    undefined_targets: list[str] = field(default_factory=list)
    concepts: int = 0
    relations: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.documents)


def read_documents(paths: Iterable[str | Path], report: IngestReport) -> list[Document]:
    """Read every file; a broken one is reported and skipped, the rest go on."""
    documents = []
    for path in paths:
        try:
            documents.append(read_document(path))
        except IngestError as exc:
            log.warning("%s", exc)
            report.errors.append(str(exc))
    return documents


def ingest_documents(
    documents: Sequence[Document], report: IngestReport | None = None,
    progress: Callable[[Iterable], Iterable] = lambda it: it, similarity: Similarity | None = None,
) -> tuple[list[Concept], IngestReport]:
    """Segment, parse and link documents into concepts."""
    report = report or IngestReport()
    entries: list[Entry] = []
    for doc in progress(documents):
        try:
            choice = choose(doc)
        except UnrecognisedLayout as exc:
            report.errors.append(str(exc))
            continue
        except Exception as exc:  # a reader bug must not lose the other documents
            log.exception("reading %s failed", doc.name)
            report.errors.append(f"{doc.path}: could not read entries ({type(exc).__name__}: {exc})")
            continue
        seg = choice.reading
        entries += seg.entries
        report.documents.append(
            DocumentReport(doc.name, doc.encoding, seg.layout, len(seg.entries),
                           sum(1 for e in seg.entries if not e.headword), seg.skipped, doc.sha256,
                           choice.reader, choice.score, choice.reasons, choice.runner_up, choice.runner_up_score,
                           seg.title)
        )
    # Every entry is read on its own: a long glossary splits across two processes (ingest.forked).
    stated: list[Term] = []
    bare = []
    for entry, (relations, term) in zip(entries, forked_map(_read_entry, entries), strict=True):
        if term is not None:
            stated.append(replace(term, entry=entry))  # the entry itself, not the child's copy of it
        else:
            bare.append((entry, relations))
    # Recovery builds a vocabulary of every definition's words: only worth it when a headword is missing.
    terms = stated + (recover_headwords(bare, stated, similarity) if bare else [])
    # Keep document order so merged concepts list their sources predictably.
    order = {doc.name: i for i, doc in enumerate(documents)}
    terms.sort(key=lambda t: (order.get(t.entry.doc, 0), t.entry.span.line_start))
    concepts, link_report = link_terms(terms)
    report.conflicts.extend(link_report.conflicts)
    report.ambiguous_labels.update(link_report.ambiguous_labels)
    report.undefined_targets.extend(link_report.undefined_targets)
    report.concepts = len(concepts)
    report.relations = sum(len(c.relations) for c in concepts)
    return concepts, report


def _read_entry(entry: Entry) -> tuple[list[Relation], Term | None]:
    """What the text of one entry states: its relations and, when the glossary gives the headword, its term."""
    relations = extract_relations(entry)
    return relations, (stated_term(entry, relations) if entry.headword else None)


def ingest_paths(paths: Iterable[str | Path], progress: Callable[[Iterable], Iterable] = lambda it: it,
                 similarity: Similarity | None = None) -> tuple[list[Concept], IngestReport]:
    report = IngestReport()
    documents = read_documents(paths, report)
    return ingest_documents(documents, report, progress, similarity)
