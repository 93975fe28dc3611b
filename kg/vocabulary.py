"""Skosmos REST v1 views of one artifact: search, lookup, labels, property views and RDF data.

Every function takes the artifact's GraphStore (trusted SPARQL only) and returns a JSON-ready dict
with the keys and `@context` terms of Skosmos' RestController (NatLibFi/Skosmos), so a Skosmos
client reads ours unchanged. Extensions keep the same shapes: `antonym` is a property view like
`related` (kgo:antonym), `abbreviation` lists the concept's SKOS-XL short-form labels.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import InvalidRequest, NotFound
from kg.store import DATASET_FORMATS, FORMAT_ALIASES, GRAPH_FORMATS, GraphStore
from ontology.namespace import KGO as KGO_TERMS
from search.normalize import loose_key

SKOS = "http://www.w3.org/2004/02/skos/core#"
KGO = str(KGO_TERMS)  # the namespace IRI as text, for SPARQL prefixes and JSON-LD contexts
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
ONKI = "http://schema.onki.fi/onki#"
P = f"""PREFIX skos: <{SKOS}>
PREFIX skosxl: <{SKOSXL}>
PREFIX kgo: <{KGO}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX lexinfo: <http://www.lexinfo.net/ontology/3.0/lexinfo#>
"""
TYPE_ROWS = P + "SELECT ?c ?t WHERE { ?c a skos:Concept ; a ?t }"
SCHEME_ROWS = P + """SELECT ?s ?title ?lang WHERE { ?s a skos:ConceptScheme .
  OPTIONAL { ?s dct:title ?title } OPTIONAL { ?s dct:language ?lang } }"""
OBJECTS = "SELECT ?c ?p ?o WHERE { ?c ?p ?o }"
ABBREVIATIONS = P + """SELECT ?c ?s ?short ?long ?lform ?type WHERE {
  ?c skosxl:altLabel ?s . ?s a kgo:Abbreviation ; skosxl:literalForm ?short ; kgo:abbreviationOf ?long .
  ?long skosxl:literalForm ?lform . OPTIONAL { ?s lexinfo:termType ?type } } ORDER BY ?short"""
WITHIN = P + "SELECT ?parent ?c WHERE { ?c a skos:Concept ; (skos:broader|^skos:narrower)+ ?parent }"
MEMBERS = P + "SELECT ?group ?c WHERE { ?group skos:member ?c }"

# Skosmos' own context terms (RestController::$context and friends).
BASE_CONTEXT = {"skos": SKOS, "uri": "@id", "type": "@type"}
LABEL_TERMS = {"prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"}
SEARCH_CONTEXT = {"skos": SKOS, "isothes": "http://purl.org/iso25964/skos-thes#", "onki": ONKI, "uri": "@id",
                  "type": "@type", "results": {"@id": "onki:results", "@container": "@list"}, **LABEL_TERMS}
DATA_CONTEXT = {"skos": SKOS, "isothes": "http://purl.org/iso25964/skos-thes#",
                "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "owl": "http://www.w3.org/2002/07/owl#",
                "dct": "http://purl.org/dc/terms/", "dc11": "http://purl.org/dc/elements/1.1/",
                "uri": "@id", "type": "@type", "lang": "@language", "value": "@value", "graph": "@graph",
                "label": "rdfs:label", **LABEL_TERMS, "broader": "skos:broader", "narrower": "skos:narrower",
                "related": "skos:related", "inScheme": "skos:inScheme", "exactMatch": "skos:exactMatch",
                "closeMatch": "skos:closeMatch", "broadMatch": "skos:broadMatch", "narrowMatch": "skos:narrowMatch",
                "relatedMatch": "skos:relatedMatch", "kgo": KGO, "skosxl": SKOSXL, "antonym": "kgo:antonym"}
# Concept-to-concept views (`/{vocid}/{name}?uri=`) and the `fields=` values search accepts.
PROPERTY_VIEWS = {"broader": SKOS + "broader", "narrower": SKOS + "narrower", "related": SKOS + "related",
                  "antonym": KGO + "antonym"}
LITERAL_FIELDS = {name: SKOS + name for name in ("altLabel", "hiddenLabel", "definition", "scopeNote", "note",
                                                 "example", "editorialNote", "historyNote", "changeNote", "notation")}
RESOURCE_FIELDS = {**PROPERTY_VIEWS, **{name: SKOS + name for name in (
    "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch", "inScheme", "topConceptOf")}}
SEARCH_FIELDS = sorted(["prefLabel", *LITERAL_FIELDS, *RESOURCE_FIELDS])
PRIORITY = {"prefLabel": 1, "altLabel": 3, "hiddenLabel": 7}  # Skosmos: +1 when not in the display language


def _short(iri: str) -> str:
    for prefix, ns in (("skos", SKOS), ("kgo", KGO), ("skosxl", SKOSXL)):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _pick(by_lang: dict[str, str], *langs: str | None) -> tuple[str, str] | None:
    """(value, tag) for the first language that has a value, else any value."""
    for lang in langs:
        for tag, value in by_lang.items():
            if lang and _lang_matches(tag, lang):
                return value, tag
    return next(((v, t) for t, v in sorted(by_lang.items())), None)


def _lang_matches(tag: str | None, wanted: str | None) -> bool:
    """SPARQL LANGMATCHES: `en` matches `en` and `en-GB`; no wanted language matches everything."""
    if not wanted:
        return True
    tag = (tag or "").lower()
    return tag == wanted.lower() or tag.startswith(wanted.lower() + "-")


@dataclass(frozen=True)
class Label:
    uri: str
    prop: str  # prefLabel | altLabel | hiddenLabel
    value: str
    lang: str
    key: str  # loose_key(value)


@dataclass
class Vocabulary:
    """The labels, types and scheme of one store, read once and cached per store."""

    labels: list[Label] = field(default_factory=list)
    pref: dict[str, dict[str, str]] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    scheme: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    jsonld: bytes | None = None
    _sorted_keys: list[str] | None = field(default=None, repr=False)
    _sorted_labels: list[Label] | None = field(default=None, repr=False)

    def candidates(self, query: str) -> Sequence[Label]:
        """Labels that can match a Skosmos pattern: a key range for `abc*` and `abc`, else all of them.

        A scan with a regex per label costs 170 ms at 40k concepts; the range is a bisection, so
        search-as-you-type stays fast at any size.
        """
        parts = re.sub(r"\*+", "*", query.strip()).split("*")
        if len(parts) > 2 or (len(parts) == 2 and parts[1]) or not parts[0].strip():
            return self.labels
        if self._sorted_keys is None:
            self._sorted_labels = sorted(self.labels, key=lambda lb: lb.key)
            self._sorted_keys = [lb.key for lb in self._sorted_labels]
        if self._sorted_labels is None:
            raise RuntimeError("labels sorted without their keys")
        start = loose_key(parts[0])
        lo = bisect.bisect_left(self._sorted_keys, start)
        # Every key that starts with `start` sorts below start + the last code point.
        end = start if len(parts) == 1 else start + "\U0010ffff"
        hi = bisect.bisect_right(self._sorted_keys, end, lo)
        return self._sorted_labels[lo:hi]

    @property
    def default_language(self) -> str:
        return "ja" if "ja" in self.languages or not self.languages else self.languages[0]

    def pref_label(self, uri: str, *langs: str | None) -> tuple[str, str] | None:
        """The prefLabel in the first of langs that has one, else the default language's, else any."""
        return _pick(self.pref.get(uri, {}), *langs, self.default_language)

    def title(self, lang: str | None, fallback: str) -> str:
        found = _pick(self.titles, lang, self.default_language)
        return found[0] if found else fallback

    def require(self, uri: str) -> None:
        if uri not in self.types:
            raise NotFound(f"Could not find concept <{uri}>")


