from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main


def test_suggest_returns_the_asked_concept_first(client):
    data = client.get("/rest/v1/suggest", query_string={"text": "放棄呼率"}).get_json()
    top = data["results"][0]
    assert top["matchedLabel"] == "放棄呼率"
    assert {"uri", "prefLabel", "matchedLabel", "score", "scores", "definition"} <= set(top)


def test_suggest_is_empty_when_nothing_is_confident(client):
    data = client.get("/rest/v1/suggest", query_string={"text": "有給休暇の申請方法"}).get_json()
    assert data["results"] == []


def test_cli_search_json_equals_http_suggest(client, built, monkeypatch):
    monkeypatch.setenv("KG_DATA_DIR", str(built.data_dir))
    out = CliRunner().invoke(main, ["search", "AHTって何", "--json"]).output
    cli = [r["uri"] for r in json.loads(out)["results"]]
    http = [r["uri"] for r in client.get("/rest/v1/suggest", query_string={"text": "AHTって何"}).get_json()["results"]]
    assert cli == http and cli


def test_lookup_follows_skosmos_precedence_and_404s(client):
    rows = client.get("/rest/v1/lookup", query_string={"label": "オペレータ"}).get_json()["result"]
    assert rows and all("altLabel" in r or "prefLabel" in r for r in rows)
    missing = client.get("/rest/v1/lookup", query_string={"label": "存在しない用語"})
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert "Could not find label" in missing.get_json()["detail"]


