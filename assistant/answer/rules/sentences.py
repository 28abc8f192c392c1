"""The rules' view of a sentence: its terms and weights (its form, a letterhead or a restated question, is told by
`ingest.language`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.query import IdfLookup
from ingest.language import content_terms, find_references


def reference_terms(text: str) -> set[str]:
    refs = find_references(text)
    return content_terms(" ".join(refs)) if refs else set()


@dataclass
class Candidate:
    hit_index: int
    sentence: str
    score: float
    coverage: float
    position: int = 0
    terms: set[str] = field(default_factory=set)
    topical: float = 0.0  # question-term coverage of the sentence plus what it inherits from its neighbours
    item: bool = False  # a list item ("- Altlastenverdacht")


def term_weights(terms: set[str], idf: IdfLookup) -> dict[str, float]:
    """term -> idf, in sorted order so that sums (and ties) do not depend on set iteration order."""
    return {t: idf.get(t, 1.0) for t in sorted(terms)}
