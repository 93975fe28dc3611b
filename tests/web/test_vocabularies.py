"""Two vocabularies side by side in one artifact: REST, pages, suggest, SPARQL and export keep them apart.

Both glossaries define クラウド, with different meanings: it must stay two concepts, one per vocabulary.
"""

from __future__ import annotations

import json
import re

import pytest

from kg.config import Settings

IT_MD = """# IT用語集

## API
アプリケーション同士が機能やデータをやり取りするための取り決め。

## クラウド
インターネット経由でサーバーやソフトウェアを利用する形態。

## サーバー
ネットワーク上で他のコンピューターにサービスを提供するコンピューター。
"""
HOKEN_MD = """---
title: 保険用語集
---

## 保険料
保険契約者が保険会社に支払うお金。

## クラウド
多数の契約者から少額ずつ資金を集める仕組みのこと。

## 免責金額
損害のうち契約者が自己負担する金額。
"""
# No title anywhere, and a file name that merely starts with digits: its name is the file name.
CONTRACT_TXT = """契約者
保険会社と保険契約を結び、保険料を支払う人。

被保険者
保険の対象となっている人。
"""
CONFIG = """
[vocabularies.it]
title = { ja = "IT用語集", en = "IT glossary" }
sources = ["it"]

[vocabularies.hoken]
description = { ja = "保険の言葉。" }
sources = ["hoken"]
"""
LIBRARY_TTL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <http://example.org/lib/> .
ex:scheme a skos:ConceptScheme ; dct:title "図書館の語彙"@ja .
ex:journal a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "学術雑誌"@ja , "journal"@en .
ex:map a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "地図資料"@ja .
"""
IT = "https://jaterm.example.org/it/"
HOKEN = "https://jaterm.example.org/hoken/"


@pytest.fixture(scope="module")
def two(tmp_path_factory, embedder):
    from kg.build import build_artifact
    from kg.external import store_vocabulary
    from kg.service import Service
    from kg.web import create_app

    root = tmp_path_factory.mktemp("two")
    (root / "it").mkdir()
    (root / "hoken").mkdir()
    (root / "it" / "it.md").write_text(IT_MD, encoding="utf-8")
    (root / "hoken" / "hoken.md").write_text(HOKEN_MD, encoding="utf-8")
    (root / "hoken" / "2024_契約.txt").write_text(CONTRACT_TXT, encoding="utf-8")
    (root / "vocabularies.toml").write_text(CONFIG, encoding="utf-8")
    (root / "library.ttl").write_text(LIBRARY_TTL, encoding="utf-8")
    settings = Settings(data_dir=root / "var", vocabularies_file=root / "vocabularies.toml")
    store_vocabulary(settings, root / "library.ttl", "library")  # `kg load`: a SKOS file of its own
    result = build_artifact(settings, embedder=embedder)
    service = Service(settings, embedder=embedder)
    service.load()
    app = create_app(settings, service=service)
    app.config["TESTING"] = True
    yield app.test_client(), result.manifest
    service.close()


def get_json(client, url, status=200, **params):
    response = client.get(url, query_string=params)
    assert response.status_code == status, (url, params, response.get_data(as_text=True)[:300])
    return response.get_json()


def test_manifest_lists_both_with_their_bases(two):
    _, manifest = two
    vocabs = {v["id"]: v for v in manifest["vocabs"]}
    assert list(vocabs) == ["it", "hoken"]
    assert vocabs["it"]["base_iri"] == IT and vocabs["hoken"]["base_iri"] == HOKEN
    # a configured title wins; without one, the documents' own (front matter) names the vocabulary
    assert vocabs["it"]["title"] == {"ja": "IT用語集", "en": "IT glossary"}
    assert vocabs["hoken"]["title"] == {"ja": "保険用語集"}
    assert vocabs["it"]["concepts"] == 3 and vocabs["hoken"]["concepts"] == 5


def test_rest_vocabularies_and_info(two):
    client, _ = two
    listed = get_json(client, "/rest/v1/vocabularies", lang="ja")["vocabularies"]
    assert listed == [{"uri": "it", "id": "it", "title": "IT用語集"},
                      {"uri": "hoken", "id": "hoken", "title": "保険用語集"},
                      {"uri": "library", "id": "library", "title": "図書館の語彙"}]  # loaded: its scheme's title
    assert get_json(client, "/rest/v1/vocabularies", lang="en")["vocabularies"][0]["title"] == "IT glossary"
    info = get_json(client, "/rest/v1/hoken/")
    assert info["id"] == "hoken" and info["title"] == "保険用語集"
    assert info["conceptschemes"][0]["uri"] == HOKEN + "scheme"
    assert get_json(client, "/rest/v1/nosuch/", 404)["status"] == 404


def test_rest_search_lookup_and_views_stay_in_their_vocabulary(two):
    client, _ = two
    it_rows = get_json(client, "/rest/v1/it/search", query="*")["results"]
    assert sorted(r["prefLabel"] for r in it_rows) == ["API", "クラウド", "サーバー"]
    assert all(r["uri"].startswith(IT) and r["vocab"] == "it" and r["localname"].startswith("concept/")
               for r in it_rows)
    (it_cloud,) = get_json(client, "/rest/v1/it/lookup", label="クラウド")["result"]
    (hoken_cloud,) = get_json(client, "/rest/v1/hoken/lookup", label="クラウド")["result"]
    assert it_cloud["uri"].startswith(IT) and hoken_cloud["uri"].startswith(HOKEN)  # never merged
    get_json(client, "/rest/v1/hoken/lookup", 404, label="API")
    get_json(client, "/rest/v1/it/label", 404, uri=hoken_cloud["uri"])
    assert get_json(client, "/rest/v1/hoken/label", uri=hoken_cloud["uri"])["prefLabel"] == "クラウド"
    assert get_json(client, "/rest/v1/hoken/related", uri=hoken_cloud["uri"])["related"] == []
    # across vocabularies (Skosmos' global search): each row names its own vocabulary; vocab= narrows it
    rows = get_json(client, "/rest/v1/search", query="クラウド")["results"]
    assert sorted((r["vocab"], r["uri"][:len(IT)]) for r in rows) == [("hoken", HOKEN[:len(IT)]), ("it", IT)]
    only = get_json(client, "/rest/v1/search", query="クラウド", vocab="hoken")["results"]
    assert [r["uri"] for r in only] == [hoken_cloud["uri"]]
    both = get_json(client, "/rest/v1/search", query="クラウド", vocab="it hoken")["results"]
    assert sorted(r["vocab"] for r in both) == ["hoken", "it"]


def test_suggest_with_vocab(two):
    client, _ = two
    everywhere = get_json(client, "/rest/v1/suggest", text="クラウド", threshold="0")["results"]
    assert {"it", "hoken"} <= {r["vocab"] for r in everywhere}
    for vocid, base in (("it", IT), ("hoken", HOKEN)):
        rows = get_json(client, "/rest/v1/suggest", text="クラウド", threshold="0", vocab=vocid)["results"]
        assert rows and all(r["uri"].startswith(base) and r["vocab"] == vocid for r in rows)
        assert rows[0]["label"] == "クラウド"
        same = get_json(client, f"/rest/v1/{vocid}/suggest", text="クラウド", threshold="0")["results"]
        assert [r["uri"] for r in same] == [r["uri"] for r in rows]
    assert client.get("/rest/v1/suggest", query_string={"text": "a", "vocab": "nosuch"}).status_code == 404


def test_sparql_sees_all_of_them_apart(two):
    client, _ = two
    query = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?scheme ?c WHERE { ?c skos:prefLabel "クラウド"@ja ; skos:inScheme ?scheme } ORDER BY ?scheme"""
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = response.get_json()["results"]["bindings"]
    assert [r["scheme"]["value"] for r in rows] == [HOKEN + "scheme", IT + "scheme"]
    assert rows[0]["c"]["value"].startswith(HOKEN) and rows[1]["c"]["value"].startswith(IT)


