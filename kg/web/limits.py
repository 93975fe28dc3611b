"""Request limits, per-client rate limits on expensive endpoints, and the structured request log.

Everything here answers before a view runs, with application/problem+json, so an oversized or abusive
request costs a few microseconds and never reaches the code that could fail on it with a 5xx.
Rate buckets live in each worker process (no shared state to lose or lock): with N gunicorn workers a
client gets up to N times the configured rate, which is what the numbers in Settings.rate_limits mean.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, g, request

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
MAX_CLIENTS = 10_000  # buckets kept per class; the least recently seen client is forgotten first


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


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets per (class, client): `rate` per minute sustained, bursts of a tenth of a minute's worth."""

    def __init__(self, rates: dict[str, float]):
        self.rates = rates
        self._buckets: dict[str, OrderedDict[str, _Bucket]] = {name: OrderedDict() for name in rates}
        self._lock = threading.Lock()

    def capacity(self, name: str) -> float:
        return max(1.0, self.rates[name] / 10)

    def take(self, name: str, client: str) -> float:
        """0 if the request may go ahead, else seconds until it may."""
        rate = self.rates.get(name)
        if rate is None:
            return 0.0
        per_s, cap, now = rate / 60, self.capacity(name), time.monotonic()
        with self._lock:
            buckets = self._buckets[name]
            bucket = buckets.pop(client, None) or _Bucket(cap, now)
            bucket.tokens = min(cap, bucket.tokens + (now - bucket.at) * per_s)
            bucket.at = now
            buckets[client] = bucket
            if len(buckets) > MAX_CLIENTS:
                buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / per_s


def install(app: Flask, settings: Settings) -> None:
    """Register the limit checks (first, before any other hook reads the request) and the request log."""
    limiter = RateLimiter(parse_rates(settings.rate_limits))
    app.extensions["kg_rate_limiter"] = limiter
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
        name = classify(request.path, request.method)
        if name is not None:
            wait = limiter.take(name, request.remote_addr or "-")
            if wait > 0:
                response = problem(429, "Too many requests",
                                   f"at most {limiter.rates[name]:g} {name} requests a minute per client; "
                                   f"retry in {wait:.1f} s")
                response.headers["Retry-After"] = str(max(1, round(wait + 0.5)))
                return response
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
