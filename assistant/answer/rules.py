"""Extractive answers (no LLM): the most relevant source sentences, each with its citation.

Sentence choice, in short: every sentence of the retrieved chunks is scored by the idf-weighted
share of the question's topic terms it contains (terms of the paper title count less: the paper
was found by its topic, the other terms pick the answer within it), plus bonuses when the sentence
carries what the question asks for (an amount, a date, a decision). A restated question or a
heading is a poor answer but tells where the answer is: the sentence right after it inherits most
of its score. Letterhead and table headers are damped, papers further down the ranking count less.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import Stemmer

from assistant.answer.compose import Shown, decision_text, paper_lines, render
from assistant.answer.query import IdfLookup
from assistant.types import Citation, Hit, Sentence
from index.boilerplate import Boilerplate
from ingest.language import (
    AGENDA_HEADING,
    DECISIVE_S,
    MONEY_S,
    MONTHS,
    QUESTION_LIKE,
    QUESTION_NOISE,
    REFERENCE,
    YEAR,
    base_reference,
    content_terms,
    find_references,
    normalise,
    overview_units,
    sentence_terms,
    split_sentences,
    version_base,
)

AMOUNT_Q = re.compile(r"\b(wie\s+(viel|viele|hoch|teuer|lang|groß|gross|oft|häufig|stark)|kostet|kosten|betrag|summe|anzahl|höhe|euro|prozent|mio|anteil|zahl|preis)\b", re.I)
DATE_Q = re.compile(r"\b(wann|bis wann|ab wann|zeitpunkt|datum|termin|frist|seit wann|jahr)\b", re.I)
OUTCOME_Q = re.compile(
    r"\b(beschlossen|beschluss|entschieden|abgestimmt|ergebnis|zugestimmt|abgelehnt|gremium|ausschuss|beraten|ausgegangen|"
    r"einverstanden|angenommen|behandelt|geworden)\b|\bwas (ist|wurde) (aus|mit)\b", re.I)
OUTCOME_S = re.compile(r"Ergebnis:|beschlossen|zugestimmt|abgelehnt|Kenntnis|einverstanden|Dafür:\s*\d")
# "Welche Vorlagen gab es zu …?": the answer is a list of papers, one line each
LIST_Q = re.compile(
    r"\bwelche\s+(\w+\s+)?(vorlagen|anträge|anfragen|drucksachen|dokumente|beschlussvorlagen|informationsvorlagen|papiere|stellungnahmen)\b"
    r"|\b(vorlagen|anträge|anfragen|drucksachen)\s+(gab|gibt)\b", re.I)
# questions about the request itself ("Was fordert die CDU in ihrem Antrag?"): the Antrag/Anfrage text answers
ABOUT_REQUEST_Q = re.compile(r"\b(beantrag\w*|forder\w*|antrag\w*|anfrage\w*|fragt|fragen|wissen|möchte|will|wollen|schlägt|vorschlag\w*)\b", re.I)
REQUEST_FILE = re.compile(r"^\s*(?!.*stellungnahme)(?:top\s*\S+\s+)?(anfrage|antrag|änderungs|ergänzungs|interfraktionell)", re.I)
ABOUT_PAPER_Q = re.compile(r"\b(worum|wovon|titel|thema|was für eine?|welche art)\b", re.I)
HAS_NUMBER = re.compile(r"\d")
PERIOD_START = re.compile(rf"\bseit\s+(?:(?:Anfang|Mitte|Ende|{MONTHS})\s+)?((?:19|20)\d\d)\b", re.I)
POINT_IN_TIME = re.compile(rf"\b(?:Frühjahr|Frühling|Sommer|Herbst|Winter|Anfang|Mitte|Ende|{MONTHS})\s+((?:19|20)\d\d)\b", re.I)
HAS_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:€|euro|eur\b|prozent|%|mio|millionen|mrd|tsd|plätze|stellen|mal\b|-mal\b)|\d\s*-mal", re.I)
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
SLOT_WINDOW = 12  # the slot-filling sentence must be among this many best candidates
SLOT_MIN_TOPICAL = 0.1  # ... and cover (or follow a sentence covering) this share of the question's topic

# ", und welches Büro …": where a question goes on to ask a second thing
_CLAUSE = re.compile(r",?\s+und\s+(?=(?:wann|wie|welche[rsmn]?|was|wer|wo|warum|weshalb|wieso|ab wann|bis wann|seit wann|"
                     r"mit welche[rsmn]?|zu welche[rsmn]?)\b)", re.I)
# a section heading the text layer glued to the sentence after it ("Kurzfassung Die Krähen …")
_HEADING_LEAD = re.compile(r"^(?:(?:Kurzfassung|Erläuterungen?|Sachverhalt|Begründung|Zusammenfassung|Sachstand|Anlass)"
                           r"(?:\s*\|\s*|\s+))+(?=[A-ZÄÖÜ„\"])")
_LIST_MARK = re.compile(r"^(?:[-•▪●–]\s*)+")
_GENERIC = frozenset(content_terms("Stadt Karlsruhe Braunschweig Oberbürgermeister Drucksache Vorlage Anfrage Stellungnahme Datum Seite"))
_LABEL = re.compile(r"\b[A-ZÄÖÜ][\w.\-]*\s?:(?=\s)")
_HEAD_LABEL = re.compile(r"\b(?:Vorlage\s*Nr\.|Verantwortlich|Dienststelle|Eingang|Drucksache(?:n-Nr\.)?|Beratungsfolge|"
                         r"Federführung|Aktenzeichen|Az\.)\s?:", re.I)
# fixed parts of the Karlsruhe Vorlage template that run into the title sentence: the consultation table's
# header, the printer's note (a budget request's form row, "Auszahlung (in Euro) … 350.000", is no head: it
# holds the amount asked for)
_TEMPLATE = re.compile(r"Gremien\s+Termin\s+TOP|Ö\s*/\s*N\s+Zuständigkeit|Gedruckt auf 100 Prozent Recyclingpapier", re.I)
_WORDS = re.compile(r"[^\W\d_][\w\-]*", re.UNICODE)

# tuning constants (measured on the even-numbered half of eval/questions.jsonl)
DOC_DECAY = 0.7  # score factor 1 / (1 + DOC_DECAY * paper rank)
TITLE_TERM_FACTOR = 0.5  # a question term in the paper title counts this much within the paper (it found the paper)
CARRY_AFTER_QUESTION = 0.8  # share of a restated question's / heading's score the next sentence inherits
CARRY_AFTER_SENTENCE = 0.3  # share of an ordinary sentence's score the next sentence inherits
CARRY_BACK = 0.3  # share of the next sentence's score a sentence inherits
QUESTION_PENALTY = 0.1  # a restated question answers nothing
LETTERHEAD_LABELS = 2
FORM_PENALTY = 0.3  # letterhead, table header, title line: few lowercase words
RELATIVE_CUTOFF = 0.2  # stop when a candidate scores below this share of the best one (0.2: paper citation precision +0.01, key facts unchanged; 0.3 costs one even key fact)
PER_HIT = 4  # at most this many sentences from one chunk
AMOUNT_BONUS = 1.0
NUMBER_BONUS = 0.5
DATE_BONUS = 0.5
OUTCOME_BONUS = 2.0
ANSWER_FILE = 1.3
REQUEST_FILE_FACTOR = 0.7
NOVELTY_FLOOR = 0.5  # share of its score a sentence keeps when all its question terms are already covered
NOVELTY_POOL = 60  # greedy selection looks at this many best candidates
MAX_SENTENCES = 4  # best sentences (anchors) in an answer, slot fillers included
SUMMARY_FACTOR = 1.6  # a sentence of the paper's own short summary (Kurzfassung) is the administration's answer
SUMMARY_FOLLOW = 3  # an anchor in the paper's Kurzfassung brings this many next sentences of it
NAMED_SUMMARY_FLOOR = 0.5  # least score of the Kurzfassung sentences of a paper the question names
SUMMARY_SECTION = re.compile(r"^\s*(Kurzfassung|Zusammenfassung)\b", re.I)
CHOSEN_JACCARD = 0.6  # an anchor sharing more than this share of its terms with a chosen one repeats it
DUPLICATE_JACCARD = 0.7  # ... and a follower more than this share with a shown sentence
LIST_ITEMS = 5  # a sentence ending in ":" brings up to this many short items of the list it announces
LIST_ITEM_CHARS = 300
FOCUS_FACTOR = 2.0  # a follow-up's own terms count this many times its earlier question's
FOLLOW_SENTENCES = 2  # each anchor brings the next sentences of its passage: the reason, the figure, the "but"


def _reference_terms(text: str) -> set[str]:
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


def _weights(terms: set[str], idf: IdfLookup) -> dict[str, float]:
    """term -> idf, in sorted order so that sums (and ties) do not depend on set iteration order."""
    return {t: idf.get(t, 1.0) for t in sorted(terms)}


def question_terms(question: str) -> set[str]:
    """The question's topic terms (question words, generic words and Drucksache numbers removed)."""
    terms = sentence_terms(question)
    return terms - QUESTION_NOISE - _reference_terms(question)


