"""The question, read once: one step turns what the user typed (with the conversation before it and the chat's
filters) into a `Question`, and retrieval, the reader, the rules, refusal and drafting read that record."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.question.conversation import conversation_context, followup_own_words, rewrite_followup
from assistant.question.patterns import (
    GOES_ABOUT,
    PERIOD_START,
    POINT_IN_TIME,
    TYPE_WORDS,
    Ask,
    answer_slot,
    asks,
    clauses,
    counted_noun,
)
from assistant.types import Filters
from ingest.language import (
    QUESTION_KINDS,
    QUESTION_NOISE,
    REFERENCE,
    YEAR,
    content_terms,
    find_references,
    noun_terms,
    point_in_time,
    question_kinds,
    sentence_terms,
    years_named,
)
from ingest.records import Access

History = list[tuple[str, str]]


@dataclass(frozen=True)
class Slot:
    """A part of a question ("Wann …, und welches Büro …?") and the kind of value it asks for (`answer_slot`):
    "money", "amount", "count" (of `noun`), "date", "company" or None (a fact, a reason, a list)."""

    part: str
    kind: str | None
    noun: str | None  # the stemmed noun a "Wie viele …?" part counts

    @staticmethod
    def of(part: str) -> Slot:
        kind = answer_slot(part)
        return Slot(part, kind, counted_noun(part) if kind == "count" else None)


@dataclass(frozen=True)
class Question:
    """A question as every stage reads it. `text` is what retrieval searches with: the question itself, or a
    follow-up ("Und wer ist dafür zuständig?") rewritten with its earlier question; what the user asks for comes
    from `asked`, their own words."""

    asked: str  # what the user typed
    text: str  # the standalone question
    context: str | None  # a follow-up's previous answer, whose papers retrieval favours
    filters: Filters | None
    clearance: Access  # the highest access level the asking user may read: retrieval never goes beyond it
    references: tuple[str, ...]  # Drucksache numbers `text` names
    terms: frozenset[str]  # topic stems of `text`: question words, generic words and Drucksache numbers removed
    own_terms: frozenset[str]  # ... of `asked` (a follow-up's own topic)
    nouns: frozenset[str]  # the topic stems that are nouns or years (`noun_terms`)
    kinds: frozenset[str]  # what `asked` asks for in the reader's vocabulary (`language.question_kinds`)
    asks: frozenset[Ask]  # ... in the rules' (`patterns.ASK_PATTERNS`)
    slots: tuple[Slot, ...]  # each part of `asked` with the kind of value it asks for
    asks_outcome: bool  # `text` asks what was decided (retrieval favours decided papers)
    about_metadata: bool  # `text` asks what a paper is, when it was dated or how it was decided: its title answers
    years: frozenset[str]  # years `text` names outside its Drucksache numbers
    own_years: frozenset[str]  # years `asked` names outside Drucksache numbers and year pairs ("2024/2025")
    period_start_years: frozenset[str]  # "seit 2019": the start of the period asked about, not a year to show
    point_years: frozenset[str]  # "im Herbst 2023": a cited paper's date of that year shows it
    years_written: tuple[int, ...]  # bare years of writing ("2023 beantragt"; not "bis 2040", not "seit 2019")
    point: tuple[str, str] | None  # a point in time ("im Dezember 2024"): [start, end) as ISO dates
    named_types: frozenset[str]  # paper types named ("der Änderungsantrag zu …"), lower case
    own_words: str  # a follow-up without its references back, particles and outcome words

    @property
    def is_followup(self) -> bool:
        return self.text != self.asked

    @staticmethod
    def of(text: str, filters: Filters | None = None, clearance: Access = Access.PUBLIC) -> Question:
        """A question without a conversation (a search box, a drafted Anfrage's question, a mined question)."""
        return Question.read(text, None, filters, clearance)

    @staticmethod
    def read(asked: str, history: History | None = None, filters: Filters | None = None,
             clearance: Access = Access.PUBLIC) -> Question:
        """`asked` with the conversation before it. `clearance` comes from the signed-in user, never from the
        question or its filters; public unless the caller says otherwise."""
        text = rewrite_followup(asked, history)
        references = tuple(find_references(text))
        terms = topic_terms(text, references)
        own = topic_terms(asked, references)
        without_refs = text
        for ref in references:
            without_refs = without_refs.replace(ref, " ")
        return Question(
            asked=asked, text=text, context=conversation_context(asked, history), filters=filters, clearance=clearance,
            references=references, terms=frozenset(terms), own_terms=frozenset(own),
            nouns=frozenset(terms & noun_terms(text)), kinds=question_kinds(asked), asks=asks(asked),
            slots=tuple(Slot.of(part) for part in clauses(asked)),
            asks_outcome=bool(QUESTION_KINDS["outcome"].search(text)),
            about_metadata=GOES_ABOUT.search(text) is not None
            or bool(asks(text) & {Ask.ABOUT_PAPER, Ask.DATE, Ask.OUTCOME}),
            years=frozenset(YEAR.findall(without_refs)),
            own_years=frozenset(YEAR.findall(REFERENCE.sub(" ", asked))),
            period_start_years=frozenset(PERIOD_START.findall(asked)),
            point_years=frozenset(POINT_IN_TIME.findall(asked)),
            years_written=tuple(years_named(text)), point=point_in_time(text),
            named_types=frozenset(paper_type for pattern, paper_type in TYPE_WORDS if pattern.search(text)),
            own_words=followup_own_words(asked))


def topic_terms(text: str, references: tuple[str, ...] = ()) -> set[str]:
    """A question's topic stems: question words, generic words and Drucksache numbers removed."""
    named = content_terms(" ".join(references)) if references else set()
    return sentence_terms(text) - QUESTION_NOISE - named
