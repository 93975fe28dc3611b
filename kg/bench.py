"""`kg bench`: latency of suggest and SPARQL through our code and over HTTP, next to raw references.

Every number is reported with the reference measured in the same run (raw fugashi, raw faiss, raw
pyoxigraph), so a slower machine moves both; no number here is asserted by a test.
"""

from __future__ import annotations

import json

import numpy as np
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

QUERIES = ["放棄呼率", "電話がつながる前に切られた割合は?", "AHTって何", "first contact resolution", "こーるせんたー",
           "ｶｽﾀﾏｰｻｸｾｽ", "まちこ", "お客様の声を集めて分析すること", "有給休暇の申請方法", "エスカレーション"]
SPARQL = {
    "label search": 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(STR(?l), "コール")) }',
    "concept with relations": 'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?p ?o WHERE { ?c skos:prefLabel "コストセンター"@ja ; ?p ?o }',
    "count per predicate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
}


def timed(fn: Callable[[], object], n: int) -> dict[str, float]:
    fn()  # warm-up
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 3), "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3),
            "n": n}


def _serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


def run_bench(service, n: int = 200) -> dict:
    """Measure in-process and HTTP latencies on the current artifact."""

    from ingest.tokenize import tokenize
    from kg.sparql import prepare_query
    from kg.web import create_app

    searcher = service.artifact.searcher
    store = service.artifact.store.raw
    results: dict = {"concepts": len(searcher.index), "quads": len(store)}
    cycle = iter(range(10**9))

    def next_query() -> str:
        return QUERIES[next(cycle) % len(QUERIES)]

    results["raw fugashi parse"] = timed(lambda: tokenize(next_query()), n)
    vector = np.asarray(service.embedder.encode_queries(["放棄呼の割合"])[0], dtype=np.float32)
    results["raw faiss search (k=50)"] = timed(lambda: searcher.index.dense_search(vector, 50), n)
    results["suggest in-process"] = timed(lambda: service.suggest(next_query()), n)
    app = create_app(service.settings, service=service)
    server, base = _serve(app)
    try:
        def http(path: str) -> bytes:
            with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (loopback only)
                return response.read()

        results["suggest over HTTP"] = timed(
            lambda: http("/rest/v1/suggest?text=" + urllib.parse.quote(next_query())), n)
        for name, query in SPARQL.items():
            results[f"SPARQL {name}: raw pyoxigraph"] = timed(
                lambda q=query: list(store.query(q, use_default_graph_as_union=True)), n)
            prepared = prepare_query(query)
            results[f"SPARQL {name}: worker pool"] = timed(
                lambda p=prepared: service.runner.run(p, media_type="application/sparql-results+json"), n)
            results[f"SPARQL {name}: HTTP"] = timed(lambda q=query: http("/sparql?query=" + urllib.parse.quote(q)), n)
    finally:
        server.shutdown()
    return results


def format_results(results: dict) -> str:
    lines = [f"concepts: {results['concepts']}, quads: {results['quads']}", ""]
    lines.append(f"{'measurement':<48} {'p50 ms':>9} {'p99 ms':>9}")
    for name, value in results.items():
        if isinstance(value, dict):
            lines.append(f"{name:<48} {value['p50_ms']:>9.3f} {value['p99_ms']:>9.3f}")
    for name in SPARQL:
        raw = results[f"SPARQL {name}: raw pyoxigraph"]["p50_ms"]
        http = results[f"SPARQL {name}: HTTP"]["p50_ms"]
        lines.append(f"ratio HTTP / raw pyoxigraph, {name}: {http / raw:.1f}x (+{http - raw:.2f} ms)")
    lines.append(json.dumps(results, ensure_ascii=False))
    return "\n".join(lines)


ICONCLASS = "scale/derived/iconclass_skos_derived.nt.gz"
LABEL_ROWS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?p ?o WHERE { ?c a skos:Concept ; ?p ?o . VALUES ?p { skos:prefLabel skos:altLabel }
  FILTER(LANG(?o) = "ja") }"""


def run_scale_bench(embedder, shared_dir, n: int = 200) -> dict | None:
    """Suggest at ~40k concepts: the Japanese labels of the Iconclass SKOS file in ../shared/scale."""
    import gzip
    from pathlib import Path

    import pyoxigraph as ox

    from search.hybrid import Searcher
    from search.index import ConceptIndex, concept_docs_from_rows

    path = Path(shared_dir) / ICONCLASS
    if not path.exists():
        return None
    started = time.perf_counter()
    store = ox.Store()
    with gzip.open(path, "rb") as f:
        store.bulk_load(f, format=ox.RdfFormat.N_TRIPLES)
    rows = ((c.value, p.value, o.value, o.language) for c, p, o in store.query(LABEL_ROWS))
    docs = [d for d in concept_docs_from_rows(rows) if d.pref_labels]
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embedder.encode_documents([d.text() for d in docs])
    index = ConceptIndex(docs, vectors, embedder.model_id)
    index_s = time.perf_counter() - started
    searcher = Searcher(index, embedder)
    labels = [d.pref_label for d in docs[:: max(1, len(docs) // 50)]]
    queries = [*labels[:20], *(label[: max(2, len(label) // 2)] for label in labels[20:40]), "聖母子", "天使と悪魔",
               "海の風景", "馬に乗った人"]
    cycle = iter(range(10**9))
    vector = np.asarray(embedder.encode_queries(["聖母子"])[0], dtype=np.float32)
    return {
        "concepts": len(docs),
        "load_s": round(load_s, 1),
        "index_build_s": round(index_s, 1),
        "raw faiss search (k=50)": timed(lambda: index.dense_search(vector, 50), n),
        "suggest in-process": timed(lambda: searcher.suggest(queries[next(cycle) % len(queries)]), n),
        "autocomplete in-process": timed(lambda: searcher.complete(queries[next(cycle) % len(queries)][:2]), n),
    }
