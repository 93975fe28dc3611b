"""The review queue: the concepts whose names most need a curator, and how often each is looked up.

A decision is worth more where the machine is less sure of the name and where people look the concept
up more often: value = (1 - headword confidence) * (1 + ln(1 + lookups)). Confirmed and stated names
(confidence 1) have no value and are not queued.

Lookups are counted per server worker in memory and added to a small SQLite table in KG_DATA_DIR
(`lookups.sqlite`, WAL) at most every few seconds, so a request pays a dictionary update, not a disk
write, and any number of gunicorn workers add to the same counts without losing any.

Questions suggest could not answer with confidence are counted the same way (`unanswered`, at most
MAX_UNANSWERED of them, the rarest and oldest dropped first): a curator reads them, most asked first,
with the concepts the search would have guessed, and attaches a question to the concept it meant as a
hidden label (kg.curation, relation "hidden"). Lookup then finds that concept for the question as
asked, and the decision is re-applied on every build like any other.
"""

from __future__ import annotations

import atexit
import logging
import math
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import concepts
from kg.store import GraphStore
from ontology.namespace import KGO

log = logging.getLogger(__name__)

COUNTS_NAME = "lookups.sqlite"
FLUSH_EVERY_S = 5.0
MAX_UNANSWERED = 10_000  # distinct questions kept: a flood of one-off queries must not grow the file for ever
MAX_QUESTION = 200  # characters kept of a question (a hidden label is at most as long: kg.curation.MAX_LABEL)

P = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <{KGO}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
QUEUE = P + """SELECT ?c ?conf ?status WHERE {
  ?c a skos:Concept ; kgo:headwordConfidence ?conf .
  OPTIONAL { ?c kgo:headwordStatus ?status }
}"""
CANDIDATES = P + """SELECT ?c ?label ?score ?evidence ?pattern ?file ?start WHERE {
  ?c kgo:candidateLabel ?label .
  OPTIONAL { ?x rdf:subject ?c ; rdf:predicate kgo:candidateLabel ; rdf:object ?label .
             OPTIONAL { ?x kgo:confidence ?score } OPTIONAL { ?x kgo:evidence ?evidence }
             OPTIONAL { ?x kgo:pattern ?pattern }
             OPTIONAL { ?x dct:source ?doc . ?doc kgo:fileName ?file } OPTIONAL { ?x kgo:lineStart ?start } }
}"""


class LookupCounter:
    """How often each concept is looked up, shared by every process that serves the same data directory."""

    def __init__(self, data_dir: Path, flush_every_s: float = FLUSH_EVERY_S):
        self.path = Path(data_dir) / COUNTS_NAME
        self.flush_every_s = flush_every_s
        self._pending: Counter[str] = Counter()
        self._missed: Counter[str] = Counter()  # questions without a confident answer
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._timer: threading.Timer | None = None
        atexit.register(self.flush)  # a worker that stops (gunicorn's SIGTERM) keeps what it counted

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5)  # in the data directory, which a deployment always has
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a count lost to a power cut is harmless
        db.execute("CREATE TABLE IF NOT EXISTS lookups (uri TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS unanswered (question TEXT PRIMARY KEY, n INTEGER NOT NULL, "
                   "last TEXT NOT NULL)")
        return db

    def hit(self, uris: Iterable[str]) -> None:
        self._count(self._pending, uris)

    def miss(self, question: str) -> None:
        """Count a question that got no confident answer (whitespace folded, cut to MAX_QUESTION)."""
        question = " ".join(question.split())[:MAX_QUESTION]
        if question:
            self._count(self._missed, [question])

    def _count(self, counts: Counter[str], keys: Iterable[str]) -> None:
        with self._lock:
            counts.update(keys)
            due = time.monotonic() - self._last_flush >= self.flush_every_s
            if not due and self._timer is None:
                # a worker that gets no further request still saves these counts within flush_every_s
                self._timer = threading.Timer(self.flush_every_s, self.flush)
                self._timer.daemon = True
                self._timer.start()
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            if self._timer is not None and self._timer is not threading.current_thread():
                self._timer.cancel()
            self._timer = None
            pending, self._pending = self._pending, Counter()
            missed, self._missed = self._missed, Counter()
            self._last_flush = time.monotonic()
        if not pending and not missed:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            db = self._connect()
            try:
                with db:
                    db.executemany("INSERT INTO lookups (uri, n) VALUES (?, ?) "
                                   "ON CONFLICT(uri) DO UPDATE SET n = n + excluded.n", pending.items())
                    db.executemany("INSERT INTO unanswered (question, n, last) VALUES (?, ?, ?) ON CONFLICT(question) "
                                   "DO UPDATE SET n = n + excluded.n, last = excluded.last",
                                   [(q, n, now) for q, n in missed.items()])
                    if missed:
                        db.execute("DELETE FROM unanswered WHERE question IN (SELECT question FROM unanswered "
                                   "ORDER BY n DESC, last DESC LIMIT -1 OFFSET ?)", (MAX_UNANSWERED,))
            finally:
                db.close()
        except sqlite3.Error as exc:  # counting must never fail a lookup: keep the counts for the next try
            log.warning("could not save lookup counts to %s: %s", self.path, exc)
            with self._lock:
                self._pending.update(pending)
                self._missed.update(missed)

    def unanswered(self, limit: int) -> list[tuple[str, int, str]]:
        """(question, times asked, last asked) of the questions without a confident answer, most asked first."""
        self.flush()
        if not self.path.exists():
            return []
        try:
            db = self._connect()
            try:
                return list(db.execute("SELECT question, n, last FROM unanswered ORDER BY n DESC, last DESC, "
                                       "question LIMIT ?", (limit,)))
            finally:
                db.close()
        except sqlite3.Error as exc:
            log.warning("could not read unanswered questions from %s: %s", self.path, exc)
            return []

    def counts(self) -> dict[str, int]:
        self.flush()
        if not self.path.exists():
            return {}
        try:
            db = self._connect()
            try:
                return dict(db.execute("SELECT uri, n FROM lookups"))
            finally:
                db.close()
        except sqlite3.Error as exc:
            log.warning("could not read lookup counts from %s: %s", self.path, exc)
            return {}


