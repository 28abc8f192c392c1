"""What value a question asks for (an amount, a date, a count of something, a company) and whether a sentence carries it; the years a question names."""

from __future__ import annotations

import re
from collections.abc import Iterable

import Stemmer

from assistant.answer.rules.sentences import Candidate, is_form_like
from ingest.language import (
    MONEY_S,
    MONTHS,
    REFERENCE,
    YEAR,
)

PERIOD_START = re.compile(rf"\bseit\s+(?:(?:Anfang|Mitte|Ende|{MONTHS})\s+)?((?:19|20)\d\d)\b", re.I)
POINT_IN_TIME = re.compile(rf"\b(?:Frühjahr|Frühling|Sommer|Herbst|Winter|Anfang|Mitte|Ende|{MONTHS})\s+((?:19|20)\d\d)\b", re.I)
HAS_DATE = re.compile(r"\b\d{1,2}\.\s?(\d{1,2}\.|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)|\b(19|20)\d\d\b"
                      r"|\b(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|Frühjahr|Sommer|Herbst|Winter|Ende|Anfang|Mitte)\s+(19|20)\d\d\b")
# what kind of value the question asks for (the "slot" an answer sentence must fill)
MONEY_Q = re.compile(
    r"\b(was|wie viel|wieviel)\s+(kostet|kosten|geld)\b|\bwie\s+teuer\b|\b(welche|mit welchen)\s+kosten\b|\bwie\s+(hoch|teuer)\b.*\b(kosten\w*|"
    r"gebühr\w*|preis\w*|umsatz\w*|defizit\w*|betrag|summe|zuschuss\w*|förder\w*|\w*zuwendung\w*|ausgaben|einnahmen|budget\w*|"
    r"schäden|schaden\w*|verschuldung|miete\w*|gehalt|vergütung)\b|\bwie viel\b.*\b(euro|spar\w*|verdien\w*|umsatz)\b", re.I)
COUNT_Q = re.compile(r"\bwie\s+(viel|viele|hoch|oft|lange|groß|gross|stark|teuer)\b|\bwieviele?\b|\banzahl\b", re.I)
WHEN_Q = re.compile(r"\b(wann|bis wann|ab wann|seit wann|zu welchem zeitpunkt|bis zu welchem)\b", re.I)
_NOT_A_COUNT = re.compile(
    r"§+\s*\d+\w*(?:\s*(?:abs\.|absatz)\s*\d+)?|\b\d{1,2}\.\s?\d{1,2}\.(?:\d{2,4})?|\b\d{1,2}\.\s?(?:Januar|Februar|März|April|Mai|Juni|Juli|"
    r"August|September|Oktober|November|Dezember)\b|\b(?:19|20)\d\d\b|\b(?:Nr|Nummer|TOP|Punkt|Drucksache|Vorlage|Seite|Anlage)\.?\s*\d[\d/.-]*"
    r"|\b\d{4}/\d{3,5}\b|\b\d{2}-\d{5}(?:-\d{2})?\b|(?-i:\b[A-Z]{1,3}\s?\d+\b)", re.I)
COUNT_WORD = re.compile(r"\b(zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend|"
                        r"dutzend|einzige[rn]?|keine[rn]?|kein)\b", re.I)
# "einzelne Verstöße", "wenige Fälle": a count, when it counts the asked noun
VAGUE_COUNT = re.compile(r"(?i:einzelne[rn]?|wenige[rn]?|mehrere[rn]?|zahlreiche[rn]?|vereinzelte[rn]?)")
COMPANY_Q = re.compile(r"\bwelche[rsmn]?\s+(firma|firmen|unternehmen|agentur|büro|dienstleister|auftragnehmer|anbieter)\b", re.I)
COMPANY_S = re.compile(r"\b(GmbH|AG|KG|mbH|GbR|SE|e\.\s?K\.|Inh\.)(?!\w)|\b(Firma|Agentur|Büro|Ingenieurbüro):?\s+[A-ZÄÖÜ0-9„\"]")
HOW_HIGH_Q = re.compile(r"\bwie\s+hoch\b", re.I)
UNIT_S = re.compile(r"\d[\d.,]*\s*(?:%|prozent|v\.\s?h\.|prozentpunkte|punkte|m²|qm|km|meter|tonnen|kwh|mwh|stunden|tage)", re.I)
COUNT_ANY_TOPICAL = 0.2  # "Wie viele X": a number not followed by X needs this much topical support
SLOT_MIN_TOPICAL = 0.1  # ... and cover (or follow a sentence covering) this share of the question's topic
# ", und welches Büro …": where a question goes on to ask a second thing
_CLAUSE = re.compile(r",?\s+und\s+(?=(?:wann|wie|welche[rsmn]?|was|wer|wo|warum|weshalb|wieso|ab wann|bis wann|seit wann|"
                     r"mit welche[rsmn]?|zu welche[rsmn]?)\b)", re.I)