@pytest.mark.parametrize("url", ["/export", "/rest/v1/data"])
def test_export_per_vocabulary(two, url):
    client, _ = two
    it_nt = client.get(url, query_string={"format": "nt", "vocab": "it"}).get_data(as_text=True)
    assert IT + "scheme" in it_nt and "IT用語集" in it_nt
    assert HOKEN not in it_nt and "保険料" not in it_nt
    trig = client.get(url, query_string={"format": "trig", "vocab": "hoken"}).get_data(as_text=True)
    graphs = set(re.findall(r"^<([^>]+)> \{", trig, re.M)) | set(re.findall(r"^GRAPH <([^>]+)>", trig, re.M))
    assert graphs and all(g.startswith(HOKEN + "graph/") for g in graphs), graphs
    everything = client.get(url, query_string={"format": "nt"}).get_data(as_text=True)
    assert IT in everything and HOKEN in everything
    assert client.get(url, query_string={"format": "nt", "vocab": "nosuch"}).status_code == 404


def test_vocid_data_is_that_vocabulary(two):
    client, _ = two
    body = client.get("/rest/v1/hoken/data", query_string={"format": "application/ld+json"}).get_data(as_text=True)
    data = json.loads(body)
    assert "保険料" in body and "インターネット経由" not in body and "@context" in data