def prose_share(sentence: str) -> float:
    """Share of lowercase words: German prose has verbs and function words, headers and letterheads hardly any."""
    words = _WORDS.findall(sentence)
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].islower()) / len(words)


def is_form_like(sentence: str) -> bool:
    """Letterhead, table header or title line: hardly any lowercase words, or several "Label:" fields."""
    return prose_share(sentence) < 0.2 or len(_LABEL.findall(sentence)) >= 2




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


def _paper_ranks(hits: list[Hit]) -> list[int]:
    order: dict[str, int] = {}
    return [order.setdefault(h.doc_id, len(order)) for h in hits]


def score_sentences(question: str, hits: list[Hit], idf: IdfLookup, boilerplate: Boilerplate | None = None,
                    asked: str | None = None) -> list[Candidate]:
    """Every sentence of the hits, scored by idf-weighted coverage of the question's topic terms.

    Sentences in `boilerplate` (lines recurring across many papers of the corpus) are never candidates.
    `asked` is a follow-up as the user asked it when `question` is its standalone rewrite: what it asks
    for (an amount, a date, an outcome) comes from it alone, and its own terms count FOCUS_FACTOR times.
    """
    terms_of_text = sentence_terms
    q_terms = question_terms(question)
    weights = _weights(q_terms, idf)
    if asked:
        focus = question_terms(asked)
        weights = {t: w * (FOCUS_FACTOR if t in focus else 1.0) for t, w in weights.items()}
    total = sum(weights.values()) or 1.0
    summary_mode = not q_terms  # "Was steht in 2024/0015?": summarise the named paper
    named = {r.lower() for r in find_references(question)}
    kind = asked or question
    wants_amount, wants_date, wants_outcome = AMOUNT_Q.search(kind), DATE_Q.search(kind), OUTCOME_Q.search(kind)
    about_request = bool(ABOUT_REQUEST_Q.search(kind))
    about_paper = bool(wants_date or ABOUT_PAPER_Q.search(kind))
    with_text = {h.doc_id for h in hits if h.meta.get("file_id") != "overview"}
    ranks = _paper_ranks(hits)
    out: list[Candidate] = []
    for i, hit in enumerate(hits):
        prior = 1.0 / (1.0 + DOC_DECAY * ranks[i]) / (1.0 + 0.02 * i)
        overview = hit.meta.get("file_id") == "overview"
        if summary_mode and named and str(hit.meta.get("reference", "")).lower() not in named:
            continue
        title_terms = terms_of_text(str(hit.meta.get("title", "")))
        section = str(hit.meta.get("section") or "")
        in_summary = bool(SUMMARY_SECTION.match(section))
        # the paper was found by its topic; within it, the question's other terms pick the answer
        local = {t: (w * TITLE_TERM_FACTOR if t in title_terms else w) for t, w in weights.items()}
        local_total = sum(local.values()) or 1.0
        file_name = str(hit.meta.get("file_name", ""))
        answer_file = ANSWER_FILE if re.search(r"stellungnahme|antwort", file_name, re.I) else 1.0
        if REQUEST_FILE.match(file_name) and not about_request:
            answer_file = REQUEST_FILE_FACTOR  # the request restates the question; the statement answers it
        units = overview_units(hit.text) if overview else split_sentences(hit.text)
        reference = str(hit.meta.get("reference", "")).lower()
        named_paper = bool(reference) and reference in named
        parts = [_LIST_MARK.sub("", raw) for raw in units]
        terms_of = [terms_of_text(p) for p in parts]
        own_of = [sum(w for t, w in local.items() if t in terms) / local_total for terms in terms_of]
        question_of = [is_question_like(p, section) for p in parts]
        for position, sentence in enumerate(parts):
            terms, own, question_like = terms_of[position], own_of[position], question_of[position]
            coverage = sum(w for t, w in weights.items() if t in terms) / total
            inherited = 0.0
            if position > 0:  # the sentence after a matching one often holds the answer
                inherited = own_of[position - 1] * (CARRY_AFTER_QUESTION if question_of[position - 1] else CARRY_AFTER_SENTENCE)
            if position + 1 < len(parts) and not question_of[position + 1]:
                inherited = max(inherited, own_of[position + 1] * CARRY_BACK)
            if len(sentence) > 600 or len(sentence) < (4 if units[position] != sentence else 20):
                continue  # a short list item ("- Altlastenverdacht") stays: a list announced by ":" shows it
            if boilerplate is not None and boilerplate.is_boilerplate(sentence):
                continue  # printer's note, letterhead, form label: in many papers, about none
            identity = overview and position == 0
            if identity and not ((named_paper and about_paper) or (ranks[i] == 0 and hit.doc_id not in with_text)):
                continue  # title, type and date answer what a named paper is, or stand in for a paper without text
            if not identity and terms and terms <= title_terms | _reference_terms(sentence) | _GENERIC:
                continue  # a restated title or letterhead says nothing new
            score = (own + inherited) * answer_file * (SUMMARY_FACTOR if in_summary else 1.0)
            if in_summary and named_paper:  # "Warum hält die Verwaltung in 2023/0703 … für unpassend?"
                score = max(score, NAMED_SUMMARY_FLOOR / (1.0 + 0.3 * position))  # its own summary answers
            if summary_mode:
                coverage = 1.0 if not overview else 0.0
                score = (0.0 if overview else 1.0) / (1.0 + 0.3 * position) + (0.2 if len(terms) >= 6 else 0.0)
            elif identity and named_paper and about_paper:
                score = 1.0  # "Von wann ist 26-29470, und worum geht es?": title, type and date first
            elif overview and not wants_outcome:
                score *= 0.6
            boost = 0.0
            if wants_amount and HAS_NUMBER.search(sentence):
                boost += AMOUNT_BONUS if HAS_AMOUNT.search(sentence) else NUMBER_BONUS
            if wants_date and HAS_DATE.search(sentence):
                boost += DATE_BONUS
            if wants_outcome and OUTCOME_S.search(sentence):
                boost += OUTCOME_BONUS
            score += boost * 0.4
            if question_like or AGENDA_HEADING.match(sentence):
                score *= QUESTION_PENALTY  # the Anfrage's own question restates, a minutes' agenda heading names
            elif not overview and is_letterhead(sentence):
                score *= QUESTION_PENALTY  # also for outcome and amount questions: a head decides and costs nothing
            elif not overview and not wants_outcome and is_form_like(sentence) and not (
                    wants_amount and HAS_AMOUNT.search(sentence)):
                score *= FORM_PENALTY
            out.append(Candidate(i, sentence, score * prior, coverage, position, terms, own + inherited,
                                 units[position] != sentence))
    out.sort(key=lambda c: -c.score)
    return out


