"""Flask application factory: thin HTTP layer over kg.service.Service."""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request

from kg.config import Settings
from kg.service import Service

log = logging.getLogger("kg.web")
RELOAD_CHECK_S = 1.0


def create_app(settings: Settings | None = None, service: Service | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["kg"] = service or Service(settings)
    app.extensions["kg_settings"] = settings

    from kg.web import errors, pages, rest, sparql

    errors.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(pages.bp)

    last_check = {"t": 0.0}

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        now = time.monotonic()
        if now - last_check["t"] > RELOAD_CHECK_S:
            last_check["t"] = now
            svc: Service = app.extensions["kg"]
            try:
                svc.reload_if_changed()
            except Exception:  # a bad new artifact must not take the old one down
                log.exception("reloading the artifact failed; still serving the previous one")

    @app.after_request
    def _finish(response):
        if request.method == "GET":
            response.headers.setdefault("Access-Control-Allow-Origin", "*")
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed)
        return response

    return app


def service() -> Service:
    from flask import current_app

    return current_app.extensions["kg"]