_CACHE: weakref.WeakKeyDictionary[GraphStore, dict[str | None, Vocabulary]] = weakref.WeakKeyDictionary()


class Scope(Protocol):
    """One vocabulary of the artifact (kg.vocabularies.VocabularyInfo): its concepts, scheme and titles."""

    id: str
    title: dict[str, str]
    languages: tuple[str, ...]

    @property
    def scheme(self) -> str: ...

    @property
    def loaded(self) -> bool: ...

    def owns(self, uri: str) -> bool: ...


def vocabulary(store: GraphStore, scope: Scope | None = None) -> Vocabulary:
    """The labels, types and scheme of the whole store, or of one of its vocabularies (scope)."""
    cached = _CACHE.setdefault(store, {})
    key = scope.id if scope is not None else None
    voc = cached.get(key)
    if voc is None and scope is not None:
        voc = _scoped(vocabulary(store), scope)
        cached[key] = voc
    if voc is None:
        voc = Vocabulary()
        for uri, prop, value, lang, key in store.label_rows():
            label = Label(uri, prop, value, lang, key)
            voc.labels.append(label)
            if label.prop == "prefLabel":
                voc.pref.setdefault(label.uri, {})[label.lang] = value
        for row in store.select(TYPE_ROWS):
            voc.types.setdefault(row["c"][0], []).append(_short(row["t"][0]))
        for row in store.select(SCHEME_ROWS):
            voc.scheme = voc.scheme or row["s"][0]
            if "title" in row:
                voc.titles[row["title"][1] or ""] = row["title"][0]
            if "lang" in row and row["lang"][0] not in voc.languages:
                voc.languages = sorted([*voc.languages, row["lang"][0]])
        cached[None] = voc
    return voc


