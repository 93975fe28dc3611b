"""Errors as RFC 7807 application/problem+json, mapped once from the library's error tree."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from kg.errors import (
    IndexNotReady,
    InvalidQuery,
    InvalidRequest,
    KGError,
    NotAcceptable,
    NotFound,
    QueryFailed,
    QueryMemoryExceeded,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
    UnsupportedMediaType,
)

STATUS = {
    InvalidRequest: 400, InvalidQuery: 400, QueryRefused: 403, NotFound: 404, NotAcceptable: 406,
    UnsupportedMediaType: 415, ResultTooLarge: 413, QueryTimeout: 503, IndexNotReady: 503,
    QueryMemoryExceeded: 503, QueryFailed: 500,
}


def problem(status: int, title: str, detail: str, **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(KGError)
    def _kg_error(exc: KGError):
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 500)
        extra: dict[str, object] = {}
        if isinstance(exc, InvalidQuery) and exc.line is not None:
            extra = {"line": exc.line, "column": exc.column}
        if isinstance(exc, NotAcceptable):
            extra = {"supported": exc.supported}
        return problem(status, exc.title, str(exc), **extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return problem(exc.code or 500, exc.name, exc.description or exc.name)
