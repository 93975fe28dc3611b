"""Layouts held-out glossaries showed the readers mishandling, on small made-up snippets.

- a heading-per-term glossary with labelled parts whose terms sit at two heading levels
  (#### under section headings, ### in a later section), with code samples after **例**.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main

SNIPPETS = Path(__file__).parents[1] / "data" / "readers"


def inspect(path: Path, entries: int = 10) -> dict:
    result = CliRunner().invoke(main, ["inspect", str(path), "--json", "--entries", str(entries)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_terms_at_two_heading_levels_with_labelled_parts():
    report = inspect(SNIPPETS / "md_fields_mixed_levels.md")
    assert (report["reader"], report["layout"]) == ("markdown", "md-fields")
    by_label = {e["pref_label"]: e for e in report["entries"]}
    # ### JAN and ### build define themselves (**定義**), so they are terms, not sections; the ###
    # and ## headings without a definition of their own stay sections.
    assert set(by_label) == {"棚番", "ロケーション", "JAN", "build"}  # a 正式名称 part is JAN's expansion
    assert not {"倉庫関連", "業務用語", "技術用語"} & {e["headword"] for e in report["entries"]}
    assert report["entries_total"] == 4
    build = next(e for e in report["entries"] if e["headword"] == "build")
    assert build["lines"] == "line 35, 38-43"  # the code sample after **例** is the entry's
    jan = next(e for e in report["entries"] if e["headword"].startswith("JAN"))
    # A field value's bracketed gloss is not part of the name it gives.
    assert any(r.startswith("antonym → 社内コード ") for r in jan["relations"])


def test_a_two_letter_latin_header_name_is_a_whole_word():
    # A struct's field list (`Env`: 環境変数名) under a term is no English name of the term: "en" names
    # the English column only as a whole word, while Japanese names still match inside a longer header.
    from ingest.readers.columns import header_role

    assert header_role("Env") is None
    assert (header_role("EN"), header_role("English (US)"), header_role("英語表記")) == ("english", "english", "english")