def _compound_parts(question: str, analyzer: Any) -> dict[str, frozenset[str]]:
    """Stem of each compound word of the question -> the stems of its parts, split with the index's
    vocabulary ("Stellenanzeigen" -> {"stell", "anzeig"}); empty without an index analyzer."""
    if analyzer is None:
        return {}
    out: dict[str, frozenset[str]] = {}
    for word in analyzer.words(question):
        terms = analyzer.terms_of_word(word)
        if len(terms) > 1 and "-" not in word:
            out[terms[0]] = frozenset(terms[1:])
    return out


def _covered(q_terms: set[str], text: str, terms_of: Any, analyzer: Any, parts: dict[str, frozenset[str]]) -> set[str]:
    """The question terms a text covers: by the same stem, or (with the index's vocabulary) as a part of
    one of its compounds ("Schaltung" in "Anzeigenschaltung") or by all parts of a compound of the question
    ("Stellenanzeigen" by "Stellenangeboten" and "Anzeigenschaltung")."""
    found = terms_of(text) & q_terms
    if analyzer is None or found == q_terms:
        return found
    split = set(analyzer.terms(text))
    for t in q_terms - found:
        if t in split or (t in parts and parts[t] <= split):
            found.add(t)
    return found


def topic_coverage(question: str, hits: list[Hit], idf: IdfLookup, top: int = 3, compounds: bool = True) -> float:
    """Share (idf-weighted) of the question's topic terms found in the best `top` hits together; with
    `compounds`, also as parts of compound words (`_covered`)."""
    q_terms = content_terms(question) - QUESTION_NOISE
    if not q_terms:
        return 0.0
    weights = _weights(q_terms, idf)
    analyzer = idf.analyzer if compounds else None
    parts = _compound_parts(question, analyzer)
    found: set[str] = set()
    for hit in hits[:top]:
        found |= _covered(q_terms, hit.text + " " + str(hit.meta.get("title", "")), content_terms, analyzer, parts)
    return sum(weights[t] for t in sorted(found)) / (sum(weights.values()) or 1.0)


