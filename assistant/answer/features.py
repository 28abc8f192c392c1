"""Candidate answers (the sentences of the retrieved chunks, each in its place) and what the reader sees of them.

A feature describes the candidate and its neighbourhood as facts — how much of the question it covers, whether
the sentence before it restates the question, what kind of value it carries and what the question asks for,
where it stands in which file of which paper. How much each counts is learned (`assistant.training.train`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.answer.query import Query
from assistant.types import Hit
from index.boilerplate import Boilerplate
from ingest.language import (
    AGENDA_HEADING,
    DECISIVE_S,
    HEADING_LEAD,
    LIST_MARK,
    REQUEST_FILE,
    SUMMARY_SECTION,
    YEAR,
    counts_noun,
    counts_other_nouns,
    is_letterhead,
    is_question_like,
    label_count,
    overview_units,
    prose_share,
    sentence_terms,
    sentence_values,
    split_sentences,
)

KINDS = ("money", "count", "amount", "date", "company", "person", "outcome", "reason", "place")
_ANSWER_FILE = re.compile(r"stellungnahme|antwort", re.I)
_MINUTES_FILE = re.compile(r"protokoll|niederschrift|beschluss", re.I)
MAX_CHARS = 600  # longer "sentences" are tables or text without stops: not quotable as an answer
MIN_CHARS = 20  # shorter ones are headings or fragments (a list item may be shorter: see `Unit.item`)


@dataclass(frozen=True)
class Unit:
    """One candidate answer: a sentence (or an overview line) of a retrieved chunk, in its place."""

    hit_index: int
    position: int
    text: str  # as in the chunk (list mark removed)
    terms: frozenset[str]
    item: bool  # a list item ("- Altlastenverdacht")
    question_like: bool
    overview: bool  # a line of the paper's overview (title, type, date, consultations)

    @property
    def shown(self) -> str:
        """The text as the answer shows it (a section heading glued to the sentence removed)."""
        return HEADING_LEAD.sub("", self.text)


def units_of(hits: list[Hit], boilerplate: Boilerplate | None = None) -> list[Unit]:
    """All candidate sentences of `hits`, in hit and reading order (positions count every sentence)."""
    out: list[Unit] = []
    for i, hit in enumerate(hits):
        overview = hit.meta.file_id == "overview"
        raw = overview_units(hit.text) if overview else split_sentences(hit.text)
        section = hit.meta.section
        for position, sentence in enumerate(raw):
            text = LIST_MARK.sub("", sentence)
            item = text != sentence
            if len(text) > MAX_CHARS or len(text) < (4 if item or overview else MIN_CHARS):
                continue
            if boilerplate is not None and boilerplate.is_boilerplate(text):
                continue  # printer's note, letterhead, form label: in many papers, about none
            out.append(Unit(i, position, text, frozenset(sentence_terms(text)), item,
                            is_question_like(text, section), overview))
    return out


FEATURES = (
    "cov", "cov_focus", "cov_nouns", "cov_nontitle", "cov_prev", "cov_next", "prev_question", "prev_question_cov", "cov_chunk",
    "cov_paper", "missing_paper", "jaccard_question", "question_like", "ends_question", "letterhead", "prose",
    "form_row", "agenda_heading", "length", "short", "first", "position", "summary", "answer_file", "request_file",
    "minutes_file", "overview", "identity", "decision", "rank0", "rank1", "rank_inv", "score_rel", "context_chunk",
    "item", "announces_list", "n_terms", "year_match", "year_other", "paper_year", "cov_rel",
    "after_question", "after_question_cov", "best_paper", "answer_paper",
    *(f"asks_{k}" for k in KINDS), *(f"has_{k}" for k in KINDS), *(f"fills_{k}" for k in KINDS),
    # what the question asks for against what the candidate is: the sentence model is linear, so a feature that
    # counts only for some questions has to be given as such
    "fills_asked", "asks_unfilled", "overview_unasked", "decision_asked", "cov_nouns_lead",
    # "Wie viele Anträge …": a number of the counted thing ("24 Anträge"), or only numbers of other things
    "counts_asked", "counts_other",
)
VALUE_KINDS = ("money", "count", "amount", "date", "company", "person", "place")


def _paper_ranks(hits: list[Hit]) -> list[int]:
    order: dict[str, int] = {}
    return [order.setdefault(h.doc_id, len(order)) for h in hits]


def _paper_terms(hits: list[Hit]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for h in hits:
        out.setdefault(h.doc_id, set()).update(sentence_terms(h.text + " " + h.meta.title))
    return out


def _preceding_questions(units: list[Unit]) -> list[tuple[int, Unit] | None]:
    """Per unit: the nearest restated question before it in the same chunk (sentences between, the question) — in
    a Stellungnahme the answer runs from the restated question to the next one."""
    out: list[tuple[int, Unit] | None] = []
    last: Unit | None = None
    for u in units:
        if last is not None and last.hit_index != u.hit_index:
            last = None
        out.append((u.position - last.position - 1, last) if last is not None and not u.question_like else None)
        if u.question_like and not u.overview:
            last = u
    return out


@dataclass
class _Scene:
    """What every unit's features share: the question's weights and the retrieved papers' terms and ranks."""

    query: Query
    hits: list[Hit]
    units: list[Unit]
    ranks: list[int]
    top_score: float
    paper_terms: dict[str, set[str]]
    chunk_terms: list[set[str]]
    title_terms: list[set[str]]
    weights: dict[str, float]
    max_w: float
    focus_total: float
    nouns_total: float
    at: dict[tuple[int, int], Unit]
    found: list[frozenset[str]]
    covs: list[float]
    max_cov: float
    best_paper: str
    asked_before: list[tuple[int, Unit] | None]

    @staticmethod
    def of(query: Query, hits: list[Hit], units: list[Unit]) -> _Scene:
        weights = dict(query.weights)
        paper_terms = _paper_terms(hits)
        found = [query.matched(u.terms) for u in units]
        covs = [query.covered(f) for f in found]
        return _Scene(
            query, hits, units, _paper_ranks(hits), max(hits[0].score, 1e-9), paper_terms,
            [sentence_terms(h.text + " " + h.meta.title) for h in hits],
            [sentence_terms(h.meta.title) for h in hits],
            weights, max(weights.values(), default=1.0),
            sum(w for t, w in weights.items() if t in query.focus) or 1.0,
            sum(w for t, w in weights.items() if t in query.nouns),
            {(u.hit_index, u.position): u for u in units}, found, covs, max(covs) or 1.0,
            max(paper_terms, key=lambda d: query.covered(paper_terms[d])), _preceding_questions(units),
        )


