"""Corpus-level boilerplate: lines and short paragraphs that recur in many distinct documents.

Printer's notes ("Gedruckt auf 100 Prozent Recyclingpapier"), letterheads ("STADT KARLSRUHE Der
Oberbürgermeister"), form labels and privacy notices repeat verbatim across a council's papers and
say nothing about any one of them. A unit (one line, or one short paragraph joined across its line
wraps, which is how the extractive answerer sees a wrapped sentence) is boilerplate when its
normalised text occurs in at least ``max(MIN_DOCS, MIN_SHARE * documents)`` distinct documents.

Normalisation: NFC, hyphenated line wraps joined, casefold, whitespace collapsed, leading list
marks and trailing ``.;,`` removed; digits are kept, so "Vorlage Nr.: 2021/0167" or an amount
after a label is never boilerplate, only the bare label is. Units are hashed (blake2b, 8 bytes) and
the set is stored as a sorted int64 array, ``lexical/boilerplate.npy`` in the index folder.

Counting is bounded: per document a set of unit hashes, appended to a flat int64 array that is
folded into (hash, count) arrays with numpy every few million entries; no text is kept.

``python -m ingest.boilerplate INDEX_DIR [--show N]`` rebuilds the set from an index's catalog.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import time
import unicodedata
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# thresholds (see the report in the issue notes; measured on the eval index and the Karlsruhe archive)
MIN_DOCS = 20  # absolute floor: with a few hundred documents, 2 % would flag ordinary repeated phrases
MIN_SHARE = 0.02  # share of all documents a unit must occur in
MIN_CHARS, MAX_CHARS = 8, 200  # shorter units are labels too short to answer anything, longer ones prose
FILE_NAME = "boilerplate.npy"
_FOLD_AT = 4_000_000  # fold the pending hashes into the counts beyond this many entries

_WRAP = re.compile(r"(\w)-\n(?=[a-zäöüß])")
_PARAGRAPHS = re.compile(r"\n[ \t\f\v\xa0]*\n")
_LIST_MARK = re.compile(r"^(?:[-•▪●–]\s*)+")
_MARK_CHARS = frozenset("-•▪●–")
# a recommendation or an outcome is formulaic but answers "Wie ging der Antrag aus?": never boilerplate
_OUTCOME = re.compile(r"empfiehlt|empfohlen|ablehn|abgelehnt|zustimm|zugestimmt|beschlossen|einstimmig|mehrheitlich|"
                      r"kenntnis|vertagt|verwiesen|angenommen|zurückgezogen|erledigt")


def _finish(unit: str) -> str:
    """Casefolded, whitespace-collapsed text -> unit key (no list mark, no trailing punctuation)."""
    if unit and unit[0] in _MARK_CHARS:
        unit = _LIST_MARK.sub("", unit)
    return unit.rstrip(" .;,")


def normalise_unit(text: str) -> str:
    """The key a line or sentence is compared by (same rules at build and at answer time)."""
    text = _WRAP.sub(r"\1", unicodedata.normalize("NFC", text))
    return _finish(" ".join(text.casefold().split()))


def unit_hash(unit: str) -> int:
    """Stable signed 64-bit hash of a normalised unit."""
    return int.from_bytes(hashlib.blake2b(unit.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def text_units(text: str) -> set[str]:
    """Normalised lines and short multi-line paragraphs of a chunk text, 8-200 characters."""
    out: set[str] = set()
    text = unicodedata.normalize("NFC", text)
    for para in _PARAGRAPHS.split(text):
        lines = para.split("\n")
        for line in lines:
            unit = _finish(" ".join(line.casefold().split()))
            if MIN_CHARS <= len(unit) <= MAX_CHARS:
                out.add(unit)
        if len(lines) > 1 and len(para) <= 2 * MAX_CHARS:
            unit = _finish(" ".join(_WRAP.sub(r"\1", para).casefold().split()))
            if MIN_CHARS <= len(unit) <= MAX_CHARS:
                out.add(unit)
    return out


class Boilerplate:
    """A set of boilerplate unit hashes; `counts` (documents per hash) only right after a build."""

    def __init__(self, hashes: np.ndarray, counts: np.ndarray | None = None, documents: int = 0,
                 threshold: int = 0) -> None:
        order = np.argsort(hashes, kind="stable")
        self.hashes = np.asarray(hashes, dtype=np.int64)[order]
        self.counts = counts[order] if counts is not None else None
        self.documents = documents
        self.threshold = threshold
        self._set = frozenset(int(h) for h in self.hashes)

    def __len__(self) -> int:
        return len(self._set)

    def __contains__(self, unit_hash_value: object) -> bool:
        return unit_hash_value in self._set

    def is_boilerplate(self, sentence: str) -> bool:
        """Whether `sentence` (any spacing or case) is a boilerplate line or paragraph."""
        if not self._set:
            return False
        unit = normalise_unit(sentence)
        return MIN_CHARS <= len(unit) <= MAX_CHARS and unit_hash(unit) in self._set

    # --- persistence -----------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE_NAME
        tmp = folder / (FILE_NAME + ".tmp")
        with tmp.open("wb") as fh:
            np.save(fh, self.hashes)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, folder: Path) -> Boilerplate:
        """The saved set, or an empty one when the index has none (older indexes)."""
        path = folder / FILE_NAME
        if not path.is_file():
            return cls(np.zeros(0, dtype=np.int64))
        return cls(np.load(path, allow_pickle=False))


def _fold(keys: np.ndarray, counts: np.ndarray, pending: array) -> tuple[np.ndarray, np.ndarray]:
    """Merge pending per-document hashes (each counts 1) into sorted (keys, counts)."""
    new = np.frombuffer(pending, dtype=np.int64) if len(pending) else np.zeros(0, np.int64)
    all_keys = np.concatenate([keys, new])
    all_counts = np.concatenate([counts, np.ones(len(new), dtype=np.int32)])
    uniq, inverse = np.unique(all_keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=all_counts, minlength=len(uniq)).astype(np.int32)


def threshold_for(documents: int, min_docs: int = MIN_DOCS, min_share: float = MIN_SHARE) -> int:
    return max(min_docs, math.ceil(min_share * documents))


def build_boilerplate(rows: Iterable[tuple[str, str, str]], min_docs: int = MIN_DOCS,
                      min_share: float = MIN_SHARE) -> Boilerplate:
    """Boilerplate from (chunk_id, doc_id, text) rows grouped by document (`Catalog.iter_chunk_texts`).

    A document's chunks must come together: its units are counted once when the next document
    starts (rows of one document split across the stream would count twice).
    """
    keys = np.zeros(0, dtype=np.int64)
    counts = np.zeros(0, dtype=np.int32)
    pending = array("q")
    documents = 0
    current: str | None = None
    units: set[str] = set()
    for _chunk_id, doc_id, text in rows:
        if doc_id != current:
            pending.extend(unit_hash(u) for u in units)
            units.clear()
            if len(pending) >= _FOLD_AT:
                keys, counts = _fold(keys, counts, pending)
                pending = array("q")
            current = doc_id
            documents += 1
        units |= text_units(text)
    pending.extend(unit_hash(u) for u in units)
    keys, counts = _fold(keys, counts, pending)
    threshold = threshold_for(documents, min_docs, min_share)
    keep = counts >= threshold
    return Boilerplate(keys[keep], counts[keep], documents, threshold)


def flagged_lines(rows: Iterable[tuple[str, str, str]], boilerplate: Boilerplate, n: int = 30
                  ) -> list[tuple[int, str]]:
    """The `n` most widespread flagged units with their document counts (for a human to judge)."""
    if boilerplate.counts is None:
        raise ValueError("document counts are only known right after a build")
    count_of = dict(zip(boilerplate.hashes.tolist(), boilerplate.counts.tolist(), strict=True))
    texts: dict[int, str] = {}
    for _chunk_id, _doc_id, text in rows:
        for unit in text_units(text):
            h = unit_hash(unit)
            if h in count_of and h not in texts:
                texts[h] = unit
        if len(texts) == len(count_of):
            break
    ranked = sorted(texts.items(), key=lambda item: (-count_of[item[0]], item[1]))
    return [(count_of[h], unit) for h, unit in ranked[:n]]


def build_for_index(index_dir: Path) -> tuple[Boilerplate, float]:
    """Build from the index's catalog and save next to the lexical index; returns (set, seconds)."""
    from ingest.catalog import Catalog

    catalog = Catalog(index_dir / "catalog.sqlite")
    try:
        t0 = time.perf_counter()
        boilerplate = build_boilerplate(catalog.iter_chunk_texts())
        boilerplate.save(index_dir / "lexical")
        return boilerplate, time.perf_counter() - t0
    finally:
        catalog.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.boilerplate",
                                     description="Rebuild lexical/boilerplate.npy from an index's catalog.")
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the N most widespread flagged units")
    args = parser.parse_args(argv)
    if not (args.index_dir / "catalog.sqlite").is_file():
        print(f"kein Katalog in {args.index_dir}", file=sys.stderr)
        return 1
    boilerplate, seconds = build_for_index(args.index_dir)
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(boilerplate)} boilerplate units (>= {boilerplate.threshold} of {boilerplate.documents} documents) "
          f"in {seconds:.1f} s, peak RSS {rss_mb:.0f} MB -> {args.index_dir / 'lexical' / FILE_NAME}")
    if args.show:
        from ingest.catalog import Catalog

        catalog = Catalog(args.index_dir / "catalog.sqlite")
        try:
            for count, unit in flagged_lines(catalog.iter_chunk_texts(), boilerplate, args.show):
                print(f"{count:6d}  {unit}")
        finally:
            catalog.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
