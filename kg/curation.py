"""Curation: a curator's decisions about concepts, kept as data and re-applied to every build.

The log is `KG_DATA_DIR/curations.jsonl`, append-only, one JSON object per decision: who (the write
token's name), when, what (action and arguments), and the concept's state before and after. A
decision is acknowledged only once its line is written and fsynced; a line cut short by a crash was
never acknowledged and is dropped (and reported) the next time the log is read or appended to.

Every build applies the whole log, in order, to the freshly ingested graph (`apply_log`, called by
kg.build before the index is made), so a decision outlives re-ingesting, `kg add` and replaced
glossaries. A decision finds its concept by IRI first, then by definition key (the source glossary
plus the normalised definition text, recorded when the decision was made): a concept whose IRI
changed is still found. A decision whose entry is gone is reported in the build's manifest and by
`kg build`, never dropped silently.

Curated facts go into their own named graph, `{base}graph/curation`, with one kgo:Curation record
per decision (prov:wasAttributedTo the curator, dct:modified the time); removals (an old preferred
label, a relation a curator denied) take the triple out of whichever graph stated it.

`curate` is what the HTTP API and the CLI call: under the build lock it checks the request against
the served graph (applying it to an in-memory copy gives "after" and proves it applies), appends it
to the log, and publishes a new artifact with kg.build.republish.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from ingest.terms import is_acronym
from kg.config import Settings
from kg.errors import IndexNotReady, InvalidRequest
from kg.store import serialized
from ontology.namespace import KGO, LEXINFO, SKOSXL

log = logging.getLogger(__name__)

LOG_NAME = "curations.jsonl"
INGESTED = "ingested.nq"  # in each artifact: its graph as ingested, before any decision
ACTIONS = ("confirm", "rename", "choose", "merge", "split", "relate", "unrelate", "reject")
RELATION_TYPES = ("synonym", "antonym", "related", "abbreviation", "broader", "hidden")
CONCEPT_RELATIONS = ("antonym", "related", "broader")  # the target is a concept
# The target is a label (text) of this concept. "hidden": a skos:hiddenLabel, a form lookup finds but no
# display shows, such as a question people asked that the glossary could not answer (kg.review).
LABEL_RELATIONS = ("synonym", "abbreviation", "hidden")
MAX_LABEL = 200
DEFAULT_CURATOR = "curator"


def _n(iri) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


T_TYPE, T_LABEL = _n(RDF.type), _n(RDFS.label)
T_SUBJECT, T_PREDICATE, T_OBJECT = _n(RDF.subject), _n(RDF.predicate), _n(RDF.object)
CONCEPT, SCHEME_OF, TOP_OF, HAS_TOP = _n(SKOS.Concept), _n(SKOS.inScheme), _n(SKOS.topConceptOf), _n(SKOS.hasTopConcept)
PREF, ALT, HIDDEN, DEFINITION = _n(SKOS.prefLabel), _n(SKOS.altLabel), _n(SKOS.hiddenLabel), _n(SKOS.definition)
RELATED, BROADER, NARROWER, CHANGE_NOTE = _n(SKOS.related), _n(SKOS.broader), _n(SKOS.narrower), _n(SKOS.changeNote)
XL_PREF, XL_ALT, XL_LABEL, XL_FORM = (_n(SKOSXL.prefLabel), _n(SKOSXL.altLabel), _n(SKOSXL.Label),
                                      _n(SKOSXL.literalForm))
ANTONYM, CANDIDATE, STATUS = _n(KGO.antonym), _n(KGO.candidateLabel), _n(KGO.headwordStatus)
CONFIDENCE, EVIDENCE, DEFINED_IN, FILE_NAME = (_n(KGO.headwordConfidence), _n(KGO.headwordEvidence),
                                               _n(KGO.definedIn), _n(KGO.fileName))
HEADWORD_CANDIDATE, CANDIDATE_TEXT = _n(KGO.headwordCandidate), _n(KGO.candidateText)
ABBREVIATION, ABBREVIATION_OF, TERM_TYPE = _n(KGO.Abbreviation), _n(KGO.abbreviationOf), _n(LEXINFO.termType)
CURATION, ACTION, CURATES = _n(KGO.Curation), _n(KGO.action), _n(KGO.curates)
DEPRECATED, REPLACED_BY, MODIFIED = _n(OWL.deprecated), _n(DCTERMS.isReplacedBy), _n(DCTERMS.modified)
ATTRIBUTED_TO, AGENT, GENERATED_BY = _n(PROV.wasAttributedTo), _n(PROV.Agent), _n(PROV.wasGeneratedBy)
STATEMENT = _n(RDF.Statement)
TRUE = ox.Literal("true", datatype=_n(XSD.boolean))
ONE = ox.Literal("1.0", datatype=_n(XSD.decimal))
# What stays with a concept's identity, not with its content, when it is merged into another one.
IDENTITY = {T_TYPE, SCHEME_OF, TOP_OF, STATUS, CONFIDENCE, EVIDENCE, MODIFIED, ATTRIBUTED_TO}


class CurationRejected(InvalidRequest):
    """A request that is well-formed JSON but cannot be a decision (unknown concept, nothing changes…)."""

    title = "Curation rejected"


class NotApplicable(Exception):
    """A logged decision that does not apply to this build's graph (its entry is gone); reported by the build."""