def feature_matrix(query: Query, hits: list[Hit], units: list[Unit]) -> np.ndarray:
    """One row of FEATURES per unit."""
    x = np.zeros((len(units), len(FEATURES)), dtype=np.float32)
    if not units:
        return x
    scene = _Scene.of(query, hits, units)
    for row, u in enumerate(units):
        f = {**_match_features(scene, row, u), **_form_features(u), **_place_features(scene, u)}
        _kind_features(query, u, f)
        x[row] = [f[name] for name in FEATURES]
    return x


def _match_features(scene: _Scene, row: int, u: Unit) -> dict[str, float]:
    """How much of the question the unit, its neighbours, its chunk and its paper cover."""
    query, weights, hit = scene.query, scene.weights, scene.hits[u.hit_index]
    cov, found = scene.covs[row], scene.found[row]
    prev, nxt = scene.at.get((u.hit_index, u.position - 1)), scene.at.get((u.hit_index, u.position + 1))
    cov_prev = query.covered(prev.terms) if prev else 0.0
    in_title = query.matched(scene.title_terms[u.hit_index])
    nontitle = {t: w for t, w in weights.items() if t not in in_title}
    in_paper = query.matched(scene.paper_terms[hit.doc_id])
    missing = [w for t, w in weights.items() if t not in in_paper]
    s_years = set(YEAR.findall(u.text))
    date_year = hit.meta.date[:4]
    above = scene.asked_before[row]
    return {
        "cov": cov,
        "cov_focus": sum(w for t, w in weights.items() if t in query.focus and t in found) / scene.focus_total,
        # what the question asks about, without the verbs people word it with (the answer need not repeat them)
        "cov_nouns": sum(w for t, w in weights.items() if t in query.nouns and t in found) / scene.nouns_total
        if scene.nouns_total else cov,
        "cov_nontitle": sum(w for t, w in nontitle.items() if t in found) / (sum(nontitle.values()) or 1.0),
        "cov_prev": cov_prev,
        "cov_next": query.covered(nxt.terms) if nxt else 0.0,
        "prev_question": float(bool(prev and prev.question_like)),
        "prev_question_cov": cov_prev if prev and prev.question_like else 0.0,
        "cov_chunk": query.covered(scene.chunk_terms[u.hit_index]),
        "cov_paper": query.covered(scene.paper_terms[hit.doc_id]),
        "missing_paper": max(missing, default=0.0) / scene.max_w,
        "jaccard_question": len(found) / (len(u.terms | query.terms) or 1),
        "first": float(prev is None),
        "n_terms": math.log1p(len(weights)) / 3.0,
        "year_match": float(bool(query.years & s_years)),
        "year_other": float(bool(query.years) and bool(s_years) and not (query.years & s_years)),
        "paper_year": float(any(abs(int(y) - int(date_year)) <= 1 for y in query.years) if date_year.isdigit() else 0.0),
        "cov_rel": cov / scene.max_cov,
        "after_question": 1.0 / (1.0 + above[0]) if above else 0.0,
        "after_question_cov": query.covered(above[1].terms) / (1.0 + above[0]) if above else 0.0,
    }


