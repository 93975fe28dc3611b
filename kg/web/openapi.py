"""The OpenAPI 3.1 description of the REST API, served at /openapi.json.

Written by hand from the same names kg.web.rest and kg.vocabulary use; tests/web/test_skosmos.py
checks that every route is documented, every documented path answers, every documented parameter is
accepted and every 200 response validates against its schema.
"""

from __future__ import annotations

from kg.config import Settings
from kg.store import DATASET_FORMATS, GRAPH_FORMATS
from kg.vocabulary import PROPERTY_VIEWS, SEARCH_FIELDS

PROBLEM_CODES = {"400": "Bad request (missing or malformed parameter)", "404": "Unknown vocabulary or concept",
                 "406": "No acceptable representation", "415": "Unsupported request Content-Type",
                 "503": "No artifact loaded yet (index not ready)"}
RDF_MEDIA = [media for _, media in {**GRAPH_FORMATS, **DATASET_FORMATS}.values()]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], **props) -> dict:
    return {"type": "object", "required": required, "properties": props}


STR = {"type": "string"}
STRS = {"type": "array", "items": STR}
CONTEXT = {"type": "object", "description": "JSON-LD context (Skosmos' terms)"}

SCHEMAS = {
    "Problem": _obj(["type", "title", "status", "detail"], type=STR, title=STR, status={"type": "integer"},
                    detail=STR, supported=STRS),
    "VocabularyList": _obj(["uri", "vocabularies"], **{"@context": CONTEXT}, uri=STR,
                           vocabularies={"type": "array", "items": _ref("Vocabulary")}),
    "Vocabulary": _obj(["uri", "id", "title"], uri=STR, id=STR, title=STR),
    "VocabularyInfo": _obj(["uri", "id", "title", "defaultLanguage", "languages", "conceptschemes"],
                           **{"@context": CONTEXT}, uri=STR, id=STR, title=STR, defaultLanguage=STR, languages=STRS,
                           conceptschemes={"type": "array", "items": _obj(["uri", "type"], uri=STR, type=STR,
                                                                          title=STR)}),
    "PrefAndUri": _obj(["uri"], uri=STR, prefLabel=STR),
    "SearchResult": _obj(["uri", "type", "vocab"], uri=STR, type=STRS, prefLabel=STR, matchedPrefLabel=STR,
                         lang=STR, vocab=STR, localname=STR, prefLabels={"type": "object", "additionalProperties": STR},
                         **{f: {"type": "array"} for f in SEARCH_FIELDS
                            if f not in ("prefLabel", "altLabel", "hiddenLabel")},
                         # the label that matched; a list when also asked for with fields=
                         altLabel={"type": ["string", "array"]}, hiddenLabel={"type": ["string", "array"]}),
    "SearchResults": _obj(["@context", "uri", "results"], **{"@context": CONTEXT}, uri=STR,
                          results={"type": "array", "items": _ref("SearchResult")}),
    "LookupResults": _obj(["@context", "result"], **{"@context": CONTEXT},
                          result={"type": "array", "items": _ref("SearchResult")}),
    "Labels": _obj(["@context", "uri"], **{"@context": CONTEXT}, uri=STR, prefLabel=STR, altLabel=STRS,
                   hiddenLabel=STRS),
    **{f"{name.capitalize()}Result": _obj(["@context", "uri", name], **{"@context": CONTEXT}, uri=STR,
                                          **{name: {"type": "array", "items": _ref("PrefAndUri")}})
       for name in PROPERTY_VIEWS},
    "XLLabel": _obj(["uri", "literalForm", "lang"], uri=STR, literalForm=STR, lang=STR),
    "AbbreviationResult": _obj(["@context", "uri", "abbreviation"], **{"@context": CONTEXT}, uri=STR,
                               abbreviation={"type": "array", "items": _obj(
                                   ["uri", "type", "literalForm", "lang", "abbreviationOf"], uri=STR, type=STRS,
                                   literalForm=STR, lang=STR, termType=STR, abbreviationOf=_ref("XLLabel"))}),
    "SuggestResult": _obj(["uri", "label", "prefLabel", "score", "scores", "matchedLabel", "vocab"], uri=STR,
                          label=STR, prefLabel=STR, lang=STR, matchedLabel=STR, matchType=STR,
                          score={"type": "number"}, scores={"type": "object"}, definition=STR,
                          confident={"type": "boolean"}, vocab=STR),
    "SuggestResults": _obj(["query", "results"], query=STR, results={"type": "array", "items": _ref("SuggestResult")}),
    "Concept": _obj(["uri", "prefLabel", "definitions", "relations"], uri=STR, prefLabel={"type": "object"},
                    altLabel={"type": "array"}, definitions={"type": "array"}, relations={"type": "array"}),
    "Status": _obj(["status"], status=STR),
}


