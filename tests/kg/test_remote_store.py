"""KG_STORE=sparql+http://…: build into a real Oxigraph server started here, query it through our endpoint,
and compare every answer with the embedded store of the same artifact."""

from __future__ import annotations

import http.client
import http.server
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.bench import _serve
from kg.bench_sparql import synthetic_skos
from kg.config import DEFAULT_CORPUS, Settings
from kg.errors import ConfigError, IndexNotReady, QueryRefused, QueryTimeout
from kg.remote import RemoteRunner, RemoteStore, parse_store, replacement_update
from kg.sparql import PreparedQuery, prepare_query

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
P = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX kgo: <https://jaterm.example.org/kgo#>\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """`oxigraph serve` on 127.0.0.1 in a directory of ours; killed by pid when done."""

    def __init__(self, location: Path, memory_mb: int | None = None):
        if not OXIGRAPH.exists():
            pytest.fail(f"{OXIGRAPH} is missing: pip install -r requirements-dev.txt (it pins oxigraph)")
        self.port = free_port()

        def limit() -> None:  # a runaway query must not take the test machine's memory with it
            if memory_mb:
                resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

        self.log = open(location.with_suffix(".log"), "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(  # noqa: S603 (our own binary, fixed arguments)
            [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}",
             "--timeout-s", "30"], stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=limit)
        self.url = f"http://127.0.0.1:{self.port}"
        self.store_value = f"sparql+{self.url}/"
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"oxigraph serve did not start: {location.with_suffix('.log').read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote_build(tmp_path_factory, oxigraph, embedder):
    """One artifact built with KG_STORE pointing at the Oxigraph server: it holds the graph too."""
    from kg.build import build_artifact

    settings = Settings(data_dir=tmp_path_factory.mktemp("var"), corpus_dir=DEFAULT_CORPUS, store=oxigraph.store_value)
    result = build_artifact(settings, embedder=embedder)
    return settings, result.manifest


@pytest.fixture(scope="module")
def bases(remote_build, embedder):
    """Our app twice over the same artifact: /sparql on the embedded store and on the remote one."""
    from kg.service import Service
    from kg.web import create_app

    settings, _ = remote_build
    out, servers, services = {}, [], []
    for name, s in (("embedded", settings.with_(store="embedded")), ("remote", settings)):
        service = Service(s, embedder=embedder)
        service.load()
        server, url = _serve(create_app(s, service=service))
        out[name] = urllib.parse.urlsplit(url)
        servers.append(server)
        services.append(service)
    assert type(services[1].runner).__name__ == "RemoteRunner"
    yield out
    for server, service in zip(servers, services, strict=True):
        server.shutdown()
        server.server_close()
        service.close()


def get(base, query: str, accept: str, **params) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    pairs = [("query", query)] + [(k.replace("_", "-"), v) for k, vs in params.items()
                                  for v in (vs if isinstance(vs, list) else [vs])]
    conn.request("GET", "/sparql?" + urllib.parse.urlencode(pairs), headers={"Accept": accept})
    response = conn.getresponse()
    out = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    conn.close()
    return out


def test_build_replaced_the_remote_dataset(remote_build, oxigraph):
    _, manifest = remote_build
    assert manifest["remote_store_quads"] == manifest["counts"]["quads"] > 5000
    assert RemoteStore(parse_store(oxigraph.store_value)).count_named_quads() == manifest["counts"]["quads"]


SELECTS = {
    "antonyms": P + "SELECT ?a ?b WHERE { ?x kgo:antonym ?y . ?x skos:prefLabel ?a . ?y skos:prefLabel ?b } "
                    "ORDER BY ?a ?b",
    "labels": P + "SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l FILTER(CONTAINS(STR(?l), \"コール\")) } "
                  "ORDER BY ?c ?l",
    "count per predicate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p",
    "graphs": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "optional and datatypes": P + "SELECT ?c ?d (LANG(?d) AS ?lang) (STRLEN(?d) AS ?len) WHERE { ?c a skos:Concept "
                                  "OPTIONAL { ?c skos:definition ?d } } ORDER BY ?c ?d LIMIT 50",
}
RESULT_TYPES = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"]


@pytest.mark.parametrize("accept", RESULT_TYPES)
@pytest.mark.parametrize("name", list(SELECTS))
def test_select_answers_are_byte_identical(bases, name, accept):
    embedded, remote = (get(bases[k], SELECTS[name], accept) for k in ("embedded", "remote"))
    assert embedded[0] == remote[0] == 200
    assert embedded[1]["content-type"] == remote[1]["content-type"]
    assert embedded[2] == remote[2]
    assert len(embedded[2]) > 30


