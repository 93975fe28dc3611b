"""`kg bench-ingest` end to end at a tiny size: generated glossaries, real child builds, the table."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.synthetic_glossary import corpus_vocabulary, generate_entries, render_csv, render_text


def test_generated_glossaries_are_deterministic_and_state_relations_between_their_own_headwords():
    vocab = corpus_vocabulary(Settings.from_env().corpus_dir)
    entries = generate_entries(300, vocab, seed=3)
    assert [e.term for e in entries] == [e.term for e in generate_entries(300, vocab, seed=3)]
    assert [e.term for e in entries] != [e.term for e in generate_entries(300, vocab, seed=4)]
    headwords = {e.term for e in entries}
    assert len(headwords) == 300
    assert all(target in headwords for e in entries for target in [*e.related, *filter(None, [e.antonym])])
    assert not headwords & {s for e in entries for s in e.synonyms}
    assert all(40 <= len(e.definition) <= 120 and e.definition.endswith("。") for e in entries)
    text = render_text(entries)
    assert "関連用語：" in text and "とも呼ばれる。" in text
    assert render_csv(entries).splitlines()[0] == "用語,読み,定義,同義語,関連語"
    assert text.count("\n\n") == 299  # one blank line between entries


def test_bench_ingest_builds_each_layout_and_prints_the_table(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "unused"))  # every child build gets a data dir of its own
    result = CliRunner().invoke(main, ["bench-ingest", "--sizes", "200"])
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["entries", "layout"] for line in lines)
    measured = json.loads(lines[-1])
    assert [(m["entries"], m["layout"]) for m in measured] == [(200, "csv"), (200, "text")]
    for m in measured:
        assert m["error"] is None
        assert m["read_entries"] == 200 and m["concepts"] == 200, m  # one concept per generated entry
        assert m["reader"] == {"csv": "delimited", "text": "text"}[m["layout"]]
        assert m["seconds"] > 0 and m["peak_mb"] > 0 and m["ref_s"] > 0 and m["quads"] > 0
        assert {"ingest", "graph", "index"} <= set(m["steps"])
    assert "targets (50000 entries" in result.stdout
    assert not (tmp_path / "unused").exists()


def test_peak_memory_counts_the_workers_a_build_forks():
    # A child that holds 200 MB of its own beside a parent: the tree's memory counts both, and the
    # 200 MB the child still shares with its parent once.
    import subprocess
    import sys

    from kg.bench_ingest import TreeMemory, _private_mb, _rss_mb, _tree

    code = ("import os, sys, time\nblock = bytearray(200 * 2**20)\npid = os.fork()\n"
            "if pid == 0:\n    mine = bytearray(200 * 2**20); time.sleep(3); os._exit(0)\n"
            "os.waitpid(pid, 0)\n")
    proc = subprocess.Popen([sys.executable, "-c", code])  # noqa: S603
    tree = TreeMemory(proc.pid, interval_s=0.2)
    tree.sample_until(proc)
    assert 380 < tree.peak_mb < 560, tree.peak_mb  # 200 MB in the parent + 200 MB more in the forked child
    assert _tree(proc.pid) == [proc.pid] and _rss_mb(proc.pid) == _private_mb(proc.pid) == 0.0  # gone
