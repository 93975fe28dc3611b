"""The application's error tree; the web layer and the CLI map these once, at the edge."""

from __future__ import annotations


class KGError(Exception):
    """Base of every error the application reports to a user."""

    title = "Error"


class ConfigError(KGError):
    title = "Configuration error"


class NotFound(KGError):
    title = "Not found"


class InvalidRequest(KGError):
    """A request parameter is missing or malformed."""

    title = "Bad request"


class InvalidQuery(KGError):
    """A SPARQL query does not parse; carries the parser's position when known."""

    title = "Malformed query"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")


class QueryRefused(KGError):
    """A query is well-formed but not allowed: updates, SERVICE, LOAD, FROM <url>…"""

    title = "Query refused"


class QueryTimeout(KGError):
    title = "Query timed out"


class ResultTooLarge(KGError):
    title = "Result too large"


class NotAcceptable(KGError):
    """No representation matches the Accept header or format parameter."""

    title = "Not acceptable"

    def __init__(self, message: str, supported: list[str]):
        self.supported = supported
        super().__init__(f"{message}; supported: {', '.join(supported)}")


class UnsupportedMediaType(KGError):
    title = "Unsupported media type"


class IndexNotReady(KGError):
    """No built artifact, or one built with a different model than configured."""

    title = "Index not ready"


class BuildError(KGError):
    title = "Build failed"


class QueryFailed(KGError):
    """The query could not be completed: the worker died or the engine reported an error."""

    title = "Query failed"


class QueryMemoryExceeded(QueryFailed):
    """The query needed more memory than the worker is allowed."""

    title = "Query exceeded the memory limit"
