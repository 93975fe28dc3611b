"""The REST API driven the way Skosmos documents its own, and /openapi.json checked against the routes.

Reference responses are Skosmos' own (NatLibFi/Skosmos tests/RestControllerTest.php, the `*bass`
search, `label` and `data` fixtures; RestController::transformPropertyResults for `related`): ours
must have the same @context terms and the same keys with the same JSON types.
"""

from __future__ import annotations

import pytest

from kg.web.openapi import spec

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSMOS_SEARCH = {
    "@context": {"skos": SKOS, "isothes": "http://purl.org/iso25964/skos-thes#", "onki": "http://schema.onki.fi/onki#",
                 "uri": "@id", "type": "@type", "results": {"@id": "onki:results", "@container": "@list"},
                 "prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"},
    "uri": "",
    "results": [{"uri": "http://www.skosmos.skos/test/ta117", "type": ["skos:Concept", "meta:TestClass"],
                 "prefLabel": "3D Bass", "lang": "en", "vocab": "test"}],
}
SKOSMOS_SEARCH_FIELDS_ROW = {"uri": "http://www.skosmos.skos/test/ta117", "type": ["skos:Concept"],
                             "broader": [{"uri": "http://www.skosmos.skos/test/ta1"}], "prefLabel": "3D Bass",
                             "lang": "en", "vocab": "test"}
SKOSMOS_LABEL = {"@context": {"skos": SKOS, "uri": "@id", "type": "@type", "prefLabel": "skos:prefLabel",
                              "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel", "@language": "en"},
                 "uri": "http://www.skosmos.skos/test/ta112", "prefLabel": "Carp", "altLabel": ["Golden crucian"]}
SKOSMOS_RELATED = {"@context": {"skos": SKOS, "uri": "@id", "type": "@type", "prefLabel": "skos:prefLabel",
                                "related": "skos:related", "@language": "en"},
                   "uri": "http://www.skosmos.skos/test/ta1", "related": [{"uri": "http://x/ta2", "prefLabel": "Eel"}]}
SKOSMOS_LOOKUP = {"@context": {"skos": SKOS, "uri": "@id", "type": "@type", "onki": "http://schema.onki.fi/onki#",
                               "results": {"@id": "onki:results"}, "prefLabel": "skos:prefLabel",
                               "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"},
                  "result": [{"uri": "http://www.skosmos.skos/test/ta1", "type": ["skos:Concept"], "prefLabel": "Fish",
                              "lang": "en", "vocab": "test"}]}
SKOSMOS_VOCABULARIES = {"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "onki": "http://schema.onki.fi/onki#",
                                     "title": {"@id": "rdfs:label", "@language": "en"},
                                     "vocabularies": "onki:hasVocabulary", "id": "onki:vocabularyIdentifier",
                                     "uri": "@id"},
                        "uri": "", "vocabularies": [{"uri": "test", "id": "test", "title": "Test"}]}
SKOSMOS_DATA_CONTEXT = {"skos", "isothes", "rdfs", "owl", "dct", "dc11", "uri", "type", "lang", "value", "graph", "label",
                        "prefLabel", "altLabel", "hiddenLabel", "broader", "narrower", "related", "inScheme",
                        "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"}


def assert_same_shape(ours, theirs, path="$"):
    """Every key Skosmos sends is there with the same JSON type (lists compared by their first item)."""
    assert type(ours) is type(theirs) or (isinstance(theirs, str) and isinstance(ours, str)), f"{path}: {ours!r}"
    if isinstance(theirs, dict):
        for key, value in theirs.items():
            if key == "@context":
                continue
            assert key in ours, f"{path}: no {key!r} in {sorted(ours)}"
            assert_same_shape(ours[key], value, f"{path}.{key}")
    elif isinstance(theirs, list) and theirs and ours:
        assert_same_shape(ours[0], theirs[0], f"{path}[0]")


