"""SPARQL 1.1 Protocol endpoint: GET, POST form, POST direct; read-only, negotiated, sandboxed."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, Response, render_template, request
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from kg.errors import InvalidRequest, NotAcceptable, QueryRefused, UnsupportedMediaType
from kg.service import prepare_cached
from kg.sparql import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES
from kg.web import service
from ontology.namespace import KGO, SKOSXL

bp = Blueprint("sparql", __name__)

# Fuseki-style short names for format= / output= / results= (SPARQLWrapper sends all three).
RESULT_SHORT = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                "sparql": "application/sparql-results+xml", "csv": "text/csv", "tsv": "text/tab-separated-values",
                "text": "text/tab-separated-values"}
GRAPH_SHORT = {"turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
               "ntriples": "application/n-triples", "n-triples": "application/n-triples",
               "xml": "application/rdf+xml", "rdf+xml": "application/rdf+xml", "json-ld": "application/ld+json",
               "jsonld": "application/ld+json", "json": "application/ld+json"}
# Generic types clients send that mean one of ours.
ALIASES = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
           "text/xml": "application/sparql-results+xml", "text/plain": "application/n-triples",
           "application/x-turtle": "text/turtle"}


def _params() -> tuple[dict[str, list[str]], str | None]:
    """All protocol parameters from the URL and the body, and the direct-POST query if any."""
    params = dict(parse_qs(request.query_string.decode("utf-8", "replace"), keep_blank_values=True))
    direct = None
    if request.method == "POST":
        ctype = (request.mimetype or "").lower()
        if ctype == "application/x-www-form-urlencoded":
            for k, v in parse_qs(request.get_data(as_text=True), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            direct = request.get_data(as_text=True)
        elif ctype == "application/sparql-update":
            raise QueryRefused("updates are not allowed: this endpoint is read-only")
        else:
            raise UnsupportedMediaType(
                f"unsupported Content-Type {ctype or '(none)'}: use application/x-www-form-urlencoded "
                "or application/sparql-query"
            )
    return params, direct


def negotiate(form: str, params: dict[str, list[str]]) -> str:
    """The response media type: a format override wins, else the Accept header with q-values."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    supported = list(GRAPH_MEDIA_TYPES if graph else RESULT_MEDIA_TYPES)
    short = GRAPH_SHORT if graph else RESULT_SHORT
    for name in ("format", "output", "results", "force-accept"):
        for value in params.get(name, []):
            value = value.strip().lower()
            if value in short:
                return short[value]
            value = ALIASES.get(value, value)
            if value in supported:
                return value
            # Unknown short names fall back to negotiation instead of failing (SPARQLWrapper sends
            # format=turtle to SELECT queries too).
    if not request.headers.get("Accept", "").strip():
        return supported[0]
    # best_match honours q-values and wildcards; generic aliases map onto what we serve.
    candidates = supported + [a for a, target in ALIASES.items() if target in supported]
    best = request.accept_mimetypes.best_match(candidates)
    if best is None:
        raise NotAcceptable("no acceptable result format for this query", supported)
    return ALIASES.get(best, best)


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/query", methods=["GET", "POST"])
def endpoint():
    params, direct = _params()
    if "update" in params:
        raise QueryRefused("updates are not allowed: this endpoint is read-only")
    queries = params.get("query", [])
    if direct is not None:
        if queries:
            raise InvalidRequest("the query is given both in the URL and in the body")
        queries = [direct]
    if not queries:
        if request.method == "GET" and request.accept_mimetypes.best_match(["text/html", "text/turtle"]) == "text/html":
            return render_template("sparql.html", examples=EXAMPLES, prefixes=SHORT_FORMS)
        return _service_description()
    if len(queries) > 1:
        raise InvalidRequest("exactly one 'query' parameter is allowed")
    if not queries[0].strip():
        raise InvalidRequest("the 'query' parameter is empty")
    prepared = prepare_cached(queries[0])
    media_type = negotiate(prepared.form, params)
    timeout = None
    if params.get("timeout"):
        try:
            timeout = float(params["timeout"][0])
        except ValueError as exc:
            raise InvalidRequest("timeout must be a number of seconds") from exc
        if timeout <= 0:
            raise InvalidRequest("timeout must be positive")
    result = service().sparql(prepared, media_type=media_type, timeout_s=timeout,
                              default_graph_uris=params.get("default-graph-uri", []),
                              named_graph_uris=params.get("named-graph-uri", []))
    response = Response(result.content, mimetype=media_type)
    if media_type.startswith("text/") or "json" in media_type or "xml" in media_type:
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    if result.truncated:
        response.headers["X-KG-Truncated"] = "true"
    return response


def _service_description() -> Response:
    base = request.url_root.rstrip("/")
    graphs = service().artifact.store.graphs()
    named = "\n".join(f"      sd:namedGraph [ sd:name <{g}> ] ;" for g in graphs)
    formats = " , ".join(f"<http://www.w3.org/ns/formats/{f}>" for f in
                         ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                          "Turtle", "N-Triples", "RDF_XML", "JSON-LD"))
    body = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<{base}/sparql> a sd:Service ;
  sd:endpoint <{base}/sparql> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat {formats} ;
  sd:feature sd:UnionDefaultGraph ;
  sd:defaultDataset [ a sd:Dataset ;
      sd:defaultGraph [ a sd:Graph ] ;
{named}
  ] .
"""
    response = Response(body, mimetype="text/turtle")
    response.headers["Vary"] = "Accept"
    return response


KGO_PREFIX = f"PREFIX kgo: <{KGO}>\n"
# How the query page shortens IRIs in result tables (static/sparql.js reads them from the page).
SHORT_FORMS = {"skos": str(SKOS), "skosxl": str(SKOSXL), "kgo": str(KGO), "rdf": str(RDF), "dct": str(DCTERMS),
               "xsd": str(XSD)}
EXAMPLES = [
    ("概念と対義語", """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
""" + KGO_PREFIX + """SELECT ?term ?antonym WHERE {
  ?c kgo:antonym ?a ; skos:prefLabel ?term . ?a skos:prefLabel ?antonym .
}"""),
    ("略語と元の語", """PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
""" + KGO_PREFIX + """SELECT ?short ?long WHERE {
  ?s kgo:abbreviationOf ?l ; skosxl:literalForm ?short . ?l skosxl:literalForm ?long .
} ORDER BY ?short"""),
    ("複数の用語集で定義された概念", """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
""" + KGO_PREFIX + """SELECT ?term (COUNT(DISTINCT ?doc) AS ?glossaries) WHERE {
  ?c kgo:definedIn ?doc ; skos:prefLabel ?term .
} GROUP BY ?term HAVING (COUNT(DISTINCT ?doc) > 1) ORDER BY DESC(?glossaries)"""),
    ("関係の出典", """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
""" + KGO_PREFIX + """SELECT ?from ?relation ?to ?evidence ?file ?line WHERE {
  ?x a kgo:Extraction ; rdf:subject ?s ; rdf:predicate ?relation ; rdf:object ?o ;
     kgo:evidence ?evidence ; kgo:lineStart ?line ; <http://purl.org/dc/terms/source> ?doc .
  ?doc kgo:fileName ?file . ?s skos:prefLabel ?from . ?o skos:prefLabel ?to .
  VALUES ?relation { skos:related kgo:antonym }
} ORDER BY ?file ?line"""),
]