# --- decisions and the log ------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """One curator decision, as logged. `keys`/`target_keys`: definition keys that find the concepts again."""

    id: str
    action: str
    concept: str
    who: str
    when: str
    label: str | None = None
    lang: str | None = None
    into: str | None = None
    type: str | None = None
    target: str | None = None
    source: str | None = None
    keys: tuple[str, ...] = ()
    target_keys: tuple[str, ...] = ()
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = asdict(self)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in out.items()
                if v is not None and v != () and v != []}

    @classmethod
    def from_dict(cls, raw: dict) -> Decision:
        """A logged or imported record; ValueError says what is wrong with it."""
        if not isinstance(raw, dict):
            raise ValueError("a decision must be a JSON object")
        names = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}")
        for required in ("id", "action", "concept", "who", "when"):
            if not isinstance(raw.get(required), str) or not raw[required]:
                raise ValueError(f"field {required!r} missing or not a string")
        if raw["action"] not in ACTIONS:
            raise ValueError(f"unknown action {raw['action']!r}")
        values = dict(raw)
        for name in ("keys", "target_keys"):
            values[name] = tuple(str(k) for k in raw.get(name, ()))
        return cls(**values)


def log_path(settings: Settings) -> Path:
    return settings.data_dir / LOG_NAME


@dataclass
class LogContents:
    decisions: list[Decision]
    damaged: list[str]  # lines that could not be read (a torn last line, a hand edit): reported, not applied