def test_bad_parameters_are_400_problems(client):
    for url in ("/rest/v1/suggest", "/rest/v1/suggest?text=a&limit=abc", "/rest/v1/suggest?text=a&limit=100000"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.mimetype == "application/problem+json"


def test_prefix_search_matches_readings(client):
    results = client.get("/rest/v1/callcenter/search", query_string={"query": "かす*"}).get_json()["results"]
    assert any(r["prefLabel"].startswith("カスタマー") for r in results)


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json()["status"] == "ready"


# --- export: every format round-trips through rdflib and pyoxigraph ---------------------------------

import warnings  # noqa: E402

import pyoxigraph as ox  # noqa: E402
import pytest  # noqa: E402
from rdflib import Dataset, Graph  # noqa: E402
from rdflib.compare import isomorphic  # noqa: E402

GRAPH_FORMATS = {"turtle": ("text/turtle", "turtle", ox.RdfFormat.TURTLE),
                 "xml": ("application/rdf+xml", "xml", ox.RdfFormat.RDF_XML),
                 "json-ld": ("application/ld+json", "json-ld", ox.RdfFormat.JSON_LD),
                 "nt": ("application/n-triples", "nt", ox.RdfFormat.N_TRIPLES)}
DATASET_FORMATS = {"trig": ("application/trig", "trig", ox.RdfFormat.TRIG),
                   "nquads": ("application/n-quads", "nquads", ox.RdfFormat.N_QUADS)}


def _union(service, subject=None) -> Graph:
    data = service.artifact.store.serialize("nt", subject=subject)
    return Graph().parse(data=data, format="nt")


def _ox_graph(data: bytes, fmt) -> Graph:
    """pyoxigraph's reading of a document, handed to rdflib for the isomorphism check."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)}
    return Graph().parse(data=ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES), format="nt")


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_whole_vocabulary_round_trips_in_rdflib_and_pyoxigraph(client, service, fmt):
    media, rdflib_fmt, ox_fmt = GRAPH_FORMATS[fmt]
    response = client.get("/rest/v1/callcenter/data", query_string={"format": media})
    assert response.status_code == 200 and response.mimetype == media
    expected = _union(service)
    assert isomorphic(Graph().parse(data=response.data, format=rdflib_fmt), expected)
    assert isomorphic(_ox_graph(response.data, ox_fmt), expected)


@pytest.mark.parametrize("fmt", DATASET_FORMATS)
def test_datasets_keep_the_per_document_graphs(client, service, fmt):
    media, rdflib_fmt, ox_fmt = DATASET_FORMATS[fmt]
    response = client.get("/rest/v1/callcenter/data", headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    expected = set(service.artifact.store.raw.quads_for_pattern(None, None, None, None))
    parsed = set(ox.parse(response.data, format=ox_fmt))
    assert parsed == expected
    graphs = {q.graph_name.value for q in parsed}
    assert any("/graph/doc/" in g for g in graphs) and any(g.endswith("/graph/vocabulary") for g in graphs)
    with warnings.catch_warnings():  # rdflib 7.6's Dataset.parse uses its own deprecated default_context
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = Dataset()
        ds.parse(data=response.data, format=rdflib_fmt)
        quads = {(s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None))}
    assert len(quads) == len(expected)
    assert {str(g) for *_, g in quads} == graphs


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_one_concept_round_trips_in_every_graph_format(client, service, fmt):
    _, rdflib_fmt, ox_fmt = GRAPH_FORMATS[fmt]
    uri = service.lookup("コストセンター")[0]["uri"]
    response = client.get("/rest/v1/callcenter/data", query_string={"uri": uri, "format": fmt})
    assert response.status_code == 200
    expected = _union(service, uri)
    assert len(expected) > 5
    assert isomorphic(Graph().parse(data=response.data, format=rdflib_fmt), expected)
    assert isomorphic(_ox_graph(response.data, ox_fmt), expected)


def test_concept_json_ld_uses_skosmos_keys(client, service):
    uri = service.lookup("コストセンター")[0]["uri"]
    data = client.get("/rest/v1/callcenter/data", query_string={"uri": uri, "format": "application/json"}).get_json()
    assert data["uri"] == uri and "skos:Concept" in (data["type"] if isinstance(data["type"], list) else [data["type"]])
    labels = data["prefLabel"] if isinstance(data["prefLabel"], list) else [data["prefLabel"]]
    assert {"lang": "ja", "value": "コストセンター"} in labels
    assert {"uri", "type", "lang", "value", "prefLabel", "related", "inScheme"} <= set(data["@context"])


def test_data_errors(client, service):
    assert client.get("/rest/v1/callcenter/data", query_string={"uri": "https://nowhere.example/x"}).status_code == 404
    uri = service.lookup("コストセンター")[0]["uri"]
    trig = client.get("/rest/v1/callcenter/data", query_string={"uri": uri, "format": "trig"})
    assert trig.status_code == 406 and trig.mimetype == "application/problem+json"
    assert client.get("/rest/v1/callcenter/data", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/rest/v1/other/data").status_code == 404


# --- suggest (Annif-style) ---------------------------------------------------------------------------

def test_suggest_takes_annif_form_fields_by_post(client):
    response = client.post("/rest/v1/callcenter/suggest", data={"text": "放棄呼率", "limit": "3", "threshold": "0.1",
                                                                "lang": "ja"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert 0 < len(results) <= 3
    assert {"uri", "label", "score"} <= set(results[0])


def test_suggest_rejects_json_bodies_and_bad_fields(client):
    response = client.post("/rest/v1/callcenter/suggest", json={"text": "放棄呼率"})
    assert response.status_code == 415 and response.mimetype == "application/problem+json"
    for query in ({"text": "a", "threshold": "2"}, {"text": "a", "lang": "fr"}, {"text": "a", "threshold": "x"}):
        assert client.get("/rest/v1/suggest", query_string=query).status_code == 400, query


def test_get_responses_allow_cross_origin_reads(client):
    for url in ("/rest/v1/vocabularies", "/rest/v1/callcenter/search?query=a*", "/openapi.json", "/export"):
        assert client.get(url).headers.get("Access-Control-Allow-Origin") == "*", url


def test_suggest_answers_a_clipped_word_with_the_label_it_begins(client):
    data = client.get("/rest/v1/suggest", query_string={"text": "エスカレって何?"}).get_json()
    top = data["results"][0]
    assert (top["prefLabel"], top["matchType"], top["matchedLabel"]) == ("エスカレーション", "prefix", "エスカレーション")
