"""search.index.expected_texts: what a build tokenizes while its store loads is what the index asks for."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox

from ingest.pipeline import ingest_paths
from ingest.profile import named_profile, use_profile
from ingest.rdf import write_nquads
from search.index import CONCEPT_ROWS_QUERY, concept_docs_from_rows, expected_texts

DATA = Path(__file__).parent.parent / "data"


def test_the_expected_texts_are_the_index_texts():
    with use_profile(named_profile("callcenter")):
        concepts, report = ingest_paths(sorted(DATA.glob("*.txt")))
    out = io.BytesIO()
    write_nquads(out, concepts, report.documents, title="用語集")
    store = ox.Store()
    store.bulk_load(out.getvalue(), format=ox.RdfFormat.N_QUADS)
    rows = ((c.value, p.value, o.value, getattr(o, "language", None))
            for c, p, o in store.query(CONCEPT_ROWS_QUERY, use_default_graph_as_union=True))
    docs = concept_docs_from_rows(rows)
    expected = set(expected_texts(concepts))
    asked = [doc.text() for doc in docs] + [" ".join(doc.definitions) for doc in docs if doc.definitions]
    found = sum(text in expected for text in asked)
    assert found >= 0.95 * len(asked), (found, len(asked))
