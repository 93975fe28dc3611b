"""SPARQLWrapper, a real client, against our /sparql on 127.0.0.1: every result format, every request method."""

from __future__ import annotations

import csv
import io
import urllib.error

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.bench import _serve

PAIRS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://jaterm.example.org/kgo#>
SELECT ?a ?b WHERE { ?x kgo:antonym ?y . ?x skos:prefLabel ?a . ?y skos:prefLabel ?b
  FILTER(LANG(?a) = "ja" && LANG(?b) = "ja") } ORDER BY ?a ?b"""
ASK = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?c skos:prefLabel \"コストセンター\"@ja }"
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://jaterm.example.org/kgo#>
CONSTRUCT { ?x kgo:antonym ?y . ?x skos:prefLabel ?l } WHERE { ?x kgo:antonym ?y ; skos:prefLabel ?l }"""
METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.fixture(scope="module")
def endpoint(built, service):
    from kg.web import create_app

    server, base = _serve(create_app(built, service=service))
    yield base + "/sparql"
    server.shutdown()
    server.server_close()


def client(endpoint: str, query: str, fmt: str, method=(GET, URLENCODED)) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method[0])
    sparql.setRequestMethod(method[1])
    return sparql


def run(sparql: SPARQLWrapper):
    """Query and convert, then close the response (SPARQLWrapper leaves it open)."""
    result = sparql.query()
    try:
        return result.convert()
    finally:
        result.response.close()


def rows_of(fmt: str, converted) -> list[tuple[str, str]]:
    """(a, b) label pairs from any SELECT result format SPARQLWrapper hands back."""
    if fmt == JSON:
        return [(b["a"]["value"], b["b"]["value"]) for b in converted["results"]["bindings"]]
    if fmt == XML:
        out = []
        for result in converted.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.getElementsByTagName("literal")[0].firstChild.data
                      for b in result.getElementsByTagName("binding")}
            out.append((values["a"], values["b"]))
        return out
    if fmt == CSV:
        table = list(csv.reader(io.StringIO(converted.decode("utf-8"))))
        assert table[0] == ["a", "b"]
        return [tuple(r) for r in table[1:]]
    lines = converted.decode("utf-8").rstrip("\n").split("\n")
    assert lines[0] == "?a\t?b"
    unquote = lambda s: s.rsplit("@", 1)[0].strip('"')  # noqa: E731  "…"@ja -> …
    return [tuple(unquote(v) for v in line.split("\t")) for line in lines[1:]]


@pytest.mark.parametrize("method", METHODS, ids=["GET", "POST-form", "POST-direct"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_format_and_method(endpoint, fmt, method):
    result = client(endpoint, PAIRS, fmt, method).query()
    expected_type = {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml",
                     CSV: "text/csv", TSV: "text/tab-separated-values"}[fmt]
    assert result.info()["content-type"].startswith(expected_type)
    try:
        rows = rows_of(fmt, result.convert())
    finally:
        result.response.close()
    assert ("コストセンター", "プロフィットセンター") in rows
    reference = rows_of(JSON, run(client(endpoint, PAIRS, JSON)))
    assert rows == reference


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask_in_every_format(endpoint, fmt):
    converted = run(client(endpoint, ASK, fmt, (POST, URLENCODED)))
    if fmt == JSON:
        assert converted["boolean"] is True
    elif fmt == XML:
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert converted.strip() == b"true"


def graph_of(fmt: str, sparql: SPARQLWrapper) -> Graph:
    converted = run(sparql)
    if isinstance(converted, Graph):  # RDF/XML and JSON-LD come back parsed
        graph = Graph()
        for triple in converted.triples((None, None, None)):
            graph.add(triple)
        return graph
    return Graph().parse(data=converted, format="nt" if fmt == "nt" else "turtle")


@pytest.mark.parametrize("method", METHODS, ids=["GET", "POST-form", "POST-direct"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, "nt", RDFXML, JSONLD])
def test_construct_in_every_format(endpoint, fmt, method):
    sparql = client(endpoint, CONSTRUCT, N3 if fmt == "nt" else fmt, method)
    if fmt == "nt":  # SPARQLWrapper has no N-Triples constant: ask for it by Accept only
        sparql.setOnlyConneg(True)
        sparql.addCustomHttpHeader("Accept", "application/n-triples")
    graph = graph_of(fmt, sparql)
    assert len(graph) >= 4
    reference = Graph().parse(data=run(client(endpoint, CONSTRUCT, TURTLE)), format="turtle")
    assert isomorphic(graph, reference)


@pytest.mark.parametrize("fmt", [TURTLE, "nt", RDFXML, JSONLD])
def test_describe_in_every_format(endpoint, fmt):
    uri = run(client(endpoint, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c WHERE "
                               "{ ?c skos:prefLabel \"コストセンター\"@ja }", JSON))
    uri = uri["results"]["bindings"][0]["c"]["value"]
    sparql = client(endpoint, f"DESCRIBE <{uri}>", N3 if fmt == "nt" else fmt, (POST, POSTDIRECTLY))
    if fmt == "nt":
        sparql.setOnlyConneg(True)
        sparql.addCustomHttpHeader("Accept", "application/n-triples")
    graph = graph_of(fmt, sparql)
    labels = {str(o) for s, p, o in graph if str(p).endswith("#prefLabel") and str(s) == uri}
    assert "コストセンター" in labels


def test_errors_reach_the_client(endpoint):
    with pytest.raises(QueryBadFormed):
        client(endpoint, "SELECT ?s WHERE { ?s ?p ", JSON).query()
    refused = client(endpoint, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", JSON)
    with pytest.raises(urllib.error.HTTPError) as info:
        refused.query()
    assert info.value.code == 403
    info.value.close()
    update = client(endpoint, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON, (POST, URLENCODED))
    with pytest.raises(urllib.error.HTTPError) as info:
        update.query()  # SPARQLWrapper sends update= for INSERT
    assert info.value.code == 403
    info.value.close()
