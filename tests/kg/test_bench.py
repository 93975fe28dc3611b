"""`kg bench` runs end to end: every number beside its raw reference, HTTP through the real server."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main


def test_bench_reports_suggest_and_sparql_with_their_references(built, monkeypatch):
    monkeypatch.setenv("KG_DATA_DIR", str(built.data_dir))
    result = CliRunner().invoke(main, ["bench", "-n", "3", "--no-scale"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output.strip().splitlines()[-1])
    for name in ("raw fugashi parse", "raw faiss search (k=50)", "suggest in-process", "suggest over HTTP",
                 "prefix search over HTTP", "SPARQL label search: raw pyoxigraph", "SPARQL label search: HTTP"):
        assert numbers[name]["p50_ms"] > 0 and numbers[name]["n"] == 3, name
    # Every headword-less entry now gets a name, and definitions that share one merge: fewer concepts
    # than entries, no definition lost (tests/web/test_export.py checks that).
    assert numbers["concepts"] > 180
    assert "suggest over HTTP / (raw fugashi + raw faiss)" in result.output