@pytest.mark.parametrize("params", [
    {"default_graph_uri": "https://jaterm.example.org/callcenter/graph/vocabulary"},
    {"named_graph_uri": "https://jaterm.example.org/callcenter/graph/vocabulary"},
    {"default_graph_uri": "https://jaterm.example.org/callcenter/graph/vocabulary",
     "named_graph_uri": ["https://jaterm.example.org/callcenter/graph/vocabulary", "urn:kg:absent"]},
], ids=["default-graph-uri", "named-graph-uri", "both"])
def test_protocol_datasets_match(bases, params):
    query = ("SELECT ?where (COUNT(*) AS ?n) WHERE { { ?s ?p ?o BIND(\"default\" AS ?where) } UNION "
             "{ GRAPH ?g { ?s ?p ?o } BIND(STR(?g) AS ?where) } } GROUP BY ?where ORDER BY ?where")
    embedded, remote = (get(bases[k], query, "text/csv", **params)[2] for k in ("embedded", "remote"))
    assert embedded == remote


def test_ask_matches(bases):
    for query in (P + "ASK { ?c skos:prefLabel \"コストセンター\"@ja }", P + "ASK { ?c skos:prefLabel \"無い語\"@ja }"):
        answers = {get(bases[k], query, "application/sparql-results+json")[2] for k in ("embedded", "remote")}
        assert len(answers) == 1


GRAPH_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                 "application/ld+json": "json-ld"}


@pytest.mark.parametrize("accept", list(GRAPH_FORMATS))
def test_construct_and_describe_are_isomorphic(bases, accept):
    concept = get(bases["embedded"], P + "SELECT ?c WHERE { ?c skos:prefLabel \"コストセンター\"@ja }", "text/csv")
    uri = concept[2].decode().split("\r\n")[1]
    for query in (P + "CONSTRUCT { ?c skos:prefLabel ?l ; skos:related ?r } WHERE { ?c skos:prefLabel ?l "
                      "OPTIONAL { ?c skos:related ?r } }", f"DESCRIBE <{uri}>"):
        graphs = []
        for k in ("embedded", "remote"):
            status, headers, body = get(bases[k], query, accept)
            assert status == 200 and headers["content-type"].startswith(accept)
            graphs.append(Graph().parse(data=body, format=GRAPH_FORMATS[accept]))
        assert len(graphs[0]) > 3 and isomorphic(*graphs)


def test_row_cap_and_truncation_flag_match(bases):
    answers = [get(bases[k], "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c }", "text/csv") for k in ("embedded", "remote")]
    assert all(a[0] == 200 and a[1]["x-kg-truncated"] == "true" for a in answers)
    assert [a[2].count(b"\r\n") for a in answers] == [10_001, 10_001]


def test_errors_match(bases):
    for query, status in (("SELECT ?s WHERE { ?s ?p ", 400), ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 403),
                          ("SELECT * FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }", 403)):
        assert {get(bases[k], query, "text/csv")[0] for k in ("embedded", "remote")} == {status}


def test_the_gate_runs_before_the_remote_store(bases, oxigraph):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    canary = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=canary.serve_forever, daemon=True).start()
    try:
        query = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{canary.server_port}/sparql> {{ ?s ?p ?o }} }}"
        assert get(bases["remote"], query, "text/csv")[0] == 403
        time.sleep(0.3)
        assert hits == []
        # Control: the store itself follows SERVICE, which is why only gated text may reach it.
        conn, response = RemoteStore(parse_store(oxigraph.store_value)).query(query, accept="text/csv", timeout=10)
        response.read()
        conn.close()
        assert hits, "the Oxigraph server did not call the canary: the control did not work"
        runner = RemoteRunner(RemoteStore(parse_store(oxigraph.store_value)))
        forged = PreparedQuery(text=query, form="SELECT", verified=True)  # a hand-built one is gated again
        with pytest.raises(QueryRefused):
            runner.run(forged, media_type="text/csv")
    finally:
        canary.shutdown()
        canary.server_close()


def test_unverified_queries_are_verified_before_sending(oxigraph):
    runner = RemoteRunner(RemoteStore(parse_store(oxigraph.store_value)))
    query = PreparedQuery(text="ASK { ?s ?p ?o }", form="ASK", verified=False)
    assert runner.run(query, media_type="text/csv").content == b"true"


def test_unreachable_store_is_not_ready():
    runner = RemoteRunner(RemoteStore(parse_store(f"sparql+http://127.0.0.1:{free_port()}/")))
    with pytest.raises(IndexNotReady):
        runner.run(prepare_query("ASK {}"), media_type="text/csv")


def test_failed_remote_replace_leaves_current_unchanged(tmp_path, embedder):
    from kg.build import build_artifact, current_artifact_path

    settings = Settings(data_dir=tmp_path, corpus_dir=DEFAULT_CORPUS, store=f"sparql+http://127.0.0.1:{free_port()}/")
    with pytest.raises(IndexNotReady):
        build_artifact(settings, embedder=embedder)
    assert current_artifact_path(settings) is None
    assert not [p for p in settings.artifacts_dir.iterdir() if p.name != "current"]