def read_log(settings: Settings) -> LogContents:
    path = log_path(settings)
    decisions, damaged, seen = [], [], set()
    if not path.exists():
        return LogContents([], [])
    data = path.read_bytes()
    lines = data.split(b"\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if number == len(lines):  # no newline after it: a write that never finished, never acknowledged
            damaged.append(f"{path.name}:{number}: unfinished last line (a write cut short) ignored")
            continue
        try:
            decision = Decision.from_dict(json.loads(line))
        except ValueError as exc:
            damaged.append(f"{path.name}:{number}: {exc}")
            continue
        if decision.id not in seen:
            seen.add(decision.id)
            decisions.append(decision)
    return LogContents(decisions, damaged)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_decisions(settings: Settings, decisions: Sequence[Decision]) -> None:
    """Append and fsync. Callers hold the build lock, so there is one writer at a time; a torn tail left by a
    writer that was killed is cut off first so the new lines start on a line of their own."""
    if not decisions:
        return
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:
            tail = os.pread(fd, min(size, 1 << 16), max(0, size - (1 << 16)))
            if not tail.endswith(b"\n"):
                cut = tail.rfind(b"\n")
                keep = size - len(tail) + cut + 1 if cut >= 0 else 0
                log.warning("curation log: dropping an unfinished last line (%d bytes) left by a crash", size - keep)
                os.ftruncate(fd, keep)
        payload = b"".join(json.dumps(d.as_dict(), ensure_ascii=False).encode() + b"\n" for d in decisions)
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


# --- reading and editing a graph -------------------------------------------------------------------

def definition_key(file: str, text: str) -> str:
    """The source glossary plus the definition text with width, case of kana forms and spacing normalised."""
    norm = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return hashlib.sha1(f"{file}\x1f{norm}".encode(), usedforsecurity=False).hexdigest()[:16]


def _value(term) -> str:
    return term.value


def _quote_who(who: str) -> str:
    return quote(who, safe="")


class Editor:
    """Reads and edits one pyoxigraph store (an artifact being built, or an in-memory working copy)."""

    def __init__(self, store: ox.Store, base: str):
        self.store = store
        self.base = base
        self.graph = ox.NamedNode(base + "graph/curation")
        self._key_index: dict[str, set[str]] | None = None

    # reading
    def quads(self, s=None, p=None, o=None, g=None) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(s, p, o, g))

    def objects(self, s, p) -> list:
        return list(dict.fromkeys(q.object for q in self.store.quads_for_pattern(s, p, None, None)))

    def subjects(self, p, o) -> list:
        return list(dict.fromkeys(q.subject for q in self.store.quads_for_pattern(None, p, o, None)))

    def has(self, s, p, o) -> bool:
        return next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is not None

    def is_concept(self, node) -> bool:
        return isinstance(node, ox.NamedNode) and self.has(node, T_TYPE, CONCEPT)

    def definitions(self, c) -> list[tuple[ox.Literal, object, str]]:
        """(text, graph, glossary file) of each definition a glossary gives the concept."""
        out: list[tuple[ox.Literal, object, str]] = []
        for q in self.quads(c, DEFINITION, None, None):
            if isinstance(q.graph_name, ox.NamedNode) and isinstance(q.object, ox.Literal):
                files = self.objects(q.graph_name, FILE_NAME)
                out.append((q.object, q.graph_name, files[0].value if files else q.graph_name.value))
        return out

    def keys(self, c) -> tuple[str, ...]:
        return tuple(sorted({definition_key(file, text.value) for text, _g, file in self.definitions(c)}))

    def status(self, c) -> str:
        stated = [o.value for o in self.objects(c, STATUS)]
        if stated:
            return stated[0]
        evidence = [o.value for o in self.objects(c, EVIDENCE)]
        confidence = [float(o.value) for o in self.objects(c, CONFIDENCE)]
        return "stated" if (evidence and evidence[0] == "headword") or (confidence and confidence[0] >= 1.0) \
            else "recovered"

    def snapshot(self, c) -> dict:
        """What a decision can change about a concept, comparable before and after."""
        if not self.is_concept(c):
            replaced = [o.value for o in self.objects(c, REPLACED_BY)]
            return {"exists": False, **({"replacedBy": replaced[0]} if replaced else {})}
        confidence = [float(o.value) for o in self.objects(c, CONFIDENCE)]
        return {
            "exists": True,
            "prefLabel": {(o.language or ""): o.value for o in self.objects(c, PREF)},
            "status": self.status(c),
            "confidence": confidence[0] if confidence else None,
            "altLabel": sorted(o.value for o in self.objects(c, ALT)),
            "hiddenLabel": sorted(o.value for o in self.objects(c, HIDDEN)),
            "candidateLabel": sorted(o.value for o in self.objects(c, CANDIDATE)),
            "related": sorted(o.value for o in self.objects(c, RELATED)),
            "antonym": sorted(o.value for o in self.objects(c, ANTONYM)),
            "broader": sorted(o.value for o in self.objects(c, BROADER)),
            "narrower": sorted(o.value for o in self.objects(c, NARROWER)),
            "definitions": sorted(file for _t, _g, file in self.definitions(c)),
        }

    def find(self, iri: str, keys: Iterable[str]) -> ox.NamedNode | None:
        """The concept a decision meant: by IRI (following dct:isReplacedBy), else by its definitions."""
        node = ox.NamedNode(iri)
        for _hop in range(8):
            if self.is_concept(node):
                return node
            replaced = self.objects(node, REPLACED_BY)
            if not replaced:
                break
            node = replaced[0]
        keys = set(keys)
        if not keys:
            return None
        if self._key_index is None:
            self._key_index = {}
            for q in self.quads(None, DEFINITION, None, None):
                if (self.is_concept(q.subject) and isinstance(q.subject, ox.NamedNode)
                        and isinstance(q.graph_name, ox.NamedNode) and isinstance(q.object, ox.Literal)):
                    files = self.objects(q.graph_name, FILE_NAME)
                    key = definition_key(files[0].value if files else q.graph_name.value, q.object.value)
                    self._key_index.setdefault(key, set()).add(q.subject.value)
        votes: dict[str, int] = {}
        for key in keys:
            for uri in self._key_index.get(key, ()):
                votes[uri] = votes.get(uri, 0) + 1
        live = [(n, uri) for uri, n in votes.items() if self.is_concept(ox.NamedNode(uri))]
        return ox.NamedNode(max(live)[1]) if live else None

    def find_label(self, text: str) -> list[ox.NamedNode]:
        """Concepts with this preferred or alternative label (exact text, any language)."""
        found: list[ox.NamedNode] = []
        for p in (PREF, ALT):
            for q in self.store.quads_for_pattern(None, p, None, None):
                if (isinstance(q.object, ox.Literal) and q.object.value == text and isinstance(q.subject, ox.NamedNode)
                        and self.is_concept(q.subject) and q.subject not in found):
                    found.append(q.subject)
            if found:
                return found
        return found

    # editing
    def remove(self, s=None, p=None, o=None, g=None) -> int:
        quads = self.quads(s, p, o, g)
        for q in quads:
            self.store.remove(q)
        self._key_index = None
        return len(quads)

    def add(self, s, p, o, g=None) -> None:
        self.store.add(ox.Quad(s, p, o, g if g is not None else self.graph))
        self._key_index = None

    def set_status(self, c, status: str) -> None:
        self.remove(c, STATUS)
        self.remove(c, CONFIDENCE)
        self.add(c, STATUS, ox.Literal(status))
        self.add(c, CONFIDENCE, ONE)


# --- applying one decision --------------------------------------------------------------------------

def _pref_of(ed: Editor, c, lang: str | None = None) -> ox.Literal | None:
    prefs = ed.objects(c, PREF)
    for wanted in (lang, "ja", ""):
        for p in prefs:
            if wanted is not None and (p.language or "") == wanted:
                return p
    return prefs[0] if prefs else None


