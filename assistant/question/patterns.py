"""What a question asks for, in the words people use: the patterns `Question.read` applies once.

The words are `ingest.language.QUESTION_KINDS` (the reader's features were learned on them) where the rules read a
question the same way; the rules' amount and date asks and the value slots of their refusals keep patterns of their
own (broader asks, narrower slots), which they were measured with."""

from __future__ import annotations

import re
from enum import StrEnum

from ingest.language import MONTHS, QUESTION_KINDS, noun_stem


class Ask(StrEnum):
    """What the user's own words ask for, as the rules read it (`Question.asks`)."""

    AMOUNT = "amount"  # an amount or a number ("Wie viel kostet …", "Anteil")
    DATE = "date"  # a date or a year ("Wann …", "Frist")
    OUTCOME = "outcome"  # what became of it ("beschlossen", "Was wurde aus …")
    ABOUT_REQUEST = "about_request"  # the request itself ("Was fordert die CDU in ihrem Antrag?")
    ABOUT_PAPER = "about_paper"  # what a paper is about or when it was dated ("Worum geht es …")
    LIST = "list"  # a list of papers ("Welche Anträge gab es zu …?")


ASK_PATTERNS: dict[Ask, re.Pattern[str]] = {
    Ask.AMOUNT: re.compile(r"\b(wie\s+(viel|viele|hoch|teuer|lang|groß|gross|oft|häufig|stark)|kostet|kosten|betrag|summe|"
                           r"anzahl|höhe|euro|prozent|mio|anteil|zahl|preis)\b", re.I),
    Ask.DATE: re.compile(r"\b(wann|bis wann|ab wann|zeitpunkt|datum|termin|frist|seit wann|jahr)\b", re.I),
    Ask.OUTCOME: QUESTION_KINDS["outcome"],
    Ask.ABOUT_REQUEST: QUESTION_KINDS["request"],
    Ask.ABOUT_PAPER: QUESTION_KINDS["about_paper"],
    Ask.LIST: QUESTION_KINDS["list"],
}
GOES_ABOUT = re.compile(r"\bgeht es\b|\bgegenstand\b", re.I)

# a paper type named in the question ("der Änderungsantrag zu ...", "welche Anfragen ...")
TYPE_WORDS = [
    (re.compile(r"(änderungs|ergänzungs)(-|\s*/\s*)?(und\s+)?(ergänzungs)?antr(ag|äge)", re.I),
     "änderungs-/ergänzungsantrag"),
    (re.compile(r"\bbeschlussvorlagen?\b", re.I), "beschlussvorlage"),
    (re.compile(r"\binformationsvorlagen?\b", re.I), "informationsvorlage"),
    (re.compile(r"\banfragen?\b", re.I), "anfrage"),
    (re.compile(r"\bantr(ag|äge|ages)\b", re.I), "antrag"),
]

# "seit 2019" starts the period asked about; "im Herbst 2023" is a point in time a paper's date may show
PERIOD_START = re.compile(rf"\bseit\s+(?:(?:Anfang|Mitte|Ende|{MONTHS})\s+)?((?:19|20)\d\d)\b", re.I)
POINT_IN_TIME = re.compile(rf"\b(?:Frühjahr|Frühling|Sommer|Herbst|Winter|Anfang|Mitte|Ende|{MONTHS})\s+((?:19|20)\d\d)\b",
                           re.I)

# what kind of value a part of the question asks for (the "slot" an answer sentence must fill)
MONEY_Q = re.compile(
    r"\b(was|wie viel|wieviel)\s+(kostet|kosten|geld)\b|\bwie\s+teuer\b|\b(welche|mit welchen)\s+kosten\b|\bwie\s+(hoch|teuer)\b.*\b(kosten\w*|"
    r"gebühr\w*|preis\w*|umsatz\w*|defizit\w*|betrag|summe|zuschuss\w*|förder\w*|\w*zuwendung\w*|ausgaben|einnahmen|budget\w*|"
    r"schäden|schaden\w*|verschuldung|miete\w*|gehalt|vergütung)\b|\bwie viel\b.*\b(euro|spar\w*|verdien\w*|umsatz)\b", re.I)
COUNT_Q = re.compile(r"\bwie\s+(viel|viele|hoch|oft|lange|groß|gross|stark|teuer)\b|\bwieviele?\b|\banzahl\b", re.I)
WHEN_Q = re.compile(r"\b(wann|bis wann|ab wann|seit wann|zu welchem zeitpunkt|bis zu welchem)\b", re.I)
# a firm asked for: its slot demands a company name (`ingest.language.COMPANY_NAME`); "Welcher Verein/Träger …?" is
# answered by a name without a legal form, so it asks for no slot (unlike `QUESTION_KINDS["company"]`)
COMPANY_Q = re.compile(r"\bwelche[rsmn]?\s+(firma|firmen|unternehmen|agentur|büro|dienstleister|auftragnehmer|anbieter)\b", re.I)
HOW_HIGH_Q = re.compile(r"\bwie\s+hoch\b", re.I)
# ", und welches Büro …": where a question goes on to ask a second thing
_CLAUSE = re.compile(r",?\s+und\s+(?=(?:wann|wie|welche[rsmn]?|was|wer|wo|warum|weshalb|wieso|ab wann|bis wann|seit wann|"
                     r"mit welche[rsmn]?|zu welche[rsmn]?)\b)", re.I)


def asks(text: str) -> frozenset[Ask]:
    return frozenset(ask for ask, pattern in ASK_PATTERNS.items() if pattern.search(text))


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


def clauses(question: str) -> list[str]:
    """The parts of a question that asks several things ("Wann …, und welches Büro …?")."""
    return [part for part in _CLAUSE.split(question) if part.strip()]


def answer_slots(question: str) -> list[str | None]:
    """`answer_slot` of each part of the question (`clauses`)."""
    return [answer_slot(part) for part in clauses(question)]


def counted_noun(question: str) -> str | None:
    """The noun a "Wie viele …?" question counts, stemmed ("Wie viele hitzebedingte Todesfälle" -> "todesfall")."""
    m = re.search(r"\b(?i:wie\s*viele)\s+(?:[a-zäöüß][\w\-]*\s+){0,2}?([A-ZÄÖÜ][\w\-]*)", question)
    if not m:
        return None
    word = m.group(1).split("-")[-1].lower()
    return noun_stem(word) if len(word) >= 4 else None
