"""JMdict access on the compiled file that `make model` writes (skipped until it exists)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from ingest.jmdict import DEFAULT_PATH, JMdict, JMdictMissing, normalise_gloss, priority_rank

needs_jmdict = pytest.mark.skipif(
    not DEFAULT_PATH.is_file(), reason=f"{DEFAULT_PATH} missing: run `make model` first"
)


@pytest.fixture(scope="module")
def jmdict():
    with JMdict.open() as dictionary:
        yield dictionary


@needs_jmdict
def test_lookup_by_kanji_and_by_kana(jmdict):
    by_kanji = jmdict.lookup("照合")
    assert by_kanji and "照合" in by_kanji[0].kanji and "しょうごう" in by_kanji[0].kana
    assert any("collation" in sense for sense in by_kanji[0].senses)
    by_kana = jmdict.lookup("キャリブレーション")
    assert by_kana and by_kana[0].kanji == () and by_kana[0].senses[0] == ("calibration",)


@needs_jmdict
def test_lookup_orders_frequent_entries_first_and_keeps_priority_tags(jmdict):
    entries = jmdict.lookup("かな")
    assert len(entries) > 1
    ranks = [priority_rank(e.priority) for e in entries]
    assert ranks == sorted(ranks, reverse=True)
    assert any(tag.startswith(("news", "ichi", "spec", "gai", "nf")) for tag in entries[0].priority)


@needs_jmdict
def test_unknown_word_has_no_entry(jmdict):
    assert jmdict.lookup("照合評価基準すり合わせ") == []


@needs_jmdict
def test_search_gloss_puts_equal_glosses_before_containing_ones(jmdict):
    found = jmdict.search_gloss("calibration", limit=10)
    heads = [e.headword for e in found]
    assert "キャリブレーション" in heads and "校正" in heads
    equal = [e for e in found if "calibration" in map(normalise_gloss, e.glosses)]
    assert found[: len(equal)] == equal  # every exact match precedes the longer glosses
    assert any(e.headword == "検量線" for e in found[len(equal) :])  # "calibration curve"
    assert len(jmdict.search_gloss("call", limit=3)) == 3


@needs_jmdict
def test_search_gloss_ignores_case_and_parenthesised_notes(jmdict):
    assert [e.id for e in jmdict.search_gloss("Inbound")] == [e.id for e in jmdict.search_gloss("inbound")]
    assert jmdict.search_gloss("") == [] and jmdict.search_gloss('"') == []


@needs_jmdict
def test_entries_iterates_the_whole_dictionary(jmdict):
    first = next(jmdict.entries())
    assert first.id > 0 and (first.kanji or first.kana)
    assert sum(1 for _ in jmdict.entries()) > 180_000


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(JMdictMissing, match="make model"):
        JMdict.open(str(tmp_path / "absent.sqlite"))
    stale = tmp_path / "other.sqlite"
    sqlite3.connect(stale).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(JMdictMissing, match="make model"):
        JMdict.open(str(stale))


def test_build_command_reports_a_bad_source_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "ingest.jmdict", "build", str(tmp_path / "none.db"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
