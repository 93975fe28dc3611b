"""A CSV whose optional last columns are often empty is still a table (every row has the header's width)."""

from __future__ import annotations

from ingest.reader import document_from_bytes
from ingest.readers import choose

CSV = """用語,読み,定義,同義語,関連語
エスクロー,えすくろー,売買の当事者の間に第三者が入り、代金の受け渡しを仲介する取引の仕組みのこと。,,
ステーキング,すてーきんぐ,暗号資産を預け入れてネットワークの運営に参加し、報酬を受け取る仕組み。,,
フォーク,ふぉーく,ブロックチェーンの仕様が変わり、記録が二つの系統に分かれること。,,ハードフォーク
ハードフォーク,はーどふぉーく,以前の仕様と互換性のない変更によって起きるフォーク。,,
マイニング,まいにんぐ,取引の記録を検証してブロックに追加し、その報酬を得る作業。,採掘,
"""


def test_rows_with_empty_trailing_columns_are_read_as_one_entry_each():
    doc = document_from_bytes(CSV.encode(), "glossary.csv")
    choice = choose(doc)
    assert choice.reader == "delimited"
    terms = ["エスクロー", "ステーキング", "フォーク", "ハードフォーク", "マイニング"]
    assert len(choice.reading.entries) == len(terms)
    for entry, term in zip(choice.reading.entries, terms, strict=True):
        assert entry.headword.startswith(term)  # the reading column joins it: エスクロー（えすくろー）
    assert choice.reading.entries[2].definition.startswith("ブロックチェーンの仕様")
