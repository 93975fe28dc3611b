"""HTML pages: search, concept pages (the dereferencing target of concept IRIs), browse, glossaries.

Thin on purpose: parse the request, call kg.browse / the Service, render a template.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from kg import browse
from kg.errors import NotFound
from kg.web import service
from kg.web.rest import _rdf_response

bp = Blueprint("pages", __name__)
RDF_MEDIA = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
             "application/n-triples": "nt"}
MAX_QUERY = 500


def local_path(uri: str) -> str:
    """The page of a concept IRI on this server (other IRIs are returned as they are)."""
    base = service().settings.base_iri + "concept/"
    return url_for("pages.concept_page", cid=uri[len(base):]) if uri.startswith(base) else uri


@bp.app_context_processor
def _template_globals() -> dict:
    return {"local": local_path, "concept_base": service().settings.base_iri + "concept/",
            "vocab_title": service().settings.vocab_title, "glossary_name": browse.glossary_name}


def _not_found(message: str):
    return render_template("not_found.html", message=message), 404


def _with_links(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["href"] = local_path(row["uri"])
        for g in row["glossaries"]:
            g["href"] = url_for("pages.glossary", file=g["file"])
    return rows


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    result = browse.full_search(service(), q) if q else None
    if result is not None:
        _with_links(result.rows)
        _with_links(result.nearest)
    return render_template("index.html", q=q, result=result)


@bp.get("/search.json")
def live_search():
    """Rows for the search box as the user types (the search page's script calls this)."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    limit = min(max(request.args.get("limit", 8, type=int) or 8, 1), 20)
    return jsonify({"query": q, "results": _with_links(browse.live_search(service(), q, limit=limit))})


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
        return _not_found(f"この用語は見つかりませんでした: {uri}")
    page = render_template("concept.html", **browse.concept_view(browse.catalogue(svc.artifact), data))
    return page, 200, {"Vary": "Accept"}


@bp.get("/page")
def page_for_uri():
    uri = request.args.get("uri", "")
    base = service().settings.base_iri + "concept/"
    if not uri.startswith(base):
        abort(404)
    return redirect(url_for("pages.concept_page", cid=uri[len(base):]))


@bp.get("/browse")
@bp.get("/browse/<key>")
def browse_index(key: str | None = None):
    cat = browse.catalogue(service().artifact)
    if key is not None and key not in browse.SECTION_TITLES:
        return _not_found(f"索引「{key}」はありません")
    keys = [key] if key else [k for k, _, n in cat.nav() if n]
    sections = [(k, browse.SECTION_TITLES[k], cat.section(k)) for k in keys]
    return render_template("browse.html", nav=cat.nav(), current=key, sections=sections, total=len(cat.entries))


@bp.get("/glossaries")
def glossaries():
    cat = browse.catalogue(service().artifact)
    return render_template("glossaries.html", glossaries=list(cat.glossaries.values()), total=len(cat.entries))


@bp.get("/glossaries/<file>")
def glossary(file: str):
    cat = browse.catalogue(service().artifact)
    g = cat.glossaries.get(file)
    if g is None:
        return _not_found(f"用語集「{file}」はありません")
    return render_template("glossary.html", g=g)
