"""One-line entries in plain text, through `python -m kg inspect --json`: the ways a line sets its term
before its definition without a colon (【用語】定義, ●用語　定義, 用語　定義, 用語 …… 定義).

The snippets are made up in those layouts (common in plain-text glossaries and exports of word
processors); the statute layout 「一　用語　定義」 must stay a numbered item, not a term 「一」.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

DEFINITIONS = ("一時的にデータを保存しておく仕組み。", "ウェブサイトがブラウザに保存する小さなデータ。",
               "ユーザーの一連の操作をまとめて扱う単位。", "クライアントの代わりに通信を中継するサーバー。")
TERMS = ("キャッシュ", "クッキー", "セッション", "プロキシ")


def inspect(path: Path) -> dict:
    result = CliRunner().invoke(main, ["inspect", str(path), "--json", "--entries", "10"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("pattern", ["【{t}】{d}", "●{t}　{d}", "■{t} …… {d}", "・{t}　{d}", "{t}　{d}", "{t} …… {d}",
                                     "{t} - {d}"])
@pytest.mark.parametrize("title", ["", "用語集\n\n"])
def test_a_line_that_sets_its_term_before_its_definition(tmp_path, pattern, title):
    path = tmp_path / "glossary.txt"
    path.write_text(title + "\n".join(pattern.format(t=t, d=d) for t, d in zip(TERMS, DEFINITIONS, strict=True))
                    + "\n", encoding="utf-8")
    report = inspect(path)
    assert report["reader"] in ("markers", "text")
    assert [(e["pref_label"], e["definition"]) for e in report["entries"]] == list(zip(TERMS, DEFINITIONS, strict=True))


def test_a_statute_item_number_is_no_term(tmp_path):
    path = tmp_path / "statute.txt"
    path.write_text("（定義）\n第二条　この法律において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。\n"
                    "一　法令　法律及び法律に基づく命令をいう。\n二　処分　行政庁の処分その他公権力の行使に当たる行為をいう。\n"
                    "三　申請　法令に基づき、行政庁の許可を求める行為をいう。\n", encoding="utf-8")
    report = inspect(path)
    assert [e["pref_label"] for e in report["entries"]] == ["法令", "処分", "申請"]
