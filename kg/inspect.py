"""`kg inspect FILE`: which reader reads a glossary, why, and what the first entries become.

A user whose file was read wrongly needs to see the decision: every reader's score and reasons,
the winner and the runner-up, and the first entries as the graph will state them (preferred
label, other labels, definition, relations), each with its source lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError
from ingest.reader import read_document
from ingest.readers import UnrecognisedLayout, choose, detect_all
from ingest.relations import extract_relations
from ingest.terms import parse_name


@dataclass
class InspectedEntry:
    lines: str
    headword: str | None
    pref_label: str | None
    other_labels: list[str]
    definition: str
    relations: list[str]

    def to_json(self) -> dict:
        return self.__dict__


@dataclass
class Inspection:
    path: str
    recognised: bool
    detections: list[tuple[str, float, list[str]]]
    reader: str | None = None
    layout: str | None = None
    title: str | None = None
    entries_total: int = 0
    skipped_lines: int = 0
    runner_up: str | None = None
    entries: list[InspectedEntry] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict:
        return {
            "path": self.path, "recognised": self.recognised, "reader": self.reader, "layout": self.layout,
            "title": self.title, "entries_total": self.entries_total, "skipped_lines": self.skipped_lines,
            "runner_up": self.runner_up, "error": self.error,
            "detections": [{"reader": n, "score": s, "reasons": r} for n, s, r in self.detections],
            "entries": [e.to_json() for e in self.entries],
        }

    def text(self) -> str:
        out = [f"{self.path}"]
        for name, score, reasons in self.detections:
            mark = "→" if name == self.reader else " "
            out.append(f" {mark} {name:<10} {score:.2f}  {'; '.join(reasons) or '-'}")
        if not self.recognised:
            out.append(f"refused: {self.error}")
            return "\n".join(out)
        title = f", title {self.title!r}" if self.title else ""
        out.append(f"read by {self.reader} as {self.layout}: {self.entries_total} entries, "
                   f"{self.skipped_lines} lines outside entries{title}; runner-up {self.runner_up or '-'}")
        for entry in self.entries:
            labels = f" [{', '.join(entry.other_labels)}]" if entry.other_labels else ""
            out.append(f"  {entry.lines}: {entry.pref_label or '(no headword: recovered at build)'}{labels}")
            out.append(f"      {entry.definition[:100]}")
            for relation in entry.relations:
                out.append(f"      {relation}")
        return "\n".join(out)


def inspect_file(path: Path, shown: int = 5) -> Inspection:
    try:
        doc = read_document(path)
    except IngestError as exc:
        return Inspection(str(path), False, [], error=str(exc))
    detections = [(name, d.score, list(d.reasons)) for name, d in detect_all(doc)]
    try:
        choice = choose(doc)
    except UnrecognisedLayout as exc:
        return Inspection(str(path), False, detections, error=str(exc))
    reading = choice.reading
    entries = []
    for entry in reading.entries[:shown]:
        parsed = parse_name(entry.headword) if entry.headword else None
        where = entry.span
        lines = f"{entry.headword_line}" if entry.headword_line else ""
        lines = f"line {lines + ', ' if lines else ''}{where.line_start}-{where.line_end}"
        entries.append(InspectedEntry(
            lines, entry.headword, parsed.pref if parsed else None,
            [f"{label.text}@{label.lang} ({label.kind.value})" for label in parsed.labels] if parsed else [],
            entry.definition,
            [f"{r.kind.value} → {r.target}  «{r.evidence}» ({r.pattern})" for r in extract_relations(entry)],
        ))
    return Inspection(str(path), True, detections, choice.reader, reading.layout, reading.title,
                      len(reading.entries), len(reading.skipped), choice.runner_up, entries)
