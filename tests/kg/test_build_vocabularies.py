"""Vocabularies through the CLI: named by the documents without configuration, or by a vocabularies.toml."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import DEFAULT_CORPUS, Settings
from kg.errors import ConfigError
from kg.vocabularies import default_base, load_config, slug

IT_MD = """# IT用語集

## API
アプリケーション同士が機能やデータをやり取りするための取り決め。

## クラウド
インターネット経由でサーバーやソフトウェアを利用する形態。
"""
SKOS = "http://www.w3.org/2004/02/skos/core#"


def invoke(args, env, ok=True):
    result = CliRunner().invoke(main, args, env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def it_build(tmp_path_factory):
    """`python -m kg build it.md` with no configuration at all."""
    root = tmp_path_factory.mktemp("it")
    (root / "it.md").write_text(IT_MD, encoding="utf-8")
    env = {"KG_DATA_DIR": str(root / "var"), "KG_BASE_IRI": "", "KG_VOCABULARIES": ""}
    result = invoke(["build", str(root / "it.md")], env)
    return root, env, result


def test_build_without_configuration_names_the_vocabulary_from_the_document(it_build):
    _, env, result = it_build
    assert "vocabulary it: IT用語集 <https://jaterm.example.org/it/>" in result.stdout
    manifest = json.loads(invoke(["info"], env).stdout)
    assert manifest["vocab_id"] == "it" and manifest["base_iri"] == "https://jaterm.example.org/it/"
    assert [(v["id"], v["title"]) for v in manifest["vocabs"]] == [("it", {"ja": "IT用語集"})]
    query = f"SELECT ?t WHERE {{ ?s a <{SKOS}ConceptScheme> ; <http://purl.org/dc/terms/title> ?t }}"
    titles = [b["t"]["value"] for b in json.loads(invoke(["query", query], env).stdout)["results"]["bindings"]]
    assert titles == ["IT用語集"]
    turtle = invoke(["export", "--format", "turtle"], env).stdout
    assert "コールセンター" not in turtle and "Call-centre" not in turtle and "/callcenter/" not in turtle


def test_relative_iris_in_queries_resolve_against_the_served_base(it_build):
    _, env, _ = it_build
    ask = f"ASK {{ <scheme> a <{SKOS}ConceptScheme> }}"
    assert json.loads(invoke(["query", ask], env).stdout)["boolean"] is True
    concepts = f"SELECT ?c WHERE {{ ?c <{SKOS}inScheme> <scheme> }}"
    rows = json.loads(invoke(["query", concepts], env).stdout)["results"]["bindings"]
    assert len(rows) == 2 and all(r["c"]["value"].startswith("https://jaterm.example.org/it/") for r in rows)


def test_kg_base_iri_is_the_base_of_built_iris_and_of_queries(tmp_path):
    """The SPARQL worker resolved relative IRIs against a fixed /callcenter/ base, ignoring KG_BASE_IRI."""
    (tmp_path / "it.md").write_text(IT_MD, encoding="utf-8")
    env = {"KG_DATA_DIR": str(tmp_path / "var"), "KG_BASE_IRI": "https://terms.example.net/it", "KG_VOCABULARIES": ""}
    invoke(["build", str(tmp_path / "it.md")], env)
    ask = f"ASK {{ <scheme> a <{SKOS}ConceptScheme> }}"
    assert json.loads(invoke(["query", ask], env).stdout)["boolean"] is True
    check = f"ASK {{ <https://terms.example.net/it/scheme> a <{SKOS}ConceptScheme> }}"
    assert json.loads(invoke(["query", check], env).stdout)["boolean"] is True


def test_a_configuration_file_builds_its_vocabularies(tmp_path):
    (tmp_path / "glossaries").mkdir()
    (tmp_path / "glossaries" / "it.md").write_text(IT_MD, encoding="utf-8")
    config = tmp_path / "v.toml"
    config.write_text('[vocabularies.tech]\ntitle = "技術用語"\nbase_iri = "https://example.org/tech"\n'
                      'languages = ["ja"]\nsources = ["glossaries"]\n', encoding="utf-8")
    env = {"KG_DATA_DIR": str(tmp_path / "var"), "KG_BASE_IRI": "", "KG_VOCABULARIES": ""}
    out = invoke(["build", "--config", str(config)], env).stdout
    assert "vocabulary tech: 技術用語 <https://example.org/tech/>" in out
    # KG_VOCABULARIES is the same as --config; with PATHS as well it is ambiguous, and says so in one line
    env["KG_VOCABULARIES"] = str(config)
    refused = invoke(["build", str(tmp_path / "glossaries" / "it.md")], env, ok=False)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "not both" in refused.output


@pytest.mark.parametrize(("text", "message"), [
    ("[vocabularies.Bad]\nsources = ['.']\n", "an id is lower-case"),
    ("[vocabularies.a]\nsources = ['missing']\n", "no such source"),
    ("[vocabularies.a]\n", "sources must be"),
    ("[vocabularies.a]\nsources = ['.']\ncolour = 'red'\n", "unknown key colour"),
    ("[vocabularies.a]\nsources = ['.']\nbase_iri = 'relative/'\n", "absolute"),
    ("[vocabularies.a]\nsources = ['.']\nbase_iri = 'https://x.org/a/'\n"
     "[vocabularies.b]\nsources = ['.']\nbase_iri = 'https://x.org/a/b/'\n", "overlap"),
    ("[vocabularies.a\n", "not valid TOML"),
    ("title = 'x'\n", "no [vocabularies.<id>] table"),
])
def test_bad_configurations_are_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "vocabularies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)
    result = invoke(["build", "--config", str(path)], {"KG_DATA_DIR": str(tmp_path / "var")}, ok=False)
    assert result.exit_code == 1 and result.output.startswith("error: ") and message in result.output


def test_the_bundled_corpus_is_the_callcenter_vocabulary_by_its_shipped_configuration():
    (callcenter,) = load_config(DEFAULT_CORPUS / "vocabularies.toml")
    assert callcenter.id == "callcenter" and callcenter.title["ja"] == "コールセンター用語集"
    assert callcenter.base_iri == "https://jaterm.example.org/callcenter/"  # unchanged: IRIs stay stable
    assert callcenter.sources == (DEFAULT_CORPUS.resolve(),)
    # KG_BASE_IRI overrides the default vocabulary's base; user vocabularies default to their own
    (moved,) = load_config(DEFAULT_CORPUS / "vocabularies.toml", base_override="https://example.org/cc/")
    assert moved.base_iri == "https://example.org/cc/"
    assert Settings().base_iri == "" and default_base("it") == "https://jaterm.example.org/it/"


def test_slug():
    assert slug("it") == "it" and slug("My Glossary 2024") == "my-glossary-2024"
    assert slug("2024_terms") == "terms" and slug("用語集") == ""
