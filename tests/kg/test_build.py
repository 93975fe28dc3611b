from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from kg.build import build_artifact, current_artifact_path
from kg.cli import main
from kg.config import Settings
from kg.errors import BuildError


@pytest.fixture()
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def test_cli_build_reports_a_corrupt_file_and_builds_the_rest(cli_env, corpus_copy):
    (corpus_copy / "garbage.txt").write_bytes(os.urandom(4096))
    (corpus_copy / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["build", str(corpus_copy)])
    assert result.exit_code == 0, result.output
    assert "garbage.txt" in result.output and "empty.txt: empty file" in result.output
    assert "5 documents" in result.output
    info = json.loads(CliRunner().invoke(main, ["info"]).output)
    assert info["counts"]["documents"] == 5
    assert any("garbage.txt" in e for e in info["errors"])


def test_a_failed_build_leaves_the_previous_artifact_current(tmp_path, embedder, corpus_copy):
    settings = Settings(data_dir=tmp_path / "var", corpus_dir=corpus_copy)
    first = build_artifact(settings, embedder=embedder)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(BuildError):
        build_artifact(settings, [bad], embedder=embedder)
    assert current_artifact_path(settings) == first.path
    assert not list((tmp_path / "var" / "artifacts").glob(".tmp-*"))


def test_rebuilding_the_same_corpus_keeps_every_concept_iri(tmp_path, embedder, corpus_copy, built):
    settings = Settings(data_dir=tmp_path / "var", corpus_dir=corpus_copy)
    again = build_artifact(settings, embedder=embedder)
    first_docs = (current_artifact_path(built) / "index" / "docs.jsonl").read_text(encoding="utf-8")
    second_docs = (again.path / "index" / "docs.jsonl").read_text(encoding="utf-8")
    uris = lambda text: {json.loads(line)["uri"] for line in text.splitlines()}  # noqa: E731
    assert uris(first_docs) == uris(second_docs)


def test_cli_errors_are_one_line(cli_env):
    result = CliRunner().invoke(main, ["search", "AHT"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: no built artifact yet")
    assert "Traceback" not in result.output


def test_adding_a_glossary_keeps_every_existing_concept_iri(tmp_path, embedder, corpus_copy):
    settings = Settings(data_dir=tmp_path / "var", corpus_dir=corpus_copy)
    added = tmp_path / "added"
    added.mkdir()
    (corpus_copy / "004_252ec284879d0ff9.txt").rename(added / "004_252ec284879d0ff9.txt")
    first = build_artifact(settings, [corpus_copy], embedder=embedder)
    second = build_artifact(settings, [corpus_copy, added], embedder=embedder)

    def uris(result):
        lines = (result.path / "index" / "docs.jsonl").read_text(encoding="utf-8").splitlines()
        return {json.loads(line)["uri"] for line in lines}

    from kg.store import GraphStore

    store = GraphStore(second.path / "store")
    replaced = {row["old"][0] for row in store.select(
        "SELECT ?old WHERE { ?old <http://purl.org/dc/terms/isReplacedBy> ?new . ?new a "
        "<http://www.w3.org/2004/02/skos/core#Concept> }")}
    # Every earlier IRI is still a concept, or (merged into another concept) says which one replaced it.
    assert uris(first) <= uris(second) | replaced
    assert len(uris(first) - uris(second)) <= 5
    assert len(uris(second)) > len(uris(first))
