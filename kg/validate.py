"""`python -m kg validate`: the SHACL shapes we promise (pyshacl) plus qSKOS-style whole-graph checks.

Three passes over one graph (the union of an artifact's graphs, or an RDF file):
1. ontology/shapes.ttl through pyshacl (core constraints; the few SPARQL ones target only the
   subjects of skos:related / kgo:antonym, so the corpus validates in about a second);
2. qSKOS-style checks as single SPARQL queries on an in-memory Oxigraph store (hierarchy cycles,
   undefined SKOS/kgo terms, overlapping labels, whitespace, provenance of unasserted statements);
3. skosify with its default options on a copy, as an independent SKOS tool: every warning it logs
   and every triple it would add or remove is a finding (a clean vocabulary is left unchanged).

A finding is one line: `focus node — shape/constraint — message`; violations make the exit status 1.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH, SKOS

from kg.errors import InvalidRequest
from kg.store import serialized, solutions_of
from ontology.namespace import KGO_IRI, ONTOLOGY_PATH

SHAPES_PATH = ONTOLOGY_PATH.with_name("shapes.ttl")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
ORDER = {"violation": 0, "warning": 1, "info": 2}
SKOS_TERMS = {
    "Concept", "ConceptScheme", "Collection", "OrderedCollection", "inScheme", "hasTopConcept", "topConceptOf",
    "prefLabel", "altLabel", "hiddenLabel", "notation", "note", "changeNote", "definition", "editorialNote",
    "example", "historyNote", "scopeNote", "semanticRelation", "broader", "narrower", "related",
    "broaderTransitive", "narrowerTransitive", "member", "memberList", "mappingRelation", "broadMatch",
    "narrowMatch", "relatedMatch", "exactMatch", "closeMatch",
}
SKOSXL_TERMS = {"Label", "literalForm", "prefLabel", "altLabel", "hiddenLabel", "labelRelation"}
P = f"""PREFIX skos: <{SKOS}>
PREFIX kgo: <{KGO_IRI}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
CYCLES = P + """SELECT DISTINCT ?focus ?value WHERE {
  ?focus (skos:broader|^skos:narrower) ?value . ?value (skos:broader|^skos:narrower)* ?focus }"""
TOP_WITH_BROADER = P + """SELECT DISTINCT ?focus ?value WHERE {
  { ?focus skos:topConceptOf ?s } UNION { ?s skos:hasTopConcept ?focus } ?focus skos:broader ?value }"""
VOCABULARY_TERMS = (
    "SELECT ?value (SAMPLE(?s) AS ?focus) WHERE {\n"
    "  { ?s ?value ?o } UNION { ?s a ?value }\n"
    '  FILTER(STRSTARTS(STR(?value), "http://www.w3.org/2004/02/skos/core#")\n'
    '         || STRSTARTS(STR(?value), "http://www.w3.org/2008/05/skos-xl#")\n'
    f'         || STRSTARTS(STR(?value), "{KGO_IRI}"))\n'
    "} GROUP BY ?value"
)
LABELS = P + """SELECT ?focus ?p ?value WHERE { ?focus a skos:Concept ; ?p ?value .
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel skos:definition } }"""
UNASSERTED = P + """SELECT ?focus ?p ?value ?pattern WHERE {
  ?x a kgo:Extraction ; rdf:subject ?focus ; rdf:predicate ?p ; rdf:object ?value .
  OPTIONAL { ?x kgo:pattern ?pattern } FILTER NOT EXISTS { ?focus ?p ?value } }"""


@dataclass(frozen=True)
class Finding:
    severity: str  # violation | warning | info
    focus: str
    check: str  # the shape's sh:name, or the qSKOS / skosify check
    constraint: str  # SHACL constraint component (MinCount, Disjoint, SPARQL…) or "qSKOS" / "skosify"
    message: str
    value: str = ""
    label: str = ""  # the focus node's prefLabel, for people

    def line(self) -> str:
        focus = f"{self.label} <{self.focus}>" if self.label else f"<{self.focus}>"
        value = f" [{self.value}]" if self.value else ""
        return f"{self.severity.upper()} {focus} — {self.check}/{self.constraint} — {self.message}{value}"


@dataclass
class Report:
    source: str
    triples: int
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def conforms(self) -> bool:
        return self.count("violation") == 0

    def checks(self, severity: str = "violation") -> set[str]:
        return {f.check for f in self.findings if f.severity == severity}

    def summary(self) -> str:
        by_check: dict[str, int] = defaultdict(int)
        for f in self.findings:
            by_check[f"{f.severity} {f.check}"] += 1
        detail = "".join(f"\n  {n:4d} {key}" for key, n in sorted(by_check.items(), key=lambda kv: (
            ORDER[kv[0].split()[0]], kv[0])))
        return (f"{self.source}: {self.triples} triples, {self.count('violation')} violations, "
                f"{self.count('warning')} warnings, {self.count('info')} infos in {self.seconds:.1f} s{detail}")