def _scoped(whole: Vocabulary, scope: Scope) -> Vocabulary:
    """One vocabulary's part of the store's labels and types, with its own scheme, titles and languages."""
    voc = Vocabulary(labels=[lb for lb in whole.labels if scope.owns(lb.uri)],
                     pref={u: v for u, v in whole.pref.items() if scope.owns(u)},
                     types={u: t for u, t in whole.types.items() if scope.owns(u)},
                     scheme="" if scope.loaded else scope.scheme, titles=dict(scope.title))
    langs = sorted(scope.languages) if not scope.loaded else sorted({lb.lang for lb in voc.labels if lb.lang})
    voc.languages = langs or whole.languages
    return voc


def _vocab_id(vocid: str | Callable[[str], str], uri: str) -> str:
    return vocid if isinstance(vocid, str) else vocid(uri)


def check_language(voc: Vocabulary, lang: str | None) -> str | None:
    if lang and not any(_lang_matches(tag, lang) for tag in voc.languages):
        raise InvalidRequest(f"unsupported language {lang!r}; this vocabulary has {', '.join(voc.languages)}")
    return lang or None


# --- vocabulary list and information --------------------------------------------------------------

def vocabularies(store: GraphStore, scopes: Sequence[Scope], lang: str | None) -> dict:
    """GET /rest/v1/vocabularies: every vocabulary of the artifact with its title in lang."""
    items = []
    for scope in scopes:
        title = vocabulary(store, scope).title(lang, scope.id)
        items.append({"uri": scope.id, "id": scope.id, "title": title})
    return {"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "onki": ONKI,
                         "title": {"@id": "rdfs:label", "@language": lang or vocabulary(store).default_language},
                         "vocabularies": "onki:hasVocabulary", "id": "onki:vocabularyIdentifier", "uri": "@id"},
            "uri": "", "vocabularies": items}


def vocabulary_info(store: GraphStore, scope: Scope, lang: str | None) -> dict:
    voc = vocabulary(store, scope)
    vocid = scope.id
    lang = lang or voc.default_language
    title = voc.title(lang, vocid)
    return {"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": SKOS, "onki": ONKI,
                         "dct": "http://purl.org/dc/terms/", "uri": "@id", "type": "@type",
                         "conceptschemes": "onki:hasConceptScheme", "id": "onki:vocabularyIdentifier",
                         "defaultLanguage": "onki:defaultLanguage", "languages": "onki:language",
                         "label": "rdfs:label", "prefLabel": "skos:prefLabel", "title": "dct:title",
                         "@language": lang},
            "uri": "", "id": vocid, "title": title, "defaultLanguage": voc.default_language,
            "languages": voc.languages, "conceptschemes": [{"uri": voc.scheme, "type": "skos:ConceptScheme",
                                                            "title": title}]}


# --- search and lookup ----------------------------------------------------------------------------

def _matcher(query: str):
    """Skosmos' grammar on normalised text: `*` is any run of characters, no `*` is an exact match.

    Matching is case-, width-, kana- and long-vowel-insensitive (loose_key), so `かす*` finds カスタマー.
    """
    parts = [loose_key(p) for p in re.sub(r"\*+", "*", query.strip()).split("*")]
    pattern = re.compile("^" + ".*".join(re.escape(p) for p in parts) + "$", re.S)
    return lambda key: bool(pattern.match(key))


@dataclass(frozen=True)
class SearchParams:
    query: str
    lang: str | None = None
    labellang: str | None = None
    maxhits: int = 100
    offset: int = 0
    unique: bool = False
    fields: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    parent: str | None = None
    group: str | None = None


