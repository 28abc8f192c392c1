"""Training of the reranker (`assistant.answer.cross`), the last stage of `council train-reader`.

For mined questions whose answer passage starts among the reader's best `TOP` candidates, the reranker learns to put
that first sentence first (a softmax over the group): the answer reads on from it. Training questions come from the
training split, the reported top-1 from the validation split (asked the way people ask); neither holds a paper of
the reserved quarter of the archive.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.cross import TOP, CrossEncoder, logit
from assistant.answer.features import Unit, feature_matrix, units_of
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import Reader
from assistant.question import Question
from assistant.training.examples import PER_PAPER, TOP_K, Pair, labels

TRAINED_LAYERS = 2  # the top layers fine-tuned; the ten below stay as bundled
QUESTIONS = 2500  # training questions (each with its reader's TOP candidates)
VALIDATION_QUESTIONS = 400
EPOCHS = 2
GROUPS_PER_STEP = 4
LEARNING_RATES = (3e-5, 1e-3)  # the encoder layers; the head and the reader's weight


@dataclass(frozen=True)
class Group:
    """One question with the reader's best candidates, in the reader's order."""

    question: str
    texts: list[str]
    probs: np.ndarray
    y: np.ndarray  # 1: the candidate is the first sentence of the mined answer


def questions_of(pairs: list[Pair], split: str, n: int, seed: int) -> list[Pair]:
    """`n` mined Anfrage questions of `split` in a seeded order (no outcome or cloze pairs)."""
    pool = [p for p in pairs if p.split == split and not p.outcome and not p.pair_id.startswith("cloze:")]
    return [pool[i] for i in np.random.default_rng(seed).permutation(len(pool))[:n]]


def candidates(pair: Pair, retriever: Any, idf: IdfLookup, reader: Reader) -> tuple[list[Unit], np.ndarray,
                                                                                     np.ndarray] | None:
    """The candidate sentences of the question's BM25 results as the reader's training retrieves them, the reader's
    probabilities and the labels of the mined answer (None: the answer was not retrieved)."""
    asked = Question.of(pair.question)
    hits = retriever.search(asked, k=TOP_K, per_paper=PER_PAPER, mode="bm25")
    pool = hits + retriever.context_hits(pair.question, hits)
    units = units_of(pool, retriever.boilerplate)
    y = labels(units, pool, pair) if units else np.zeros(0, dtype=np.float32)
    if not y.any():
        return None
    return units, reader.sentence(feature_matrix(read_query(asked, idf), pool, units)), y


def groups_of(pairs: list[Pair], retriever: Any, idf: IdfLookup, reader: Reader, split: str, n: int,
              seed: int) -> list[Group]:
    """Up to `n` questions of `split` whose answer passage starts among the reader's best TOP candidates."""
    groups: list[Group] = []
    for pair in questions_of(pairs, split, n, seed):
        found = candidates(pair, retriever, idf, reader)
        if found is None:
            continue
        units, probs, y = found
        best = np.argsort(-probs, kind="stable")[:TOP]
        # the answer starts with the passage's first sentence and reads on from it (`compose`): that is the target
        first = np.zeros(len(best), dtype=np.float32)
        among = [k for k, i in enumerate(best) if y[i] > 0]
        if among and min(int(best[k]) for k in among) == int(np.flatnonzero(y)[0]):
            first[min(among, key=lambda k: int(best[k]))] = 1.0
            groups.append(Group(pair.question, [units[i].text for i in best], probs[best], first))
    return groups


Lowered = tuple[Any, Any, Any, Any]  # a group's frozen layers' output, lengths, reader logits, labels


def top1(model: CrossEncoder, lowered: list[Lowered]) -> float:
    """Share of groups whose best-scored candidate is the answer's first sentence."""
    import torch

    with torch.no_grad():
        return float(np.mean([bool(y[int(torch.argmax(model.upper(x, n, r)))]) for x, n, r, y in lowered]))


def _loss(model: CrossEncoder, group: Lowered) -> Any:
    import torch

    x, n, r, y = group
    s = model.upper(x, n, r)
    return torch.logsumexp(s, 0) - torch.logsumexp(s[y], 0)


def train(train_groups: list[Group], validation: list[Group], seed: int, epochs: int = EPOCHS,
          progress: Any = print) -> CrossEncoder:
    import torch

    torch.manual_seed(seed)
    model = CrossEncoder(TRAINED_LAYERS)

    def lower(groups: list[Group]) -> list[tuple[Any, Any, Any, Any]]:
        out = []
        for g in groups:
            x, n = model.lower(g.question, g.texts)
            out.append((x, n, torch.from_numpy(logit(g.probs)), torch.from_numpy(g.y > 0)))
        return out

    t0 = time.perf_counter()
    fit_on, check_on = lower(train_groups), lower(validation)
    progress(f"  Reranker: {len(fit_on)} Trainings-, {len(check_on)} Validierungsfragen vorbereitet, "
             f"{time.perf_counter() - t0:.0f} s")
    layers, rest = model.parameters()
    opt = torch.optim.AdamW([{"params": layers, "lr": LEARNING_RATES[0]}, {"params": rest, "lr": LEARNING_RATES[1]}],
                            weight_decay=0.01)
    reader_top1 = float(np.mean([bool(g.y[0]) for g in validation])) if validation else 0.0
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        model.top.train()
        for k, i in enumerate(rng.permutation(len(fit_on))):
            (_loss(model, fit_on[i]) / GROUPS_PER_STEP).backward()
            if k % GROUPS_PER_STEP == GROUPS_PER_STEP - 1:
                opt.step()
                opt.zero_grad()
        model.top.eval()
        progress(f"  Reranker Epoche {epoch + 1}: Top-1 auf der Validierung {top1(model, check_on):.3f} "
                 f"(Lesemodell allein {reader_top1:.3f}), {time.perf_counter() - t0:.0f} s")
    model.info = {"train_questions": len(fit_on), "validation_questions": len(check_on), "epochs": epochs,
                  "seed": seed, "validation_top1": round(top1(model, check_on), 4),
                  "reader_validation_top1": round(reader_top1, 4)}
    return model


def run_stage(pairs: list[Pair], retriever: Any, reader: Reader, out: Path, seed: int,
              questions: int = QUESTIONS, validation_questions: int = VALIDATION_QUESTIONS) -> CrossEncoder:
    """Collects the groups, trains, and writes `out` only if the reranker puts the answer's first sentence first
    more often than the reader alone on the validation questions; else it removes `out` (a reranker of an earlier
    run must not stand beside weights it does not improve)."""
    idf = IdfLookup(retriever.lexical)
    t0 = time.perf_counter()
    fit_on = groups_of(pairs, retriever, idf, reader, "train", questions, seed)
    check_on = groups_of(pairs, retriever, idf, reader, "validation", validation_questions, seed + 1)
    print(f"  Reranker: Kandidaten von {len(fit_on) + len(check_on)} Fragen, {time.perf_counter() - t0:.0f} s",
          flush=True)
    model = train(fit_on, check_on, seed, progress=lambda line: print(line, flush=True))
    model.info["kept"] = model.info["validation_top1"] > model.info["reader_validation_top1"]
    if model.info["kept"]:
        model.save(out)
        print(f"Reranker: {out} ({out.stat().st_size // 1024} KB)")
    else:
        out.unlink(missing_ok=True)
        print(f"Reranker verworfen: Top-1 auf der Validierung {model.info['validation_top1']:.3f}, das Lesemodell "
              f"allein {model.info['reader_validation_top1']:.3f}; ohne {out.name}")
    return model
