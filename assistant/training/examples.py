"""Training examples for the reader: each mined question is asked of a lexical index of the training papers.

Three situations per question, as the assistant meets them: (a) the papers as they are — the sentences of the
mined answer passage are the positives, every other retrieved sentence a negative; (b) the question's paper and
its family taken out of the result — nothing answers, which teaches when to say so; (c) for some questions, a near
miss: the question asks for a detail its papers do not hold (another year, a thing none of the found text names)
while its topic is still found — nothing answers either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answer.features import Unit, feature_matrix, units_of
from assistant.answer.presence import NounPresence
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import Evidence, answer_features, evidence_of
from assistant.question import Question
from assistant.types import Hit
from ingest.language import YEAR, sentence_terms, version_base

TOP_K, PER_PAPER = 10, 2  # as the assistant retrieves (settings.top_k, settings.per_paper)
NEGATIVES_KEPT = 60  # per question and situation: the hardest negatives (most question terms) ...
RANDOM_NEGATIVES = 20  # ... and a few random ones, so that easy sentences keep low probabilities
# share of questions whose paper is shown without its restated questions: people's questions are worded otherwise,
# and answers in a Vorlage's own text have none before them, so the reader must find answers without that cue
MASK_RESTATED = 0.5
NEAR_MISS = 0.5  # share of questions also asked as a near miss (situation c)
NEAR_MISS_YEARS = range(2005, 2027)  # the archive's years: a near miss asks for another of them
DETAIL_MIN_CHARS = 6  # a detail word taken from another question is a longer noun ("Hundekotbeutel", not "Wie")
_NORM = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Pair:
    """A mined question with its answer passage (see `assistant.training.mine`)."""

    pair_id: str
    question: str
    answer: str
    paper_id: str
    family: frozenset[str]  # doc ids that must leave the result for situation (b)
    split: str
    reference: str = ""  # every version of this Drucksache leaves the result too
    outcome: bool = False  # the answer is a consultation result (a line of the paper's overview)


@dataclass
class Example:
    """The units of one question in one situation, with their features and labels."""

    pair_id: str
    split: str
    answerable: bool  # situation (a) with the answer among the units
    y: np.ndarray
    evidence: Evidence  # the units' features and what answerability needs besides

    @property
    def x(self) -> np.ndarray:
        return self.evidence.x


def _plain(text: str) -> str:
    return _NORM.sub(" ", text.casefold()).strip()


def labels(units: list[Unit], hits: list[Hit], pair: Pair) -> np.ndarray:
    """1 for a unit of the pair's paper whose text lies inside the answer passage, else 0."""
    answer = _plain(pair.answer)
    words = set(answer.split())
    y = np.zeros(len(units), dtype=np.float32)
    for i, u in enumerate(units):
        if hits[u.hit_index].doc_id != pair.paper_id:
            continue
        if pair.outcome:  # "Beratung: Gemeinderat, …, Ergebnis: einstimmig beschlossen"
            y[i] = float(u.overview and u.text.startswith("Beratung:") and "Ergebnis:" in u.text
                         and _plain(u.text.split("Ergebnis:", 1)[1]).startswith(answer))
            continue
        if u.overview:
            continue
        plain = _plain(u.text)
        tokens = plain.split()
        if len(plain) >= 15 and plain in answer:
            y[i] = 1.0
        elif len(tokens) >= 6 and sum(t in words for t in tokens) / len(tokens) >= 0.9:
            y[i] = 1.0
    return y


