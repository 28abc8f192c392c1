"""One answer per question of the Anfrage, from the index, with citations, or marked open for the department."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from assistant.answer.citations import check_answer
from assistant.answer.compose import compose
from assistant.answer.prompts import build_messages
from assistant.answer.rules import extractive_answer, topic_coverage
from assistant.draft.inputs import classify_file
from assistant.draft.precedents import HitPredicate, weighted_overlap
from assistant.draft.records import OPEN, DraftAnswer
from assistant.question import Question
from assistant.service import Assistant
from assistant.types import Citation, Filters, Hit, Sentence
from ingest.language import QUESTION_NOISE, content_terms
from ingest.records import Access

log = logging.getLogger(__name__)
MIN_TOPIC_OVERLAP = 0.5  # answer passages must share this much (idf-weighted) of the Anfrage title's terms
MIN_ANSWER_COVERAGE = 0.45  # idf-weighted share of the question's topic terms in the best hits
MIN_SENTENCE_COVERAGE = 0.2  # ... and in the best quoted sentence itself


# --- answers ---------------------------------------------------------------------------------------------------
def _on_topic(title_weights: dict[str, float], rarest: str, text: str) -> bool:
    """The passage names the title's most specific term, or most of the title's weighted terms."""
    return rarest in content_terms(text) or weighted_overlap(title_weights, text) >= MIN_TOPIC_OVERLAP


def _not_a_statement(hit: Hit) -> bool:
    """Passages a Stellungnahme must not quote as fact: the metadata overview and the factions' Anträge."""
    kind = hit.meta.paper_type
    return hit.meta.file_id == "overview" or bool(re.search(r"antrag", kind, re.I))


def _answer_hits(assistant: Assistant, query: Question, title: str, excluded: HitPredicate, k: int = 8) -> list[Hit]:
    hits = [h for h in assistant.search(query, k=k * 3, per_paper=2)
            if not excluded(h) and not _not_a_statement(h)]
    title_weights = {t: assistant.idf.get(t, 1.0) for t in content_terms(title) - QUESTION_NOISE}
    if title_weights:  # stay on the Anfrage's topic: a passage that only matches "erwarten" is no answer
        rarest = max(title_weights, key=lambda t: title_weights[t])
        hits = [h for h in hits if _on_topic(title_weights, rarest, h.text + " " + h.meta.title)]
    # the administration's statements first: the text of another Anfrage restates, it does not answer
    def is_question_file(h: Hit) -> bool:
        return classify_file(h.meta.file_name, h.text[:300]) == "anfrage"

    return sorted(hits, key=is_question_file)[:k]


def _extractive(assistant: Assistant, question: Question, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:
    # a draft answers the question; a precedent paper's Beratungsergebnis is not part of that answer
    extract = extractive_answer(question, hits, assistant.idf, max_sentences=3, boilerplate=assistant.boilerplate,
                                decisions=False)
    sentences, citations, best = extract.sentences, extract.citations, extract.best
    keep = [s for s in sentences if not s.text.rstrip().endswith("?")]
    used = {n for s in keep for n in s.citations}
    citations = [c for c in citations if c.n in used]
    coverage = max(best, 0.0)
    return keep, citations, coverage


def read_answer(assistant: Assistant, question: Question, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:
    """The learned reader's answer (settings.answerer "reader"): its sentences and its answerability, which decides
    whether the question stays open (`answer_question`)."""

    reading, parsed = assistant.read(question, hits)
    if assistant.reader_refusal(question, hits, reading) is not None:
        return [], [], reading.answerable
    extract = compose(parsed, hits, reading, assistant.reader.passage_threshold, decisions=False)
    keep = [s for s in extract.sentences if not s.text.rstrip().endswith("?")]
    used = {n for s in keep for n in s.citations}
    return keep, [c for c in extract.citations if c.n in used], reading.answerable


def _generative(assistant: Assistant, question: Question, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:

    sources = hits[:6]
    if assistant.settings.answerer == "reader":  # only the passages the reader selected, when it holds one answers
        from assistant.answer.compose import selected_passages

        reading, parsed = assistant.read(question, hits)
        if assistant.reader_refusal(question, hits, reading) is not None:
            return [], [], 0.0
        sources = selected_passages(parsed, hits, reading, assistant.reader.passage_threshold) or sources
    reply = assistant.chat_model().invoke(build_messages(question.asked, sources))
    raw = reply.content if isinstance(reply.content, str) else str(reply.content)
    _text, sentences, citations = check_answer(raw, sources)
    if re.search(r"beantworten (diese|die) Frage nicht", raw, re.I):
        return [], [], 0.0
    keep = [s for s in sentences if s.citations]
    return keep, citations, 1.0 if keep else 0.0


def answer_question(assistant: Assistant, number: int, question: str, title: str, excluded: HitPredicate,
                    registry: dict[str, Citation], mode: str, as_of: str | None = None,
                    used: set[str] | None = None, clearance: Access = Access.PUBLIC) -> DraftAnswer:
    """One question: retrieve (without the own paper), answer with citations, or mark it open.

    `used` holds sentences earlier answers already quote: the same passage is not repeated as the
    answer to every question of a long Anfrage.
    """
    used = used if used is not None else set()
    filters = Filters(date_to=as_of[:10]) if as_of else None  # nothing the author could not have known
    query = Question.of(f"{question} {title}".strip(), filters, clearance)
    hits = _answer_hits(assistant, query, title, excluded)
    if not hits:
        return DraftAnswer(number, question, OPEN, open=True)
    by_reader = assistant.settings.answerer == "reader"
    extractive = read_answer if by_reader else _extractive
    asked = Question.of(question, filters, clearance) if by_reader else query  # the reader reads the question alone: the title found the passages
    coverage = topic_coverage(query, hits, assistant.idf)
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    if mode == "generative":
        try:
            sentences, citations, best = _generative(assistant, query, hits)
        except Exception as exc:  # model down: fall back to verbatim sentences, say so
            log.warning("Sprachmodell nicht erreichbar, extraktiver Entwurf: %s", exc)
            sentences, citations, best = extractive(assistant, asked, hits)
    else:
        sentences, citations, best = extractive(assistant, asked, hits)
    sentences = [x for x in sentences if x.text not in used]
    cited = {n for x in sentences for n in x.citations}
    citations = [c for c in citations if c.n in cited]
    if by_reader:  # the reader's answerability (a generated answer: the reader let the model answer)
        coverage = best
        unanswered = not sentences  # `read_answer` and `_generative` leave a refused question without sentences
    else:
        unanswered = not sentences or max(best, coverage) < MIN_ANSWER_COVERAGE or best < MIN_SENTENCE_COVERAGE
    if unanswered:
        return DraftAnswer(number, question, OPEN, open=True, coverage=round(max(best, coverage), 3))
    local_to_global: dict[int, int] = {}
    global_citations: list[Citation] = []
    for c in citations:
        existing = registry.get(c.chunk_id)
        if existing is None:
            existing = replace(c, n=len(registry) + 1)
            registry[c.chunk_id] = existing
        local_to_global[c.n] = existing.n
        global_citations.append(existing)
    renum = [replace(s, citations=tuple(local_to_global[n] for n in s.citations if n in local_to_global))
             for s in sentences]
    used.update(x.text for x in renum)
    text = " ".join(s.text + " " + "".join(f"[{n}]" for n in s.citations) for s in renum if s.citations)
    return DraftAnswer(number, question, text.strip(), renum, global_citations, False, round(max(best, coverage), 3))
