"""BM25 over chunks with German stemming and corpus-driven decompounding, persisted as sparse arrays."""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from ingest.analyzer import STOPWORDS, WORD, Analyzer

K1, B = 1.2, 0.75
class LexicalIndex:
    """Eagerly weighted BM25 matrix (chunks x terms); a query sums a few columns."""

    def __init__(self, chunk_ids: list[str], doc_ids: list[str], terms: dict[str, int], matrix: sparse.csc_matrix,
                 analyzer: Analyzer) -> None:
        self.chunk_ids = chunk_ids
        self.doc_ids = doc_ids
        self.terms = terms
        self.matrix = matrix
        self.analyzer = analyzer

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]], min_part_freq: int = 3) -> LexicalIndex:
        """Build from (chunk_id, doc_id, text) rows: bag of word ids per chunk, then terms per unique word.

        Only word ids and counts are kept (no text); the word -> terms expansion (stem, compound
        parts) runs once per distinct word, and the chunk x term matrix is assembled with numpy.
        """
        bags = _bags_of_words(rows)
        freq = np.bincount(bags.ids, weights=bags.tfs, minlength=len(bags.words)).astype(np.int64)
        word_freq = {w: int(freq[i]) for i, w in enumerate(bags.words) if freq[i] >= min_part_freq and len(w) >= 3}
        analyzer = Analyzer(word_freq, min_part_freq)
        terms, tptr, tids = _terms_of_words(bags.words, freq, analyzer)
        bags.words = []  # millions of strings on an archive: not needed for the matrix
        tf_matrix = _term_matrix(bags, tptr, tids, len(terms))
        lengths = np.frombuffer(bags.lengths, dtype=np.float32) if len(bags.lengths) else np.zeros(0, np.float32)
        return cls(bags.chunk_ids, bags.doc_ids, terms, cls._weigh_csr(tf_matrix, lengths), analyzer)

    @staticmethod
    def _weigh_csr(tf: sparse.csr_matrix, lengths: np.ndarray) -> sparse.csc_matrix:
        """BM25 weights in place of term frequencies; returned column-major for fast queries."""
        n_docs, n_terms = tf.shape
        avg = float(lengths.mean()) if n_docs else 1.0
        df = np.bincount(tf.indices, minlength=n_terms).astype(np.float32)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        row_len = np.repeat(lengths, np.diff(tf.indptr))
        norm = K1 * (1.0 - B + B * row_len / max(avg, 1e-6))
        data = tf.data
        tf.data = (idf[tf.indices] * data * (K1 + 1.0) / (data + norm)).astype(np.float32)
        return tf.tocsc()

    def grouped(self, group_of_row: np.ndarray, names: list[str], k1: float = K1, b: float = B) -> LexicalIndex:
        """A BM25 index with one row per group (e.g. per paper: all its chunks as one text), same terms.

        Built from the stored chunk weights alone: the weight idf*tf*(K1+1)/(tf+n) of a row's rarest-in-row
        term is taken as tf = 1, which gives the row's length factor n and so every term frequency back
        (rows whose every term occurs twice or more come out slightly short). Term frequencies and lengths
        are summed per group and weighted anew with `k1`, `b` and group-level document frequencies.
        """
        m = self.matrix
        n_rows, n_terms = m.shape
        n_groups = len(names)
        df = np.diff(m.indptr).astype(np.float32)
        idf = np.log(1.0 + (n_rows - df + 0.5) / (df + 0.5)).astype(np.float32)
        step = 1 << 22  # entries per block, bounds the temporary memory
        # pass 1: per row the largest tf-saturation share x = tf*(K1+1)/(tf+n) <=> smallest tf
        x_min = np.full(n_rows, K1 + 1.0, dtype=np.float32)
        col_of = np.repeat(np.arange(n_terms, dtype=np.int32), np.diff(m.indptr))
        for lo in range(0, m.nnz, step):
            hi = min(lo + step, m.nnz)
            np.minimum.at(x_min, m.indices[lo:hi], m.data[lo:hi] / idf[col_of[lo:hi]])
        norm = (K1 + 1.0) / np.maximum(x_min, 1e-6) - 1.0  # n = K1*(1-B+B*len/avg) with tf = 1
        rel_len = (norm / K1 - (1.0 - B)) / B  # row length / average row length
        # pass 2: term frequencies summed per group
        blocks = []
        for lo in range(0, m.nnz, step):
            hi = min(lo + step, m.nnz)
            rows = m.indices[lo:hi]
            x = m.data[lo:hi] / idf[col_of[lo:hi]]
            tf = np.maximum(np.round(norm[rows] * x / np.maximum(K1 + 1.0 - x, 1e-6)), 1.0).astype(np.float32)
            blocks.append(sparse.coo_matrix((tf, (group_of_row[rows], col_of[lo:hi])),
                                            shape=(n_groups, n_terms)).tocsr())
        del col_of
        tf_matrix = blocks[0] if blocks else sparse.csr_matrix((n_groups, n_terms), dtype=np.float32)
        for block in blocks[1:]:
            tf_matrix = tf_matrix + block
        del blocks
        lengths = np.bincount(group_of_row, weights=rel_len, minlength=n_groups).astype(np.float32)
        tf_matrix = tf_matrix.tocsr()
        tf_matrix.sum_duplicates()
        n_docs = max(n_groups, 1)
        avg = float(lengths.mean()) if n_groups else 1.0
        gdf = np.bincount(tf_matrix.indices, minlength=n_terms).astype(np.float32)
        gidf = np.log(1.0 + (n_docs - gdf + 0.5) / (gdf + 0.5)).astype(np.float32)
        row_len = np.repeat(lengths, np.diff(tf_matrix.indptr))
        data = tf_matrix.data
        tf_matrix.data = (gidf[tf_matrix.indices] * data * (k1 + 1.0)
                          / (data + k1 * (1.0 - b + b * row_len / max(avg, 1e-6)))).astype(np.float32)
        matrix = tf_matrix.tocsc()
        matrix.indices = matrix.indices.astype(np.int32, copy=False)
        return LexicalIndex(list(names), list(names), self.terms, matrix, self.analyzer)

    def query_terms(self, text: str) -> list[int]:
        return [self.terms[t] for t in dict.fromkeys(self.analyzer.terms(text)) if t in self.terms]

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every chunk for `text`."""
        cols = self.query_terms(text)
        out = np.zeros(len(self.chunk_ids), dtype=np.float32)
        for c in cols:
            start, end = self.matrix.indptr[c], self.matrix.indptr[c + 1]
            out[self.matrix.indices[start:end]] += self.matrix.data[start:end]
        return out

    def search(self, text: str, k: int = 50, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score) with score > 0; `mask` (bool per row) restricts the rows."""
        scores = self.scores(text)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        nonzero = int((scores > 0).sum())
        if nonzero == 0:
            return []
        k = min(k, nonzero)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top]

    # --- persistence -----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "matrix.tmp.npz"
        sparse.save_npz(tmp, self.matrix, compressed=False)
        tmp.replace(folder / "matrix.npz")
        for name, data in (("chunks.json", {"chunk_ids": self.chunk_ids, "doc_ids": self.doc_ids}),
                           ("terms.json", self.terms), ("words.json", self.analyzer.word_freq)):
            part = folder / (name + ".tmp")
            part.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            part.replace(folder / name)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        matrix = sparse.load_npz(folder / "matrix.npz").tocsc()
        ids = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        terms = json.loads((folder / "terms.json").read_text(encoding="utf-8"))
        words = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        return cls(ids["chunk_ids"], ids["doc_ids"], terms, matrix, Analyzer(words))

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / "matrix.npz").is_file() and (folder / "chunks.json").is_file()