def parse_fields(raw: str | None) -> tuple[str, ...]:
    fields = tuple(f for f in (raw or "").replace(",", " ").split() if f)
    unknown = [f for f in fields if f not in SEARCH_FIELDS]
    if unknown:
        raise InvalidRequest(f"unsupported fields {' '.join(unknown)}; supported: {' '.join(SEARCH_FIELDS)}")
    return fields


def _row(voc: Vocabulary, label: Label, display: str | None, vocid: str | Callable[[str], str],
         base: str | None) -> dict:
    """One Skosmos search hit: display prefLabel plus the label that matched when it is another one."""
    pref = voc.pref_label(label.uri, display, label.lang)
    row: dict = {"uri": label.uri, "type": voc.types.get(label.uri, ["skos:Concept"])}
    if base and label.uri.startswith(base):
        row["localname"] = label.uri[len(base):]
    if pref:
        row["prefLabel"], row["lang"] = pref
    if label.prop == "prefLabel" and pref and label.value != pref[0]:
        row["matchedPrefLabel"], row["lang"] = label.value, label.lang
    elif label.prop in ("altLabel", "hiddenLabel"):
        row[label.prop], row["lang"] = label.value, label.lang
    row["vocab"] = _vocab_id(vocid, label.uri)
    return row


def _restrict(store: GraphStore, params: SearchParams) -> set[str] | None:
    allowed: set[str] | None = None
    for var, value, query in (("parent", params.parent, WITHIN), ("group", params.group, MEMBERS)):
        if value:
            try:
                node = ox.NamedNode(value)
            except ValueError as exc:
                raise InvalidRequest(f"{var} must be an IRI") from exc
            found = {r["c"][0] for r in store.select(query, **{var: node})}
            allowed = found if allowed is None else allowed & found
    return allowed


def search(store: GraphStore, params: SearchParams, vocid: str | Callable[[str], str], base: str | None = None,
           scope: Scope | None = None) -> dict:
    """GET /rest/v1/search: label matches ordered like Skosmos (matched label, then language); vocid is the
    vocabulary's id, or for a search across vocabularies a function from concept IRI to id."""
    voc = vocabulary(store, scope)
    display = params.labellang or params.lang
    match = _matcher(params.query)
    everything = not params.query.replace("*", "").strip()
    allowed = _restrict(store, params)
    wanted_types = {_short(t) for t in params.types}
    hits = [lb for lb in voc.candidates(params.query)
            if _lang_matches(lb.lang, params.lang) and (not everything or lb.prop == "prefLabel")
            and (allowed is None or lb.uri in allowed)
            and (not wanted_types or wanted_types & set(voc.types.get(lb.uri, ())))
            and match(lb.key)]

    def rank(lb: Label) -> tuple:
        return PRIORITY[lb.prop] + (0 if _lang_matches(lb.lang, display) else 1), lb.lang, lb.value

    if params.unique:
        best: dict[str, Label] = {}
        for lb in hits:
            if lb.uri not in best or rank(lb) < rank(best[lb.uri]):
                best[lb.uri] = lb
        hits = list(best.values())
    hits.sort(key=lambda lb: (lb.value.lower(), lb.lang, PRIORITY[lb.prop], lb.uri))
    page = hits[params.offset: params.offset + params.maxhits]
    results = [_row(voc, lb, display, vocid, base) for lb in page]
    context = dict(SEARCH_CONTEXT)
    for name in params.fields:
        _add_field(store, voc, results, name, display, context)
    if display:
        context["@language"] = display
    return {"@context": context, "uri": "", "results": results}


def _add_field(store: GraphStore, voc: Vocabulary, results: list[dict], name: str, lang: str | None,
               context: dict) -> None:
    """Skosmos `fields=`: resources as [{uri, prefLabel}], literals in the display language."""
    if name == "prefLabel":
        context["prefLabels"] = {"@id": "skos:prefLabel", "@container": "@language"}
        for row in results:
            row["prefLabels"] = dict(sorted(voc.pref.get(row["uri"], {}).items()))
        return
    iri = RESOURCE_FIELDS.get(name) or LITERAL_FIELDS[name]
    context[name] = _short(iri)
    if name == "antonym":
        context["kgo"] = KGO
    for row in results:
        values: list[dict[str, str] | str] = []  # resources as {uri, prefLabel}, literals as their text
        for r in store.select(OBJECTS, c=ox.NamedNode(row["uri"]), p=ox.NamedNode(iri)):
            value, tag = r["o"]
            if name in RESOURCE_FIELDS:
                pref = voc.pref_label(value, lang)
                values.append({"uri": value, **({"prefLabel": pref[0]} if pref else {})})
            elif _lang_matches(tag, lang or voc.default_language) or not tag:
                values.append(value)
        if values:
            row[name] = sorted(values, key=str) if name not in RESOURCE_FIELDS else values