def paper_coverage(question: str, hits: list[Hit], idf: IdfLookup, compounds: bool = True) -> float:
    """Share (idf-weighted) of the question's topic terms found in the best paper's chunks among `hits`."""
    q_terms = question_terms(question)
    if not q_terms or not hits:
        return 0.0
    weights = _weights(q_terms, idf)
    analyzer = idf.analyzer if compounds else None
    parts = _compound_parts(question, analyzer)
    found: set[str] = set()
    for hit in hits:
        if hit.doc_id == hits[0].doc_id:
            found |= _covered(q_terms, hit.text + " " + str(hit.meta.get("title", "")), sentence_terms, analyzer, parts)
    return sum(weights[t] for t in sorted(found)) / (sum(weights.values()) or 1.0)


def answer_confidence(question: str, hits: list[Hit], pool: list[Hit], idf: IdfLookup, compounds: bool = True) -> float:
    """How well the retrieved text covers the question (0-1), compared with `refusal_threshold`.

    The mean of the topic coverage of the three best hits and the coverage by the best paper's
    chunks (including the context chunks in `pool`): a near miss (the topic is there, the asked
    detail is not) leaves the question's specific terms uncovered.
    """
    return (topic_coverage(question, hits, idf, compounds=compounds) + paper_coverage(question, pool, idf, compounds)) / 2.0


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