def get(client, url, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == 200, (url, params, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    return response.get_json()


@pytest.fixture(scope="module")
def cost_centre(service) -> str:
    return service.lookup("コストセンター")[0]["uri"]


# --- driven like Skosmos' documentation -------------------------------------------------------------

def test_vocabularies(client):
    data = get(client, "/rest/v1/vocabularies", lang="ja")
    assert_same_shape(data, SKOSMOS_VOCABULARIES)
    assert set(data["@context"]) == set(SKOSMOS_VOCABULARIES["@context"])
    assert data["vocabularies"] == [{"uri": "callcenter", "id": "callcenter", "title": "コールセンター用語集"}]


def test_suffix_search_like_star_bass(client):
    data = get(client, "/rest/v1/search", query="*センター")
    assert data["@context"] == SKOSMOS_SEARCH["@context"]
    assert_same_shape(data, SKOSMOS_SEARCH)
    assert data["results"] and all(r["vocab"] == "callcenter" and "skos:Concept" in r["type"] for r in data["results"])
    matched = [r.get("altLabel") or r.get("matchedPrefLabel") or r["prefLabel"] for r in data["results"]]
    assert all(m.endswith("センター") for m in matched), matched
    assert matched == sorted(matched, key=str.lower)  # Skosmos orders by the matched label


def test_search_with_additional_fields(client, cost_centre):
    data = get(client, "/rest/v1/callcenter/search", query="コストセンター", fields="related antonym")
    assert data["@context"]["related"] == "skos:related" and data["@context"]["antonym"] == "kgo:antonym"
    (row,) = data["results"]
    # Skosmos' fixture asks for broader; the flat glossary has related, with the same item shape
    reference = {k: v for k, v in SKOSMOS_SEARCH_FIELDS_ROW.items() if k != "broader"}
    assert_same_shape(row, reference | {"related": SKOSMOS_SEARCH_FIELDS_ROW["broader"]})
    assert [r["prefLabel"] for r in row["antonym"]] == ["プロフィットセンター"]
    assert row["uri"] == cost_centre and row["localname"].startswith("concept/")


def test_search_pref_labels_field(client):
    data = get(client, "/rest/v1/search", query="CX", fields="prefLabel")
    assert data["@context"]["prefLabels"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert data["results"] and all("ja" in r["prefLabels"] for r in data["results"])


def test_wildcards_exact_match_and_language(client):
    exact = get(client, "/rest/v1/search", query="コストセンター")["results"]
    assert [r["prefLabel"] for r in exact] == ["コストセンター"]
    infix = {r["prefLabel"] for r in get(client, "/rest/v1/search", query="*センタ*", maxhits=1000)["results"]}
    assert {"コストセンター", "プロフィットセンター"} <= infix
    assert get(client, "/rest/v1/search", query="cs", lang="en")["results"]  # CS@en, case-insensitive
    assert get(client, "/rest/v1/search", query="cs", lang="ja")["results"] == []
    assert get(client, "/rest/v1/search", query="cs", lang="en")["@context"]["@language"] == "en"


def test_maxhits_offset_and_unique(client):
    everything = get(client, "/rest/v1/search", query="*", maxhits=1000)["results"]
    assert len(everything) >= 200
    page = get(client, "/rest/v1/search", query="*", maxhits=5, offset=10)["results"]
    assert [r["uri"] for r in page] == [r["uri"] for r in everything[10:15]]
    rows = get(client, "/rest/v1/search", query="c*", maxhits=1000)["results"]
    unique = get(client, "/rest/v1/search", query="c*", maxhits=1000, unique="true")["results"]
    assert len({r["uri"] for r in unique}) == len(unique) == len({r["uri"] for r in rows})
    assert len(rows) > len(unique)  # a concept matching by prefLabel and altLabel appears twice without unique


def test_lookup(client):
    data = get(client, "/rest/v1/callcenter/lookup", label="AHT")
    assert_same_shape(data, SKOSMOS_LOOKUP)
    assert set(data["@context"]) == set(SKOSMOS_LOOKUP["@context"])
    assert data["result"][0]["altLabel"] == "AHT" and data["result"][0]["prefLabel"]
    missing = client.get("/rest/v1/callcenter/lookup", query_string={"label": "存在しない用語"})
    assert missing.status_code == 404 and "Could not find label '存在しない用語'" in missing.get_json()["detail"]


def test_label(client, cost_centre):
    data = get(client, "/rest/v1/callcenter/label", uri=cost_centre, lang="ja")
    assert data["@context"] == {**SKOSMOS_LABEL["@context"], "@language": "ja"}
    assert data["uri"] == cost_centre and data["prefLabel"] == "コストセンター"
    cx = get(client, "/rest/v1/callcenter/lookup", label="CX")["result"][0]["uri"]
    english = get(client, "/rest/v1/label", uri=cx, lang="en")
    assert_same_shape(english | {"prefLabel": ""}, SKOSMOS_LABEL)
    assert "CX" in english["altLabel"]


@pytest.mark.parametrize("view", ["related", "antonym"])
def test_related_and_antonym_views(client, cost_centre, view):
    data = get(client, f"/rest/v1/callcenter/{view}", uri=cost_centre, lang="ja")
    reference = {"uri": SKOSMOS_RELATED["uri"], view: SKOSMOS_RELATED["related"]}  # antonym: same shape, own key
    assert_same_shape(data, reference)
    assert set(data["@context"]) - {"kgo", view} == set(SKOSMOS_RELATED["@context"]) - {"related"}
    assert data["@context"][view] == ("skos:related" if view == "related" else "kgo:antonym")
    assert "プロフィットセンター" in [r["prefLabel"] for r in data[view]]


def test_broader_and_narrower_are_empty_lists_for_a_flat_glossary(client, cost_centre):
    for view in ("broader", "narrower"):
        assert get(client, f"/rest/v1/callcenter/{view}", uri=cost_centre)[view] == []
    missing = client.get("/rest/v1/callcenter/related", query_string={"uri": "https://nowhere.example/c"})
    assert missing.status_code == 404 and "Could not find concept" in missing.get_json()["detail"]


def test_abbreviation_view(client):
    cx = get(client, "/rest/v1/callcenter/lookup", label="CX")["result"][0]["uri"]
    data = get(client, "/rest/v1/callcenter/abbreviation", uri=cx)
    assert data["uri"] == cx
    (item,) = [a for a in data["abbreviation"] if a["literalForm"] == "CX"]
    assert item["abbreviationOf"]["literalForm"] == "Customer Experience" and item["termType"] == "acronym"


def test_data_json_uses_skosmos_context(client, cost_centre):
    response = client.get("/rest/v1/callcenter/data", query_string={"uri": cost_centre, "format": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert set(response.get_json()["@context"]) >= SKOSMOS_DATA_CONTEXT


def test_json_ld_media_type_on_request(client):
    response = client.get("/rest/v1/vocabularies", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json" and response.headers["Vary"] == "Accept"


def test_errors_are_problem_json(client):
    for url, status in (("/rest/v1/search", 400), ("/rest/v1/search?query=a&maxhits=x", 400),
                        ("/rest/v1/search?query=a&fields=bogus", 400), ("/rest/v1/nosuch/search?query=a", 404),
                        ("/rest/v1/callcenter/label", 400), ("/rest/v1/search?query=a&lang=fr", 400)):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(response.get_json())


def test_not_ready_is_503(tmp_path, embedder):
    from kg.config import Settings
    from kg.service import Service
    from kg.web import create_app

    settings = Settings(data_dir=tmp_path)
    app = create_app(settings, service=Service(settings, embedder=embedder))
    response = app.test_client().get("/rest/v1/callcenter/search", query_string={"query": "a*"})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"


# --- /openapi.json matches the routes --------------------------------------------------------------

def _rest_paths(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        # the Skosmos routes, and the review queue and curation API (the /review page is HTML, not API)
        if not (rule.endpoint.startswith("rest.") or
                (rule.endpoint.startswith("review.") and rule.rule.startswith("/rest/"))):
            continue
        variants = [rule.rule]
        for name, converter in rule._converters.items():
            items = sorted(getattr(converter, "items", ())) or [None]
            variants = [v.replace(f"<{name}>", f"{{{name}}}") if item is None else
                        v.replace(next(part for part in v.split("/") if part.endswith(f":{name}>")), item)
                        for v in variants for item in items]
        for path in variants:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                out.add((path, method.lower()))
    return out


@pytest.fixture(scope="module")
def document(app):
    with app.test_request_context():
        from kg.web import service

        return spec(service().settings)


def test_openapi_is_served(client):
    data = get(client, "/openapi.json")
    assert data["openapi"].startswith("3.") and "/rest/v1/{vocid}/search" in data["paths"]


def test_every_route_is_documented_and_every_documented_path_exists(app, document):
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert documented == _rest_paths(app)


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def validate(document, value, schema, path="$"):
    """Enough JSON Schema for our document: $ref, type, enum, required, properties, items, additionalProperties."""
    schema = _resolve(document, schema)
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    types = schema.get("type")
    if types:
        names = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool,
                 "null": type(None)}
        allowed = tuple(names[t] for t in ([types] if isinstance(types, str) else types))
        assert isinstance(value, allowed) and not (isinstance(value, bool) and bool not in allowed), f"{path}: {value!r}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key) or schema.get("additionalProperties")
            if isinstance(sub, dict):
                validate(document, item, sub, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:20]):
            validate(document, item, schema["items"], f"{path}[{i}]")


def _values(cost_centre):
    return {"vocid": "callcenter", "lang": "ja", "labellang": "ja", "query": "かす*", "label": "コストセンター", "uri": cost_centre,
            "text": "AHTって何", "limit": "5", "threshold": "0.2", "maxhits": "5", "offset": "1",
            "fields": "related prefLabel", "unique": "true", "type": "skos:Concept", "parent": cost_centre,
            "group": cost_centre, "vocab": "callcenter", "format": "text/turtle"}


def _operations(document):
    """Operations this module can call with fixed values: writes (they need the token) and one decision's path
    are driven by tests/web/test_review.py."""
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if "security" not in op and "{decision_id}" not in path:
                yield path, method, op


def test_every_documented_operation_answers_with_its_schema(client, document, cost_centre):
    values = _values(cost_centre)
    for path, method, op in _operations(document):
        url = path.replace("{vocid}", "callcenter")
        required = {p["name"]: values[p["name"]] for p in op["parameters"] if p["in"] == "query" and p["required"]}
        if method == "post":
            response = client.post(url, data={"text": values["text"]})
        else:
            response = client.get(url, query_string=required)
        assert response.status_code == 200, (path, method, response.get_data(as_text=True)[:300])
        content = op["responses"]["200"]["content"]
        assert response.mimetype in content, (path, response.mimetype)
        if response.mimetype.endswith("json") and content[response.mimetype]["schema"]:
            validate(document, response.get_json(), content[response.mimetype]["schema"], path)


def test_every_documented_parameter_is_accepted(client, document, cost_centre):
    values = _values(cost_centre)
    for path, method, op in _operations(document):
        if method != "get":
            continue
        url = path.replace("{vocid}", "callcenter")
        required = {p["name"]: values[p["name"]] for p in op["parameters"] if p["in"] == "query" and p["required"]}
        for param in op["parameters"]:
            if param["in"] == "query" and not param["required"]:
                response = client.get(url, query_string={**required, param["name"]: values[param["name"]]})
                assert response.status_code == 200, (path, param["name"], response.get_data(as_text=True)[:300])


def test_documented_errors_are_problems(client, document):
    for path, method, op in _operations(document):
        if method != "get" or not any(p["required"] for p in op["parameters"] if p["in"] == "query"):
            continue
        assert "400" in op["responses"], path
        response = client.get(path.replace("{vocid}", "callcenter"))
        assert response.status_code == 400, path
        validate(document, response.get_json(), op["responses"]["400"]["content"]["application/problem+json"]["schema"])


@pytest.mark.parametrize("query", ["カス*", "かす*", "ｶｽﾀﾏｰ*", "コール*", "こーる*", "c*", "CS", "cs*", "放棄呼率", "ほうきこ*",
                                   "オペレータ*", "ン*", "zzz*"])
def test_prefix_and_exact_search_agree_with_a_full_scan(client, service, query):
    """`abc*` and `abc` are answered from a sorted key range; the answer must be the scan's."""
    from search.normalize import loose_key

    got = get(client, "/rest/v1/search", query=query, maxhits=1000)["results"]
    prefix = loose_key(query.rstrip("*"))
    everything = get(client, "/rest/v1/search", query="*" + query.rstrip("*") + ("*" if query.endswith("*") else ""),
                     maxhits=1000)["results"]
    # The infix query "*abc*" is always a scan; keep its rows whose matched label starts with the prefix.
    expected = [r for r in everything
                if (loose_key(r.get("altLabel") or r.get("hiddenLabel") or r.get("matchedPrefLabel") or r["prefLabel"])
                    .startswith(prefix) if query.endswith("*") else True)]
    if not query.endswith("*"):
        expected = [r for r in everything if loose_key(r.get("altLabel") or r.get("hiddenLabel")
                                                        or r.get("matchedPrefLabel") or r["prefLabel"]) == prefix]
    assert [(r["uri"], r.get("altLabel"), r.get("hiddenLabel")) for r in got] == \
           [(r["uri"], r.get("altLabel"), r.get("hiddenLabel")) for r in expected]
    if query in ("カス*", "かす*", "ｶｽﾀﾏｰ*", "コール*", "放棄呼率"):
        assert got
