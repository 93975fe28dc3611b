"""The review queue and curation over HTTP.

GET  /rest/v1/review?limit=N   the concepts a decision is worth most for (kg.review), best first.
POST /rest/v1/curations        one decision (JSON), with the write token as for /rest/v1/documents. Answers 201
                               with the stored decision once the new artifact serves it; 400 for a malformed
                               body, 422 for one that names no concept or changes nothing, 401/403 for the token,
                               503 + Retry-After while another build holds the lock. Always problem+json.
GET  /rest/v1/curations        the decision log (newest first); /rest/v1/curations/ID one decision.
GET  /rest/v1/review/unanswered?limit=N   questions suggest had no confident answer for, most asked first,
                               each with the concepts the search would have guessed (kg.review).
GET  /review                   the page a curator works from (templates/review.html, static/review.js).

Lookups (suggest's best hit, lookup results) are counted here for the queue's weighting, and suggest
questions left without a confident answer for the unanswered list.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from kg import browse
from kg.curation import CurationRejected, read_log
from kg.curator import curate
from kg.documents import BuildBusy
from kg.errors import InvalidRequest, NotFound
from kg.review import LookupCounter, review_queue
from kg.web import service
from kg.web.auth import authorise_write
from kg.web.errors import problem
from kg.web.pages import local_path

log = logging.getLogger(__name__)
bp = Blueprint("review", __name__)
MAX_LIMIT = 200
CURATION_WAIT_S = 30.0  # how long a decision waits for a build already running (kg add) before a 503


def counter() -> LookupCounter:
    counter_ = current_app.extensions.get("kg_lookups")
    if counter_ is None:
        counter_ = current_app.extensions["kg_lookups"] = LookupCounter(service().settings.data_dir)
    return counter_


def _limit(default: int = 20) -> int:
    raw = request.args.get("limit", "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidRequest("limit parameter is invalid: must be an integer") from exc
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidRequest(f"limit parameter is invalid: must be between 1 and {MAX_LIMIT}")
    return value


def _queue(limit: int):
    # Concepts of loaded vocabularies (kg load) carry no headword confidence, so they never queue.
    return review_queue(service().artifact.store, counter().counts(), limit)


@bp.errorhandler(CurationRejected)
def _rejected(exc: CurationRejected) -> Response:
    return problem(422, exc.title, f"{exc}; nothing was changed")


@bp.errorhandler(BuildBusy)
def _busy(exc: BuildBusy) -> Response:
    response = problem(503, exc.title, str(exc))
    response.headers["Retry-After"] = "5"
    return response


@bp.get("/rest/v1/review")
def review():
    response = jsonify({"results": [item.as_dict() for item in _queue(_limit())]})
    response.headers["Cache-Control"] = "no-store"
    return response


GUESSES = 3  # concepts offered per unanswered question


def _unanswered(limit: int) -> list[dict]:
    """The unanswered questions, each with the concepts lookup ranks first for it now (below its threshold,
    or it would have answered; a question a curator has since attached to a concept shows that concept)."""
    svc = service()
    out = []
    for question, count, last in counter().unanswered(limit):
        guesses = svc.suggest(question, limit=GUESSES, include_unconfident=True)
        out.append({"question": question, "count": count, "lastAsked": last,
                    "candidates": [{"uri": h.uri, "prefLabel": h.pref_label, "score": round(h.score, 4),
                                    "confident": h.confident, "href": local_path(h.uri)} for h in guesses]})
    return out


@bp.get("/rest/v1/review/unanswered")
def unanswered():
    response = jsonify({"results": _unanswered(_limit())})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/rest/v1/curations")
def add_curation():
    refused = authorise_write()
    if refused is not None:
        return refused
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise InvalidRequest('the body must be JSON such as {"concept": "<IRI>", "action": "rename", "label": "…"}')
    shared = current_app.extensions["kg"]  # the shared Service (its loaded model builds the new index)
    result = curate(shared.settings, body, g.writer, embedder=shared.embedder, wait_s=CURATION_WAIT_S)
    try:
        shared.reload_if_changed()  # this worker answers from the new artifact at once; others on their next request
    except Exception:  # the decision is logged and published; a failed reload is retried per request
        log.exception("reloading after curation %s failed", result.decision.id)
    payload = {**result.decision.as_dict(), "artifact": result.artifact, "seconds": result.seconds}
    if result.unapplied:
        payload["unapplied"] = [u.line() for u in result.unapplied]
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = url_for("review.curation", decision_id=result.decision.id)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rest/v1/curations")
def curations():
    decisions = read_log(service().settings).decisions
    limit = _limit(default=MAX_LIMIT)
    return jsonify({"results": [d.as_dict() for d in reversed(decisions)][:limit]})


@bp.get("/rest/v1/curations/<decision_id>")
def curation(decision_id: str):
    for d in read_log(service().settings).decisions:
        if d.id == decision_id:
            return jsonify(d.as_dict())
    raise NotFound(f"no curation decision {decision_id!r}")


@bp.get("/review")
def review_page():
    svc = service()
    items = _queue(_limit(default=30))
    for it in items:
        it.href = local_path(it.uri)
    recent = list(reversed(read_log(svc.settings).decisions))[:10]
    return render_template("review.html", items=items, recent=recent, glossary_name=browse.glossary_name,
                           relation_types=("synonym", "antonym", "related", "abbreviation", "broader", "hidden"),
                           unanswered=_unanswered(_limit(default=20)))


# --- counting lookups ------------------------------------------------------------------------------

def _unanswered_question(response: Response) -> str | None:
    """A suggest question answered with nothing at the service's own threshold, else None."""
    if request.endpoint != "rest.suggest" or request.values.get("threshold") not in (None, ""):
        return None
    body = response.get_json(silent=True) or {}
    return None if body.get("results") else request.values.get("text") or None


def _looked_up(response: Response) -> list[str]:
    endpoint = request.endpoint or ""
    if endpoint not in ("rest.suggest", "rest.lookup"):
        return []
    body = response.get_json(silent=True) or {}
    rows = body.get("results" if endpoint == "rest.suggest" else "result") or []
    uris = [r["uri"] for r in rows if isinstance(r, dict) and "uri" in r]
    return uris[:1] if endpoint == "rest.suggest" else uris  # suggest: the answer people take is the first


@bp.after_app_request
def _count(response: Response) -> Response:
    if response.status_code == 200 and request.method in ("GET", "POST"):
        try:
            uris = _looked_up(response)
            if uris:
                counter().hit(uris)
            elif (question := _unanswered_question(response)) is not None:
                counter().miss(question)
        except Exception:  # counting must never break an answer; the log says why it did not count
            log.exception("counting a lookup failed")
    return response
