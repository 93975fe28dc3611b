"""Request limits: body and URL size, `limit`-style parameters, rate of expensive endpoints, malformed
requests. Every refusal is a 4xx application/problem+json, never a 5xx; one JSON log line per request."""

from __future__ import annotations

import json
import logging

import pytest

from kg.errors import ConfigError
from kg.web import create_app
from kg.web.limits import parse_rates

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


@pytest.fixture()
def limited(built, service):
    """The session's read-only service behind an app with small rate limits."""
    settings = built.with_(rate_limits="sparql=60,suggest=60,export=6")
    return create_app(settings, service=service).test_client()


def assert_problem(response, status: int | None = None) -> dict:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.status_code >= 400 and response.mimetype == "application/problem+json", response.status_code
    body = response.get_json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    if status is not None:
        assert response.status_code == status, body
    return body


def test_a_url_over_the_limit_is_414(client, built):
    long = "あ" * (built.max_url_bytes // 9 + 10)  # 9 bytes per character once percent-encoded
    body = assert_problem(client.get("/rest/v1/search", query_string={"query": long}), 414)
    assert str(built.max_url_bytes) in body["detail"]
    assert assert_problem(client.get("/concept/" + "x" * (built.max_url_bytes + 1)), 414)
    assert client.get("/rest/v1/search", query_string={"query": "あ" * 100}).status_code == 200  # under: answered


@pytest.mark.parametrize(("path", "content_type"), [
    ("/sparql", "application/x-www-form-urlencoded"), ("/sparql", "application/sparql-query"),
    ("/rest/v1/suggest", "application/x-www-form-urlencoded"), ("/rest/v1/callcenter/suggest", "multipart/form-data"),
])
def test_a_body_over_the_limit_is_413(client, built, path, content_type):
    data = b"query=" + b"a" * built.max_body_bytes
    assert_problem(client.post(path, data=data, content_type=content_type), 413)


def test_a_body_without_content_length_is_still_capped(client, built):
    """Chunked uploads announce no length (the server marks the input terminated): the cap applies while reading."""
    import io

    stream = io.BytesIO(b"query=" + b"a" * (built.max_body_bytes + 10))
    response = client.post("/sparql", input_stream=stream, content_type="application/x-www-form-urlencoded",
                           environ_base={"wsgi.input_terminated": True})
    assert_problem(response, 413)


@pytest.mark.parametrize(("path", "params"), [
    ("/rest/v1/suggest", {"text": "AHT", "limit": "101"}),
    ("/rest/v1/suggest", {"text": "AHT", "limit": "-1"}),
    ("/rest/v1/suggest", {"text": "AHT", "limit": "1e9"}),
    ("/rest/v1/suggest", {"text": "AHT", "threshold": "nan"}),
    ("/rest/v1/suggest", {"text": "あ" * 1001}),
    ("/rest/v1/search", {"query": "a*", "maxhits": "1001"}),
    ("/rest/v1/search", {"query": "a*", "maxhits": "0"}),
    ("/rest/v1/search", {"query": "a*", "offset": str(10**10)}),
    ("/sparql", {"query": SELECT, "timeout": "-1"}),
    ("/sparql", {"query": SELECT, "timeout": "soon"}),
])
def test_limit_parameters_out_of_range_are_400(client, path, params):
    assert_problem(client.get(path, query_string=params), 400)


def test_the_live_search_limit_is_clamped(client):
    response = client.get("/search.json", query_string={"q": "コール", "limit": str(10**9)})
    assert response.status_code == 200 and len(response.get_json()["results"]) <= 20


def test_expensive_endpoints_are_rate_limited_per_client(limited):
    statuses = [limited.get("/sparql", query_string={"query": SELECT}).status_code for _ in range(8)]
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]  # 60/min: bursts of 6
    response = limited.get("/sparql", query_string={"query": SELECT})
    body = assert_problem(response, 429)
    assert "60 sparql requests a minute" in body["detail"] and int(response.headers["Retry-After"]) >= 1
    other = limited.get("/sparql", query_string={"query": SELECT}, environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200  # another client has its own budget
    assert all(limited.get("/rest/v1/lookup", query_string={"label": "AHT"}).status_code == 200 for _ in range(20))


def test_a_whole_export_is_rate_limited_but_one_concept_is_not(limited, service):
    uri = service.lookup("コストセンター")[0]["uri"]
    statuses = [limited.get("/export").status_code for _ in range(3)]
    assert statuses == [200, 429, 429]  # 6 a minute: a burst of one
    assert all(limited.get("/rest/v1/callcenter/data", query_string={"uri": uri}).status_code == 200
               for _ in range(5))


def test_rate_specs_are_checked():
    assert parse_rates("off") == {} and parse_rates("") == {}
    assert parse_rates("sparql=120, suggest=600") == {"sparql": 120.0, "suggest": 600.0}
    for bad in ("sparql", "sparql=fast", "graphql=10"):
        with pytest.raises(ConfigError):
            parse_rates(bad)


MALFORMED = [
    ("GET", "/rest/v1/search?query=%ZZ%", {}, None),
    ("GET", "/rest/v1/search?query=%FF%FE%00", {}, None),
    ("GET", "/rest/v1/lookup?label=%00", {}, None),
    ("GET", "/rest/v1/suggest?text=%ED%A0%80", {}, None),  # a lone surrogate in UTF-8
    ("GET", "/rest/v1/callcenter/concept?uri=%00%0A", {}, None),
    ("GET", "/rest/v1/callcenter/data?format=%FF", {}, None),
    ("GET", "/rest/v1/callcenter/related?uri=" + "x" * 5000, {}, None),
    ("GET", "/sparql?query=%FF%FE", {}, None),
    ("GET", "/sparql?query=" + "%7B" * 4000, {}, None),
    ("GET", "/rest/v1/search?" + "&".join(f"p{i}=x" for i in range(2000)), {}, None),
    ("GET", "/rest/v1/vocabularies", {"Accept": "*/*;q=banana, ;;;"}, None),
    ("GET", "/rest/v1/vocabularies", {"Accept": "text/csv"}, None),
    ("GET", "/concept/%FF", {"Accept": "application/ld+json;q=x"}, None),
    ("GET", "/glossaries/%2e%2e%2f%2e%2e%2fetc%2fpasswd", {}, None),
    ("GET", "/browse/%00", {}, None),
    ("POST", "/rest/v1/suggest", {"Content-Type": "application/json"}, b'{"text": "AHT"}'),
    ("POST", "/rest/v1/suggest", {"Content-Type": "multipart/form-data"}, b"--nobound\r\n"),
    ("POST", "/rest/v1/suggest", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\ngarbage"),
    ("POST", "/rest/v1/suggest", {"Content-Type": "application/x-www-form-urlencoded"}, b"text=%FF%FE&limit=%"),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"\xff\xfe\x00SELECT"),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded; charset=ebcdic"}, b"query=x"),
    ("POST", "/sparql", {"Content-Type": ""}, b"query=x"),
    ("PUT", "/sparql", {}, b"x"),
    ("DELETE", "/rest/v1/vocabularies", {}, None),
    ("POST", "/rest/v1/documents", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n"),
]


@pytest.mark.parametrize(("method", "url", "headers", "body"), MALFORMED,
                         ids=[f"{m} {u[:40]}" for m, u, _, _ in MALFORMED])
def test_malformed_requests_are_answered_without_a_5xx(client, method, url, headers, body):
    response = client.open(url, method=method, headers=headers, data=body)
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400 and response.mimetype != "text/html":
        assert_problem(response)


def test_one_json_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="kg.web.access"):
        client.get("/rest/v1/lookup", query_string={"label": "AHT"})
        client.get("/rest/v1/search", query_string={"query": "あ" * 5000})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "kg.web.access"]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [("GET", "/rest/v1/lookup", 200),
                                                                    ("GET", "/rest/v1/search", 414)]
    assert all(x["event"] == "request" and x["ms"] >= 0 for x in lines)
    assert "artifact" in lines[0]  # which artifact answered: readers can tell a swap happened
