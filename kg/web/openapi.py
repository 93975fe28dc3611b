"""The OpenAPI 3.1 description of the REST API, served at /openapi.json.

Written by hand from the same names kg.web.rest and kg.vocabulary use; tests/web/test_skosmos.py
checks that every route is documented, every documented path answers, every documented parameter is
accepted and every 200 response validates against its schema.
"""

from __future__ import annotations

from typing import Any

from kg.config import Settings
from kg.store import DATASET_FORMATS, GRAPH_FORMATS
from kg.vocabulary import PROPERTY_VIEWS, SEARCH_FIELDS
from search.hybrid import MATCH_KINDS

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
                          label=STR, prefLabel=STR, lang=STR, matchedLabel=STR,
                          matchType={"type": "string", "enum": list(MATCH_KINDS)},
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
SUGGEST_FIELDS: dict[str, tuple[str, dict]] = {
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


def _only_in(vocabs: dict) -> dict:
    """The unprefixed path of a _with_vocid pair also takes `vocab=` (a /{vocid}/ path names its own)."""
    path = next(p for p in vocabs if "{vocid}" not in p)
    vocabs[path] = {m: {**op, "parameters": [*op["parameters"], VOCAB]} for m, op in vocabs[path].items()}
    return vocabs


VOCAB = _param("vocab", "space-separated vocabulary ids to limit to (default: every vocabulary)")


def paths() -> dict:
    search_params = [*SEARCH_PARAMS, VOCAB]
    suggest: dict[str, Any] = {
        "summary": "Annif-style natural-language lookup: best concepts for a text, best first; empty when "
                   "nothing is a confident answer",
        "tags": ["Suggest"],
        "parameters": [_param(n, d, required=n == "text", schema=s) for n, (d, s) in SUGGEST_FIELDS.items()] + [VOCAB],
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
        **_only_in(_with_vocid("lookup", _get(
            "Concepts with exactly this label: prefLabel, then altLabel, then hiddenLabel",
            [_param("label", "the label to look up", required=True), LANG],
            _json_response("LookupResults"), "400", "404", "406"))),
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
        **_only_in(_with_vocid("data", _get(
            "RDF of one concept (uri), of one vocabulary's graphs ({vocid} or vocab) or of everything; "
            "format by `format` or Accept",
            [_param("uri", "concept IRI; without it the whole vocabulary"),
             _param("format", "MIME type or short name: " + ", ".join([*RDF_MEDIA, *GRAPH_FORMATS, *DATASET_FORMATS]))],
            _rdf_data(), "404", "406"))),
        "/export": _get("Every vocabulary as RDF, or one with `vocab` (the scheme's void:dataDump)",
                        [_param("format", "MIME type or short name, as for data"), VOCAB], _rdf_data(), "404",
                        "406", tag="Extensions"),
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
        params = [p for p in suggest["parameters"] if not extra or p is not VOCAB]
        out[path] = {"get": {**suggest, "parameters": extra + params},
                     "post": {**post, "parameters": extra}}
    return out


# --- the review queue and curation (kg.web.review) ----------------------------------------------------

NUM = {"type": "number"}
CURATION_SCHEMAS = {
    "Candidate": _obj(["label", "score", "evidence"], label=STR, score={"type": ["number", "null"]},
                      evidence={"type": "array", "items": {"type": "object"}}),
    "ReviewItem": _obj(["uri", "prefLabel", "status", "confidence", "definition", "candidates"], uri=STR,
                       prefLabel=STR, status=STR, confidence=NUM, definition=STR,
                       candidates={"type": "array", "items": _ref("Candidate")},
                       definitions={"type": "array", "items": {"type": "object"}}, lookups={"type": "integer"},
                       value=NUM),
    "ReviewQueue": _obj(["results"], results={"type": "array", "items": _ref("ReviewItem")}),
    "UnansweredQuestion": _obj(["question", "count", "lastAsked", "candidates"], question=STR,
                               count={"type": "integer"}, lastAsked=STR, candidates={"type": "array", "items": _obj(
                                   ["uri", "prefLabel", "score", "confident"], uri=STR, prefLabel=STR, score=NUM,
                                   confident={"type": "boolean"}, href=STR)}),
    "UnansweredQuestions": _obj(["results"], results={"type": "array", "items": _ref("UnansweredQuestion")}),
    "CurationRequest": _obj(["concept", "action"], concept=STR, action={"type": "string", "enum": [
        "confirm", "rename", "choose", "merge", "split", "relate", "unrelate", "reject"]}, label=STR, lang=STR,
        into=STR, source=STR, type={"type": "string", "enum": ["synonym", "antonym", "related", "abbreviation",
                                                              "broader", "hidden"]}, target=STR),
    "Decision": _obj(["id", "action", "concept", "who", "when", "before", "after"], id=STR, action=STR,
                     concept=STR, who=STR, when=STR, label=STR, lang=STR, into=STR, type=STR, target=STR, source=STR,
                     keys=STRS, target_keys=STRS, before={"type": "object"}, after={"type": "object"},
                     artifact=STR, seconds=NUM, unapplied=STRS),
    "Decisions": _obj(["results"], results={"type": "array", "items": _ref("Decision")}),
}


def curation_paths() -> dict:
    limit = _param("limit", "how many (1–200)", schema={"type": "integer"})
    json_ok = {"application/json": {"schema": _ref("ReviewQueue")}}
    problems = {code: {"description": text, "content": {"application/problem+json": {"schema": _ref("Problem")}}}
                for code, text in (("400", "Malformed body or parameter"), ("401", "No bearer token"),
                                   ("403", "Wrong token, or the write API is off (KG_WRITE_TOKEN unset)"),
                                   ("404", "No such decision"),
                                   ("422", "Names no concept, or changes nothing; nothing was changed"),
                                   ("503", "Another build holds the lock, or no artifact is loaded"))}
    return {
        "/rest/v1/review": {"get": {
            "summary": "Review queue: the concepts whose names most need a curator, lowest headword confidence "
                       "first, weighted by how often each is looked up", "tags": ["Curation"],
            "parameters": [limit], "responses": {"200": {"description": "OK", "content": json_ok},
                                                 **{c: problems[c] for c in ("400", "503")}}}},
        "/rest/v1/review/unanswered": {"get": {
            "summary": "Questions suggest had no confident answer for, most asked first, each with the concepts "
                       "lookup would have guessed; attach one to its concept as a hidden label (relate, type "
                       "hidden)", "tags": ["Curation"], "parameters": [limit],
            "responses": {"200": {"description": "OK", "content": {
                "application/json": {"schema": _ref("UnansweredQuestions")}}}, "400": problems["400"]}}},
        "/rest/v1/curations": {
            "get": {"summary": "The decision log, newest first", "tags": ["Curation"], "parameters": [limit],
                    "responses": {"200": {"description": "OK", "content": {
                        "application/json": {"schema": _ref("Decisions")}}}, "400": problems["400"]}},
            "post": {"summary": "Record one curator decision; answered once the new artifact serves it (suggest, "
                                "lookup, pages, SPARQL, export). Kept in KG_DATA_DIR and re-applied on every build",
                     "tags": ["Curation"], "parameters": [], "security": [{"writeToken": []}],
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": _ref("CurationRequest")}}},
                     "responses": {"201": {"description": "Stored and published", "content": {
                         "application/json": {"schema": _ref("Decision")}}},
                                   **{c: problems[c] for c in ("400", "401", "403", "422", "503")}}}},
        "/rest/v1/curations/{decision_id}": {"get": {
            "summary": "One decision", "tags": ["Curation"],
            "parameters": [{"name": "decision_id", "in": "path", "required": True, "schema": STR}],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref("Decision")}}},
                          "404": problems["404"]}}},
    }


def spec(settings: Settings, server_url: str = "/") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{settings.vocab_title or 'jaterm'} REST API", "version": "1",
                 "description": "Skosmos REST v1 paths, parameters and JSON-LD keys (NatLibFi/Skosmos), Annif-style "
                                "suggest, and extensions (antonym, abbreviation, concept, export). Errors are RFC "
                                "7807 application/problem+json. GET responses carry Access-Control-Allow-Origin: *. "
                                "SPARQL 1.1 Protocol at /sparql."},
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "tags": [{"name": "Skosmos"}, {"name": "Suggest"}, {"name": "Extensions"}, {"name": "Curation"},
                 {"name": "Service"}],
        "paths": {**paths(), **curation_paths()},
        "components": {"schemas": {**SCHEMAS, **CURATION_SCHEMAS}, "securitySchemes": {
            "writeToken": {"type": "http", "scheme": "bearer",
                           "description": "KG_WRITE_TOKEN: `name:secret` (the name is recorded) or a plain secret"}}},
    }
