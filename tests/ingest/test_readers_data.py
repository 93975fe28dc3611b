"""JSON and YAML glossaries (ingest/readers/structured.py), through `python -m kg inspect --json` and a build.

The snippets (tests/data/readers/site_data_glossary.yml, app_glossary.json) are made up in the two
shapes projects keep glossaries as data: a list of records, and a mapping from term to record.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from ingest.reader import read_document
from ingest.readers import UnrecognisedLayout, choose
from ingest.readers.structured import key_role
from kg.cli import main

SNIPPETS = Path(__file__).parents[1] / "data" / "readers"


def inspect(path: Path, entries: int = 10) -> dict:
    result = CliRunner().invoke(main, ["inspect", str(path), "--json", "--entries", str(entries)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_record_keys_get_the_roles_a_table_header_would():
    assert [key_role(k) for k in ("term", "description", "relatedTerms", "see_also", "synonyms", "読み", "対義語",
                                  "title", "colour")] == \
        ["term", "definition", "related", "related", "synonyms", "reading", "antonyms", "term", None]


def test_a_list_of_records_is_read_with_lines_labels_and_relations():
    report = inspect(SNIPPETS / "site_data_glossary.yml")
    assert (report["reader"], report["layout"], report["entries_total"]) == ("data", "data-records", 4)
    first = report["entries"][0]
    assert first["pref_label"] == "キャッシュ" and first["lines"] == "line 3, 3-8"
    assert "きゃっしゅ@ja (reading)" in first["other_labels"]
    assert "related → ブラウザ" in " ".join(first["relations"])
    entries = choose(read_document(SNIPPETS / "site_data_glossary.yml")).reading.entries
    assert [(e.span.line_start, e.span.line_end) for e in entries][:2] == [(3, 8), (9, 12)]
    # A block scalar's two lines are one definition.
    assert entries[3].definition.startswith("CDN がコンテンツを取りに行く元のサーバー。")
    assert "切れたときに参照される" in entries[3].definition
    fields = {(e.headword, role, value) for e in entries for role, value in e.fields}
    assert ("キャッシュ（きゃっしゅ）", "related", "CDN、ブラウザ") in fields
    assert any(role == "antonyms" and value == "エッジサーバー" for _, role, value in fields)


def test_a_mapping_from_term_to_record_inside_a_wrapper():
    report = inspect(SNIPPETS / "app_glossary.json")
    assert (report["reader"], report["entries_total"]) == ("data", 3)
    labels = [e["pref_label"] for e in report["entries"]]
    assert labels == ["残高", "入金", "出金"]


def test_a_broken_data_file_is_refused_with_the_line_of_the_error(tmp_path):
    broken = tmp_path / "glossary.yaml"
    broken.write_text("- term: キャッシュ\n  description: [一時的に保存する仕組み\n- term: CDN\n", encoding="utf-8")
    try:
        choose(read_document(broken))
    except UnrecognisedLayout as exc:
        assert "data 0.00 (not valid YAML: line" in str(exc)
    else:
        raise AssertionError("a broken YAML file was read")


def test_a_data_glossary_builds_into_the_graph(tmp_path):
    env = {"KG_DATA_DIR": str(tmp_path)}
    built = CliRunner().invoke(main, ["build", str(SNIPPETS / "site_data_glossary.yml")], env=env)
    assert built.exit_code == 0, built.output
    assert "read site_data_glossary.yml: 4 entries by data" in built.output
    out = tmp_path / "g.nt"
    exported = CliRunner().invoke(main, ["export", "--format", "nt", "-o", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    graph = Graph()
    graph.parse(out, format="nt")
    concept = {str(label): c for c, label in graph.subject_objects(SKOS.prefLabel)}
    assert (concept["キャッシュ"], SKOS.related, concept["ブラウザ"]) in graph
    assert Literal("web browser", lang="en") in set(graph.objects(concept["ブラウザ"], SKOS.altLabel))


def test_a_heading_per_term_with_labelled_parts():
    # md_field_parts.md is made up in the layout of project glossaries: ### term, then **定義**: …,
    # **関連用語**: …, **英語表記**: … lines. The repeated bold leads are labels, never terms.
    report = inspect(SNIPPETS / "md_field_parts.md")
    assert (report["reader"], report["layout"], report["entries_total"]) == ("markdown", "md-fields", 4)
    by_label = {e["pref_label"]: e for e in report["entries"]}
    assert not {"定義", "説明", "関連用語", "英語表記", "実装箇所", "正式名称", "意味"} & set(by_label)
    allocation = by_label["引当"]
    # 定義 and 説明 make the definition; 実装箇所 and the like stay out of it.
    assert allocation["definition"] == "受注に対して、倉庫の在庫を出荷用に確保すること。引当済みの在庫は他の受注に使えない。"
    assert {"Allocation@en (alt)", "Stock Allocation@en (alt)"} <= set(allocation["other_labels"])
    assert "related → 受注" in " ".join(allocation["relations"])
    assert "src/orders" not in by_label["受注"]["definition"]
    assert "synonym → 出庫指示" in " ".join(by_label["出荷指示"]["relations"])
    # 正式名称 gives the long form of an abbreviation heading, which stays the glossary's name for it.
    assert "abbreviation → Stock Keeping Unit" in " ".join(by_label["SKU"]["relations"])


def test_a_full_name_part_is_an_expansion_label_of_its_heading(tmp_path):
    env = {"KG_DATA_DIR": str(tmp_path)}
    built = CliRunner().invoke(main, ["build", str(SNIPPETS / "md_field_parts.md")], env=env)
    assert built.exit_code == 0, built.output
    out = tmp_path / "g.nt"
    assert CliRunner().invoke(main, ["export", "--format", "nt", "-o", str(out)], env=env).exit_code == 0
    graph = Graph()
    graph.parse(out, format="nt")
    concept = {str(label): c for c, label in graph.subject_objects(SKOS.prefLabel)}
    assert Literal("Stock Keeping Unit", lang="en") in set(graph.objects(concept["SKU"], SKOS.altLabel))


def test_html_headings_with_labelled_parts():
    report = inspect(SNIPPETS / "html_field_parts.html")
    assert (report["reader"], report["layout"], report["entries_total"]) == ("html", "html-fields", 3)
    by_label = {e["pref_label"]: e for e in report["entries"]}
    assert set(by_label) == {"棚卸", "在庫差異", "入荷"}
    assert by_label["在庫差異"]["definition"] == "帳簿上の在庫数と実際の在庫数との差。"
    assert "related → 棚卸" in " ".join(by_label["在庫差異"]["relations"])
    assert "antonym → 出荷" in " ".join(by_label["入荷"]["relations"])
    assert "Stocktaking@en (alt)" in by_label["棚卸"]["other_labels"]


def test_a_settings_file_is_no_glossary(tmp_path):
    # `name: app`, `version: 1.0.0`: a mapping from a key to a value that is not prose defines nothing.
    settings = tmp_path / "package.json"
    settings.write_text('{"name": "app", "version": "1.0.0", "scripts": {"test": "jest --coverage"}}\n',
                        encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(settings)])
    assert "refused" in result.output and "data 0.00 (no records with a term)" in result.output
