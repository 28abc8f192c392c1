"""BM25 over chunks with German stemming and corpus-driven decompounding, persisted as sparse arrays."""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import Stemmer
from scipy import sparse

K1, B = 1.2, 0.75
_WORD = re.compile(r"\d{1,4}/\d{2,5}(?:-\d+)?|\d+(?:[-/]\d+)+|\w+(?:-\w+)*", re.UNICODE)
_LINKING = ("s", "es", "n", "en", "e", "er")
STOPWORDS = frozenset(
    """aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm
    andern anders auch auf aus bei bin bis bist da damit dann der den des dem die das dass daß du dies diese
    diesem diesen dieser dieses doch dort durch ein eine einem einen einer eines einig einige einigem einigen
    einiger einiges einmal er ihn ihm es etwas euer eure eurem euren eurer eures für gegen gewesen hab habe
    haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren ihrer ihres euch im in indem ins
    ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner
    keines können könnte machen man manche manchem manchen mancher manches mein meine meinem meinen meiner
    meines mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
    seines selbst sich sie ihnen sind so solche solchem solchen solcher solches soll sollte sondern sonst
    über um und uns unsere unserem unseren unser unseres unter viel vom von vor während war waren warst was
    weg weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst
    wo wollen wollte würde würden zu zum zur zwar zwischen wurde wurden gibt gab wer wann wieso warum welch
    bzw ca sowie""".split()
)


class Analyzer:
    """Word -> index terms: lowercase, German Snowball stem, plus the stems of compound parts."""

    def __init__(self, word_freq: dict[str, int] | None = None, min_part_freq: int = 3) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self.word_freq = word_freq or {}
        self.min_part_freq = min_part_freq
        self._cache: dict[str, tuple[str, ...]] = {}

    def words(self, text: str) -> list[str]:
        return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]

    def _freq(self, word: str) -> int:
        return self.word_freq.get(word, 0)

    def split_compound(self, word: str) -> tuple[str, str] | None:
        """Best split into two known words (with German linking elements), or None."""
        if len(word) < 9 or not word.isalpha():
            return None
        best: tuple[int, str, str] | None = None
        for i in range(4, len(word) - 3):
            tail = word[i:]
            tail_freq = self._freq(tail)
            if tail_freq < self.min_part_freq:
                continue
            head = word[:i]
            candidates = [head] + [head[: -len(x)] for x in _LINKING if head.endswith(x) and len(head) - len(x) >= 3]
            for h in candidates:
                score = min(self._freq(h), tail_freq)
                if score >= self.min_part_freq and (best is None or score > best[0]):
                    best = (score, h, tail)
        return (best[1], best[2]) if best else None

    def terms_of_word(self, word: str) -> tuple[str, ...]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        key = word
        stem = self._stemmer.stemWord
        terms: list[str] = [stem(word)] if not word[0].isdigit() else [word]
        if "-" in word and not word[0].isdigit():
            parts = [p for p in word.split("-") if p]
            terms.extend(stem(p) for p in parts if p not in STOPWORDS)
            joined = "".join(parts)
            terms.append(stem(joined))
            word = joined
        if word.isalpha():
            split = self.split_compound(word)
            if split:
                terms.extend(stem(p) for p in split)
                sub = self.split_compound(split[1])
                if sub:
                    terms.extend(stem(p) for p in sub)
        result = tuple(dict.fromkeys(terms))
        if len(self._cache) < 2_000_000:
            self._cache[key] = result
        return result

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for w in self.words(text):
            out.extend(self.terms_of_word(w))
        return out


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
        """Build from (chunk_id, doc_id, text) rows in two passes over word ids (no text kept)."""
        vocab: dict[str, int] = {}
        counts = array("l")
        chunk_ids: list[str] = []
        doc_ids: list[str] = []
        doc_words: list[array] = []
        probe = Analyzer()
        for chunk_id, doc_id, text in rows:
            ids = array("l")
            for w in probe.words(text):
                wid = vocab.get(w)
                if wid is None:
                    wid = vocab[w] = len(vocab)
                    counts.append(0)
                counts[wid] += 1
                ids.append(wid)
            chunk_ids.append(chunk_id)
            doc_ids.append(doc_id)
            doc_words.append(ids)
        words = list(vocab)
        word_freq = {w: counts[i] for i, w in enumerate(words) if counts[i] >= min_part_freq and len(w) >= 3}
        analyzer = Analyzer(word_freq, min_part_freq)
        terms: dict[str, int] = {}
        word_terms: list[array] = []
        for w in words:
            tids = array("l")
            for t in analyzer.terms_of_word(w):
                tid = terms.get(t)
                if tid is None:
                    tid = terms[t] = len(terms)
                tids.append(tid)
            word_terms.append(tids)
        row_idx, col_idx, tf = array("l"), array("l"), array("f")
        lengths = np.zeros(len(chunk_ids), dtype=np.float32)
        for r, ids in enumerate(doc_words):
            bag: dict[int, int] = {}
            for wid in ids:
                for tid in word_terms[wid]:
                    bag[tid] = bag.get(tid, 0) + 1
            lengths[r] = len(ids)
            row_idx.extend([r] * len(bag))
            col_idx.extend(bag.keys())
            tf.extend(bag.values())
            doc_words[r] = array("l")  # free as we go
        matrix = cls._weigh(np.frombuffer(row_idx, dtype=np.int64), np.frombuffer(col_idx, dtype=np.int64),
                            np.frombuffer(tf, dtype=np.float32), lengths, len(terms))
        return cls(chunk_ids, doc_ids, terms, matrix, analyzer)

    @staticmethod
    def _weigh(rows: np.ndarray, cols: np.ndarray, tf: np.ndarray, lengths: np.ndarray, n_terms: int) -> sparse.csc_matrix:
        n_docs = len(lengths)
        avg = float(lengths.mean()) if n_docs else 1.0
        df = np.bincount(cols, minlength=n_terms).astype(np.float32)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = K1 * (1.0 - B + B * lengths[rows] / max(avg, 1e-6))
        weights = idf[cols] * tf * (K1 + 1.0) / (tf + norm)
        return sparse.csc_matrix((weights.astype(np.float32), (rows, cols)), shape=(n_docs, n_terms))

    def query_terms(self, text: str) -> list[int]:
        return [self.terms[t] for t in dict.fromkeys(self.analyzer.terms(text)) if t in self.terms]

    def scores(self, text: str, boost: dict[str, float] | None = None) -> np.ndarray:
        """BM25 score of every chunk for `text`; `boost` multiplies chosen query terms."""
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