def _rename(ed: Editor, c, label: str, lang: str) -> None:
    new = ox.Literal(label, language=lang) if lang else ox.Literal(label)
    old = [o for o in ed.objects(c, PREF) if (o.language or "") == lang]
    stated = ed.status(c) == "stated"
    for o in old:
        ed.remove(c, PREF, o)
    for p in (ALT, CANDIDATE):
        ed.remove(c, p, new)
    for o in old:
        if o != new:
            # A name the glossary states stays findable; a machine's guess stays a candidate, not a name.
            ed.add(c, ALT if stated else CANDIDATE, o)
            _restate_extractions(ed, c, o, ALT if stated else CANDIDATE)
    ed.add(c, PREF, new)
    for xl in ed.objects(c, XL_PREF):
        for form in ed.objects(xl, XL_FORM):
            if form in old:
                ed.remove(xl, XL_FORM, form)
                ed.add(xl, XL_FORM, new)
    ed.set_status(c, "confirmed")


def _restate_extractions(ed: Editor, c, label, predicate) -> None:
    """Extraction records that said `c prefLabel label` now say what the graph states (alt or candidate)."""
    for x in ed.subjects(T_SUBJECT, c):
        if ed.has(x, T_PREDICATE, PREF) and ed.has(x, T_OBJECT, label):
            for q in ed.quads(x, T_PREDICATE, PREF):
                ed.store.remove(q)
                ed.add(x, T_PREDICATE, predicate, q.graph_name)


def _set_top(ed: Editor, c) -> None:
    """A concept is a top concept of its schemes exactly when it has no broader concept (qSKOS)."""
    top = not ed.objects(c, BROADER)
    for scheme in ed.objects(c, SCHEME_OF):
        if top and not ed.has(c, TOP_OF, scheme):
            ed.add(c, TOP_OF, scheme)
            ed.add(scheme, HAS_TOP, c)
        elif not top:
            ed.remove(c, TOP_OF, scheme)
            ed.remove(scheme, HAS_TOP, c)


def _drop_candidates(ed: Editor, c) -> None:
    """The machine's guesses at c's name: they name nothing once c is merged away or rejected."""
    for k in ed.objects(c, HEADWORD_CANDIDATE):
        ed.remove(k)
    ed.remove(c, HEADWORD_CANDIDATE)
    ed.remove(c, CANDIDATE)


def _merge(ed: Editor, c, t) -> None:
    if c == t:
        return  # the sources already say they are one concept
    _drop_candidates(ed, c)
    t_prefs = set(ed.objects(t, PREF))
    c_prefs = [o for o in ed.objects(c, PREF) if o not in t_prefs]
    for q in ed.quads(c):
        ed.store.remove(q)
        p, o = q.predicate, q.object
        if p in IDENTITY or (o == t and p in (RELATED, ANTONYM, BROADER, NARROWER)):
            continue
        if p == PREF:
            if o not in t_prefs:
                ed.add(t, ALT, o)
        elif p == XL_PREF:
            ed.add(t, XL_ALT, o)
        elif p == ALT and o in t_prefs:
            continue
        else:
            ed.add(t, p, o, q.graph_name)
    for q in ed.quads(None, None, c):
        ed.store.remove(q)
        if q.predicate == HAS_TOP or (q.subject == t and q.predicate in (RELATED, ANTONYM, BROADER, NARROWER)):
            continue
        ed.add(q.subject, q.predicate, t, q.graph_name)
    for label in c_prefs:  # its names are the survivor's alternative labels now
        _restate_extractions(ed, t, label, ALT)
    _set_top(ed, t)
    ed.add(c, DEPRECATED, TRUE)
    ed.add(c, REPLACED_BY, t)


def split_iri(ed: Editor, c, keys: Iterable[str]) -> ox.NamedNode:
    """The new concept's IRI, in the vocabulary of the concept split, from the definitions it takes along."""
    digest = hashlib.sha1("\x1f".join(["split", *sorted(keys)]).encode(), usedforsecurity=False).hexdigest()[:12]
    cut = c.value.rfind("concept/")
    return ox.NamedNode((c.value[:cut] if cut > 0 else ed.base) + f"concept/c{digest}")