def _param(name: str, description: str, *, required: bool = False, schema: dict | None = None,
           where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema or STR}


VOCID = _param("vocid", "vocabulary identifier (see /rest/v1/vocabularies)", required=True, where="path")
LANG = _param("lang", "language of labels, e.g. ja or en")
URI = _param("uri", "concept IRI", required=True)
SEARCH_PARAMS = [
    _param("query", "term to search for; `*` matches any characters (`かす*`, `*センター`); without `*` the "
                    "whole label must match (case, width, kana and long-vowel insensitive)", required=True),
    _param("lang", "language of labels to match (and to return)"),
    _param("labellang", "language of labels to return"),
    _param("type", "limit to concepts of these types, e.g. skos:Concept"),
    _param("parent", "limit to concepts below this concept (skos:broader+)"),
    _param("group", "limit to members of this collection"),
    _param("maxhits", "maximum number of results (default 100)", schema={"type": "integer", "minimum": 1,
                                                                         "maximum": 1000}),
    _param("offset", "offset in the result list (default 0)", schema={"type": "integer", "minimum": 0}),
    _param("fields", "space-separated extra fields: " + " ".join(SEARCH_FIELDS)),
    _param("unique", "true: each concept once, by its best match", schema={"type": "boolean"}),
]
SUGGEST_FIELDS = {
    "text": ("text to find concepts for: a term, a question (「AHTって何?」) or a description", STR),
    "limit": ("maximum number of results (default 10, at most 100)", {"type": "integer", "minimum": 0, "maximum": 100}),
    "threshold": ("confidence below which hits are dropped (0..1)", {"type": "number", "minimum": 0, "maximum": 1}),
    "lang": ("language for the returned labels, e.g. ja or en", STR),
}


def _json_response(schema: str, description: str = "OK") -> dict:
    content = {media: {"schema": _ref(schema)} for media in ("application/json", "application/ld+json")}
    return {"200": {"description": description, "content": content}}


def _problems(*codes: str) -> dict:
    return {code: {"description": PROBLEM_CODES[code],
                   "content": {"application/problem+json": {"schema": _ref("Problem")}}} for code in codes}


def _get(summary: str, params: list[dict], responses: dict, *codes: str, tag: str = "Skosmos") -> dict:
    return {"get": {"summary": summary, "tags": [tag], "parameters": params,
                    "responses": {**responses, **_problems(*codes, "503")}}}


def _with_vocid(path: str, operation: dict) -> dict:
    """The global path and its /{vocid}/ twin (the twin also takes the path parameter)."""
    twin = {m: {**op, "parameters": [VOCID, *op["parameters"]]} for m, op in operation.items()}
    return {f"/rest/v1/{path}": operation, f"/rest/v1/{{vocid}}/{path}": twin}


def _rdf_data() -> dict:
    content = {media: {"schema": STR} for media in RDF_MEDIA}
    return {"200": {"description": "RDF in the negotiated or requested format", "content": content}}