@dataclass
class _Bags:
    """Every chunk as a bag of word ids (CSR-like: `row_ptr` into `ids`/`tfs`), and the words by id."""

    words: list[str]
    ids: np.ndarray
    tfs: np.ndarray
    row_ptr: np.ndarray
    lengths: array  # type: ignore[type-arg]
    chunk_ids: list[str]
    doc_ids: list[str]


def _bags_of_words(rows: Iterable[tuple[str, str, str]]) -> _Bags:
    vocab: dict[str, int] = {}
    word_ids, word_tf, row_ptr = array("i"), array("i"), array("l", [0])
    chunk_ids: list[str] = []
    doc_ids: list[str] = []
    lengths = array("f")
    findall, stop = WORD.findall, STOPWORDS
    for chunk_id, doc_id, text in rows:
        bag = Counter(findall(text.lower()))
        for w in stop & bag.keys():
            del bag[w]
        new = [w for w in bag if w not in vocab]
        for w in new:
            vocab[w] = len(vocab)
        word_ids.extend([vocab[w] for w in bag])
        word_tf.extend(bag.values())
        row_ptr.append(len(word_ids))
        lengths.append(float(sum(bag.values())))
        chunk_ids.append(chunk_id)
        doc_ids.append(doc_id)
    ids = np.frombuffer(word_ids, dtype=np.int32) if len(word_ids) else np.zeros(0, np.int32)
    tfs = np.frombuffer(word_tf, dtype=np.int32) if len(word_tf) else np.zeros(0, np.int32)
    return _Bags(list(vocab), ids, tfs, np.frombuffer(row_ptr, dtype=np.int64), lengths, chunk_ids, doc_ids)


