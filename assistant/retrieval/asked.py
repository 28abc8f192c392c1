"""A search request's question, read once for retrieval: the Drucksache numbers, the point in time or the years it
names, the paper types it names and whether it asks for an outcome (the words themselves go to BM25 and e5)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.language import QUESTION_KINDS, find_references, point_in_time, years_named

# a paper type named in the question ("der Änderungsantrag zu ...", "welche Anfragen ...")
TYPE_WORDS = [
    (re.compile(r"(änderungs|ergänzungs)(-|\s*/\s*)?(und\s+)?(ergänzungs)?antr(ag|äge)", re.IGNORECASE),
     "änderungs-/ergänzungsantrag"),
    (re.compile(r"\bbeschlussvorlagen?\b", re.IGNORECASE), "beschlussvorlage"),
    (re.compile(r"\binformationsvorlagen?\b", re.IGNORECASE), "informationsvorlage"),
    (re.compile(r"\banfragen?\b", re.IGNORECASE), "anfrage"),
    (re.compile(r"\bantr(ag|äge|ages)\b", re.IGNORECASE), "antrag"),
]


@dataclass(frozen=True)
class Asked:
    text: str
    references: tuple[str, ...]  # Drucksache numbers named
    point: tuple[str, str] | None  # a point in time ("im Dezember 2024"): [start, end) as ISO dates
    years: tuple[int, ...]  # bare years of writing ("2023 beantragt"; not "bis 2040", not "seit 2019")
    named_types: frozenset[str]  # paper types named ("der Änderungsantrag zu …"), lower case
    asks_outcome: bool  # "Was hat der Gemeinderat … beschlossen?"

    @staticmethod
    def of(text: str) -> Asked:
        return Asked(text, tuple(find_references(text)), point_in_time(text), tuple(years_named(text)),
                     frozenset(paper_type for pattern, paper_type in TYPE_WORDS if pattern.search(text)),
                     bool(QUESTION_KINDS["outcome"].search(text)))
