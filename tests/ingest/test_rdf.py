"""The graph as N-Quads, streamed (ingest.rdf.write_nquads): a set of quads, quoted as N-Quads requires."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from ingest.pipeline import ingest_paths
from ingest.rdf import IRIs, write_nquads

pytestmark = pytest.mark.usefixtures("bundled_profile")

DATA = Path(__file__).parent.parent / "data"
SKOS = "http://www.w3.org/2004/02/skos/core#"
BASE = "https://example.org/t/"


def _written(concepts, documents, **options) -> tuple[int, bytes]:
    out = io.BytesIO()
    count = write_nquads(out, concepts, documents, base=BASE, created=datetime(2026, 1, 1, tzinfo=UTC), **options)
    return count, out.getvalue()


def test_every_quad_is_written_once_and_parses():
    concepts, report = ingest_paths(sorted(DATA.glob("*.txt")))
    count, data = _written(concepts, report.documents, title="用語集")
    lines = data.decode("utf-8").splitlines()
    assert count == len(lines) == len(set(lines))  # a graph is a set: no line twice
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    assert len(store) == count
    # An antonym stated by one entry is an edge both ways, each stated once.
    iris = IRIs(BASE)
    cost = next(c for c in concepts if c.pref_label == "コストセンター")
    target = next(r.target_key for r in cost.relations if r.kind.value == "antonym")
    c, t = ox.NamedNode(str(iris.concept(cost.key))), ox.NamedNode(str(iris.concept(target)))
    related = ox.NamedNode(SKOS + "related")
    assert len(list(store.quads_for_pattern(c, related, t))) == 1
    assert len(list(store.quads_for_pattern(t, related, c))) == 1


def test_literals_keep_quotes_newlines_and_backslashes():
    concepts, report = ingest_paths([DATA / "headword_blank_000.txt"])
    title = 'A "quoted" title\non two lines \\ with a backslash'
    _, data = _written(concepts, report.documents, title={"en": title})
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    titles = {q.object for q in store.quads_for_pattern(ox.NamedNode(BASE + "scheme"),
                                                          ox.NamedNode("http://purl.org/dc/terms/title"), None)}
    assert titles == {ox.Literal(title, language="en")}
