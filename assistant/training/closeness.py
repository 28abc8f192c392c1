"""How close a question is to the passages retrieved for it, and the closeness below which it goes unanswered.

The reader's answerability, learned from the councils' Anfragen, does not carry over to questions people write
(they word a question otherwise than the Anfrage its answer was written for, so every sentence looks like a poor
answer). The e5 similarity of the question to its best retrieved passage does carry over: it is calibrated here,
on validation questions worded as people ask them (`assistant.training.people`; without those, the mined
questions shortened as people ask, `train.load_pairs`), against the top passages of a
BM25 search with and without their own paper, as the index would embed them (header and text), and the sentence
windows of the best of them (`ingest.language.sentence_windows`): the measure the assistant applies
(`Retriever.closeness`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.question import Question
from assistant.retrieval.dense import WINDOW_CHUNKS
from assistant.training.examples import PER_PAPER, TOP_K, Pair
from index.catalog import Catalog
from index.embedders import Embedder
from ingest.language import sentence_windows

PEOPLE_PREFIX = "people:"  # questions written as people ask them (`assistant.training.people`): where there are any,
# the floor is calibrated on them alone
CLOSENESS_QUESTIONS = 300  # validation questions asked for the calibration (each once with, once without its paper)
CLOSENESS_FALSE_REFUSALS = 0.2  # share of answerable validation questions the closeness floor may refuse


@dataclass(frozen=True)
class Closeness:
    """The calibrated floor and what it does on the validation questions."""

    threshold: float
    answerable: int
    unanswerable: int
    refused_unanswerable: float
    false_refusals: float

    def to_json(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "answerable": self.answerable, "unanswerable": self.unanswerable,
                "refused_unanswerable": self.refused_unanswerable, "false_refusals": self.false_refusals}


def closeness(question: str, texts: list[str], queries: Embedder, passages: Embedder,
              window_texts: Sequence[str] = ()) -> float | None:
    """Cosine similarity of the question to its closest passage: one of `texts` (as the index embeds them) or a
    sentence window of one of `window_texts` (the best chunks' texts); None without passages."""
    windows = [w for text in window_texts for w in sentence_windows(text)]
    if not texts and not windows:
        return None
    q = np.asarray(queries.embed_query(question), dtype=np.float32)
    m = np.asarray(passages.embed_passages(texts + windows), dtype=np.float32)
    q /= max(float(np.linalg.norm(q)), 1e-12)
    m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    return float((m @ q).max())


def calibrate(pairs: list[Pair], retriever: Any, catalog: Catalog, queries: Embedder, passages: Embedder, seed: int,
              n: int = CLOSENESS_QUESTIONS, false_refusals: float = CLOSENESS_FALSE_REFUSALS,
              progress: Callable[[int], None] | None = None) -> Closeness:
    """The closeness floor that refuses `false_refusals` of `n` validation questions whose paper is found, measured
    also on the same questions with their paper and its family taken out (nothing answers them)."""
    pool = [p for p in pairs if p.split == "validation" and p.pair_id.startswith(PEOPLE_PREFIX)] or \
        [p for p in pairs if p.split == "validation" and not p.outcome and not p.pair_id.startswith("cloze:")]
    rng = np.random.default_rng(seed)
    chosen = [pool[i] for i in rng.permutation(len(pool))[:n]]
    found, missing = [], []
    for k, pair in enumerate(chosen):
        hits = retriever.search(Question.of(pair.question), k=TOP_K + 12, per_paper=PER_PAPER, mode="bm25")
        with_paper = hits[:TOP_K]
        without = [h for h in hits if h.doc_id not in pair.family][:TOP_K]
        if any(h.doc_id == pair.paper_id for h in with_paper):
            found.append(_closeness_of(pair.question, with_paper, catalog, queries, passages))
        missing.append(_closeness_of(pair.question, without, catalog, queries, passages))
        if progress is not None:
            progress(k + 1)
    yes = np.asarray([c for c in found if c is not None], dtype=np.float64)
    no = np.asarray([c for c in missing if c is not None], dtype=np.float64)
    threshold = float(np.quantile(yes, false_refusals)) if len(yes) else 0.0
    return Closeness(round(threshold, 4), int(len(yes)), int(len(no)),
                     float((no < threshold).mean()) if len(no) else 0.0, false_refusals)


def _closeness_of(question: str, hits: list[Any], catalog: Catalog, queries: Embedder,
                  passages: Embedder) -> float | None:
    texts = catalog.index_texts([h.chunk_id for h in hits])
    return closeness(question, [texts[h.chunk_id] for h in hits if h.chunk_id in texts], queries, passages,
                     [h.text for h in hits[:WINDOW_CHUNKS]])
