"""Extractive answers (no LLM): the most relevant source sentences, each with its citation."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.citations import citation_from_hit, content_terms, normalise, split_sentences
from assistant.types import Citation, Hit, Sentence

# words that make a question a question but say nothing about its topic
QUESTION_NOISE = frozenset(
    content_terms(
        "wie viel viele hoch hohe welche welcher welches was wann wo warum wieso weshalb wer wem wen gibt es "
        "verwaltung stadt antwortet antwort sagt sagte frage fragen bitte information informationen genau "
        "derzeit aktuell eigentlich insgesamt gemeinderat geplant plant gemeinde stand"
    )
)
AMOUNT_Q = re.compile(r"\b(wie\s+(viel|viele|hoch|teuer|lang|groß|gross|oft|häufig)|kostet|kosten|betrag|summe|anzahl|höhe|euro|prozent|mio|anteil|zahl)\b", re.I)
DATE_Q = re.compile(r"\b(wann|bis wann|ab wann|zeitpunkt|datum|termin|frist|seit wann|jahr)\b", re.I)
OUTCOME_Q = re.compile(r"\b(beschlossen|beschluss|entschieden|abgestimmt|ergebnis|zugestimmt|abgelehnt|gremium|ausschuss|beraten)\b", re.I)
HAS_NUMBER = re.compile(r"\d")
HAS_DATE = re.compile(r"\b\d{1,2}\.\s?(\d{1,2}\.|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)|\b(19|20)\d\d\b")


_LIST_MARK = re.compile(r"^(?:[-•▪●–]\s*)+")
_GENERIC = frozenset(content_terms("Stadt Karlsruhe Braunschweig Oberbürgermeister Drucksache Vorlage Anfrage Stellungnahme Datum Seite"))


def _reference_terms(text: str) -> set[str]:
    from assistant.retrieve import find_references

    refs = find_references(text)
    return content_terms(" ".join(refs)) if refs else set()


@dataclass
class Candidate:
    hit_index: int
    sentence: str
    score: float
    coverage: float


def _weights(terms: set[str], idf: IdfLookup) -> dict[str, float]:
    return {t: idf.get(t, 1.0) for t in terms}


def score_sentences(question: str, hits: list[Hit], idf: IdfLookup) -> list[Candidate]:
    """Every sentence of the hits, scored by idf-weighted coverage of the question's topic terms."""
    q_terms = content_terms(question) - QUESTION_NOISE - _reference_terms(question)
    weights = _weights(q_terms, idf)
    total = sum(weights.values()) or 1.0
    summary_mode = not q_terms  # "Was steht in 2024/0015?": summarise the named paper
    from assistant.retrieve import find_references

    named = {r.lower() for r in find_references(question)}
    wants_amount, wants_date, wants_outcome = AMOUNT_Q.search(question), DATE_Q.search(question), OUTCOME_Q.search(question)
    out: list[Candidate] = []
    for i, hit in enumerate(hits):
        prior = 1.0 / (1.0 + 0.15 * i)
        overview = hit.meta.get("file_id") == "overview"
        if summary_mode and named and str(hit.meta.get("reference", "")).lower() not in named:
            continue
        title_terms = content_terms(str(hit.meta.get("title", "")))
        # the paper was found by its topic; within it, the question's other terms pick the answer
        local = {t: (w * 0.5 if t in title_terms else w) for t, w in weights.items()}
        local_total = sum(local.values()) or 1.0
        answer_file = 1.1 if re.search(r"stellungnahme|antwort", str(hit.meta.get("file_name", "")), re.I) else 1.0
        for position, sentence in enumerate(split_sentences(hit.text)):
            sentence = _LIST_MARK.sub("", sentence)
            if len(sentence) < 25 or len(sentence) > 600:
                continue
            terms = content_terms(sentence)
            if terms and terms <= title_terms | _reference_terms(sentence) | _GENERIC:
                continue  # a restated title or letterhead says nothing new
            coverage = sum(w for t, w in weights.items() if t in terms) / total
            score = sum(w for t, w in local.items() if t in terms) / local_total * answer_file
            if summary_mode:
                coverage = 1.0 if not overview else 0.0
                score = (0.0 if overview else 1.0) / (1.0 + 0.3 * position) + (0.2 if len(terms) >= 6 else 0.0)
            elif overview and not wants_outcome:
                score *= 0.6
            if wants_amount and HAS_NUMBER.search(sentence):
                score += 0.25 if re.search(r"€|euro|prozent|%|mio|plätze|stellen|mal\b", sentence, re.I) else 0.15
            if wants_date and HAS_DATE.search(sentence):
                score += 0.15
            if wants_outcome and re.search(r"Ergebnis:|beschlossen|zugestimmt|abgelehnt|Kenntnis", sentence):
                score += 0.15
            if sentence.rstrip().endswith("?"):
                score *= 0.5  # the Anfrage's own question restates, it does not answer
            out.append(Candidate(i, sentence, score * prior, coverage))
    out.sort(key=lambda c: -c.score)
    return out


