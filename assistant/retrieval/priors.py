"""What moves a paper beyond the learned ranking (`assistant.retrieval.ranker`): the city a question names, the
conversation, the paper type or outcome asked for, newer versions, sparse dense evidence. None of these has
training data (the mined questions are of one city, without follow-ups or version choices), so they stay rules.

The city and the conversation add to the ranker's logits; the others change `doc_scores` (paper number -> the
paper's likelihood as a share of the best one's) in place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from assistant.question import Question
from assistant.retrieval.papers import PaperTable
from ingest.language import base_reference, version_base

Scores = dict[int, float]

# a follow-up question stays with the papers the conversation is about: papers whose whole text matches the
# previous answer gain up to this many logits of the ranker (about the median lead of the best paper over the
# runner-up on the team's questions: the follow-up's own words still decide against a clear lead)
CONTEXT_LOGIT = 8.0
CONTEXT_NEW = 3  # best context papers that join the candidates even without evidence of their own
# a city the question names ("in Erlangen"): the other cities' papers lose this many logits, more than the best
# paper's usual lead over the fifth
OTHER_CITY_LOGIT = 12.0
RERANK_K = 10  # sparse dense: the best papers whose order the overview similarity may change
RERANK_W = 0.05  # ... by up to this share of the best paper's score


def context_match(table: PaperTable, context: str, doc_mask: np.ndarray | None) -> tuple[np.ndarray, list[int]]:
    """A follow-up ("Und wer trägt das Theater eigentlich?") is about the papers the previous answer came from:
    per paper the share of the best paper-level BM25 match of that answer (0..1), and the CONTEXT_NEW best
    matches, which join the candidates."""
    n = len(table.docs)
    if table.papers is None:
        return np.zeros(n), []
    scores = table.papers.scores(context)
    if doc_mask is not None:
        scores = np.where(doc_mask, scores, 0.0)
    top = float(scores.max()) if n else 0.0
    if top <= 0:
        return np.zeros(n), []
    best = np.argpartition(-scores, min(CONTEXT_NEW, n - 1))[:CONTEXT_NEW].tolist()
    return scores / top, [d for d in best if scores[d] > 0]


def city_logits(table: PaperTable, question: Question, docs: list[int]) -> np.ndarray:
    """Minus OTHER_CITY_LOGIT for the papers of other cities than one the question names (0 where it names none)."""
    named = table.bodies_in(question.text)
    if not named:
        return np.zeros(len(docs))
    return np.array([-OTHER_CITY_LOGIT if table.doc_meta[d].get("body") not in named else 0.0 for d in docs])


def prefer_named_type(table: PaperTable, question: Question, doc_scores: Scores, keep: set[int]) -> None:
    """A paper type named in the question: among versions of one Drucksache those of that type lead."""
    named = question.named_types
    if named:
        prefer_within_versions(table, doc_scores, keep, lambda m: m.get("paper_type", "").lower() in named)


def prefer_decided(table: PaperTable, question: Question, doc_scores: Scores, keep: set[int]) -> None:
    """A question about the outcome: among versions of one Drucksache, those with a deciding consultation result
    lead (an Antrag referred on to its /1 version, which the council then decided)."""
    if question.asks_outcome:
        prefer_within_versions(table, doc_scores, keep, lambda m: bool(m.get("decided")))


def prefer_within_versions(table: PaperTable, doc_scores: Scores, keep: set[int],
                           prefer: Callable[[dict[str, Any]], bool]) -> None:
    """Among the versions of one Drucksache, those for which `prefer(meta)` holds lead.

    Only the order inside each group changes (the group's scores are handed out anew); `keep` (pinned) stays.
    """
    metas = table.doc_meta
    groups: dict[str, list[int]] = defaultdict(list)
    for d in doc_scores:
        ref = version_base(metas[d].get("reference", ""))
        if ref and d not in keep:
            groups[ref].append(d)
    for members in groups.values():
        matching = [d for d in members if prefer(metas[d])]
        if not matching or len(matching) == len(members):
            continue
        scores = sorted((doc_scores[d] for d in members), reverse=True)
        order = sorted(members, key=lambda d: (d not in matching, -doc_scores[d]))
        for d, score in zip(order, scores, strict=True):
            doc_scores[d] = score


def demote_superseded(table: PaperTable, doc_scores: Scores) -> None:
    """Among hits that are versions of one paper (same base reference or same title), keep the newest first."""
    groups: dict[str, list[int]] = defaultdict(list)
    for d in doc_scores:
        m = table.doc_meta[d]
        groups[base_reference(m.get("reference", "")) or m.get("title", "").lower()].append(d)
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda d: table.doc_meta[d].get("date", ""), reverse=True)
        best = max(doc_scores[d] for d in members)
        for i, d in enumerate(members):
            doc_scores[d] = best - i * 1e-4 if i == 0 else doc_scores[d] * 0.2


def dense_tiebreak(table: PaperTable, doc_scores: Scores, dense_norm: dict[int, float], keep: set[int]) -> None:
    """Sparse vectors: the best papers gain up to RERANK_W of the top score by their overview similarity."""
    top_docs = sorted(doc_scores, key=lambda d: -doc_scores[d])[:int(RERANK_K)]
    if not top_docs:
        return
    best_sim: dict[int, float] = {}
    for row, norm in dense_norm.items():
        d = int(table.doc_index[row])
        best_sim[d] = max(best_sim.get(d, 0.0), norm)
    best = doc_scores[top_docs[0]]
    for d in top_docs:
        if d not in keep:
            doc_scores[d] += RERANK_W * best * best_sim.get(d, 0.0)