def _subsample(y: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices kept: every positive, the NEGATIVES_KEPT negatives with most question coverage, RANDOM_NEGATIVES more."""
    neg = np.flatnonzero(y == 0)
    hard = neg[np.argsort(-x[neg, 0])][:NEGATIVES_KEPT]
    rest = np.setdiff1d(neg, hard)
    extra = rng.choice(rest, size=min(RANDOM_NEGATIVES, len(rest)), replace=False) if len(rest) else rest
    return np.sort(np.concatenate([np.flatnonzero(y > 0), hard, extra]))


def near_miss(question: str, found: set[str], donor: str, rng: np.random.Generator) -> str | None:
    """`question` asking for a detail the found text does not hold: a year none of it names instead of its own,
    or (without a year) a noun of another question that no found term contains; None when there is none."""
    years = YEAR.findall(question)
    if years:
        absent = [str(y) for y in NEAR_MISS_YEARS if str(y) not in found and abs(y - int(years[0])) >= 2]
        return question.replace(years[0], absent[int(rng.integers(len(absent)))], 1) if absent else None
    nouns = [w.strip("?,.;:()„“\"") for w in donor.split()[1:]]
    nouns = [w for w in nouns if len(w) >= DETAIL_MIN_CHARS and w[:1].isupper()
             and not any(t in f or (len(f) >= 4 and f in t) for t in sentence_terms(w) for f in found)]
    if not nouns:
        return None
    detail = nouns[int(rng.integers(len(nouns)))]
    return question.rstrip().rstrip("?") + f" bei {detail}?"


def pair_examples(pair: Pair, retriever: Any, idf: IdfLookup, rng: np.random.Generator,
                  donor: str = "") -> Iterator[Example]:
    """Situations (a), (b) and, for a share of the questions, (c) of one pair (`donor`: another question, whose
    nouns may become the near miss's absent detail)."""
    asked = Question.of(pair.question)
    query = read_query(asked, idf)
    hits = retriever.search(asked, k=TOP_K + 12, per_paper=PER_PAPER, mode="bm25")
    base = version_base(pair.reference) if pair.reference else None
    others = [h for h in hits if h.doc_id not in pair.family
              and not (base and version_base(h.meta.reference) == base)]
    for situation, kept in (("a", hits[:TOP_K]), ("b", others[:TOP_K])):
        if not kept:
            continue
        pool = kept + retriever.context_hits(pair.question, kept)
        units = units_of(pool, retriever.boilerplate)
        if rng.random() < MASK_RESTATED:
            units = [u for u in units if not (u.question_like and pool[u.hit_index].doc_id == pair.paper_id)]
        if not units:
            continue
        x = feature_matrix(query, pool, units)
        y = labels(units, pool, pair) if situation == "a" else np.zeros(len(units), dtype=np.float32)
        if situation == "a" and not y.any():
            continue  # the answer was not retrieved: neither a clean positive nor a clean "nothing answers"
        yield Example(pair.pair_id, pair.split, situation == "a", y, evidence_of(query, pool, units, x))
        if situation == "a" and not pair.outcome and rng.random() < NEAR_MISS:
            yield from _near_miss_example(pair, retriever, idf, pool, donor, rng)


def _near_miss_example(pair: Pair, retriever: Any, idf: IdfLookup, pool: list[Hit], donor: str,
                       rng: np.random.Generator) -> Iterator[Example]:
    found: set[str] = set()
    for h in pool:
        found |= sentence_terms(h.text + " " + h.meta.title)
    found |= set(YEAR.findall(" ".join(h.text + " " + h.meta.date for h in pool)))
    question = near_miss(pair.question, found, donor, rng)
    if question is None:
        return
    asked = Question.of(question)
    query = read_query(asked, idf)
    kept = retriever.search(asked, k=TOP_K, per_paper=PER_PAPER, mode="bm25")
    miss_pool = kept + retriever.context_hits(question, kept)
    units = units_of(miss_pool, retriever.boilerplate)
    if units:
        x = feature_matrix(query, miss_pool, units)
        yield Example(pair.pair_id, pair.split, False, np.zeros(len(units), dtype=np.float32),
                      evidence_of(query, miss_pool, units, x))


def collect(pairs: Iterable[Pair], retriever: Any, idf: IdfLookup, seed: int, progress: Any = None) -> list[Example]:
    rng = np.random.default_rng(seed)
    pair_list = list(pairs)
    out: list[Example] = []
    for k, pair in enumerate(pair_list):
        donor = pair_list[int(rng.integers(len(pair_list)))].question
        out.extend(pair_examples(pair, retriever, idf, rng, donor))
        if progress is not None:
            progress(k + 1)
    return out


def sentence_rows(examples: list[Example], split: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and sample weights of the units of one split (negatives subsampled; each question's
    positives together weigh as much as one sentence per answer sentence root, so long answers do not dominate)."""
    rng = np.random.default_rng(seed)
    xs, ys, ws = [], [], []
    for ex in examples:
        if ex.split != split:
            continue
        keep = _subsample(ex.y, ex.x, rng)
        y = ex.y[keep]
        w = np.ones(len(keep), dtype=np.float32)
        n_pos = float(y.sum())
        if n_pos:
            w[y > 0] = 1.0 / np.sqrt(n_pos)
        xs.append(ex.x[keep])
        ys.append(y)
        ws.append(w)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def answer_rows(examples: list[Example], split: str, sentence_model: Any,
                presence: NounPresence) -> tuple[np.ndarray, np.ndarray]:
    """Question-level features (`reader.answer_features`) and labels (1: situation (a) with its answer)."""
    xs, ys = [], []
    for ex in examples:
        if ex.split == split:
            xs.append(answer_features(ex.evidence, sentence_model(ex.x), presence))
            ys.append(1.0 if ex.answerable else 0.0)
    return np.stack(xs), np.asarray(ys, dtype=np.float32)
