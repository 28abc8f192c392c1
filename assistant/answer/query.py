"""The reader's view of the question (`assistant.question.Question`): its topic terms weighted by idf."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assistant.question import Question


@dataclass(frozen=True)
class Query:
    """A question as the answer layer reads it."""

    text: str  # the standalone question (a follow-up rewritten with its earlier question)
    asked: str  # what the user typed
    weights: tuple[tuple[str, float], ...]  # topic stem -> idf, sorted by stem
    focus: frozenset[str]  # the follow-up's own topic stems (all of them for a standalone question)
    kinds: frozenset[str]  # what the user's own words ask for (`language.question_kinds`)
    years: frozenset[str]
    references: tuple[str, ...]  # Drucksache numbers named
    nouns: frozenset[str] = frozenset()  # the topic stems that are nouns or years of the question (`noun_terms`)
    counted: frozenset[str] = frozenset()  # the stemmed nouns a "Wie viele …?" part counts (`Slot.noun`)
    _matches: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(t for t, _w in self.weights)

    def matched(self, stems: set[str] | frozenset[str]) -> frozenset[str]:
        """The question's topic terms that `stems` hold: the same stem, or a compound that ends with it (German
        compounds end in their head: "Bücherkoffer" in "RegenbogenKinderBücherKoffer") or begins with it
        ("Kinderbüro" in "Kinderbüros", which the stemmer keeps apart); and a compound of the question whose parts
        `stems` hold ("Leseförderprojekt": "Leseförderung" and "Projekt"; "Jugend-Streetwork")."""
        out: set[str] = set()
        for stem in stems:
            hit = self._matches.get(stem)
            if hit is None:
                hit = frozenset(t for t, _w in self.weights if _stem_matches(stem, t))
                self._matches[stem] = hit
            out |= hit
        for t, _w in self.weights:
            if t not in out and len(t) >= 2 * MIN_PART and _parts_in(t, stems):
                out.add(t)
        return frozenset(out)

    @property
    def total(self) -> float:
        return sum(w for _t, w in self.weights) or 1.0

    def covered(self, stems: set[str] | frozenset[str]) -> float:
        """Idf-weighted share of the question's topic terms that `stems` hold (`matched`)."""
        found = self.matched(stems)
        return sum(w for t, w in self.weights if t in found) / self.total


class IdfLookup:
    """term -> idf from the BM25 matrix's document frequencies, computed on demand."""

    def __init__(self, lexical: object) -> None:
        self._matrix = getattr(lexical, "matrix", None)
        self.analyzer = getattr(lexical, "analyzer", None)  # splits compounds with the index's vocabulary
        self._terms: dict[str, int] = getattr(lexical, "terms", None) or {}
        self._n = max(1, self._matrix.shape[0]) if self._matrix is not None else 1

    def get(self, term: str, default: float = 1.0) -> float:
        col = self._terms.get(term)
        if col is None or self._matrix is None:
            return math.log(1.0 + self._n)  # unseen term: as rare as it gets
        df = float(self._matrix.indptr[col + 1] - self._matrix.indptr[col])
        return math.log(1.0 + self._n / (1.0 + df))


MIN_PART = 4  # a question stem this long is found inside a compound ("buro" in "kinderburo")


def _stem_matches(stem: str, term: str) -> bool:
    if stem == term:
        return True
    return len(term) >= MIN_PART and len(stem) > len(term) and (stem.endswith(term) or stem.startswith(term))


LINK_CHARS = 2  # a compound's parts may be joined by a hyphen or a linking "s", "en", "e" ("Fernwärme-s-kosten")


def _parts_in(term: str, stems: set[str] | frozenset[str]) -> bool:
    """`term` splits into a head and a modifier of at least MIN_PART characters that `stems` both hold."""
    for i in range(MIN_PART, len(term) - MIN_PART + 1):
        if term[:i] in stems and any(term[i + k:] in stems for k in range(LINK_CHARS + 1)
                                     if len(term) - i - k >= MIN_PART):
            return True
    return False


def read_query(question: Question, idf: Any) -> Query:
    """The reader's view of `question`: its topic terms weighted by their idf in the index."""
    weights = tuple((t, float(idf.get(t, 1.0))) for t in sorted(question.terms))
    return Query(text=question.text, asked=question.asked, weights=weights,
                 focus=question.own_terms or question.terms, kinds=question.kinds, years=question.years,
                 references=question.references, nouns=question.nouns,
                 counted=frozenset(slot.noun for slot in question.slots if slot.noun))
