"""Every retrieved sentence scored for the question, and the greedy choice of the best ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.query import IdfLookup
from assistant.answer.rules.sentences import Candidate, reference_terms, term_weights
from assistant.question import Ask, Question
from assistant.types import Hit
from index.boilerplate import Boilerplate
from ingest.language import (
    AGENDA_HEADING,
    DATE_S,
    LIST_MARK,
    MONEY_S,
    OUTCOME_S,
    REQUEST_FILE,
    SUMMARY_SECTION,
    UNIT_S,
    content_terms,
    is_form_like,
    is_letterhead,
    is_question_like,
    overview_units,
    sentence_terms,
    split_sentences,
)

HAS_NUMBER = re.compile(r"\d")
_GENERIC = frozenset(content_terms("Stadt Karlsruhe Braunschweig Oberbürgermeister Drucksache Vorlage Anfrage Stellungnahme Datum Seite"))
# tuning constants (measured on the even-numbered half of eval/questions.jsonl)
DOC_DECAY = 0.7  # score factor 1 / (1 + DOC_DECAY * paper rank)
TITLE_TERM_FACTOR = 0.5  # a question term in the paper title counts this much within the paper (it found the paper)
CARRY_AFTER_QUESTION = 0.8  # share of a restated question's / heading's score the next sentence inherits
CARRY_AFTER_SENTENCE = 0.3  # share of an ordinary sentence's score the next sentence inherits
CARRY_BACK = 0.3  # share of the next sentence's score a sentence inherits
QUESTION_PENALTY = 0.1  # a restated question answers nothing
FORM_PENALTY = 0.3  # letterhead, table header, title line: few lowercase words
RELATIVE_CUTOFF = 0.2  # stop when a candidate scores below this share of the best one
PER_HIT = 4  # at most this many sentences from one chunk
AMOUNT_BONUS = 1.0
NUMBER_BONUS = 0.5
DATE_BONUS = 0.5
OUTCOME_BONUS = 2.0
ANSWER_FILE = 1.3
REQUEST_FILE_FACTOR = 0.7
NOVELTY_FLOOR = 0.5  # share of its score a sentence keeps when all its question terms are already covered
NOVELTY_POOL = 60  # greedy selection looks at this many best candidates
SUMMARY_FACTOR = 1.6  # a sentence of the paper's own short summary (Kurzfassung) is the administration's answer
NAMED_SUMMARY_FLOOR = 0.5  # least score of the Kurzfassung sentences of a paper the question names
CHOSEN_JACCARD = 0.6  # an anchor sharing more than this share of its terms with a chosen one repeats it
FOCUS_FACTOR = 2.0  # a follow-up's own terms count this many times its earlier question's


def _paper_ranks(hits: list[Hit]) -> list[int]:
    order: dict[str, int] = {}
    return [order.setdefault(h.doc_id, len(order)) for h in hits]


@dataclass(frozen=True)
class _Asked:
    """What the rules read from the question for scoring: its weighted terms and the kind of answer it asks for."""

    weights: dict[str, float]
    total: float
    summary_mode: bool  # "Was steht in 2024/0015?": summarise the named paper
    named: set[str]
    wants_amount: bool
    wants_date: bool
    wants_outcome: bool
    about_request: bool
    about_paper: bool

    @staticmethod
    def of(question: Question, idf: IdfLookup) -> _Asked:
        weights = term_weights(set(question.terms), idf)
        if question.is_followup:  # what a follow-up asks for comes from its own words, which count more
            weights = {t: w * (FOCUS_FACTOR if t in question.own_terms else 1.0) for t, w in weights.items()}
        asks = question.asks
        wants_date = Ask.DATE in asks
        return _Asked(weights, sum(weights.values()) or 1.0, not question.terms,
                      {r.lower() for r in question.references}, Ask.AMOUNT in asks, wants_date, Ask.OUTCOME in asks,
                      Ask.ABOUT_REQUEST in asks, wants_date or Ask.ABOUT_PAPER in asks)


@dataclass(frozen=True)
class _Passage:
    """One retrieved chunk as the rules score its sentences."""

    index: int
    hit: Hit
    rank: int  # the paper's rank among the retrieved papers
    prior: float
    overview: bool
    title_terms: set[str]
    section: str
    in_summary: bool
    answer_file: float
    reference: str
    named_paper: bool
    has_text: bool  # the paper has text chunks among the hits (not only its overview)


def score_sentences(question: Question, hits: list[Hit], idf: IdfLookup, boilerplate: Boilerplate | None = None
                    ) -> list[Candidate]:
    """Every sentence of the hits, scored by idf-weighted coverage of the question's topic terms.

    Sentences in `boilerplate` (lines recurring across many papers of the corpus) are never candidates.
    A follow-up's own terms count FOCUS_FACTOR times those of its earlier question.
    """
    q = _Asked.of(question, idf)
    with_text = {h.doc_id for h in hits if not h.meta.overview}
    ranks = _paper_ranks(hits)
    out: list[Candidate] = []
    for i, hit in enumerate(hits):
        if q.summary_mode and q.named and hit.meta.reference.lower() not in q.named:
            continue
        out.extend(_passage_candidates(q, _passage(q, i, hit, ranks[i], hit.doc_id in with_text), boilerplate))
    out.sort(key=lambda c: -c.score)
    return out


def _passage(q: _Asked, i: int, hit: Hit, rank: int, has_text: bool) -> _Passage:
    file_name = hit.meta.file_name
    answer_file = ANSWER_FILE if re.search(r"stellungnahme|antwort", file_name, re.I) else 1.0
    if REQUEST_FILE.match(file_name) and not q.about_request:
        answer_file = REQUEST_FILE_FACTOR  # the request restates the question; the statement answers it
    reference = hit.meta.reference.lower()
    section = hit.meta.section
    return _Passage(i, hit, rank, 1.0 / (1.0 + DOC_DECAY * rank) / (1.0 + 0.02 * i), hit.meta.overview,
                    sentence_terms(hit.meta.title), section, bool(SUMMARY_SECTION.match(section)), answer_file,
                    reference, bool(reference) and reference in q.named, has_text)


def _passage_candidates(q: _Asked, p: _Passage, boilerplate: Boilerplate | None) -> list[Candidate]:
    # the paper was found by its topic; within it, the question's other terms pick the answer
    local = {t: (w * TITLE_TERM_FACTOR if t in p.title_terms else w) for t, w in q.weights.items()}
    local_total = sum(local.values()) or 1.0
    units = overview_units(p.hit.text) if p.overview else split_sentences(p.hit.text)
    parts = [LIST_MARK.sub("", raw) for raw in units]
    terms_of = [sentence_terms(part) for part in parts]
    own_of = [sum(w for t, w in local.items() if t in terms) / local_total for terms in terms_of]
    question_of = [is_question_like(part, p.section) for part in parts]
    out: list[Candidate] = []
    for position, sentence in enumerate(parts):
        inherited = 0.0
        if position > 0:  # the sentence after a matching one often holds the answer
            inherited = own_of[position - 1] * (CARRY_AFTER_QUESTION if question_of[position - 1] else CARRY_AFTER_SENTENCE)
        if position + 1 < len(parts) and not question_of[position + 1]:
            inherited = max(inherited, own_of[position + 1] * CARRY_BACK)
        if len(sentence) > 600 or len(sentence) < (4 if units[position] != sentence else 20):
            continue  # a short list item ("- Altlastenverdacht") stays: a list announced by ":" shows it
        if boilerplate is not None and boilerplate.is_boilerplate(sentence):
            continue  # printer's note, letterhead, form label: in many papers, about none
        identity = p.overview and position == 0
        if identity and not ((p.named_paper and q.about_paper) or (p.rank == 0 and not p.has_text)):
            continue  # title, type and date answer what a named paper is, or stand in for a paper without text
        terms = terms_of[position]
        if not identity and terms and terms <= p.title_terms | reference_terms(sentence) | _GENERIC:
            continue  # a restated title or letterhead says nothing new
        coverage = sum(w for t, w in q.weights.items() if t in terms) / q.total
        own = own_of[position]
        score, coverage = _sentence_score(q, p, sentence, position, own + inherited, coverage, identity, len(terms),
                                          question_of[position])
        out.append(Candidate(p.index, sentence, score * p.prior, coverage, position, terms, own + inherited,
                             units[position] != sentence))
    return out


def _sentence_score(q: _Asked, p: _Passage, sentence: str, position: int, topical: float, coverage: float,
                    identity: bool, n_terms: int, question_like: bool) -> tuple[float, float]:
    """(score, coverage) of one sentence: its topical share, the value bonuses, the penalties for its form."""
    score = topical * p.answer_file * (SUMMARY_FACTOR if p.in_summary else 1.0)
    if p.in_summary and p.named_paper:  # "Warum hält die Verwaltung in 2023/0703 … für unpassend?"
        score = max(score, NAMED_SUMMARY_FLOOR / (1.0 + 0.3 * position))  # its own summary answers
    if q.summary_mode:
        coverage = 1.0 if not p.overview else 0.0
        score = (0.0 if p.overview else 1.0) / (1.0 + 0.3 * position) + (0.2 if n_terms >= 6 else 0.0)
    elif identity and p.named_paper and q.about_paper:
        score = 1.0  # "Von wann ist 26-29470, und worum geht es?": title, type and date first
    elif p.overview and not q.wants_outcome:
        score *= 0.6
    boost = 0.0
    if q.wants_amount and HAS_NUMBER.search(sentence):
        boost += AMOUNT_BONUS if _has_amount(sentence) else NUMBER_BONUS
    if q.wants_date and DATE_S.search(sentence):
        boost += DATE_BONUS
    if q.wants_outcome and OUTCOME_S.search(sentence):
        boost += OUTCOME_BONUS
    score += boost * 0.4
    if question_like or AGENDA_HEADING.match(sentence):
        score *= QUESTION_PENALTY  # the Anfrage's own question restates, a minutes' agenda heading names
    elif not p.overview and is_letterhead(sentence):
        score *= QUESTION_PENALTY  # also for outcome and amount questions: a head decides and costs nothing
    elif not p.overview and not q.wants_outcome and is_form_like(sentence) and not (
            q.wants_amount and _has_amount(sentence)):
        score *= FORM_PENALTY
    return score, coverage


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
        if any(near_duplicate(cand, c, CHOSEN_JACCARD) for c in chosen):
            continue  # near-duplicate (e.g. the same sentence in Anfrage and Stellungnahme)
        if per_hit.get(cand.hit_index, 0) >= PER_HIT:
            continue
        chosen.append(cand)
        covered |= cand.terms
        per_hit[cand.hit_index] = per_hit.get(cand.hit_index, 0) + 1
    return chosen


def near_duplicate(a: Candidate, b: Candidate, share: float) -> bool:
    """`a` shares more than `share` of its and `b`'s terms (Jaccard): the same statement again."""
    return bool(a.terms) and len(a.terms & b.terms) / len(a.terms | b.terms) > share


def _has_amount(sentence: str) -> bool:
    """A number with a currency or a unit ("8.000 €", "20 %", "48 Plätze"), not a bare one."""
    return bool(MONEY_S.search(sentence) or UNIT_S.search(sentence))
