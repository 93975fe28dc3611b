"""SPARQL 1.1 Protocol through the Flask app: query forms, negotiation, refusals, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ANTONYMS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://jaterm.example.org/kgo#>
SELECT ?a ?b WHERE { ?x kgo:antonym ?y . ?x skos:prefLabel ?a . ?y skos:prefLabel ?b }"""


def test_get_post_form_and_post_direct_agree(client):
    a = client.get("/sparql", query_string={"query": ANTONYMS}).get_json()
    b = client.post("/sparql", data={"query": ANTONYMS}).get_json()
    c = client.post("/sparql", data=ANTONYMS.encode(), content_type="application/sparql-query").get_json()
    assert a == b == c
    pairs = {(r["a"]["value"], r["b"]["value"]) for r in a["results"]["bindings"]}
    assert ("コストセンター", "プロフィットセンター") in pairs


@pytest.mark.parametrize(("accept", "mimetype"), [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values;q=0.9, text/csv;q=0.1", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_content_negotiation(client, accept, mimetype):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": COUNT}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Vary"] == "Accept"
    if mimetype == "text/csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        assert rows[0] == ["n"] and int(rows[1][0]) > 1000


def test_format_overrides_and_unknown_short_names_fall_back(client):
    response = client.get("/sparql", query_string={"query": COUNT, "format": "csv"})
    assert response.mimetype == "text/csv"
    # SPARQLWrapper sends format=turtle&output=turtle&results=turtle even for SELECT.
    response = client.get("/sparql", query_string={"query": COUNT, "format": "turtle", "output": "turtle",
                                                   "results": "turtle"})
    assert response.status_code == 200 and response.mimetype == "application/sparql-results+json"


def test_construct_returns_turtle_that_parses(client):
    query = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c skos:prefLabel ?l }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.mimetype == "text/turtle"
    assert len(Graph().parse(data=response.data, format="turtle")) > 150


def test_not_acceptable_lists_supported_types(client):
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.get_json()["supported"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "LOAD <http://127.0.0.1:9/x.ttl>",
])
def test_updates_service_load_and_from_are_refused(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_update_parameter_and_update_content_type_are_refused(client):
    assert client.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert client.post("/sparql", data=b"DROP ALL", content_type="application/sparql-update").status_code == 403


def test_malformed_query_is_400_with_line_and_column(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n  ?s ?p \n"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["line"] >= 1 and body["column"] >= 1


def test_protocol_errors(client):
    assert client.get("/sparql?query=a&query=b").status_code == 400
    assert client.get("/sparql", query_string={"query": ""}).status_code == 400
    assert client.post("/sparql", data=b"x", content_type="text/plain").status_code == 415
    both = client.post("/sparql?query=" + COUNT, data=COUNT.encode(), content_type="application/sparql-query")
    assert both.status_code == 400


def test_bare_get_is_a_service_description_or_a_page(client):
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=sd.data, format="turtle")
    assert any("SPARQL11Query" in str(o) for o in graph.objects())
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html"


def test_named_graphs_per_document_are_queryable(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {r["g"]["value"] for r in json.loads(client.get("/sparql", query_string={"query": query}).data)
              ["results"]["bindings"]}
    assert sum("graph/doc/" in g for g in graphs) == 5