def choose(candidates: list[Candidate], max_sentences: int = 5, weights: dict[str, float] | None = None) -> list[Candidate]:
    """The best candidates: no near-duplicates, at most PER_HIT per chunk, none far below the best.

    With the question's term `weights`, selection is greedy over coverage: a candidate whose question
    terms are already covered by chosen sentences counts less (NOVELTY_FLOOR), so the second part of
    "Wie oft …, und wie entwickelt sich die Nachfrage?" gets its own sentence.
    """
    chosen: list[Candidate] = []
    per_hit: dict[int, int] = {}
    covered: set[str] = set()
    pool = list(candidates[:NOVELTY_POOL]) if weights else list(candidates)

    def adjusted(cand: Candidate) -> float:
        if not weights or not chosen:
            return cand.score
        own = {t: w for t, w in weights.items() if t in cand.terms}
        total = sum(own.values())
        if total <= 0:
            return cand.score * NOVELTY_FLOOR  # no question term: it adds no coverage
        new = sum(w for t, w in own.items() if t not in covered) / total
        return cand.score * (NOVELTY_FLOOR + (1.0 - NOVELTY_FLOOR) * new)

    while pool and len(chosen) < max_sentences:
        best_i = max(range(len(pool)), key=lambda i: adjusted(pool[i])) if weights else 0
        cand = pool.pop(best_i)
        if chosen and cand.score < RELATIVE_CUTOFF * chosen[0].score:
            break
        if any(_near_duplicate(cand, c, CHOSEN_JACCARD) for c in chosen):
            continue  # near-duplicate (e.g. the same sentence in Anfrage and Stellungnahme)
        if per_hit.get(cand.hit_index, 0) >= PER_HIT:
            continue
        chosen.append(cand)
        covered |= cand.terms
        per_hit[cand.hit_index] = per_hit.get(cand.hit_index, 0) + 1
    return chosen


