"""The Chroma store: exact enough nearest neighbours, and the search setting of older collections."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.vectors import SEARCH_EF, ChromaStore, collection_name


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _recall(store: ChromaStore, data: np.ndarray, queries: np.ndarray, k: int) -> float:
    found = 0
    for q in queries:
        truth = {f"c{i}" for i in np.argsort(-(data @ q))[:k]}
        found += len(truth & {cid for cid, _sim in store.query(q, k)})
    return found / (k * len(queries))


def _fill(index: Path, data: np.ndarray, search_ef: int = SEARCH_EF) -> ChromaStore:
    store = ChromaStore(index, "test-embedder", search_ef=search_ef)
    for start in range(0, len(data), 1000):
        part = data[start:start + 1000]
        store.upsert([f"c{i}" for i in range(start, start + len(part))], part, [{"doc_id": "d"}] * len(part))
    return store


def test_query_returns_nearly_the_exact_nearest_chunks(tmp_path: Path) -> None:
    # Chroma's default candidate list (100) finds only part of the 100 nearest (86 % on the evaluation
    # index); the answer's dense evidence and the refusal's similarity floor need the true neighbours
    rng = np.random.default_rng(7)
    data, queries = _unit(rng, 4000, 48), _unit(rng, 20, 48)  # at ef_search 100: 0.935
    store = _fill(tmp_path / "idx", data)
    assert _recall(store, data, queries, k=100) >= 0.99


def test_an_older_collection_gets_the_larger_search_setting(tmp_path: Path) -> None:
    import chromadb
    from chromadb.config import Settings

    path = tmp_path / "idx" / "chroma"
    path.mkdir(parents=True)
    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    client.get_or_create_collection(collection_name("old"), configuration={"hnsw": {"space": "cosine"}},
                                    embedding_function=None)
    assert client.get_collection(collection_name("old")).configuration["hnsw"]["ef_search"] < SEARCH_EF
    store = ChromaStore(tmp_path / "idx", "old")
    assert store.collection.configuration["hnsw"]["ef_search"] == SEARCH_EF