# --- loading ----------------------------------------------------------------------------------------

def ntriples_of_file(path: str | Path) -> bytes:
    """Any RDF file Oxigraph reads (Turtle, RDF/XML, JSON-LD, N-Triples, TriG, N-Quads) as the
    N-Triples of the union of its graphs."""
    path = Path(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower()) or ox.RdfFormat.TURTLE
    try:
        with path.open("rb") as handle:
            triples = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(handle, format=fmt)}
    except SyntaxError as exc:
        raise InvalidRequest(f"{path} is not readable as {fmt.name}: {exc}") from exc
    return serialized(ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES))


def ntriples_of_artifact(settings) -> tuple[bytes, str]:
    from kg.build import current_artifact_path
    from kg.errors import IndexNotReady
    from kg.store import GraphStore

    path = current_artifact_path(settings)
    if path is None:
        raise IndexNotReady("no built artifact yet: run `python -m kg build`")
    return GraphStore(path / "store").serialize("nt"), f"artifact {path.name}"


# --- the three passes ------------------------------------------------------------------------------

def _label(graph: Graph, node) -> str:
    if not isinstance(node, URIRef):
        return ""
    labels = list(graph.objects(node, SKOS.prefLabel)) or list(graph.objects(node, SKOSXL.literalForm))
    labels = labels or list(graph.objects(node, DCTERMS.title))
    labels = labels or list(graph.objects(node, URIRef(KGO_IRI + "fileName")))
    if not labels:
        subject = graph.value(node, RDF.subject)
        return f"extraction about {_label(graph, subject) or subject}" if subject is not None else ""
    ja = [lb for lb in labels if isinstance(lb, Literal) and lb.language == "ja"]
    return str(ja[0] if ja else sorted(labels, key=str)[0])


def _show(term) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return f'"{term}"@{term.language}' if term.language else f'"{term}"'
    return str(term)


