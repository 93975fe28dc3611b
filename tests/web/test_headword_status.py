"""Recovered names are marked 「推定」 on pages and carry their status in REST answers."""

from __future__ import annotations

from tests.web.test_pages import html, path_of


def _recovered(service):
    return next(d for d in service.artifact.searcher.index.docs if 0 < d.headword_confidence < 1)


def _stated(service):
    return next(d for d in service.artifact.searcher.index.docs if d.headword_confidence == 1)


def test_a_recovered_name_is_marked_on_its_page_and_a_stated_one_is_not(client, service):
    page = html(client.get(path_of(service, _recovered(service).uri)))
    title = page.split('id="pref-label"', 1)[1].split("</h2>", 1)[0]
    assert 'id="headword-status"' in title and "推定" in title
    page = html(client.get(path_of(service, _stated(service).uri)))
    assert 'id="headword-status"' not in page.split('id="pref-label"', 1)[1].split("</h2>", 1)[0]


def test_rest_concept_gives_the_status_and_the_ranked_candidates_with_evidence(client, service):
    doc = _recovered(service)
    data = client.get("/rest/v1/callcenter/concept", query_string={"uri": doc.uri}).get_json()
    assert data["status"] == "recovered"
    assert data["candidates"] and data["candidates"][0]["label"] == doc.pref_label
    assert all(c["evidence"] and 0 <= c["score"] <= 1 for c in data["candidates"])
    stated = client.get("/rest/v1/callcenter/concept", query_string={"uri": _stated(service).uri}).get_json()
    assert stated["status"] == "stated" and stated["candidates"] == []


def test_suggest_results_carry_the_headword_status(client, service):
    doc = _recovered(service)
    results = client.get("/rest/v1/suggest", query_string={"text": doc.pref_label}).get_json()["results"]
    assert results and all(r["status"] in ("stated", "recovered", "confirmed") for r in results)
    assert {r["status"] for r in results if r["uri"] == doc.uri} <= {"recovered"}
    stated = client.get("/rest/v1/suggest", query_string={"text": _stated(service).pref_label}).get_json()["results"]
    assert any(r["status"] == "stated" for r in stated)
