"""Hybrid retrieval: Drucksache lookup, BM25 + dense fused per paper, filters, linked papers."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.question import Question
from assistant.retrieval import priors
from assistant.retrieval.dense import WINDOW_CHUNKS, DenseIndex
from assistant.retrieval.papers import PaperTable
from assistant.types import ChunkMeta, Hit
from index.boilerplate import Boilerplate
from index.catalog import Catalog
from index.lexical import LexicalIndex
from ingest.records import Access

# Fusion constants, measured on eval/questions.jsonl (see the issue notes); the priors are in `priors`
LEXICAL_WEIGHT = 0.65  # hybrid: weight of the max-normalised BM25 score against the dense similarity
SUPPORT_WEIGHT = 0.05  # further matching chunks of the same paper add this share of their score
# few chunks with vectors (e.g. only each paper's overview chunk, title/type/date/submitter): the dense similarity
# then only breaks near-ties among the best papers instead of adding evidence of its own: a few overview
# vectors say too little about a paper's body to count as evidence
SPARSE_COVERAGE = 0.5  # share of chunks with a vector below which dense counts as sparse
# ... unless this share of the papers' lead chunks (overview + first body chunks, `--embed-scope lead`)
# has vectors: dense then sees body text and takes its full part in the fusion
CONTEXT_CHUNKS = 8  # further chunks of the best paper that the reader may quote from


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


class Retriever:
    """Reads one index folder (catalog, BM25, Chroma) and answers search requests."""

    def __init__(self, index_dir: Path, embedder: Any = None, store: Any = None,
                 passages: Callable[[], Any] | None = None) -> None:
        """`embedder` embeds questions; `passages` makes the embedder of the ingest, for chunks without a vector."""
        self.index_dir = index_dir
        self.catalog = Catalog(index_dir / "catalog.sqlite")
        self.dense = DenseIndex(self.catalog, embedder, store, passages)
        self._lock = threading.Lock()
        self.lexical: LexicalIndex | None = None
        self.table: PaperTable | None = None
        self.reload()

    @property
    def embedder(self) -> Any:
        return self.dense.embedder

    @property
    def store(self) -> Any:
        return self.dense.store

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the lexical index and the paper table (after an ingest)."""
        folder = self.index_dir / "lexical"
        self.dense.reset()  # lead masks and exact vectors are by row
        self.boilerplate = Boilerplate.load(folder)  # lines recurring across many papers (empty if none)
        if not LexicalIndex.exists(folder):
            self.lexical, self.table = None, None
            return
        lexical = LexicalIndex.load(folder)
        table = PaperTable.load(self.catalog, lexical)
        with self._lock:
            self.lexical, self.table = lexical, table

    @property
    def empty(self) -> bool:
        return self.lexical is None or not self.lexical.chunk_ids

    def dense_coverage(self) -> float:
        """Share of the index's chunks that have a vector (0 without dense search)."""
        return self.dense.coverage if self.dense_ready() else 0.0

    def dense_ready(self) -> bool:
        """Dense search is configured and the store holds vectors."""
        return self.dense.ready(self.table)

    def warm(self) -> None:
        """Read the vectors for exact search now (a server calls this at start, so that the first
        question does not wait for them: the archive's 70k vectors take 3 s), and, while chunks lack vectors (also
        while none has one yet), load the embedder that embeds them for the closeness."""
        if self.dense_ready():
            self.dense.exact_vectors(self.table)
            if self.dense.coverage < 1.0:
                self.dense.passage_embedder()
        elif self.dense.embeds_now(self.table):
            self.dense.passage_embedder()

    # --- search --------------------------------------------------------------------------------
    def search(self, question: Question, k: int = 8, per_paper: int = 2, mode: str = "hybrid",
               timings: dict[str, float] | None = None) -> list[Hit]:
        """The best chunks for `question` within its filters, at most `per_paper` per document, papers ranked as
        wholes. A follow-up's context (the previous answer) favours the papers it came from
        (`priors.context_prior`)."""
        timings = timings if timings is not None else {}
        query, filters = question.text, question.filters
        table, lexical = self.table, self.lexical
        if self.empty or table is None or lexical is None:
            return []
        doc_mask = table.mask(filters, question.clearance)
        row_mask = doc_mask[table.doc_index] if doc_mask is not None else None
        use_dense = mode in {"hybrid", "dense"} and self.dense_ready()
        w_lex = 1.0 if mode == "bm25" or not use_dense else (0.0 if mode == "dense" else LEXICAL_WEIGHT)
        # few chunks with vectors, only overviews (hybrid): dense only reorders the best papers (`dense_tiebreak`)
        sparse = use_dense and w_lex > 0 and self.dense.coverage < SPARSE_COVERAGE \
            and self.dense.lead_coverage < SPARSE_COVERAGE
        # lead vectors complete, further body vectors only for some papers (a budgeted or running embedding):
        # dense evidence comes from the lead chunks alone, which every paper has, not from the few embedded bodies
        mixed = use_dense and not sparse and self.dense.coverage < SPARSE_COVERAGE
        ev = ChunkEvidence()
        if mode in {"hybrid", "bm25"}:
            t0 = time.perf_counter()
            self._lexical_evidence(lexical, query, row_mask, w_lex, ev)
            timings["lexical"] = time.perf_counter() - t0
        if use_dense:
            kept = self.dense.nearest(query, table, row_mask, filters, mixed, timings)
            _dense_evidence(kept, w_lex, sparse, ev)
        t0 = time.perf_counter()
        doc_scores, by_doc = _paper_scores(table, ev)
        self._rank(table, question, doc_scores, by_doc, doc_mask, w_lex, ev, sparse)
        searched = self.dense.searched_rows(table, mixed) if use_dense and not sparse else None
        hits = self._collect(table, query, doc_scores, by_doc, ev, k, per_paper, searched)
        timings["fuse"] = time.perf_counter() - t0
        return hits

    def closeness(self, query: str, hits: list[Hit], enough: float | None = None) -> float | None:
        """The e5 similarity of `query` to its closest passage (None without an embedder, or with a vector store that
        is down): a hit's chunk, or a window of consecutive sentences of one of the best `WINDOW_CHUNKS` hits
        (minutes and Vorlagen cover several topics in one chunk; a question about one of them is close to its
        sentences, not to the chunk's average). A hit the search gave no similarity (its chunk has no vector yet,
        as in an archive embedded for its lead chunks, or one beyond the dense neighbours) is embedded now, in rank
        order, and the windows after that, until something is at least `enough`: the question is then close
        enough, whatever the rest. So also while no chunk has a vector yet (`DenseIndex.embeds_now`): the search
        is lexical then, the refusal is not."""
        table = self.table
        if not hits or table is None or not (self.dense_ready() or self.dense.embeds_now(table)):
            return None
        known = [h.meta.dense_similarity for h in hits if h.meta.dense_similarity is not None]
        best = max(known, default=-1.0)
        unknown = [h.chunk_id for h in hits if h.meta.dense_similarity is None]
        if enough is not None and best >= enough:
            return best
        for _cid, sim in self.dense.similarities(query, unknown, table):
            best = max(best, sim)
            if enough is not None and best >= enough:
                return best
        for hit in hits[:WINDOW_CHUNKS]:
            window = self.dense.window_similarity(query, hit.chunk_id, hit.text)
            if window is not None:
                best = max(best, window)
            if enough is not None and best >= enough:
                break
        return best

    @staticmethod
    def _lexical_evidence(lexical: LexicalIndex, query: str, row_mask: np.ndarray | None, w_lex: float,
                          ev: ChunkEvidence) -> None:
        results = lexical.search(query, k=300, mask=row_mask)
        top = results[0][1] if results else 1.0
        for rank, (row, score) in enumerate(results):
            ev.lex_rank[row] = rank + 1
            ev.fused[row] += w_lex * score / top
            ev.lex_part[row] = w_lex * score / top

    @staticmethod
    def _rank(table: PaperTable, question: Question, doc_scores: dict[int, float],
              by_doc: priors.ByDoc, doc_mask: np.ndarray | None, w_lex: float, ev: ChunkEvidence, sparse: bool) -> None:
        """The paper evidence and priors on top of the chunk evidence; exact Drucksache numbers first, with their
        Anfrage/Stellungnahme partners."""
        priors.paper_evidence(table, question, doc_scores, by_doc, doc_mask, w_lex)
        pinned = table.pinned(question.references, doc_mask)
        top_score = max(doc_scores.values(), default=0.0)
        for rank, d in enumerate(pinned):
            doc_scores[d] = top_score + 1.0 - rank * 0.01
            if d not in by_doc:
                by_doc[d] = []
        if question.filters is not None and question.filters.only_current:
            priors.demote_superseded(table, doc_scores)
        priors.title_and_body(table, question, doc_scores, by_doc, doc_mask)
        priors.point_in_time_prior(table, question, doc_scores)
        priors.year_prior(table, question, doc_scores)
        keep = set(pinned)
        if question.context:
            priors.context_prior(table, question.context, doc_scores, by_doc, doc_mask, keep)
        if sparse and ev.dense_norm:
            priors.dense_tiebreak(table, doc_scores, ev.dense_norm, keep)
        priors.prefer_named_type(table, question, doc_scores, keep)
        priors.prefer_decided(table, question, doc_scores, keep)

    def _collect(self, table: PaperTable, query: str, doc_scores: dict[int, float], by_doc: priors.ByDoc,
                 ev: ChunkEvidence, k: int, per_paper: int, searched: np.ndarray | None = None) -> list[Hit]:
        """The best `per_paper` chunks of each paper in ranking order, until `k` chunks. Where some of a paper's
        candidate chunks cannot be found by the dense search (`searched`: an archive embedded for its lead chunks,
        a demo still embedding), its chunks are chosen by their lexical evidence: a lead chunk's similarity says the
        paper is about the question, not that the lead answers better than a body chunk without a vector."""
        hits: list[Hit] = []
        for d in sorted(doc_scores, key=lambda d: -doc_scores[d]):
            if searched is not None and not all(searched[row] for _s, row in by_doc[d]):
                ordered = sorted(by_doc[d], key=lambda item: (ev.lex_part.get(item[1], 0.0), item[0]), reverse=True)
            else:
                ordered = sorted(by_doc[d], reverse=True)
            rows = [row for _s, row in ordered][:per_paper]
            if not rows:
                rows = self._best_rows_of_doc(table, d, query)[:per_paper]
            for row in rows:
                hits.append(self._hit(row, doc_scores[d] + ev.fused.get(row, 0.0) * 1e-3,
                                      ev.lex_rank.get(row), ev.dense_rank.get(row), ev.dense_sim.get(row)))
            if len(hits) >= k:
                break
        return hits[:k]

    def context_hits(self, query: str, hits: list[Hit], limit: int = CONTEXT_CHUNKS) -> list[Hit]:
        """Further chunks of the best paper, its overview first, then the most query-like: its answer often sits
        outside the two retrieved. Appended after `hits`, they add sentences without changing the paper ranking."""
        if not hits or limit <= 0 or self.lexical is None or self.table is None:
            return []
        have = {h.chunk_id for h in hits}
        doc_id = hits[0].doc_id
        chunks = [(cid, text, meta) for cid, text, meta in self.catalog.doc_chunks(doc_id) if cid not in have]
        if not chunks:
            return []
        scores = self.lexical.scores(query)
        row_of = self.table.row_of

        def lexical_score(cid: str) -> float:
            row = row_of.get(cid)
            return float(scores[row]) if row is not None else 0.0

        chunks.sort(key=lambda c: (c[2].get("file_id") != "overview", -lexical_score(c[0])))
        base = hits[0].score
        return [Hit(chunk_id=cid, doc_id=doc_id, text=text, score=base - 1e-3 * (k + 1), meta=ChunkMeta.of({**meta, "context": True}))
                for k, (cid, text, meta) in enumerate(chunks[:limit])]

    def _best_rows_of_doc(self, table: PaperTable, d: int, query: str) -> list[int]:
        assert self.lexical is not None
        rows = np.nonzero(table.doc_index == d)[0]
        if len(rows) == 0:
            return []
        scores = self.lexical.scores(query)[rows]
        order = np.argsort(-scores, kind="stable")
        return [int(rows[i]) for i in order]

    def _hit(self, row: int, score: float, lex: int | None, dense: int | None, sim: float | None) -> Hit:
        assert self.lexical is not None
        cid = self.lexical.chunk_ids[row]
        doc_id, text, meta = self.catalog.chunks([cid]).get(cid, ("", "", {}))
        return Hit(chunk_id=cid, doc_id=doc_id, text=text, score=score, meta=ChunkMeta.of({**meta, "dense_similarity": sim}),
                   lexical_rank=lex, dense_rank=dense)

    # --- documents ----------------------------------------------------------------------------
    def linked_documents(self, doc_id: str, clearance: Access) -> list[dict[str, Any]]:
        """Papers linked to `doc_id` that a reader of `clearance` may read: Anfrage <-> Stellungnahme by reference,
        related/super/subordinated."""
        rec = self.catalog.document(doc_id)
        if rec is None or self.table is None or not clearance.allows(str(rec.get("access") or "public")):
            return []
        out: dict[str, dict[str, Any]] = {}
        ref = rec.get("reference") or ""
        if ref:
            for i in self.table.family_ids(ref):
                if i != doc_id:
                    out[i] = self.catalog.document(i) or {}
        for link in [*rec.get("related", []), *rec.get("superordinated", []), *rec.get("subordinated", [])]:
            target = self.catalog.document(link)
            if target is None:
                ids = self.table.by_reference(str(link))
                target = self.catalog.document(ids[0]) if ids else None
            if target is not None and target.get("id") != doc_id:
                out[target["id"]] = target
        return [r for r in out.values() if clearance.allows(str(r.get("access") or "public"))]


