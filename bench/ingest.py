"""Benchmark: parse + clean + chunk + BM25 (and optionally embeddings) at several corpus sizes.

    python -m bench.ingest [--archive] [--sizes 100,500] [--embed N]

Prints a table: corpus, documents, chunks, MB of text, seconds per stage, MB/s, peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from assistant.compose import make_embedder, make_store, vector_space
from assistant.settings import Settings
from ingest.paths import corpus_root, data_home
from ingest.pipeline import Pipeline
from ingest.sources.oparl_mirror import OParlMirrorSource, unpack_archive


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def run(label: str, source: object, embed: int, workers: int) -> dict[str, object]:

    index = Path(tempfile.mkdtemp(prefix="council-bench-"))
    settings = Settings().with_(index_dir=index)
    embedder = make_embedder(settings, purpose="ingest") if embed else None
    factory = (lambda: make_store(settings, vector_space(embedder))) if embedder else None
    pipe = Pipeline(index, embedder, factory, workers=workers)
    t0 = time.perf_counter()
    summary = pipe.run([(label, source)], embed=bool(embed), embed_limit=embed or None)  # type: ignore[list-item]
    total = time.perf_counter() - t0
    chars = sum(len(t) for _c, _d, t in pipe.catalog.iter_chunks())
    t1 = time.perf_counter()
    again = pipe.run([(label, source)], embed=False)  # type: ignore[list-item]
    rerun = time.perf_counter() - t1
    counts = pipe.catalog.counts()
    pipe.close()
    shutil.rmtree(index, ignore_errors=True)
    row = {
        "corpus": label, "docs": summary.documents_seen, "chunks": counts["chunks"], "text_mb": chars / 1e6,
        "read+parse": summary.timings.get("read+parse", 0.0), "clean+chunk": summary.timings.get("clean+chunk", 0.0)
        + summary.timings.get("clean+chunk (wait)", 0.0), "catalog": summary.timings.get("catalog", 0.0),
        "bm25": summary.timings.get("lexical", 0.0), "total_s": total, "mb_per_s": chars / 1e6 / max(total, 1e-9),
        "rerun_s": rerun, "rerun_unchanged": again.documents_unchanged, "peak_rss_mb": peak_rss_mb(),
    }
    if embed:
        emb_time = summary.timings.get("embed", 0.0)
        row["embedded"] = summary.chunks_embedded
        row["embed_s"] = emb_time
        row["pipeline_embed_s"] = emb_time + summary.timings.get("chroma", 0.0)
    return row


def main() -> None:

    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", action="store_true", help="the full archive (14,004 papers)")
    ap.add_argument("--embed", type=int, default=0, help="also embed this many chunks")
    ap.add_argument("--workers", type=int, default=2)
    ns = ap.parse_args()
    rows = []
    root = corpus_root()
    rows.append(run("karlsruhe (507 Vorlagen)", OParlMirrorSource(root / "karlsruhe"), ns.embed, ns.workers))
    if ns.archive:
        unpacked = unpack_archive(root / "archive" / "karlsruhe-oparl-full.tar.zst", data_home() / "archives" / "karlsruhe-oparl-full")
        rows.append(run("Archiv (14.004 Vorlagen)", OParlMirrorSource(unpacked), 0, ns.workers))
    keys = list(rows[0].keys())
    print(" | ".join(keys))
    print(" | ".join("---" for _ in keys))
    for r in rows:
        print(" | ".join(f"{r.get(k, ''):.1f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys))


if __name__ == "__main__":
    main()
