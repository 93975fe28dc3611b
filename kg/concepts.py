"""Trusted, parameterised queries that describe concepts (labels, definitions with sources, relations)."""

from __future__ import annotations

from typing import ClassVar

import pyoxigraph as ox

from kg.errors import NotFound
from kg.store import GraphStore
from ontology.namespace import KGO
from search.normalize import loose_key

P = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
PREFIX kgo: <{KGO}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
LABELS = P + """SELECT ?c ?p ?o WHERE { ?c ?p ?o . VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel
  kgo:reading kgo:candidateLabel } }"""
META = P + """SELECT ?c ?p ?o WHERE { ?c ?p ?o . VALUES ?p { kgo:headwordConfidence kgo:headwordEvidence
  kgo:headwordStatus skos:editorialNote rdf:type kgo:definedIn skos:inScheme } }"""
CANDIDATES = P + """SELECT ?c ?text ?score ?evidence ?rank WHERE {
  ?c kgo:headwordCandidate ?k . ?k kgo:candidateText ?text ; kgo:candidateScore ?score ;
  kgo:candidateEvidence ?evidence ; kgo:candidateRank ?rank } ORDER BY ?rank"""
DEFINITIONS = P + """SELECT ?c ?text ?doc ?file ?start ?end WHERE {
  ?c skos:definition ?text .
  OPTIONAL { ?x rdf:subject ?c ; rdf:predicate skos:definition ; rdf:object ?text ; dct:source ?doc ;
             kgo:lineStart ?start ; kgo:lineEnd ?end . OPTIONAL { ?doc kgo:fileName ?file } }
} ORDER BY ?file ?start"""
RELATIONS = P + """SELECT ?c ?kind ?target ?label ?evidence ?pattern ?file ?start WHERE {
  { ?c kgo:antonym ?target BIND("antonym" AS ?kind) }
  UNION { ?c skos:related ?target FILTER NOT EXISTS { ?c kgo:antonym ?target } BIND("related" AS ?kind) }
  OPTIONAL { ?target skos:prefLabel ?label FILTER(LANG(?label) = "ja" || LANG(?label) = "") }
  OPTIONAL { ?x rdf:subject ?s ; rdf:object ?o ; kgo:evidence ?evidence ; kgo:pattern ?pattern ; dct:source ?doc ;
             kgo:lineStart ?start . ?doc kgo:fileName ?file .
             FILTER((?s = ?c && ?o = ?target) || (?s = ?target && ?o = ?c)) }
}"""
ABBREVIATIONS = P + """SELECT ?c ?short ?long WHERE {
  ?c skosxl:altLabel ?s . ?s a kgo:Abbreviation ; skosxl:literalForm ?short ; kgo:abbreviationOf ?l .
  ?l skosxl:literalForm ?long }"""
LABEL_EVIDENCE = P + """SELECT ?c ?label ?evidence ?pattern ?file ?start WHERE {
  ?x rdf:subject ?c ; rdf:predicate ?p ; rdf:object ?label ; kgo:evidence ?evidence ; kgo:pattern ?pattern ;
     dct:source ?doc ; kgo:lineStart ?start . ?doc kgo:fileName ?file .
  VALUES ?p { skos:altLabel skos:prefLabel } }"""


def _sub(uri: str) -> dict:
    return {"c": ox.NamedNode(uri)}


REPLACED_BY = P + "SELECT ?c ?new WHERE { ?c dct:isReplacedBy ?new }"
_MAX_HOPS = 10  # merged, then merged again: a chain, never a loop worth following further


def replacement_of(store: GraphStore, uri: str) -> str | None:
    """The concept a retired IRI now lives in (dct:isReplacedBy, followed to a live concept), or None.

    A rebuild retires the IRI of an entry merged into another, and a curator's merge the merged
    concept's: links and bookmarks to the old IRI should land on the survivor.
    """
    seen = {uri}
    current = uri
    for _ in range(_MAX_HOPS):
        try:
            node = ox.NamedNode(current)
        except ValueError:
            return None
        found = sorted(row["new"][0] for row in store.select(REPLACED_BY, c=node))
        if not found or found[0] in seen:
            return None
        current = found[0]
        if store.select(LABELS, c=ox.NamedNode(current)):
            return current
        seen.add(current)
    return None


