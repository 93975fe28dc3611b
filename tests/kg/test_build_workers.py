"""A build that forks workers (ingest.forked) writes the very artifact a one-core build writes.

Through the CLI on generated glossaries large enough for every forked step: the
graph, the label table, the index files and the fitted confidence model are compared byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.forked import can_fork
from kg.config import Settings
from kg.synthetic_glossary import corpus_vocabulary, generate_entries, write_glossary

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _build(glossary: Path, data_dir: Path, workers: str) -> Path:
    env = {k: v for k, v in os.environ.items() if k not in ("KG_VOCABULARIES", "KG_STORE")}
    env.update(KG_DATA_DIR=str(data_dir), KG_BUILD_WORKERS=workers)
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(glossary)], env=env, cwd=ROOT,  # noqa: S603
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return (data_dir / "artifacts" / "current").resolve()


def _graph_lines(artifact: Path) -> list[str]:
    # The build's timestamps (dct:created/modified) are the only lines that may differ.
    return sorted(line for line in (artifact / "ingested.nq").read_text(encoding="utf-8").splitlines()
                  if "XMLSchema#dateTime" not in line)


# 5,000 entries also split calibration's searches (search.fit_confidence.PARALLEL_FROM).
@pytest.mark.parametrize(("layout", "entries"), [("csv", 5000), ("text", 2500)])
def test_a_build_on_two_cores_writes_what_a_build_on_one_writes(tmp_path, layout, entries):
    if not can_fork():
        pytest.skip("this machine cannot fork build workers")
    vocab = corpus_vocabulary(Settings.from_env().corpus_dir)
    glossary = write_glossary(tmp_path / f"glossary.{ {'csv': 'csv', 'text': 'txt'}[layout] }", layout,
                              generate_entries(entries, vocab, seed=5), 5)
    one = _build(glossary, tmp_path / "one", "1")
    two = _build(glossary, tmp_path / "two", "2")
    assert _graph_lines(one) == _graph_lines(two)
    for name in ("label_table.json", "index/docs.jsonl", "index/labels.json", "index/calibration.json"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert np.array_equal(np.load(one / "index/vectors.npy"), np.load(two / "index/vectors.npy"))
    with np.load(one / "index/lexical.npz") as a, np.load(two / "index/lexical.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            assert np.array_equal(a[name], b[name]), name
    manifests = [json.loads((artifact / "manifest.json").read_text(encoding="utf-8")) for artifact in (one, two)]
    assert manifests[0]["counts"] == manifests[1]["counts"]
    assert manifests[0]["counts"]["concepts"] == entries
    assert manifests[0]["search"] == manifests[1]["search"]