class Extract(NamedTuple):
    """An extractive answer: text with [n] markers, its sentences and citations, and how well it answers."""

    text: str
    sentences: list[Sentence]
    citations: list[Citation]
    best: float  # best topic coverage of the first two sentences
    slot_filled: bool | None = None  # the asked kind of value (amount, date) was found; None: nothing specific asked
    core: str = ""  # the best sentences alone, without the sentences that follow them (for the year check)


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


def fill_slot(question: str, candidates: list[Candidate], chosen: list[Candidate], max_sentences: int
              ) -> tuple[list[Candidate], bool | None]:
    """Make sure the answer holds a sentence with the asked kind of value (an amount for "Wie viel kostet …?").

    For each part of the question that asks for a value, the best sentence among the SLOT_WINDOW best
    candidates that carries such a value about the question's topic (and year) joins the answer right
    after the best sentence. When none of the asked values is found, the retrieved text most likely
    does not answer (returned as False); when one of two is ("Wann …, und welches Büro …?"), the
    answer stands with what it has.
    """
    parts = [(part, answer_slot(part)) for part in clauses(question)]
    if all(slot is None for _part, slot in parts):
        return chosen, None
    years = question_years(question)
    answered = False
    fillers: list[Candidate] = []
    for part, slot in parts:
        if slot is None:
            continue
        noun = counted_noun(part) if slot == "count" else None
        if any(answers_slot(slot, c, years, noun) for c in [*chosen[:2], *fillers]):
            answered = True
            continue
        filler = next((c for c in candidates[:SLOT_WINDOW] if answers_slot(slot, c, years, noun)), None)
        if filler is not None:
            answered = True
            if filler not in fillers:
                fillers.append(filler)
    if not fillers:
        return chosen, answered
    rest = [c for c in chosen[1:] if c not in fillers]
    return ([*chosen[:1], *fillers, *rest])[:max_sentences], answered


def with_followers(chosen: list[Candidate], candidates: list[Candidate], hits: list[Hit],
                   follow: int = FOLLOW_SENTENCES) -> list[Candidate]:
    """The chosen sentences, each followed by up to `follow` next sentences of the same passage.

    The answer often continues right after the best-matching sentence ("… 15-mal verliehen. Die Nachfrage
    ist eher als rückläufig zu betrachten."); a letterhead, a table row or a restated question ends the passage.
    A sentence ending in ":" announces a list: up to LIST_ITEMS of its short items follow it. An anchor
    in the paper's Kurzfassung brings SUMMARY_FOLLOW next sentences: the summary is dense.
    """
    at = {(c.hit_index, c.position): c for c in candidates}
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for anchor in chosen:
        group = [anchor]
        overview = hits[anchor.hit_index].meta.get("file_id") == "overview"  # its lines are fields, not a passage
        listing = not overview and anchor.sentence.rstrip().endswith(":")
        summary = SUMMARY_SECTION.match(str(hits[anchor.hit_index].meta.get("section") or ""))
        limit = 0 if overview else max(follow, LIST_ITEMS if listing else 0, SUMMARY_FOLLOW if summary else 0)
        step = 1
        while step <= limit:
            nxt = at.get((anchor.hit_index, anchor.position + step))
            if nxt is None or is_question_like(nxt.sentence):
                break
            if listing:  # list items are often bare noun phrases ("Herausfordernde Topografie")
                if not nxt.item or len(nxt.sentence) > LIST_ITEM_CHARS or len(_LABEL.findall(nxt.sentence)) >= 2:
                    break
            elif is_form_like(nxt.sentence) or is_letterhead(nxt.sentence):
                break
            group.append(nxt)
            if not listing and nxt.sentence.rstrip().endswith(":"):
                listing, limit = True, step + LIST_ITEMS  # "Die Herausforderungen … sind:" announces its items
            step += 1
        for cand in group:
            key = (cand.hit_index, cand.position)
            if key in seen:
                continue
            if cand is not anchor and any(_near_duplicate(cand, c, DUPLICATE_JACCARD) for c in out):
                continue  # the same statement again (Kurzfassung and Erläuterungen often repeat it)
            seen.add(key)
            out.append(cand)
    return out


def _near_duplicate(a: Candidate, b: Candidate, share: float) -> bool:
    """`a` shares more than `share` of its and `b`'s terms (Jaccard): the same statement again."""
    return bool(a.terms) and len(a.terms & b.terms) / len(a.terms | b.terms) > share


