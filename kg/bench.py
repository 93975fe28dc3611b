"""`kg bench`: latency of suggest and SPARQL through our code and over HTTP, next to raw references.

Every number is reported with the reference measured in the same run (raw fugashi, raw faiss, raw
pyoxigraph), so a slower machine moves both; no number here is asserted by a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

import numpy as np

QUERIES = ["放棄呼率", "電話がつながる前に切られた割合は?", "AHTって何", "first contact resolution", "こーるせんたー",
           "ｶｽﾀﾏｰｻｸｾｽ", "まちこ", "お客様の声を集めて分析すること", "有給休暇の申請方法", "エスカレーション"]
SPARQL = {
    "label search": ('PREFIX skos: <http://www.w3.org/2004/02/skos/core#> '
                     'SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(STR(?l), "コール")) }'),
    "concept with relations": ('PREFIX skos: <http://www.w3.org/2004/02/skos/core#> '
                               'SELECT ?p ?o WHERE { ?c skos:prefLabel "コストセンター"@ja ; ?p ?o }'),
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
    """A server for app in a thread of this process (tests, and bench-sparql's services): kg.web.serve's."""
    from kg.web.serve import serve_in_thread

    return serve_in_thread(app)


@contextlib.contextmanager
def served(settings):
    """The real server (`kg serve`: gunicorn, as `make run` starts it) on a free loopback port.

    It runs in its own process so that client and server do not share one interpreter: an
    in-thread server made HTTP look 3x slower than what a user gets at 40k concepts.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KG_DATA_DIR": str(settings.data_dir), "KG_CORPUS_DIR": str(settings.corpus_dir),
           "KG_EMBEDDING_MODEL": str(settings.embedding_model),
           "KG_EMBEDDING_QUERY_PREFIX": settings.query_prefix, "KG_EMBEDDING_DOCUMENT_PREFIX": settings.document_prefix,
           "KG_HOST": "127.0.0.1", "KG_PORT": str(port),
           "KG_RATE_LIMITS": "off"}  # the benchmark measures the service, not the limiter it would trip
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "-m", "kg", "serve"], env=env, stdout=log, stderr=log)
        try:
            started = time.monotonic()
            deadline = started + 180
            not_ready: OSError | None = None
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode(errors="replace").strip().splitlines()[-1:]
                    raise RuntimeError(f"kg serve exited with {proc.returncode}: {' '.join(tail)}")
                try:
                    with urllib.request.urlopen(base + "/readyz", timeout=2) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError as exc:  # not listening yet, or 503 while the artifact loads
                    not_ready = exc
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kg serve did not become ready in 180 s ({not_ready})")
                time.sleep(0.25)

            def http(path: str) -> bytes:
                with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (loopback only)
                    return response.read()

            http.ready_s = round(time.monotonic() - started, 1)  # type: ignore[attr-defined]
            yield http
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_suggest_bench(service, queries: list[str], n: int) -> dict:
    """Suggest and autocomplete, in-process and over HTTP, beside one raw fugashi parse and faiss search."""
    from ingest.tokenize import tokenize

    searcher = service.artifact.searcher
    results: dict = {"concepts": len(searcher.index), "quads": len(service.artifact.store.raw)}
    cycle = iter(range(10**9))

    def next_query() -> str:
        return queries[next(cycle) % len(queries)]

    def next_prefix() -> str:
        query = next_query()
        return query[: max(1, min(3, len(query) // 2))]

    results["raw fugashi parse"] = timed(lambda: tokenize(next_query()), n)
    vector = np.asarray(service.embedder.encode_queries([queries[0]])[0], dtype=np.float32)
    results["raw faiss search (k=50)"] = timed(lambda: searcher.index.dense_search(vector, 50), n)
    results["suggest in-process"] = timed(lambda: service.suggest(next_query()), n)
    results["autocomplete in-process"] = timed(lambda: service.complete(next_prefix()), n)
    vocid = service.artifact.vocabularies.default.id
    with served(service.settings) as http:
        results["server start to ready (s)"] = http.ready_s
        results["suggest over HTTP"] = timed(
            lambda: http("/rest/v1/suggest?text=" + urllib.parse.quote(next_query())), n)
        results["prefix search over HTTP"] = timed(
            lambda: http(f"/rest/v1/{vocid}/search?query=" + urllib.parse.quote(next_prefix() + "*")), n)
    return results


def run_bench(service, n: int = 200) -> dict:
    """Measure in-process and HTTP latencies on the current artifact."""
    from kg.sparql import prepare_query
    from kg.store import solutions_of

    results = run_suggest_bench(service, QUERIES, n)
    store = service.artifact.store.raw
    with served(service.settings) as http:
        for name, query in SPARQL.items():
            prepared = prepare_query(query)

            def raw(q: str = query) -> list:
                return list(solutions_of(store.query(q, use_default_graph_as_union=True)))

            def pool(p=prepared):
                return service.runner.run(p, media_type="application/sparql-results+json")

            def over_http(q: str = query):
                return http("/sparql?query=" + urllib.parse.quote(q))

            results[f"SPARQL {name}: raw pyoxigraph"] = timed(raw, n)
            results[f"SPARQL {name}: worker pool"] = timed(pool, n)
            results[f"SPARQL {name}: HTTP"] = timed(over_http, n)
    return results


def format_suggest(results: dict) -> list[str]:
    lines = [f"concepts: {results['concepts']}, quads: {results['quads']}, "
             f"server start to ready: {results['server start to ready (s)']} s", ""]
    lines.append(f"{'measurement':<48} {'p50 ms':>9} {'p99 ms':>9}")
    for name, value in results.items():
        if isinstance(value, dict):
            lines.append(f"{name:<48} {value['p50_ms']:>9.3f} {value['p99_ms']:>9.3f}")
    http, faiss, fugashi = (results[k]["p50_ms"] for k in
                            ("suggest over HTTP", "raw faiss search (k=50)", "raw fugashi parse"))
    lines.append(f"suggest over HTTP / (raw fugashi + raw faiss): {http / (faiss + fugashi):.1f}x "
                 f"(+{http - faiss - fugashi:.2f} ms)")
    return lines


def format_results(results: dict) -> str:
    lines = format_suggest(results)
    for name in SPARQL:
        raw = results[f"SPARQL {name}: raw pyoxigraph"]["p50_ms"]
        http = results[f"SPARQL {name}: HTTP"]["p50_ms"]
        lines.append(f"ratio HTTP / raw pyoxigraph, {name}: {http / raw:.1f}x (+{http - raw:.2f} ms)")
    lines.append(json.dumps(results, ensure_ascii=False))
    return "\n".join(lines)


ICONCLASS = "scale/derived/iconclass_skos_derived.nt.gz"
SCALE_QUERIES = ["聖母子", "天使と悪魔", "海の風景", "馬に乗った人", "キリストの磔刑", "静物画", "ぶどう酒", "かみなり",
                 "放棄呼率", "AHTって何"]


def run_scale_bench(settings, shared_dir, n: int = 200, progress=lambda step: None) -> dict | None:
    """Suggest at ~40k concepts, in-process and over HTTP, on a real artifact.

    The Iconclass SKOS file in ../shared/scale (40.7k concepts with Japanese labels) is loaded with the
    same code as `kg load` into a throw-away data directory beside the corpus, built into an artifact
    and served by the same Flask app, so every layer a user's request crosses is in the number.
    """
    import dataclasses
    import tempfile
    from pathlib import Path

    from kg.build import build_artifact
    from kg.external import store_vocabulary
    from kg.service import Service

    path = Path(shared_dir) / ICONCLASS
    if not path.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        scaled = dataclasses.replace(settings, data_dir=Path(tmp))
        started = time.perf_counter()
        store_vocabulary(scaled, path, "iconclass")
        service = Service(scaled)
        build_artifact(scaled, embedder=service.embedder, on_step=progress)
        build_s = time.perf_counter() - started
        try:
            progress("measure")
            results = {"build_s": round(build_s, 1), **run_suggest_bench(service, SCALE_QUERIES, n)}
        finally:
            service.close()
    return results