def _split(ed: Editor, c, source: str, label: str, lang: str) -> ox.NamedNode:
    defs = ed.definitions(c)
    files = {file for _t, _g, file in defs}
    if source not in files:
        raise NotApplicable(f"{source} no longer defines <{c.value}>")
    if len(files) < 2:
        raise NotApplicable(f"only {source} defines <{c.value}>: there is nothing to split off")
    moving = [(text, g) for text, g, file in defs if file == source]
    new = split_iri(ed, c, (definition_key(source, text.value) for text, _g in moving))
    # A rebuild retires an IRI it cannot match to an ingested concept (kg.build): this one is alive again.
    ed.remove(new, DEPRECATED)
    ed.remove(new, REPLACED_BY)
    for text, g in moving:
        ed.remove(c, DEFINITION, text, g)
        ed.add(new, DEFINITION, text, g)
        for x in ed.subjects(T_SUBJECT, c):
            if ed.has(x, T_PREDICATE, DEFINITION) and ed.has(x, T_OBJECT, text):
                ed.remove(x, T_SUBJECT, c)
                ed.add(x, T_SUBJECT, new, g)
        ed.remove(c, DEFINED_IN, g)
        ed.add(new, DEFINED_IN, g)
    ed.add(new, T_TYPE, CONCEPT)
    for scheme in ed.objects(c, SCHEME_OF):
        ed.add(new, SCHEME_OF, scheme)
        ed.add(new, TOP_OF, scheme)
        ed.add(scheme, HAS_TOP, new)
    ed.add(new, PREF, ox.Literal(label, language=lang) if lang else ox.Literal(label))
    ed.add(new, EVIDENCE, ox.Literal("curator"))
    ed.set_status(new, "confirmed")
    return new


def _label_literal(ed: Editor, c, text: str) -> ox.Literal:
    lang = "en" if text.isascii() and not is_acronym(text) else "ja"
    return ox.Literal(text, language=lang)


def _relate(ed: Editor, c, kind: str, t, text: str | None) -> None:
    if kind in LABEL_RELATIONS:
        if text is None:
            raise NotApplicable(f"a {kind} relation needs the label text")
        literal = _label_literal(ed, c, text)
        if any(o.value == text for o in ed.objects(c, PREF)):
            raise NotApplicable(f"「{text}」 is the concept's own preferred label")
        if kind == "hidden":
            if not any(o.value == text for o in ed.objects(c, HIDDEN)):
                ed.add(c, HIDDEN, literal)
            return
        ed.remove(c, CANDIDATE, literal)
        if not any(o.value == text for o in ed.objects(c, ALT)):
            ed.add(c, ALT, literal)
        if kind == "abbreviation":
            digest = hashlib.sha1(f"curated\x1f{c.value}\x1f{text}".encode(), usedforsecurity=False).hexdigest()
            xl = ox.NamedNode(ed.base + "label/l" + digest[:12])
            ed.add(c, XL_ALT, xl)
            ed.add(xl, T_TYPE, XL_LABEL)
            ed.add(xl, T_TYPE, ABBREVIATION)
            ed.add(xl, XL_FORM, literal)
            ed.add(xl, TERM_TYPE, _n(LEXINFO.acronym if is_acronym(text) else LEXINFO.abbreviation))
            for long in ed.objects(c, XL_PREF)[:1]:
                ed.add(xl, ABBREVIATION_OF, long)
        return
    if t is None:
        raise NotApplicable("its target concept is gone")
    if t == c:
        raise NotApplicable("a concept cannot be related to itself")
    # SKOS S27: related and broader (at any depth) are disjoint; broader must not form a cycle.
    if kind == "broader":
        if ed.has(c, RELATED, t) or ed.has(t, RELATED, c):
            raise NotApplicable("the two concepts are related, and related and broader exclude each other "
                                "(SKOS S27): remove the related link first")
        if _hierarchy_path(ed, t, c):
            raise NotApplicable("the target is already below this concept: broader would make a cycle")
    elif _hierarchy_path(ed, c, t) or _hierarchy_path(ed, t, c):
        raise NotApplicable("one concept is broader than the other, and related and broader exclude each other "
                            "(SKOS S27): remove the broader link first")
    if kind == "broader":
        ed.add(c, BROADER, t)
        ed.add(t, NARROWER, c)
        _set_top(ed, c)
        return
    for s, o in ((c, t), (t, c)):
        ed.add(s, RELATED, o)
        if kind == "antonym":
            ed.add(s, ANTONYM, o)


def _hierarchy_path(ed: Editor, lower, upper) -> bool:
    """Whether `upper` is broader than `lower` at any depth (skos:broader or inverse skos:narrower links)."""
    query = (f"ASK {{ <{lower.value}> (<{SKOS.broader}>|^<{SKOS.narrower}>)+ <{upper.value}> }}")
    return bool(ed.store.query(query, use_default_graph_as_union=True))


def _unrelate(ed: Editor, c, kind: str, t, text: str | None) -> None:
    if kind in LABEL_RELATIONS:
        for o in ed.objects(c, HIDDEN if kind == "hidden" else ALT):
            if o.value == text:
                ed.remove(c, HIDDEN if kind == "hidden" else ALT, o)
        for xl in ed.objects(c, XL_ALT):
            if any(f.value == text for f in ed.objects(xl, XL_FORM)):
                ed.remove(c, XL_ALT, xl)
                ed.remove(xl)
                ed.remove(None, ABBREVIATION_OF, xl)
        return
    if t is None:
        return  # the target is gone, so the relation is too
    if kind == "broader":
        ed.remove(c, BROADER, t)
        ed.remove(t, NARROWER, c)
        _set_top(ed, c)
        return
    for s, o in ((c, t), (t, c)):
        ed.remove(s, ANTONYM, o)
        if kind == "related":
            ed.remove(s, RELATED, o)


