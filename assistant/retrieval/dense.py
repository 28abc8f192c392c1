"""The dense side of retrieval: which chunks have vectors, and the nearest chunks to a question.

Up to EXACT_MAX vectors, search is exact: the vectors are read from the store once (again when their number
changes) and scored with one product. Chroma's HNSW graph, partly rebuilt whenever a process loads it, missed a
question's nearest chunk in some processes and not in others."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from assistant.retrieval.papers import PaperTable
from assistant.types import Filters
from index.catalog import Catalog
from ingest.language import sentence_windows
from ingest.pipeline import LEAD_CHUNKS

log = logging.getLogger(__name__)

DENSE_K = 100  # dense neighbours fused per query
LEAD_FULL = 0.95  # a chunk position is covered when this share of the papers' chunks there has a vector
LEAD_MAX = 50  # deepest position looked at
EXACT_MAX = 2_000_000
RECHECK_S = 30  # how often the store's vector count is looked at again (a background embedding adds vectors)
QUERY_CACHE = 64  # question vectors kept (the closeness of a question's passages reuses its search's vector)
PASSAGE_CACHE = 20_000  # vectors of chunks embedded at question time that are kept (384 floats each: 30 MB)
WINDOW_CHUNKS = 3  # the best hits whose sentence windows count for the closeness (more add time, not separation)
WINDOW_CACHE = 2_000  # chunks whose window vectors are kept (about six windows each: 18 MB)

Exact = tuple[int, np.ndarray, np.ndarray]  # (store count, table rows, unit vectors)


class DenseIndex:
    """The vector store and the query embedder of one index, with what the ranking needs to know of them: how
    many chunks have vectors (`coverage`), whether every paper's lead chunks do (`lead_coverage`, `lead_depth`)."""

    def __init__(self, catalog: Catalog, embedder: Any, store: Any,
                 passages: Callable[[], Any] | None = None) -> None:
        """`passages` makes the embedder for chunks that have no vector yet (the one the ingest uses: the same
        vector space as `embedder`, which embeds questions); without it `embedder` embeds them too."""
        self.catalog = catalog
        self.embedder = embedder
        self.store = store
        self._passages_factory = passages
        self._passages: Any = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._embedded: OrderedDict[str, np.ndarray] = OrderedDict()
        self._windows: OrderedDict[str, np.ndarray] = OrderedDict()
        self._position: tuple[Exact, np.ndarray] | None = None
        self._cache_lock = threading.Lock()
        self._making = threading.Lock()
        self.coverage = 1.0
        self.lead_coverage = 1.0
        self.lead_depth = LEAD_CHUNKS
        self._lead_mask: np.ndarray | None = None
        self._store_count = 0
        self._exact: Exact | None = None
        self.reading = threading.Lock()  # held while one thread reads the vectors
        self._vectors = False
        self._reachable = False
        self._checked = 0.0

    def reset(self) -> None:
        """The lexical rows changed (a reload): masks and row-aligned vectors are rebuilt when next needed."""
        self._lead_mask = None
        self._exact = None
        self._position = None

    def ready(self, table: PaperTable | None) -> bool:
        """Dense search is configured and the store holds vectors (checked every RECHECK_S seconds)."""
        if self.embedder is None or self.store is None:
            return False
        now = time.time()
        if now - self._checked > RECHECK_S:
            try:
                self._count(table)
                self._reachable = True
            except Exception as exc:  # a down server: lexical only
                log.warning("Vektorspeicher nicht erreichbar, nur Stichwortsuche: %s", exc)
                self._vectors = self._reachable = False
            self._checked = now
        return self._vectors

    def embeds_now(self, table: PaperTable | None) -> bool:
        """No vector is stored yet, but the embedder and a reachable store are there (an index ingested without
        embedding, a demo before its background embedding stored the first vectors): what is compared with a question
        is embedded when it is asked. A store that is down is not this case: its chunks have vectors nobody can read."""
        return not self.ready(table) and self._reachable and not self.catalog.any_embedded()

    def _count(self, table: PaperTable | None) -> None:
        n = self.store.count()
        if n != self._store_count:
            depth = self.detect_lead_depth()
            if depth != self.lead_depth:
                self.lead_depth, self._lead_mask = depth, None
        self._store_count = n
        self._vectors = n > 0
        self.coverage = n / max(1, len(table.row_of)) if table is not None else 0.0
        lead_total = int(self.lead_rows(table).sum()) if table is not None else 0
        self.lead_coverage = self.catalog.embedded_up_to(self.lead_depth) / max(1, lead_total)

    def detect_lead_depth(self) -> int:
        """How deep into every paper the vectors reach: the largest position d >= 1 such that at every position
        up to d at least LEAD_FULL of the chunks have vectors (`--embed-scope lead` embeds up to LEAD_CHUNKS; an
        index embedded with another depth keeps its own). LEAD_CHUNKS when not even the first body chunks are
        complete (overview vectors only, or an embedding still running)."""
        depth = -1
        for position, total, embedded in self.catalog.embedded_by_position(LEAD_MAX):
            if position != depth + 1 or embedded < LEAD_FULL * total:
                break
            depth = position
        return depth if depth >= 1 else LEAD_CHUNKS

    def lead_rows(self, table: PaperTable) -> np.ndarray:
        """row -> whether the chunk is a lead chunk (overview or one of the first `lead_depth` body chunks)."""
        if self._lead_mask is None:
            mask = np.zeros(len(table.doc_index), dtype=bool)
            for cid in self.catalog.lead_chunk_ids(self.lead_depth):
                row = table.row_of.get(cid)
                if row is not None:
                    mask[row] = True
            self._lead_mask = mask
        return self._lead_mask

    def nearest(self, query: str, table: PaperTable, row_mask: np.ndarray | None, filters: Filters | None,
                lead_only: bool, timings: dict[str, float]) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the DENSE_K chunks nearest to `query` that the filters allow (and, while body
        vectors are partial, among lead chunks only), best first."""
        t0 = time.perf_counter()
        vec = self.query_vector(query)
        timings["embed_query"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        exact = self.exact_vectors(table)
        if exact is not None:
            kept = exact_neighbours(exact, vec, row_mask, self.lead_rows(table) if lead_only else None)
        else:
            dense = self.store.query(vec, k=DENSE_K * (3 if lead_only else 1), where=chroma_where(filters))
            located = [(table.row_of.get(cid), sim) for cid, sim in dense]
            kept = [(row, sim) for row, sim in located if row is not None and (row_mask is None or row_mask[row])]
            if lead_only:
                lead = self.lead_rows(table)
                kept = [(row, sim) for row, sim in kept if lead[row]][:DENSE_K]
        timings["dense"] = time.perf_counter() - t0
        return kept

    def query_vector(self, query: str) -> np.ndarray:
        """The question's unit vector (kept for the last QUERY_CACHE questions)."""
        with self._cache_lock:
            vec = self._queries.get(query)
            if vec is not None:
                self._queries.move_to_end(query)
                return vec
        vec = _unit(self.embedder.embed_query(query))
        with self._cache_lock:
            self._queries[query] = vec
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def similarities(self, query: str, chunk_ids: Iterable[str], table: PaperTable) -> Iterator[tuple[str, float]]:
        """(chunk id, cosine similarity to `query`) for each chunk in turn: from its stored vector, else from its
        index text (header and text, as the ingest embeds it) embedded now. One at a time, so that a caller who
        has seen enough stops the embedding: on 2 cores a chunk takes about 85 ms. Without the stored vectors in
        memory (a store beyond EXACT_MAX), a chunk the catalog marks as embedded is left out: the search saw it."""
        vec = self.query_vector(query)
        exact = self.exact_vectors(table)
        position = self._positions(table, exact)
        for cid in chunk_ids:
            row = table.row_of.get(cid)
            if row is None:
                continue
            if exact is not None and position is not None and position[row] >= 0:
                yield cid, float(exact[2][position[row]] @ vec)
                continue
            with self._cache_lock:
                passage = self._embedded.get(cid)
            if passage is None:
                if exact is None and self.catalog.has_vector(cid):
                    continue
                text = self.catalog.index_texts([cid]).get(cid)
                if text is None:
                    continue
                passage = _unit(self.passage_embedder().embed_passages([text])[0])
                with self._cache_lock:
                    self._embedded[cid] = passage
                    while len(self._embedded) > PASSAGE_CACHE:
                        self._embedded.popitem(last=False)
            yield cid, float(passage @ vec)

    def text_similarities(self, query: str, texts: list[str]) -> list[float]:
        """The cosine similarity of `query` to each text, the texts embedded now as passages in one batch."""
        vectors = np.asarray(self.passage_embedder().embed_passages(texts), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return [float(v) for v in vectors @ self.query_vector(query)]

    def window_similarity(self, query: str, chunk_id: str, text: str) -> float | None:
        """The largest cosine similarity of `query` to a window of consecutive sentences of a chunk's text
        (`ingest.language.sentence_windows`), the windows embedded now in one batch and kept for the chunk; None for
        a text without sentences."""
        with self._cache_lock:
            vectors = self._windows.get(chunk_id)
        if vectors is None:
            windows = sentence_windows(text)
            if not windows:
                return None
            vectors = np.asarray(self.passage_embedder().embed_passages(windows), dtype=np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            with self._cache_lock:
                self._windows[chunk_id] = vectors
                while len(self._windows) > WINDOW_CACHE:
                    self._windows.popitem(last=False)
        return float((vectors @ self.query_vector(query)).max())

    def searched_rows(self, table: PaperTable, lead_only: bool) -> np.ndarray | None:
        """row -> whether the dense search can find the chunk: it has a vector (and, with `lead_only`, is a lead
        chunk); None where every chunk has a vector, or where it is not known which do (a store beyond EXACT_MAX that
        is not searched by lead chunks alone)."""
        if lead_only:
            lead = self.lead_rows(table)
            position = self._positions(table, self.exact_vectors(table))
            return lead if position is None else lead & (position >= 0)
        if self.coverage >= 1.0:
            return None
        position = self._positions(table, self.exact_vectors(table))
        return None if position is None else position >= 0

    def _positions(self, table: PaperTable, exact: Exact | None) -> np.ndarray | None:
        """row -> position of its vector in the exact matrix (-1: none), for the matrix read last."""
        if exact is None:
            return None
        with self._cache_lock:
            if self._position is None or self._position[0] is not exact:
                position = np.full(len(table.doc_index), -1, dtype=np.int64)
                position[exact[1]] = np.arange(len(exact[1]))
                self._position = (exact, position)
            return self._position[1]

    def passage_embedder(self) -> Any:
        """The embedder for chunks without a vector (made once, when first needed)."""
        with self._making:
            if self._passages is None:
                self._passages = self._passages_factory() if self._passages_factory is not None else self.embedder
            return self._passages

    def exact_vectors(self, table: PaperTable | None) -> Exact | None:
        """The store's vectors by table row, read when first needed and again when their number changed; None for a
        store without `vectors` or beyond EXACT_MAX (then the store's own search is used)."""
        if not hasattr(self.store, "vectors") or table is None or not 0 < self._store_count <= EXACT_MAX:
            return None
        exact = self._exact
        if exact is not None and exact[0] == self._store_count:
            return exact
        # while one thread reads the new vectors (a background embedding changes their number), the others
        # go on with the ones they have instead of waiting seconds for the read
        if not self.reading.acquire(blocking=exact is None):
            return exact
        try:
            if self._exact is None or self._exact[0] != self._store_count:
                t0 = time.perf_counter()
                ids, matrix = self.store.vectors()
                rows = np.fromiter((table.row_of.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))
                known = rows >= 0  # vectors of chunks the lexical index does not (yet) know are left out
                self._exact = (self._store_count, rows[known], np.ascontiguousarray(matrix[known]))
                log.info("%d Vektoren für exakte Suche geladen (%.1f s)", int(known.sum()), time.perf_counter() - t0)
            return self._exact
        finally:
            self.reading.release()


def exact_neighbours(exact: Exact, vec: np.ndarray, row_mask: np.ndarray | None,
                     lead: np.ndarray | None) -> list[tuple[int, float]]:
    """(row, cosine similarity) of the DENSE_K nearest vectors allowed by `row_mask` and `lead`, best first."""
    _count, rows, matrix = exact
    if not len(rows):
        return []
    # einsum, not BLAS: OpenBLAS threads spin on after a product and slowed the next query's embedding
    # on 2 cores; einsum's single loop takes 5 ms for 70k vectors as well
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


def _unit(vec: Any) -> np.ndarray:
    v = np.asarray(vec, dtype=np.float32).reshape(-1)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def chroma_where(filters: Filters | None) -> dict[str, Any] | None:
    """The filters as a Chroma `where` clause (the committee filter needs the catalog and is applied after)."""
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