def answer_slot(question: str) -> str | None:
    """The kind of value the question asks for: "money", "amount" (a number with a unit), "count", "date",
    "company" or None (a fact, a reason, a list)."""
    if COMPANY_Q.search(question):
        return "company"
    if MONEY_Q.search(question):
        return "money"
    if HOW_HIGH_Q.search(question):
        return "amount"
    if COUNT_Q.search(question):
        return "count"
    if WHEN_Q.search(question):
        return "date"
    return None


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
    rest = _NOT_A_COUNT.sub(" ", sentence)  # years, dates, paragraphs and paper numbers count nothing
    return bool(re.search(r"\d", rest) or COUNT_WORD.search(rest))


_STEMMER = Stemmer.Stemmer("german")
_COUNT_TOKEN = re.compile(r"\d[\d.,]*|[^\W\d_][\w*]*", re.UNICODE)


def counted_noun(question: str) -> str | None:
    """The noun a "Wie viele …?" question counts, stemmed ("Wie viele hitzebedingte Todesfälle" -> "todesfall")."""
    m = re.search(r"\b(?i:wie\s*viele)\s+(?:[a-zäöüß][\w\-]*\s+){0,2}?([A-ZÄÖÜ][\w\-]*)", question)
    if not m:
        return None
    word = m.group(1).split("-")[-1].lower()
    return _STEMMER.stemWord(word) if len(word) >= 4 else None


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
    text = _NOT_A_COUNT.sub(" ", sentence)
    if noun != "euro":
        text = _MONEY_AMOUNT.sub(" 1 Geldbetrag ", text)
    if noun not in {"prozent", "anteil"}:
        text = _SHARE.sub(" 1 Anteil ", text)
    tokens = _COUNT_TOKEN.findall(text)
    counted = [tokens[i + 1] for i, tok in enumerate(tokens[:-1]) if tok[0].isdigit() or COUNT_WORD.fullmatch(tok)]
    nouns = [t for t in counted if t[0].isupper()]
    return bool(counted) and len(nouns) == len(counted) and not any(
        _same_noun(_STEMMER.stemWord(t.split("*")[0].lower()), noun) for t in nouns)


def question_years(question: str) -> set[str]:
    """Years the question names outside Drucksache numbers ("2024/0015" names no year) and year pairs (a
    "Doppelhaushalt 2024/2025" is deliberated in 2023: its papers need not show either year)."""
    return set(YEAR.findall(REFERENCE.sub(" ", question)))


def missing_years(question: str, answer: str, paper_dates: Iterable[str | None] = ()) -> set[str]:
    """Years the question names (outside Drucksache numbers) that the answer does not show.

    "seit 2019" only starts the period asked about: "ca. 40 Anträge in oben genanntem Zeitraum"
    answers it. A point in time ("im Herbst 2023", "Ende März 2024") is also shown by the date of
    a cited paper of that year: a paper of October 2023 tells the state in autumn 2023.
    """
    years = question_years(question) - set(PERIOD_START.findall(question))
    dated = set(POINT_IN_TIME.findall(question)) & {str(d)[:4] for d in paper_dates if d}
    return {y for y in years if y not in answer and y not in dated}


def answers_slot(slot: str, cand: Candidate, years: set[str], noun: str | None = None) -> bool:
    """A candidate that gives the asked value about the asked topic (and for the asked year, if one is named).

    A sentence that names other years than the asked ones answers for those ("im Jahr 2024 70.000 Beutel"
    does not answer for 2025); a number that does not count the asked `noun` needs COUNT_ANY_TOPICAL.
    """
    vague = slot == "count" and noun is not None and counts_noun(_NOT_A_COUNT.sub(" ", cand.sentence), noun, vague=True)
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


def clauses(question: str) -> list[str]:
    """The parts of a question that asks several things ("Wann …, und welches Büro …?")."""
    return [part for part in _CLAUSE.split(question) if part.strip()]


def answer_slots(question: str) -> list[str | None]:
    """`answer_slot` of each part of the question (`clauses`)."""
    return [answer_slot(part) for part in clauses(question)]