def shacl_findings(graph: Graph, shapes: Graph | None = None) -> list[Finding]:
    import pyshacl

    shapes = shapes if shapes is not None else Graph().parse(SHAPES_PATH, format="turtle")
    _conforms, results, _text = pyshacl.validate(graph, shacl_graph=shapes, advanced=True, inference="none",
                                                 allow_warnings=True, inplace=True)
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(result, SH.sourceShape)
        name = shapes.value(shape, SH.name) or results.value(result, SH.sourceShape)
        component = str(results.value(result, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1]
        focus = results.value(result, SH.focusNode)
        message = results.value(result, SH.resultMessage) or shapes.value(shape, SH.message) or component
        findings.append(Finding(SEVERITY.get(results.value(result, SH.resultSeverity), "violation"), str(focus),
                                str(name), component.removesuffix("ConstraintComponent"), str(message),
                                _show(results.value(result, SH.value)), _label(graph, focus)))
    return findings


def _declared_kgo_terms() -> set[str]:
    onto = Graph().parse(ONTOLOGY_PATH, format="turtle")
    return {str(s)[len(KGO_IRI):] for s in onto.subjects() if str(s).startswith(KGO_IRI)}


def qskos_findings(graph: Graph, store: ox.Store) -> list[Finding]:
    def select(query: str) -> Iterator[dict]:
        result = solutions_of(store.query(query))
        names = [v.value for v in result.variables]
        for solution in result:
            yield {n: solution[n] for n in names if solution[n] is not None}

    def finding(severity: str, check: str, message: str, focus, value=None) -> Finding:
        node = URIRef(focus.value) if isinstance(focus, ox.NamedNode) else focus
        shown = value.value if isinstance(value, ox.NamedNode) else (
            f'"{value.value}"@{value.language}' if isinstance(value, ox.Literal) and value.language else
            (f'"{value.value}"' if value is not None else ""))
        return Finding(severity, getattr(focus, "value", str(focus)), check, "qSKOS", message, shown,
                       _label(graph, node))

    out: list[Finding] = []
    for r in select(CYCLES):
        out.append(finding("violation", "HierarchyCycle", "skos:broader / skos:narrower form a cycle (qSKOS "
                           "Cyclic Hierarchical Relations)", r["focus"], r["value"]))
    for r in select(TOP_WITH_BROADER):
        out.append(finding("warning", "TopConceptHasBroader", "a top concept has a skos:broader concept",
                           r["focus"], r["value"]))
    known = {"http://www.w3.org/2004/02/skos/core#": SKOS_TERMS, str(SKOSXL): SKOSXL_TERMS,
             KGO_IRI: _declared_kgo_terms()}
    for r in select(VOCABULARY_TERMS):
        iri = r["value"].value
        ns = next(n for n in known if iri.startswith(n))
        if iri[len(ns):] not in known[ns]:
            out.append(finding("violation", "UndefinedTerm", "uses a term its namespace does not define (qSKOS "
                               "Undefined SKOS Resources; kgo: terms live in ontology/kgo.ttl)",
                               r["focus"], r["value"]))
    pref: dict[tuple[str, str], set] = defaultdict(set)
    other: list[tuple] = []
    for r in select(LABELS):
        lit, prop = r["value"], r["p"].value.rsplit("#", 1)[-1]
        if isinstance(lit, ox.Literal) and (lit.value != lit.value.strip() or "  " in lit.value):
            out.append(finding("warning", "LabelWhitespace", f"skos:{prop} has leading, trailing or doubled "
                               "whitespace", r["focus"], lit))
        if not isinstance(lit, ox.Literal) or prop == "definition":
            continue
        key = (lit.value.strip().casefold(), (lit.language or "").lower())
        (pref[key].add(r["focus"]) if prop == "prefLabel" else other.append((key, r["focus"], lit, prop)))
    for (_text, _lang), concepts in pref.items():
        if len(concepts) > 1:
            for c in concepts:
                out.append(finding("warning", "OverlappingPrefLabels", f"{len(concepts)} concepts share this "
                                   "skos:prefLabel (qSKOS Overlapping Labels)", c, None))
    for key, concept, lit, prop in other:
        for owner in pref.get(key, ()):
            if owner != concept:
                out.append(finding("warning", "LabelIsOtherPrefLabel", f"skos:{prop} is the prefLabel of another "
                                   f"concept <{owner.value}> (unmerged synonym or wrong link?)", concept, lit))
    for r in select(UNASSERTED):
        pattern = r["pattern"].value if "pattern" in r else "?"
        out.append(finding("warning", "ExtractionNotAsserted", f"a kgo:Extraction (pattern {pattern}) records "
                           f"{_show_ox(r['p'])} of a statement the graph does not make", r["focus"], r["value"]))
    return out


def _show_ox(term) -> str:
    value = term.value
    for prefix, ns in (("skos:", "http://www.w3.org/2004/02/skos/core#"), ("kgo:", KGO_IRI)):
        if value.startswith(ns):
            return prefix + value[len(ns):]
    return f"<{value}>"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _captured_root_log() -> Iterator[_Capture]:
    """skosify reports through the root logger; collect its warnings instead of printing them."""
    root = logging.getLogger()
    capture = _Capture()
    handlers, level = root.handlers[:], root.level
    root.handlers = [capture]
    root.setLevel(logging.WARNING)
    try:
        yield capture
    finally:
        root.handlers = handlers
        root.setLevel(level)


def skosify_findings(graph: Graph) -> list[Finding]:
    import skosify

    schemes = sorted(str(s) for s in graph.subjects(RDF.type, SKOS.ConceptScheme)) or [""]
    with _captured_root_log() as capture:
        normalised = skosify.skosify(graph)
    out = []
    for record in capture.records:
        focus = next((a for a in (record.args or ()) if isinstance(a, URIRef)), URIRef(schemes[0]))
        out.append(Finding("violation" if record.levelno >= logging.ERROR else "warning", str(focus), "skosify",
                           "skosify", record.getMessage(), "", _label(graph, focus)))
    added, removed = set(normalised) - set(graph), set(graph) - set(normalised)
    for verb, triples in (("add", added), ("remove", removed)):
        if triples:
            s, p, o = sorted(triples)[0]
            out.append(Finding("warning", str(s), "skosify", "skosify", f"skosify would {verb} {len(triples)} "
                               f"triples, e.g. {p.n3()} {_show(o)}", "", _label(graph, s)))
    return out


def validate_ntriples(nt: bytes, source: str, *, shapes: Graph | None = None, use_skosify: bool = True) -> Report:
    started = time.perf_counter()
    graph = Graph().parse(data=nt, format="nt")
    store = ox.Store()
    store.load(nt, format=ox.RdfFormat.N_TRIPLES)
    report = Report(source, len(graph))
    report.findings += qskos_findings(graph, store)
    if use_skosify:
        report.findings += skosify_findings(graph)
    report.findings += shacl_findings(graph, shapes)
    report.findings.sort(key=lambda f: (ORDER[f.severity], f.check, f.label, f.focus, f.value))
    report.seconds = time.perf_counter() - started
    return report


def validate_file(path: str | Path, **kwargs) -> Report:
    return validate_ntriples(ntriples_of_file(path), str(path), **kwargs)


def validate_artifact(settings, **kwargs) -> Report:
    nt, source = ntriples_of_artifact(settings)
    return validate_ntriples(nt, source, **kwargs)
