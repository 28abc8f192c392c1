"""Benchmark: warm query latency and memory per index (retrieval and whole extractive answer).

    python -m bench.query INDEX_DIR [INDEX_DIR ...] [--modes bm25,hybrid] [--n 100]

Runs the gold questions (eval/questions.jsonl) against each index after one warm-up question and
prints a table: index, chunks, mode, n, retrieval p50/p95, the answer stage (further chunks of the best paper,
the reader, composing) p50/p95, the whole answer p50/p95 (ms), peak RSS (MB).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from assistant.compose import make_assistant
from assistant.settings import Settings
from eval.gold import load_questions
from ingest.paths import REPO_ROOT
from ingest.records import Access


def main() -> None:

    ap = argparse.ArgumentParser()
    ap.add_argument("indexes", nargs="+")
    ap.add_argument("--modes", default="bm25,hybrid")
    ap.add_argument("--n", type=int, default=100)
    ns = ap.parse_args()
    questions = [q for q in load_questions(REPO_ROOT / "eval" / "questions.jsonl")][: ns.n]
    print("index | chunks | mode | n | retrieve p50 ms | retrieve p95 ms | reader p50 ms | reader p95 ms | answer p50 ms | "
          "answer p95 ms | peak RSS MB")
    print("---|---|---|---|---|---|---|---|---|---|---")
    for index in ns.indexes:
        assistant = make_assistant(Settings().with_(index_dir=Path(index)))
        chunks = assistant.chunk_count
        for mode in ns.modes.split(","):
            if mode != "bm25" and not assistant.dense_ready():
                continue
            assistant.ask("Wie hoch sind die Kosten?", retrieval=mode)  # warm-up
            retrieve, reader, total = [], [], []
            for q in questions:
                history = [(t.question, t.answer) for t in q.history]
                t0 = time.perf_counter()
                answer = assistant.ask(q.question, history, retrieval=mode, clearance=Access.STAFF)
                total.append(time.perf_counter() - t0)
                retrieve.append(answer.timings.get("retrieve", 0.0))
                reader.append(answer.timings.get("answer", 0.0))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            r, s, a = np.array(retrieve) * 1000, np.array(reader) * 1000, np.array(total) * 1000
            print(f"{index} | {chunks} | {mode} | {len(total)} | {np.percentile(r, 50):.0f} | {np.percentile(r, 95):.0f} | "
                  f"{np.percentile(s, 50):.0f} | {np.percentile(s, 95):.0f} | "
                  f"{np.percentile(a, 50):.0f} | {np.percentile(a, 95):.0f} | {rss:.0f}")


if __name__ == "__main__":
    main()