def lookup(store: GraphStore, label: str, lang: str | None, vocid: str | Callable[[str], str],
           base: str | None = None, scope: Scope | None = None) -> dict:
    """GET /rest/v1/{vocid}/lookup: Skosmos precedence (exact prefLabel, then case-insensitive, then
    altLabel) with our normalisation as the loose tier and hiddenLabel (kana readings) last."""
    voc = vocabulary(store, scope)
    key, folded = loose_key(label), label.strip().casefold()
    candidates = [lb for lb in voc.labels if lb.key == key and _lang_matches(lb.lang, lang)]
    if not candidates:
        raise NotFound(f"Could not find label '{label}'")

    def tier(lb: Label) -> int:  # pref < alt < hidden; exact < case-insensitive < normalised
        return 3 * PRIORITY[lb.prop] + (0 if lb.value == label else 1 if lb.value.casefold() == folded else 2)

    best = min(map(tier, candidates))
    hits = [lb for lb in candidates if tier(lb) == best]
    seen, result = set(), []
    for lb in sorted(hits, key=lambda x: (x.uri, x.lang)):
        if lb.uri in seen:
            continue
        seen.add(lb.uri)
        row = _row(voc, lb, lang or (lb.lang if lb.prop == "prefLabel" else None), vocid, base)
        if lb.prop == "prefLabel":  # Skosmos 1A: the prefLabel that matched is the one returned
            row.pop("matchedPrefLabel", None)
            row["prefLabel"], row["lang"] = lb.value, lb.lang
        result.append(row)
    context = {**BASE_CONTEXT, "onki": ONKI, "results": {"@id": "onki:results"}, **LABEL_TERMS}
    if lang:
        context["@language"] = lang
    return {"@context": context, "result": result}


# ?c is projected: pyoxigraph substitutes only projected variables (otherwise it raises).
HEADWORD_STATUS = P + "SELECT ?c ?s WHERE { ?c kgo:headwordStatus ?s }"


def headword_status(store: GraphStore, uri: str) -> str:
    """stated | recovered | confirmed: whether a glossary, the machine or a curator named the concept."""
    rows = store.select(HEADWORD_STATUS, c=ox.NamedNode(uri))
    statuses = {r["s"][0] for r in rows}
    # A curator's confirmation is stated beside the build's status; it wins.
    return "confirmed" if "confirmed" in statuses else next(iter(statuses), "stated")


def suggest_results(store: GraphStore, hits, vocid: str | Callable[[str], str], lang: str | None) -> list[dict]:
    """Annif-style rows (uri, label, score) plus our prefLabel, matchedLabel and per-signal scores;
    with `lang`, label and prefLabel are in that language where the concept has one."""
    voc = vocabulary(store)
    rows = []
    for hit in hits:
        row = {**hit.as_dict(), "vocab": _vocab_id(vocid, hit.uri), "label": hit.pref_label,
               "status": headword_status(store, hit.uri)}
        pref = voc.pref_label(hit.uri, lang) if lang else None
        if pref and _lang_matches(pref[1], lang):
            row["prefLabel"] = row["label"] = pref[0]
            row["lang"] = pref[1]
        rows.append(row)
    return rows


# --- per-concept views ----------------------------------------------------------------------------

def labels(store: GraphStore, uri: str, lang: str | None, scope: Scope | None = None) -> dict:
    """GET /rest/v1/{vocid}/label: the concept's labels in one language (default: the vocabulary's)."""
    voc = vocabulary(store, scope)
    voc.require(uri)
    lang = lang or voc.default_language
    out: dict = {"@context": {**BASE_CONTEXT, **LABEL_TERMS, "@language": lang}, "uri": uri}
    mine = [lb for lb in voc.labels if lb.uri == uri and _lang_matches(lb.lang, lang)]
    pref = [lb.value for lb in mine if lb.prop == "prefLabel"]
    if pref:
        out["prefLabel"] = pref[0]
    for prop in ("altLabel", "hiddenLabel"):
        values = sorted(lb.value for lb in mine if lb.prop == prop)
        if values:
            out[prop] = values
    return out


