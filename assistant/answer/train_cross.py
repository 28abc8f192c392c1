"""Training of the reranker (`assistant.answer.cross`), the last stage of `council train-reader`.

For mined questions whose answer the BM25 training index finds, the reader ranks the candidate sentences; the
reranker learns to put an answer sentence first among the reader's best `TOP` (a softmax over the group and a
"none answers" score, all answer sentences as the target). The same question asked of the index without its paper
and family has no answer: there the target is "none". Training questions come from the training split; the
reported top-1 and the answerability threshold (refusing ANSWER_FALSE_REFUSALS of the answerable questions) from
the validation split (asked the way people ask); neither holds a paper of the reserved quarter of the archive.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.cross import TOP, CrossEncoder, logit
from assistant.answer.examples import PER_PAPER, TOP_K, Pair, labels
from assistant.answer.features import feature_matrix, units_of
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import Reader
from assistant.question import Question
from ingest.language import version_base

TRAINED_LAYERS = 2  # the top layers fine-tuned; the ten below stay as bundled
QUESTIONS = 2500  # training questions (each with its reader's TOP candidates)
VALIDATION_QUESTIONS = 400
EPOCHS = 2
GROUPS_PER_STEP = 4
LEARNING_RATES = (3e-5, 1e-3)  # the encoder layers; the head, the reader's weight and the "none" score
ANSWER_FALSE_REFUSALS = 0.05  # share of answerable validation questions the answerability threshold may refuse


@dataclass(frozen=True)
class Group:
    """One question with the reader's best candidates, in the reader's order."""

    question: str
    texts: list[str]
    probs: np.ndarray
    y: np.ndarray  # 1: the candidate lies in the mined answer (all 0: nothing answers)


def groups_of(pairs: list[Pair], retriever: Any, idf: IdfLookup, reader: Reader, split: str, n: int,
              seed: int) -> list[Group]:
    """Up to `n` questions of `split` whose answer is among the reader's best TOP candidates, each also asked
    without its paper and family (nothing answers)."""
    pool_pairs = [p for p in pairs if p.split == split and not p.outcome and not p.pair_id.startswith("cloze:")]
    chosen = [pool_pairs[i] for i in np.random.default_rng(seed).permutation(len(pool_pairs))[:n]]
    groups: list[Group] = []
    for pair in chosen:
        asked = Question.of(pair.question)
        query = read_query(asked, idf)
        hits = retriever.search(asked, k=TOP_K + 12, per_paper=PER_PAPER, mode="bm25")
        base = version_base(pair.reference) if pair.reference else None
        others = [h for h in hits if h.doc_id not in pair.family
                  and not (base and version_base(h.meta.reference) == base)]
        found = _group(pair, query, hits[:TOP_K], retriever, reader, answerable=True)
        if found is not None:
            groups.append(found)
            missing = _group(pair, query, others[:TOP_K], retriever, reader, answerable=False)
            if missing is not None:
                groups.append(missing)
    return groups


def _group(pair: Pair, query: Any, kept: list[Any], retriever: Any, reader: Reader, answerable: bool) -> Group | None:
    pool = kept + retriever.context_hits(pair.question, kept) if kept else []
    units = units_of(pool, retriever.boilerplate)
    if not units:
        return None
    probs = reader.sentence(feature_matrix(query, pool, units))
    best = np.argsort(-probs, kind="stable")[:TOP]
    y = labels(units, pool, pair)[best] if answerable else np.zeros(len(best), dtype=np.float32)
    if answerable and not y.any():
        return None  # the answer is not among the candidates: neither a clean positive nor a clean "none"
    return Group(pair.question, [units[i].text for i in best], probs[best], y)


Lowered = tuple[Any, Any, Any, Any]  # a group's frozen layers' output, lengths, reader logits, labels


def top1(model: CrossEncoder, lowered: list[Lowered]) -> float:
    """Share of answerable groups whose best-scored candidate is an answer sentence."""
    import torch

    with torch.no_grad():
        return float(np.mean([bool(y[int(torch.argmax(model.upper(x, n, r)))]) for x, n, r, y in lowered
                              if y.any()]))


def answerabilities(model: CrossEncoder, lowered: list[Lowered]) -> tuple[np.ndarray, np.ndarray]:
    """Each group's probability that a candidate answers, and whether one does."""
    import torch

    with torch.no_grad():
        probs = [1.0 - float(torch.softmax(torch.cat([model.upper(x, n, r), model.null[None]]), 0)[-1])
                 for x, n, r, _y in lowered]
    return np.asarray(probs), np.asarray([bool(y.any()) for *_rest, y in lowered])


def _loss(model: CrossEncoder, group: Lowered) -> Any:
    import torch

    x, n, r, y = group
    s = torch.cat([model.upper(x, n, r), model.null[None]])
    target = s[:-1][y] if y.any() else s[-1:]
    return torch.logsumexp(s, 0) - torch.logsumexp(target, 0)


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
    layers, rest = model.parameters()[:-4], model.parameters()[-4:]
    opt = torch.optim.AdamW([{"params": layers, "lr": LEARNING_RATES[0]}, {"params": rest, "lr": LEARNING_RATES[1]}],
                            weight_decay=0.01)
    reader_top1 = float(np.mean([bool(g.y[0]) for g in validation if g.y.any()])) if validation else 0.0
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
    probs, answered = answerabilities(model, check_on)
    threshold = float(np.quantile(probs[answered], ANSWER_FALSE_REFUSALS)) if answered.any() else 0.5
    model.info = {"train_groups": len(fit_on), "validation_groups": len(check_on),
                  "validation_answerable": int(answered.sum()), "epochs": epochs, "seed": seed,
                  "validation_top1": round(top1(model, check_on), 4), "reader_validation_top1": round(reader_top1, 4),
                  "answer_threshold": round(threshold, 4), "false_refusals": ANSWER_FALSE_REFUSALS,
                  "refused_unanswerable": round(float((probs[~answered] < threshold).mean()), 4)
                  if (~answered).any() else 0.0,
                  "answerability_auc": round(_auc(probs, answered), 4)}
    progress(f"  Reranker: Schwelle {threshold:.3f} lehnt {ANSWER_FALSE_REFUSALS:.0%} der beantwortbaren und "
             f"{model.info['refused_unanswerable']:.1%} der unbeantwortbaren Validierungsfragen ab "
             f"(AUC {model.info['answerability_auc']:.3f})")
    return model


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that an answerable group scores above an unanswerable one (ties: half)."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return 0.5
    greater = (pos[:, None] > neg[None, :]).mean()
    return float(greater + 0.5 * (pos[:, None] == neg[None, :]).mean())


def run_stage(pairs: list[Pair], retriever: Any, reader: Reader, out: Path, seed: int,
              questions: int = QUESTIONS, validation_questions: int = VALIDATION_QUESTIONS) -> CrossEncoder:
    """Collects the groups, trains, writes `out`."""
    idf = IdfLookup(retriever.lexical)
    t0 = time.perf_counter()
    fit_on = groups_of(pairs, retriever, idf, reader, "train", questions, seed)
    check_on = groups_of(pairs, retriever, idf, reader, "validation", validation_questions, seed + 1)
    print(f"  Reranker: {len(fit_on) + len(check_on)} Kandidatengruppen, {time.perf_counter() - t0:.0f} s",
          flush=True)
    model = train(fit_on, check_on, seed, progress=lambda line: print(line, flush=True))
    model.save(out)
    print(f"Reranker: {out} ({out.stat().st_size // 1024} KB)")
    return model
