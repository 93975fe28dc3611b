"""Glossary layouts the bundled corpus does not use, on invented fixtures with hand-written gold.

Entries are matched to gold the way `kg eval extract` matches them (line-range IoU >= 0.5,
one to one), so a fixture's F1 here means the same as a corpus document's F1 there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.layout import segment
from ingest.pipeline import ingest_documents
from ingest.reader import document_from_bytes, read_document
from ingest.records import Entry, LabelKind
from ingest.terms import parse_name

UNSEEN = Path(__file__).parent.parent / "data" / "unseen"
GOLD: dict[str, list[dict]] = {
    name: entries for name, entries in json.loads((UNSEEN / "gold.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}
GLOSSARIES = sorted(name for name, entries in GOLD.items() if entries)


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)
    return inter / (max(a[1], b[1]) - min(a[0], b[0]) + 1)


def match(gold: list[dict], entries: list[Entry]) -> list[tuple[dict, Entry | None]]:
    """Pair each gold entry with the best unused predicted entry (IoU >= 0.5), in gold order."""
    used: set[int] = set()
    pairs: list[tuple[dict, Entry | None]] = []
    for g in gold:
        best, best_iou = None, 0.5
        for i, entry in enumerate(entries):
            iou = _iou((g["lines"][0], g["lines"][1]), (entry.span.line_start, entry.span.line_end))
            if i not in used and iou >= best_iou:
                best, best_iou = i, iou
        if best is not None:
            used.add(best)
        pairs.append((g, entries[best] if best is not None else None))
    return pairs


def prf(gold: list[dict], entries: list[Entry]) -> tuple[float, float, float]:
    tp = sum(1 for _, e in match(gold, entries) if e is not None)
    p = tp / len(entries) if entries else 1.0
    r = tp / len(gold) if gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@pytest.mark.parametrize("name", GLOSSARIES)
def test_unseen_layout_extracts_with_entry_f1_at_least_0_9(name):
    seg = segment(read_document(UNSEEN / name))
    p, r, f1 = prf(GOLD[name], seg.entries)
    assert f1 >= 0.9, f"{name}: P={p:.3f} R={r:.3f} F1={f1:.3f} ({seg.layout})"


@pytest.mark.parametrize("name", GLOSSARIES)
def test_unseen_layout_headwords_are_read_as_written(name):
    seg = segment(read_document(UNSEEN / name))
    wrong = [(g["headword"], e.headword if e else None) for g, e in match(GOLD[name], seg.entries)
             if e is None or e.headword != g["headword"]]
    assert not wrong, f"{name}: (gold, read) {wrong}"


def test_prose_is_not_a_glossary_and_the_pipeline_reports_it():
    doc = read_document(UNSEEN / "prose.txt")
    seg = segment(doc)
    assert seg.entries == []
    assert seg.layout == "unrecognised"
    assert seg.skipped == [n for n, line in enumerate(doc.lines, 1) if line.strip()]
    _, report = ingest_documents([doc])
    # The refusal names every reader with what it saw, so a user can tell why.
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{doc.path}: no glossary entries found (layout not recognised: ")
    assert all(name in report.errors[0] for name in ("delimited", "html", "markdown", "text"))
    assert not report.documents


def test_markup_keeps_source_line_numbers_and_sections():
    seg = segment(read_document(UNSEEN / "html_dl.html"))
    by_head = {e.headword: e for e in seg.entries}
    assert by_head["契約者貸付"].headword_line == 13
    assert by_head["契約者貸付"].definition == (
        "解約返戻金の一定範囲内で、保険会社から資金の貸し付けを受けられる制度。返済しないまま満期を迎えた場合は、保険金から差し引かれる。"
    )
    assert by_head["給付金"].section == "か行" and by_head["失効"].section == "さ行"
    table = segment(read_document(UNSEEN / "html_table.html"))
    kanban = next(e for e in table.entries if e.headword == "かんばん方式")
    assert "<b>" not in kanban.definition and "トヨタ生産方式の生産管理手法" in kanban.definition
    assert 6 in table.skipped and 8 not in table.skipped  # intro paragraph skipped; header row is structure


def test_markdown_table_definition_is_the_cell_not_a_header_label():
    seg = segment(read_document(UNSEEN / "markdown_table.md"))
    first = seg.entries[0]
    assert first.definition == "入荷した商品の品目・数量・品質を、発注書や納品書と照合して確認する作業。"
    assert 3 in seg.skipped  # the page's intro is not an entry of the title


def test_kana_row_headers_become_sections_in_any_decoration():
    seg = segment(read_document(UNSEEN / "kana_rows.txt"))
    sections = {e.headword: e.section for e in seg.entries}
    assert sections["エンド陳列"] == "あ行"
    assert sections["客単価"] == "「■ か」"
    assert sections["什器（じゅうき）"] == "■ さ"
    assert sections["動線（どうせん）"] == "【た行】"


def test_colon_metadata_lines_are_not_entries():
    seg = segment(read_document(UNSEEN / "colon_oneliners.txt"))
    assert [e.headword for e in seg.entries][:2] == ["宅地建物取引士", "重要事項説明"]
    assert {2, 3} <= set(seg.skipped)  # 作成：営業企画部, 最終更新日：2024年4月1日


@pytest.mark.parametrize(("name", "expected"), [
    ("english_first.txt", {"Incident (インシデント)": ("インシデント", None),
                           "Service Level Agreement (サービスレベル合意書)": ("サービスレベル合意書", None)}),
    ("ja_en_abbr.txt", {"顧客獲得単価（Cost Per Acquisition / CPA）": ("顧客獲得単価", "CPA"),
                        "重要業績評価指標（Key Performance Indicator / KPI）": ("重要業績評価指標", "KPI"),
                        "広告費用対効果（Return On Advertising Spend／ROAS）": ("広告費用対効果", None)}),
])
def test_bilingual_headwords_parse_into_japanese_pref_and_abbreviation(name, expected):
    heads = {e.headword for e in segment(read_document(UNSEEN / name)).entries}
    for raw, (pref, abbreviation) in expected.items():
        assert raw in heads
        parsed = parse_name(raw)
        assert parsed is not None and parsed.pref == pref
        if abbreviation:
            assert abbreviation in {lb.text for lb in parsed.labels if lb.kind is LabelKind.ABBREVIATION}


@pytest.mark.parametrize("text", [
    "ただの一行のメモです。",
    "<html><body><p>準備中です。</p></body></html>",
])
def test_documents_without_structure_give_no_entries(text):
    doc = document_from_bytes(text.encode(), "x.txt")
    seg = segment(doc)
    assert seg.entries == []


# Small variations on the fixtures' layouts, inline: (text, expected (headword, first, last) entries).
VARIANTS = {
    "numbered headword lines": (
        "物流用語\n1. 棚卸\n倉庫内の在庫を実際に数え、帳簿上の数と突き合わせること。\n"
        "2. 検品\n入荷した商品の数量や品質を、納品書と照合して確認する作業。\n",
        [("棚卸", 3, 3), ("検品", 5, 5)]),
    "bold headword lines": (
        "**棚卸**\n倉庫内の在庫を実際に数え、帳簿上の数と突き合わせること。\n\n"
        "**検品**\n入荷した商品の数量や品質を、納品書と照合して確認する作業。\n",
        [("棚卸", 2, 2), ("検品", 5, 5)]),
    "bold terms in a bullet list": (
        "物流の用語\n- **棚卸**：倉庫内の在庫を実際に数えること。\n- **検品**：入荷した商品を確認する作業。\n",
        [("棚卸", 2, 2), ("検品", 3, 3)]),
    "colon lines separated by blank lines": (
        "用語集\n\n棚卸：倉庫内の在庫を実際に数えること\n\n検品：入荷した商品を確認する作業\n\n出荷：商品を送り出すこと\n",
        [("棚卸", 3, 3), ("検品", 5, 5), ("出荷", 7, 7)]),
    "html headings and paragraphs": (
        "<html><body>\n<h1>用語集</h1>\n<h3>棚卸</h3>\n<p>倉庫内の在庫を実際に数えること。</p>\n"
        "<h3>検品</h3>\n<p>入荷した商品を確認する作業。</p>\n</body></html>\n",
        [("棚卸", 4, 4), ("検品", 6, 6)]),
    "html dl without end tags": (
        "<dl>\n<dt>棚卸<dd>倉庫内の在庫を数えること。\n<dt>検品<dd>入荷した商品を確認する作業。\n</dl>\n",
        [("棚卸", 2, 2), ("検品", 3, 3)]),
    "markdown prose under headings": (
        "# 新しい倉庫システムの導入について\n\n## はじめに\n今年度から、新しい倉庫管理システムを導入することになりました。\n"
        "これにより、在庫の確認がより早くなる見込みです。\n\n## スケジュール\n4月に説明会を開き、5月から順次切り替えていきます。\n",
        []),
    "a polite notice": (
        "倉庫見学会のお知らせ\n\nいつも弊社をご利用いただき、ありがとうございます。\n"
        "このたび、新しい物流センターの見学会を開催することになりました。\n参加をご希望の方は、3月末までにお申し込みください。\n",
        []),
}


@pytest.mark.parametrize("case", list(VARIANTS))
def test_layout_variations(case):
    text, expected = VARIANTS[case]
    seg = segment(document_from_bytes(text.encode(), "variant.txt"))
    assert [(e.headword, e.span.line_start, e.span.line_end) for e in seg.entries] == expected
    assert (seg.layout == "unrecognised") == (not expected)