def property_view(store: GraphStore, uri: str, name: str, lang: str | None, scope: Scope | None = None) -> dict:
    """GET /rest/v1/{vocid}/related (broader, narrower, antonym): {uri, <name>: [{uri, prefLabel}]}."""
    voc = vocabulary(store, scope)
    voc.require(uri)
    lang = lang or voc.default_language
    items = []
    for r in store.select(OBJECTS, c=ox.NamedNode(uri), p=ox.NamedNode(PROPERTY_VIEWS[name])):
        target = r["o"][0]
        pref = voc.pref_label(target, lang)
        items.append({"uri": target, **({"prefLabel": pref[0]} if pref else {})})
    items.sort(key=lambda x: (x.get("prefLabel", ""), x["uri"]))
    context = {**BASE_CONTEXT, "prefLabel": "skos:prefLabel", name: _short(PROPERTY_VIEWS[name]), "@language": lang}
    if name == "antonym":
        context["kgo"] = KGO
    return {"@context": context, "uri": uri, name: items}


def abbreviations(store: GraphStore, uri: str, scope: Scope | None = None) -> dict:
    """GET /rest/v1/{vocid}/abbreviation: one item per link from a short-form SKOS-XL label to a long form it
    abbreviates (AHT abbreviates both 平均処理時間 and Average Handling Time)."""
    voc = vocabulary(store, scope)
    voc.require(uri)
    items = []
    for r in store.select(ABBREVIATIONS, c=ox.NamedNode(uri)):
        item = {"uri": r["s"][0], "type": ["kgo:Abbreviation"], "literalForm": r["short"][0],
                "lang": r["short"][1] or "",
                "abbreviationOf": {"uri": r["long"][0], "literalForm": r["lform"][0], "lang": r["lform"][1] or ""}}
        if "type" in r:
            item["termType"] = r["type"][0].rsplit("#", 1)[-1]
        items.append(item)
    context = {**BASE_CONTEXT, "skosxl": SKOSXL, "kgo": KGO, "abbreviation": "skosxl:altLabel",
               "literalForm": "skosxl:literalForm", "abbreviationOf": {"@id": "kgo:abbreviationOf"},
               "termType": "http://www.lexinfo.net/ontology/3.0/lexinfo#termType"}
    return {"@context": context, "uri": uri, "abbreviation": items}


# --- RDF data -------------------------------------------------------------------------------------

def data(store: GraphStore, fmt: str, uri: str | None = None, prefixes: dict | None = None,
         graphs: Sequence[str] | None = None, scope: Scope | None = None) -> bytes:
    """The whole dataset (no uri; with graphs, only those named graphs: one vocabulary) or one concept in an
    RDF format; JSON-LD is compacted with Skosmos' data context (uri, type, lang, value, prefLabel, related…)."""
    voc = vocabulary(store, scope)
    if uri:
        voc.require(uri)
    whole = uri is None and graphs is not None
    if fmt != "json-ld":
        if whole:
            return serialize_graphs(store, fmt, graphs or (), prefixes)
        return store.serialize(fmt, prefixes=prefixes, subject=uri)
    if uri is None and voc.jsonld is not None:
        return voc.jsonld
    nt = serialize_graphs(store, "nt", graphs or ()) if whole else store.serialize("nt", subject=uri)
    graph = Graph().parse(data=nt, format="nt")
    context = {**{k: v for k, v in (prefixes or {}).items() if k not in DATA_CONTEXT}, **DATA_CONTEXT}
    out = graph.serialize(format="json-ld", context=context, encoding="utf-8")
    if uri is None:
        voc.jsonld = out
    return out


def serialize_graphs(store: GraphStore, fmt: str, graphs: Sequence[str], prefixes: dict | None = None) -> bytes:
    """Some named graphs of the store (one vocabulary's): as a dataset (TriG, N-Quads) or their union."""
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    nodes = [ox.NamedNode(g) for g in graphs]
    if fmt in DATASET_FORMATS:
        quads = [q for node in nodes for q in store.raw.quads_for_pattern(None, None, None, node)]
        return ox.serialize(quads, format=DATASET_FORMATS[fmt][0]) or b""
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for node in nodes
                      for q in store.raw.quads_for_pattern(None, None, None, node)}, key=str)
    use = prefixes if prefixes and fmt in ("turtle", "xml") else None
    return ox.serialize(triples, format=GRAPH_FORMATS[fmt][0], prefixes=use) or b""
