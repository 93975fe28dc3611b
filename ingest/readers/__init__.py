"""The reader registry: every layout family is a `Reader`; the best fit reads the document.

In the spirit of rdflib's parser plugins: a reader registers under a name, and `read_entries`
asks each one to `detect` the document (a dry run with a score and reasons), tries them best
first, and keeps the first that finds a glossary. `choose` is what `python -m kg inspect FILE`
and the build report show: the winner, its score and reasons, and the runner-up. A document that
no reader recognises raises `UnrecognisedLayout`, whose message carries each reader's reasons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ingest.errors import IngestError
from ingest.readers.base import Detection, Reader, Reading, suffix
from ingest.readers.delimited import DelimitedReader
from ingest.readers.html import HtmlReader
from ingest.readers.markdown import MarkdownReader
from ingest.readers.markers import MarkerReader
from ingest.readers.numbered import NumberedReader
from ingest.readers.rst import RstReader
from ingest.readers.structured import DATA_SUFFIXES, StructuredReader
from ingest.readers.text import TextReader
from ingest.records import Document

log = logging.getLogger(__name__)

# Below this fit a reader's entries are guesses about something that is not its format.
MIN_SCORE = 0.25
# A layout shows itself in its opening entries. Past twice this many lines the readers are judged on
# the first DETECTION_LINES only, and only the winner reads the whole document: at 50k entries the
# eight dry runs over every line took 6 s of a build. (Data files are parsed whole: a cut JSON does not parse.)
DETECTION_LINES = 4000

_REGISTRY: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add (or replace) a reader under its name; later registrations are tried on equal scores last."""
    if not reader.name:
        raise ValueError("a reader needs a name")
    _REGISTRY[reader.name] = reader
    return reader


def readers() -> list[Reader]:
    return list(_REGISTRY.values())


for _reader in (DelimitedReader(), HtmlReader(), MarkdownReader(), MarkerReader(), NumberedReader(), RstReader(),
                StructuredReader(), TextReader()):
    register(_reader)


class UnrecognisedLayout(IngestError):
    """No reader found a glossary in the document; the message says what each one saw."""

    def __init__(self, doc: Document, detections: list[tuple[str, Detection]]):
        seen = "; ".join(
            f"{name} {det.score:.2f} ({', '.join(det.reasons[:2]) or 'nothing'})" for name, det in detections
        )
        super().__init__(doc.path, None, f"no glossary entries found (layout not recognised: {seen})")
        self.detections = detections


@dataclass(frozen=True)
class Choice:
    """Which reader read a document and why, with the runner-up for comparison."""

    reader: str
    score: float
    reasons: tuple[str, ...]
    runner_up: str | None
    runner_up_score: float
    reading: Reading

    def explain(self) -> str:
        other = f"; runner-up {self.runner_up} {self.runner_up_score:.2f}" if self.runner_up else ""
        return f"{self.reader} {self.score:.2f} ({', '.join(self.reasons)}){other}"


def detection_sample(doc: Document) -> Document:
    """What the readers are judged on: the document, or its opening lines when it is long."""
    if suffix(doc) in DATA_SUFFIXES or len(doc.lines) <= 2 * DETECTION_LINES:
        return doc
    return replace(doc, lines=doc.lines[:DETECTION_LINES])


def detect_all(doc: Document) -> list[tuple[str, Detection]]:
    """Every reader's detection, best first (judged on detection_sample(doc))."""
    found = []
    data = suffix(doc) in DATA_SUFFIXES
    sample = detection_sample(doc)
    sampled = (f"judged on the first {len(sample.lines)} of {len(doc.lines)} lines",) if sample is not doc else ()
    for reader in _REGISTRY.values():
        if data and reader.name != StructuredReader.name:
            # A .json or .yaml file is data: one that does not parse is an error at its line, not prose.
            found.append((reader.name, Detection(0.0, (f"a .{suffix(doc)} file is read as data",))))
            continue
        try:
            detection = reader.detect(sample)
            found.append((reader.name, replace(detection, reasons=detection.reasons + sampled)))
        except Exception as exc:  # one reader's bug costs its own vote, not the document
            log.exception("reader %s failed to detect %s", reader.name, doc.name)
            found.append((reader.name, Detection(0.0, (f"failed: {type(exc).__name__}: {exc}",))))
    return sorted(found, key=lambda item: -item[1].score)


def choose(doc: Document) -> Choice:
    """Read the document with the best-fitting reader that finds entries; raise UnrecognisedLayout if none does."""
    detections = detect_all(doc)
    for name, detection in detections:
        if detection.score < MIN_SCORE:
            break
        reading = _REGISTRY[name].read(doc)
        if not reading.entries:
            continue
        rest = [(n, d) for n, d in detections if n != name]
        runner = rest[0] if rest else None
        return Choice(name, detection.score, detection.reasons, runner[0] if runner else None,
                      runner[1].score if runner else 0.0, reading)
    raise UnrecognisedLayout(doc, detections)


def read_entries(doc: Document) -> Reading:
    return choose(doc).reading


__all__ = ["Choice", "Detection", "Reader", "Reading", "UnrecognisedLayout", "choose", "detect_all", "read_entries",
           "readers", "register"]
