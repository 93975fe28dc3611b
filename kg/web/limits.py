"""Request limits, per-client rate limits on expensive endpoints, and the structured request log.

Everything here answers before a view runs, with application/problem+json, so an oversized or abusive
request costs a few microseconds and never reaches the code that could fail on it with a 5xx.
Rate limits are Flask-Limiter's (moving windows in the `limits` library's in-memory storage). They
live in each worker process (no shared state to lose or lock): with N gunicorn workers a client gets up
to N times the configured rate, which is what the numbers in Settings.rate_limits mean. One limiter
serves every expensive class: the class is part of the key, so each class has its own budget per client.
"""

from __future__ import annotations

import json
import logging
import re
import time

from flask import Flask, Response, g, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded

from kg.config import Settings
from kg.errors import ConfigError
from kg.web.errors import problem

access_log = logging.getLogger("kg.web.access")

# Which requests are expensive, by path: SPARQL runs in worker processes, suggest embeds the text,
# a whole-vocabulary export serialises every quad, a document upload triggers a rebuild.
EXPENSIVE = (
    ("sparql", re.compile(r"^/(sparql|query)$"), None),
    ("suggest", re.compile(r"^/rest/v1/([^/]+/)?suggest$"), None),
    ("export", re.compile(r"^/(export|rest/v1/([^/]+/)?data)$"), None),
    ("documents", re.compile(r"^/rest/v1/documents(/.*)?$"), None),  # uploads, and token guessing
)


def parse_rates(spec: str) -> dict[str, float]:
    """'sparql=120,suggest=600' -> requests per minute by class; 'off' or '' -> no rate limits."""
    spec = (spec or "").strip().lower()
    if spec in ("", "off", "none", "0"):
        return {}
    rates: dict[str, float] = {}
    known = {name for name, _, _ in EXPENSIVE}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in known:
            raise ConfigError(f"KG_RATE_LIMITS: unknown class {name!r} (known: {', '.join(sorted(known))})")
        try:
            rates[name] = float(value)
        except ValueError as exc:
            raise ConfigError(f"KG_RATE_LIMITS: {part!r} is not name=requests_per_minute") from exc
    return {k: v for k, v in rates.items() if v > 0}


def classify(path: str, method: str) -> str | None:
    for name, pattern, only in EXPENSIVE:
        if (only is None or method == only) and pattern.match(path):
            if name == "export" and request.args.get("uri"):
                return None  # one concept's description is cheap; only the whole dump is rate limited
            return name
    return None


def limit_for(rate_per_minute: float) -> str:
    """`rate` a minute sustained, in bursts of a tenth of a minute's worth (at least one request)."""
    burst = max(1, round(rate_per_minute / 10))
    return f"{burst} per {max(1, round(60 * burst / rate_per_minute))} second"


def _rate_limiter(app: Flask, rates: dict[str, float]) -> Limiter:
    def expensive() -> str | None:
        return classify(request.path, request.method)

    def on_breach(breach: RequestLimit) -> Response:
        name = expensive() or "these"
        wait = max(1.0, breach.reset_at - time.time())
        response = problem(429, "Too many requests", f"at most {rates[name]:g} {name} requests a minute per client; "
                           f"retry in {wait:.1f} s")
        response.headers["Retry-After"] = str(round(wait + 0.5))
        return response

    limiter = Limiter(
        key_func=lambda: f"{expensive()}/{request.remote_addr or '-'}",
        app=app,
        storage_uri="memory://",  # per worker process (see the module docstring)
        strategy="moving-window",
        # Flask-Limiter asks for the limit before it asks whether the request is exempt: an unrated
        # request gets a placeholder that exempt_when then skips.
        application_limits=[lambda: limit_for(rates.get(expensive() or "", 60.0))],
        application_limits_exempt_when=lambda: expensive() not in rates,
        on_breach=on_breach,
    )
    # The problem+json answer built by on_breach, not the generic one for HTTP errors (kg.web.errors).
    app.register_error_handler(RateLimitExceeded, lambda exc: exc.get_response())
    return limiter


def install(app: Flask, settings: Settings) -> None:
    """Register the limit checks (first, before any other hook reads the request) and the request log."""
    rates = parse_rates(settings.rate_limits)
    rate_check = None
    if rates:
        before = list(app.before_request_funcs.get(None, []))
        _rate_limiter(app, rates)
        added = [f for f in app.before_request_funcs.get(None, []) if f not in before]
        app.before_request_funcs[None] = before
        rate_check = added[0] if added else None
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes

    def check() -> Response | None:
        g.started = time.perf_counter()
        environ = request.environ
        # WSGI strings are latin-1 decoded bytes, so their length is the length on the wire.
        url_bytes = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if url_bytes > settings.max_url_bytes:
            return problem(414, "URI too long", f"the URL is {url_bytes} bytes; at most {settings.max_url_bytes} are "
                           "accepted (send long SPARQL queries or texts in a POST body)")
        length = request.content_length
        # The write API takes glossaries up to max_document_bytes; every other body stays small.
        limit = settings.max_body_bytes
        if request.path == "/rest/v1/documents" and request.method == "POST":
            limit = settings.max_document_bytes + 64 * 1024  # multipart framing around the file
            request.max_content_length = limit
        if length is not None and length > limit:
            return problem(413, "Request entity too large", f"the body is {length} bytes; at most {limit} are accepted")
        if rate_check is not None:  # Flask-Limiter's check, after the size checks: raises RateLimitExceeded
            rate_check()
        return None

    # Run before every hook registered so far (the artifact reload among them): a refused request costs nothing.
    app.before_request_funcs.setdefault(None, []).insert(0, check)

    @app.after_request
    def _log(response: Response) -> Response:
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        pinned = g.get("kg_pinned")
        fields = {"event": "request", "method": request.method, "path": request.path, "status": response.status_code,
                  "ms": round(elapsed, 1), "bytes": response.calculate_content_length(),
                  "client": request.remote_addr}
        if pinned is not None:
            fields["artifact"] = pinned.artifact.path.name
        access_log.info("%s", json.dumps(fields, ensure_ascii=False))
        return response
