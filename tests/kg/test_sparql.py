"""The SPARQL gate and the worker pool: formats, datasets, refusals, deadlines, memory cap, row cap."""

from __future__ import annotations

import csv
import gc
import http.server
import io
import json
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg.errors import InvalidQuery, InvalidRequest, KGError, NotAcceptable, QueryRefused, QueryTimeout
from kg.sparql import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES, PreparedQuery, prepare_query, verify_query
from kg.sparql_worker import QueryMemoryExceeded, QueryRunner

SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EX = "http://example.org/term/"
G1, G2, FILLER = "urn:kg:graph:glossary-a", "urn:kg:graph:glossary-b", "urn:kg:graph:filler"
PREFIXES = f"PREFIX skos: <{SKOS}>\nPREFIX ex: <{EX}>\n"
LABELS = f"""{PREFIXES}SELECT ?c ?ja ?en ?n WHERE {{
  ?c a skos:Concept ; skos:prefLabel ?ja . FILTER(LANG(?ja) = "ja")
  OPTIONAL {{ ?c skos:prefLabel ?en FILTER(LANG(?en) = "en") }}
  OPTIONAL {{ ?c skos:notation ?n }}
}} ORDER BY ?c"""
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RDFLIB_FORMAT = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


def _quads() -> Iterator[ox.Quad]:
    """A few SKOS concepts with Japanese labels in two graphs, plus ~20k filler triples."""
    N, L = ox.NamedNode, ox.Literal
    concept, pref, alt = N(SKOS + "Concept"), N(SKOS + "prefLabel"), N(SKOS + "altLabel")
    rdf_type = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    terms = [
        (G1, "a1", "データベース", "database", "A-1"),
        (G1, "a2", "索引", "index", None),
        (G1, "a3", "検索エンジン", None, "A-3"),
        (G2, "b1", "形態素解析", "morphological analysis", None),
        (G2, "b2", "情報, \"検索\"\tタブ", "retrieval", "B-2"),
    ]
    for graph, local, ja, en, notation in terms:
        g, c = N(graph), N(EX + local)
        yield ox.Quad(c, rdf_type, concept, g)
        yield ox.Quad(c, pref, L(ja, language="ja"), g)
        if en:
            yield ox.Quad(c, pref, L(en, language="en"), g)
        if notation:
            yield ox.Quad(c, N(SKOS + "notation"), L(notation, datatype=N(EX + "code")), g)
    note = ox.BlankNode("note1")
    yield ox.Quad(N(EX + "a1"), N(SKOS + "broader"), N(EX + "a2"), N(G1))
    yield ox.Quad(N(EX + "a1"), alt, L("DB", language="ja"), N(G1))
    yield ox.Quad(N(EX + "a1"), N(SKOS + "note"), note, N(G1))
    yield ox.Quad(note, N(EX + "count"), L("3", datatype=N(XSD + "integer")), N(G1))
    for i in range(20_000):
        yield ox.Quad(N(f"{EX}f{i}"), N(f"{EX}p{i % 5}"), L(f"v{i}"), N(FILLER))


def _build(path: Path, quads: Iterator[ox.Quad]) -> str:
    """Write a store the way the builder does, then release its lock."""
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.flush()
    del store
    gc.collect()
    return str(path)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _build(tmp_path_factory.mktemp("kg") / "store", _quads())


@pytest.fixture(scope="module")
def raw(store_path: str) -> ox.Store:
    """The same store opened in-process, as the reference for what pyoxigraph itself would write."""
    return ox.Store.read_only(store_path)


