"""HTML pages: search, concept pages (the dereferencing target of concept IRIs), browse, glossaries.

Thin on purpose: parse the request, call kg.browse / the Service, render a template.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request, url_for

from kg import browse
from kg.errors import NotFound
from kg.web import service
from kg.web.rest import _rdf_response

bp = Blueprint("pages", __name__)
RDF_MEDIA = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
             "application/n-triples": "nt"}
MAX_QUERY = 500


# Every page exists once per vocabulary: /browse is the default vocabulary's, /vocab/<vocid>/browse another's.
# The vocabulary of the request is kept in g and added to every url_for of a page (Flask's url_defaults).


@bp.url_value_preprocessor
def _pop_vocid(endpoint, values) -> None:
    g.kg_vocid = (values or {}).pop("vocid", None)


@bp.url_defaults
def _add_vocid(endpoint: str, values: dict) -> None:
    vocid = g.get("kg_vocid")
    if vocid and "vocid" not in values and endpoint.startswith("pages.") and endpoint != "pages.page_for_uri":
        values["vocid"] = vocid


def _scope():
    """The vocabulary of this page (NotFound for an unknown id)."""
    return service().artifact.vocabularies.get(g.get("kg_vocid"))


def _vocid_of(vocabulary) -> str | None:
    return None if vocabulary.id == service().artifact.vocabularies.default.id else vocabulary.id


def local_path(uri: str) -> str:
    """The page of a concept IRI on this server, in its own vocabulary (other IRIs are returned as they are)."""
    found = service().artifact.vocabularies.concept_page(uri) if service().ready else None
    if found is None:
        return uri
    vocabulary, cid = found
    return url_for("pages.concept_page", cid=cid, vocid=_vocid_of(vocabulary))


@bp.app_context_processor
def _template_globals() -> dict:
    svc = service()
    if not svc.ready:
        return {"local": local_path, "concept_base": "", "vocab_title": svc.settings.vocab_title or "jaterm",
                "glossary_name": browse.glossary_name, "vocab_links": [], "export_vocab": None}
    served = svc.artifact.vocabularies
    try:
        scope = _scope()
    except NotFound:
        scope = served.default
    cat = browse.catalogue(svc.artifact, scope)
    links = [(v.title_in("ja"), url_for("pages.index", vocid=_vocid_of(v)), v.id == scope.id)
             for v in served.vocabularies if not v.loaded]
    return {"local": local_path, "concept_base": scope.concept_base, "vocab_title": scope.title_in("ja"),
            "glossary_name": cat.glossary_name, "vocab_links": links if len(links) > 1 else [],
            "export_vocab": _vocid_of(scope)}


def _not_found(message: str):
    return render_template("not_found.html", message=message), 404


def _with_links(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["href"] = local_path(row["uri"])
        for glossary_row in row["glossaries"]:
            glossary_row["href"] = url_for("pages.glossary", file=glossary_row["file"])
    return rows


@bp.get("/")
@bp.get("/vocab/<vocid>/")
def index():
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    result = browse.full_search(service(), q, scope=_scope()) if q else None
    if result is not None:
        _with_links(result.rows)
        _with_links(result.nearest)
    return render_template("index.html", q=q, result=result)


@bp.get("/search.json")
@bp.get("/vocab/<vocid>/search.json")
def live_search():
    """Rows for the search box as the user types (the search page's script calls this)."""
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    limit = min(max(request.args.get("limit", 8, type=int) or 8, 1), 20)
    return jsonify({"query": q, "results": _with_links(browse.live_search(service(), q, limit=limit,
                                                                          scope=_scope()))})


@bp.get("/concept/<cid>")
@bp.get("/vocab/<vocid>/concept/<cid>")
def concept_page(cid: str):
    svc = service()
    scope = _scope()
    uri = scope.concept_base + cid
    best = request.accept_mimetypes.best_match(["text/html", *RDF_MEDIA])
    wants_rdf = best in RDF_MEDIA and bool(request.headers.get("Accept"))
    try:
        data = svc.concept(uri)
    except NotFound:
        # A retired IRI (merged by a rebuild or a curator) moved for good: links and bookmarks land on
        # the survivor, where content negotiation happens. Its owl:deprecated / dct:isReplacedBy
        # statements stay in the graph, so SPARQL still sees why.
        replacement = svc.replacement(uri)
        if replacement is not None:
            return redirect(local_path(replacement), code=301)
        if wants_rdf:
            raise
        return _not_found(f"この用語は見つかりませんでした: {uri}")
    if wants_rdf and best is not None:
        fmt = RDF_MEDIA[best]
        return _rdf_response(svc.artifact.store.serialize(fmt, prefixes=svc.artifact.manifest.get("prefixes"),
                                                           subject=uri), fmt)
    page = render_template("concept.html", **browse.concept_view(browse.catalogue(svc.artifact, scope), data))
    return page, 200, {"Vary": "Accept"}


@bp.get("/page")
def page_for_uri():
    uri = request.args.get("uri", "")
    if service().artifact.vocabularies.concept_page(uri) is None:
        abort(404)
    return redirect(local_path(uri))


@bp.get("/browse")
@bp.get("/browse/<key>")
@bp.get("/vocab/<vocid>/browse")
@bp.get("/vocab/<vocid>/browse/<key>")
def browse_index(key: str | None = None):
    cat = browse.catalogue(service().artifact, _scope())
    if key is not None and key not in browse.SECTION_TITLES:
        return _not_found(f"索引「{key}」はありません")
    keys = [key] if key else [k for k, _, n in cat.nav() if n]
    sections = [(k, browse.SECTION_TITLES[k], cat.section(k)) for k in keys]
    return render_template("browse.html", nav=cat.nav(), current=key, sections=sections, total=len(cat.entries))


@bp.get("/glossaries")
@bp.get("/vocab/<vocid>/glossaries")
def glossaries():
    cat = browse.catalogue(service().artifact, _scope())
    return render_template("glossaries.html", glossaries=list(cat.glossaries.values()), total=len(cat.entries))


@bp.get("/glossaries/<file>")
@bp.get("/vocab/<vocid>/glossaries/<file>")
def glossary(file: str):
    cat = browse.catalogue(service().artifact, _scope())
    g = cat.glossaries.get(file)
    if g is None:
        return _not_found(f"用語集「{file}」はありません")
    return render_template("glossary.html", g=g)
