"""Shared fixtures: the real embedding model and one artifact built from the bundled corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.config import DEFAULT_CORPUS, DEFAULT_MODEL, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def embedder():
    if not (DEFAULT_MODEL / "model.safetensors").exists():
        pytest.fail("the embedding model is not built: run `make model` (make test does it)")
    from search.embedder import load_embedder

    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def built(tmp_path_factory, embedder) -> Settings:
    """Settings whose data_dir holds an artifact built from the whole bundled corpus."""
    from kg.build import build_artifact

    settings = Settings(data_dir=tmp_path_factory.mktemp("var"), corpus_dir=DEFAULT_CORPUS)
    build_artifact(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def service(built, embedder):
    from kg.service import Service

    svc = Service(built, embedder=embedder)
    svc.load()
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def app(built, service):
    from kg.web import create_app

    app = create_app(built, service=service)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, target)
    return target