@pytest.fixture(scope="module")
def runner(store_path: str) -> Iterator[QueryRunner]:
    with QueryRunner(store_path, workers=2, timeout_s=10) as r:
        yield r


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canary() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with urllib.request.urlopen(url + "/alive") as response:  # the canary itself works
        response.read()
    assert _Canary.hits == ["/alive"]
    _Canary.hits.clear()
    yield url
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("media_type", RESULT_MEDIA_TYPES)
def test_select_matches_pyoxigraph_serializer(runner: QueryRunner, raw: ox.Store, media_type: str) -> None:
    res = runner.run(prepare_query(LABELS), media_type=media_type)
    assert res.media_type == media_type and not res.truncated
    ref_format = ox.QueryResultsFormat.from_media_type(media_type)
    ref = raw.query(LABELS, use_default_graph_as_union=True).serialize(format=ref_format)
    if media_type.endswith("json"):
        assert json.loads(res.content) == json.loads(ref)
    elif media_type.endswith("xml"):
        assert ET.canonicalize(res.content.decode()) == ET.canonicalize(ref.decode())
    else:
        assert res.content == ref


def test_select_json_terms(runner: QueryRunner) -> None:
    q = f"{PREFIXES}SELECT ?s ?p ?o {{ ex:a1 ?p ?o OPTIONAL {{ ?o ex:count ?s }} }}"
    doc = json.loads(runner.run(prepare_query(q), media_type=RESULT_MEDIA_TYPES[0]).content)
    assert doc["head"]["vars"] == ["s", "p", "o"]
    objects = [b["o"] for b in doc["results"]["bindings"]]
    assert {"type": "literal", "value": "データベース", "xml:lang": "ja"} in objects
    assert {"type": "literal", "value": "A-1", "datatype": EX + "code"} in objects
    assert {"type": "uri", "value": SKOS + "Concept"} in objects
    bnode = next(b for b in doc["results"]["bindings"] if b["o"]["type"] == "bnode")
    assert bnode["s"] == {"type": "literal", "value": "3", "datatype": XSD + "integer"}
    assert all("s" not in b for b in doc["results"]["bindings"] if b["o"]["type"] != "bnode")  # unbound


def test_csv_tsv_quoting(runner: QueryRunner) -> None:
    q = f'{PREFIXES}SELECT ?l ?x {{ ex:b2 skos:prefLabel ?l FILTER(LANG(?l) = "ja") BIND("a\\r\\nb" AS ?x) }}'
    rows = list(csv.reader(io.StringIO(runner.run(prepare_query(q), media_type="text/csv").content.decode(), newline="")))
    assert rows == [["l", "x"], ['情報, "検索"\tタブ', "a\r\nb"]]
    tsv = runner.run(prepare_query(q), media_type="text/tab-separated-values").content.decode()
    assert tsv == '?l\t?x\n"情報, \\"検索\\"\\tタブ"@ja\t"a\\r\\nb"\n'
    xml = runner.run(prepare_query(q), media_type="application/sparql-results+xml").content
    literals = [e.text for e in ET.fromstring(xml).iter("{http://www.w3.org/2005/sparql-results#}literal")]
    assert literals == ['情報, "検索"\tタブ', "a\r\nb"]  # CR survives XML parsing


