"""The reader registry on small real snippets of third-party glossaries (tests/data/readers, from
data/dev; sources and licences in data/README.md), through `python -m kg inspect --json`.

The other snippets are made up in the layouts of other publishers, so that each layout rule is tested
on text other than the dev document that prompted it: a municipal ordinance's (1)/ア items
(ordinance_sub_items.txt), machine-translated docs table pages (md_table_examples.md,
md_table_context.md), headings that contrast two terms (md_versus_heading.md, html_versus_heading.html),
reading lines and rules between entries (md_bold_reading_line.md, md_headings_rules.md), <br> in a
<dt> (html_dl_breaks.html), sections over <dl>s (html_dl_sections.html), Sphinx and AsciiDoc
glossaries (rst_glossary.rst, adoc_labelled_list.adoc), MkDocs abbreviations (md_abbreviations.md),
a saved page's sidebar (html_page_chrome.html), see-also entries (md_cross_reference.md) and
headwords that give variants or an English name (md_label_variants.md), <br> in table cells
(md_table_cell_breaks.md, html_table_cell_breaks.html), a TSV export with a title and section rows
(tsv_title_sections.tsv) and an open-data page with a <section> per term (html_term_sections.html)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.reader import document_from_bytes, read_document
from ingest.readers import UnrecognisedLayout, choose
from kg.cli import main

SNIPPETS = Path(__file__).parents[1] / "data" / "readers"
DEV = Path(__file__).parents[2] / "data" / "dev"


def inspect(path: Path, entries: int = 3) -> dict:
    result = CliRunner().invoke(main, ["inspect", str(path), "--json", "--entries", str(entries)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(("name", "reader", "layout", "first", "count"), [
    ("kou_header.csv", "delimited", "csv-header", "ハイレベルなインターフェイス", 5),
    ("tekton_noheader.tsv", "delimited", "tsv-noheader", "エラー", 8),
    ("w3c_table.html", "html", "html-table", "合印", 3),
    ("mdn_template_dl.html", "html", "html-dl", "WWW-Authenticate", 4),
    ("otel_headings.md", "markdown", "md-heading", "集約", 3),
    ("owasp_bold_items.md", "markdown", "md-list", "アドレス空間配置のランダム化", 6),
    ("nta_quoted.md", "markdown", "md-list", "組合法", 7),
    ("rurema_markers.rd", "markers", "text-markers", "再定義", 3),
    ("egov_numbered.txt", "numbered", "text-numbered", "法令", 9),
    ("ordinance_sub_items.txt", "numbered", "text-numbered", "説明責任", 7),
    ("md_table_examples.md", "markdown", "md-table", "スナップショット", 5),
    ("md_versus_heading.md", "markdown", "md-heading", "スレッド", 6),
    ("html_versus_heading.html", "html", "html-heading", "キャッシュ", 4),
    ("md_table_context.md", "markdown", "md-table", "単一データベース", 4),
    ("md_bold_reading_line.md", "markdown", "md-list", "コンテナ", 3),
    ("md_headings_rules.md", "markdown", "md-heading", "コンテナ", 3),
    ("html_dl_breaks.html", "html", "html-dl", "機械判読", 3),
    # Sphinx `.. glossary::` and AsciiDoc `用語::` lists: a term line over its indented definition.
    ("rst_glossary.rst", "rst", "rst-glossary", "ビルダー", 5),
    ("adoc_labelled_list.adoc", "text", "text-headword", "アスペクト", 5),
    ("md_abbreviations.md", "markdown", "md-abbr", "エンドポイント", 5),
    ("html_page_chrome.html", "html", "html-heading", "クラウド", 4),
    ("html_dl_sections.html", "html", "html-dl", "CSV", 4),
    ("md_cross_reference.md", "markdown", "md-heading", "計装", 3),
    ("md_label_variants.md", "markdown", "md-heading", "ゲスト", 3),
    ("md_table_cell_breaks.md", "markdown", "md-table", "プルリクエスト", 4),
    ("html_table_cell_breaks.html", "html", "html-table", "イシュー", 3),
    ("tsv_title_sections.tsv", "delimited", "tsv-noheader", "アジャイル", 4),
    ("html_term_sections.html", "html", "html-heading", "API", 3),
])
def test_each_layout_family_is_read_by_its_reader(name, reader, layout, first, count):
    report = inspect(SNIPPETS / name)
    assert (report["reader"], report["layout"], report["entries_total"]) == (reader, layout, count)
    assert report["entries"][0]["pref_label"] == first
    scores = {d["reader"]: d["score"] for d in report["detections"]}
    assert scores[reader] == max(scores.values()) and report["runner_up"] != reader


def test_spans_point_at_the_source_lines():
    # w3c_table.html line 15 is the <td> of the term, line 18 the <td> of its definition.
    [entry, *_] = choose(read_document(SNIPPETS / "w3c_table.html")).reading.entries
    assert (entry.headword_line, entry.span.line_start, entry.span.line_end) == (15, 18, 18)
    # A template call names the term: <dt>{{HTTPHeader("WWW-Authenticate")}}</dt>.
    [entry, *_] = choose(read_document(SNIPPETS / "mdn_template_dl.html")).reading.entries
    assert entry.headword == "WWW-Authenticate" and entry.span.line_start == entry.headword_line + 1


def test_other_names_from_columns_become_labels_with_language_and_reading():
    report = inspect(SNIPPETS / "w3c_table.html", 1)
    assert report["entries"][0]["other_labels"] == ["reference marks@en (alt)", "あいじるし@ja (reading)"]


def test_front_matter_and_template_noise_never_become_entries():
    report = inspect(SNIPPETS / "otel_headings.md")
    assert report["title"] == "用語集"
    assert not [e for e in report["entries"] if ":" in (e["headword"] or "")]  # no `weight: 200`


def test_liquid_template_terms_are_read():
    html = ("<dl>\n{% include term_dt.html title=\"オプション取引\" %}\n<dd>将来の売買の権利を取引すること。</dd>\n"
            "{% include term_dt.html title=\"先物取引\" %}\n<dd>将来の期日に売買する約束をする取引。</dd>\n"
            "{% include term_dt.html title=\"現物取引\" %}\n<dd>その場で受け渡しをする取引。</dd>\n</dl>\n")
    reading = choose(document_from_bytes(html.encode(), "terms.html")).reading
    assert [e.headword for e in reading.entries] == ["オプション取引", "先物取引", "現物取引"]
    assert reading.entries[0].headword_line == 2 and reading.entries[0].span.line_start == 3


@pytest.mark.parametrize("name", ["madeup-k8s-glossary-ja.xlsx", "madeup-python-docs-glossary-ja.docx"])
def test_office_files_are_read_with_row_and_paragraph_numbers(name):
    report = inspect(DEV / name, 2)
    assert report["entries_total"] >= 19
    assert report["reader"] == ("delimited" if name.endswith("xlsx") else "markdown")


def test_an_unrecognised_file_is_refused_with_every_readers_reasons(tmp_path):
    prose = tmp_path / "essay.txt"
    prose.write_text("今日は天気が良いので公園まで散歩に出かけた。子供たちが楽しそうに遊んでいた。" * 20, encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(prose)])
    assert result.exit_code == 1
    assert "refused:" in result.output and "layout not recognised" in result.output
    with pytest.raises(UnrecognisedLayout) as raised:
        choose(read_document(prose))
    assert {name for name, _ in raised.value.detections} >= {"delimited", "html", "markdown", "markers", "text"}


def _spans(path: Path) -> list[tuple[str | None, int | None, int, int]]:
    return [(e.headword, e.headword_line, e.span.line_start, e.span.line_end)
            for e in choose(read_document(path)).reading.entries]


def test_a_sub_item_that_defines_a_term_is_an_entry_of_its_own():
    # 「(4)　個人情報等　次に掲げるものをいう。」 lists kinds; ア defines 個人情報 in brackets, イ after a
    # wide space; ウ only describes (no 「をいう」), and 「以下「保有文書」という」 names a phrase.
    # 「説明責任（…をいう。以下同じ。）」 in the article text is a bracketed definition too.
    assert _spans(SNIPPETS / "ordinance_sub_items.txt") == [
        ("説明責任", 2, 2, 2), ("実施機関", 6, 6, 6), ("公文書", 7, 7, 7), ("事業者", 8, 8, 8),
        ("個人情報等", 9, 9, 12), ("個人情報", 10, 10, 10), ("仮名加工情報", 11, 11, 11)]
    report = inspect(SNIPPETS / "ordinance_sub_items.txt", 9)
    sub = next(e for e in report["entries"] if e["pref_label"] == "個人情報")
    assert sub["definition"].startswith("個人に関する情報であって") and sub["lines"] == "line 10, 10-10"
    # The statute the dev set holds: 命令等's sub-item ロ defines 審査基準 in place.
    assert ("審査基準", 19, 19, 19) in _spans(SNIPPETS / "egov_numbered.txt")


def test_markdown_tables_keep_their_header_out_and_example_sections_are_not_terms():
    report = inspect(SNIPPETS / "md_table_examples.md", 10)
    entries = {e["pref_label"]: e for e in report["entries"]}
    # The header row of a table whose column names are not role names (保管先名) is still a header; the
    # `key: value` list above the tables and the diagram's lead-in section are not entries.
    assert list(entries) == ["スナップショット", "1つの保管先", "復元", "ローカル保管先", "リモート保管先"]
    # A full stop left in a term cell by translation is not part of the name.
    assert entries["スナップショット"]["headword"] == "スナップショット。"
    # A same-language second column says something of the term; it is not another name for it.
    assert entries["リモート保管先"]["other_labels"] == [] and entries["リモート保管先"]["definition"] == "オブジェクトストレージ"
    assert report["title"] == "バックアップ用語集"


@pytest.mark.parametrize(("name", "first", "second"), [
    ("md_versus_heading.md", ("非同期処理", 7, 11, 11), ("同期処理", 7, 13, 13)),
    ("html_versus_heading.html", ("プッシュ型", 7, 9, 9), ("プル型", 7, 10, 10)),
])
def test_a_heading_that_contrasts_two_terms_defines_both(name, first, second):
    # 「A vs. B」 / 「A 対 B」: each term gets the paragraph that names it alone (not the shared
    # introduction, not the closing advice), and the heading states that they are opposed.
    spans = _spans(SNIPPETS / name)
    assert first in spans and second in spans
    report = inspect(SNIPPETS / name, 9)
    entry = next(e for e in report["entries"] if e["pref_label"] == first[0])
    assert [r.split("  ")[0] for r in entry["relations"]] == [f"antonym → {second[0]}"]


def test_a_difference_heading_defines_both_terms_without_opposing_them():
    spans = _spans(SNIPPETS / "md_versus_heading.md")
    assert ("キュー", 17, 21, 21) in spans and ("スタック", 17, 23, 23) in spans
    report = inspect(SNIPPETS / "md_versus_heading.md", 9)
    assert not next(e for e in report["entries"] if e["pref_label"] == "キュー")["relations"]


def test_a_table_names_its_terms_in_the_column_its_header_leaves_unnamed():
    # | Context | 期間 | 詳細情報 |: a machine translation turned 'Term' into 期間; Context is a category and
    # 詳細情報 the definition, so the unnamed column holds the terms. A row whose only other cell links
    # to the term's page still lists the term, and a change log's dates are never terms.
    report = inspect(SNIPPETS / "md_table_context.md", 9)
    assert [e["pref_label"] for e in report["entries"]] == ["単一データベース", "エラスティック プール", "仮想コア", "サーバー"]
    assert [e["definition"] for e in report["entries"]][2:] == ["データベースのコンピューティング リソースに割り当てられる CPU コア。",
                                                                "論理サーバー"]


def test_a_reading_after_a_bold_term_on_its_own_line_belongs_to_the_term():
    # `- **コンテナ**（こんてな）` with the definition on the next line: the reading is a label, the
    # definition starts on its own line.
    report = inspect(SNIPPETS / "md_bold_reading_line.md", 3)
    first = report["entries"][0]
    assert first["other_labels"] == ["こんてな@ja (reading)"] and first["definition"].startswith("アプリケーション")
    assert _spans(SNIPPETS / "md_bold_reading_line.md")[0] == ("コンテナ （こんてな）", 3, 4, 4)


def test_a_thematic_break_between_heading_entries_belongs_to_neither():
    assert _spans(SNIPPETS / "md_headings_rules.md") == [
        ("コンテナ (Container)", 1, 3, 3), ("イメージ (Image)", 7, 9, 9), ("ボリューム (Volume)", 13, 15, 15)]


def test_a_second_dd_goes_on_defining_its_term_and_a_br_separates_names():
    # <dt>メタデータ</dt><dd>…</dd><dd>…</dd>: both <dd> define it; <dt>CSV<br><small>Comma-Separated
    # Values</small></dt> names the term twice, it does not run the names together.
    assert _spans(SNIPPETS / "html_dl_breaks.html")[1:] == [("メタデータ", 6, 7, 8), ("CSV（Comma-Separated Values）", 9, 10, 10)]
    report = inspect(SNIPPETS / "html_dl_breaks.html", 3)
    assert report["entries"][1]["definition"] == "データについてのデータ。作成者や作成日などを含む。"
    assert report["entries"][2]["other_labels"] == ["CSV@en (abbreviation)"]


def test_markdown_abbreviation_definitions_are_entries_beside_the_headings():
    # `*[API]: Application Programming Interface` (Markdown Extra, Python-Markdown, MkDocs) names a short
    # form and its expansion; the block of them is not part of the last heading's definition.
    assert _spans(SNIPPETS / "md_abbreviations.md") == [
        ("エンドポイント", 3, 5, 5), ("スキーマ", 7, 9, 9), ("API（Application Programming Interface）", 11, 11, 11),
        ("URL（Uniform Resource Locator）", 12, 12, 12), ("CS（顧客満足）", 13, 13, 13)]
    report = inspect(SNIPPETS / "md_abbreviations.md", 5)
    assert report["entries"][4]["pref_label"] == "顧客満足" and report["entries"][4]["other_labels"] == ["CS@en (abbreviation)"]


def test_a_saved_pages_sidebar_and_link_lists_are_not_terms():
    # <aside> (関連ページ, お問い合わせ), a generator's sidebar (class="sphinxsidebar": 貢献) and a block
    # marked role="contentinfo" (ライセンス) are page chrome, and a heading over nothing but links
    # (関連リンク) defines nothing; the chrome still counts as read, so the HTML reader keeps the page.
    report = inspect(SNIPPETS / "html_page_chrome.html", 9)
    # A term's own anchor named like chrome (<a id="header">ヘッダ</a>) is not chrome.
    assert [e["pref_label"] for e in report["entries"]] == ["クラウド", "オンプレミス", "SaaS", "ヘッダ"]


def test_a_heading_over_a_definition_list_is_its_section_and_a_last_dt_without_dd_is_a_term():
    # 「テキスト形式」 introduces the <dl> below it: a section, not a term. The list closes on
    # <dt>Avro</dt> with no <dd>: the glossary lists the term without defining it.
    assert _spans(SNIPPETS / "html_dl_sections.html") == [
        ("CSV", 6, 7, 7), ("TSV", 8, 9, 9), ("Parquet", 14, 15, 15), ("Avro", 16, 16, 16)]
    report = inspect(SNIPPETS / "html_dl_sections.html", 4)
    assert report["entries"][3]["definition"] == ""


def test_a_heading_whose_entry_only_points_at_another_is_a_term():
    # 「## 計測」 over 「[計装](#instrumentation).」 is a see-also entry; a link to another site under
    # 「## 参考資料」 is not.
    assert _spans(SNIPPETS / "md_cross_reference.md") == [("計装", 3, 5, 5), ("トレース", 7, 9, 9), ("計測", 11, 13, 13)]
    see = inspect(SNIPPETS / "md_cross_reference.md", 3)["entries"][2]
    assert [r.split("  ")[0] for r in see["relations"]] == ["related → 計装"]


def test_headwords_give_variants_with_a_conjunction_and_english_names_after_a_space():
    # 「ゲスト　または　ゲストユーザー」 lists two names; 「多要素認証 Multi-factor Authentication (MFA)」 gives
    # the Japanese name, its English name and its acronym; 「Azure サービス」 stays one name.
    labels = {e["pref_label"]: e["other_labels"] for e in inspect(SNIPPETS / "md_label_variants.md", 3)["entries"]}
    assert labels == {"ゲスト": ["ゲストユーザー@ja (alt)"],
                      "多要素認証": ["Multi-factor Authentication@en (expansion)", "MFA@en (abbreviation)"],
                      "Azure サービス": []}


@pytest.mark.parametrize("name", ["md_table_cell_breaks.md", "html_table_cell_breaks.html"])
def test_a_line_break_in_a_term_cell_separates_names(name):
    # 「Issue<br>イシュー」 names the term twice (it is not 「Issueイシュー」); a kana line is its reading, and a
    # <br> inside a Japanese definition joins its lines without a space.
    entries = {e["pref_label"]: e for e in inspect(SNIPPETS / name, 4)["entries"]}
    assert entries["イシュー"]["other_labels"] == ["Issue@en (alt)"]
    if name.endswith(".html"):
        assert entries["機械判読"]["other_labels"] == ["きかいはんどく@ja (reading)"]
        assert entries["イシュー"]["definition"] == "課題を記録するもの。要望も含む。"


def test_a_sphinx_glossary_is_read_by_indentation():
    # Tabs count to the next multiple of 8 (line 17), a blank line and a hyperlink target stay inside the
    # entry (lines 16-21), two term lines name one term (環境 / ビルド環境), inline markup keeps its text, and
    # a plain definition list after the directive (ロール) is read too.
    assert _spans(SNIPPETS / "rst_glossary.rst") == [
        ("ビルダー", 9, 10, 10), ("設定ディレクトリ", 12, 13, 13), ("ディレクティブ", 15, 16, 21),
        ("環境（ビルド環境）", 23, 25, 25), ("ロール", 30, 31, 31)]
    entries = inspect(SNIPPETS / "rst_glossary.rst", 5)["entries"]
    assert entries[2]["definition"] == ("コンテンツを持つことのできる reStructuredText のマークアップ要素。その内容は ビルダー が"
                                        "出力します。詳しくは ディレクティブの一覧 を参照してください。")
    assert entries[3]["other_labels"] == ["ビルド環境@ja (alt)"]


def test_a_delimited_files_title_and_section_rows_do_not_hide_its_table():
    # 「IT用語集（抜粋）」 and 「【あ行】」 rows have no tab: they are not badly formed records (3 of 7 rows).
    assert _spans(SNIPPETS / "tsv_title_sections.tsv") == [
        ("アジャイル", 4, 4, 4), ("アルゴリズム", 5, 5, 5), ("キャッシュ", 8, 8, 8), ("クラウド", 9, 9, 9)]


def test_katakana_after_an_acronym_is_how_it_is_read():
    # 「API（エーピーアイ）」: the katakana spells the acronym out; it does not replace it as the name.
    first = inspect(SNIPPETS / "html_term_sections.html", 1)["entries"][0]
    assert (first["pref_label"], first["other_labels"]) == ("API", ["エーピーアイ@ja (reading)"])


def test_a_long_document_is_judged_on_its_opening_lines_and_read_whole(tmp_path):
    # Every reader's dry run over 50k entries took 6 s of a build: past 2 × DETECTION_LINES lines the
    # readers are judged on the first DETECTION_LINES, and the winner reads every line.
    from ingest.readers import DETECTION_LINES

    blocks = [f"用語{chr(0x30A2 + i % 40)}{i}\n{i}番目の項目を説明するための定義文。" for i in range(DETECTION_LINES)]
    path = tmp_path / "long.txt"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    report = inspect(path)
    assert report["reader"] == "text" and report["entries_total"] == DETECTION_LINES
    reasons = next(d["reasons"] for d in report["detections"] if d["reader"] == "text")
    assert any(f"judged on the first {DETECTION_LINES} of" in reason for reason in reasons)
    short = tmp_path / "short.txt"
    short.write_text("\n\n".join(blocks[:100]) + "\n", encoding="utf-8")
    assert not any("judged on the first" in r for d in inspect(short)["detections"] for r in d["reasons"])
