"""The paper ranker's training stage: each mined question (and each question worded as people ask) is asked of the
training index; its candidate papers' features and which of them is the paper that answers it form one group of
the listwise fit (`assistant.training.listwise`). The other papers of its family (versions, the Anfrage's
Stellungnahme) are left out of the group: they are neither the answer nor wrong.

Only the mined Anfrage questions, the agenda results and the people-worded questions take part: cloze questions
are built from a sentence and a title word and would teach the ranker to trust titles."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.question import Question
from assistant.retrieval.ranker import FEATURES, PaperRanker
from assistant.retrieval.retriever import Retriever
from assistant.training.closeness import PEOPLE_PREFIX
from assistant.training.examples import Pair
from assistant.training.listwise import fit_softmax

EPOCHS = 30


@dataclass(frozen=True)
class Group:
    """One question's candidate papers as the ranker sees them."""

    pair_id: str
    split: str
    kind: str  # "people" | "anfrage" | "outcome"
    x: np.ndarray
    positive: np.ndarray  # bool per candidate: the paper that answers


def kind_of(pair: Pair) -> str:
    return "people" if pair.pair_id.startswith(PEOPLE_PREFIX) else "outcome" if pair.outcome else "anfrage"


def collect(pairs: list[Pair], retriever: Retriever, progress: Callable[[int], None] | None = None) -> list[Group]:
    """A group for each pair whose paper is among its candidates (BM25: the training index has no vectors)."""
    groups = []
    for n, pair in enumerate(pairs, 1):
        found = retriever.candidates(Question.of(pair.question), mode="bm25")
        if progress:
            progress(n)
        if found is None:
            continue
        table, cands, _ev, _sparse = found
        ids = [table.docs[d] for d in cands.docs]
        keep = [i for i, doc_id in enumerate(ids) if doc_id == pair.paper_id or doc_id not in pair.family]
        positive = np.array([ids[i] == pair.paper_id for i in keep])
        if positive.any() and len(keep) > 1:
            groups.append(Group(pair.pair_id, pair.split, kind_of(pair), cands.x[keep], positive))
    return groups


def fit(groups: list[Group], seed: int, epochs: int = EPOCHS) -> PaperRanker:
    """Listwise on the training groups (each question counts once; weighing the kinds of question equally did not
    rank the validation questions better)."""
    train = [g for g in groups if g.split == "train"]
    mean, scale, w, b = fit_softmax([(g.x, g.positive) for g in train], seed, np.random.default_rng(seed), epochs)
    counts = {k: sum(g.kind == k for g in train) for k in sorted({g.kind for g in train})}
    return PaperRanker(mean, scale, w[:, 0], float(b[0]), {"seed": seed, "train_questions": counts})


def first_rate(rank: Callable[[np.ndarray], np.ndarray], groups: list[Group]) -> float:
    """Share of groups whose answering paper the scores put first."""
    return float(np.mean([g.positive[int(np.argmax(rank(g.x)))] for g in groups])) if groups else 0.0


def run_stage(pairs: list[Pair], retriever: Retriever, out: Path, seed: int,
              report: Callable[[str], None] = print) -> PaperRanker:
    """Collect, fit, report validation per kind against ranking by the chunk evidence alone, write `out`."""
    t0 = time.perf_counter()
    groups = collect([p for p in pairs if not p.pair_id.startswith("cloze")], retriever)
    report(f"Ranker: {len(groups)} Fragen mit ihrer Vorlage unter den Kandidaten, {time.perf_counter() - t0:.0f} s")
    ranker = fit(groups, seed)
    chunk = FEATURES.index("chunk")
    validation: dict[str, dict[str, float]] = {}
    for kind in sorted({g.kind for g in groups}):
        val = [g for g in groups if g.split == "validation" and g.kind == kind]
        validation[kind] = {"questions": len(val), "ranker": first_rate(ranker.score, val),
                            "chunk_only": first_rate(lambda x: x[:, chunk], val)}
        report(f"  {kind}: richtige Vorlage zuerst (Validierung, {len(val)} Fragen): {validation[kind]['ranker']:.3f} "
               f"(nur Abschnitte: {validation[kind]['chunk_only']:.3f})")
    report("  Gewichte: " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, ranker.weights, strict=True)))
    ranker = PaperRanker(ranker.mean, ranker.scale, ranker.weights, ranker.bias,
                         {**ranker.info, "validation_first": validation})
    out.write_text(json.dumps(ranker.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return ranker