def topic_coverage(question: str, hits: list[Hit], idf: IdfLookup, top: int = 3) -> float:
    """Share (idf-weighted) of the question's topic terms found in the best `top` hits together."""
    q_terms = content_terms(question) - QUESTION_NOISE
    if not q_terms:
        return 0.0
    weights = _weights(q_terms, idf)
    found: set[str] = set()
    for hit in hits[:top]:
        found |= content_terms(hit.text + " " + str(hit.meta.get("title", ""))) & q_terms
    return sum(weights[t] for t in found) / (sum(weights.values()) or 1.0)


def extractive_answer(question: str, hits: list[Hit], idf: IdfLookup, max_sentences: int = 5
                      ) -> tuple[str, list[Sentence], list[Citation], float]:
    """(answer text, sentences, citations, best sentence coverage) built from verbatim source sentences."""
    candidates = score_sentences(question, hits, idf)
    chosen: list[Candidate] = []
    seen_norm: list[set[str]] = []
    per_hit: dict[int, int] = {}
    for cand in candidates:
        if len(chosen) >= max_sentences:
            break
        if chosen and cand.score < 0.3 * chosen[0].score:
            break
        terms = content_terms(cand.sentence)
        if any(len(terms & s) / max(1, len(terms | s)) > 0.6 for s in seen_norm):
            continue  # near-duplicate (e.g. the same sentence in Anfrage and Stellungnahme)
        if per_hit.get(cand.hit_index, 0) >= 2:
            continue
        chosen.append(cand)
        seen_norm.append(terms)
        per_hit[cand.hit_index] = per_hit.get(cand.hit_index, 0) + 1
    best = chosen[0].coverage if chosen else 0.0
    numbering: dict[int, int] = {}
    sentences: list[Sentence] = []
    quotes: dict[int, list[str]] = {}
    for cand in chosen:
        n = numbering.setdefault(cand.hit_index, len(numbering) + 1)
        quotes.setdefault(cand.hit_index, []).append(cand.sentence)
        sentences.append(Sentence(normalise(cand.sentence), (n,), True, 1.0))
    citations = [citation_from_hit(n, hits[i], " … ".join(quotes[i])[:600]) for i, n in numbering.items()]
    text = "\n".join(f"- {s.text} [{s.citations[0]}]" for s in sentences)
    return text, sentences, citations, best


class IdfLookup:
    """term -> idf from the BM25 matrix's document frequencies, computed on demand."""

    def __init__(self, lexical: object) -> None:
        self._matrix = getattr(lexical, "matrix", None)
        self._terms: dict[str, int] = getattr(lexical, "terms", None) or {}
        self._n = max(1, self._matrix.shape[0]) if self._matrix is not None else 1

    def get(self, term: str, default: float = 1.0) -> float:
        col = self._terms.get(term)
        if col is None or self._matrix is None:
            return math.log(1.0 + self._n)  # unseen term: as rare as it gets
        df = float(self._matrix.indptr[col + 1] - self._matrix.indptr[col])
        return math.log(1.0 + self._n / (1.0 + df))
