"""Flask application factory: thin HTTP layer over kg.service.Service."""

from __future__ import annotations

import inspect
import logging
import os
import time
from typing import Any

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider

from kg.config import Settings
from kg.service import Service

log = logging.getLogger("kg.web")
RELOAD_CHECK_S = 1.0


class PinnedService:
    """One request's view of the Service: the artifact it started with, even if a reload swaps it meanwhile.

    A view that calls the service twice (search hits, then the store to label them) must not get hits from
    one artifact and labels from the next. Every method of Service runs here as Service's own code with
    `self` this view, so `self.artifact` is the pinned artifact: a read method added to Service is pinned
    without being listed anywhere. Everything else (settings, embedder, runner, ready) is read through to
    the shared Service. The view is read-only: a method that changes the service fails loudly here
    instead of changing a copy, and the few that change it on purpose run on the shared Service.
    """

    _ON_SHARED = frozenset({"load", "reload_if_changed", "close"})  # they change what every request sees

    def __init__(self, svc: Service, artifact: Any):
        object.__setattr__(self, "_svc", svc)
        object.__setattr__(self, "_pinned", artifact)

    @property
    def artifact(self) -> Any:
        return self._pinned

    def __getattr__(self, name: str) -> Any:
        member = inspect.getattr_static(type(self._svc), name, None)
        if inspect.isfunction(member) and name not in self._ON_SHARED:
            return member.__get__(self)
        return getattr(self._svc, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot set {name!r} on a request's pinned view of the service (it is read-only)")


def create_app(settings: Settings | None = None, service: Service | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    if isinstance(app.json, DefaultJSONProvider):  # Japanese as itself, keys in the order we wrote them
        app.json.ensure_ascii = False
        app.json.sort_keys = False
    app.extensions["kg"] = service or Service(settings)
    app.extensions["kg_settings"] = settings

    from kg.web import documents, errors, limits, pages, rest, review, sparql

    errors.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(review.bp)

    last_check: dict[str, Any] = {"t": 0.0, "target": None}

    @app.before_request
    def _reload() -> None:
        now = time.monotonic()
        # Reading the `current` link costs microseconds: a new artifact (a curation, an added glossary)
        # is served from the very next request of every worker, not up to RELOAD_CHECK_S later.
        try:
            target = os.readlink(settings.current_artifact)
        except OSError:
            target = None
        if target != last_check["target"] or now - last_check["t"] > RELOAD_CHECK_S:
            last_check["t"], last_check["target"] = now, target
            svc: Service = app.extensions["kg"]
            try:
                svc.reload_if_changed()
            except Exception:  # a bad new artifact must not take the old one down
                log.exception("reloading the artifact failed; still serving the previous one")

    @app.after_request
    def _finish(response):
        if request.method == "GET":
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        return response

    # Limits first (they answer before the reload hook and any view), then one JSON log line per request.
    limits.install(app, settings)
    return app


def service() -> Service:
    """The Service, pinned to one artifact for the rest of the request once a request first asks for it."""
    from flask import current_app, has_request_context

    svc: Service = current_app.extensions["kg"]
    if not has_request_context():
        return svc
    pinned = g.get("kg_pinned")
    if pinned is None:
        if not svc.ready:
            return svc  # nothing loaded yet: the first use loads (or raises IndexNotReady)
        pinned = g.kg_pinned = PinnedService(svc, svc.artifact)
    return pinned