def _terms_of_words(words: list[str], freq: np.ndarray, analyzer: Analyzer) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """term -> id, and per word id its term ids (CSR: pointers, ids): its stem and, if not rare, compound parts."""
    terms: dict[str, int] = {}
    term_ptr, term_ids = array("l", [0]), array("i")
    stems = analyzer.stem_words(words)
    for i, w in enumerate(words):
        # rare words (typos, hyphenation debris) are only stemmed; queries still split compounds
        for t in analyzer.terms_of_word(w, decompound=bool(freq[i] >= 2), stemmed=stems[i]):
            tid = terms.get(t)
            if tid is None:
                tid = terms[t] = len(terms)
            term_ids.append(tid)
        term_ptr.append(len(term_ids))
    analyzer.clear_cache()
    return terms, np.frombuffer(term_ptr, dtype=np.int64), np.frombuffer(term_ids, dtype=np.int32)


def _term_matrix(bags: _Bags, tptr: np.ndarray, tids: np.ndarray, n_terms: int) -> sparse.csr_matrix:
    """The chunk x term frequency matrix: every (row, word, tf) expanded into (row, term, tf) for each term of the
    word, block by block (bounded memory on the archive)."""
    ids, tfs, rptr = bags.ids, bags.tfs, bags.row_ptr
    n_rows = len(bags.chunk_ids)
    blocks = []
    step = 20000
    for start in range(0, n_rows, step):
        lo, hi = int(rptr[start]), int(rptr[min(start + step, n_rows)])
        wids = ids[lo:hi]
        per_word = (tptr[wids + 1] - tptr[wids]).astype(np.int64)
        rows_of = np.repeat(np.arange(start, min(start + step, n_rows), dtype=np.int32),
                            np.diff(rptr[start:min(start + step, n_rows) + 1]))
        first = np.repeat(tptr[wids], per_word)
        within = np.arange(int(per_word.sum()), dtype=np.int64) - np.repeat(np.cumsum(per_word) - per_word, per_word)
        block = sparse.coo_matrix(
            (np.repeat(tfs[lo:hi], per_word).astype(np.float32),
             (np.repeat(rows_of, per_word) - start, tids[first + within])),
            shape=(min(step, n_rows - start), n_terms),
        ).tocsr()
        block.sum_duplicates()
        blocks.append(block)
    return sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, n_terms), dtype=np.float32)
