"""Fixtures for the robustness tests: a small live deployment of their own in tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from robust_support import SNIPPETS, TOKEN

from kg.config import Settings


@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    """The five test snippets as a corpus: a real build of them takes about a second."""
    target = tmp_path / "corpus"
    target.mkdir()
    for path in sorted(SNIPPETS.glob("*.txt")):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture()
def live(tmp_path, embedder, small_corpus) -> Settings:
    """A deployment of its own (data dir, artifact, write token): tests here rebuild and swap freely."""
    from kg.build import build_artifact

    settings = Settings(data_dir=tmp_path / "var", corpus_dir=small_corpus, write_token=TOKEN)
    build_artifact(settings, embedder=embedder)
    return settings
