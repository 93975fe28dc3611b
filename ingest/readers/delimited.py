"""Delimited glossaries: CSV, TSV and spreadsheet rows, one entry per row.

The delimiter is sniffed from the rows themselves (the one that splits most rows into the same
number of columns); quoted fields may span lines, and spans keep the physical lines. A header row
names the columns' roles; without one, the content decides (ingest/readers/columns.py).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ingest.readers.base import Detection, DryRunReader, Reading, fit_score, suffix
from ingest.readers.columns import Row, content_roles, entries_from_rows, header_roles
from ingest.records import Document

DELIMITERS = (",", "\t", ";", "|")
_FORMAT_EVIDENCE = {"csv": 1.0, "tsv": 1.0, "tab": 1.0, "txt": 0.3, "": 0.3}


@dataclass(frozen=True)
class Table:
    delimiter: str
    rows: list[Row]
    consistency: float  # share of rows with the modal number of columns
    width: int


def _rows(doc: Document, delimiter: str) -> list[Row]:
    reader = csv.reader(io.StringIO("\n".join(doc.lines)), delimiter=delimiter, quotechar='"', skipinitialspace=False)
    rows, start = [], 1
    try:
        for cells in reader:
            end = reader.line_num
            if any(c.strip() for c in cells):
                rows.append(Row(tuple(c.strip() for c in cells), start, end))
            start = end + 1
    except csv.Error:  # an unbalanced quote: the rows read so far still count
        pass
    return rows


@lru_cache(maxsize=16)
def sniff(doc: Document) -> Table | None:
    """The delimiter that splits the rows most consistently into two or more columns."""
    best: Table | None = None
    for delimiter in DELIMITERS:
        if delimiter == "\t" and doc.source_format == "text" and not any("\t" in line for line in doc.lines[:200]):
            continue
        rows = _rows(doc, delimiter)
        # Rows the delimiter does not split at all are the file's title or section rows (【あ行】), not
        # badly formed records; the table is the split rows, and they must be most of the file.
        split = [r for r in rows if len(r.cells) >= 2]
        if len(split) < 2 or len(split) * 2 < len(rows):
            continue
        # Trailing empty cells are a spreadsheet's habit, not extra columns; but a CSV writer writes every
        # column, so rows whose optional last columns are empty (`用語,定義,,`) still have the table's width.
        stripped = Counter(len(r.cells) - _trailing_empty(r.cells) for r in split).most_common(1)[0]
        written = Counter(len(r.cells) for r in split).most_common(1)[0]
        fits = [(w, n) for w, n in (stripped, written) if w >= 2]
        if not fits:
            continue
        width, count = max(fits, key=lambda wn: (wn[1], wn[0]))
        consistency = count / len(split)
        if best is None or (consistency, width) > (best.consistency, best.width):
            best = Table(delimiter, rows, consistency, width)
    return best


def _trailing_empty(cells: tuple[str, ...]) -> int:
    n = 0
    for cell in reversed(cells):
        if cell:
            break
        n += 1
    return n


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    table = sniff(doc)
    if table is None or table.consistency < 0.6:
        why = "no delimiter splits the rows consistently" if table is None else \
            f"{table.delimiter!r} splits only {table.consistency:.0%} of rows alike"
        return Reading([], [], "delimited"), Detection(0.0, (why,))
    rows = table.rows
    header_at, roles = None, None
    for i, row in enumerate(rows[:3]):  # a title row may stand above the header
        if roles := header_roles(row.cells):
            header_at = i
            break
    kind = "header"
    if roles is None:
        roles, kind = content_roles([r.cells for r in rows]), "noheader"
    if roles is None:
        return Reading([], [], "delimited"), Detection(0.0, ("no column reads as definitions",))
    body = rows[header_at + 1:] if header_at is not None else rows
    fmt = doc.source_format if doc.source_format != "text" else ("tsv" if table.delimiter == "\t" else "csv")
    layout = f"{fmt}-{kind}"
    entries = entries_from_rows(doc.name, body, roles, layout)
    used = {n for e in entries for n in range(e.span.line_start, e.span.line_end + 1)}
    skipped = [n for n, line in enumerate(doc.lines, 1) if line.strip() and n not in used]
    evidence = {"xlsx": 1.0, "docx": 0.8}.get(doc.source_format) or _FORMAT_EVIDENCE.get(suffix(doc), 0.1)
    named = ", ".join(f"{i + 1}:{r}" for i, r in enumerate(roles) if r != "other")
    reasons = (f"{table.delimiter!r}-separated, {table.width} columns in {table.consistency:.0%} of rows",
               f"{'header' if kind == 'header' else 'no header, roles from content'}: {named}",
               f"{len(entries)} rows read as entries")
    return Reading(entries, skipped, layout), Detection(fit_score(entries, doc, evidence), reasons, len(entries))


class DelimitedReader(DryRunReader):
    name = "delimited"
    description = "CSV/TSV or spreadsheet rows: one entry per row, columns by header name or content"
    formats = ("text", "xlsx", "docx")

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