def paths() -> dict:
    search_params = SEARCH_PARAMS + [_param("vocab", "space-separated vocabulary ids to search in")]
    suggest = {
        "summary": "Annif-style natural-language lookup: best concepts for a text, best first; empty when "
                   "nothing is a confident answer",
        "tags": ["Suggest"],
        "parameters": [_param(n, d, required=n == "text", schema=s) for n, (d, s) in SUGGEST_FIELDS.items()],
        "responses": {**_json_response("SuggestResults"), **_problems("400", "404", "406", "503")},
    }
    post = {**suggest, "parameters": [], "requestBody": {"required": True, "content": {
        media: {"schema": _obj(["text"], **{n: s for n, (_, s) in SUGGEST_FIELDS.items()})}
        for media in ("application/x-www-form-urlencoded", "multipart/form-data")}},
        "responses": {**suggest["responses"], **_problems("415")}}
    out = {
        "/rest/v1/vocabularies": _get("The vocabularies on this server", [LANG], _json_response("VocabularyList"),
                                      "400", "406"),
        "/rest/v1/{vocid}/": _get("General information about the vocabulary", [VOCID, LANG],
                                  _json_response("VocabularyInfo"), "400", "404", "406"),
        "/rest/v1/search": _get("Concepts whose labels match a pattern", search_params,
                                _json_response("SearchResults"), "400", "404", "406"),
        "/rest/v1/{vocid}/search": _get("Concepts of the vocabulary whose labels match a pattern",
                                        [VOCID, *SEARCH_PARAMS], _json_response("SearchResults"), "400", "404", "406"),
        **_with_vocid("lookup", _get("Concepts with exactly this label: prefLabel, then altLabel, then hiddenLabel",
                                     [_param("label", "the label to look up", required=True), LANG],
                                     _json_response("LookupResults"), "400", "404", "406")),
        **_with_vocid("label", _get("A concept's labels in one language", [URI, LANG], _json_response("Labels"),
                                    "400", "404", "406")),
        **{f"/rest/v1/{{vocid}}/{name}": _get(
            f"The concept's {name} concepts" + (" (kgo:antonym, shaped like related)" if name == "antonym" else ""),
            [VOCID, URI, LANG], _json_response(f"{name.capitalize()}Result"), "400", "404", "406")
           for name in PROPERTY_VIEWS},
        "/rest/v1/{vocid}/abbreviation": _get("The concept's short-form labels (SKOS-XL kgo:Abbreviation) and the "
                                              "labels they abbreviate", [VOCID, URI],
                                              _json_response("AbbreviationResult"), "400", "404", "406",
                                              tag="Extensions"),
        **_with_vocid("data", _get(
            "RDF of one concept (uri) or of the whole vocabulary (no uri); format by `format` or Accept",
            [_param("uri", "concept IRI; without it the whole vocabulary"),
             _param("format", "MIME type or short name: " + ", ".join([*RDF_MEDIA, *GRAPH_FORMATS, *DATASET_FORMATS]))],
            _rdf_data(), "404", "406")),
        "/export": _get("The whole vocabulary as RDF (the scheme's void:dataDump)",
                        [_param("format", "MIME type or short name, as for data")], _rdf_data(), "406",
                        tag="Extensions"),
        "/rest/v1/{vocid}/concept": _get("Everything the concept page shows: labels, definitions with sources, "
                                         "relations with evidence", [VOCID, URI], _json_response("Concept"),
                                         "400", "404", "406", tag="Extensions"),
        "/openapi.json": {"get": {"summary": "This document", "tags": ["Service"], "parameters": [],
                                  "responses": {"200": {"description": "OpenAPI 3.1",
                                                        "content": {"application/json": {"schema": {}}}}}}},
        "/healthz": {"get": {"summary": "Liveness", "tags": ["Service"], "parameters": [],
                             "responses": {"200": {"description": "alive", "content": {
                                 "application/json": {"schema": _ref("Status")}}}}}},
        "/readyz": {"get": {"summary": "Readiness: an artifact is loaded", "tags": ["Service"], "parameters": [],
                            "responses": {"200": {"description": "ready", "content": {
                                "application/json": {"schema": _ref("Status")}}},
                                "503": {"description": "no artifact", "content": {
                                    "application/json": {"schema": _ref("Status")}}}}}},
    }
    for path in ("/rest/v1/suggest", "/rest/v1/{vocid}/suggest"):
        extra = [VOCID] if "{vocid}" in path else []
        out[path] = {"get": {**suggest, "parameters": extra + suggest["parameters"]},
                     "post": {**post, "parameters": extra}}
    return out


def spec(settings: Settings, server_url: str = "/") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{settings.vocab_title} REST API", "version": "1",
                 "description": "Skosmos REST v1 paths, parameters and JSON-LD keys (NatLibFi/Skosmos), Annif-style "
                                "suggest, and extensions (antonym, abbreviation, concept, export). Errors are RFC "
                                "7807 application/problem+json. GET responses carry Access-Control-Allow-Origin: *. "
                                "SPARQL 1.1 Protocol at /sparql."},
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "tags": [{"name": "Skosmos"}, {"name": "Suggest"}, {"name": "Extensions"}, {"name": "Service"}],
        "paths": paths(),
        "components": {"schemas": SCHEMAS},
    }
