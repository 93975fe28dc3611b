"""Hostile SPARQL over real HTTP on a 100k-triple synthetic SKOS store: every one ends cleanly within its
deadline, no URL named in a query is ever fetched, and a simple query keeps answering meanwhile."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
import time
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from kg.bench import _serve
from kg.bench_sparql import StoreOnlyService, store_artifact, synthetic_skos

TIMEOUT_S = 3.0  # the server's limit; the tests ask for less with timeout=
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
SIMPLE = SKOS + "ASK { <https://bench.example.org/synthetic/c0000001> skos:broader ?b }"


class Canary:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                hits.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.end_headers()
                self.wfile.write(b"<urn:x> <urn:y> <urn:z> .\n")

            do_GET = do_POST = do_HEAD = _record

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def canary():
    c = Canary()
    with urllib.request.urlopen(c.url + "/control", timeout=5) as response:  # noqa: S310 (loopback)
        response.read()  # the canary works
    assert c.hits == [("GET", "/control")]
    c.hits.clear()
    yield c
    c.server.shutdown()
    c.server.server_close()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Our app on 127.0.0.1 over a store of about 100k synthetic SKOS triples."""
    nquads = synthetic_skos(10_000)
    settings = store_artifact(tmp_path_factory.mktemp("hostile"), lambda s: s.bulk_load(nquads, ox.RdfFormat.N_QUADS))
    settings = settings.with_(sparql_timeout_s=TIMEOUT_S, sparql_workers=2, sparql_memory_mb=1024)
    from kg.web import create_app

    service = StoreOnlyService(settings)
    service.load()
    assert len(service.artifact.store.raw) > 100_000
    server, url = _serve(create_app(settings, service=service))
    yield url
    server.shutdown()
    server.server_close()
    service.close()


