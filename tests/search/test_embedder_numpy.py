"""The numpy serving path of the default static model gives SentenceTransformer's vectors."""

from __future__ import annotations

import numpy as np
import pytest

from kg.config import DEFAULT_MODEL
from search.embedder import NumpyStaticModel, load_embedder

TEXTS = ["電話がつながる前に切られた割合", "AHT", "", "オペレーターが顧客に電話をかける業務。", "first contact resolution",
         "お客様の声を集めて分析すること"]


@pytest.fixture(scope="module")
def both():
    if not (DEFAULT_MODEL / "model.safetensors").exists():
        pytest.fail("the embedding model is not built: run `make model`")
    return load_embedder(DEFAULT_MODEL), load_embedder(DEFAULT_MODEL, backend="sentence-transformers")


def test_default_model_is_served_without_torch(both):
    fast, reference = both
    assert isinstance(fast._model, NumpyStaticModel)
    assert not isinstance(reference._model, NumpyStaticModel)
    assert fast.model_id == reference.model_id and fast.dimension == reference.dimension == 300


def test_vectors_equal_sentence_transformers(both):
    fast, reference = both
    a, b = fast.encode_documents(TEXTS), reference.encode_documents(TEXTS)
    assert np.allclose(a, b, atol=1e-5)
    assert not np.any(a[1]) and not np.any(a[2])  # unknown words and empty text stay zero
    assert np.allclose(fast.encode_queries(TEXTS), reference.encode_queries(TEXTS), atol=1e-5)