def _form_features(u: Unit) -> dict[str, float]:
    """What the unit looks like: a question, letterhead, a form row, prose, a list."""
    return {
        "question_like": float(u.question_like),
        "ends_question": float(u.text.rstrip().endswith("?")),
        "letterhead": float(is_letterhead(u.text)),
        "prose": prose_share(u.text),
        "form_row": float(label_count(u.text) >= 2),
        "agenda_heading": float(bool(AGENDA_HEADING.match(u.text))),
        "length": math.log(len(u.text)) / 6.0,
        "short": float(len(u.text) < 40),
        "position": 1.0 / (1.0 + u.position),
        "overview": float(u.overview),
        "identity": float(u.overview and u.position == 0),
        "decision": float(u.overview and bool(DECISIVE_S.search(u.text))),
        "item": float(u.item),
        "announces_list": float(u.text.rstrip().endswith(":")),
    }


def _place_features(scene: _Scene, u: Unit) -> dict[str, float]:
    """Where the unit stands: its file, its section, its paper's rank and kind."""
    hit = scene.hits[u.hit_index]
    meta = hit.meta
    file_name = meta.file_name
    rank = scene.ranks[u.hit_index]
    return {
        "summary": float(bool(SUMMARY_SECTION.match(meta.section))),
        "answer_file": float(bool(_ANSWER_FILE.search(file_name))),
        "request_file": float(bool(REQUEST_FILE.match(file_name))),
        "minutes_file": float(bool(_MINUTES_FILE.search(file_name))),
        "rank0": float(rank == 0),
        "rank1": float(rank == 1),
        "rank_inv": 1.0 / (1.0 + rank),
        "score_rel": max(0.0, hit.score / scene.top_score),
        "context_chunk": float(bool(meta.context)),
        "best_paper": float(hit.doc_id == scene.best_paper),
        "answer_paper": float(bool(_ANSWER_FILE.search(meta.paper_type))),
    }


def _kind_features(query: Query, u: Unit, f: dict[str, float]) -> None:
    """The value kinds the question asks for against those the unit carries, and their interactions (the sentence
    model is linear: "counts only for some questions" must be a feature of its own)."""
    values = sentence_values(u.text)
    for k in KINDS:
        asks, has = k in query.kinds, k in values
        f[f"asks_{k}"], f[f"has_{k}"], f[f"fills_{k}"] = float(asks), float(has), float(asks and has)
    fills = float(bool(query.kinds & values))
    asks_outcome = "outcome" in query.kinds
    f["fills_asked"] = fills
    f["asks_unfilled"] = float(any(k in query.kinds for k in VALUE_KINDS)) * (1.0 - fills)
    f["overview_unasked"] = f["overview"] * (not asks_outcome)
    f["decision_asked"] = f["decision"] * asks_outcome
    f["cov_nouns_lead"] = f["cov_nouns"] * f["rank0"]
    counted = query.counted
    f["counts_asked"] = float(any(counts_noun(u.text, noun, vague=True) for noun in counted))
    f["counts_other"] = float(bool(counted) and all(counts_other_nouns(u.text, noun) for noun in counted))
