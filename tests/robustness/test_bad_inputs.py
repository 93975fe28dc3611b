"""Bad input, each with a clear outcome and nothing else lost: the check, a build over all of it, `kg add`."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from robust_support import NEW_GLOSSARY, NEW_TERMS, bad_inputs

from ingest.layout import segment
from ingest.reader import document_from_bytes
from kg.build import build_artifact, current_artifact_path
from kg.cli import main
from kg.config import Settings
from kg.documents import DocumentRejected, DocumentTooLarge, add_documents, check_document, check_file
from kg.service import Service

LIMIT = 8 * 1024 * 1024
BAD = bad_inputs()


@pytest.mark.parametrize("name", list(BAD))
def test_every_bad_input_has_a_clear_outcome(name):
    bad = BAD[name]
    if bad.accepted:
        doc = check_document(bad.data, name, LIMIT)
        assert doc.encoding.startswith(bad.says) and doc.entries >= 2
    else:
        with pytest.raises(DocumentRejected) as info:
            check_document(bad.data, name, LIMIT)
        assert str(info.value).startswith(name) and bad.says in str(info.value)


@pytest.mark.parametrize("name", ["cp932.txt", "euc-jp.txt", "utf-16.txt", "utf-16-le.txt", "utf-16-be.txt",
                                  "utf-8-bom.txt", "crlf.txt", "controls.txt", "one-nul.txt"])
def test_other_encodings_and_stray_bytes_ingest_exactly_like_clean_utf8(name):
    """Not just 'no error': the same entries, headwords and definitions as the clean UTF-8 file."""
    def entries(data: bytes):
        return [(e.headword, e.definition) for e in segment(document_from_bytes(data, "g.txt")).entries]

    assert entries(BAD[name].data) == entries(NEW_GLOSSARY.encode())


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: the size is what is checked, reading it would take 30 s
    started = time.perf_counter()
    with pytest.raises(DocumentTooLarge, match=r"huge.txt is 50.0 MB; the limit is 8 MB"):
        check_file(big, LIMIT)
    assert time.perf_counter() - started < 1
    with pytest.raises(DocumentTooLarge):
        check_document(b"x" * (LIMIT + 1), "huge.txt", LIMIT)


@pytest.mark.parametrize("name", ["", ".hidden.txt", "../../etc/passwd.txt", "a/b/../c.exe", "x" * 200 + ".txt",
                                  "semi;colon.txt", "new\nline.txt", "noext", "nul\x00.txt"])
def test_unsafe_or_odd_names_are_refused_or_reduced_to_a_safe_base_name(name):
    try:
        doc = check_document(NEW_GLOSSARY.encode(), name, LIMIT)
    except DocumentRejected as exc:
        assert "name" in str(exc)
    else:
        assert "/" not in doc.name and not doc.name.startswith(".") and doc.name.endswith(".txt")


def test_a_build_over_every_bad_input_reports_each_and_keeps_everything_else(tmp_path, embedder, small_corpus):
    for name, bad in BAD.items():
        (small_corpus / name).write_bytes(bad.data)
    settings = Settings(data_dir=tmp_path / "var", corpus_dir=small_corpus)
    result = build_artifact(settings, embedder=embedder)
    built = {d.name for d in result.report.documents}
    snippets = {p.name for p in small_corpus.iterdir() if p.name not in BAD}
    assert snippets <= built, "a good file was lost next to the bad ones"
    for name, bad in BAD.items():
        reported = [e for e in result.report.errors if name in e]
        if bad.accepted:
            assert name in built and not reported, (name, reported)
        else:
            assert name not in built and len(reported) == 1, (name, reported)
    assert "存在しない用語" in result.report.undefined_targets

    svc = Service(settings, embedder=embedder)
    svc.load()
    try:
        for term in NEW_TERMS:
            assert len(svc.lookup(term)) == 1, term  # duplicates and re-encodings merge into one concept
        rows = svc.artifact.store.rows("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER isLiteral(?o) }")
        text = "\n".join(o.value for _, _, o in rows)
        for needle in ("<script", "document.cookie", "onerror", "alert(", "\x00", "\x07", "\x1b"):
            assert needle not in text, needle
        index_uris = {json.loads(line)["uri"] for line in
                      (svc.artifact.path / "index" / "docs.jsonl").read_text(encoding="utf-8").splitlines()}
        graph_uris = {row["c"][0] for row in svc.artifact.store.select(
            "SELECT DISTINCT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> }")}
        assert index_uris == graph_uris  # the index agrees with the graph
    finally:
        svc.close()


def test_html_with_scripts_is_served_escaped_on_the_concept_page(live, embedder):
    from kg.web import create_app

    add_documents(live, [check_document(BAD["script.html"].data, "script.html", LIMIT)], embedder=embedder)
    svc = Service(live, embedder=embedder)
    app = create_app(live, service=svc)
    try:
        client = app.test_client()
        hits = client.get("/rest/v1/lookup", query_string={"label": "ロバスト入電"}).get_json()["result"]
        page = client.get(hits[0]["uri"].replace(svc.artifact.vocabularies.default.base_iri.rstrip("/"), ""))
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "外部から電話がかかってくること" in html
        assert "<script>document.cookie" not in html and "onerror=alert" not in html
    finally:
        svc.close()


@pytest.fixture()
def cli_env(live, monkeypatch) -> Settings:
    monkeypatch.setenv("KG_DATA_DIR", str(live.data_dir))
    monkeypatch.setenv("KG_CORPUS_DIR", str(live.corpus_dir))
    return live


def test_kg_add_refuses_a_batch_with_one_bad_file_and_changes_nothing(cli_env, tmp_path):
    before = current_artifact_path(cli_env)
    good, empty = tmp_path / "good.txt", tmp_path / "empty.txt"
    good.write_text(NEW_GLOSSARY, encoding="utf-8")
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["add", str(good), str(empty)])
    assert result.exit_code == 1
    assert "rejected empty.txt: empty file" in result.output and "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert current_artifact_path(cli_env) == before
    assert not cli_env.documents_dir.exists() or not any(cli_env.documents_dir.iterdir())


def test_kg_add_with_skip_invalid_adds_the_good_file_and_still_fails(cli_env, tmp_path):
    good, binary = tmp_path / "新しい用語集.txt", tmp_path / "binary.txt"
    good.write_text(NEW_GLOSSARY, encoding="utf-8")
    binary.write_bytes(BAD["binary.txt"].data)
    result = CliRunner().invoke(main, ["add", "--skip-invalid", str(good), str(binary)])
    assert result.exit_code == 1, result.output
    assert "rejected binary.txt: binary file" in result.output and "added 1, replaced 0" in result.output
    assert (cli_env.documents_dir / "新しい用語集.txt").read_text(encoding="utf-8") == NEW_GLOSSARY
    manifest = json.loads((current_artifact_path(cli_env) / "manifest.json").read_text(encoding="utf-8"))
    assert "新しい用語集.txt" in {d["name"] for d in manifest["documents"]}
