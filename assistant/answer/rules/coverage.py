"""How much of a question's topic the retrieved text covers (the rules' refusal signal)."""

from __future__ import annotations

from typing import Any

from assistant.answer.query import IdfLookup
from assistant.answer.rules.sentences import term_weights
from assistant.question import Question
from assistant.types import Hit
from ingest.language import (
    QUESTION_NOISE,
    content_terms,
    sentence_terms,
)


def _compound_parts(question: str, analyzer: Any) -> dict[str, frozenset[str]]:
    """Stem of each compound word of the question -> the stems of its parts, split with the index's
    vocabulary ("Stellenanzeigen" -> {"stell", "anzeig"}) or at its hyphens, for the hyphenated and the joined
    form ("Gas-Arbeitspreis" -> {"gas", "arbeitspreis"}: "Arbeitspreis für Gas"); empty without an index
    analyzer."""
    if analyzer is None:
        return {}
    out: dict[str, frozenset[str]] = {}
    for word in analyzer.words(question):
        terms = analyzer.terms_of_word(word)
        hyphen = analyzer.hyphen_parts(word)
        if hyphen:
            for form in (terms[0], *analyzer.terms_of_word(word.replace("-", ""))[:1]):
                out[form] = frozenset(hyphen)
        elif len(terms) > 1:
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


def topic_coverage(question: Question, hits: list[Hit], idf: IdfLookup, top: int = 3, compounds: bool = True) -> float:
    """Share (idf-weighted) of the question's topic terms found in the best `top` hits together; with
    `compounds`, also as parts of compound words (`_covered`)."""
    q_terms = content_terms(question.text) - QUESTION_NOISE  # compared with the hits' `content_terms`
    if not q_terms:
        return 0.0
    weights = term_weights(q_terms, idf)
    analyzer = idf.analyzer if compounds else None
    parts = _compound_parts(question.text, analyzer)
    found: set[str] = set()
    for hit in hits[:top]:
        found |= _covered(q_terms, hit.text + " " + hit.meta.title, content_terms, analyzer, parts)
    return sum(weights[t] for t in sorted(found)) / (sum(weights.values()) or 1.0)


def paper_coverage(question: Question, hits: list[Hit], idf: IdfLookup, compounds: bool = True) -> float:
    """Share (idf-weighted) of the question's topic terms found in the best paper's chunks among `hits`."""
    q_terms = set(question.terms)
    if not q_terms or not hits:
        return 0.0
    weights = term_weights(q_terms, idf)
    analyzer = idf.analyzer if compounds else None
    parts = _compound_parts(question.text, analyzer)
    found: set[str] = set()
    for hit in hits:
        if hit.doc_id == hits[0].doc_id:
            found |= _covered(q_terms, hit.text + " " + hit.meta.title, sentence_terms, analyzer, parts)
    return sum(weights[t] for t in sorted(found)) / (sum(weights.values()) or 1.0)


def answer_confidence(question: Question, hits: list[Hit], pool: list[Hit], idf: IdfLookup, compounds: bool = True) -> float:
    """How well the retrieved text covers the question (0-1), compared with `refusal_threshold`.

    The mean of the topic coverage of the three best hits and the coverage by the best paper's
    chunks (including the context chunks in `pool`): a near miss (the topic is there, the asked
    detail is not) leaves the question's specific terms uncovered.
    """
    return (topic_coverage(question, hits, idf, compounds=compounds) + paper_coverage(question, pool, idf, compounds)) / 2.0
