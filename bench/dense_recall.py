"""Benchmark: recall and latency of Chroma's HNSW search against exact search, per `ef_search`.

    python -m bench.dense_recall INDEX_DIR [--ef 100,200,400,800,1500] [--n 60] [--k 100]

Embeds the first n gold questions (eval/questions.jsonl), asks the index's Chroma collection for the k
nearest chunks at each `ef_search`, and compares with the exact k nearest (all vectors, cosine, numpy).
Prints a table: ef_search, mean recall@k, worst recall@k, query p50/p95 (ms). The collection's setting
is restored to `index.vectors.SEARCH_EF` at the end. Chroma reads the setting when it loads the index,
so each `ef_search` runs in its own process.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from assistant.compose import make_embedder, vector_space
from assistant.settings import Settings
from eval.gold import load_questions
from index.vectors import SEARCH_EF, ChromaStore
from ingest.paths import REPO_ROOT


def main() -> None:

    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("--ef", default="100,200,400,800,1500")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)  # the row of one ef_search
    ns = ap.parse_args()
    if not ns.one:
        print(f"{ns.index}: k={ns.k}, {ns.n} questions")
        print("ef_search | vectors | recall@k mean | recall@k worst | query p50 ms | query p95 ms")
        print("---|---|---|---|---|---", flush=True)
        try:
            for ef in ns.ef.split(","):
                subprocess.run([sys.executable, "-m", "bench.dense_recall", ns.index, "--n", str(ns.n), "--k", str(ns.k),
                                "--one", ef], check=True)
        finally:
            _set_ef(Path(ns.index), SEARCH_EF)
        return
    settings = Settings().with_(index_dir=Path(ns.index))
    embedder = make_embedder(settings, "query")
    store = ChromaStore(settings.index_dir, vector_space(embedder), settings.chroma_url or None, search_ef=ns.one)
    if store.count() == 0:
        raise SystemExit(f"{ns.index}: keine Vektoren im Index")
    ids, matrix = store.vectors()  # unit length
    questions = load_questions(REPO_ROOT / "eval" / "questions.jsonl")[: ns.n]
    vectors = [embedder.embed_query(q.question) for q in questions]
    exact = []
    for v in vectors:
        sims = matrix @ (v / np.linalg.norm(v))
        exact.append({ids[i] for i in np.argsort(-sims)[: ns.k]})
    store.query(vectors[0], ns.k)  # warm-up (loads the index)
    recalls, times = [], []
    for v, truth in zip(vectors, exact, strict=True):
        t0 = time.perf_counter()
        found = {cid for cid, _sim in store.query(v, ns.k)}
        times.append(time.perf_counter() - t0)
        recalls.append(len(found & truth) / len(truth))
    t = np.array(times) * 1000
    print(f"{ns.one} | {len(ids)} | {np.mean(recalls):.3f} | {min(recalls):.2f} | {np.percentile(t, 50):.1f} | "
          f"{np.percentile(t, 95):.1f}", flush=True)


def _set_ef(index: Path, ef: int) -> None:

    settings = Settings().with_(index_dir=index)
    ChromaStore(settings.index_dir, vector_space(make_embedder(settings, "query")), settings.chroma_url or None, search_ef=ef)


if __name__ == "__main__":
    main()