def _reject(ed: Editor, c) -> None:
    _drop_candidates(ed, c)
    for x in ed.subjects(T_SUBJECT, c):  # the extraction records about it
        ed.remove(x)
    for p in (XL_PREF, XL_ALT):
        for xl in ed.objects(c, p):
            ed.remove(xl)
    ed.remove(c)
    ed.remove(None, None, c)
    ed.add(c, DEPRECATED, TRUE)
    ed.add(c, CHANGE_NOTE, ox.Literal("A curator rejected this entry: it is not a term.", language="en"))
    ed.add(c, CHANGE_NOTE, ox.Literal("用語ではないとして見出しから除外された。", language="ja"))


def _target(ed: Editor, d: Decision) -> ox.NamedNode | None:
    iri = d.into if d.action == "merge" else d.target
    if iri is None or not iri.startswith(("http://", "https://", "urn:")):
        return None
    return ed.find(iri, d.target_keys)


def _given(value: str | None, what: str) -> str:
    """A field the decision's action needs (checked when the decision was made; a hand-edited log may lack it)."""
    if value is None:
        raise NotApplicable(f"the decision names no {what}")
    return value


def apply_decision(ed: Editor, d: Decision) -> list[ox.NamedNode]:
    """Apply one decision to the graph; returns the concepts it touched. NotApplicable: its entry is gone."""
    c = ed.find(d.concept, d.keys)
    if c is None:
        raise NotApplicable(f"no concept has IRI <{d.concept}> or its definitions any more")
    t = _target(ed, d)
    text = d.target
    if d.action in ("relate", "unrelate") and d.type in LABEL_RELATIONS and text and t is not None:
        pref = _pref_of(ed, t)
        text = pref.value if pref is not None else text
    touched = [c]
    if d.action == "confirm":
        ed.set_status(c, "confirmed")
    elif d.action in ("rename", "choose"):
        _rename(ed, c, _given(d.label, "label"), d.lang or "ja")
    elif d.action == "merge":
        if t is None:
            raise NotApplicable(f"the concept to merge into, <{d.into}>, is gone")
        _merge(ed, c, t)
        touched.append(t)
    elif d.action == "split":
        touched.append(_split(ed, c, _given(d.source, "source"), _given(d.label, "label"), d.lang or "ja"))
    elif d.action == "relate":
        if d.type in CONCEPT_RELATIONS and t is None:
            raise NotApplicable(f"the related concept <{d.target}> is gone")
        _relate(ed, c, _given(d.type, "relation type"), t, text)
    elif d.action == "unrelate":
        _unrelate(ed, c, _given(d.type, "relation type"), t, text)
    elif d.action == "reject":
        _reject(ed, c)
    _record(ed, d, touched)
    return touched


def _record(ed: Editor, d: Decision, touched: Sequence[ox.NamedNode]) -> None:
    """The decision's provenance in the curation graph: who, when, what, on which concept."""
    node = ox.NamedNode(ed.base + f"curation/{d.id}")
    agent = ox.NamedNode(ed.base + f"curator/{_quote_who(d.who)}")
    when = ox.Literal(d.when, datatype=_n(XSD.dateTime))
    if d.action == "relate" and d.type in CONCEPT_RELATIONS and len(touched) == 1:
        # The relation a curator stated, reified like an extracted one, so it has a source (the decision).
        target = _target(ed, d)
        if target is not None:
            statement = ox.NamedNode(f"{node.value}/statement")
            predicate = {"antonym": ANTONYM, "related": RELATED, "broader": BROADER}[d.type]
            ed.add(statement, T_TYPE, STATEMENT)
            ed.add(statement, T_SUBJECT, touched[0])
            ed.add(statement, T_PREDICATE, predicate)
            ed.add(statement, T_OBJECT, target)
            ed.add(statement, GENERATED_BY, node)
    ed.add(agent, T_TYPE, AGENT)
    ed.add(agent, T_LABEL, ox.Literal(d.who))
    ed.add(node, T_TYPE, CURATION)
    ed.add(node, ACTION, ox.Literal(d.action))
    ed.add(node, ATTRIBUTED_TO, agent)
    ed.add(node, MODIFIED, when)
    for c in touched:
        ed.add(node, CURATES, c)
        ed.remove(c, MODIFIED, None, ed.graph)
        ed.remove(c, ATTRIBUTED_TO, None, ed.graph)
        ed.add(c, MODIFIED, when)
        ed.add(c, ATTRIBUTED_TO, agent)


# --- applying the log in a build ---------------------------------------------------------------------

@dataclass
class Unapplied:
    id: str
    action: str
    concept: str
    who: str
    when: str
    reason: str

    def line(self) -> str:
        return (f"curation {self.id} ({self.action} <{self.concept}> by {self.who} at {self.when}) "
                f"not applied: {self.reason}")


