"""Property-based fuzzing of every HTTP endpoint: zero 5xx, and every 4xx a problem+json (or an HTML page).

The REST API is fuzzed from its own OpenAPI document with schemathesis (valid and invalid inputs); the
routes the document does not describe (SPARQL, HTML pages, the write API) with hypothesis directly.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robust_support import TOKEN

from kg.service import Service
from kg.web import create_app

# KG_FUZZ_EXAMPLES raises the count for a deeper run than the suite's bounded default.
FUZZ = settings(max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "40")), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def check(status: int, mimetype: str, body: bytes, what: object) -> None:
    assert status < 500, (what, status, body[:300])
    if status >= 400 and mimetype != "text/html":
        assert mimetype == "application/problem+json", (what, status, mimetype, body[:200])


@pytest.fixture(scope="session")
def api_schema(app):
    if app.test_client().get("/openapi.json").status_code != 200:
        pytest.skip("/openapi.json is not served yet (kg/web/openapi.py): schemathesis has no document to read")
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@FUZZ
def test_rest_api_from_its_openapi_document(case):
    response = case.call()
    ctype = next((v[0] for k, v in response.headers.items() if k.lower() == "content-type"), "")
    check(response.status_code, ctype.split(";")[0].strip(), response.content,
          (case.method, case.formatted_path, case.query, case.headers))


text = st.text(st.characters(codec="utf-8"), max_size=60)
sparqlish = st.one_of(text, st.sampled_from([
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "ASK { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE <https://jaterm.example.org/callcenter/concept/x>", "INSERT DATA { <a:b> <a:c> <a:d> }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "PREFIX x: <", "SELECT ?x WHERE {",
])).flatmap(lambda q: st.sampled_from([q, q + " " + "}" * 3, q.replace(" ", "\n")]))
accept = st.sampled_from(["", "*/*", "text/html", "application/sparql-results+json", "text/csv", "text/turtle",
                          "application/ld+json", "image/png", "application/json;q=0", "garbage;;q=x"])
formats = st.sampled_from(["", "json", "xml", "csv", "tsv", "turtle", "nt", "bogus", "text/html", "\x00"])


@FUZZ
@given(query=sparqlish, method=st.sampled_from(["GET", "POST-form", "POST-direct"]), accept=accept, fmt=formats,
       timeout=st.sampled_from(["", "1", "0", "-5", "x", "1e308", "nan"]))
def test_sparql_endpoint(client, query, method, accept, fmt, timeout):
    params = {k: v for k, v in {"format": fmt, "timeout": timeout}.items() if v}
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        response = client.get("/sparql", query_string={"query": query, **params}, headers=headers)
    elif method == "POST-form":
        response = client.post("/sparql", data={"query": query, **params}, headers=headers)
    else:
        response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"), query_string=params,
                               headers={**headers, "Content-Type": "application/sparql-query"})
    check(response.status_code, response.mimetype, response.data, (method, query, params, accept))


segment = st.text(st.characters(codec="utf-8", exclude_characters="/?#"), min_size=1, max_size=30)


@FUZZ
@given(route=st.sampled_from(["/", "/search.json", "/concept/{}", "/browse/{}", "/glossaries/{}", "/page",
                              "/browse", "/glossaries", "/readyz", "/healthz", "/export"]),
       part=segment, q=text, limit=st.one_of(st.just(""), st.integers(-10**12, 10**12).map(str), text),
       accept=accept)
def test_html_pages_and_other_routes(client, route, part, q, limit, accept):
    path = route.format(part) if "{}" in route else route
    params = {"q": q, "limit": limit, "uri": q, "format": q}
    response = client.get(path, query_string=params, headers={"Accept": accept} if accept else {})
    check(response.status_code, response.mimetype, response.data, (path, params, accept))


@pytest.fixture()
def write_client(live, embedder):
    svc = Service(live, embedder=embedder)
    yield create_app(live, service=svc).test_client()
    svc.close()


header = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)  # what a header can carry


@FUZZ
@given(auth=st.one_of(st.just(f"Bearer {TOKEN}"), st.just(""), header.map(lambda t: "Bearer " + t), header),
       body=st.one_of(st.binary(max_size=300), text.map(str.encode)), name=st.one_of(text, st.just("x.txt")),
       ctype=st.sampled_from(["text/plain", "application/octet-stream", "multipart/form-data",
                              "multipart/form-data; boundary=zz", "application/x-www-form-urlencoded", ""]),
       wait=st.sampled_from(["", "0", "-1", "x", "61", "inf"]))
def test_write_api(write_client, auth, body, name, ctype, wait):
    headers = {"Authorization": auth} if auth else {}
    if ctype:
        headers["Content-Type"] = ctype
    response = write_client.post("/rest/v1/documents", query_string={"name": name, "wait": wait}, data=body,
                                 headers=headers)
    check(response.status_code, response.mimetype, response.data, (auth, name, ctype, body[:40]))
    job = write_client.get(f"/rest/v1/documents/jobs/{name[:20]}", headers=headers)
    check(job.status_code, job.mimetype, job.data, ("job", name))
