"""The embedded graph store of one artifact (pyoxigraph on disk), for trusted queries only.

User-supplied SPARQL never runs here: it goes through kg.sparql (gate) and
kg.sparql_worker (a killable process). These helpers run queries we wrote ourselves.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from search.normalize import loose_key

log = logging.getLogger(__name__)

GRAPH_FORMATS = {
    "turtle": (ox.RdfFormat.TURTLE, "text/turtle"),
    "xml": (ox.RdfFormat.RDF_XML, "application/rdf+xml"),
    "json-ld": (ox.RdfFormat.JSON_LD, "application/ld+json"),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples"),
}
DATASET_FORMATS = {
    "trig": (ox.RdfFormat.TRIG, "application/trig"),
    "nquads": (ox.RdfFormat.N_QUADS, "application/n-quads"),
}
FORMAT_ALIASES = {"ttl": "turtle", "rdfxml": "xml", "rdf": "xml", "rdf+xml": "xml", "jsonld": "json-ld",
                  "json": "json-ld", "ntriples": "nt", "n-triples": "nt", "nq": "nquads", "n-quads": "nquads"}


def solutions_of(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """A SELECT query's result (pyoxigraph types every query's result as any of the three forms)."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(result).__name__}")
    return result


def triples_of(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QueryTriples:
    """A CONSTRUCT or DESCRIBE query's result."""
    if not isinstance(result, ox.QueryTriples):
        raise TypeError(f"expected triples, got {type(result).__name__}")
    return result


def serialized(data: bytes | None) -> bytes:
    """What pyoxigraph's serialize/dump return when given no output file (typed bytes | None)."""
    if data is None:
        raise TypeError("pyoxigraph wrote to a file where bytes were asked for")
    return data


def term_value(term) -> tuple[str, str | None]:
    """(lexical value, language tag or None) of a pyoxigraph term."""
    if isinstance(term, ox.Literal):
        return term.value, term.language
    return term.value, None


LABEL_TABLE = "label_table.json"
LABEL_QUERY = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?p ?l WHERE { ?c ?p ?l . VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel } ?c a skos:Concept }"""


def label_rows_of(store: ox.Store) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for c, p, label in solutions_of(store.query(LABEL_QUERY, use_default_graph_as_union=True)):
        value = label.value
        rows.append((c.value, p.value.rsplit("#", 1)[-1], value, getattr(label, "language", None) or "",
                     loose_key(value)))
    return rows


def write_label_table(store_path: Path, table: Path) -> list[tuple[str, str, str, str, str]]:
    """Save the label rows beside the store (see GraphStore.label_rows); returns them."""
    rows = label_rows_of(ox.Store.read_only(str(store_path)))
    table.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return rows


class GraphStore:
    """Read-only access to an artifact's store directory; safe to open from many processes."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._store = ox.Store.read_only(str(self.path))
        self._label_rows: list[tuple[str, str, str, str, str]] | None = None

    @property
    def raw(self) -> ox.Store:
        return self._store

    def label_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(concept, prefLabel|altLabel|hiddenLabel, value, lang, loose key) of every concept label.

        Read from the artifact's label table (written by kg build) when there is one: at 40k
        concepts the query plus key normalisation took 50 s, longer than a worker may take to boot.
        """
        if self._label_rows is None:  # read once: the label lookup and the Skosmos views both use them
            table = self.path.parent / LABEL_TABLE
            if table.is_file():
                self._label_rows = [tuple(row) for row in json.loads(table.read_text(encoding="utf-8"))]
            else:
                self._label_rows = label_rows_of(self._store)
        return self._label_rows

    def select(self, sparql: str, **bindings) -> list[dict[str, tuple[str, str | None]]]:
        """Run a SELECT over the union of all graphs; values as (value, lang)."""
        substitutions = {ox.Variable(k): v for k, v in bindings.items()}
        solutions = solutions_of(self._store.query(sparql, use_default_graph_as_union=True,
                                                   substitutions=substitutions or None))
        names = [v.value for v in solutions.variables]
        out = []
        for row in solutions:
            out.append({n: term_value(row[n]) for n in names if row[n] is not None})
        return out

    def rows(self, sparql: str) -> Iterator[tuple]:
        for row in solutions_of(self._store.query(sparql, use_default_graph_as_union=True)):
            yield tuple(row)

    def union_triples(self, subject: str | None = None) -> set[ox.Triple]:
        """Distinct triples of the union graph (optionally those about one subject)."""
        where = f"<{subject}> ?p ?o . BIND(<{subject}> AS ?s)" if subject else "?s ?p ?o"
        result = self._store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", use_default_graph_as_union=True)
        return set(triples_of(result))

    def serialize(self, fmt: str, prefixes: dict[str, str] | None = None, subject: str | None = None) -> bytes:
        """The union graph (or one resource's description) in a graph format."""
        fmt = FORMAT_ALIASES.get(fmt, fmt)
        if fmt in DATASET_FORMATS:
            return serialized(self._store.dump(format=DATASET_FORMATS[fmt][0]))
        rdf_format = GRAPH_FORMATS[fmt][0]
        triples = sorted(self.union_triples(subject), key=str)
        wanted = prefixes if prefixes and fmt in ("turtle", "xml") else None
        return serialized(ox.serialize(triples, format=rdf_format, prefixes=wanted))

    def count_triples(self) -> int:
        return len(self._store)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())


def release_free_memory() -> None:
    """Hand memory freed by the store's bulk load back to the system (glibc only; elsewhere nothing).

    The load's threads free 400 MB at 50k entries that malloc keeps for reuse; this process goes on
    to build the index, which forks workers, so unreturned memory would count against it twice.
    """
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl): its allocator returns memory itself
        return
    libc.malloc_trim(0)


def write_store(path: str | os.PathLike, nquads: bytes | Iterable[bytes] | Path) -> int:
    """Bulk-load N-Quads (bytes, or a file read by pyoxigraph itself) into a new store directory and flush it;
    returns the quad count."""
    store = ox.Store(str(path))
    if isinstance(nquads, Path):
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        store.bulk_load(nquads if isinstance(nquads, bytes) else b"".join(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    count = len(store)
    del store
    return count
