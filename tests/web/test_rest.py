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