def test_pages_per_vocabulary(two):
    client, _ = two
    default = client.get("/browse").get_data(as_text=True)  # today's paths: the first vocabulary
    assert "サーバー" in default and "保険料" not in default and "IT用語集" in default
    assert 'href="/vocab/hoken/"' in default  # each page links to the other vocabularies
    hoken = client.get("/vocab/hoken/browse").get_data(as_text=True)
    assert "保険料" in hoken and "サーバー" not in hoken and "保険用語集" in hoken
    links = re.findall(r'href="(/vocab/hoken/concept/[^"]+)"', hoken)
    assert links, "concept links stay in the vocabulary"
    page = client.get(links[0])
    assert page.status_code == 200
    cloud = get_json(client, "/rest/v1/hoken/lookup", label="クラウド")["result"][0]["uri"]
    cid = cloud[len(HOKEN + "concept/"):]
    text = client.get(f"/vocab/hoken/concept/{cid}").get_data(as_text=True)
    assert "多数の契約者" in text and "インターネット経由" not in text
    premium = get_json(client, "/rest/v1/hoken/lookup", label="保険料")["result"][0]["uri"]
    assert client.get("/concept/" + premium[len(HOKEN + "concept/"):]).status_code == 404  # not the default's
    redirect = client.get("/page", query_string={"uri": cloud})
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith(f"/vocab/hoken/concept/{cid}")
    found = client.get("/vocab/hoken/", query_string={"q": "クラウド"}).get_data(as_text=True)
    assert "多数の契約者" in found and "インターネット経由" not in found
    found = client.get("/", query_string={"q": "クラウド"}).get_data(as_text=True)
    assert "インターネット経由" in found and "多数の契約者" not in found
    live = get_json(client, "/vocab/hoken/search.json", q="クラウド")["results"]
    assert live and all(r["uri"].startswith(HOKEN) and r["href"].startswith("/vocab/hoken/") for r in live)
    assert client.get("/vocab/nosuch/browse").status_code == 404


def test_glossary_names_come_from_titles_not_file_names(two):
    client, _ = two
    page = client.get("/vocab/hoken/glossaries").get_data(as_text=True)
    assert "保険用語集" in page  # hoken.md's front-matter title
    # no title: the file name as it is, not 「用語集 2024」 read into a leading number
    assert ">2024_契約</a>" in page and "用語集 2024" not in page
    assert client.get("/vocab/hoken/glossaries/hoken.md").status_code == 200
    assert client.get("/glossaries/hoken.md").status_code == 404  # the default vocabulary has no such glossary


@pytest.fixture(scope="module")
def it_only(tmp_path_factory, embedder):
    """`kg build it.md 2024_契約.txt` with no configuration: one vocabulary named by the documents."""
    from kg.build import build_artifact
    from kg.service import Service
    from kg.web import create_app

    root = tmp_path_factory.mktemp("it-only")
    (root / "it.md").write_text(IT_MD, encoding="utf-8")
    (root / "2024_契約.txt").write_text(CONTRACT_TXT, encoding="utf-8")
    settings = Settings(data_dir=root / "var")
    build_artifact(settings, [root / "it.md", root / "2024_契約.txt"], embedder=embedder)
    service = Service(settings, embedder=embedder)
    service.load()
    yield create_app(settings, service=service).test_client()
    service.close()


def test_a_vocabulary_built_from_it_md_is_listed_with_its_title(it_only):
    listed = get_json(it_only, "/rest/v1/vocabularies")["vocabularies"]
    assert listed == [{"uri": "it", "id": "it", "title": "IT用語集"}]
    assert "IT用語集" in it_only.get("/").get_data(as_text=True)
    rows = get_json(it_only, "/rest/v1/it/search", query="*")["results"]
    assert rows and all(r["uri"].startswith(IT) for r in rows)


def test_glossary_names_do_not_assume_numbered_file_names(it_only):
    """Glossary names assumed files named NNN_…: 2024_契約.txt was shown as 「用語集 2024」."""
    page = it_only.get("/glossaries").get_data(as_text=True)
    assert ">2024_契約</a>" in page and "用語集 2024" not in page
    assert ">IT用語集</a>" in page  # it.md by the title it states
    (contractor,) = get_json(it_only, "/rest/v1/lookup", label="契約者")["result"]
    concept = it_only.get("/concept/" + contractor["uri"][len(IT + "concept/"):]).get_data(as_text=True)
    assert ">2024_契約</a>" in concept


def test_a_loaded_vocabulary_is_one_of_them(two):
    client, _ = two
    rows = get_json(client, "/rest/v1/library/search", query="*")["results"]
    assert {r["uri"] for r in rows} == {"http://example.org/lib/journal", "http://example.org/lib/map"}
    assert all(r["vocab"] == "library" for r in rows)
    assert get_json(client, "/rest/v1/it/search", query="学術雑誌")["results"] == []
    hits = get_json(client, "/rest/v1/suggest", text="学術雑誌", threshold="0", vocab="library")["results"]
    assert hits and all(h["uri"].startswith("http://example.org/lib/") for h in hits)
    turtle = client.get("/export", query_string={"format": "nt", "vocab": "library"}).get_data(as_text=True)
    assert "http://example.org/lib/journal" in turtle and IT not in turtle
