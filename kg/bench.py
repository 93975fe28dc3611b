"""`kg bench`: latency of suggest and SPARQL through our code and over HTTP, next to raw references.

Every number is reported with the reference measured in the same run (raw fugashi, raw faiss, raw
pyoxigraph), so a slower machine moves both; no number here is asserted by a test.
"""

from __future__ import annotations

import json
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
    import numpy as np

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
