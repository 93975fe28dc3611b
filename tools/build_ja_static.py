"""Build the offline Japanese StaticEmbedding model from the word2vec vectors inside the ja-ginza wheel.

Usage: python tools/build_ja_static.py --wheel build/wheels/ja_ginza-5.3.0-py3-none-any.whl models/ja-ginza-sif

The wheel is read as a zip archive (never installed or imported). The output is an ordinary
sentence-transformers directory (StaticEmbedding + Normalize) that loads with
``SentenceTransformer(path)`` without trust_remote_code. Texts must be pre-tokenised into
space-joined ginza keys by the caller; the ``ja_pretokenize.json`` marker tells
``search.embedder`` to do that.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

log = logging.getLogger("build_ja_static")

VOCAB_DIR = "ja_ginza/ja_ginza-5.3.0/vocab/"
SIF_A = 1e-3
UNK = "[UNK]"
MARKER = "ja_pretokenize.json"
_M = np.uint64(0xC6A4A7935BD1E995)
_R = np.uint64(47)

README = """\
# ja-ginza-sif

Static 300-d Japanese word embeddings for sentence-transformers (`StaticEmbedding` + `Normalize`),
built offline by `tools/build_ja_static.py` from the word2vec table of the PyPI wheel
`ja-ginza=={version}` (sha256 `{wheel_sha}`).

* Vocabulary: the {rows} keys that own a vector row (Sudachi normalised forms), plus `[UNK]` (zero vector).
* Weighting: SIF, a={a}, p(w) from a Zipf law over the frequency rank; the sentence vector is the
  mean of the weighted word vectors, L2-normalised.
* Input must be pre-tokenised into space-joined vocabulary keys (see `ja_pretokenize.json`);
  raw Japanese text gives a zero vector.

## Attribution and licence