def test_replace_is_atomic_under_concurrent_reads(tmp_path):
    server = OxigraphServer(tmp_path / "db")
    try:
        store = RemoteStore(parse_store(server.store_value))
        old, new = synthetic_skos(2000, seed=1), synthetic_skos(3500, seed=2)
        old_count, new_count = store.replace_dataset(old), len(list(ox.parse(new, format=ox.RdfFormat.N_QUADS)))
        seen, stop = [], threading.Event()

        def read() -> None:
            while not stop.is_set():
                seen.append(int(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value))

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.2)
        assert store.replace_dataset(new) == new_count
        time.sleep(0.2)
        stop.set()
        reader.join(10)
        assert set(seen) == {old_count, new_count}, sorted(set(seen))
    finally:
        server.stop()


def test_remote_deadline_is_kept_and_the_store_is_left_to_its_limits(tmp_path):
    server = OxigraphServer(tmp_path / "db", memory_mb=1536)  # Oxigraph cannot cancel in-memory joins
    try:
        store = RemoteStore(parse_store(server.store_value))
        store.replace_dataset(synthetic_skos(500))
        runner = RemoteRunner(store, timeout_s=1.0)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            runner.run(prepare_query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
                       media_type="text/csv")
        assert time.monotonic() - started < 3
        assert runner.run(prepare_query("ASK { ?s ?p ?o }"), media_type="text/csv").content == b"true"
    finally:
        server.stop()


def test_parse_store():
    assert parse_store("embedded") is None and parse_store("") is None
    ox_ = parse_store("sparql+http://127.0.0.1:7878/")
    assert (ox_.query_url, ox_.update_url, ox_.union_param) == ("http://127.0.0.1:7878/query",
                                                                "http://127.0.0.1:7878/update", True)
    fuseki = parse_store("sparql+https://kg:s3cret@fuseki.internal:3030/kg?union=none")
    assert fuseki.query_url == "https://fuseki.internal:3030/kg/query" and not fuseki.union_param
    assert fuseki.authorization == "Basic a2c6czNjcmV0" and "s3cret" not in repr(fuseki)
    virtuoso = parse_store("sparql+http://virtuoso:8890/?query=sparql&update=sparql-auth&union=none")
    assert (virtuoso.query_url, virtuoso.update_url) == ("http://virtuoso:8890/sparql", "http://virtuoso:8890/sparql-auth")
    for bad in ("http://127.0.0.1:7878/", "sparql+ftp://x/", "sparql+http:///query", "sparql+http://h/?union=yes",
                "sparql+http://h/?graph=x"):
        with pytest.raises(ConfigError):
            parse_store(bad)


def test_replacement_update_round_trips_awkward_data():
    data = ("<urn:s> <urn:p> \"line\\nbreak \\\"quoted\\\" \\\\ 日本語\"@ja <urn:g1> .\n"
            "_:b1 <urn:p> \"1\"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:g1> .\n"
            "_:b1 <urn:q> _:b2 <urn:g2> .\n"
            "<urn:s> <urn:p> <urn:o> .\n"
            "<urn:s> <urn:p> <urn:o> .\n").encode()
    text, total, named = replacement_update(data)
    assert (total, named) == (4, 3)
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:old"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
    store.update(text)
    expected, got = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_QUADS)), ox.Dataset(store)
    for dataset in (expected, got):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert expected == got and len(store) == 4


@pytest.mark.slow
def test_gunicorn_workers_share_one_store(remote_build, oxigraph, tmp_path):
    """The documented deployment: `kg serve` (gunicorn, 2 workers) with KG_STORE naming the store."""
    settings, _ = remote_build
    port = free_port()
    env = {**os.environ, "KG_DATA_DIR": str(settings.data_dir), "KG_STORE": oxigraph.store_value,
           "KG_PORT": str(port), "KG_WORKERS": "2", "KG_RATE_LIMITS": "off", "HF_HUB_OFFLINE": "1"}
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve"], env=env, stdout=log,  # noqa: S603
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = urllib.parse.urlsplit(f"http://127.0.0.1:{port}")
        deadline, answers = time.monotonic() + 90, set()
        while time.monotonic() < deadline and not answers:
            try:
                answers.add(get(base, SELECTS["antonyms"], "text/csv")[::2])
            except OSError:
                time.sleep(0.5)
        assert answers, (tmp_path / "gunicorn.log").read_text()[-2000:]
        for _ in range(20):
            answers.add(get(base, SELECTS["antonyms"], "text/csv")[::2])
        ((status, body),) = answers
        assert status == 200 and "コストセンター".encode() in body
        pids = {line.rsplit("pid: ", 1)[1] for line in (tmp_path / "gunicorn.log").read_text().splitlines()
                if "Booting worker with pid" in line}
        assert len(pids) == 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        log.close()
