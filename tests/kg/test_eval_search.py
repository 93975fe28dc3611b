"""`kg eval search`: the query file format, leave-one-glossary-out thresholds, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.evaluation.search import Outcome, Query, leave_one_glossary_out, load_queries, summarize

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_query_file_names_a_glossary_for_every_query():
    queries = load_queries(ROOT / "data" / "gold" / "queries.jsonl")
    corpus = {p.name for p in (ROOT / "data" / "corpus").iterdir()}
    assert len(queries) >= 200
    assert all(q.glossary in corpus for q in queries)


def test_a_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "query": "x", "kind": "keyword", "relevant": []}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"q.jsonl:2"):
        load_queries(path)


def _outcome(glossary: str, negative: bool, score: float, right: bool) -> Outcome:
    query = Query("q", "x", "negative" if negative else "paraphrase", () if negative else ("t",), "dev", glossary)
    return Outcome(query, [(score, right)], 0.5)


def test_a_glossarys_threshold_is_chosen_without_its_queries():
    # Glossary a alone would want a threshold above 0.7 (its negative scores 0.7); b and c want one near 0.3.
    outcomes = [_outcome("a", True, 0.7, False), _outcome("a", False, 0.8, True),
                _outcome("b", True, 0.2, False), _outcome("b", False, 0.4, True),
                _outcome("c", True, 0.25, False), _outcome("c", False, 0.35, True)]
    chosen = leave_one_glossary_out(outcomes)
    assert 0.25 < chosen["a"] <= 0.35  # from b and c only: a's negative is not rejected
    summary = summarize([o for o in outcomes if o.query.glossary == "a"], lambda o: chosen[o.query.glossary])
    assert summary["negatives rejected"] == 0.0 and summary["R@1"] == 1.0


def test_eval_search_reports_and_writes_nothing(built, tmp_path):
    from kg.cli import main

    queries = tmp_path / "queries.jsonl"
    rows = [{"id": "t1", "query": "AHTって何", "kind": "acronym", "relevant": ["AHT"], "split": "dev",
             "glossary": "000_c8cc8a228842c373.txt"},
            {"id": "t2", "query": "有給休暇の申請方法", "kind": "negative", "relevant": [], "split": "dev",
             "glossary": "001_bf66722c8208e4b8.txt"}]
    queries.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    watched = [*(ROOT / "search").iterdir(), *(p for p in built.data_dir.rglob("*") if p.is_file())]
    before = {p: p.stat().st_mtime_ns for p in watched if p.is_file()}
    result = CliRunner().invoke(main, ["eval", "search", "--queries", str(queries), "--dev-queries",
                                       str(tmp_path / "absent.jsonl")],
                                env={"KG_DATA_DIR": str(built.data_dir), "KG_CORPUS_DIR": str(built.corpus_dir)})
    assert result.exit_code == 0, result.output
    assert "negatives rejected" in result.output and "per glossary" in result.output
    assert "vector hit rate" in result.output
    after = {p: p.stat().st_mtime_ns for p in watched if p.is_file()}
    assert after == before
    assert not (ROOT / "search" / "calibration.json").exists()


def test_misses_are_grouped_by_cause():
    from kg.evaluation.search import cause_rows

    query = Query("q", "x", "paraphrase", ("t",), "dev", "a")
    negative = Query("n", "y", "negative", (), "dev", "a")
    outcomes = [Outcome(query, [(0.9, True)], 0.5), Outcome(query, [(0.3, True)], 0.5),
                Outcome(query, [(0.9, False), (0.2, False), (0.1, True)], 0.5), Outcome(query, [(0.9, False)], 0.5),
                Outcome(query, [(0.9, False)], 0.5, findable=False), Outcome(negative, [(0.6, False)], 0.5),
                Outcome(negative, [(0.4, False)], 0.5)]
    assert [o.cause() for o in outcomes] == ["right", "first, below threshold", "ranked 2-5", "not in top 10",
                                             "no concept", "accepted", "rejected"]
    assert cause_rows(outcomes)[-1] == ["all", "7", "1", "1", "1", "", "1", "1", "1", "1"]


def test_the_near_miss_share_is_chosen_without_the_glossary():
    from kg.evaluation.search import rejection_share_logo

    def outcome(glossary, negative, score, right):
        # Each artifact turns a share into a threshold on its own scale: b's scores run higher than a's.
        scale = {"a": 0.0, "b": 0.3, "c": 0.0}[glossary]
        at = {"0.50": 0.2 + scale, "0.90": 0.6 + scale}
        query = Query("q", "x", "negative" if negative else "paraphrase", () if negative else ("t",), "dev", glossary)
        return Outcome(query, [(score, right)], at["0.50"], threshold_at=at)

    outcomes = [outcome("a", True, 0.4, False), outcome("a", False, 0.7, True),
                outcome("b", True, 0.7, False), outcome("b", False, 1.0, True),
                outcome("c", True, 0.1, False), outcome("c", False, 0.3, True)]
    chosen, shipped = rejection_share_logo(outcomes)
    # c alone is answered well at 0.50 and badly at 0.90; a and b need 0.90 to reject their negatives.
    assert chosen["c"] == "0.90" and chosen["a"] == chosen["b"] == "0.90"
    assert shipped == "0.90"
    assert rejection_share_logo([_outcome("a", False, 0.5, True)]) == ({}, None)
