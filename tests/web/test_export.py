from __future__ import annotations

import json

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

FORMATS = {"turtle": "turtle", "xml": "xml", "json-ld": "json-ld", "nt": "nt"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_format_parses_and_holds_every_entry(client, built, fmt):
    response = client.get("/export", query_string={"format": fmt})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format=FORMATS[fmt])
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    manifest = json.loads((built.current_artifact / "manifest.json").read_text(encoding="utf-8"))
    entries = sum(d["entries"] for d in manifest["documents"])
    # Entries of different glossaries that name one concept merge, so compare with definitions.
    definitions = len(set(graph.objects(None, SKOS.definition)))
    assert len(concepts) >= 180 and definitions >= entries - 5
    assert all(graph.value(c, SKOS.prefLabel) is not None for c in concepts)


def test_formats_round_trip_to_the_same_graph(client):
    from rdflib.compare import isomorphic

    graphs = [Graph().parse(data=client.get("/export", query_string={"format": f}).data, format=FORMATS[f])
              for f in FORMATS]
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])


def test_unknown_format_is_406(client):
    response = client.get("/export", query_string={"format": "docx"})
    assert response.status_code == 406
    assert "turtle" in response.get_json()["supported"]


def test_concept_iri_dereferences_by_accept(client, service):
    uri = service.suggest("コストセンター")[0].uri
    path = uri.replace(service.artifact.vocabularies.default.base_iri, "/")
    html = client.get(path, headers={"Accept": "text/html"})
    assert html.status_code == 200 and "コストセンター" in html.get_data(as_text=True)
    assert "プロフィットセンター" in html.get_data(as_text=True)  # the antonym is on the page
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"
    assert "コストセンター" in turtle.get_data(as_text=True)
