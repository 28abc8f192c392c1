"""How often a noun of a question is named by the paper that answers it, learned from the mined pairs.

A question names the thing it asks about ("Regenwasserkanal", "Kita-Entgelte") and words of its own phrasing
("Geld", "Zeitraum", "aus Sicht der Verwaltung"). When the found text lacks a thing, the detail asked for is
probably not there; when it lacks a phrasing word, that says nothing. Which nouns are which is counted on the
training pairs: for each noun of a real Anfrage question, whether the statements of its answering paper name it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MIN_QUESTIONS = 5  # a noun asked about fewer times keeps the overall rate
PRIOR_WEIGHT = 5.0  # the overall rate counts as this many questions in a noun's estimate


@dataclass(frozen=True)
class NounPresence:
    """noun stem -> share of the questions asking with it whose answering paper names it (smoothed)."""

    rates: dict[str, float] = field(default_factory=dict)
    default: float = 1.0

    def __call__(self, stem: str) -> float:
        return self.rates.get(stem, self.default)

    def to_json(self) -> dict[str, Any]:
        return {"default": self.default, "rates": {t: round(r, 3) for t, r in sorted(self.rates.items())}}

    @staticmethod
    def from_json(data: dict[str, Any] | None) -> NounPresence:
        if not data:
            return NounPresence()
        return NounPresence({str(t): float(r) for t, r in data["rates"].items()}, float(data["default"]))


def learn_presence(observations: Iterable[tuple[Iterable[str], Iterable[str]]]) -> NounPresence:
    """`observations`: per question, its nouns and those of them its answering paper names."""
    asked: Counter[str] = Counter()
    named: Counter[str] = Counter()
    for nouns, found in observations:
        found_set = set(found)
        for noun in set(nouns):
            asked[noun] += 1
            named[noun] += noun in found_set
    total = sum(asked.values())
    if not total:
        return NounPresence()
    overall = sum(named.values()) / total
    rates = {t: (named[t] + PRIOR_WEIGHT * overall) / (n + PRIOR_WEIGHT)
             for t, n in asked.items() if n >= MIN_QUESTIONS}
    return NounPresence(rates, overall)
