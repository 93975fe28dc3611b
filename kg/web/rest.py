"""REST API: Skosmos REST v1 paths, parameters and JSON-LD keys, plus Annif-style suggest.

Each view parses the request and calls one function of kg.vocabulary (or the service); errors are
raised as kg.errors and become application/problem+json in kg.web.errors. /openapi.json describes
exactly these routes (tests/web/test_skosmos.py checks both directions).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from kg import vocabulary as voc
from kg.errors import InvalidRequest, NotAcceptable, UnsupportedMediaType
from kg.store import DATASET_FORMATS, FORMAT_ALIASES, GRAPH_FORMATS
from kg.web import service

bp = Blueprint("rest", __name__)

MAX_LIMIT = 100
MAX_HITS = 1000
MAX_TEXT = 1000
JSON_TYPES = ["application/json", "application/ld+json"]
MEDIA_TO_FORMAT = {media: name for name, (_, media) in {**GRAPH_FORMATS, **DATASET_FORMATS}.items()}
MEDIA_TO_FORMAT["application/json"] = "json-ld"  # Skosmos serves JSON-LD for application/json too
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _int_arg(name: str, default: int, maximum: int, minimum: int = 0) -> int:
    raw = request.values.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidRequest(f"{name} parameter is invalid: must be an integer") from exc
    if value < minimum or value > maximum:
        raise InvalidRequest(f"{name} parameter is invalid: must be between {minimum} and {maximum}")
    return value


def _bool_arg(name: str) -> bool:
    return (request.args.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def _served():
    return service().artifact.vocabularies


def _scope(vocid: str | None):
    """The vocabulary of a /rest/v1/{vocid}/ path, else those named by `vocab=` (None: all of them)."""
    if vocid is not None:
        return _served().get(vocid)
    return _served().scope((request.values.get("vocab") or "").split())


def _vocab_id(scope):
    """What search rows say in `vocab`: the one vocabulary's id, else each concept's own."""
    return scope.id if scope is not None and " " not in scope.id else _served().vocab_of


def _store():
    return service().artifact.store


def _lang(name: str = "lang", scope=None) -> str | None:
    return voc.check_language(voc.vocabulary(_store(), scope), request.values.get(name) or None)


def _uri() -> str:
    uri = request.args.get("uri", "").strip()
    if not uri:
        raise InvalidRequest("uri parameter missing")
    return uri


def _json(payload: dict, status: int = 200) -> Response:
    """JSON with Skosmos' negotiation: application/json unless the client prefers application/ld+json."""
    best = request.accept_mimetypes.best_match(JSON_TYPES) if request.headers.get("Accept") else JSON_TYPES[0]
    if best is None:
        raise NotAcceptable("this resource is JSON", JSON_TYPES)
    response = jsonify(payload)
    response.status_code = status
    response.headers["Content-Type"] = f"{best}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/rest/v1/vocabularies")
def vocabularies():
    """Every vocabulary of the artifact: the built ones, then those added with `kg load` (own named graphs)."""
    return _json(voc.vocabularies(_store(), _served().vocabularies, _lang()))


@bp.get("/rest/v1/<vocid>/")
def vocabulary_info(vocid: str):
    scope = _scope(vocid)
    return _json(voc.vocabulary_info(_store(), scope, _lang(scope=scope)))


@bp.route("/rest/v1/suggest", methods=["GET", "POST"])
@bp.route("/rest/v1/<vocid>/suggest", methods=["GET", "POST"])
def suggest(vocid: str | None = None):
    """Annif-style natural-language lookup: text, limit, threshold, lang, vocab (GET or POST form)."""
    scope = _scope(vocid)
    if request.method == "POST" and request.mimetype not in FORM_TYPES:
        raise UnsupportedMediaType(f"unsupported Content-Type {request.mimetype or '(none)'}: "
                                   "send the fields as application/x-www-form-urlencoded or multipart/form-data")
    text = request.values.get("text", "")
    if not text.strip():
        raise InvalidRequest("text parameter missing")
    if len(text) > MAX_TEXT:
        raise InvalidRequest(f"text is longer than {MAX_TEXT} characters")
    limit = _int_arg("limit", 10, MAX_LIMIT)
    threshold = request.values.get("threshold")
    try:
        threshold_value = float(threshold) if threshold not in (None, "") else None
    except ValueError as exc:
        raise InvalidRequest("threshold must be a number") from exc
    if threshold_value is not None and not 0.0 <= threshold_value <= 1.0:
        raise InvalidRequest("threshold must be between 0 and 1")
    lang = _lang(scope=scope)
    ids = scope.id.split() if scope is not None else ()
    hits = service().suggest(text, limit=limit, threshold=threshold_value, vocab=ids)
    return _json({"query": text, "results": voc.suggest_results(_store(), hits, _vocab_id(scope), lang)})


