"""Errors raised while reading and parsing glossary documents."""

from __future__ import annotations


class IngestError(Exception):
    """A problem with one document; str() reads like `glossary.txt:42: reason`."""

    def __init__(self, path: str, line: int | None, reason: str):
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
