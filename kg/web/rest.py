"""REST API: Skosmos-style paths and keys plus Annif-style suggest; JSON, errors as problem+json."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from kg.errors import InvalidRequest, NotAcceptable, NotFound
from kg.store import DATASET_FORMATS, FORMAT_ALIASES, GRAPH_FORMATS
from kg.web import service

bp = Blueprint("rest", __name__)

MAX_LIMIT = 100
CONTEXT = {"skos": "http://www.w3.org/2004/02/skos/core#", "onki": "http://schema.onki.fi/onki#",
           "uri": "@id", "type": "@type", "results": {"@id": "onki:results", "@container": "@list"},
           "prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"}
MEDIA_TO_FORMAT = {media: name for name, (_, media) in {**GRAPH_FORMATS, **DATASET_FORMATS}.items()}


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.values.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidRequest(f"{name} must be an integer") from exc
    if value < 0 or value > maximum:
        raise InvalidRequest(f"{name} must be between 0 and {maximum}")
    return value


def _vocab(vocid: str | None) -> str:
    settings = service().settings
    if vocid is not None and vocid != settings.vocab_id:
        raise NotFound(f"unknown vocabulary {vocid!r}")
    return settings.vocab_id


@bp.get("/rest/v1/vocabularies")
def vocabularies():
    s = service().settings
    return jsonify({"@context": {"onki": "http://schema.onki.fi/onki#", "uri": "@id", "id": "onki:vocabularyIdentifier",
                                 "title": "http://purl.org/dc/terms/title"},
                    "vocabularies": [{"uri": s.base_iri + "scheme", "id": s.vocab_id, "title": s.vocab_title}]})


@bp.route("/rest/v1/suggest", methods=["GET", "POST"])
@bp.route("/rest/v1/<vocid>/suggest", methods=["GET", "POST"])
def suggest(vocid: str | None = None):
    vocab = _vocab(vocid)
    text = request.values.get("text", "")
    if not text.strip():
        raise InvalidRequest("text parameter missing")
    if len(text) > 1000:
        raise InvalidRequest("text is longer than 1000 characters")
    limit = _int_arg("limit", 10, MAX_LIMIT)
    threshold = request.values.get("threshold")
    try:
        threshold_value = float(threshold) if threshold not in (None, "") else None
    except ValueError as exc:
        raise InvalidRequest("threshold must be a number") from exc
    hits = service().suggest(text, limit=limit, threshold=threshold_value)
    return jsonify({"query": text, "results": [{**h.as_dict(), "vocab": vocab, "label": h.pref_label}
                                                for h in hits]})


@bp.get("/rest/v1/lookup")
@bp.get("/rest/v1/<vocid>/lookup")
def lookup(vocid: str | None = None):
    vocab = _vocab(vocid)
    label = request.args.get("label", "")
    if not label.strip():
        raise InvalidRequest("label parameter missing")
    rows = service().lookup(label, request.args.get("lang") or None)
    if not rows:
        raise NotFound(f"Could not find label '{label}'")
    return jsonify({"@context": CONTEXT, "result": [{**r, "vocab": vocab} for r in rows]})


@bp.get("/rest/v1/search")
@bp.get("/rest/v1/<vocid>/search")
def search(vocid: str | None = None):
    """Skosmos search: `query` with a trailing `*` is a prefix search (labels and kana readings)."""
    vocab = _vocab(vocid)
    query = request.args.get("query", "")
    if not query.strip():
        raise InvalidRequest("query parameter missing")
    maxhits = _int_arg("maxhits", 10, MAX_LIMIT)
    svc = service()
    if query.endswith("*"):
        hits = svc.complete(query.rstrip("*"), maxhits)
    else:
        hits = svc.suggest(query, limit=maxhits)
    results = []
    for h in hits:
        row = {"uri": h.uri, "type": ["skos:Concept"], "prefLabel": h.pref_label, "lang": h.lang, "vocab": vocab}
        if h.match_type == "altLabel":
            row["altLabel"] = h.matched_label
        elif h.match_type in ("hiddenLabel", "reading"):
            row["hiddenLabel"] = h.matched_label
        results.append(row)
    return jsonify({"@context": CONTEXT, "uri": "", "results": results})


def _rdf_format() -> str:
    fmt = request.args.get("format")
    if fmt:
        name = MEDIA_TO_FORMAT.get(fmt, FORMAT_ALIASES.get(fmt, fmt))
        if name not in GRAPH_FORMATS and name not in DATASET_FORMATS:
            raise NotAcceptable(f"Unsupported format {fmt!r}", sorted([*GRAPH_FORMATS, *DATASET_FORMATS]))
        return name
    media = request.accept_mimetypes.best_match([m for _, m in GRAPH_FORMATS.values()]
                                                + [m for _, m in DATASET_FORMATS.values()])
    return MEDIA_TO_FORMAT.get(media, "turtle") if request.headers.get("Accept") else "turtle"


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
    """The whole vocabulary, or one concept's description with `uri`."""
    _vocab(vocid)
    fmt = _rdf_format()
    uri = request.args.get("uri")
    svc = service()
    if uri:
        svc.concept(uri)  # 404 for an unknown concept
        return _rdf_response(svc.artifact.store.serialize(fmt, prefixes=svc.artifact.manifest.get("prefixes"),
                                                           subject=uri), fmt)
    return _rdf_response(svc.export(fmt), fmt)


@bp.get("/rest/v1/<vocid>/concept")
def concept(vocid: str):
    _vocab(vocid)
    uri = request.args.get("uri", "")
    if not uri:
        raise InvalidRequest("uri parameter missing")
    return jsonify(service().concept(uri))


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
    return jsonify({"status": "ready", "artifact": svc.artifact.path.name, "concepts": len(svc.artifact.searcher.index)})
