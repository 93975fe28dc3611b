"""HTML pages: search, concept page (also the dereferencing target of concept IRIs)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from kg.errors import NotFound
from kg.web import service
from kg.web.rest import _rdf_response

bp = Blueprint("pages", __name__)
RDF_MEDIA = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
             "application/n-triples": "nt"}


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()
    hits = service().suggest(q, limit=20) if q else []
    return render_template("index.html", q=q, hits=hits, searched=bool(q))


@bp.get("/concept/<cid>")
def concept_page(cid: str):
    svc = service()
    uri = svc.settings.base_iri + f"concept/{cid}"
    best = request.accept_mimetypes.best_match(["text/html", *RDF_MEDIA])
    if best in RDF_MEDIA and request.headers.get("Accept"):
        svc.concept(uri)
        fmt = RDF_MEDIA[best]
        return _rdf_response(svc.artifact.store.serialize(fmt, prefixes=svc.artifact.manifest.get("prefixes"),
                                                           subject=uri), fmt)
    try:
        data = svc.concept(uri)
    except NotFound:
        abort(404)
    return render_template("concept.html", c=data, local=local_path)


@bp.get("/page")
def page_for_uri():
    uri = request.args.get("uri", "")
    base = service().settings.base_iri + "concept/"
    if not uri.startswith(base):
        abort(404)
    return redirect(url_for("pages.concept_page", cid=uri[len(base):]))


def local_path(uri: str) -> str:
    base = service().settings.base_iri + "concept/"
    return url_for("pages.concept_page", cid=uri[len(base):]) if uri.startswith(base) else uri


