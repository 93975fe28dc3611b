"""GET /rest/v1/review, POST /rest/v1/curations and the /review page, over HTTP (Flask's test client) on a
small real build of the test snippets that each test copies for itself."""

from __future__ import annotations

import json
import math
import shutil
import time
from pathlib import Path

import pytest

from kg.config import Settings
from kg.curation import LOG_NAME, read_log
from kg.review import LookupCounter
from kg.service import Service
from kg.web import create_app

SNIPPETS = Path(__file__).parents[1] / "data"
TOKENS = "alice:review-secret-a,bob:review-secret-b"
ALICE = {"Authorization": "Bearer alice:review-secret-a"}
BOB = {"Authorization": "Bearer bob:review-secret-b"}
CONTRACT = {"uri", "prefLabel", "status", "confidence", "definition", "candidates"}


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory, embedder) -> Settings:
    from kg.build import build_artifact

    root = tmp_path_factory.mktemp("review")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in sorted(SNIPPETS.glob("*.txt")):
        shutil.copy(path, corpus / path.name)
    settings = Settings(data_dir=root / "var", corpus_dir=corpus, write_token=TOKENS)
    build_artifact(settings, embedder=embedder)
    return settings


@pytest.fixture()
def deploy(prebuilt, tmp_path) -> Settings:
    shutil.copytree(prebuilt.data_dir, tmp_path / "var", symlinks=True)
    return prebuilt.with_(data_dir=tmp_path / "var")


@pytest.fixture()
def client(deploy, embedder):
    svc = Service(deploy, embedder=embedder)
    svc.load()
    yield create_app(deploy, service=svc).test_client()
    svc.close()


def is_problem(response, status: int) -> bool:
    body = response.get_json()
    return (response.status_code == status and response.mimetype == "application/problem+json"
            and body["status"] == status and bool(body["detail"]))


def queue(client, limit: int = 50) -> list[dict]:
    response = client.get("/rest/v1/review", query_string={"limit": limit})
    assert response.status_code == 200
    return response.get_json()["results"]


def uri_of(client, label: str) -> str:
    return client.get("/rest/v1/lookup", query_string={"label": label}).get_json()["result"][0]["uri"]


def test_the_queue_follows_the_contract_lowest_confidence_first(client):
    items = queue(client)
    assert items, "the snippets have recovered headwords: the queue cannot be empty"
    for it in items:
        assert set(it) >= CONTRACT and it["status"] in ("recovered", "stated") and 0 <= it["confidence"] < 1
        assert it["definition"] and it["candidates"][0]["label"] == it["prefLabel"]
        for cand in it["candidates"]:
            assert set(cand) >= {"label", "score", "evidence"} and isinstance(cand["evidence"], list)
        assert all(d["source"] and d["line"] for d in it["definitions"])  # the source lines a curator checks
    # nobody has looked anything up yet: the order is the confidence order
    assert [it["confidence"] for it in items] == sorted(it["confidence"] for it in items)
    assert len(queue(client, 1)) == 1
    for bad in ("0", "201", "x"):
        assert is_problem(client.get("/rest/v1/review", query_string={"limit": bad}), 400)


def test_lookups_raise_a_concept_in_the_queue(client, deploy):
    items = queue(client)
    last = items[-1]
    assert last["lookups"] == 0
    for _ in range(40):
        assert client.get("/rest/v1/lookup", query_string={"label": last["prefLabel"]}).status_code == 200
    client.get("/rest/v1/suggest", query_string={"text": last["prefLabel"]})  # its best hit counts too
    moved = {it["uri"]: (i, it) for i, it in enumerate(queue(client))}
    position, item = moved[last["uri"]]
    assert item["lookups"] == 41 and position < len(items) - 1
    assert math.isclose(item["value"], (1 - item["confidence"]) * (1 + math.log1p(41)), abs_tol=1e-3)
    # kept in KG_DATA_DIR, where every server worker adds to the same counts
    assert LookupCounter(deploy.data_dir).counts()[last["uri"]] == 41


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), ({"Authorization": "Basic review-secret-a"}, 401), ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": "Bearer review-secret-a"}, 403),
])
def test_a_missing_or_wrong_token_is_refused(client, deploy, headers, status):
    uri = queue(client, 1)[0]["uri"]
    response = client.post("/rest/v1/curations", json={"concept": uri, "action": "confirm"}, headers=headers)
    assert is_problem(response, status)
    assert not (deploy.data_dir / LOG_NAME).exists()


