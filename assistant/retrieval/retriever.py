"""Hybrid retrieval: Drucksache lookup, BM25 + dense fused per paper, filters, linked papers."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.types import Filters, Hit
from index.boilerplate import Boilerplate
from index.catalog import Catalog
from index.lexical import LexicalIndex
from ingest.language import (
    QUESTION_KINDS,
    base_reference,
    find_references,
    point_in_time,
    shift_months,
    version_base,
    years_named,
)
from ingest.pipeline import LEAD_CHUNKS

log = logging.getLogger(__name__)

# Fusion and ranking constants, measured on eval/questions.jsonl (see the issue notes)
LEXICAL_WEIGHT = 0.65  # hybrid: weight of the max-normalised BM25 score against the dense similarity (0.7 until exact dense search)
TITLE_WEIGHT = 0.2  # bonus for papers whose title matches the question (0.3 until session 3; 0.2 gains one even question on both sets)
RECENCY_WEIGHT = 0.2  # newer papers get up to this share more score (decays over RECENCY_YEARS)
RECENCY_YEARS = 10
SUPPORT_WEIGHT = 0.05  # further matching chunks of the same paper add this share of their score
# paper-level BM25 over each paper's whole text (all chunks as one document), fused with the chunk evidence;
# long papers (Haushalt, protocols) are normalised more strongly than chunks (b), repeated terms saturate later (k1)
PAPER_WEIGHT = 3.0  # weight of the max-normalised paper score (chunk evidence counts 1.0)
PAPER_K1, PAPER_B = 3.0, 0.9
PAPER_NEW = 10  # best papers by paper score that join the ranking even without a top chunk
# few chunks with vectors (e.g. only each paper's overview chunk, title/type/date/submitter): the dense similarity
# then only breaks near-ties among the best papers instead of adding evidence of its own (archive gold-first
# 0.819 -> 0.842 hybrid; as added evidence at any weight it was 0.80-0.83)
SPARSE_COVERAGE = 0.5  # share of chunks with a vector below which dense counts as sparse
# ... unless this share of the papers' lead chunks (overview + first body chunks, `--embed-scope lead`)
# has vectors: dense then sees body text and takes its full part in the fusion
DENSE_K = 100  # dense neighbours fused per query
LEAD_FULL = 0.95  # a chunk position is covered when this share of the papers' chunks there has a vector
LEAD_MAX = 50  # deepest position looked at
POINT_WEIGHT = 0.05  # papers discussed at a point in time the question names gain this share of the top score
POINT_LEAD_MONTHS = 2
YEAR_WEIGHT = 0.03  # papers written in or just around a year the question names ("2023 beantragt") gain this share
# a follow-up question stays with the papers the conversation is about: papers whose whole text matches the
# previous answer gain up to this share of the top score (the follow-up's own words still decide among them)
CONTEXT_WEIGHT = 0.25
CONTEXT_NEW = 3  # best context papers that join the ranking even without evidence of their own
# Up to this many vectors, dense search is exact: the vectors are read from the store once (again when their
# number changes) and scored with one matrix product. Chroma's HNSW graph, partly rebuilt whenever a process
# loads it, missed a question's nearest chunk in some processes and not in others (q230: 0.877 or 0.841).
EXACT_MAX = 2_000_000
RERANK_K = 10  # sparse dense: the best papers whose order the overview similarity may change
RERANK_W = 0.05  # ... by up to this share of the best paper's score
CONTEXT_CHUNKS = 8  # further chunks of the best paper that the reader may quote from
# a paper type named in the question ("der Änderungsantrag zu ...", "welche Anfragen ...")
TYPE_WORDS = [
    (re.compile(r"(änderungs|ergänzungs)(-|\s*/\s*)?(und\s+)?(ergänzungs)?antr(ag|äge)", re.IGNORECASE),
     "änderungs-/ergänzungsantrag"),
    (re.compile(r"\bbeschlussvorlagen?\b", re.IGNORECASE), "beschlussvorlage"),
    (re.compile(r"\binformationsvorlagen?\b", re.IGNORECASE), "informationsvorlage"),
    (re.compile(r"\banfragen?\b", re.IGNORECASE), "anfrage"),
    (re.compile(r"\bantr(ag|äge|ages)\b", re.IGNORECASE), "antrag"),
]
# a consultation result that decides (not "Kenntnisnahme", "verwiesen", "Beratung im Fachgremium")
DECIDED = re.compile(r"beschlossen|zugestimm|abgelehnt|einverstanden|angenommen|einstimmig|mehrheitlich|"
                     r"zurückgezogen|erledigt|genehmigt", re.I)



@dataclass
class ChunkTable:
    """Per-row metadata of the lexical index, for filter masks and grouping."""

    doc_index: np.ndarray  # row -> document number
    docs: list[str]
    doc_meta: list[dict[str, Any]]
    row_of: dict[str, int] = field(default_factory=dict)


class Retriever:
    """Reads one index folder (catalog, BM25, Chroma) and answers search requests."""

    def __init__(self, index_dir: Path, embedder: Any = None, store: Any = None) -> None:
        self.index_dir = index_dir
        self.catalog = Catalog(index_dir / "catalog.sqlite")
        self.embedder = embedder
        self.store = store
        self._lock = threading.Lock()
        self.lexical: LexicalIndex | None = None
        self.titles: LexicalIndex | None = None
        self.papers: LexicalIndex | None = None
        self.bodies: list[str] = []
        self.table: ChunkTable | None = None
        self._ref_docs: dict[str, list[str]] = {}
        self._coverage = 1.0
        self._lead_coverage = 1.0
        self._lead_depth = LEAD_CHUNKS
        self._lead_mask: np.ndarray | None = None
        self._store_count = 0
        self._exact: tuple[int, np.ndarray, np.ndarray] | None = None  # (store count, table rows, unit vectors)
        self._exact_lock = threading.Lock()
        self.reload()

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the lexical index and the metadata table (after an ingest)."""
        folder = self.index_dir / "lexical"
        self._lead_mask = None  # built when dense search is first checked (`_has_vectors`, `_lead_rows`)
        self._exact = None  # table rows change with the lexical index
        self.boilerplate = Boilerplate.load(folder)  # lines recurring across many papers (empty if none)
        if not LexicalIndex.exists(folder):
            self.lexical, self.table = None, None
            return
        lexical = LexicalIndex.load(folder)
        docs: dict[str, int] = {}
        doc_index = np.empty(len(lexical.doc_ids), dtype=np.int32)
        for row, doc_id in enumerate(lexical.doc_ids):
            doc_index[row] = docs.setdefault(doc_id, len(docs))
        doc_meta: list[dict[str, Any]] = [{} for _ in docs]
        for doc_id, body, reference, paper_type, date, title, record in self.catalog.db.execute(
            "SELECT doc_id, body, reference, paper_type, date, title, record FROM documents"
        ):
            if doc_id in docs:
                rec = json.loads(record)
                doc_meta[docs[doc_id]] = {
                    "doc_id": doc_id, "body": body or "", "reference": reference or "", "paper_type": paper_type or "",
                    "date": date or "", "title": title or "",
                    "committees": " | ".join(c.get("organization") or "" for c in rec.get("consultations", [])).lower(),
                    "links": [*rec.get("related", []), *rec.get("superordinated", []), *rec.get("subordinated", [])],
                    "meetings": sorted({str(c.get("meeting_date") or "")[:10] for c in rec.get("consultations", [])} - {""}),
                    "decided": any(DECIDED.search(str(c.get("result") or "")) for c in rec.get("consultations", [])),
                }
        ref_docs: dict[str, list[str]] = defaultdict(list)
        for meta in doc_meta:
            if meta.get("reference"):
                ref_docs[meta["reference"].lower()].append(meta["doc_id"])
                ref_docs[re.sub(r"^ds\s*", "", meta["reference"].lower())].append(meta["doc_id"])
        titles = LexicalIndex.build(
            (m.get("doc_id", str(i)), m.get("doc_id", str(i)), f"{m.get('title', '')} {m.get('paper_type', '')}")
            for i, m in enumerate(doc_meta)
        ) if doc_meta else None
        papers = lexical.grouped(doc_index, list(docs), PAPER_K1, PAPER_B) if docs else None
        bodies = sorted({m.get("body", "") for m in doc_meta if m.get("body") and m.get("body") != "unbekannt"})
        years = np.array([int(m["date"][:4]) if str(m.get("date", ""))[:4].isdigit() else 0 for m in doc_meta],
                         dtype=np.int32)
        with self._lock:
            self._years = years
            self._newest_year = int(years.max()) if len(years) else 0
            self.titles = titles
            self.papers = papers
            self.bodies = bodies
            self.lexical = lexical
            self.table = ChunkTable(doc_index, list(docs), doc_meta,
                                    {cid: i for i, cid in enumerate(lexical.chunk_ids)})
            self._ref_docs = dict(ref_docs)

    @property
    def empty(self) -> bool:
        return self.lexical is None or not self.lexical.chunk_ids

    # --- filters -------------------------------------------------------------------------------
    def _doc_mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or self.table is None:
            return None
        metas = self.table.doc_meta
        keep = np.ones(len(metas), dtype=bool)
        types = {t.lower() for t in filters.paper_types}
        for i, m in enumerate(metas):
            if filters.body and m.get("body", "").lower() != filters.body.lower():
                keep[i] = False
            elif types and m.get("paper_type", "").lower() not in types:
                keep[i] = False
            elif filters.date_from and (not m.get("date") or m["date"][:10] < filters.date_from):
                keep[i] = False
            elif filters.date_to and (not m.get("date") or m["date"][:10] > filters.date_to):
                keep[i] = False
            elif filters.committee and filters.committee.lower() not in m.get("committees", ""):
                keep[i] = False
        return keep

    def _chroma_where(self, filters: Filters | None) -> dict[str, Any] | None:
        if filters is None:
            return None
        clauses: list[dict[str, Any]] = []
        if filters.body:
            clauses.append({"body": filters.body})
        if filters.paper_types:
            clauses.append({"paper_type": {"$in": list(filters.paper_types)}})
        if filters.date_from:
            clauses.append({"date_int": {"$gte": int(filters.date_from.replace("-", "")[:8])}})
        if filters.date_to:
            clauses.append({"date_int": {"$lte": int(filters.date_to.replace("-", "")[:8])}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    # --- search --------------------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None, k: int = 8, per_paper: int = 2,
               mode: str = "hybrid", timings: dict[str, float] | None = None, context: str | None = None) -> list[Hit]:
        """The best chunks for `query`, at most `per_paper` per document, papers ranked as wholes.

        `context` is the conversation so far (the previous answer) for a follow-up question: the papers it
        came from are favoured (`_context_prior`)."""
        timings = timings if timings is not None else {}
        if self.empty or self.table is None or self.lexical is None:
            return []
        table, lexical = self.table, self.lexical
        doc_mask = self._doc_mask(filters)
        row_mask = doc_mask[table.doc_index] if doc_mask is not None else None

        fused: dict[int, float] = defaultdict(float)
        lex_part: dict[int, float] = {}
        dense_part: dict[int, float] = {}
        lex_rank: dict[int, int] = {}
        dense_rank: dict[int, int] = {}
        dense_sim: dict[int, float] = {}
        dense_norm: dict[int, float] = {}
        use_dense = mode in {"hybrid", "dense"} and self.embedder is not None and self.store is not None \
            and self._has_vectors()
        w_lex = 1.0 if mode == "bm25" or not use_dense else (0.0 if mode == "dense" else LEXICAL_WEIGHT)
        # few chunks with vectors, only overviews (hybrid): dense only reorders the best papers (`_dense_tiebreak`)
        sparse = use_dense and w_lex > 0 and self._coverage < SPARSE_COVERAGE and self._lead_coverage < SPARSE_COVERAGE
        # lead vectors complete, further body vectors only for some papers (a budgeted or running embedding):
        # dense evidence comes from the lead chunks alone, which every paper has, not from the few embedded bodies
        mixed = use_dense and not sparse and self._coverage < SPARSE_COVERAGE
        if mode in {"hybrid", "bm25"}:
            t0 = time.perf_counter()
            results = lexical.search(query, k=300, mask=row_mask)
            top = results[0][1] if results else 1.0
            for rank, (row, score) in enumerate(results):
                lex_rank[row] = rank + 1
                fused[row] += w_lex * score / top
                lex_part[row] = w_lex * score / top
            timings["lexical"] = time.perf_counter() - t0
        if use_dense:
            t0 = time.perf_counter()
            vec = self.embedder.embed_query(query)
            timings["embed_query"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            exact = self._exact_vectors()
            if exact is not None:
                kept = self._exact_neighbours(exact, vec, row_mask, self._lead_rows() if mixed else None)
            else:
                dense = self.store.query(vec, k=DENSE_K * (3 if mixed else 1), where=self._chroma_where(filters))
                located = [(table.row_of.get(cid), sim) for cid, sim in dense]
                kept = [(row, sim) for row, sim in located if row is not None and (row_mask is None or row_mask[row])]
                if mixed:
                    lead = self._lead_rows()
                    kept = [(row, sim) for row, sim in kept if lead[row]][:DENSE_K]
            timings["dense"] = time.perf_counter() - t0
            if kept:
                hi, lo = kept[0][1], min(sim for _r, sim in kept)
                floor = lo - 0.25 * (hi - lo) - 1e-6  # the 100th neighbour still counts a little
                for rank, (row, sim) in enumerate(kept):
                    dense_rank[row] = rank + 1
                    dense_sim[row] = sim
                    dense_norm[row] = (sim - floor) / (hi - floor)
                    if not sparse:
                        dense_part[row] = (1.0 - w_lex) * dense_norm[row]
                        fused[row] += dense_part[row]

        t0 = time.perf_counter()
        # paper-level score: best chunk plus a damped bonus for further matching chunks
        by_doc: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for row, score in fused.items():
            by_doc[int(table.doc_index[row])].append((score, row))
        doc_scores: dict[int, float] = {}
        for d, items in by_doc.items():
            items.sort(reverse=True)
            # the paper's best lexical and best dense evidence may sit in different chunks
            # (e.g. only its overview chunk has a vector), so combine them per paper
            best_lex = max((lex_part.get(r, 0.0) for _s, r in items), default=0.0)
            best_dense = max((dense_part.get(r, 0.0) for _s, r in items), default=0.0)
            doc_scores[d] = max(items[0][0], best_lex + best_dense) + SUPPORT_WEIGHT * sum(s for s, _ in items[1:3])
        self._paper_evidence(query, doc_scores, by_doc, doc_mask, w_lex)
        # exact Drucksache numbers first, with their Anfrage/Stellungnahme partners
        pinned = self._pinned_docs(query, doc_mask)
        top_score = max(doc_scores.values(), default=0.0)
        for rank, d in enumerate(pinned):
            doc_scores[d] = top_score + 1.0 - rank * 0.01
            if d not in by_doc:
                by_doc[d] = []
        if filters is not None and filters.only_current:
            self._demote_superseded(doc_scores)
        self._title_and_body_prior(query, doc_scores, by_doc, doc_mask)
        self._point_in_time_prior(query, doc_scores)
        self._year_prior(query, doc_scores)
        if context:
            self._context_prior(context, doc_scores, by_doc, doc_mask, set(pinned))
        if sparse and dense_norm:
            self._dense_tiebreak(doc_scores, dense_norm, set(pinned))
        self._prefer_named_type(query, doc_scores, set(pinned))
        self._prefer_decided(query, doc_scores, set(pinned))
        ranked_docs = sorted(doc_scores, key=lambda d: -doc_scores[d])
        hits: list[Hit] = []
        for d in ranked_docs:
            rows = [row for _s, row in sorted(by_doc[d], reverse=True)][:per_paper]
            if not rows:
                rows = self._best_rows_of_doc(d, query)[:per_paper]
            for row in rows:
                hits.append(self._hit(row, doc_scores[d] + fused.get(row, 0.0) * 1e-3,
                                      lex_rank.get(row), dense_rank.get(row), dense_sim.get(row)))
            if len(hits) >= k:
                break
        timings["fuse"] = time.perf_counter() - t0
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
        return [Hit(chunk_id=cid, doc_id=doc_id, text=text, score=base - 1e-3 * (k + 1), meta={**meta, "context": True})
                for k, (cid, text, meta) in enumerate(chunks[:limit])]

    def warm(self) -> None:
        """Read the vectors for exact search now (a server calls this at start, so that the first
        question does not wait for them: the archive's 70k vectors take 3 s)."""
        if self.dense_ready():
            self._exact_vectors()

    def _exact_vectors(self) -> tuple[int, np.ndarray, np.ndarray] | None:
        """The store's vectors by table row, read when first needed and again when their number changed;
        None for a store without `vectors` or beyond EXACT_MAX (then the store's own search is used)."""
        if not hasattr(self.store, "vectors") or self.table is None or not 0 < self._store_count <= EXACT_MAX:
            return None
        exact = self._exact
        if exact is not None and exact[0] == self._store_count:
            return exact
        # while one thread reads the new vectors (a background embedding changes their number), the others
        # go on with the ones they have instead of waiting seconds for the read
        if not self._exact_lock.acquire(blocking=exact is None):
            return exact
        try:
            if self._exact is None or self._exact[0] != self._store_count:
                t0 = time.perf_counter()
                ids, matrix = self.store.vectors()
                row_of = self.table.row_of
                rows = np.fromiter((row_of.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))
                known = rows >= 0  # vectors of chunks the lexical index does not (yet) know are left out
                self._exact = (self._store_count, rows[known], np.ascontiguousarray(matrix[known]))
                log.info("%d Vektoren für exakte Suche geladen (%.1f s)", int(known.sum()), time.perf_counter() - t0)
            return self._exact
        finally:
            self._exact_lock.release()

    @staticmethod
    def _exact_neighbours(exact: tuple[int, np.ndarray, np.ndarray], vec: np.ndarray, row_mask: np.ndarray | None,
                          lead: np.ndarray | None) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the DENSE_K nearest chunks allowed by the filter (and, while body
        vectors are partial, among lead chunks only), best first."""
        _count, rows, matrix = exact
        if not len(rows):
            return []
        # einsum, not BLAS: OpenBLAS threads spin on after a product and slowed the next query's embedding
        # (retrieval p95 30 -> 116 ms on 2 cores); einsum's single loop takes 5 ms for 70k vectors as well
        sims = np.einsum("ij,j->i", matrix, np.asarray(vec, dtype=np.float32) / max(float(np.linalg.norm(vec)), 1e-12))
        allowed = np.ones(len(rows), dtype=bool)
        if row_mask is not None:
            allowed &= row_mask[rows]
        if lead is not None:
            allowed &= lead[rows]
        candidates = np.flatnonzero(allowed)
        if not len(candidates):
            return []
        k = min(DENSE_K, len(candidates))
        top = candidates[np.argpartition(-sims[candidates], k - 1)[:k]]
        top = top[np.lexsort((rows[top], -sims[top]))]  # ties in row order: the same result in every process
        return [(int(rows[i]), float(sims[i])) for i in top]

    def _lead_rows(self) -> np.ndarray:
        """row -> whether the chunk is a lead chunk (overview or one of the first `_lead_depth` body chunks)."""
        assert self.table is not None
        if self._lead_mask is None:
            mask = np.zeros(len(self.table.doc_index), dtype=bool)
            row_of = self.table.row_of
            for (cid,) in self.catalog.db.execute("SELECT chunk_id FROM chunks WHERE position <= ?", (self._lead_depth,)):
                row = row_of.get(cid)
                if row is not None:
                    mask[row] = True
            self._lead_mask = mask
        return self._lead_mask

    def _detect_lead_depth(self) -> int:
        """How deep into every paper the vectors reach: the largest position d >= 1 such that at every
        position up to d at least LEAD_FULL of the chunks have vectors (`--embed-scope lead` embeds up to
        LEAD_CHUNKS; an index embedded with another depth keeps its own). LEAD_CHUNKS when not even the
        first body chunks are complete (overview vectors only, or an embedding still running)."""
        depth = -1
        for position, total, embedded in self.catalog.db.execute(
                "SELECT position, COUNT(*), SUM(embedded) FROM chunks WHERE position <= ? GROUP BY position ORDER BY position",
                (LEAD_MAX,)):
            if position != depth + 1 or (embedded or 0) < LEAD_FULL * total:
                break
            depth = position
        return depth if depth >= 1 else LEAD_CHUNKS

    def dense_coverage(self) -> float:
        """Share of the index's chunks that have a vector (0 without dense search)."""
        return self._coverage if self.dense_ready() else 0.0

    def dense_ready(self) -> bool:
        """Dense search is configured and the store holds vectors."""
        return self.embedder is not None and self.store is not None and self._has_vectors()

    def _has_vectors(self) -> bool:
        """Dense search only counts when the store holds vectors (else hybrid = BM25)."""
        now = time.time()
        if now - getattr(self, "_vectors_checked", 0.0) > 30:
            try:
                n = self.store.count()
                if n != self._store_count:
                    depth = self._detect_lead_depth()
                    if depth != self._lead_depth:
                        self._lead_depth, self._lead_mask = depth, None
                self._store_count = n
                self._vectors = n > 0
                self._coverage = n / max(1, len(self.lexical.chunk_ids)) if self.lexical is not None else 0.0
                lead_total = int(self._lead_rows().sum()) if self.table is not None else 0
                lead = self.catalog.db.execute("SELECT COUNT(*) FROM chunks WHERE embedded=1 AND position <= ?",
                                               (self._lead_depth,)).fetchone()[0]
                self._lead_coverage = lead / max(1, lead_total)
            except Exception as exc:  # a down server: lexical only
                log.warning("Vektorspeicher nicht erreichbar, nur Stichwortsuche: %s", exc)
                self._vectors = False
            self._vectors_checked = now
        return bool(getattr(self, "_vectors", False))

    def _dense_tiebreak(self, doc_scores: dict[int, float], dense_norm: dict[int, float], keep: set[int]) -> None:
        """Sparse vectors: the best papers gain up to RERANK_W of the top score by their overview similarity."""
        assert self.table is not None
        top_docs = sorted(doc_scores, key=lambda d: -doc_scores[d])[:int(RERANK_K)]
        if not top_docs:
            return
        best_sim: dict[int, float] = {}
        for row, norm in dense_norm.items():
            d = int(self.table.doc_index[row])
            best_sim[d] = max(best_sim.get(d, 0.0), norm)
        best = doc_scores[top_docs[0]]
        for d in top_docs:
            if d not in keep:
                doc_scores[d] += RERANK_W * best * best_sim.get(d, 0.0)

    def _paper_evidence(self, query: str, doc_scores: dict[int, float], by_doc: dict[int, list[tuple[float, int]]],
                        doc_mask: np.ndarray | None, w_lex: float) -> None:
        """Add the paper-level BM25 score (whole paper as one text); its best papers join the ranking."""
        if PAPER_WEIGHT and w_lex > 0:
            self._add_paper_match(query, doc_scores, by_doc, doc_mask, w_lex * PAPER_WEIGHT, PAPER_NEW)

    def _add_paper_match(self, text: str, doc_scores: dict[int, float], by_doc: dict[int, list[tuple[float, int]]],
                         doc_mask: np.ndarray | None, gain: float, join: int, keep: frozenset[int] | set[int] = frozenset()
                         ) -> None:
        """Papers whose whole text matches `text` (paper-level BM25) gain up to `gain` (the best match all of
        it, the others in proportion); the `join` best matches enter the ranking even without evidence."""
        if self.papers is None:
            return
        scores = self.papers.scores(text)
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

    def _title_and_body_prior(self, query: str, doc_scores: dict[int, float], by_doc: dict[int, list[tuple[float, int]]],
                              doc_mask: np.ndarray | None) -> None:
        """Papers whose title matches the question rank higher; a city named in the question narrows."""
        assert self.table is not None
        if self.titles is not None:
            found = self.titles.search(query, k=30, mask=doc_mask)
            top_title = found[0][1] if found else 1.0
            for rank, (d, _score) in enumerate(found):
                bonus = TITLE_WEIGHT * _score / top_title
                if d in doc_scores:
                    doc_scores[d] += bonus
                elif rank < 5:
                    doc_scores[d] = bonus
                    by_doc.setdefault(d, [])
        if RECENCY_WEIGHT:
            newest = self._newest_year
            for d in doc_scores:
                year = self._years[d]
                if year:
                    doc_scores[d] *= 1.0 + RECENCY_WEIGHT * max(0.0, 1.0 - (newest - year) / RECENCY_YEARS)
        named = self.bodies_in(query)
        if named:
            for d in doc_scores:
                if self.table.doc_meta[d].get("body") not in named:
                    doc_scores[d] *= 0.5

    def _point_in_time_prior(self, query: str, doc_scores: dict[int, float]) -> None:
        """A question about a point in time ("im Dezember 2024", "im Herbst 2023") favours the papers
        discussed then: a meeting in that period, or the paper itself written in it or up to
        POINT_LEAD_MONTHS before (a December decision was prepared in October)."""
        assert self.table is not None
        window = point_in_time(query)
        if window is None or not POINT_WEIGHT or not doc_scores:
            return
        start, end = window
        self._favour_period(doc_scores, POINT_WEIGHT, [(shift_months(start, -POINT_LEAD_MONTHS), end)], [window])

    def _year_prior(self, query: str, doc_scores: dict[int, float]) -> None:
        """A question naming a year ("Wie viele Menschen haben 2023 die Einbürgerung beantragt?") favours
        the papers written about it: from the second half of the year before to the end of the year after
        (a year's figures are reported in the next one). Years after the newest paper are targets
        ("bis 2040", "World Games 2029"), not times of writing, and count for nothing."""
        assert self.table is not None
        years = [y for y in years_named(query) if y <= self._newest_year]
        if not years or not YEAR_WEIGHT or not doc_scores:
            return
        self._favour_period(doc_scores, YEAR_WEIGHT, [(f"{y - 1:04d}-07-01", f"{y + 2:04d}-01-01") for y in years])

    def _favour_period(self, doc_scores: dict[int, float], weight: float, written: list[tuple[str, str]],
                       met: list[tuple[str, str]] | None = None) -> None:
        """Papers dated within one of the `written` periods [start, end), or discussed at a meeting within one
        of the `met` periods, gain `weight` times the top score."""
        assert self.table is not None
        top = max(doc_scores.values())
        for d in doc_scores:
            meta = self.table.doc_meta[d]
            date = str(meta.get("date") or "")[:10]
            if (date and any(start <= date < end for start, end in written)) or \
                    any(start <= m < end for m in meta.get("meetings", ()) for start, end in met or ()):
                doc_scores[d] += weight * top

    def _context_prior(self, context: str, doc_scores: dict[int, float], by_doc: dict[int, list[tuple[float, int]]],
                       doc_mask: np.ndarray | None, keep: set[int]) -> None:
        """A follow-up ("Und wer trägt das Theater eigentlich?") is about the papers the previous answer came
        from: papers whose whole text matches that answer gain up to CONTEXT_WEIGHT of the top score."""
        if CONTEXT_WEIGHT and doc_scores:
            gain = CONTEXT_WEIGHT * max(doc_scores.values())
            self._add_paper_match(context, doc_scores, by_doc, doc_mask, gain, CONTEXT_NEW, keep)

    def bodies_in(self, query: str) -> set[str]:
        """Cities named in a question ("in Braunschweig", "die Karlsruher Verwaltung")."""
        q = query.lower()
        return {b for b in self.bodies if re.search(rf"\b{re.escape(b.lower())}(er|s)?\b", q)}

    def _pinned_docs(self, query: str, doc_mask: np.ndarray | None) -> list[int]:
        assert self.table is not None
        index = {doc_id: i for i, doc_id in enumerate(self.table.docs)}
        out: list[int] = []
        for ref in find_references(query):
            family = [ref.lower(), base_reference(ref).lower()]
            family += [r for r in self._ref_docs if r.startswith(base_reference(ref).lower() + "-")]
            for r in family:
                for doc_id in self._ref_docs.get(r, []):
                    i = index.get(doc_id)
                    if i is not None and i not in out and (doc_mask is None or doc_mask[i]):
                        out.append(i)
        return out

    def _prefer_named_type(self, query: str, doc_scores: dict[int, float], keep: set[int]) -> None:
        """A paper type named in the question: among versions of one Drucksache those of that type lead.

        Only the order inside each group changes (the group's scores are handed out anew); pinned papers stay.
        """
        assert self.table is not None
        named = {paper_type for pattern, paper_type in TYPE_WORDS if pattern.search(query)}
        if named:
            self._prefer_within_versions(doc_scores, keep, lambda m: m.get("paper_type", "").lower() in named)

    def _prefer_decided(self, query: str, doc_scores: dict[int, float], keep: set[int]) -> None:
        """A question about the outcome: among versions of one Drucksache, those with a deciding consultation
        result lead (an Antrag referred on to its /1 version, which the council then decided)."""
        if QUESTION_KINDS["outcome"].search(query):
            self._prefer_within_versions(doc_scores, keep, lambda m: bool(m.get("decided")))

    def _prefer_within_versions(self, doc_scores: dict[int, float], keep: set[int], prefer: Any) -> None:
        """Among the versions of one Drucksache, those for which `prefer(meta)` holds lead.

        Only the order inside each group changes (the group's scores are handed out anew); `keep` stays.
        """
        assert self.table is not None
        metas = self.table.doc_meta
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

    def _demote_superseded(self, doc_scores: dict[int, float]) -> None:
        """Among hits that are versions of one paper (same base reference or same title), keep the newest first."""
        assert self.table is not None
        groups: dict[str, list[int]] = defaultdict(list)
        for d in doc_scores:
            m = self.table.doc_meta[d]
            key = base_reference(m.get("reference", "")) or m.get("title", "").lower()
            groups[key].append(d)
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda d: self.table.doc_meta[d].get("date", ""), reverse=True)  # type: ignore[union-attr]
            best = max(doc_scores[d] for d in members)
            for i, d in enumerate(members):
                doc_scores[d] = best - i * 1e-4 if i == 0 else doc_scores[d] * 0.2

    def _best_rows_of_doc(self, d: int, query: str) -> list[int]:
        assert self.table is not None and self.lexical is not None
        rows = np.nonzero(self.table.doc_index == d)[0]
        if len(rows) == 0:
            return []
        scores = self.lexical.scores(query)[rows]
        order = np.argsort(-scores, kind="stable")
        return [int(rows[i]) for i in order]

    def _hit(self, row: int, score: float, lex: int | None, dense: int | None, sim: float | None) -> Hit:
        assert self.lexical is not None
        cid = self.lexical.chunk_ids[row]
        doc_id, text, meta = self.catalog.chunks([cid]).get(cid, ("", "", {}))
        if sim is not None:
            meta = dict(meta, dense_similarity=sim)
        return Hit(chunk_id=cid, doc_id=doc_id, text=text, score=score, meta=meta, lexical_rank=lex, dense_rank=dense)

    # --- documents ----------------------------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        return self.catalog.document(doc_id)

    def linked_documents(self, doc_id: str) -> list[dict[str, Any]]:
        """Papers linked to `doc_id`: Anfrage <-> Stellungnahme by reference, related/super/subordinated."""
        rec = self.catalog.document(doc_id)
        if rec is None:
            return []
        out: dict[str, dict[str, Any]] = {}
        ref = rec.get("reference") or ""
        if ref:
            base = base_reference(ref).lower()
            for r, ids in self._ref_docs.items():
                if r == base or r.startswith(base + "-"):
                    for i in ids:
                        if i != doc_id:
                            out[i] = self.catalog.document(i) or {}
        for link in [*rec.get("related", []), *rec.get("superordinated", []), *rec.get("subordinated", [])]:
            target = self.catalog.document(link)
            if target is None:
                ids = self._ref_docs.get(str(link).lower(), [])
                target = self.catalog.document(ids[0]) if ids else None
            if target is not None and target.get("id") != doc_id:
                out[target["id"]] = target
        return list(out.values())