@bp.get("/rest/v1/lookup")
@bp.get("/rest/v1/<vocid>/lookup")
def lookup(vocid: str | None = None):
    scope = _scope(vocid)
    label = request.args.get("label", "")
    if not label.strip():
        raise InvalidRequest("label parameter missing")
    base = (scope or _served().default).base_iri or None
    return _json(voc.lookup(_store(), label, _lang(scope=scope), _vocab_id(scope), base, scope=scope))


@bp.get("/rest/v1/search")
@bp.get("/rest/v1/<vocid>/search")
def search(vocid: str | None = None):
    """Skosmos search: `*` wildcards over pref/alt/hidden labels (no `*`: the whole label)."""
    scope = _scope(vocid)
    query = request.args.get("query", "")
    if not query.strip() and not (request.args.get("parent") or request.args.get("group")):
        raise InvalidRequest("query parameter missing")
    params = voc.SearchParams(
        query=query or "*", lang=_lang(scope=scope), labellang=_lang("labellang", scope),
        maxhits=_int_arg("maxhits", 100, MAX_HITS, minimum=1), offset=_int_arg("offset", 0, 10**9),
        unique=_bool_arg("unique"), fields=voc.parse_fields(request.args.get("fields")),
        types=tuple((request.args.get("type") or "").split()), parent=request.args.get("parent") or None,
        group=request.args.get("group") or None)
    base = scope.base_iri if vocid is not None and scope is not None else None
    return _json(voc.search(_store(), params, _vocab_id(scope), base or None, scope=scope))


@bp.get("/rest/v1/label")
@bp.get("/rest/v1/<vocid>/label")
def label(vocid: str | None = None):
    scope = _scope(vocid)
    return _json(voc.labels(_store(), _uri(), _lang(scope=scope), scope=scope))


@bp.get("/rest/v1/<vocid>/<any(broader, narrower, related, antonym):prop>")
def property_view(vocid: str, prop: str):
    """Skosmos broader / narrower / related, and our antonym in the same shape."""
    scope = _scope(vocid)
    return _json(voc.property_view(_store(), _uri(), prop, _lang(scope=scope), scope=scope))


@bp.get("/rest/v1/<vocid>/abbreviation")
def abbreviation(vocid: str):
    return _json(voc.abbreviations(_store(), _uri(), scope=_scope(vocid)))


def _rdf_format() -> str:
    fmt = request.args.get("format")
    supported = sorted([*GRAPH_FORMATS, *DATASET_FORMATS])
    if fmt:
        fmt = fmt.split(";")[0].strip().lower().replace(" ", "+")  # an unescaped + in a URL
        name = MEDIA_TO_FORMAT.get(fmt, FORMAT_ALIASES.get(fmt, fmt))
        if name not in GRAPH_FORMATS and name not in DATASET_FORMATS:
            raise NotAcceptable(f"Unsupported format {fmt!r}", supported)
        return name
    if not request.headers.get("Accept"):
        return "turtle"
    media = request.accept_mimetypes.best_match(list(MEDIA_TO_FORMAT))
    if media is None:
        raise NotAcceptable("Unsupported format", supported + sorted(MEDIA_TO_FORMAT))
    return MEDIA_TO_FORMAT[media]


def _rdf_response(data: bytes, fmt: str) -> Response:
    media = {**GRAPH_FORMATS, **DATASET_FORMATS}[fmt][1]
    response = Response(data, mimetype=media)
    response.headers["Content-Type"] = f"{media}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/export")
@bp.get("/rest/v1/data")
@bp.get("/rest/v1/<vocid>/data")
def data(vocid: str | None = None):
    """The whole dataset, one vocabulary's graphs ({vocid} or `vocab=`), or one concept's description with
    `uri` (Skosmos `data`)."""
    scope = _scope(vocid)
    fmt = _rdf_format()
    uri = request.args.get("uri") or None
    if uri and fmt in DATASET_FORMATS:
        raise NotAcceptable(f"{fmt} is for the whole dataset; a concept comes as a graph",
                            sorted(GRAPH_FORMATS))
    svc = service()
    store = svc.artifact.store
    graphs = None
    if scope is not None:
        parts = getattr(scope, "parts", (scope,))
        graphs = [g for part in parts for g in part.graphs(store)]
    return _rdf_response(voc.data(store, fmt, uri, svc.artifact.manifest.get("prefixes"), graphs, scope), fmt)


@bp.get("/rest/v1/<vocid>/concept")
def concept(vocid: str):
    uri = _uri()
    voc.vocabulary(_store(), _scope(vocid)).require(uri)
    return _json(service().concept(uri))


@bp.get("/openapi.json")
def openapi():
    from kg.web.openapi import spec

    return jsonify(spec(service().settings, request.host_url))


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    svc = service()
    if not svc.ready:
        svc.reload_if_changed()
    if not svc.ready:
        return jsonify({"status": "not ready", "reason": "no artifact loaded"}), 503
    artifact = svc.artifact
    return jsonify({"status": "ready", "artifact": artifact.path.name, "concepts": len(artifact.searcher.index)})
