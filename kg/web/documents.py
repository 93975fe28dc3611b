"""The write API: add or replace glossaries over HTTP, rebuilt in the background and swapped in atomically.

POST /rest/v1/documents        multipart field(s) `file`, or a raw body with ?name=FILE.txt; Bearer token.
                               Every file is checked first (decodes, has glossary entries, size); any
                               rejection refuses the whole request and changes nothing. Accepted: 202 and a
                               status URL (Location). ?wait=S (at most 60) answers when the build has
                               finished if that is sooner: 201 done, 422 failed (previous artifact serving).
GET  /rest/v1/documents        the stored documents and whether the served artifact has their bytes.
GET  /rest/v1/documents/jobs/ID  a build job's state (?wait=S long-polls until it has finished).

No token configured (KG_WRITE_TOKEN) -> 403 on every route: the write API is off. Missing or malformed
Authorization -> 401 with WWW-Authenticate; wrong token -> 403. Refusals: 411 no Content-Length (chunked),
413 over KG_MAX_DOCUMENT_MB, 415 urlencoded form, 422 not a glossary, 503 + Retry-After queue full.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from kg.documents import (
    BuildBusy,
    BuildQueue,
    CheckedDocument,
    DocumentRejected,
    DocumentTooLarge,
    Job,
    check_document,
    load_job,
    wait_for_job,
)
from kg.errors import InvalidRequest, NotFound, UnsupportedMediaType
from kg.inputs import stored_documents
from kg.web import service
from kg.web.auth import authorise_write
from kg.web.errors import problem

bp = Blueprint("documents", __name__)
MAX_WAIT_S = 60.0


@bp.errorhandler(DocumentRejected)
def _rejected(exc: DocumentRejected) -> Response:
    if isinstance(exc, DocumentTooLarge):
        return problem(413, exc.title, str(exc))
    return problem(422, exc.title, f"{exc}; nothing was changed")


@bp.errorhandler(BuildBusy)
def _busy(exc: BuildBusy) -> Response:
    response = problem(503, exc.title, str(exc))
    response.headers["Retry-After"] = "5"
    return response


@bp.before_request
def _authorise() -> Response | None:
    return authorise_write()


def _queue() -> BuildQueue:
    queue = current_app.extensions.get("kg_build_queue")
    if queue is None:
        svc = current_app.extensions["kg"]  # the shared Service, not this request's pinned view
        queue = current_app.extensions["kg_build_queue"] = BuildQueue(
            svc.settings, embedder=lambda: svc.embedder, on_built=svc.reload_if_changed)
    return queue


def _wait_arg() -> float:
    raw = request.args.get("wait", "")
    if raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidRequest("wait must be a number of seconds") from exc
    if not 0 <= value <= MAX_WAIT_S:  # also refuses nan
        raise InvalidRequest(f"wait must be between 0 and {MAX_WAIT_S:g} seconds")
    return value


def _uploads() -> list[CheckedDocument]:
    limit = service().settings.max_document_bytes
    if request.mimetype == "multipart/form-data":
        files = [f for key in request.files for f in request.files.getlist(key)]
        if not files:
            raise InvalidRequest("no file in the form: send each glossary as a multipart field named `file`")
        return [check_document(f.read(limit + 1), f.filename or "", limit) for f in files]
    if request.mimetype == "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("send the glossary as multipart/form-data or as the raw body with ?name=FILE")
    name = request.args.get("name", "")
    if not name:
        raise InvalidRequest("name parameter missing: the file name to store the raw body under, e.g. ?name=new.txt")
    return [check_document(request.get_data(cache=False), name, limit)]


def _job_response(job: Job, status: int) -> Response:
    url = url_for("documents.job_status", job_id=job.id)
    response = jsonify({**asdict(job), "status_url": url})
    response.status_code = status
    response.headers["Location"] = url
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/rest/v1/documents")
def add():
    if request.content_length is None:
        # A chunked body past the size cap is cut short by werkzeug, not refused: a glossary would be stored
        # truncated. With the length announced, an oversized one is refused before a byte is read.
        return problem(411, "Length required", "send the upload with a Content-Length header (not chunked)")
    wait = _wait_arg()
    docs = _uploads()
    queue = _queue()
    job = queue.submit(docs)
    if wait > 0:
        job = wait_for_job(queue.settings, job.id, wait) or job
    if job.status == "failed":
        return problem(422, "Build failed", f"{job.error}; the previous artifact is still serving", job=asdict(job))
    return _job_response(job, 201 if job.status == "done" else 202)


@bp.get("/rest/v1/documents")
def listing():
    svc = service()
    built: dict[str, str] = {}
    artifact = None
    if svc.ready:
        artifact = svc.artifact.path.name
        built = {d["name"]: d["sha256"] for d in svc.artifact.manifest.get("documents", [])}
    rows = []
    for path in stored_documents(svc.settings):
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        rows.append({"name": path.name, "bytes": len(data), "sha256": sha, "served": built.get(path.name) == sha})
    return jsonify({"artifact": artifact, "documents": rows})


@bp.get("/rest/v1/documents/jobs/<job_id>")
def job_status(job_id: str):
    settings = service().settings
    wait = _wait_arg()
    job = wait_for_job(settings, job_id, wait) if wait > 0 else load_job(settings, job_id)
    if job is None:
        raise NotFound(f"no build job {job_id!r}")
    return _job_response(job, 200)
