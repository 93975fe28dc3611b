"""In headless Chromium (as tests/web/test_browser.py): a curator renames a concept on /review, and the new name
is found by suggest and shown on the browse page at once, by the same running server (no restart).

The server runs on a build of its own (the test snippets), so the rename touches no other test's data.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_browser import DESKTOP, SCREENSHOTS, browser  # noqa: F401 (the Chromium fixture, and where shots go)

from kg.config import Settings
from kg.service import Service
from kg.web import create_app

SNIPPETS = Path(__file__).parents[1] / "data"
TOKEN = "hanako:browser-review-secret"
NEW_NAME = "キャリブレーション"


@pytest.fixture(scope="module")
def curated_server(tmp_path_factory, embedder):
    from werkzeug.serving import make_server

    from kg.build import build_artifact

    root = tmp_path_factory.mktemp("review-browser")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in sorted(SNIPPETS.glob("*.txt")):
        shutil.copy(path, corpus / path.name)
    settings = Settings(data_dir=root / "var", corpus_dir=corpus, write_token=TOKEN)
    build_artifact(settings, embedder=embedder)
    svc = Service(settings, embedder=embedder)
    svc.load()
    server = make_server("127.0.0.1", 0, create_app(settings, service=svc), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="review-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()
    svc.close()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def test_a_curator_renames_on_review_and_suggest_and_browse_show_it_without_a_restart(browser, curated_server):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(curated_server + "/review")
        item = page.locator(".review-item").first
        uri = item.get_attribute("data-uri")
        old_name = item.locator("a.pref").inner_text()
        assert old_name != NEW_NAME
        page.fill("#write-token", TOKEN)
        item.locator("input.rename-label").fill(NEW_NAME)
        item.locator('form[data-action="rename"] button').click()
        result = item.locator(".result")
        from playwright.sync_api import expect

        expect(result).to_contain_text(NEW_NAME, timeout=60_000)
        expect(result).to_have_class("result ok")
        expect(item.locator("a.pref")).to_have_text(NEW_NAME)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "review-renamed.png"), full_page=True)
        # the token is kept for this tab only
        assert page.evaluate("sessionStorage.getItem('kg-write-token')") == TOKEN

        hits = get_json(curated_server + "/rest/v1/suggest?" + urllib.parse.urlencode({"text": NEW_NAME}))["results"]
        assert hits and hits[0]["uri"] == uri and hits[0]["prefLabel"] == NEW_NAME

        page.goto(curated_server + "/browse")
        link = page.get_by_role("link", name=NEW_NAME, exact=True)
        expect(link).to_have_count(1)
        assert page.get_by_role("link", name=old_name, exact=True).count() == 0
        link.click()
        expect(page.locator("main")).to_contain_text(NEW_NAME)
        page.screenshot(path=str(SCREENSHOTS / "review-renamed-concept.png"), full_page=True)
    finally:
        page.close()


def test_a_wrong_token_is_said_plainly_and_changes_nothing(browser, curated_server):  # noqa: F811
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(curated_server + "/review")
        item = page.locator(".review-item").first
        name = item.locator("a.pref").inner_text()
        page.fill("#write-token", "hanako:wrong")
        item.locator('form[data-action="confirm"] button').click()
        from playwright.sync_api import expect

        expect(item.locator(".result")).to_contain_text("Forbidden")
        expect(item.locator("a.pref")).to_have_text(name)
    finally:
        page.close()


def test_a_relation_added_and_removed_on_review_is_served_at_once(browser, curated_server):  # noqa: F811
    from playwright.sync_api import expect

    page = browser.new_page(viewport=DESKTOP)
    lookup = curated_server + "/rest/v1/lookup?" + urllib.parse.urlencode({"label": "評価者間すり合わせ"})
    try:
        page.goto(curated_server + "/review")
        item = page.locator(".review-item").nth(1)
        uri = item.get_attribute("data-uri")
        page.fill("#write-token", TOKEN)
        form = item.locator('form[data-action="relate"]')
        form.locator('select[name="type"]').select_option("synonym")
        form.locator('input[name="target"]').fill("評価者間すり合わせ")
        form.locator('button[value="relate"]').click()
        expect(item.locator(".result")).to_contain_text("関係を追加しました", timeout=60_000)
        expect(item.locator(".result")).to_have_class("result ok")
        assert [r["uri"] for r in get_json(lookup)["result"]] == [uri]

        form.locator('button[value="unrelate"]').click()
        expect(item.locator(".result")).to_contain_text("関係を削除しました", timeout=60_000)
        with pytest.raises(urllib.error.HTTPError) as gone:  # Skosmos: an unknown label is a 404
            get_json(lookup)
        assert gone.value.code == 404
        gone.value.close()
    finally:
        page.close()
