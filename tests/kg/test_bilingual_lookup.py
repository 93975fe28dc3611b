"""A glossary that names its terms in English (a UI string table) answers the Japanese words people use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.jmdict import DEFAULT_PATH
from kg.cli import main

TABLE = Path(__file__).parents[2] / "data" / "dev" / "tekton-dashboard-terms-ja.tsv"
pytestmark = pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason=f"{DEFAULT_PATH} missing: run `make model`")


@pytest.fixture(scope="module")
def table_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("bilingual")
    shutil.copy(TABLE, root / TABLE.name)
    return root


def search(table_env, monkeypatch, text):
    monkeypatch.setenv("KG_DATA_DIR", str(table_env / "var"))
    if not (table_env / "var").exists():
        result = CliRunner().invoke(main, ["build", str(table_env / TABLE.name)])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["search", text, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"]


@pytest.mark.parametrize(("query", "label", "japanese"), [
    ("時間切れ", "timeout", "タイムアウト"),  # JMdict: time-out -> timeout
    ("読み込み中", "load", "ロード"),  # not in JMdict: its longest listed start, 読み込み (loading -> load)
    ("選択肢", "option", "オプション"),  # options -> option
])
def test_a_japanese_word_finds_the_english_label_through_its_translation(table_env, monkeypatch, query, label,
                                                                        japanese):
    top = search(table_env, monkeypatch, query)[0]
    assert (top["matchedLabel"], top["matchType"], top["prefLabel"]) == (label, "translation", japanese)


def test_a_word_the_glossary_does_not_name_gets_no_translation_hit(table_env, monkeypatch):
    assert all(r["matchType"] != "translation" for r in search(table_env, monkeypatch, "名前空間"))
