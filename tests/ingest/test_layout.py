from __future__ import annotations

from pathlib import Path

from ingest.layout import segment
from ingest.reader import read_document

DATA = Path(__file__).parent.parent / "data"


def entries(name):
    seg = segment(read_document(DATA / name))
    return seg, [(e.headword, e.span.line_start, e.span.line_end) for e in seg.entries]


def test_headword_blank_definition_layout_with_kana_row_header():
    seg, found = entries("headword_blank_000.txt")
    assert seg.layout == "headworded"
    assert found[0] == ("カスタマーエクスペリエンス", 5, 5)
    assert [h for h, _, _ in found] == ["カスタマーエクスペリエンス", "カスタマーサービス", "コストセンター",
                                        "コミュニケーター/CM (Communicator)"]
    assert 1 not in [s for _, s, _ in found]  # 「頭文字: か行」 is a section, not an entry


def test_bare_definitions_keep_continuation_lines_with_their_entry():
    seg, found = entries("bare_001.txt")
    assert seg.layout == "bare"
    assert (None, 5, 6) in found  # 「…待っている状態。」 + 「待ち呼(まちこ)とも言う。」
    assert (None, 7, 7) in found  # 「コールセンター業界では委託元企業のことをいう。」 is its own entry
    assert len(found) == 8


def test_headword_line_layout_with_english_headword():
    _, found = entries("headword_line_002.txt")
    assert [h for h, _, _ in found] == ["定型応答", "平均処理時間(AHT)", "平均応答時間", "Time To Resolution (TTR)"]


def test_sections_bullets_commentary_and_table_rows():
    seg, found = entries("sections_003.txt")
    heads = [h for h, _, _ in found]
    assert heads == ["チャネル", "マルチチャネル", "オムニチャネル", "カスタマーサービス", "カスタマーサポート",
                     "カスタマーサクセス"]
    assert ("チャネル", 2, 4) in found
    assert 11 in seg.skipped and 12 in seg.skipped  # chatty commentary is not an entry
    assert 13 not in [s for _, s, _ in found]  # 「CS(その他)」 heads the table


def test_article_titles_attach_to_the_definition_above():
    seg, _ = entries("article_004.txt")
    by_line = {e.span.line_start: e for e in seg.entries}
    assert by_line[2].title.startswith("コールセンターのアウトバウンド業務とは")
    assert by_line[5].title.startswith("コールセンターにおけるACW(平均後処理時間)とは")
    assert by_line[5].span.line_end == 8
    assert "▼" not in by_line[5].definition


def test_bare_entries_that_open_by_naming_their_term_or_wrap_their_first_sentence(tmp_path):
    # 001 lines 5-9 and 004 lines 17-18, as scraped.
    path = tmp_path / "bare.txt"
    path.write_text(
        "業務や機能の一部を専門業者や子会社などの外部に委託すること。\n"
        "カスタマーサポートなどコールセンターの運営自体を専門の業者に任せる例も多い。\n"
        "ソーシャルメディア上で消費者が発信した疑問や不安、不満を発見し、\n"
        "企業自らが能動的に語りかけ、問題解決を図ること。\n"
        "商品・サービス購入後やDM(ダイレクトメール)送付後にお客様に電話をかけ、感想や反応を聞き取ること。\n"
        "「アベイラブル (available)」は、英語で「利用可能な」「使用可能な」という意味を持つ。"
        "コールセンターにおいては、「電話を受けられる状態である」ということ。\n",
        encoding="utf-8")
    seg = segment(read_document(path))
    assert seg.layout == "bare"
    assert [(e.span.line_start, e.span.line_end) for e in seg.entries] == [(1, 2), (3, 4), (5, 5), (6, 6)]


def test_a_comment_that_names_the_term_stays_with_the_definition_above(tmp_path):
    # Made up in the shape of a scraped headword-less glossary: a one-sentence definition, then a
    # line about the same term that closes on an adjectival noun (一般的, 可能), which a definition's
    # first sentence does not.
    path = tmp_path / "bare.txt"
    path.write_text(
        "一定期間に受け付けた注文の件数を示す指標。\n"
        "受注件数は、日単位や月単位で集計するのが一般的。販売計画の基礎データとして使われる。\n"
        "注文を受けてから商品を届けるまでにかかる日数のこと。\n"
        "リードタイムは、工程ごとに分けて測ることも可能。\n"
        "在庫が足りず、注文に応じられない状態のこと。\n",
        encoding="utf-8")
    seg = segment(read_document(path))
    assert seg.layout == "bare"
    assert [(e.span.line_start, e.span.line_end) for e in seg.entries] == [(1, 2), (3, 4), (5, 5)]