@dataclass
class CurationReport:
    """What a build did with the curation log: every decision is applied or listed here with the reason."""

    decisions: int = 0
    applied: int = 0
    remapped: list[dict] = field(default_factory=list)  # found by definition key after its IRI changed
    unapplied: list[Unapplied] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"decisions": self.decisions, "applied": self.applied, "remapped": self.remapped,
                "unapplied": [asdict(u) for u in self.unapplied], "damaged": self.damaged}

    def lines(self) -> list[str]:
        return [u.line() for u in self.unapplied] + [f"curation log {d}" for d in self.damaged]


def apply_log(store_path: Path, settings: Settings, base: str | None = None) -> CurationReport:
    """Apply every logged decision, in order, to the store of an artifact being built. base: the default
    vocabulary's base IRI (the curation graph and the curators are named under it)."""
    contents = read_log(settings)
    report = CurationReport(decisions=len(contents.decisions), damaged=contents.damaged)
    if not contents.decisions:
        return report
    store = ox.Store(str(store_path))
    try:
        apply_decisions(Editor(store, base or _base(settings)), contents.decisions, report)
        store.flush()
    finally:
        del store
    for line in report.lines():
        log.warning("%s", line)
    return report


def apply_decisions(ed: Editor, decisions: Iterable[Decision], report: CurationReport) -> None:
    for d in decisions:
        try:
            touched = apply_decision(ed, d)
        except NotApplicable as exc:
            report.unapplied.append(Unapplied(d.id, d.action, d.concept, d.who, d.when, str(exc)))
            continue
        report.applied += 1
        if touched[0].value != d.concept:
            report.remapped.append({"id": d.id, "from": d.concept, "to": touched[0].value})


def _base(settings: Settings, manifest: dict | None = None) -> str:
    base = (manifest or {}).get("base_iri") or settings.base_iri
    if not base:
        raise IndexNotReady("no base IRI: the served artifact's manifest names none and KG_BASE_IRI is unset")
    return base if base.endswith(("/", "#")) else base + "/"


# --- making a decision --------------------------------------------------------------------------------

def curator_name(token: str | None) -> str:
    """The name a write token stands for: `name:secret` gives name, a plain secret gives "curator"."""
    if token and ":" in token:
        name = token.split(":", 1)[0].strip()
        if name:
            return name
    return DEFAULT_CURATOR


def write_tokens(configured: str | None) -> list[str]:
    """KG_WRITE_TOKEN: one token, or several separated by commas (one per curator, `name:secret` each)."""
    return [t.strip() for t in (configured or "").split(",") if t.strip()]


FIELDS = {"concept", "action", "label", "lang", "into", "type", "target", "source"}


def _text(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"field {name!r} is required for action {body.get('action')!r} and must be text")
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > MAX_LABEL and name not in ("concept", "into", "target"):
        raise InvalidRequest(f"field {name!r} is longer than {MAX_LABEL} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidRequest(f"field {name!r} contains control characters")
    return value


def parse_request(body) -> dict:
    """Check a request body's shape: action known, the fields it needs present. InvalidRequest otherwise."""
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object such as "
                             '{"concept": "<IRI>", "action": "rename", "label": "…"}')
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise InvalidRequest(f"unknown field(s): {', '.join(unknown)}; known: {', '.join(sorted(FIELDS))}")
    action = body.get("action")
    if action not in ACTIONS:
        raise InvalidRequest(f"unknown action {action!r}; one of: {', '.join(ACTIONS)}")
    out = {"action": action, "concept": _text(body, "concept")}
    if action in ("rename", "choose", "split"):
        out["label"] = _text(body, "label")
        out["lang"] = _text(body, "lang", required=False)
        if out["lang"] is not None and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", out["lang"]):
            raise InvalidRequest(f"lang {out['lang']!r} is not a language tag")
    if action == "split":
        out["source"] = _text(body, "source")
    if action == "merge":
        out["into"] = _text(body, "into")
    if action in ("relate", "unrelate"):
        kind = body.get("type")
        if kind not in RELATION_TYPES:
            raise InvalidRequest(f"type must be one of {', '.join(RELATION_TYPES)}, not {kind!r}")
        out["type"] = kind
        out["target"] = _text(body, "target")
    return out


def _concept_arg(ed: Editor, value: str, what: str) -> ox.NamedNode:
    """An IRI of a concept, or a label that names exactly one."""
    if value.startswith(("http://", "https://", "urn:")):
        try:
            node = ox.NamedNode(value)
        except ValueError as exc:
            raise CurationRejected(f"{what} {value!r} is not a valid IRI") from exc
        if not ed.is_concept(node):
            replaced = ed.objects(node, REPLACED_BY)
            hint = f" (it was merged into <{replaced[0].value}>)" if replaced else ""
            raise CurationRejected(f"unknown {what}: no concept <{value}>{hint}")
        return node
    found = ed.find_label(value)
    if not found:
        raise CurationRejected(f"unknown {what}: no concept is labelled 「{value}」")
    if len(found) > 1:
        raise CurationRejected(f"{what} 「{value}」 names {len(found)} concepts; give an IRI: "
                               + ", ".join(f"<{n.value}>" for n in found))
    return found[0]


