"""The reader: how likely each candidate sentence answers the question, and whether the question is answered.

Both models are small networks over `features.FEATURES`, trained by `council train-reader` on question/answer
pairs mined from the councils' own papers (`assistant.training.mine`); their weights and the thresholds chosen
on the mined validation split ship as `reader.json` beside this module. Where the reranker's weights lie beside
them (`cross.npz`, `assistant.answer.cross`), it orders the best candidates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.cross import CrossEncoder
from assistant.answer.features import FEATURES, KINDS, Unit, feature_matrix
from assistant.answer.presence import NounPresence
from assistant.answer.query import Query
from assistant.types import Hit
from ingest.language import is_question_like, months_in_digits, sentence_terms, split_sentences

WEIGHTS_PATH = Path(__file__).resolve().parent / "reader.json"
CROSS_FILE = "cross.npz"  # the reranker's weights, beside the reader's
ANSWER_FEATURES = (
    "p1", "p2", "p3_mean", "p_top_paper", "logit_p1", "cov_best", "cov_any", "cov_top3", "missing_noun_top3",
    "missing_noun_best_paper", "n_terms", "fills_best", "asks_value", *(f"asks_{k}" for k in KINDS),
)


class ReaderMissingError(RuntimeError):
    """No trained reader weights: run `council train-reader`."""


@dataclass(frozen=True)
class Network:
    """Standardised inputs, then ReLU layers, then one logistic output (a plain logistic model has no layers)."""

    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.scale
        for k, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if k < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(h[:, 0], -30, 30)))

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "layers": [{"w": w.tolist(), "b": b.tolist()} for w, b in self.layers]}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Network:
        layers = tuple((np.asarray(layer["w"], dtype=np.float32), np.asarray(layer["b"], dtype=np.float32))
                       for layer in data["layers"])
        return Network(np.asarray(data["mean"], dtype=np.float32), np.asarray(data["scale"], dtype=np.float32), layers)


@dataclass(frozen=True)
class Reading:
    """The reader's view of one retrieval result."""

    units: list[Unit]
    probs: np.ndarray  # per unit: probability that it answers (part of) the question
    answerable: float  # probability that the question is answered by these units at all


class Reader:
    """Scores candidate sentences and the answerability of a question, with the shipped thresholds."""

    def __init__(self, sentence: Network, answer: Network, thresholds: dict[str, float], info: dict[str, Any],
                 presence: NounPresence, cross: CrossEncoder | None = None) -> None:
        self.sentence = sentence
        self.answer = answer
        self.thresholds = thresholds
        self.info = info
        self.presence = presence
        self.cross = cross

    @staticmethod
    def load(path: Path = WEIGHTS_PATH, rerank: bool = True) -> Reader:
        """The reader of `path`, with the reranker whose weights lie beside it (`cross.npz`) unless `rerank` is off."""
        if not path.is_file():
            raise ReaderMissingError(f"Keine Gewichte des Lesemodells unter {path}: bitte `council train-reader` ausführen")
        data = json.loads(path.read_text(encoding="utf-8"))
        if list(data["features"]) != list(FEATURES) or list(data["answer_features"]) != list(ANSWER_FEATURES):
            raise ReaderMissingError(f"{path} passt nicht zu diesen Merkmalen: bitte `council train-reader` neu ausführen")
        return Reader(Network.from_json(data["sentence"]), Network.from_json(data["answer"]), data["thresholds"],
                      data.get("info", {}), NounPresence.from_json(data.get("noun_presence")),
                      CrossEncoder.load(path.with_name(CROSS_FILE)) if rerank else None)

    @property
    def answer_threshold(self) -> float:
        """Below this answerability the assistant says that the documents do not answer."""
        return float(self.thresholds["answer"])

    @property
    def closeness_threshold(self) -> float | None:
        """Below this e5 similarity of the question to its closest retrieved passage the documents do not answer
        (`assistant.training.closeness`); None in weights from before the calibration."""
        value = self.thresholds.get("closeness")
        return None if value is None else float(value)

    @property
    def passage_threshold(self) -> float:
        """A sentence below this probability does not join an answer as a supporting passage."""
        return float(self.thresholds["passage"])

    def read(self, query: Query, hits: list[Hit], units: list[Unit]) -> Reading:
        x = feature_matrix(query, hits, units)
        probs = self.sentence(x) if len(units) else np.zeros(0, dtype=np.float32)
        if self.cross is not None:
            probs = self.cross.rerank(query.text, [u.text for u in units], probs)
        a = answer_features(evidence_of(query, hits, units, x), probs, self.presence)
        return Reading(units, probs, float(self.answer(a[None, :])[0]))


Absent = tuple[tuple[str, float], ...]  # (noun stem, its idf relative to the question's largest)