def request(base: str, query: str | None = None, *, method: str = "GET", params: dict | None = None,
            body: bytes | None = None, content_type: str | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    """One raw request with http.client (nothing added behind our back)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    pairs = ([("query", query)] if query is not None else []) + list((params or {}).items())
    headers = {"Accept": "application/sparql-results+json, text/turtle;q=0.5"}
    if content_type:
        headers["Content-Type"] = content_type
    conn.request(method, "/sparql?" + urllib.parse.urlencode(pairs), body=body, headers=headers)
    response = conn.getresponse()
    out = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    conn.close()
    return out


class Prober:
    """Sends the simple query over and over while a hostile one runs; every answer must come back."""

    def __init__(self, base: str):
        self.base, self.results, self._stop = base, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = request(self.base, SIMPLE, timeout=15)[0]
            except OSError as exc:
                status = repr(exc)
            self.results.append((status, time.monotonic() - started))
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(20)
        statuses = {s for s, _ in self.results}
        assert statuses == {200}, f"the simple query failed meanwhile: {statuses}"
        # Generous bound: the machine may be busy, but a stuck server would take the whole deadline.
        assert max(t for _, t in self.results) < TIMEOUT_S + 2


def hostile(base: str, query: str, **kwargs) -> tuple[int, dict, float]:
    """Run a hostile query next to a Prober; returns status, problem body (or {}), seconds taken."""
    with Prober(base) as prober:
        time.sleep(0.1)
        started = time.monotonic()
        status, headers, body = request(base, query, **kwargs)
        elapsed = time.monotonic() - started
        time.sleep(0.2)  # the worker pool refills after a kill; the prober must still be answered
    assert len(prober.results) >= 2
    problem = json.loads(body) if headers.get("content-type", "").startswith("application/problem+json") else {}
    print(f"hostile outcome: {status} {problem.get('title', '')!r} in {elapsed:.2f} s; "
          f"{len(prober.results)} simple queries answered meanwhile, slowest {max(t for _, t in prober.results):.2f} s")
    return status, problem | {"_headers": headers, "_body": body[:200]}, elapsed


# ---------------------------------------------------------------- SSRF: the canary is never hit

def ssrf_queries(url: str) -> list[tuple[str, dict]]:
    """Ways to make an engine fetch url; (query, extra request options)."""
    return [
        (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"select * where {{ service <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ SERVICE#hidden\n<{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE { \\u0053ERVICE <" + url + "/sparql> { ?s ?p ?o } }", {}),
        (f"PREFIX c: <{url}/> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ VALUES ?e {{ <{url}/sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }} }} LIMIT 1", {}),
        (f"SELECT * WHERE {{ {{ SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}/s> {{ ?s ?p ?o }} }} }} }} }}", {}),
        (f"SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"LOAD <{url}/data.ttl>", {}),
        (f"LOAD <{url}/data.ttl> ; SELECT * WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1 SERVICE <{url}/x> {{ }}", {}),
    ]


def test_no_query_reaches_the_canary(base, canary):
    outcomes = []
    for query, _ in ssrf_queries(canary.url):
        for method in ("GET", "POST form", "POST direct"):
            if method == "GET":
                status = request(base, query)[0]
            elif method == "POST form":
                status = request(base, method="POST", body=urllib.parse.urlencode({"query": query}).encode(),
                                 content_type="application/x-www-form-urlencoded")[0]
            else:
                status = request(base, method="POST", body=query.encode(), content_type="application/sparql-query")[0]
            outcomes.append((status, method, query))
    update = request(base, method="POST", body=f"LOAD <{canary.url}/u.ttl>".encode(),
                     content_type="application/sparql-update")[0]
    form_update = request(base, method="POST", body=urllib.parse.urlencode({"update": f"LOAD <{canary.url}/v>"}).encode(),
                          content_type="application/x-www-form-urlencoded")[0]
    time.sleep(0.5)  # a fetch started by a worker would have arrived by now
    assert canary.hits == []
    assert all(status in (400, 403) for status, _, _ in outcomes), [o for o in outcomes if o[0] not in (400, 403)]
    assert update == form_update == 403


@pytest.mark.parametrize("query", [
    "DESCRIBE <{url}/thing>",
    "SELECT * WHERE {{ <{url}/thing> ?p ?o }}",
    "SELECT (<{url}/fn>(1) AS ?x) WHERE {{}}",
    "SELECT (IRI(\"{url}/x\") AS ?i) (STRLEN(STR(<{url}/y>)) AS ?n) WHERE {{}}",
])
def test_iris_in_queries_are_names_not_fetches(base, canary, query):
    status = request(base, query.format(url=canary.url))[0]
    # An unknown extension function is the client's mistake: a 400, never a 5xx.
    assert status == (400 if "/fn>" in query else 200)
    assert canary.hits == []


def test_dataset_parameters_are_graph_names_not_fetches(base, canary):
    status, _, body = request(base, "SELECT * WHERE { ?s ?p ?o }",
                              params={"default-graph-uri": canary.url + "/d.ttl", "named-graph-uri": canary.url + "/n"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert canary.hits == []


# ---------------------------------------------------------------- runaway queries: a clean error in time

def test_cartesian_product_times_out_cleanly(base):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    status, problem, elapsed = hostile(base, query, params={"timeout": "1.5"})
    assert status == 503 and problem["title"] == "Query timed out"
    assert elapsed < 1.5 + 1.5


def test_the_server_limit_applies_without_a_timeout_parameter(base):
    status, problem, elapsed = hostile(base, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY DESC(?f) ?c LIMIT 1")
    assert status == 503, problem
    assert problem["title"] in ("Query timed out", "Query exceeded the memory limit")
    assert elapsed < TIMEOUT_S + 1.5


def test_huge_result_is_truncated_at_the_row_cap(base):
    status, problem, elapsed = hostile(base, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert status == 200 and problem["_headers"]["x-kg-truncated"] == "true"
    assert elapsed < TIMEOUT_S + 1.5


def test_huge_graph_result_is_truncated_at_the_row_cap(base):
    status, problem, _ = hostile(base, "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert status == 200 and problem["_headers"]["x-kg-truncated"] == "true"


def test_oversized_result_is_refused(base):
    rows = ("BIND(CONCAT(STR(?s), STR(?p), STR(?o)) AS ?a) "
            "BIND(CONCAT(" + ",".join(["?a"] * 10) + ") AS ?b) BIND(CONCAT(" + ",".join(["?b"] * 10) + ") AS ?x)")
    status, problem, elapsed = hostile(base, f"SELECT ?x WHERE {{ ?s ?p ?o {rows} }}")
    assert status in (413, 503), problem  # 64 MB of rows, or the memory cap first
    assert elapsed < TIMEOUT_S + 1.5


def test_transitive_closure_over_everything_times_out(base):
    query = SKOS + ("SELECT (COUNT(*) AS ?n) WHERE { ?a (skos:broader|^skos:broader|skos:related|^skos:related)* ?b }")
    status, problem, elapsed = hostile(base, query, params={"timeout": "2"})
    assert status == 503 and problem["title"] == "Query timed out"
    assert elapsed < 2 + 1.5


def test_chained_paths_end_in_time(base):
    path = "/".join(["(skos:broader|skos:related)+"] * 6)
    status, problem, elapsed = hostile(base, SKOS + f"SELECT * WHERE {{ ?a {path} ?b }}", params={"timeout": "2"})
    assert status in (200, 503), problem
    assert elapsed < 2 + 1.5


@pytest.mark.parametrize("depth", [200, 2000])
def test_deeply_nested_paths_fail_cleanly(base, depth):
    path = "(" * depth + "skos:broader" + ")*" * depth
    status, problem, elapsed = hostile(base, SKOS + f"ASK {{ ?a {path} ?b }}", params={"timeout": "2"})
    assert status in (200, 400, 413, 503), problem
    assert elapsed < 2 + 2.5


def test_deeply_nested_groups_fail_cleanly(base):
    query = "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000
    status, problem, elapsed = hostile(base, query, params={"timeout": "2"})
    assert status in (200, 400, 503), problem
    assert elapsed < 2 + 2.5


def test_server_still_answers_after_everything(base):
    status, _, body = request(base, SKOS + "SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "10000"
