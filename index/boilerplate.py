"""Corpus-level boilerplate: lines and short paragraphs that recur in many distinct documents.

Printer's notes ("Gedruckt auf 100 Prozent Recyclingpapier"), letterheads ("STADT KARLSRUHE Der
Oberbürgermeister"), form labels and privacy notices repeat verbatim across a council's papers and
say nothing about any one of them. A unit (one line, or one short paragraph joined across its line
wraps, which is how the extractive answerer sees a wrapped sentence) is boilerplate when its
normalised text occurs in at least ``max(MIN_DOCS, MIN_SHARE * documents)`` distinct documents.

Normalisation: NFC, hyphenated line wraps joined, casefold, whitespace collapsed, leading list
marks and trailing ``.;,`` removed; digits are kept, so "Vorlage Nr.: 2021/0167" or an amount
after a label is never boilerplate, only the bare label is. Recommendations and outcomes
("Die Verwaltung empfiehlt, den Antrag abzulehnen", "Einstimmig zugestimmt") are formulaic but answer
questions about a paper's fate, so they are never boilerplate. Units are hashed (blake2b, 8 bytes);
the set is stored as a sorted int64 array, ``lexical/boilerplate.npy`` in the index folder.

Counting is bounded: per document a set of unit strings, hashed when the document ends and
appended to a flat buffer that is merged into sorted (hash, count) arrays every 500,000 entries; no
text is kept. On the Karlsruhe archive (13,736 papers, 323k chunks, 2.8M distinct units) this takes
about 15 s and 145 MB peak RSS.

``python -m index.boilerplate INDEX_DIR [--show N]`` rebuilds the set from an index's catalog.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from index.catalog import Catalog

# Thresholds, chosen by reading what gets flagged on the eval index (562 papers with text) and the
# Karlsruhe archive (13,497). Between 11 and 19 of 562 papers sit real content repeated within one
# topic (a Bebauungsplan rule in its series of papers, the date line of one session's minutes);
# from 20 on it is forms and letterheads. On the archive, 1-2 % is still template text (section
# headings, signatures) and 2 % already catches every letterhead, label and printer's note.
MIN_DOCS = 20  # absolute floor: small corpora repeat content within a topic
MIN_SHARE = 0.02  # share of all documents (with file text) a unit must occur in
MIN_CHARS, MAX_CHARS = 8, 200  # shorter units are labels too short to answer anything, longer ones prose
FILE_NAME = "boilerplate.npy"
_FOLD_AT = 500_000  # fold the pending hashes into the counts beyond this many (4 MB; numpy needs ~8x)

_WRAP = re.compile(r"(\w)-\n(?=[a-zäöüß])")
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
    """The key a line or sentence is compared by (the rules `text_units` applies to a whole chunk)."""
    text = _WRAP.sub(r"\1", unicodedata.normalize("NFC", text))
    return _finish(" ".join(text.casefold().split()))


def _digest(unit: str) -> bytes:
    return hashlib.blake2b(unit.encode("utf-8"), digest_size=8).digest()


def unit_hash(unit: str) -> int:
    """Stable signed 64-bit hash of a normalised unit (blake2b, 8 bytes, little-endian)."""
    return int.from_bytes(_digest(unit), "little", signed=True)


def text_units(text: str) -> set[str]:
    """Normalised lines and short multi-line paragraphs of a chunk text, 8-200 characters.

    The same rules as `normalise_unit`, arranged for speed: this runs over every chunk of the corpus.
    """
    text = unicodedata.normalize("NFC", text)
    if "-\n" in text:
        text = _WRAP.sub(r"\1", text)
    lines = [" ".join(line.split()) for line in text.casefold().split("\n")]
    units = {line.rstrip(" .;,") for line in lines if MIN_CHARS <= len(line) <= MAX_CHARS + 4}
    if len(lines) > 1:
        units.update(para.replace("\n", " ").rstrip(" .;,") for para in "\n".join(lines).split("\n\n")
                     if "\n" in para and MIN_CHARS <= len(para) <= MAX_CHARS + 4)
    marked = {u for u in units if u[:1] in _MARK_CHARS}
    if marked:
        units -= marked
        units.update(_LIST_MARK.sub("", u) for u in marked)
    return {u for u in units if MIN_CHARS <= len(u) <= MAX_CHARS}


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
        return MIN_CHARS <= len(unit) <= MAX_CHARS and unit_hash(unit) in self._set and not _OUTCOME.search(unit)

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


def _fold(keys: np.ndarray, counts: np.ndarray, pending: bytearray) -> tuple[np.ndarray, np.ndarray]:
    """Merge pending per-document digests (each counts 1) into sorted unique (keys, counts).

    A sorted merge (searchsorted + insert): memory stays a small multiple of the distinct units.
    """
    new, new_counts = np.unique(np.frombuffer(bytes(pending), dtype="<i8"), return_counts=True)
    at = np.searchsorted(keys, new)
    found = at < len(keys)
    found[found] = keys[at[found]] == new[found]
    np.add.at(counts, at[found], new_counts[found].astype(np.int32))
    fresh = ~found
    return np.insert(keys, at[fresh], new[fresh]), np.insert(counts, at[fresh], new_counts[fresh].astype(np.int32))


def threshold_for(documents: int, min_docs: int = MIN_DOCS, min_share: float = MIN_SHARE) -> int:
    """Documents a unit must occur in to be boilerplate."""
    return max(min_docs, math.ceil(min_share * documents))


def build_boilerplate(rows: Iterable[tuple[str, str, str]], min_docs: int = MIN_DOCS,
                      min_share: float = MIN_SHARE) -> Boilerplate:
    """Boilerplate from (chunk_id, doc_id, text) rows grouped by document (`Catalog.iter_chunk_texts`).

    A document's chunks must come together: its units are counted once when the next document
    starts (rows of one document split across the stream would count twice).
    """
    keys = np.zeros(0, dtype=np.int64)
    counts = np.zeros(0, dtype=np.int32)
    pending = bytearray()
    documents = 0
    current: str | None = None
    units: set[str] = set()
    for _chunk_id, doc_id, text in rows:
        if doc_id != current:
            pending += b"".join(map(_digest, units))
            units.clear()
            if len(pending) >= 8 * _FOLD_AT:
                keys, counts = _fold(keys, counts, pending)
                pending.clear()
            current = doc_id
            documents += 1
        units |= text_units(text)
    pending += b"".join(map(_digest, units))
    keys, counts = _fold(keys, counts, pending)
    del pending
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
                texts[h] = unit if not _OUTCOME.search(unit) else f"{unit}   (exempt: outcome)"
        if len(texts) == len(count_of):
            break
    ranked = sorted(texts.items(), key=lambda item: (-count_of[item[0]], item[1]))
    return [(count_of[h], unit) for h, unit in ranked[:n]]


def build_for_index(index_dir: Path) -> tuple[Boilerplate, float]:
    """Build from the index's catalog and save next to the lexical index; returns (set, seconds)."""

    catalog = Catalog(index_dir / "catalog.sqlite")
    try:
        t0 = time.perf_counter()
        boilerplate = build_boilerplate(catalog.iter_chunk_texts())
        boilerplate.save(index_dir / "lexical")
        return boilerplate, time.perf_counter() - t0
    finally:
        catalog.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index.boilerplate",
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
        from index.catalog import Catalog

        catalog = Catalog(args.index_dir / "catalog.sqlite")
        try:
            for count, unit in flagged_lines(catalog.iter_chunk_texts(), boilerplate, args.show):
                print(f"{count:6d}  {unit}")
        finally:
            catalog.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
