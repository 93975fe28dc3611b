"""Sentence embeddings for the search index: a thin, offline-only wrapper around a local SentenceTransformer dir."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Marker file written by tools/build_ja_static.py: the model expects space-joined ginza keys.
PRETOKENIZE_MARKER = "ja_pretokenize.json"
_BATCH_SIZE = 64
_THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCH_NUM_THREADS")
_DEFAULT_THREADS = 2
# Files that document a model but do not change its vectors stay out of the fingerprint.
_UNHASHED = frozenset({"README.md", "LICENSE", "NOTICE"})


class JaPretokenizer:
    """Turns Japanese text into space-joined vocabulary keys of a ginza-derived static model."""

    def __init__(self, vocab: Mapping[str, int], *, sudachi: bool = True) -> None:
        from ingest.tokenize import CONTENT_POS, tokenize

        self._vocab = vocab
        self._sudachi = sudachi  # False only to measure what the UniDic forms alone find
        self._content_pos = CONTENT_POS
        self._tokenize = tokenize
        self._key_cache: dict[tuple[str, str], str | None] = {}

    @property
    def vocab(self) -> Mapping[str, int]:
        return self._vocab

    def key_of(self, lemma: str, surface: str) -> str | None:
        """Return the first vocabulary form of a word (lemma, surface, NFKC, NFKC-lower), or None."""
        if (lemma, surface) in self._key_cache:
            return self._key_cache[(lemma, surface)]
        key: str | None = None
        # ginza keys are Sudachi normalised forms; the UniDic lemma matches most, the surface the
        # rest (e.g. つながる exists where the lemma 繋がる does not), NFKC fixes full-width Latin, and
        # Sudachi's own normalised form finds the others (Customer -> カスタマー, 指し -> 差し).
        forms = [lemma, surface]
        if self._sudachi:
            from search.sudachi import normalized_word

            forms += [f for f in (normalized_word(surface), normalized_word(lemma)) if f]
        for form in forms:
            nfkc = unicodedata.normalize("NFKC", form)
            for candidate in (form, nfkc, nfkc.lower()):
                if candidate and candidate in self._vocab:
                    key = candidate
                    break
            if key is not None:
                break
        if len(self._key_cache) < 200_000:  # bounded: long-running services see open-ended text
            self._key_cache[(lemma, surface)] = key
        return key

    def analyse(self, text: str) -> tuple[str, int, int]:
        """Return (space-joined keys of the known content words, known content words, all content words)."""
        keys: list[str] = []
        total = 0
        for token in self._tokenize(text):
            if token.pos not in self._content_pos:
                continue
            total += 1
            key = self.key_of(token.lemma, token.surface)
            if key is not None:
                keys.append(key)
        return " ".join(keys), len(keys), total


class Embedder:
    """Encodes queries and documents into L2-normalised float32 vectors with one local model."""

    def __init__(
        self,
        model: Any,
        model_id: str,
        *,
        pretokenizer: JaPretokenizer | None = None,
        query_prefix: str = "",
        document_prefix: str = "",
    ) -> None:
        self._model = model
        self._pretokenizer = pretokenizer
        self.model_id = model_id
        self.dimension = int(model.get_embedding_dimension())
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        self.pretokenizes = pretokenizer is not None
        # numpy and fugashi survive a fork; torch's thread pools do not (ingest.forked), and torch
        # already spreads one encode over every core.
        self.fork_safe = isinstance(model, NumpyStaticModel)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Return one unit row per query (all zeros when the model knows none of its words)."""
        return self._encode(texts, self.query_prefix)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Return one unit row per document (all zeros when the model knows none of its words)."""
        return self._encode(texts, self.document_prefix)

    def known_word_share(self, text: str) -> float:
        """Return the share of the text's content words in the model vocabulary (1.0 without pre-tokenising)."""
        if self._pretokenizer is None:
            return 1.0
        _, known, total = self._pretokenizer.analyse(text)
        return known / total if total else 0.0

    def vocabulary_hits(self, texts: list[str], *, sudachi: bool = True) -> tuple[int, int]:
        """(content words that find a vector, content words) over texts, with or without Sudachi's
        normalised forms as a fallback; (0, 0) for a model that reads raw text."""
        if self._pretokenizer is None:
            return 0, 0
        pretokenizer = JaPretokenizer(self._pretokenizer.vocab, sudachi=sudachi)
        known = total = 0
        for text in texts:
            _, k, t = pretokenizer.analyse(text)
            known, total = known + k, total + t
        return known, total

    def word_neighbours(self, words: list[tuple[str, str]], k: int = 5) -> list[list[str]]:
        """For each (lemma, surface), the k vocabulary words nearest to it (cosine of word vectors);
        empty for an unknown word or a model without a word table (transformers). One matrix product
        for all words. Used to paraphrase pseudo-queries."""
        weights = getattr(self._model, "weights", None)
        if self._pretokenizer is None or weights is None or not words:
            return [[] for _ in words]
        keys = [self._pretokenizer.key_of(lemma, surface) for lemma, surface in words]
        rows = sorted({self._model.vocab[key] for key in keys if key is not None})
        if not rows:
            return [[] for _ in words]
        norms = np.linalg.norm(weights, axis=1, keepdims=True)
        unit = np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0)
        similarity = unit[rows] @ unit.T
        similarity[np.arange(len(rows)), rows] = -1.0
        best = np.argpartition(-similarity, k, axis=1)[:, :k]
        index_of = {row: i for i, row in enumerate(rows)}
        words_of = {i: w for w, i in self._model.vocab.items()}
        out: list[list[str]] = []
        for key in keys:
            if key is None:
                out.append([])
                continue
            i = index_of[self._model.vocab[key]]
            order = best[i][np.argsort(-similarity[i, best[i]])]
            out.append([words_of[int(j)] for j in order if int(j) in words_of])
        return out

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got one str")
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._pretokenizer is not None:
            # A static word model gets bare keys: a prefix such as "query: " would only add noise words.
            inputs = [self._pretokenizer.analyse(t)[0] for t in texts]
        else:
            inputs = [prefix + t for t in texts]
        vectors = self._model.encode(
            inputs,
            batch_size=_BATCH_SIZE,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,  # F.normalize keeps an all-zero row at zero
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


STATIC_MODULES = (
    "sentence_transformers.sentence_transformer.modules.static_embedding.StaticEmbedding",
    "sentence_transformers.base.modules.normalize.Normalize",
)


class NumpyStaticModel:
    """The same maths as StaticEmbedding + Normalize (mean of word rows, then L2), in numpy.

    Serving only needs a table lookup, so the service need not import torch for the default model:
    a worker starts in about a second instead of five. tests/search prove the vectors equal
    SentenceTransformer's.
    """

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file

        tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
        self.vocab: dict[str, int] = tokenizer["model"]["vocab"]
        self.unk = self.vocab.get(tokenizer["model"].get("unk_token") or "", None)
        self.weights = load_file(str(model_dir / "model.safetensors"))["embedding.weight"].astype(np.float32)

    @staticmethod
    def eligible(model_dir: Path) -> bool:
        try:
            modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
            tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (tuple(m.get("type") for m in modules) == STATIC_MODULES
                and tokenizer.get("model", {}).get("type") == "WordLevel" and tokenizer.get("normalizer") is None
                and tokenizer.get("pre_tokenizer") == {"type": "WhitespaceSplit"})

    def get_embedding_dimension(self) -> int:
        return int(self.weights.shape[1])

    def encode(self, inputs: list[str], **_options) -> np.ndarray:
        out = np.zeros((len(inputs), self.weights.shape[1]), dtype=np.float32)
        for row, text in enumerate(inputs):
            ids = [self.vocab.get(word, self.unk) for word in text.split()]
            ids = [i for i in ids if i is not None]
            if ids:
                out[row] = self.weights[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def fingerprint(model_dir: Path) -> str:
    """Return a sha256 over the names and bytes of the files that define the model's vectors."""
    dirs = [model_dir]
    modules = model_dir / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")):
            # A module without config (e.g. Normalize in older models) may have no directory at all.
            if module.get("path") and (model_dir / module["path"]).is_dir():
                dirs.append(model_dir / module["path"])
    digest = hashlib.sha256()
    for directory in dirs:
        for f in sorted(p for p in directory.iterdir() if p.is_file()):
            if f.name in _UNHASHED or f.name.startswith("."):
                continue
            digest.update(f.relative_to(model_dir).as_posix().encode() + b"\0")
            with open(f, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def _resolve_model_dir(model_path: str | os.PathLike) -> Path:
    raw = os.fspath(model_path)
    path = Path(raw).expanduser()
    if not path.exists():
        if not raw.startswith((".", "/", "~")) and raw.count("/") == 1:
            raise FileNotFoundError(
                f"embedding model {raw!r} is not a local directory; hub ids are never downloaded here: "
                f"save the model to a directory first (SentenceTransformer({raw!r}).save(DIR) where the hub "
                "is reachable) and point EMBEDDING_MODEL at DIR"
            )
        raise FileNotFoundError(f"embedding model directory not found: {raw} (run `make model` for the default)")
    if not path.is_dir():
        raise ValueError(f"embedding model path is not a directory: {raw}")
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ValueError(f"not a sentence-transformers model directory (no modules.json or config.json): {raw}")
    return path.resolve()


def _limit_threads() -> None:
    # A small default keeps an index build from starving the web workers; explicit settings win.
    if any(os.environ.get(name) for name in _THREAD_ENV):
        return
    import torch

    torch.set_num_threads(max(1, min(_DEFAULT_THREADS, os.cpu_count() or 1)))


@functools.cache
def _sentence_transformer_class() -> Callable[..., Any]:
    # HF_HUB_OFFLINE is read when huggingface_hub is first imported, so set it before that import.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer


def load_embedder(
    model_path: str | os.PathLike, *, query_prefix: str = "", document_prefix: str = "",
    backend: str = os.environ.get("KG_EMBEDDING_BACKEND", "auto"),
) -> Embedder:
    """Load a sentence-transformers model from an existing local directory (never from a hub).

    backend "auto" serves static word models with NumpyStaticModel (same vectors, no torch);
    "sentence-transformers" always loads the model with SentenceTransformer.
    """
    model_dir = _resolve_model_dir(model_path)
    start = time.perf_counter()
    pretokenize = (model_dir / PRETOKENIZE_MARKER).is_file()
    if backend == "auto" and NumpyStaticModel.eligible(model_dir):
        model: Any = NumpyStaticModel(model_dir)
        vocab = model.vocab
    else:
        _limit_threads()
        sentence_transformer = _sentence_transformer_class()
        model = sentence_transformer(
            str(model_dir),
            # Static word models are fastest on CPU; transfers to an accelerator would cost more than the maths.
            device="cpu" if pretokenize else None,
            local_files_only=True,
            trust_remote_code=False,
        )
        vocab = model[0].tokenizer.get_vocab() if pretokenize else {}
    pretokenizer = None
    if pretokenize:
        pretokenizer = JaPretokenizer(vocab)
        if query_prefix or document_prefix:
            log.warning("%s pre-tokenises its input: query/document prefixes are ignored", model_dir.name)
    model_id = f"{model_dir.name}@{fingerprint(model_dir)[:12]}"
    log.info("loaded embedding model %s (%.2f s, pre-tokenise=%s)", model_id, time.perf_counter() - start, pretokenize)
    return Embedder(
        model, model_id, pretokenizer=pretokenizer, query_prefix=query_prefix, document_prefix=document_prefix
    )
