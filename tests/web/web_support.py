"""Helpers shared by the page and browser tests (not a test module)."""

from __future__ import annotations


def uri_of(service, label: str) -> str:
    rows = service.lookup(label)
    assert rows, f"the bundled corpus no longer has {label!r}"
    return rows[0]["uri"]


def path_of(service, uri: str) -> str:
    return "/concept/" + uri[len(service.artifact.vocabularies.default.concept_base):]
