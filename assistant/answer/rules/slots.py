"""Whether a sentence carries the value a question asks for (an amount, a date, a count of something, a company,
read by `assistant.question`), and which years the question names that an answer does not show."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.answer.rules.sentences import Candidate
from assistant.question import Question
from ingest.language import (
    COMPANY_NAME,
    DATE_S,
    MONEY_S,
    NOT_A_COUNT,
    NUMBER_WORD,
    UNIT_S,
    YEAR,
    counts_noun,
    counts_other_nouns,
    is_form_like,
)

COUNT_ANY_TOPICAL = 0.2  # "Wie viele X": a number not followed by X needs this much topical support
SLOT_MIN_TOPICAL = 0.1  # ... and cover (or follow a sentence covering) this share of the question's topic


def fills_slot(slot: str | None, sentence: str) -> bool:
    """Whether a sentence carries the kind of value `answer_slot` asked for."""
    if slot is None:
        return True
    if slot == "money":
        return bool(MONEY_S.search(sentence))
    if slot == "amount":
        return bool(MONEY_S.search(sentence) or UNIT_S.search(sentence))
    if slot == "date":
        return bool(DATE_S.search(sentence))
    if slot == "company":
        return bool(COMPANY_NAME.search(sentence))
    rest = NOT_A_COUNT.sub(" ", sentence)  # years, dates, paragraphs and paper numbers count nothing
    return bool(re.search(r"\d", rest) or NUMBER_WORD.search(rest))


def missing_years(question: Question, answer: str, paper_dates: Iterable[str | None] = ()) -> set[str]:
    """Years the question names (outside Drucksache numbers) that the answer does not show.

    "seit 2019" only starts the period asked about: "ca. 40 Anträge in oben genanntem Zeitraum"
    answers it. A point in time ("im Herbst 2023", "Ende März 2024") is also shown by the date of
    a cited paper of that year: a paper of October 2023 tells the state in autumn 2023.
    """
    years = question.own_years - question.period_start_years
    dated = question.point_years & {str(d)[:4] for d in paper_dates if d}
    return {y for y in years if y not in answer and y not in dated}


def answers_slot(slot: str, cand: Candidate, years: set[str], noun: str | None = None) -> bool:
    """A candidate that gives the asked value about the asked topic (and for the asked year, if one is named).

    A sentence that names other years than the asked ones answers for those ("im Jahr 2024 70.000 Beutel"
    does not answer for 2025); a number that does not count the asked `noun` needs COUNT_ANY_TOPICAL.
    """
    vague = slot == "count" and noun is not None and counts_noun(cand.sentence, noun, vague=True)
    if not (fills_slot(slot, cand.sentence) or vague) or cand.topical < SLOT_MIN_TOPICAL:
        return False
    if noun and cand.topical < COUNT_ANY_TOPICAL and not vague:
        return False
    if noun and not vague and counts_other_nouns(cand.sentence, noun):
        return False  # "24 Stationen" does not say how many Hundekotbeutel
    if is_form_like(cand.sentence) and slot != "company":
        return False  # "Ortschaftsrat Grötzingen 24.04.2024 8 Ö Entscheidung" holds numbers, not an answer
    named = set(YEAR.findall(cand.sentence))
    return not years or not named or bool(named & years)