def prepare_decision(ed: Editor, request: dict, who: str, now: str | None = None) -> Decision:
    """Resolve and check a parsed request against the graph in `ed`, apply it there, and return the decision
    with its state before and after. CurationRejected when it names nothing or would change nothing."""
    c = _concept_arg(ed, request["concept"], "concept")
    action = request["action"]
    extra: dict = {}
    target_node = None
    if action == "merge":
        target_node = _concept_arg(ed, request["into"], "concept to merge into")
        if target_node == c:
            raise CurationRejected("a concept cannot be merged into itself")
        extra["into"] = target_node.value
    elif action in ("relate", "unrelate"):
        extra["type"] = request["type"]
        if request["type"] in CONCEPT_RELATIONS:
            target_node = _concept_arg(ed, request["target"], "target concept")
            if target_node == c:
                raise CurationRejected("a concept cannot be related to itself")
            extra["target"] = target_node.value
        else:
            target = request["target"]
            if target.startswith(("http://", "https://", "urn:")):
                target_node = _concept_arg(ed, target, "target concept")
                pref = _pref_of(ed, target_node)
                if pref is None:
                    raise CurationRejected(f"<{target}> has no preferred label")
                target = pref.value
            extra["target"] = target
    elif action == "choose":
        offered = {o.value for o in ed.objects(c, CANDIDATE)} | {o.value for o in ed.objects(c, ALT)} | {
            text.value for k in ed.objects(c, HEADWORD_CANDIDATE) for text in ed.objects(k, CANDIDATE_TEXT)}
        if request["label"] not in offered:
            raise CurationRejected(f"「{request['label']}」 is not a candidate of this concept; candidates: "
                                   + ("、".join(sorted(offered)) or "none") + " (use rename to type a name)")
    elif action == "split":
        files = sorted({file for _t, _g, file in ed.definitions(c)})
        if request["source"] not in files:
            raise CurationRejected(f"{request['source']} does not define this concept; its glossaries: "
                                   + (", ".join(files) or "none"))
        if len(files) < 2:
            raise CurationRejected("only one glossary defines this concept: there is nothing to split off")
    for name in ("label", "lang", "source"):
        if request.get(name) is not None:
            extra[name] = request[name]
    if action in ("rename", "choose", "split"):
        lang = request.get("lang") or "ja"
        for other in ed.subjects(PREF, ox.Literal(request["label"], language=lang)):
            if other != c and ed.is_concept(other):
                raise CurationRejected(f"「{request['label']}」 already names <{other.value}>; two concepts with one "
                                       "name cannot be told apart: merge them instead")
    before = ed.snapshot(c)
    decision = Decision(id=uuid.uuid4().hex, action=action, concept=c.value, who=who,
                        when=now or datetime.now(UTC).isoformat(timespec="seconds"), keys=ed.keys(c),
                        target_keys=ed.keys(target_node) if target_node is not None else (), **extra)
    try:
        touched = apply_decision(ed, decision)
    except NotApplicable as exc:
        raise CurationRejected(str(exc)) from exc
    after = ed.snapshot(c)
    if action == "split":
        after = {**after, "splitInto": touched[1].value, "new": ed.snapshot(touched[1])}
    if after == before:
        raise CurationRejected(f"this {action} changes nothing: the concept is already in that state")
    return Decision(**{**asdict(decision), "before": before, "after": after})


def working_copy(store: ox.Store, skip_graphs: Iterable[str] = ()) -> ox.Store:
    """An in-memory copy of our own graphs (loaded external vocabularies left out: decisions never edit them)."""
    skip = {ox.NamedNode(g) for g in skip_graphs}
    mem = ox.Store()
    mem.bulk_extend(q for q in store.quads_for_pattern(None, None, None, None) if q.graph_name not in skip)
    return mem


def export_records(settings: Settings) -> list[dict]:
    return [d.as_dict() for d in read_log(settings).decisions]


def read_records(path: Path) -> list[dict]:
    """An export file: JSON lines (as written by export) or one JSON array."""
    text = path.read_text(encoding="utf-8")
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        records = json.loads(stripped)
        if not isinstance(records, list):
            raise InvalidRequest(f"{path}: not a list of decisions")
        return records
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise InvalidRequest(f"{path}:{number}: not JSON ({exc}); nothing was imported") from exc
    return out




def own_quads(store_path: Path, skip_graphs: Iterable[str] = ()) -> bytes:
    """N-Quads of a built store without the loaded external vocabularies (for a remote store)."""
    store = ox.Store.read_only(str(store_path))
    try:
        return serialized(working_copy(store, skip_graphs).dump(format=ox.RdfFormat.N_QUADS))
    finally:
        del store
