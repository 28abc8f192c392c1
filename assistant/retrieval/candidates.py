"""The candidate papers of one search and their features for the paper ranker (`assistant.retrieval.ranker`).

Candidates come from three sides: papers with matching chunks, the best papers by their whole text, the best by
their title. Each gets the features the ranker weighs (its `FEATURES`, in that order)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from assistant.question import Question
from assistant.retrieval import priors
from assistant.retrieval.papers import PaperTable
from assistant.retrieval.ranker import FEATURES, RECENCY_YEARS
from ingest.language import shift_months

PAPER_NEW = 10  # the best papers by their whole text join the candidates even without a matching chunk
TITLE_K, TITLE_NEW = 30, 5  # titles searched, and the best of them that join without a matching chunk
POINT_LEAD_MONTHS = 2  # a decision in December was prepared in October: papers written this much earlier count

ByDoc = dict[int, list[tuple[float, int]]]  # paper number -> (chunk score, row) of its matching chunks


@dataclass
class ChunkEvidence:
    """One search's chunk evidence: fused score per row and what each side contributed."""

    fused: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    lex_part: dict[int, float] = field(default_factory=dict)
    dense_part: dict[int, float] = field(default_factory=dict)
    lex_rank: dict[int, int] = field(default_factory=dict)
    dense_rank: dict[int, int] = field(default_factory=dict)
    dense_sim: dict[int, float] = field(default_factory=dict)
    dense_norm: dict[int, float] = field(default_factory=dict)
    coverage: np.ndarray | None = None  # row -> share of the question's terms in it (with a lexical side)


@dataclass
class Candidates:
    """Candidate papers (paper numbers), their matching chunks and one feature row each."""

    docs: list[int]
    by_doc: ByDoc
    x: np.ndarray  # len(docs) x len(FEATURES)
    doc_mask: np.ndarray | None = None  # the papers the search may return (None: all)
    context: np.ndarray | None = None  # a follow-up: paper number -> its match of the previous answer (0..1)


def candidates(table: PaperTable, question: Question, ev: ChunkEvidence, doc_mask: np.ndarray | None,
               lexical_side: bool) -> Candidates:
    """The papers the chunk evidence found, joined by the best whole-text and title matches (when the search has
    a lexical side) and, for a follow-up, by the best matches of the previous answer, with their features."""
    by_doc: ByDoc = defaultdict(list)
    context, joining = priors.context_match(table, question.context, doc_mask) if question.context else (None, [])
    for row, score in ev.fused.items():
        by_doc[int(table.doc_index[row])].append((score, row))
    feats: dict[int, dict[str, float]] = {}
    for d, items in by_doc.items():
        items.sort(reverse=True)
        best_lex = max((ev.lex_part.get(r, 0.0) for _s, r in items), default=0.0)
        best_dense = max((ev.dense_part.get(r, 0.0) for _s, r in items), default=0.0)
        # the best lexical and the best dense evidence may sit in different chunks (only the overview has a vector)
        lex_ranks = [ev.lex_rank[r] for _s, r in items if r in ev.lex_rank]
        feats[d] = {"chunk": max(items[0][0], best_lex + best_dense), "support": sum(s for s, _ in items[1:3]),
                    "chunks_found": math.log1p(len(items)), "lex_rank": 1.0 / min(lex_ranks) if lex_ranks else 0.0,
                    "cover_chunk": max((float(ev.coverage[r]) for _s, r in items), default=0.0)
                    if ev.coverage is not None else 0.0}
    for d in joining:
        if d not in feats:
            feats[d] = {}
            by_doc.setdefault(d, [])
    if lexical_side:
        _whole_text(table, question.text, doc_mask, feats, by_doc)
        _titles(table, question.text, doc_mask, feats, by_doc)
    docs = list(feats)
    x = np.zeros((len(docs), len(FEATURES)), dtype=np.float64)
    col = {name: i for i, name in enumerate(FEATURES)}
    for i, d in enumerate(docs):
        for name, value in feats[d].items():
            x[i, col[name]] = value
    if docs:
        _time_features(table, question, docs, x, col)
    return Candidates(docs, by_doc, x, doc_mask, context)


def _whole_text(table: PaperTable, text: str, doc_mask: np.ndarray | None, feats: dict[int, dict[str, float]],
                by_doc: ByDoc) -> None:
    if table.papers is None:
        return
    scores = table.papers.scores(text)
    if doc_mask is not None:
        scores = np.where(doc_mask, scores, 0.0)
    top = float(scores.max()) if len(scores) else 0.0
    if top <= 0:
        return
    for d in np.argpartition(-scores, min(PAPER_NEW, len(scores) - 1))[:PAPER_NEW].tolist():
        if scores[d] > 0 and d not in feats:
            feats[d] = {}
            by_doc.setdefault(d, [])
    cover = table.papers.coverage(text)
    for d, f in feats.items():
        f["paper"] = float(scores[d]) / top
        f["cover_paper"] = float(cover[d])


def _titles(table: PaperTable, text: str, doc_mask: np.ndarray | None, feats: dict[int, dict[str, float]],
            by_doc: ByDoc) -> None:
    if table.titles is None:
        return
    found = table.titles.search(text, k=TITLE_K, mask=doc_mask)
    top = found[0][1] if found else 1.0
    cover = table.titles.coverage(text)
    for d, f in feats.items():
        f["cover_title"] = float(cover[d])
    for rank, (d, score) in enumerate(found):
        if d not in feats:
            if rank >= TITLE_NEW:
                continue
            feats[d] = {"paper": 0.0, "cover_title": float(cover[d])}
            by_doc.setdefault(d, [])
        feats[d]["title"] = score / top


def _time_features(table: PaperTable, question: Question, docs: list[int], x: np.ndarray, col: dict[str, int]) -> None:
    """Age, and whether the paper was written or discussed when the question says. A year the question names
    ("Wie viele Menschen haben 2023 die Einbürgerung beantragt?") counts from the second half of the year before to
    the end of the year after (a year's figures are reported in the next one); years after the newest paper are
    targets ("bis 2040"), not times of writing. A point in time ("im Dezember 2024") counts for papers discussed at
    a meeting then, or written in it or up to POINT_LEAD_MONTHS before."""
    years_q = [y for y in question.years_written if y <= table.newest_year]
    written = [(f"{y - 1:04d}-07-01", f"{y + 2:04d}-01-01") for y in years_q]
    point = question.point
    point_written = [(shift_months(point[0], -POINT_LEAD_MONTHS), point[1])] if point else []
    for i, d in enumerate(docs):
        year = int(table.years[d]) if table.years is not None else 0
        age = (table.newest_year - year) if year else RECENCY_YEARS * 2
        x[i, col["recency"]] = max(0.0, 1.0 - age / RECENCY_YEARS)
        x[i, col["age"]] = age / 20.0
        meta = table.doc_meta[d]
        date = str(meta.get("date") or "")[:10]
        x[i, col["year"]] = float(bool(date) and any(a <= date < b for a, b in written))
        if point:
            met = any(point[0] <= m < point[1] for m in meta.get("meetings", ()))
            x[i, col["point"]] = float(met or (bool(date) and any(a <= date < b for a, b in point_written)))
        x[i, col["size"]] = math.log(table.sizes[d]) if table.sizes is not None else 0.0
