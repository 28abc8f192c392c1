"""The paper ranker: which of the candidate papers a question is about, learned from the councils' own questions.

A search gathers candidate papers from three sides (their best chunks, their whole text, their title). What each
side counts for, and how much a paper's age and the years or points in time the question names count, is a
linear score over the candidates' features, trained listwise (`assistant.training.train_ranker`): within each
mined training question the softmax over its candidates puts its mass on the paper that answers it. The weights
(`ranker.json`, a few hundred bytes) ship beside this module; `council train-reader --ranker-only` reproduces them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RANKER_PATH = Path(__file__).resolve().parent / "ranker.json"
RECENCY_YEARS = 10  # the recency feature falls from 1 (a paper of the index's newest year) to 0 over this many

FEATURES = (
    "chunk",  # the paper's best chunk evidence (BM25, or BM25 and dense fused), max-normalised over the search
    "support",  # its second and third best chunks
    "chunks_found",  # how many of its chunks the chunk search found (log)
    "lex_rank",  # 1 / rank of its best chunk in the BM25 chunk search (0 when none)
    "cover_chunk",  # the most of the question's terms (idf-weighted share) one of its found chunks contains
    "cover_paper",  # the share its whole text contains
    "cover_title",  # the share its title and type contain
    "paper",  # paper-level BM25 of its whole text, over the best paper's
    "title",  # BM25 of its title and type, over the best title's (0 beyond the best 30)
    "recency",  # 1 for the index's newest year, 0 for papers RECENCY_YEARS older or more
    "age",  # years older than the index's newest paper, over 20
    "year",  # written in or around a year the question names (the second half of the year before to the year after)
    "point",  # discussed at, or written shortly before, a point in time the question names
    "size",  # the paper's number of chunks (log): long papers match many words somewhere
)


@dataclass(frozen=True)
class PaperRanker:
    """Standardised features, one linear layer: a score per candidate paper (higher ranks first)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    info: dict[str, Any]

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "bias": self.bias, "info": self.info}

    @staticmethod
    def from_json(data: dict[str, Any]) -> PaperRanker:
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError("ranker.json was trained on other features: run `council train-reader --ranker-only`")
        return PaperRanker(np.asarray(data["mean"], dtype=np.float64), np.asarray(data["scale"], dtype=np.float64),
                           np.asarray(data["weights"], dtype=np.float64), float(data["bias"]), dict(data.get("info", {})))

    @staticmethod
    def load(path: Path = RANKER_PATH) -> PaperRanker:
        try:
            return PaperRanker.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
