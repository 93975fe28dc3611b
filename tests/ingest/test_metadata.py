"""A document's own title: front matter, Markdown heading, HTML, or a first line that names a glossary."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.metadata import document_title

UNSEEN = Path(__file__).resolve().parents[1] / "data" / "unseen"


@pytest.mark.parametrize(("text", "name", "title"), [
    ("---\ntitle: 保険用語集\nauthor: x\n---\n\n## 保険料\n支払うお金。\n", "hoken.md", "保険用語集"),
    ("---\ntitle: \"Glossary of Things\"\n---\n# Other\n", "a.md", "Glossary of Things"),
    ("# IT用語集\n\n## API\n取り決め。\n\n## クラウド\n形態。\n", "it.md", "IT用語集"),
    # entries as level-1 headings: the first one is a term, not the title
    ("# API\n取り決め。\n\n# クラウド\n形態。\n", "terms.md", None),
    ("<html><head><title>保険用語集 | サンプル生命</title></head><body><h1>用語</h1></body></html>", "x.html",
     "保険用語集 | サンプル生命"),
    ("<html><body><h1>医療<b>用語</b>集</h1><dl><dt>A</dt><dd>b</dd></dl></body></html>", "x.html", "医療用語集"),
    ("「IT用語集」\n\nAPI\nアプリケーション同士の取り決め。\n", "it.txt", "IT用語集"),
    ("コールセンター用語集(CS / 顧客対応・体験)\n\n本ページでは…\n", "003.txt",
     "コールセンター用語集(CS / 顧客対応・体験)"),
    # a first line that is an entry or a sentence is no title
    ("頭文字: か行\n\nカスタマー\n顧客。\n", "000.txt", None),
    ("この用語集では業界の言葉を説明します。\nAPI\n取り決め。\n", "b.txt", None),
    ("API: アプリケーション同士の取り決め。\n", "c.txt", None),
])
def test_document_title(text, name, title):
    assert document_title(text, name) == title


def test_title_of_an_unseen_html_glossary():
    path = UNSEEN / "html_dl.html"
    assert document_title(path.read_text(encoding="utf-8"), path.name) == "保険用語集 | サンプル生命"