def decision(candidates: list[Candidate], hits: list[Hit]) -> Candidate | None:
    """The best paper's final decision: the Beratung line of its overview whose result decides something.

    The deciding body's line (Rolle: Entscheidung) wins over preliminary ones; among several, the last.
    """
    if not hits:
        return None
    top = hits[0].doc_id
    lines = [c for c in candidates if hits[c.hit_index].doc_id == top and hits[c.hit_index].meta.get("file_id") == "overview"
             and DECISIVE_S.search(c.sentence)]
    if not lines:
        return None
    final = [c for c in lines if "Rolle: Entscheidung" in c.sentence]
    return max(final or lines, key=lambda c: c.position)


def named_paper_candidates(question: str, candidates: list[Candidate], hits: list[Hit]) -> list[Candidate]:
    """A question about a named paper ("Was sagt die Verwaltung in 2023/0325?") is answered from that
    Drucksache and its versions and partners ("25-25182" and its Stellungnahme "25-25182-01") alone."""
    named = {version_base(base_reference(r)) for r in find_references(question)}
    if not named:
        return candidates
    own = [c for c in candidates
           if version_base(base_reference(str(hits[c.hit_index].meta.get("reference") or ""))) in named]
    return own or candidates


def extractive_answer(question: str, hits: list[Hit], idf: IdfLookup, max_sentences: int | None = None,
                      boilerplate: Boilerplate | None = None, follow: int = FOLLOW_SENTENCES,
                      decisions: bool = True, asked: str | None = None) -> Extract:
    """The answer built from verbatim source sentences (see `Extract`).

    MAX_SENTENCES best sentences unless given, each with `follow` next sentences of its passage;
    consecutive sentences of one passage share a line. With `decisions`, the best paper's decision
    (`decision`) is stated too.
    """
    max_sentences = max_sentences or MAX_SENTENCES
    candidates = score_sentences(question, hits, idf, boilerplate, asked)
    kind = asked or question  # a follow-up asks for what its own words ask, not for what the earlier question did
    if LIST_Q.search(kind):
        return _paper_list(candidates, hits, max_sentences)
    candidates = named_paper_candidates(question, candidates, hits)
    weights = _weights(question_terms(question), idf) if NOVELTY_FLOOR < 1.0 else None
    chosen, slot_filled = fill_slot(kind, candidates, choose(candidates, max_sentences, weights), max_sentences)
    best = max((c.coverage for c in chosen[:2]), default=0.0)
    core = "\n".join(c.sentence for c in chosen)
    picked = with_followers(chosen, candidates, hits, follow)
    decided = decision(candidates, hits) if decisions else None
    picked = [c for c in picked if c is not decided]
    # grouped by chunk (best chunk first), in reading order within a chunk
    first_seen: dict[int, int] = {}
    for k, cand in enumerate(picked):
        first_seen.setdefault(cand.hit_index, k)
    ordered = sorted(picked, key=lambda c: (first_seen[c.hit_index], c.position))
    if decided is not None:
        # the question asks what became of it: the decision answers first; else it closes the answer as its status
        ordered.insert(0 if OUTCOME_Q.search(kind) else len(ordered), decided)
    shown = [Shown(c.hit_index, c.position, c.sentence,
                   decision_text(c.sentence, str(hits[c.hit_index].meta.get("reference") or "")) if c is decided
                   else _HEADING_LEAD.sub("", c.sentence)) for c in ordered]
    text, sentences, citations = render(hits, shown)
    return Extract(text, sentences, citations, best, slot_filled, core)


def _paper_list(candidates: list[Candidate], hits: list[Hit], max_papers: int) -> Extract:
    """One line per paper (best papers first): its label and its best sentence."""
    best_of: dict[str, Candidate] = {}
    for cand in candidates:  # sorted best first
        doc = hits[cand.hit_index].doc_id
        if doc not in best_of and len(best_of) < max_papers:
            best_of[doc] = cand
    chosen = sorted(best_of.values(), key=lambda c: c.hit_index)
    text, sentences, citations = paper_lines(hits, [(c.hit_index, c.sentence, c.sentence) for c in chosen])
    best = max((c.coverage for c in chosen), default=0.0)
    return Extract(text, sentences, citations, best, core=text)