@dataclass(frozen=True)
class Evidence:
    """What the answerability model needs of one retrieval result besides the sentence probabilities."""

    x: np.ndarray  # the units' FEATURES
    unit_paper: np.ndarray  # unit -> paper number in retrieval order (0: the lead paper)
    paper_absent: tuple[Absent, ...]  # paper number -> the question's nouns its retrieved statements do not name
    top3_absent: Absent  # ... that none of the three best chunks names
    cov_top3: float
    n_terms: float
    kinds: frozenset[str]


def evidence_of(query: Query, hits: list[Hit], units: list[Unit], x: np.ndarray) -> Evidence:
    papers: dict[str, int] = {}
    for h in hits:
        papers.setdefault(h.doc_id, len(papers))
    texts: list[list[str]] = [[] for _ in papers]
    seen = [_seen(h) for h in hits]
    for h, text in zip(hits, seen, strict=True):
        texts[papers[h.doc_id]].append(text)
    top3 = _found(query, seen[:3])
    return Evidence(x, np.asarray([papers[hits[u.hit_index].doc_id] for u in units], dtype=np.int32),
                    tuple(_absent(query, _found(query, t)) for t in texts), _absent(query, top3),
                    1.0 - _absent_share(query, top3), float(np.log1p(len(query.weights)) / 3.0), query.kinds)


def paper_absent(query: Query, hits: list[Hit]) -> Absent:
    """The question's nouns that the statements of `hits` (together) do not name."""
    return _absent(query, _found(query, [_seen(h) for h in hits]))


def _seen(hit: Hit) -> str:
    """What a chunk states about its paper: its sentences except the questions it restates (a detail that only a
    question names is asked, not answered), the paper's title and its date in words (a paper of October 2025 speaks
    of "this year"; a decision "am 14.10." was taken in October)."""
    section = hit.meta.section
    statements = " ".join(s for s in split_sentences(hit.text) if not is_question_like(s, section))
    date = hit.meta.date
    return " ".join([statements, hit.meta.title, date, months_in_digits(f"{statements} {date}")])


def answer_features(ev: Evidence, probs: np.ndarray, presence: NounPresence) -> np.ndarray:
    """ANSWER_FEATURES of one question from its evidence and its units' probabilities; an absent noun counts by how
    often an answering paper names such a noun (`presence`)."""
    col = {name: j for j, name in enumerate(FEATURES)}
    f = dict.fromkeys(ANSWER_FEATURES, 0.0)
    f["n_terms"] = ev.n_terms
    for k in KINDS:
        f[f"asks_{k}"] = float(k in ev.kinds)
    f["asks_value"] = float(any(k in ev.kinds for k in ("money", "count", "amount", "date", "company")))
    f["missing_noun_top3"], f["cov_top3"] = _weigh(ev.top3_absent, presence), ev.cov_top3
    if len(probs):
        order = np.argsort(-probs, kind="stable")
        best = int(order[0])
        f["p1"] = float(probs[best])
        f["p2"] = float(probs[order[1]]) if len(order) > 1 else 0.0
        f["p3_mean"] = float(probs[order[:3]].mean())
        lead = ev.unit_paper == 0
        f["p_top_paper"] = float(probs[lead].max()) if lead.any() else 0.0
        f["logit_p1"] = float(np.log(max(f["p1"], 1e-6) / max(1.0 - f["p1"], 1e-6)) / 10.0)
        f["cov_best"] = float(ev.x[best, col["cov"]])
        f["cov_any"] = float(ev.x[:, col["cov"]].max())
        f["fills_best"] = float(any(ev.x[best, col[f"fills_{k}"]] for k in KINDS))
        f["missing_noun_best_paper"] = _weigh(ev.paper_absent[ev.unit_paper[best]], presence)
    return np.asarray([f[name] for name in ANSWER_FEATURES], dtype=np.float32)


def _weigh(absent: Absent, presence: NounPresence) -> float:
    return max((share * presence(stem) for stem, share in absent), default=0.0)


def _found(query: Query, texts: list[str]) -> frozenset[str]:
    stems: set[str] = set()
    for text in texts:
        stems |= sentence_terms(text)
    return query.matched(stems)


def _absent(query: Query, found: frozenset[str]) -> Absent:
    """The question's nouns and years not `found` in the texts, each with its idf relative to the question's
    largest: people word a question with verbs of their own that the answer need not repeat, but a thing or year it
    asks about that the found text never names may be a detail the documents lack."""
    if not query.weights:
        return ()
    top = max(w for _t, w in query.weights)
    return tuple((t, w / top) for t, w in query.weights if t in query.nouns and t not in found)


def _absent_share(query: Query, found: frozenset[str]) -> float:
    """The idf-weighted share of the question's terms not `found`."""
    if not query.weights:
        return 0.0
    return sum(w for t, w in query.weights if t not in found) / query.total