def describe_concept(store: GraphStore, uri: str) -> dict:
    """Everything a concept page or the REST API shows about one concept."""
    try:
        node = ox.NamedNode(uri)
    except ValueError as exc:
        raise NotFound(f"not a valid concept IRI: {uri}") from exc
    labels = store.select(LABELS, c=node)
    if not labels:
        raise NotFound(f"Could not find concept <{uri}>")
    out: dict = {"uri": uri, "prefLabel": {}, "altLabel": [], "hiddenLabel": [], "reading": [], "candidateLabel": []}
    for row in labels:
        prop = row["p"][0].rsplit("#", 1)[-1]
        value, lang = row["o"]
        if prop == "prefLabel":
            out["prefLabel"][lang or ""] = value
        else:
            out[prop].append({"value": value, "lang": lang} if prop == "altLabel" else value)
    meta = store.select(META, c=node)
    out["headwordConfidence"] = next((float(r["o"][0]) for r in meta if r["p"][0].endswith("headwordConfidence")), 1.0)
    out["headwordEvidence"] = next((r["o"][0] for r in meta if r["p"][0].endswith("headwordEvidence")), "")
    # stated | recovered | confirmed (a curator's decision); graphs built before statuses existed say nothing.
    statuses = {r["o"][0] for r in meta if r["p"][0].endswith("headwordStatus")}
    out["status"] = "confirmed" if "confirmed" in statuses else next(
        iter(statuses), "stated" if out["headwordConfidence"] >= 1 else "recovered")
    out["candidates"] = [{"label": r["text"][0], "score": float(r["score"][0]), "evidence": r["evidence"][0]}
                         for r in sorted(store.select(CANDIDATES, c=node), key=lambda r: int(r["rank"][0]))]
    out["notes"] = [r["o"][0] for r in meta if r["p"][0].endswith("editorialNote") and r["o"][1] == "ja"]
    out["schemes"] = sorted({r["o"][0] for r in meta if r["p"][0].endswith("inScheme")})
    out["definitions"] = [
        {"text": r["text"][0], "source": r.get("file", ("",))[0], "line": int(r["start"][0]) if "start" in r else None,
         "lineEnd": int(r["end"][0]) if "end" in r else None}
        for r in store.select(DEFINITIONS, c=node)
    ]
    relations: dict[tuple[str, str], dict] = {}
    for r in store.select(RELATIONS, c=node):
        key = (r["kind"][0], r["target"][0])
        rel = relations.setdefault(key, {"type": key[0], "uri": key[1], "prefLabel": r.get("label", (key[1],))[0],
                                         "evidence": []})
        if "evidence" in r:
            item = {"text": r["evidence"][0], "pattern": r["pattern"][0], "source": r["file"][0],
                    "line": int(r["start"][0])}
            if item not in rel["evidence"]:
                rel["evidence"].append(item)
    out["relations"] = sorted(relations.values(), key=lambda x: (x["type"], x["prefLabel"]))
    out["abbreviations"] = sorted({(r["short"][0], r["long"][0]) for r in store.select(ABBREVIATIONS, c=node)})
    out["labelEvidence"] = [
        {"label": r["label"][0], "text": r["evidence"][0], "pattern": r["pattern"][0], "source": r["file"][0],
         "line": int(r["start"][0])} for r in store.select(LABEL_EVIDENCE, c=node)
    ]
    return out


class LabelLookup:
    """Exact / normalised label lookup with Skosmos precedence: prefLabel, then altLabel, then hiddenLabel."""

    RANK: ClassVar[dict[str, int]] = {"prefLabel": 0, "altLabel": 1, "hiddenLabel": 2}

    def __init__(self, store: GraphStore):
        self.by_key: dict[str, list[tuple[int, str, str, str, str | None]]] = {}
        for uri, prop, value, lang, key in store.label_rows():
            self.by_key.setdefault(key, []).append((self.RANK[prop], uri, prop, value, lang or None))

    def lookup(self, label: str, lang: str | None = None) -> list[dict]:
        rows = [r for r in self.by_key.get(loose_key(label), []) if lang in (None, "", r[4])]
        if not rows:
            return []
        best = min(r[0] for r in rows)
        seen, out = set(), []
        for rank, uri, prop, value, lang_ in sorted(rows):
            if rank == best and uri not in seen:
                seen.add(uri)
                out.append({"uri": uri, prop: value, "lang": lang_})
        return out
