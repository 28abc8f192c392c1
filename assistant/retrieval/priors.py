"""What moves a paper up or down beyond its text match: its title, its age, the city, point in time or year a
question names, the conversation, the paper type or outcome question for, newer versions, sparse dense evidence.

Each function changes `doc_scores` (paper number -> score) in place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from assistant.question import Question
from assistant.retrieval.papers import PaperTable
from ingest.language import (
    base_reference,
    shift_months,
    version_base,
)

Scores = dict[int, float]
ByDoc = dict[int, list[tuple[float, int]]]  # paper number -> (chunk score, row) of its matching chunks

TITLE_WEIGHT = 0.2  # bonus for papers whose title matches the question
RECENCY_WEIGHT = 0.2  # newer papers get up to this share more score (decays over RECENCY_YEARS)
RECENCY_YEARS = 10
PAPER_WEIGHT = 3.0  # weight of the max-normalised paper score (chunk evidence counts 1.0)
PAPER_NEW = 10  # best papers by paper score that join the ranking even without a top chunk
POINT_WEIGHT = 0.05  # papers discussed at a point in time the question names gain this share of the top score
POINT_LEAD_MONTHS = 2
YEAR_WEIGHT = 0.03  # papers written in or just around a year the question names ("2023 beantragt") gain this share
# a follow-up question stays with the papers the conversation is about: papers whose whole text matches the
# previous answer gain up to this share of the top score (the follow-up's own words still decide among them)
CONTEXT_WEIGHT = 0.25
CONTEXT_NEW = 3  # best context papers that join the ranking even without evidence of their own
RERANK_K = 10  # sparse dense: the best papers whose order the overview similarity may change
RERANK_W = 0.05  # ... by up to this share of the best paper's score


def paper_evidence(table: PaperTable, question: Question, doc_scores: Scores, by_doc: ByDoc, doc_mask: np.ndarray | None,
                   w_lex: float) -> None:
    """Add the paper-level BM25 score (whole paper as one text); its best papers join the ranking."""
    if PAPER_WEIGHT and w_lex > 0:
        add_paper_match(table, question.text, doc_scores, by_doc, doc_mask, w_lex * PAPER_WEIGHT, PAPER_NEW)


def add_paper_match(table: PaperTable, text: str, doc_scores: Scores, by_doc: ByDoc, doc_mask: np.ndarray | None,
                    gain: float, join: int, keep: frozenset[int] | set[int] = frozenset()) -> None:
    """Papers whose whole text matches `text` (paper-level BM25) gain up to `gain` (the best match all of
    it, the others in proportion); the `join` best matches enter the ranking even without evidence."""
    if table.papers is None:
        return
    scores = table.papers.scores(text)
    if doc_mask is not None:
        scores = np.where(doc_mask, scores, 0.0)
    top = float(scores.max()) if len(scores) else 0.0
    if top <= 0:
        return
    unit = gain / top
    for d in doc_scores:
        if d not in keep:
            doc_scores[d] += unit * float(scores[d])
    if join:
        for d in np.argpartition(-scores, min(join, len(scores) - 1))[:join].tolist():
            if scores[d] > 0 and d not in doc_scores:
                doc_scores[d] = unit * float(scores[d])
                by_doc.setdefault(d, [])


def title_and_body(table: PaperTable, question: Question, doc_scores: Scores, by_doc: ByDoc,
                   doc_mask: np.ndarray | None) -> None:
    """Papers whose title matches the question rank higher, newer papers a little; a city named in the question
    narrows."""
    if table.titles is not None:
        found = table.titles.search(question.text, k=30, mask=doc_mask)
        top_title = found[0][1] if found else 1.0
        for rank, (d, score) in enumerate(found):
            bonus = TITLE_WEIGHT * score / top_title
            if d in doc_scores:
                doc_scores[d] += bonus
            elif rank < 5:
                doc_scores[d] = bonus
                by_doc.setdefault(d, [])
    if RECENCY_WEIGHT and table.years is not None:
        for d in doc_scores:
            year = table.years[d]
            if year:
                doc_scores[d] *= 1.0 + RECENCY_WEIGHT * max(0.0, 1.0 - (table.newest_year - year) / RECENCY_YEARS)
    named = table.bodies_in(question.text)
    if named:
        for d in doc_scores:
            if table.doc_meta[d].get("body") not in named:
                doc_scores[d] *= 0.5


def point_in_time_prior(table: PaperTable, question: Question, doc_scores: Scores) -> None:
    """A question about a point in time ("im Dezember 2024", "im Herbst 2023") favours the papers discussed then:
    a meeting in that period, or the paper itself written in it or up to POINT_LEAD_MONTHS before (a December
    decision was prepared in October)."""
    window = question.point
    if window is None or not POINT_WEIGHT or not doc_scores:
        return
    start, end = window
    favour_period(table, doc_scores, POINT_WEIGHT, [(shift_months(start, -POINT_LEAD_MONTHS), end)], [window])


def year_prior(table: PaperTable, question: Question, doc_scores: Scores) -> None:
    """A question naming a year ("Wie viele Menschen haben 2023 die Einbürgerung beantragt?") favours the papers
    written about it: from the second half of the year before to the end of the year after (a year's figures are
    reported in the next one). Years after the newest paper are targets ("bis 2040", "World Games 2029"), not times
    of writing, and count for nothing."""
    years = [y for y in question.years_written if y <= table.newest_year]
    if not years or not YEAR_WEIGHT or not doc_scores:
        return
    favour_period(table, doc_scores, YEAR_WEIGHT, [(f"{y - 1:04d}-07-01", f"{y + 2:04d}-01-01") for y in years])


def favour_period(table: PaperTable, doc_scores: Scores, weight: float, written: list[tuple[str, str]],
                  met: list[tuple[str, str]] | None = None) -> None:
    """Papers dated within one of the `written` periods [start, end), or discussed at a meeting within one of the
    `met` periods, gain `weight` times the top score."""
    top = max(doc_scores.values())
    for d in doc_scores:
        meta = table.doc_meta[d]
        date = str(meta.get("date") or "")[:10]
        if (date and any(start <= date < end for start, end in written)) or \
                any(start <= m < end for m in meta.get("meetings", ()) for start, end in met or ()):
            doc_scores[d] += weight * top


def context_prior(table: PaperTable, context: str, doc_scores: Scores, by_doc: ByDoc, doc_mask: np.ndarray | None,
                  keep: set[int]) -> None:
    """A follow-up ("Und wer trägt das Theater eigentlich?") is about the papers the previous answer came from:
    papers whose whole text matches that answer gain up to CONTEXT_WEIGHT of the top score."""
    if CONTEXT_WEIGHT and doc_scores:
        gain = CONTEXT_WEIGHT * max(doc_scores.values())
        add_paper_match(table, context, doc_scores, by_doc, doc_mask, gain, CONTEXT_NEW, keep)


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
