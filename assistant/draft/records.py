"""The records of a Stellungnahme draft: the Anfrage read, precedents, answers per question, the draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.types import Citation, Sentence
from ingest.parse.anfrage import ParsedAnfrage

OPEN = "[offen: Angabe der Fachabteilung]"


class DraftError(Exception):
    """The input names nothing that can be drafted (unknown Drucksache, unreadable file)."""


@dataclass
class Precedent:
    """An earlier Anfrage (or Stellungnahme) on the same topic, with the administration's answer."""

    doc_id: str
    reference: str
    title: str
    date: str
    paper_type: str
    probability: float  # that it is a precedent, by the precedent model (`assistant.draft.precedents`)
    answer_reference: str | None = None  # where the answer is (reference or file name)
    answer_excerpt: str = ""
    url: str | None = None
    outdated: bool = False
    notes: list[str] = field(default_factory=list)
    answer_text: str = field(default="", repr=False)  # the whole answer, for the number check

    @property
    def kind(self) -> str:
        return f"{self.paper_type or 'Vorlage'} mit Stellungnahme" if self.answer_excerpt else (self.paper_type or "Vorlage")

    @property
    def hint(self) -> str:
        parts = (["möglicherweise veraltet"] if self.outdated else []) + self.notes
        return "; ".join(parts)


@dataclass
class DraftAnswer:
    """The proposed answer to one question."""

    number: int
    question: str
    text: str  # paragraph with global [n] markers, or OPEN
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # global numbering
    open: bool = False
    coverage: float = 0.0


@dataclass
class Draft:
    """A Stellungnahme draft in the house format plus the material it was built from."""

    header: str
    anfrage: ParsedAnfrage
    answers: list[DraftAnswer]
    precedents: list[Precedent]
    sources: list[Citation]
    notes: list[str] = field(default_factory=list)
    mode: str = "extractive"
    doc_id: str | None = None  # the Anfrage's paper in the index, when known

    @property
    def questions(self) -> list[str]:
        return self.anfrage.questions


@dataclass
class AnfrageInput:
    text: str
    doc_id: str | None = None
    record: dict[str, Any] | None = None
    origin: str = "Text"
