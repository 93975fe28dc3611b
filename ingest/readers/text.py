"""Plain-text glossaries: entries from line features (ingest/layout.py).

Headword lines over definitions (■用語, 「用語」とは…, 1. 用語, 用語：定義, bullets under headings)
and headword-less definitions (scraped glossaries that lost their headwords) are both text; the
line segmenter tells them apart. This reader is the fallback for any decoded text: its format
evidence is strongest for .txt files and weak where another reader owns the suffix.
"""

from __future__ import annotations

from functools import lru_cache

from ingest.layout import Segmentation, segment
from ingest.readers.base import Detection, Reader, Reading, coverage, fit_score, suffix, without_front_matter
from ingest.records import Document

_FORMAT_EVIDENCE = {"txt": 1.0, "text": 1.0, "": 0.8, "md": 0.5, "markdown": 0.5}
BARE_DISCOUNT = 0.85
_LAYOUTS = {"headworded": "text-headword", "bare": "text-bare"}


@lru_cache(maxsize=16)
def _segment(doc: Document) -> Segmentation:
    return segment(without_front_matter(doc))


class TextReader(Reader):
    name = "text"
    description = "plain-text lines: headword lines over definitions, 用語：定義, or bare definitions"

    def detect(self, doc: Document) -> Detection:
        if doc.source_format == "xlsx":
            return Detection(0.0, ("spreadsheet rows are not running text",))
        seg = _segment(doc)
        if not seg.entries:
            return Detection(0.0, ("no headword/definition lines",))
        evidence = 0.5 if doc.source_format == "docx" else _FORMAT_EVIDENCE.get(suffix(doc), 0.2)
        share = coverage(seg.entries, doc)
        score = fit_score(seg.entries, doc, evidence)
        if seg.layout == "bare":  # entries without headwords are the last resort: any reader that finds stated
            score = round(score * BARE_DISCOUNT, 3)  # headwords for about as much of the file is the better reading
        return Detection(score,
                         (f"{len(seg.entries)} {seg.layout} entries", f"{share:.0%} of lines"), len(seg.entries))

    def read(self, doc: Document) -> Reading:
        seg = _segment(doc)
        layout = _LAYOUTS.get(seg.layout, seg.layout)
        return Reading(seg.entries, seg.skipped, layout)