The vectors are derived from chiVe (Works Applications Co., Ltd., https://github.com/WorksApplications/chiVe),
licensed under the Apache License 2.0, as redistributed in ja-ginza by Megagon Labs Tokyo (MIT License).
Only these vectors are used: the ja-ginza parser/NER models (UD_Japanese-BCCWJ, GSK2014-A) are not shipped.
"""


def murmurhash64a(strings: list[str], seed: int = 1) -> np.ndarray:
    """Return spaCy's string hashes (MurmurHash64A of the UTF-8 bytes, seed 1), vectorised over all strings."""
    encoded = [s.encode("utf-8") for s in strings]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    n_words = (lengths + 7) // 8
    # Zero-padding each string to whole 8-byte words makes the tail word equal the algorithm's tail mix.
    buf = b"".join(b + b"\0" * (-len(b) % 8) for b in encoded)
    words = np.frombuffer(buf, dtype="<u8")
    starts = np.concatenate([[0], np.cumsum(n_words)[:-1]])
    full = lengths // 8
    with np.errstate(over="ignore"):  # uint64 wrap-around is the algorithm's arithmetic
        h = np.uint64(seed) ^ (lengths.astype(np.uint64) * _M)
        for j in range(int(n_words.max(initial=0))):
            sel = np.nonzero(n_words > j)[0]
            w = words[starts[sel] + j]
            k = w * _M
            k ^= k >> _R
            k *= _M
            h[sel] = np.where(full[sel] > j, (h[sel] ^ k) * _M, (h[sel] ^ w) * _M)
        h ^= h >> _R
        h *= _M
        h ^= h >> _R
    return h


def read_wheel(wheel: Path) -> tuple[list[str], np.ndarray]:
    """Return the owning key of every vector row and the (rows, 300) float32 vector table."""
    import msgpack

    with zipfile.ZipFile(wheel) as zf:
        vectors = np.load(io.BytesIO(zf.read(VOCAB_DIR + "vectors")), allow_pickle=False)
        key2row = msgpack.unpackb(zf.read(VOCAB_DIR + "key2row"), strict_map_key=False)
        strings = json.loads(zf.read(VOCAB_DIR + "strings.json"))
    log.info("read %d vectors x %d, %d keys, %d strings", *vectors.shape, len(key2row), len(strings))
    hash_to_string = dict(zip(murmurhash64a(strings).tolist(), strings, strict=True))
    owners: dict[int, str] = {}
    # key2row is in frequency order, so the first resolvable key of a row is its own word. spaCy
    # symbol ids (a few small ints) have no string; their rows take the next key mapped to them.
    for key, row in key2row.items():
        if row not in owners and key in hash_to_string:
            owners[row] = hash_to_string[key]
    missing = [r for r in range(len(vectors)) if r not in owners]
    if missing:
        raise SystemExit(f"error: {len(missing)} vector rows have no resolvable key (first: {missing[:5]})")
    return [owners[r] for r in range(len(vectors))], vectors


def sif_weights(n_rows: int, a: float = SIF_A) -> np.ndarray:
    """Return SIF weights a / (a + p(w)) with p(w) from a Zipf law over the frequency rank."""
    ranks = np.arange(1, n_rows + 1, dtype=np.float64)
    p = 1.0 / (ranks * np.sum(1.0 / ranks))
    return (a / (a + p)).astype(np.float32)


def build_tokenizer(keys: list[str]):
    """Return a WordLevel tokenizer over keys (ids = vector rows) with [UNK] last, split on whitespace."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    vocab = {key: i for i, key in enumerate(keys)}
    if len(vocab) != len(keys) or UNK in vocab:
        raise SystemExit("error: duplicate or reserved vocabulary keys")
    vocab[UNK] = len(keys)
    tokenizer = Tokenizer(WordLevel(vocab, unk_token=UNK))
    tokenizer.pre_tokenizer = WhitespaceSplit()
    return tokenizer


def check_model(path: Path, keys: list[str], weights: np.ndarray) -> None:
    """Reload the saved model and check that tokens map to their rows (WordLevel may silently drop keys)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(path), device="cpu")
    tok = model[0].tokenizer
    # Pitfall 4: a WordLevel vocab that does not round-trip maps real words to [UNK].
    vocab = tok.get_vocab()
    bad = [k for i, k in enumerate(keys) if " " not in k and vocab.get(k) != i]
    if bad:
        raise SystemExit(f"error: {len(bad)} keys do not round-trip through tokenizer.json (first: {bad[:5]})")
    probe = [k for k in ("電話", "業務", "顧客") if k in vocab]
    got = model.encode([" ".join(probe), "[UNK]"], convert_to_numpy=True)
    want = weights[[vocab[k] for k in probe]].mean(axis=0)
    want /= np.linalg.norm(want)
    if not np.allclose(got[0], want, atol=1e-5) or np.any(got[1]):
        raise SystemExit("error: reloaded model does not reproduce the weighted mean")


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build(wheel: Path, out: Path) -> None:
    """Build the model directory at out, replacing any previous build atomically."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    t0 = time.perf_counter()
    keys, vectors = read_wheel(wheel)
    weights = np.ascontiguousarray(vectors.astype(np.float32) * sif_weights(len(keys))[:, None])
    # [UNK] is a zero row, so unknown words add nothing and an all-unknown text embeds to zero.
    table = np.vstack([weights, np.zeros((1, weights.shape[1]), dtype=np.float32)])
    log.info("resolved %d row keys and applied SIF weights (%.1f s)", len(keys), time.perf_counter() - t0)

    static = StaticEmbedding(build_tokenizer(keys), embedding_weights=torch.from_numpy(table))
    model = SentenceTransformer(modules=[static, Normalize()], device="cpu")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save(str(tmp))
        # Our own README replaces the generated model card: deterministic, with the attribution line.
        (tmp / "README.md").write_text(
            README.format(version="5.3.0", wheel_sha=sha256_file(wheel), rows=len(keys), a=SIF_A), encoding="utf-8"
        )
        marker = {"tokenizer": "fugashi+unidic-lite", "keys": "ginza (Sudachi normalised forms)", "version": 1}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        for f in tmp.rglob("*"):
            # safetensors writes 0600 and mkdtemp makes 0700; the service may run as another user.
            f.chmod(0o755 if f.is_dir() else 0o644)
        tmp.chmod(0o755)
        check_model(tmp, keys, weights)
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    log.info("wrote %s (%.1f MB) in %.1f s", out, size / 1e6, time.perf_counter() - t0)
    log.info("model.safetensors sha256 %s", sha256_file(out / "model.safetensors"))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help="path to ja_ginza-5.3.0-py3-none-any.whl")
    parser.add_argument("out", type=Path, help="output model directory, e.g. models/ja-ginza-sif")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the build never needs the hub
    if not args.wheel.is_file():
        print(f"error: wheel not found: {args.wheel} (run `make model` to download it)", file=sys.stderr)
        return 2
    build(args.wheel, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