@dataclass
class Candidate:
    label: str
    score: float | None
    evidence: list[dict] = field(default_factory=list)


@dataclass
class QueueItem:
    uri: str
    prefLabel: str  # noqa: N815 (the API's key)
    status: str
    confidence: float
    definition: str
    candidates: list[Candidate]
    definitions: list[dict]
    lookups: int
    value: float

    def as_dict(self) -> dict:
        return asdict(self)


def decision_value(confidence: float, lookups: int) -> float:
    return round((1.0 - confidence) * (1.0 + math.log1p(lookups)), 4)


def _status(status: str | None, confidence: float) -> str:
    return status or ("stated" if confidence >= 1.0 else "recovered")


def review_queue(store: GraphStore, counts: dict[str, int], limit: int = 20, base: str | None = None
                 ) -> list[QueueItem]:
    """The `limit` concepts a decision is worth most for, best first."""
    ranked = []
    for row in store.select(QUEUE):
        uri = row["c"][0]
        if base and not uri.startswith(base):
            continue
        confidence = float(row["conf"][0])
        status = _status(row.get("status", (None,))[0], confidence)
        if status == "confirmed":
            continue
        value = decision_value(confidence, counts.get(uri, 0))
        if value > 0:
            ranked.append((-value, confidence, uri, status))
    ranked.sort()
    return [item(store, uri, status, counts.get(uri, 0)) for _v, _c, uri, status in ranked[:limit]]


def item(store: GraphStore, uri: str, status: str, lookups: int) -> QueueItem:
    """One queue entry: the concept page's queries that a decision needs (not its relations: they cost the most)."""
    node = ox.NamedNode(uri)
    prefs = {r["o"][1] or "": r["o"][0] for r in store.select(concepts.LABELS, c=node)
             if r["p"][0].endswith("#prefLabel")}
    pref = prefs.get("ja") or next(iter(prefs.values()), "")
    meta = {r["p"][0].rsplit("#", 1)[-1]: r["o"][0] for r in store.select(concepts.META, c=node)}
    confidence = float(meta.get("headwordConfidence", 1.0))
    candidates: dict[str, Candidate] = {}
    # The current name comes first, with the evidence that chose it, so "confirm" has something to show.
    own = Candidate(pref, confidence, [
        {"text": r["evidence"][0], "pattern": r["pattern"][0], "source": r["file"][0], "line": int(r["start"][0])}
        for r in store.select(concepts.LABEL_EVIDENCE, c=node) if r["label"][0] == pref])
    if not own.evidence and meta.get("headwordEvidence"):
        own.evidence.append({"text": "", "pattern": meta["headwordEvidence"], "source": "", "line": None})
    candidates[pref] = own
    for row in store.select(concepts.CANDIDATES, c=node):  # ranked, with score and evidence (ingest.headwords)
        label, evidence = row["text"][0], row["evidence"][0]
        cand = candidates.setdefault(label, Candidate(label, float(row["score"][0])))
        ev: dict[str, Any] = {"text": evidence, "pattern": evidence.split(":", 1)[0], "source": "", "line": None}
        if label != pref and ev not in cand.evidence:
            cand.evidence.append(ev)
    for row in store.select(CANDIDATES, c=node):  # kgo:candidateLabel, with any extraction record behind it
        label = row["label"][0]
        cand = candidates.setdefault(label, Candidate(label, None))
        if "score" in row:
            cand.score = max(cand.score or 0.0, float(row["score"][0]))
        if "evidence" in row or "pattern" in row:
            ev = {"text": row.get("evidence", ("",))[0], "pattern": row.get("pattern", ("",))[0],
                  "source": row.get("file", ("",))[0], "line": int(row["start"][0]) if "start" in row else None}
            if ev not in cand.evidence:
                cand.evidence.append(ev)
    rest = sorted((c for label, c in candidates.items() if label != pref),
                  key=lambda c: (-(c.score if c.score is not None else -1.0), c.label))
    definitions: list[dict[str, Any]] = [{"text": r["text"][0], "source": r.get("file", ("",))[0],
                    "line": int(r["start"][0]) if "start" in r else None,
                    "lineEnd": int(r["end"][0]) if "end" in r else None}
                   for r in store.select(concepts.DEFINITIONS, c=node)]
    return QueueItem(uri=uri, prefLabel=pref, status=status, confidence=confidence,
                     definition=definitions[0]["text"] if definitions else "", candidates=[own, *rest],
                     definitions=definitions, lookups=lookups, value=decision_value(confidence, lookups))