@pytest.mark.parametrize(("query", "answer"), [(f"ASK {{ ?c a <{SKOS}Concept> }}", True), ("ASK { ?s ?p 42 }", False)])
def test_ask_formats(runner: QueryRunner, query: str, answer: bool) -> None:
    pq = prepare_query(query)
    assert pq.form == "ASK"
    assert json.loads(runner.run(pq, media_type=RESULT_MEDIA_TYPES[0]).content) == {"head": {}, "boolean": answer}
    xml = ET.fromstring(runner.run(pq, media_type=RESULT_MEDIA_TYPES[1]).content)
    assert xml.find("{http://www.w3.org/2005/sparql-results#}boolean").text == str(answer).lower()
    for media_type in RESULT_MEDIA_TYPES[2:]:
        assert runner.run(pq, media_type=media_type).content == str(answer).lower().encode()


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD parser
@pytest.mark.parametrize("media_type", GRAPH_MEDIA_TYPES)
def test_construct_formats_parse_back(runner: QueryRunner, raw: ox.Store, media_type: str) -> None:
    q = f"{PREFIXES}CONSTRUCT {{ ?c skos:prefLabel ?l ; skos:note ?n . ?n ?p ?v }} WHERE {{ GRAPH <{G1}> {{ ?c skos:prefLabel ?l OPTIONAL {{ ?c skos:note ?n . ?n ?p ?v }} }} }}"
    pq = prepare_query(q)
    assert pq.form == "CONSTRUCT" and ("skos", SKOS) in pq.prefixes
    res = runner.run(pq, media_type=media_type)
    got = rdflib.Graph().parse(data=res.content, format=RDFLIB_FORMAT[media_type])
    ref_nt = ox.serialize(raw.query(q, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES)
    assert isomorphic(got, rdflib.Graph().parse(data=ref_nt, format="nt"))
    assert (rdflib.URIRef(EX + "a3"), rdflib.URIRef(SKOS + "prefLabel"), rdflib.Literal("検索エンジン", lang="ja")) in got


def test_describe(runner: QueryRunner) -> None:
    res = runner.run(prepare_query(f"DESCRIBE <{EX}a2>"), media_type="text/turtle")
    assert rdflib.Literal("索引", lang="ja") in set(rdflib.Graph().parse(data=res.content, format="turtle").objects())


def test_rdfxml_refuses_unsplittable_predicate(runner: QueryRunner) -> None:
    pq = prepare_query("CONSTRUCT { <http://x/s> <http://x/p/1> 'o' } WHERE {}")
    with pytest.raises(NotAcceptable):
        runner.run(pq, media_type="application/rdf+xml")
    assert b"<http://x/p/1>" in runner.run(pq, media_type="application/n-triples").content


def test_media_type_must_fit_the_form(runner: QueryRunner) -> None:
    with pytest.raises(NotAcceptable):
        runner.run(prepare_query("SELECT * {}"), media_type="text/turtle")
    with pytest.raises(NotAcceptable):
        runner.run(prepare_query("CONSTRUCT WHERE { ?s ?p ?o }"), media_type="text/csv")


# ---------------------------------------------------------------- dataset


def _concepts(runner: QueryRunner, **graphs: list[str]) -> list[str]:
    q = f"{PREFIXES}SELECT ?c {{ ?c a skos:Concept }} ORDER BY ?c"
    doc = json.loads(runner.run(prepare_query(q), media_type=RESULT_MEDIA_TYPES[0], **graphs).content)
    return [b["c"]["value"].rsplit("/", 1)[1] for b in doc["results"]["bindings"]]


def test_default_graph_is_the_union(runner: QueryRunner) -> None:
    assert _concepts(runner) == ["a1", "a2", "a3", "b1", "b2"]


def test_default_graph_uris(runner: QueryRunner) -> None:
    assert _concepts(runner, default_graph_uris=[G2]) == ["b1", "b2"]
    assert _concepts(runner, default_graph_uris=[G1, G2]) == ["a1", "a2", "a3", "b1", "b2"]
    assert _concepts(runner, named_graph_uris=[G1]) == []  # SPARQL Protocol: dataset = the named graphs only
    q = f"{PREFIXES}SELECT DISTINCT ?g {{ GRAPH ?g {{ ?c a skos:Concept }} }}"
    doc = json.loads(runner.run(prepare_query(q), media_type=RESULT_MEDIA_TYPES[0], named_graph_uris=[G1]).content)
    assert [b["g"]["value"] for b in doc["results"]["bindings"]] == [G1]
    with pytest.raises(InvalidRequest):
        runner.run(prepare_query(q), media_type=RESULT_MEDIA_TYPES[0], default_graph_uris=["not an iri"])


# ---------------------------------------------------------------- refusals and errors


def _refused_queries(url: str) -> list[str]:
    return [
        f"SELECT * {{ SERVICE <{url}/plain> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{url}/optional> {{ ?s ?p ?x }} }} }}",
        f"SELECT * {{ {{ SELECT ?s {{ SERVICE SILENT <{url}/sub> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE SILENT <{url}/union> {{ ?s ?p ?o }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE SILENT <{url}/exists> {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT WHERE {{ ?s ?p ?o MINUS {{ service silent <{url}/minus> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ ?s ?p ?o .SERVICE SILENT <{url}/nospace> {{ }} }}",
        f"SELECT * {{ \\u0053ERVICE SILENT <{url}/escaped> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}/from> {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/named> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{url}/load>",
        f"LOAD SILENT <{url}/load> INTO GRAPH <urn:x>",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        f"PREFIX ex: <{EX}>\nclear silent graph ex:g",
    ]


def test_refusals(runner: QueryRunner, canary: str) -> None:
    for text in _refused_queries(canary):
        with pytest.raises(QueryRefused):
            prepare_query(text)
        # A PreparedQuery built by hand skips prepare_query; the worker gates it again.
        for verified in (True, False):
            with pytest.raises(QueryRefused):
                runner.run(PreparedQuery(text, "SELECT", verified=verified), media_type=RESULT_MEDIA_TYPES[0])
    assert _Canary.hits == []


def test_update_message(canary: str) -> None:
    with pytest.raises(QueryRefused, match="updates are not allowed"):
        prepare_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(QueryRefused, match="default-graph-uri"):
        prepare_query(f"SELECT * FROM <{canary}/x> {{ }}")


def test_backstop_catches_what_rdflib_misses(runner: QueryRunner, canary: str) -> None:
    # rdflib expands \u005C to a backslash before parsing, so its first string swallows the SERVICE;
    # pyoxigraph keeps it as a character inside the string, ends the string and runs the SERVICE.
    text = f'SELECT * {{ BIND("""x\\u005C""" AS ?z) SERVICE SILENT <{canary}/disagree> {{ ?s ?p ?o }} BIND(""" AS ?w) # """ AS ?w)\n}}'
    assert verify_query(text) == "SELECT"  # rdflib alone sees no SERVICE
    list(ox.Store().query(text))  # pyoxigraph alone does call out
    assert _Canary.hits == ["/disagree"]
    _Canary.hits.clear()
    with pytest.raises(QueryRefused):
        prepare_query(text)
    with pytest.raises(QueryRefused):
        runner.run(PreparedQuery(text, "SELECT", verified=True), media_type=RESULT_MEDIA_TYPES[0])
    assert _Canary.hits == []


def test_keywords_inside_literals_names_and_comments_pass() -> None:
    q = f'{PREFIXES}SELECT ?service ?from {{ ?service ex:load ?from . ?from <{EX}service> "SERVICE LOAD FROM" }} # SERVICE'
    assert prepare_query(q).form == "SELECT"


def test_syntax_error_has_position() -> None:
    with pytest.raises(InvalidQuery) as err:
        prepare_query("SELECT ?s\nWHERE {\n  ?s ?p \n}")
    assert (err.value.line, err.value.column) == (3, 3)
    with pytest.raises(InvalidQuery) as err:
        prepare_query('SELECT * { ?s ?p "open }')
    assert err.value.line == 1 and err.value.column == 18
    with pytest.raises(InvalidQuery):
        prepare_query("HELLO { }")


def test_engine_errors_have_position(runner: QueryRunner) -> None:
    # rdflib's parser does not resolve prefixes; pyoxigraph does and says where.
    with pytest.raises(InvalidQuery) as err:
        runner.run(prepare_query("SELECT * {\n  ?s nope:p ?o }"), media_type=RESULT_MEDIA_TYPES[0])
    assert err.value.line == 2 and err.value.column is not None


def test_empty_and_overlong() -> None:
    for text in ("", "  \n"):
        with pytest.raises(InvalidRequest):
            prepare_query(text)
    with pytest.raises(InvalidRequest):
        prepare_query("SELECT * {}" + " " * 100, max_length=100)


def test_too_big_for_the_web_process_is_verified_in_the_worker(runner: QueryRunner) -> None:
    # 100 nested groups: too deep for rdflib's recursive parser at the web process's recursion limit.
    many = f"{PREFIXES}SELECT * WHERE {{" + " {" * 100 + " ?c a skos:Concept " + "} " * 100 + "} LIMIT 1"
    pq = prepare_query(many)
    assert not pq.verified
    assert json.loads(runner.run(pq, media_type=RESULT_MEDIA_TYPES[0]).content)["results"]["bindings"]
    with pytest.raises(InvalidQuery):
        runner.run(prepare_query(many.replace("LIMIT 1", "LIMIT ?x")), media_type=RESULT_MEDIA_TYPES[0])
    slow = "SELECT * { FILTER(" + "1+" * 3000 + "1) }"  # several seconds of pure-Python parsing
    started = time.monotonic()
    assert not prepare_query(slow, parse_timeout_s=0.2).verified
    assert time.monotonic() - started < 2


# ---------------------------------------------------------------- limits


def test_timeout_kills_and_others_keep_answering(store_path: str) -> None:
    with QueryRunner(store_path, workers=2, timeout_s=5) as r:
        r.run(prepare_query("ASK {}"), media_type="text/csv")  # warm one worker
        outcome: dict[str, object] = {}

        def slow() -> None:
            started = time.monotonic()
            try:
                r.run(prepare_query(CARTESIAN), media_type="text/csv", timeout_s=1)
            except QueryTimeout as exc:
                outcome["error"] = exc
            outcome["elapsed"] = time.monotonic() - started

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.2)
        answer = r.run(prepare_query(LABELS), media_type="text/csv")
        assert "elapsed" not in outcome  # answered while the cartesian product was still running
        assert "検索エンジン" in answer.content.decode()
        thread.join(10)
        assert isinstance(outcome.get("error"), QueryTimeout)
        assert outcome["elapsed"] < 3.5
        assert r.run(prepare_query("ASK {}"), media_type="text/csv").content == b"true"  # replaced


