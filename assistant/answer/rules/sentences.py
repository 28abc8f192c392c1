"""The rules' view of a sentence: its terms and weights, and whether it is prose, a form line, letterhead or a restated question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.query import IdfLookup
from ingest.language import (
    QUESTION_LIKE,
    content_terms,
    find_references,
    normalise,
)

LABEL = re.compile(r"\b[A-ZÄÖÜ][\w.\-]*\s?:(?=\s)")
_HEAD_LABEL = re.compile(r"\b(?:Vorlage\s*Nr\.|Verantwortlich|Dienststelle|Eingang|Drucksache(?:n-Nr\.)?|Beratungsfolge|"
                         r"Federführung|Aktenzeichen|Az\.)\s?:", re.I)
# fixed parts of the Karlsruhe Vorlage template that run into the title sentence: the consultation table's
# header, the printer's note (a budget request's form row, "Auszahlung (in Euro) … 350.000", is no head: it
# holds the amount asked for)
_TEMPLATE = re.compile(r"Gremien\s+Termin\s+TOP|Ö\s*/\s*N\s+Zuständigkeit|Gedruckt auf 100 Prozent Recyclingpapier", re.I)
_WORDS = re.compile(r"[^\W\d_][\w\-]*", re.UNICODE)
LETTERHEAD_LABELS = 2


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


def prose_share(sentence: str) -> float:
    """Share of lowercase words: German prose has verbs and function words, headers and letterheads hardly any."""
    words = _WORDS.findall(sentence)
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].islower()) / len(words)


def is_form_like(sentence: str) -> bool:
    """Letterhead, table header or title line: hardly any lowercase words, or several "Label:" fields."""
    return prose_share(sentence) < 0.2 or len(LABEL.findall(sentence)) >= 2


def is_letterhead(sentence: str) -> bool:
    """A paper's head ("Vorlage Nr.: 2026/0355 Verantwortlich: Dez. 2 Dienststelle: …"): two or more of
    its labels, or a fixed part of the Vorlage template (`_TEMPLATE`). Its numbers ("100 Prozent
    Recyclingpapier", the session date) answer nothing, unlike a form row of the financial effects
    ("Gesamtkosten: 8.000 €"); its consultation table ("Gremien Termin TOP Ö / N Zuständigkeit Gemeinderat
    23.04.2024 34 Ö Kenntnisnahme") is told better by the decision from the paper's record."""
    return len(_HEAD_LABEL.findall(sentence)) >= LETTERHEAD_LABELS or bool(_TEMPLATE.search(sentence))


def is_question_like(sentence: str, section: str = "") -> bool:
    """A restated question or the chunk's section heading (which in a Stellungnahme is the question)."""
    s = sentence.rstrip()
    if s.endswith("?"):
        return True
    if section and len(section) >= 20 and normalise(s)[:40].casefold() == normalise(section)[:40].casefold():
        return True
    return bool(QUESTION_LIKE.match(s)) and not re.search(r"\b(wird|werden|wurde|wurden|ist|sind|hat|haben)\s*[.:]?$", s) and len(s) < 400