def _dense_evidence(kept: list[tuple[int, float]], w_lex: float, sparse: bool, ev: ChunkEvidence) -> None:
    """Similarities min-max normalised over the neighbours; sparse vectors only break ties later."""
    if not kept:
        return
    hi, lo = kept[0][1], min(sim for _r, sim in kept)
    floor = lo - 0.25 * (hi - lo) - 1e-6  # the 100th neighbour still counts a little
    for rank, (row, sim) in enumerate(kept):
        ev.dense_rank[row] = rank + 1
        ev.dense_sim[row] = sim
        ev.dense_norm[row] = (sim - floor) / (hi - floor)
        if not sparse:
            ev.dense_part[row] = (1.0 - w_lex) * ev.dense_norm[row]
            ev.fused[row] += ev.dense_part[row]


def _paper_scores(table: PaperTable, ev: ChunkEvidence) -> tuple[dict[int, float], priors.ByDoc]:
    """Paper score: its best chunk plus a damped bonus for further matching chunks. The paper's best lexical and
    best dense evidence may sit in different chunks (e.g. only its overview chunk has a vector), so they combine
    per paper."""
    by_doc: priors.ByDoc = defaultdict(list)
    for row, score in ev.fused.items():
        by_doc[int(table.doc_index[row])].append((score, row))
    doc_scores: dict[int, float] = {}
    for d, items in by_doc.items():
        items.sort(reverse=True)
        best_lex = max((ev.lex_part.get(r, 0.0) for _s, r in items), default=0.0)
        best_dense = max((ev.dense_part.get(r, 0.0) for _s, r in items), default=0.0)
        doc_scores[d] = max(items[0][0], best_lex + best_dense) + SUPPORT_WEIGHT * sum(s for s, _ in items[1:3])
    return doc_scores, by_doc
