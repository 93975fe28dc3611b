"""`kg load`: an external SKOS vocabulary becomes its own named graph and is searchable like ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

SKOS_TTL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/lib/> .
ex:scheme a skos:ConceptScheme .
ex:journal a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "学術雑誌"@ja , "journal"@en ;
    skos:definition "査読を経た論文を定期的に載せる刊行物。"@ja .
ex:map a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "地図資料"@ja , "map"@en .
"""
COAR = Path(__file__).resolve().parents[3] / "shared" / "scale" / "coar" / "coar_resource_types_2019-05-02.ttl"


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def test_loaded_vocabulary_is_searchable_and_in_its_own_graph(env):
    path = env / "library.ttl"
    path.write_text(SKOS_TTL, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["load", str(path), "--id", "library"])
    assert result.exit_code == 0, result.output
    assert "loaded library: 2 concepts" in result.stdout
    hits = json.loads(runner.invoke(main, ["search", "学術雑誌", "--json"]).stdout)["results"]
    assert hits[0]["uri"] == "http://example.org/lib/journal"
    ours = json.loads(runner.invoke(main, ["search", "AHTって何", "--json"]).stdout)["results"]
    assert ours[0]["matchedLabel"] == "AHT"  # the bundled corpus is still there
    query = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://jaterm.example.org/callcenter/graph/vocab/library> "
             "{ ?s ?p ?o } }")
    count = json.loads(runner.invoke(main, ["query", query]).stdout)["results"]["bindings"][0]["n"]["value"]
    assert int(count) == 10


def test_bad_vocabulary_files_are_refused_and_nothing_changes(env):
    runner = CliRunner()
    broken = env / "broken.ttl"
    broken.write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> . <a> skos:prefLabel", encoding="utf-8")
    result = runner.invoke(main, ["load", str(broken), "--id", "broken"])
    assert result.exit_code == 1 and "not valid RDF" in result.output
    plain = env / "plain.ttl"
    plain.write_text("<http://e/a> <http://e/b> <http://e/c> .", encoding="utf-8")
    assert "no skos:Concept" in runner.invoke(main, ["load", str(plain), "--id", "plain"]).output
    assert not (env / "var" / "vocabularies").exists() or not any((env / "var" / "vocabularies").iterdir())


@pytest.mark.skipif(not COAR.exists(), reason="../shared/scale/coar is not here")
def test_coar_resource_types_with_japanese_labels(env):
    runner = CliRunner()
    result = runner.invoke(main, ["load", str(COAR), "--id", "coar"])
    assert result.exit_code == 0, result.output
    hits = json.loads(runner.invoke(main, ["search", "学術雑誌", "--json"]).stdout)["results"]
    assert hits[0]["uri"].startswith("http://purl.org/coar/resource_type/")
