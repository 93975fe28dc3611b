"""HTML pages without a browser: search, concept pages, browse, glossaries, the SPARQL workbench page,
and the small library behind them (kg.browse)."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from web_support import path_of, uri_of

from kg import browse
from kg.config import DEFAULT_CORPUS

EXTERNAL = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)




def html(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def static(client, name: str) -> tuple[tuple[int, str], str]:
    response = client.get(f"/static/{name}")
    try:
        return (response.status_code, response.mimetype), response.get_data(as_text=True)
    finally:
        response.close()


def first_hit_uri(page: str, list_id: str) -> str:
    section = page.split(f'id="{list_id}"', 1)[1]
    return unescape(re.search(r'class="hit" data-uri="([^"]+)"', section).group(1))


# --- kg.browse, no service ------------------------------------------------------------------------
@pytest.mark.parametrize("ch, row", [("あ", "あ"), ("ガ", "か"), ("ぱ", "は"), ("ゃ", "や"), ("ッ", "た"), ("ヴ", "あ"),
                                     ("ン", "わ"), ("ｶ", "か"), ("ゾ", "さ"), ("ぢ", "た"), ("漢", None), ("A", None)])
def test_kana_row_folds_dakuten_small_kana_width_and_script(ch, row):
    assert browse.kana_row(ch) == row


@pytest.mark.parametrize("label, reading, section", [
    ("FCR", "", "F"), ("ｆｃｒ", "", "F"), ("cost per call", "", "C"), ("カスタマーサービス", "", "か"),
    ("放棄呼", "ほうきこ", "は"), ("「キュー」", "", "か"), ("ヴォイスメール", "", "あ"), ("123番", "", browse.OTHER),
    ("(見出し語不明) 電話をかけること", "", browse.UNKNOWN),
])
def test_section_of_a_label(label, reading, section):
    assert browse.section_of(label, reading) == section


@pytest.mark.parametrize("label, query, expected", [
    ("カスタマーサービス", "かす", [("カス", True), ("タマーサービス", False)]),
    ("FCR", "ｆｃｒ", [("FCR", True)]),
    ("一次完了率", "一次完了率って何?", [("一次完了率", True)]),
    ("平均処理時間", "処理の時間", [("平均", False), ("処理", True), ("時間", False)]),
    ("コールセンター", "ｺｰﾙ", [("コール", True), ("センター", False)]),
    ("ACD", "xyz", [("ACD", False)]),
])
def test_highlight_marks_the_matched_part(label, query, expected):
    assert browse.highlight(label, query) == expected
    assert "".join(text for text, _ in browse.highlight(label, query)) == label


def test_first_line_is_the_first_sentence_and_short():
    assert browse.first_line("一文目です。二文目です。") == "一文目です。"
    assert browse.first_line("改行まで\n次の行") == "改行まで"
    long = "あ" * 200
    assert browse.first_line(long, limit=50) == "あ" * 49 + "…"
    assert browse.first_line("") == ""


def test_group_evidence_merges_lines_of_the_same_sentence():
    items = [{"text": "A", "source": "f.txt", "line": 20, "pattern": "p"},
             {"text": "A", "source": "f.txt", "line": 5, "pattern": "p"},
             {"text": "B", "source": "f.txt", "line": 7, "pattern": "p"}]
    grouped = browse.group_evidence(items)
    assert [(g["text"], g["lines"]) for g in grouped] == [("A", [5, 20]), ("B", [7])]
    # two labels found in one sentence keep one entry each
    labels = [{"label": "一次完了率", "text": "一次完了率・完結率とも呼ばれ", "source": "f.txt", "line": 75},
              {"label": "完結率", "text": "一次完了率・完結率とも呼ばれ", "source": "f.txt", "line": 75}]
    assert [g["label"] for g in browse.group_evidence(labels)] == ["一次完了率", "完結率"]


def test_a_glossary_reading_stays_with_the_label_it_belongs_to():
    # 「待ち呼(まちこ)」 is an alternative label of キュー: its reading must not be shown as キュー's.
    readings, others = browse.label_readings({"prefLabel": {"ja": "キュー"},
                                               "altLabel": [{"value": "待ち呼", "lang": "ja"}], "reading": ["まちこ"]})
    assert readings == {"待ち呼": ("まちこ", True)}
    assert others == []
    readings, others = browse.label_readings({"prefLabel": {"ja": "放棄呼"}, "altLabel": [], "reading": ["ほげ"]})
    assert readings["放棄呼"] == ("ほうきこ", False)
    assert others == ["ほげ"]


# --- kg.browse on the built artifact --------------------------------------------------------------
@pytest.fixture(scope="module")
def cat(service):
    return browse.catalogue(service.artifact)


def test_every_concept_is_in_exactly_one_section_in_gojuon_order(service, cat):
    docs = service.artifact.searcher.index.docs
    listed = [e.uri for k in browse.SECTION_KEYS for e in cat.section(k)]
    assert sorted(listed) == sorted(d.uri for d in docs)
    assert [k for k, _, _ in cat.nav()] == list(browse.SECTION_KEYS)
    assert list(browse.SECTION_KEYS[:10]) == ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"]
    for key in browse.SECTION_KEYS:
        keys = [e.sort_key for e in cat.section(key)]
        assert keys == sorted(keys)
    assert cat.by_uri[uri_of(service, "FCR")].section == "F"
    assert cat.by_uri[uri_of(service, "ヘルプデスク")].section == "は"
    for entry in cat.section("か"):
        first = (entry.reading or entry.label)[0]
        assert browse.kana_row(first) == "か", entry


def test_glossaries_list_their_concepts_in_file_order(cat):
    files = sorted(p.name for p in DEFAULT_CORPUS.iterdir() if p.is_file() and p.suffix != ".toml")  # not the config
    assert sorted(cat.glossaries) == files
    for g in cat.glossaries.values():
        lines = [line for line, _ in g.entries if line is not None]
        assert lines == sorted(lines)
        assert g.entries, g.file


def test_similar_concepts_never_include_the_concept_or_its_antonyms(service, cat):
    docs = [d for d in service.artifact.searcher.index.docs if d.antonyms]
    assert docs, "the bundled corpus has antonyms"
    for doc in docs:
        similar = cat.similar(doc.uri, k=8)
        uris = {e.uri for e, _ in similar}
        assert doc.uri not in uris
        assert not uris & set(doc.antonyms)
        scores = [s for _, s in similar]
        assert scores == sorted(scores, reverse=True)
    assert cat.similar("https://example.org/not-a-concept") == []


@pytest.mark.parametrize("query, label", [("FCR", "FCR"), ("fcr", "FCR"), ("ほうきこ", "放棄呼"), ("aht", "AHT"),
                                          ("First Contact Resolution", "FCR"), ("一次完了率", "FCR")])
def test_live_search_puts_the_asked_concept_first(service, query, label):
    rows = browse.live_search(service, query)
    assert rows and rows[0]["uri"] == uri_of(service, label)
    assert any(hit for _, hit in rows[0]["labelParts"] + rows[0]["matchedParts"])
    assert len({r["uri"] for r in rows}) == len(rows)  # one row per concept


# --- pages ---------------------------------------------------------------------------------------
def test_search_page_is_japanese_self_contained_and_ready_for_input(client):
    page = html(client.get("/"))
    assert '<html lang="ja">' in page
    assert 'name="viewport"' in page
    assert '/static/site.css' in page and '/static/search.js' in page
    assert not EXTERNAL.search(page)
    assert 'role="combobox"' in page and 'aria-controls="live"' in page
    for name, mime in [("site.css", "text/css"), ("search.js", "text/javascript"), ("sparql.js", "text/javascript")]:
        assert static(client, name)[0] == (200, mime)


def test_static_assets_load_nothing_from_elsewhere(client):
    for name in ("site.css", "search.js", "sparql.js"):
        text = static(client, name)[1]
        assert "@import" not in text
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)


def test_submitted_query_shows_the_ranked_list_with_the_concept_first(client, service):
    page = html(client.get("/?q=" + quote("一次完了率")))
    assert first_hit_uri(page, "full-results") == uri_of(service, "FCR")
    assert "<mark>一次完了率</mark>" in page
    assert "用語集 004" in page  # the source glossary of each row
    assert 'id="no-answer"' not in page


def test_query_without_a_confident_answer_says_so(client):
    page = html(client.get("/?q=zzqqxxyy"))
    assert 'id="no-answer"' in page
    assert "確かな答えは見つかりませんでした" in page
    assert 'id="full-results"' not in page


def test_live_search_endpoint_returns_rows_with_links_and_glossaries(client, service):
    data = client.get("/search.json?q=" + quote("かす")).get_json()
    assert data["results"]
    first = data["results"][0]
    assert first["label"].startswith("カス")
    assert first["labelParts"][0] == ["カス", True]
    assert first["href"].startswith("/concept/")
    assert first["glossaries"] and first["glossaries"][0]["href"].startswith("/glossaries/")
    assert client.get("/search.json?q=").get_json()["results"] == []
    assert client.get("/search.json?q=FCR&limit=1").get_json()["results"][0]["uri"] == uri_of(service, "FCR")


def test_concept_page_shows_labels_definitions_with_sources_and_downloads(client, service):
    uri = uri_of(service, "FCR")
    c = service.concept(uri)
    page = html(client.get(path_of(service, uri)))
    assert 'id="pref-label"' in page and ">FCR<" in page
    for alt in c["altLabel"]:
        assert f'<span lang="{alt["lang"]}">{alt["value"]}</span>' in page
    for d in c["definitions"]:
        assert d["text"] in unescape(page)
        assert d["source"] in page
        assert f"{d['line']}" in page
    downloads = page.split('id="downloads"', 1)[1].split("</section>", 1)[0]
    links = [parse_qs(urlsplit(unescape(h)).query) for h in re.findall(r'href="(/rest/v1/data\?[^"]+)"', downloads)]
    assert sorted(q["format"][0] for q in links) == ["json-ld", "turtle", "xml"]
    assert all(q["uri"] == [uri] for q in links)
    assert "根拠" in page  # where the alternative labels come from


def test_concept_page_links_antonyms_with_evidence_and_keeps_them_out_of_similar(client, service):
    doc = next(d for d in service.artifact.searcher.index.docs if d.antonyms)
    page = html(client.get(path_of(service, doc.uri)))
    for antonym in doc.antonyms:
        link = f'href="{path_of(service, antonym)}" rel="antonym"'
        assert link in page
    relations = page.split('id="relations"', 1)[1].split("</section>", 1)[0]
    assert 'class="evidence"' in relations
    similar = page.split('id="similar"', 1)[1].split("</section>", 1)[0] if 'id="similar"' in page else ""
    for antonym in doc.antonyms:
        assert path_of(service, antonym) + '"' not in similar


def test_inferred_headword_shows_its_recovery_confidence(client, service):
    doc = next(d for d in service.artifact.searcher.index.docs if 0 < d.headword_confidence < 1
               and not d.pref_label.startswith(browse.UNKNOWN_PREFIX))
    page = html(client.get(path_of(service, doc.uri)))
    box = page.split('id="headword-confidence"', 1)[1].split("</div>", 1)[0]
    assert f"確信度 {doc.headword_confidence * 100:.0f}%" in box


def test_abbreviations_are_shown_with_their_expansions(client, service):
    for doc in service.artifact.searcher.index.docs:
        c = service.concept(doc.uri)
        if c["abbreviations"]:
            break
    else:
        pytest.skip("no abbreviations in the bundled corpus")
    page = unescape(html(client.get(path_of(service, doc.uri))))
    for short, long in c["abbreviations"]:
        assert f"{short}</strong> = " in page and long in page


def test_concept_iri_negotiates_between_html_and_rdf(client, service):
    uri = uri_of(service, "FCR")
    path = path_of(service, uri)
    page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert page.mimetype == "text/html" and "Accept" in page.headers.get("Vary", "")
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and uri.encode() in turtle.data
    jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert uri in json.dumps(json.loads(jsonld.data))


def test_unknown_concept_is_a_readable_404_page(client):
    response = client.get("/concept/c000000000000", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert 'id="not-found"' in response.get_data(as_text=True)


def test_browse_lists_rows_in_gojuon_order_and_each_row_on_its_own(client, service, cat):
    page = html(client.get("/browse"))
    keys = re.findall(r'data-key="([^"]+)"', page)
    assert keys == [k for k, _, n in cat.nav() if n]
    ka = html(client.get("/browse/" + quote("か")))
    for entry in cat.section("か"):
        assert path_of(service, entry.uri) + '"' in ka
    for entry in cat.section("さ"):
        assert path_of(service, entry.uri) + '"' not in ka
    assert 'aria-current="page"' in ka
    assert path_of(service, uri_of(service, "FCR")) in html(client.get("/browse/F"))
    assert client.get("/browse/nope").status_code == 404


def test_glossary_pages_list_every_glossary_and_its_terms(client, cat):
    page = html(client.get("/glossaries"))
    for file in cat.glossaries:
        assert file in page
    g = next(iter(cat.glossaries.values()))
    one = html(client.get(f"/glossaries/{g.file}"))
    assert one.count('<td class="num">') == len(g.entries)
    assert client.get("/glossaries/nope.txt").status_code == 404


def test_sparql_page_has_an_editor_and_the_vocabulary_examples(client):
    from kg.web.sparql import EXAMPLES

    page = html(client.get("/sparql", headers={"Accept": "text/html"}))
    assert '<textarea id="query"' in page
    assert page.count('class="example"') == len(EXAMPLES)
    for title, query in EXAMPLES:
        assert title in page
        assert unescape(page).count(query) >= 1
    assert "/static/sparql.js" in page
    assert not EXTERNAL.search(page)


@pytest.mark.parametrize("path", ["/", "/?q=FCR", "/browse", "/glossaries", "/concept/c000000000000"])
def test_every_page_is_marked_japanese_and_keyboard_reachable(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    page = response.get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert 'class="skip" href="#main"' in page and 'id="main"' in page
    assert not EXTERNAL.search(page)


def test_concepts_sharing_a_label_link_to_each_other(client, service, cat):
    from search.normalize import loose_key

    docs = service.artifact.searcher.index.docs
    owners: dict[str, set[str]] = {}
    for d in docs:
        for label in [*d.pref_labels.values(), *(t for t, _ in d.alt_labels)]:
            if not label.startswith(browse.UNKNOWN_PREFIX):
                owners.setdefault(loose_key(label), set()).add(d.uri)
    pair = next((sorted(uris) for uris in owners.values() if len(uris) > 1), None)
    if pair is None:
        pytest.skip("no two concepts of the bundled corpus share a label")
    a, b = pair[:2]
    assert b in {e.uri for e, _ in cat.same_name(a)}
    page = html(client.get(path_of(service, a)))
    assert f'href="{path_of(service, b)}" rel="synonym"' in page



def test_every_way_a_hit_is_found_has_a_japanese_name(client):
    from search.hybrid import MATCH_KINDS

    assert set(MATCH_KINDS) == set(browse.MATCH_NAMES)
    page = html(client.get("/?q=" + quote("エスカレ")))  # a clipped word: the label's start is marked
    assert "<mark>エスカレ</mark>ーション" in page and 'id="no-answer"' not in page