def test_without_a_configured_token_curation_is_off(deploy, embedder):
    svc = Service(deploy.with_(write_token=None), embedder=embedder)
    client = create_app(svc.settings, service=svc).test_client()
    try:
        response = client.post("/rest/v1/curations", json={"concept": "x", "action": "confirm"}, headers=ALICE)
        assert is_problem(response, 403) and "KG_WRITE_TOKEN" in response.get_json()["detail"]
    finally:
        svc.close()


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"not json", 400, "must be JSON"),
    ([1, 2], 400, "JSON object"),
    ({"action": "rename", "label": "名前"}, 400, "'concept' is required"),
    ({"concept": "URI", "action": "frobnicate"}, 400, "unknown action"),
    ({"concept": "URI", "action": "rename"}, 400, "'label' is required"),
    ({"concept": "URI", "action": "merge"}, 400, "'into' is required"),
    ({"concept": "URI", "action": "relate", "type": "cousin", "target": "x"}, 400, "type must be one of"),
    ({"concept": "URI", "action": "rename", "label": "名前", "colour": "red"}, 400, "unknown field"),
    ({"concept": "https://jaterm.example.org/corpus/concept/nothing", "action": "confirm"}, 422, "unknown concept"),
    ({"concept": "URI", "action": "merge", "into": "https://example.org/none"}, 422, "unknown concept to merge into"),
])
def test_a_bad_body_is_a_problem_and_changes_nothing(client, deploy, body, status, says):
    uri = queue(client, 1)[0]["uri"]
    if isinstance(body, dict):
        body = json.dumps({k: (uri if v == "URI" else v) for k, v in body.items()}, ensure_ascii=False).encode()
    elif isinstance(body, list):
        body = json.dumps(body).encode()
    response = client.post("/rest/v1/curations", data=body, headers={**ALICE, "Content-Type": "application/json"})
    assert is_problem(response, status) and says in response.get_json()["detail"], response.get_json()
    assert not (deploy.data_dir / LOG_NAME).exists()


