"""Whether a sentence carries the value a question asks for (an amount, a date, a count of something, a company,
read by `assistant.question`), and which years the question names that an answer does not show."""

from __future__ import annotations

import re
from collections.abc import Iterable

import Stemmer

from assistant.answer.rules.sentences import Candidate, is_form_like
from assistant.question import Question
from ingest.language import (
    MONEY_S,
    NOT_A_COUNT,
    YEAR,
)

HAS_DATE = re.compile(r"\b\d{1,2}\.\s?(\d{1,2}\.|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)|\b(19|20)\d\d\b"
                      r"|\b(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Frühjahr|Sommer|Herbst|Winter|Ende|Anfang|Mitte)\s+(19|20)\d\d\b")
COUNT_WORD = re.compile(r"\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|"
                        r"dutzend|einzige[rn]?|keine[rn]?|kein)\b", re.I)
# "einzelne Verstöße", "wenige Fälle": a count, when it counts the asked noun
VAGUE_COUNT = re.compile(r"(?i:einzelne[rn]?|wenige[rn]?|mehrere[rn]?|zahlreiche[rn]?|vereinzelte[rn]?)")
COMPANY_S = re.compile(r"\b(GmbH|AG|KG|mbH|GbR|SE|e\.\s?K\.|Inh\.)(?!\w)|\b(Firma|Agentur|Büro|Ingenieurbüro):?\s+[A-ZÄÖÜ0-9„\"]")
UNIT_S = re.compile(r"\d[\d.,]*\s*(?:%|prozent|v\.\s?h\.|prozentpunkte|punkte|m²|qm|km|meter|tonnen|kwh|mwh|stunden|tage)", re.I)
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
        return bool(HAS_DATE.search(sentence))
    if slot == "company":
        return bool(COMPANY_S.search(sentence))
    rest = NOT_A_COUNT.sub(" ", sentence)  # years, dates, paragraphs and paper numbers count nothing
    return bool(re.search(r"\d", rest) or COUNT_WORD.search(rest))


_STEMMER = Stemmer.Stemmer("german")
_COUNT_TOKEN = re.compile(r"\d[\d.,]*|[^\W\d_][\w*]*", re.UNICODE)


def _same_noun(stem: str, noun: str) -> bool:
    """Compound-tolerant: "beutel" ~ "hundekotbeutel", "mietwohnung" ~ "wohnung" (the head noun is last)."""
    short, long_ = sorted((stem, noun), key=len)
    return len(short) >= 4 and long_.endswith(short)


def counts_noun(sentence: str, noun: str, vague: bool = False) -> bool:
    """A number (or number word; with `vague` also "einzelne", "wenige", …) followed within four words by
    the counted noun: "insgesamt 24 Stationen", "lediglich einzelne Verstöße"."""
    tokens = _COUNT_TOKEN.findall(sentence)
    for i, tok in enumerate(tokens):
        loose = vague and VAGUE_COUNT.fullmatch(tok)
        if tok[0].isdigit() or COUNT_WORD.fullmatch(tok) or loose:
            for nxt in tokens[i + 1:i + (3 if loose else 5)]:  # "einzelne [neue] Verstöße"
                if not nxt[0].isdigit() and _same_noun(_STEMMER.stemWord(nxt.split("*")[0].lower()), noun):
                    return True
    return False


_MONEY_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:€|eur\b|euro\b)", re.I)
_SHARE = re.compile(r"\d[\d.,]*\s*(?:%|prozent\b)", re.I)


def counts_other_nouns(sentence: str, noun: str) -> bool:
    """Every number of the sentence counts a named thing that is not `noun` ("24 Stationen" when the
    question counts Hundekotbeutel; "15.993,00 €" when it counts people); a bare number ("insgesamt 24.")
    counts nothing in particular."""
    text = NOT_A_COUNT.sub(" ", sentence)
    if noun != "euro":
        text = _MONEY_AMOUNT.sub(" 1 Geldbetrag ", text)
    if noun not in {"prozent", "anteil"}:
        text = _SHARE.sub(" 1 Anteil ", text)
    tokens = _COUNT_TOKEN.findall(text)
    counted = [tokens[i + 1] for i, tok in enumerate(tokens[:-1]) if tok[0].isdigit() or COUNT_WORD.fullmatch(tok)]
    nouns = [t for t in counted if t[0].isupper()]
    return bool(counted) and len(nouns) == len(counted) and not any(
        _same_noun(_STEMMER.stemWord(t.split("*")[0].lower()), noun) for t in nouns)


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
    vague = slot == "count" and noun is not None and counts_noun(NOT_A_COUNT.sub(" ", cand.sentence), noun, vague=True)
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
