"""Dense vectors in Chroma: embedded PersistentClient by default, a `chroma run` server by URL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


# HNSW candidate list at query time. Chroma's default (100) found only 86 % of the true 100 nearest chunks
# on the evaluation index (as few as 71 % for some questions), and which ones differed from process to
# process; 800 finds 99.4 % at 4 ms (bench/dense_recall.py). The retriever searches exactly over `vectors()`
# up to `assistant.retrieval.dense.EXACT_MAX` vectors; this setting serves larger stores and other clients.
SEARCH_EF = 800


class VectorStoreError(RuntimeError):
    """Chroma could not be opened or reached."""


def collection_name(embedder_name: str) -> str:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", embedder_name).strip("-").lower()
    return f"chunks-{slug}"[:60]


class ChromaStore:
    """One collection per embedder; ids are chunk ids; no default embedding function is ever used."""

    def __init__(self, index_dir: Path, embedder_name: str, server_url: str | None = None,
                 search_ef: int = SEARCH_EF) -> None:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False, allow_reset=False)
        try:
            if server_url:
                parsed = urlparse(server_url if "://" in server_url else f"http://{server_url}")
                self.client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                    ssl=parsed.scheme == "https", settings=settings,
                )
                self.location = server_url
            else:
                path = index_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=settings)
                self.location = str(path)
            self.name = collection_name(embedder_name)
            self.collection = self.client.get_or_create_collection(
                self.name,
                configuration={"hnsw": {"space": "cosine", "ef_search": search_ef}},
                embedding_function=None,
                metadata={"embedder": embedder_name},
            )
            self._ensure_search_ef(search_ef)
        except Exception as exc:  # chromadb raises many types; we report one clear error
            raise VectorStoreError(f"Chroma unter {server_url or index_dir} nicht verfügbar: {exc}") from exc

    def _ensure_search_ef(self, search_ef: int) -> None:
        """Set the query-time candidate list of a collection created with another one (a mutable setting,
        read when a process loads the index)."""
        hnsw = (self.collection.configuration or {}).get("hnsw") or {}
        if int(hnsw.get("ef_search") or 0) != search_ef:
            self.collection.modify(configuration={"hnsw": {"ef_search": search_ef}})

    def count(self) -> int:
        return int(self.collection.count())

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        if ids:
            self.collection.upsert(ids=ids, embeddings=vectors.astype(np.float32), metadatas=metadatas)  # type: ignore[arg-type]

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        """New filter metadata for vectors that stay (only ids already in the collection)."""
        present = set(self.collection.get(ids=ids, include=[])["ids"]) if ids else set()
        pairs = [(i, m) for i, m in zip(ids, metadatas, strict=True) if i in present]
        if pairs:
            self.collection.update(ids=[i for i, _ in pairs], metadatas=[m for _, m in pairs])

    def delete(self, ids: list[str] | set[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 2000):
            self.collection.delete(ids=ids[start:start + 2000])

    def _pages(self, include: list[str], batch: int) -> Iterator[Any]:
        """The whole collection, `batch` records at a time."""
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=batch, offset=offset)  # type: ignore[arg-type]
            yield got
            if len(got["ids"]) < batch:
                return
            offset += batch

    def all_ids(self) -> set[str]:
        return {cid for got in self._pages([], 5000) for cid in got["ids"]}

    def vectors(self, batch: int = 10000) -> tuple[list[str], np.ndarray]:
        """All ids and their vectors scaled to unit length (for exact search in the process)."""
        ids: list[str] = []
        blocks: list[np.ndarray] = []
        for got in self._pages(["embeddings"], batch):
            if got["ids"] and got["embeddings"] is not None:
                ids += got["ids"]
                blocks.append(np.asarray(got["embeddings"], dtype=np.float32))
        if not blocks:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.vstack(blocks)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return ids, matrix

    def query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks."""
        n = self.count()
        if n == 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector.astype(np.float32).tolist()], n_results=min(k, n), where=where or None,
            include=["distances"],
        )
        distances = res["distances"]
        assert distances is not None
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], distances[0], strict=True)]