def test_a_rename_is_served_at_once_by_suggest_lookup_pages_sparql_and_export(client, deploy):
    item = queue(client)[0]
    response = client.post("/rest/v1/curations", json={"concept": item["uri"], "action": "rename",
                                                       "label": "キャリブレーション"}, headers=BOB)
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()
    assert decision["who"] == "bob" and decision["action"] == "rename" and decision["concept"] == item["uri"]
    assert decision["before"]["prefLabel"]["ja"] == item["prefLabel"]
    assert decision["after"]["prefLabel"] == {"ja": "キャリブレーション"} and decision["after"]["status"] == "confirmed"
    assert client.get(response.headers["Location"]).get_json()["id"] == decision["id"]

    hit = client.get("/rest/v1/suggest", query_string={"text": "キャリブレーション"}).get_json()["results"][0]
    assert hit["uri"] == item["uri"] and hit["prefLabel"] == "キャリブレーション"
    assert uri_of(client, "キャリブレーション") == item["uri"]
    page = client.get("/page", query_string={"uri": item["uri"]}, follow_redirects=True)
    assert "キャリブレーション" in page.get_data(as_text=True)
    query = f"SELECT ?l WHERE {{ <{item['uri']}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}"
    rows = client.get("/sparql", query_string={"query": query},
                      headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert [r["l"]["value"] for r in rows] == ["キャリブレーション"]
    assert "キャリブレーション" in client.get("/export", query_string={"format": "turtle"}).get_data(as_text=True)
    assert item["uri"] not in {it["uri"] for it in queue(client)}  # decided: out of the queue
    assert [d["id"] for d in client.get("/rest/v1/curations").get_json()["results"]] == [decision["id"]]
    assert [d.who for d in read_log(deploy).decisions] == ["bob"]


def test_the_review_page_shows_definitions_sources_candidates_and_every_action(client):
    item = queue(client, 1)[0]
    html = client.get("/review").get_data(as_text=True)
    assert item["prefLabel"] in html and item["definition"] in html and "行" in html
    for action in ("confirm", "rename", "merge", "relate", "reject"):
        assert f'data-action="{action}"' in html
    for kind in ("synonym", "antonym", "related", "abbreviation", "broader"):
        assert f'value="{kind}"' in html
    assert 'id="write-token"' in html and "review.js" in html


def test_the_documents_api_takes_the_same_named_tokens(client):
    response = client.get("/rest/v1/documents", headers=BOB)
    assert response.status_code == 200
    assert is_problem(client.get("/rest/v1/documents", headers={"Authorization": "Bearer nope"}), 403)


def test_the_curation_api_answers_as_openapi_json_documents_it(client):
    from test_skosmos import validate

    document = client.get("/openapi.json").get_json()

    def schema(path: str, method: str, status: str) -> dict:
        op = document["paths"][path][method]
        media = "application/problem+json" if status >= "400" else "application/json"
        return op["responses"][status]["content"][media]["schema"]

    validate(document, client.get("/rest/v1/review").get_json(), schema("/rest/v1/review", "get", "200"))
    item = queue(client, 1)[0]
    created = client.post("/rest/v1/curations", json={"concept": item["uri"], "action": "confirm"}, headers=ALICE)
    assert created.status_code == 201
    validate(document, created.get_json(), schema("/rest/v1/curations", "post", "201"))
    one = client.get(created.headers["Location"])
    validate(document, one.get_json(), schema("/rest/v1/curations/{decision_id}", "get", "200"))
    validate(document, client.get("/rest/v1/curations").get_json(), schema("/rest/v1/curations", "get", "200"))
    refused = client.post("/rest/v1/curations", json={"concept": item["uri"], "action": "confirm"}, headers=ALICE)
    assert refused.status_code == 422  # confirmed already: changes nothing
    validate(document, refused.get_json(), schema("/rest/v1/curations", "post", "422"))
    assert client.get("/rest/v1/curations/nothing").status_code == 404


def test_choosing_a_listed_candidate_names_the_concept(client):
    item = next(it for it in queue(client) if len(it["candidates"]) > 1)
    for cand in item["candidates"][1:]:
        response = client.post("/rest/v1/curations", json={"concept": item["uri"], "action": "choose",
                                                           "label": cand["label"]}, headers=ALICE)
        if response.status_code == 201:
            break
        # a candidate that already names another concept is refused: two concepts, one name
        assert is_problem(response, 422) and "already names" in response.get_json()["detail"]
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["after"]["prefLabel"]["ja"] == cand["label"]
    assert uri_of(client, cand["label"]) == item["uri"]


def test_lookup_counts_reach_the_shared_table_without_further_requests(tmp_path):
    counter = LookupCounter(tmp_path, flush_every_s=0.2)
    counter.hit(["https://example.org/a", "https://example.org/a"])
    other = LookupCounter(tmp_path)  # another worker reading the table
    deadline = time.monotonic() + 10
    while other.counts().get("https://example.org/a") != 2:
        assert time.monotonic() < deadline, "the pending counts were never saved"
        time.sleep(0.05)
    counter.hit(["https://example.org/a"])
    counter.flush()
    assert other.counts() == {"https://example.org/a": 3}


def test_a_merged_concepts_iri_redirects_for_good_to_the_survivor(client):
    # Links and bookmarks to a retired IRI land on the concept it went into, in HTML and in RDF.
    merged, survivor = (item["uri"] for item in queue(client)[:2])
    response = client.post("/rest/v1/curations", json={"concept": merged, "action": "merge", "into": survivor},
                           headers=ALICE)
    assert response.status_code == 201, response.get_json()
    old_page = client.get("/page", query_string={"uri": merged}).headers["Location"]
    new_page = client.get("/page", query_string={"uri": survivor}).headers["Location"]
    moved = client.get(old_page)
    assert moved.status_code == 301 and moved.headers["Location"].endswith(new_page)
    assert client.get(old_page, follow_redirects=True).status_code == 200
    turtle = client.get(old_page, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle" and survivor in turtle.get_data(as_text=True)
    # An IRI that never was a concept still answers 404, in HTML and in RDF.
    assert client.get(old_page + "-none").status_code == 404
    assert client.get(old_page + "-none", headers={"Accept": "text/turtle"}).status_code == 404


def test_a_question_lookup_cannot_answer_goes_to_curators_and_a_hidden_label_answers_it(client, deploy):
    # Asked as people ask, of a glossary that states the answer in other words (後処理 of a call).
    question = "電話を切ったあとに記録を書く作業にかかる時間は?"
    assert client.get("/rest/v1/suggest", query_string={"text": question}).get_json()["results"] == []
    for _ in range(2):
        client.post("/rest/v1/suggest", data={"text": "  " + question})  # folded to the same question
    client.get("/rest/v1/suggest", query_string={"text": question, "threshold": "0.99"})  # the asker's own bar
    body = client.get("/rest/v1/review/unanswered").get_json()
    from test_skosmos import validate

    document = client.get("/openapi.json").get_json()
    validate(document, body, document["paths"]["/rest/v1/review/unanswered"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"])
    row = next(r for r in body["results"] if r["question"] == question)
    assert row["count"] == 3 and row["lastAsked"]
    assert all(not c["confident"] for c in row["candidates"]) and len(row["candidates"]) <= 3
    html = client.get("/review").get_data(as_text=True)
    assert question in html and 'value="hidden"' in html and 'id="unanswered-questions"' in html

    meant = uri_of(client, "平均後処理時間") if client.get("/rest/v1/lookup", query_string={
        "label": "平均後処理時間"}).get_json()["result"] else row["candidates"][0]["uri"]
    made = client.post("/rest/v1/curations", headers=ALICE,
                       json={"concept": meant, "action": "relate", "type": "hidden", "target": question})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["after"]["hiddenLabel"] == [question]
    answer = client.get("/rest/v1/suggest", query_string={"text": question}).get_json()["results"]
    assert answer[0]["uri"] == meant and answer[0]["matchType"] == "hiddenLabel"
    # Hidden: found by lookup, never shown as a name (SKOS), and in the exported graph as skos:hiddenLabel.
    assert question not in {r["prefLabel"] for r in answer}
    turtle = client.get("/export", query_string={"format": "ntriples"}).get_data(as_text=True)
    assert f'<{meant}> <http://www.w3.org/2004/02/skos/core#hiddenLabel> "{question}"@ja' in turtle
    undone = client.post("/rest/v1/curations", headers=BOB,
                         json={"concept": meant, "action": "unrelate", "type": "hidden", "target": question})
    assert undone.status_code == 201 and undone.get_json()["after"]["hiddenLabel"] == []


def test_unanswered_questions_are_bounded_and_survive_another_worker(tmp_path, monkeypatch):
    import kg.review

    monkeypatch.setattr(kg.review, "MAX_UNANSWERED", 3)
    counter = LookupCounter(tmp_path, flush_every_s=60)
    for i, times in enumerate([5, 1, 4, 2, 3]):
        for _ in range(times):
            counter.miss(f"質問 {i}")
    counter.miss("   ")  # nothing asked: not counted
    counter.flush()
    rows = LookupCounter(tmp_path).unanswered(10)  # another worker reads what this one saved
    assert [(q, n) for q, n, _last in rows] == [("質問 0", 5), ("質問 2", 4), ("質問 4", 3)]
