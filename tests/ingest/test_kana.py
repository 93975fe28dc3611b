"""ingest.kana is the one kana utility: script conversion, small kana, dakuten and the gojūon rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.kana import full_size, kana_row, seion, to_hiragana, to_katakana

ROOT = Path(__file__).resolve().parents[2]


def test_script_conversion_both_ways_keeps_everything_else():
    assert to_katakana("おきゃくさま、AHT 2番") == "オキャクサマ、AHT 2番"
    assert to_hiragana("オペレーター") == "おぺれーたー"
    assert to_katakana("いすゞ") == "イスヾ"  # iteration marks too (the hand-written shifts missed them)


def test_small_kana_and_dakuten_fold():
    assert full_size("ャッぁ") == "ヤツあ"
    assert [seion(c) for c in "ガパか"] == ["カ", "ハ", "か"]


@pytest.mark.parametrize(("ch", "row"), [("ガ", "か"), ("ゃ", "や"), ("ｶ", "か"), ("ヴ", "あ"), ("ン", "わ"), ("A", None)])
def test_kana_row(ch, row):
    assert kana_row(ch) == row


def test_no_module_shifts_kana_code_points_by_hand():
    """Hiragana <-> katakana was written as a ±0x60 code-point shift in four modules; ingest.kana does it."""
    shift = re.compile(r"(chr\(ord\([^)]*\)\s*[+-]\s*0x60\)|\+\s*0x60\s*for\s+c\s+in\s+range\(0x3041)")
    found = [f"{path.relative_to(ROOT)}:{n}" for folder in ("ingest", "search", "kg")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if shift.search(line)]
    assert found == [], "use ingest.kana.to_katakana / to_hiragana: " + ", ".join(found)