def test_timeout_cannot_be_raised(store_path: str) -> None:
    with QueryRunner(store_path, workers=1, timeout_s=1) as r:
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            r.run(prepare_query(CARTESIAN), media_type="text/csv", timeout_s=60)
        assert time.monotonic() - started < 3.5
        with pytest.raises(InvalidRequest):
            r.run(prepare_query("ASK {}"), media_type="text/csv", timeout_s=0)


def test_memory_bomb_is_a_clean_error(store_path: str) -> None:
    bomb = "SELECT ?a { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?h LIMIT 10"
    with QueryRunner(store_path, workers=1, timeout_s=30, memory_mb=512) as r:
        with pytest.raises(QueryMemoryExceeded) as err:
            r.run(prepare_query(bomb), media_type=RESULT_MEDIA_TYPES[0])
        assert isinstance(err.value, KGError) and "memory" in str(err.value)
        assert r.run(prepare_query("ASK {}"), media_type="text/csv").content == b"true"


def test_row_cap_truncates(store_path: str) -> None:
    with QueryRunner(store_path, workers=1, max_rows=5) as r:
        res = r.run(prepare_query(f"SELECT ?s {{ GRAPH <{FILLER}> {{ ?s ?p ?o }} }}"), media_type="text/csv")
        assert res.truncated and len(res.content.decode().splitlines()) == 1 + 5
        res = r.run(prepare_query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{FILLER}> {{ ?s ?p ?o }} }}"), media_type="application/n-triples")
        assert res.truncated and len(rdflib.Graph().parse(data=res.content, format="nt")) == 5
        res = r.run(prepare_query(LABELS.replace("ORDER BY ?c", "LIMIT 5")), media_type=RESULT_MEDIA_TYPES[0])
        assert not res.truncated and len(json.loads(res.content)["results"]["bindings"]) == 5


def test_reopen_switches_stores(store_path: str, tmp_path: Path) -> None:
    N = ox.NamedNode
    other = _build(tmp_path / "v2", iter([ox.Quad(N(EX + "z"), N(SKOS + "prefLabel"), ox.Literal("新しい", language="ja"), N(G1))]))
    q = prepare_query(f"{PREFIXES}SELECT ?l {{ ex:z skos:prefLabel ?l }}")
    with QueryRunner(store_path, workers=1) as r:
        assert b"\xe6\x96\xb0" not in r.run(q, media_type="text/csv").content
        r.reopen(other)
        assert r.run(q, media_type="text/csv").content.decode() == "l\r\n新しい\r\n"
        with pytest.raises(KGError):
            r.reopen(tmp_path / "missing")
        r.close()
        with pytest.raises(KGError):
            r.run(q, media_type="text/csv")
