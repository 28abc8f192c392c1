"""The assistant object the UI, CLI, drafting and evaluation talk to (never Chroma or a model directly)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from assistant.answer.citations import check_answer, citation_from_hit
from assistant.answer.compose import compose, selected_passages
from assistant.answer.features import units_of
from assistant.answer.prompts import build_messages
from assistant.answer.query import IdfLookup, Query, read_query
from assistant.answer.reader import WEIGHTS_PATH, Reader, Reading
from assistant.answer.rules import (
    answer_confidence,
    extractive_answer,
    missing_years,
    topic_coverage,
)
from assistant.messages import EMPTY_INDEX, FALLBACK_DECLINED, FALLBACK_UNSUPPORTED, NO_TEXT, REFUSAL
from assistant.question import History, Question
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.types import Answer, Citation, Filters, Hit, RefusalReason, Sentence
from index.catalog import Catalog, index_status
from ingest.language import QUESTION_NOISE, content_terms
from ingest.records import Access

log = logging.getLogger(__name__)
FOLLOWUP_MIN_TERMS = 2  # a follow-up with this many own topic terms, none of them found, is refused



def _retrieved_entry(h: Hit) -> dict[str, Any]:
    return {"chunk_id": h.chunk_id, "doc_id": h.doc_id, "reference": h.meta.reference, "score": round(h.score, 6),
            "lexical_rank": h.lexical_rank, "dense_rank": h.dense_rank, "title": h.meta.title}


class Assistant:
    """Hybrid retrieval + extractive or generative answers with checked citations."""

    def __init__(self, settings: Settings, embedder: Any = None, store: Any = None, chat_model: Any = None,
                 reader: Reader | None = None, passages: Callable[[], Any] | None = None) -> None:
        """Built by `assistant.compose.make_assistant`, which makes the embedder and the vector store the settings
        name (and `passages`, which makes the ingest's embedder for chunks still without a vector); without them
        the assistant searches with BM25 alone."""
        self.settings = settings
        self._lock = threading.Lock()
        self.retriever = Retriever(settings.index_dir, embedder, store, passages)
        self.idf = IdfLookup(self.retriever.lexical)
        self._chat_model = chat_model
        self._reader = reader
        self.backend_error: str | None = None

    def reload(self) -> None:
        self.retriever.reload()
        self.idf = IdfLookup(self.retriever.lexical)

    # --- public API ---------------------------------------------------------------------------
    def search(self, question: Question, k: int | None = None, mode: str = "hybrid",
               timings: dict[str, float] | None = None, per_paper: int | None = None) -> list[Hit]:
        return self.retriever.search(question, k=k or self.settings.top_k, per_paper=per_paper or self.settings.per_paper,
                                     mode=mode, timings=timings)

    # --- what drafting, the web app and the benchmarks read of the index (never the retriever itself) -----
    @property
    def catalog(self) -> Catalog:
        """The catalog of papers, files and chunks (read-only use: paper files, counts)."""
        return self.retriever.catalog

    @property
    def boilerplate(self) -> Any:
        """The corpus's recurring lines, which answers skip."""
        return self.retriever.boilerplate

    @property
    def is_empty(self) -> bool:
        return bool(self.retriever.empty)

    @property
    def chunk_count(self) -> int:
        return len(self.retriever.lexical.chunk_ids) if self.retriever.lexical else 0

    def dense_ready(self) -> bool:
        return bool(self.retriever.dense_ready())

    def text_closeness(self, query: str, texts: list[str]) -> list[float] | None:
        """The e5 similarity of `query` (as a question) to each text (embedded now as a passage); None without the e5
        vectors that calibrated models were trained on."""
        if getattr(self.retriever.embedder, "space", "") != "multilingual-e5-small" or not texts:
            return None
        return self.retriever.dense.text_similarities(query, texts)

    def linked_documents(self, doc_id: str, clearance: Access) -> list[dict[str, Any]]:
        """Papers linked to `doc_id` (related, super- and subordinated, other versions) that `clearance` may read."""
        return self.retriever.linked_documents(doc_id, clearance)

    def warm(self) -> None:
        """Load the vector index into memory (the web app does this in a thread at start)."""
        self.retriever.warm()

    @property
    def dense_parts(self) -> tuple[Any, Any]:
        """(embedder, vector store) of this process, or Nones: background ingest shares the one Chroma client."""
        return self.retriever.embedder, self.retriever.store

    def ask(self, question: str, history: History | None = None, filters: Filters | None = None,
            mode: str | None = None, retrieval: str = "hybrid", clearance: Access = Access.PUBLIC) -> Answer:
        final: Answer | None = None
        for item in self.ask_stream(question, history, filters, mode, retrieval, clearance):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def ask_stream(self, question: str, history: History | None = None, filters: Filters | None = None,
                   mode: str | None = None, retrieval: str = "hybrid", clearance: Access = Access.PUBLIC
                   ) -> Iterator[str | Answer]:
        """The answer's text as it is produced, then the `Answer`, from the papers a reader of `clearance` (the
        signed-in user's role; public unless the caller says otherwise) may read."""
        mode = mode or self.settings.mode
        timings: dict[str, float] = {}
        t_start = time.perf_counter()
        if self.retriever.empty:
            yield EMPTY_INDEX
            yield Answer(question=question, text=EMPTY_INDEX, refused=True, mode=mode, timings={"total": 0.0},
                         refusal_reason=RefusalReason.EMPTY_INDEX)
            return
        asked = Question.read(question, history, filters, clearance)
        t0 = time.perf_counter()
        hits = self.search(asked, mode=retrieval, timings=timings)
        timings["retrieve"] = time.perf_counter() - t0
        retrieved = tuple(_retrieved_entry(h) for h in hits)
        common: dict[str, Any] = {"question": question, "retrieved": retrieved, "mode": mode,
                                  "standalone_query": asked.text if asked.is_followup else None}
        if mode == "generative":
            yield from self._generative(asked, hits, timings, t_start, common, history, retrieval)
            return
        if self.settings.answerer == "reader":
            yield from self._reader_answer(asked, hits, timings, t_start, common, retrieval)
            return
        yield from self._rules_answer(asked, hits, timings, t_start, common, retrieval)

    def _rules_answer(self, asked: Question, hits: list[Hit], timings: dict[str, float], t_start: float,
                      common: dict[str, Any], retrieval: str) -> Iterator[str | Answer]:
        """The extractive answer of the rules, refused by the first of their refusal checks that holds."""
        t0 = time.perf_counter()
        context = self.retriever.context_hits(asked.text, hits)
        pool = hits + context
        extract = extractive_answer(asked, pool, self.idf, boilerplate=self.retriever.boilerplate)
        text, sentences, citations = extract.text, extract.sentences, extract.citations
        cited = {c.chunk_id for c in citations}
        common["retrieved"] = common["retrieved"] + tuple(_retrieved_entry(h) for h in context if h.chunk_id in cited)
        confidence = answer_confidence(asked, hits, pool, self.idf)
        timings["answer"] = time.perf_counter() - t0
        floor = self.closeness_floor
        closest = self._closeness(asked, hits, retrieval, floor)
        weak_dense = closest is not None and floor is not None and closest < floor
        reason: RefusalReason | None = None
        if not citations:
            reason = RefusalReason.NO_SOURCES
        elif not self._pinned(asked, hits):
            if confidence < self.settings.refusal_threshold:
                reason = RefusalReason.LOW_COVERAGE
            elif weak_dense:
                reason = RefusalReason.FAR_FROM_QUESTION
            elif missing_years(asked, extract.core, (c.date for c in citations)):
                reason = RefusalReason.YEAR_MISSING
            elif asked.is_followup and self.followup_uncovered(asked, hits, pool):
                reason = RefusalReason.FOLLOWUP_UNCOVERED
            elif self.textless_lead(asked, pool):
                reason = RefusalReason.NO_TEXT
        yield from self._conclude(reason, hits, timings, t_start, common, text, sentences, citations)

    @property
    def closeness_floor(self) -> float | None:
        """The closeness below which the documents do not answer: the setting where given, else the floor calibrated
        with the reader's weights (`assistant.training.closeness`), which the rules share."""
        if self.settings.min_dense_similarity is not None:
            return self.settings.min_dense_similarity
        return self.reader.closeness_threshold

    def _closeness(self, question: Question, hits: list[Hit], retrieval: str, floor: float | None) -> float | None:
        """The e5 similarity of the question to its closest retrieved chunk or sentence window (`Retriever.closeness`),
        where it means something: with e5 vectors (a floor is calibrated for them only) and dense search; else None.
        Retrieved chunks that have no vector yet (an archive embedded for its lead chunks, a demo still embedding in
        the background), and then the windows, are embedded now, until one clears the floor."""
        calibrated = getattr(self.retriever.embedder, "space", "") == "multilingual-e5-small"
        if retrieval == "bm25" or not calibrated:
            return None
        return self.retriever.closeness(question.text, hits, enough=floor)

    # --- the learned reader (COUNCIL_ANSWERER=reader) ------------------------------------------------
    @property
    def reader(self) -> Reader:
        """The reader's weights, loaded on first use (settings.reader_path or the shipped reader.json)."""
        if self._reader is None:
            path = self.settings.reader_path
            self._reader = Reader.load(path if str(path) not in {"", "."} else WEIGHTS_PATH)
        return self._reader

    def read(self, question: Question, pool: list[Hit]) -> tuple[Reading, Query]:
        """The reader's view of the question (its terms weighted by idf) and of the retrieved chunks."""
        parsed = read_query(question, self.idf)
        return self.reader.read(parsed, pool, units_of(pool, self.retriever.boilerplate)), parsed

    def _reader_answer(self, question: Question, hits: list[Hit], timings: dict[str, float], t_start: float,
                       common: dict[str, Any], retrieval: str) -> Iterator[str | Answer]:
        """The extractive answer of the reader. Unless the question names a Drucksache among the best hits, it is
        refused when the question is further from its closest passage than the calibrated closeness floor (with e5
        vectors and dense search), else when the reader's own answerability is below its threshold (BM25 alone),
        or when the lead paper has no text."""
        t0 = time.perf_counter()
        pool = hits + self.retriever.context_hits(question.text, hits)
        reading, parsed = self.read(question, pool)
        extract = compose(parsed, pool, reading, self.reader.passage_threshold)
        cited = {c.chunk_id for c in extract.citations}
        common["retrieved"] = common["retrieved"] + tuple(_retrieved_entry(h) for h in pool[len(hits):]
                                                          if h.chunk_id in cited)
        common["answerability"] = round(reading.answerable, 4)
        timings["answer"] = time.perf_counter() - t0
        reason: RefusalReason | None = None
        if not extract.citations:
            reason = RefusalReason.NO_SOURCES
        elif not self._pinned(question, hits):
            reason = self.reader_refusal(question, hits, reading, retrieval)
            if reason is None and self.textless_lead(question, pool):
                reason = RefusalReason.NO_TEXT
        yield from self._conclude(reason, hits, timings, t_start, common, extract.text, extract.sentences,
                                  extract.citations)

    def reader_refusal(self, question: Question, hits: list[Hit], reading: Reading,
                       retrieval: str = "hybrid") -> RefusalReason | None:
        """Why the documents do not answer, by the reader (None: they may): the question further from its closest
        passage than the calibrated closeness floor (with e5 vectors and dense search), else (BM25 alone) the
        reader's answerability below its threshold. A Drucksache the question names among the best hits answers."""
        if self._pinned(question, hits):
            return None
        floor = self.closeness_floor
        closest = self._closeness(question, hits, retrieval, floor) if floor is not None else None
        if closest is not None and floor is not None:
            return RefusalReason.FAR_FROM_QUESTION if closest < floor else None
        return RefusalReason.UNANSWERED if reading.answerable < self.reader.answer_threshold else None

    def _conclude(self, reason: RefusalReason | None, hits: list[Hit], timings: dict[str, float], t_start: float,
                  common: dict[str, Any], text: str, sentences: list[Sentence], citations: list[Citation]
                  ) -> Iterator[str | Answer]:
        """The refusal for `reason`, or else the answer."""
        if reason is not None:
            yield from self._refuse(hits, timings, t_start, common, reason)
            return
        timings["total"] = time.perf_counter() - t_start
        yield text
        yield Answer(text=text, citations=tuple(citations), sentences=tuple(sentences), timings=timings, **common)

    @staticmethod
    def textless_lead(question: Question, pool: list[Hit]) -> bool:
        """The best paper has no text in the index, only its metadata, and the question asks about its content
        ("Welche Verpflichtungen übernimmt der Vorhabenträger im Ergänzungsvertrag …?"): an answer from other
        papers would stand in for it. Questions what a paper is or is about ("Um welches Grundstück geht es
        bei der Bauvoranfrage …?": its title names it), when it was dated or how it was decided are answered
        from the metadata."""
        if not pool or question.about_metadata:
            return False
        lead = pool[0].doc_id
        return all(h.meta.file_id == "overview" for h in pool if h.doc_id == lead)

    def followup_uncovered(self, question: Question, hits: list[Hit], pool: list[Hit]) -> bool:
        """A follow-up's own words ("… die verlängerte Bahn … in Betrieb gehen") appear nowhere in the found
        text: the earlier question's words found it, and an answer would repeat the earlier answer."""
        own = question.own_words
        return len(content_terms(own) - QUESTION_NOISE) >= FOLLOWUP_MIN_TERMS and \
            answer_confidence(Question.of(own), hits, pool, self.idf, compounds=False) == 0.0  # "Bahn" in "Turmbergbahn" is the old topic

    @staticmethod
    def _pinned(question: Question, hits: list[Hit]) -> bool:
        """The question names a Drucksache that is among the best hits: answer from it."""
        refs = question.references
        return bool(refs) and any(h.meta.reference in refs for h in hits[:2])

    def _refuse(self, hits: list[Hit], timings: dict[str, float], t_start: float, common: dict[str, Any],
                reason: RefusalReason) -> Iterator[str | Answer]:
        maybe: list[Citation] = []
        seen: set[str] = set()
        for h in hits:
            if h.doc_id not in seen:
                seen.add(h.doc_id)
                maybe.append(citation_from_hit(len(maybe) + 1, h, h.text[:300]))
            if len(maybe) >= 3:
                break
        timings["total"] = time.perf_counter() - t_start
        text = f"{REFUSAL} {NO_TEXT}" if reason is RefusalReason.NO_TEXT else REFUSAL
        yield text
        yield Answer(text=text, refused=True, maybe_relevant=tuple(maybe), timings=timings, refusal_reason=reason,
                     **common)

    # --- generative ----------------------------------------------------------------------------
    def chat_model(self) -> Any:
        if self._chat_model is None:
            from assistant.answer.llm import make_chat_model

            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    def _generative(self, question: Question, hits: list[Hit], timings: dict[str, float], t_start: float,
                    common: dict[str, Any], history: History | None, retrieval: str = "hybrid") -> Iterator[str | Answer]:
        if self.settings.answerer == "reader":
            # the model gets only the passages the reader selected: a short prompt, and nothing unrelated to cite
            pool = hits + self.retriever.context_hits(question.text, hits)
            reading, parsed = self.read(question, pool)
            common["answerability"] = round(reading.answerable, 4)
            sources = selected_passages(parsed, pool, reading, self.reader.passage_threshold)
            refusal = self.reader_refusal(question, hits, reading, retrieval) if sources else \
                RefusalReason.NO_SOURCES
            if refusal is not None:
                yield from self._refuse(hits, timings, t_start, common, refusal)
                return
        else:
            coverage = topic_coverage(question, hits, self.idf)
            if not hits or coverage < self.settings.refusal_threshold * 0.8:
                yield from self._refuse(hits, timings, t_start, common,
                                       RefusalReason.LOW_COVERAGE if hits else RefusalReason.NO_SOURCES)
                return
            sources = hits[: min(len(hits), 6)]
        messages = build_messages(question.asked, sources, history)
        t0 = time.perf_counter()
        pieces: list[str] = []
        usage: dict[str, int] = {}
        try:
            for chunk in self.chat_model().stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if piece:
                    if not pieces:
                        timings["first_token"] = time.perf_counter() - t0
                    pieces.append(piece)
                    yield piece
                meta = getattr(chunk, "usage_metadata", None)
                if meta:
                    usage = {"input_tokens": int(meta.get("input_tokens", 0)), "output_tokens": int(meta.get("output_tokens", 0))}
        except Exception as exc:
            self.backend_error = str(exc)
            log.warning("Sprachmodell nicht erreichbar: %s", exc)
            yield from self._extractive_fallback(question, history, retrieval, timings, t_start,
                                                 f"Das Sprachmodell ist nicht erreichbar ({exc}). Antwort ohne Sprachmodell:")
            return
        timings["generate"] = time.perf_counter() - t0
        raw = "".join(pieces).strip()
        text, sentences, citations = check_answer(raw, sources)
        timings["total"] = time.perf_counter() - t_start
        if not citations:
            # the model declined, or none of its sentences kept a valid, supported citation (a 1.5B model on
            # this machine: 5 of 8 answers): the answer from the source sentences, checked by construction,
            # or its refusal when the documents do not answer
            said_no = re.search(r"beantworten (diese|die) Frage nicht|keine Angaben", raw, re.I)
            note = FALLBACK_DECLINED if said_no else FALLBACK_UNSUPPORTED
            yield from self._extractive_fallback(question, history, retrieval, timings, t_start, note, usage)
            return
        yield Answer(text=text, citations=tuple(citations), sentences=tuple(sentences), timings=timings,
                     usage=usage, **common)

    def _extractive_fallback(self, question: Question, history: History | None, retrieval: str, timings: dict[str, float], t_start: float, note: str,
                             usage: dict[str, int] | None = None) -> Iterator[str | Answer]:
        """The extractive answer (with the same filters), introduced by `note`; its refusal when it refuses.
        Marked as mode "generative-fallback", with the generative attempt's timings kept."""
        final: Answer | None = None
        for item in self.ask_stream(question.asked, history, question.filters, "extractive", retrieval,
                                    question.clearance):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        merged = {**{k: v for k, v in timings.items() if k in ("first_token", "generate")}, **final.timings,
                  "total": time.perf_counter() - t_start}
        text = final.text if final.refused else f"{note}\n{final.text}"
        yield "\n\n" + text
        yield Answer(**{**final.__dict__, "text": text, "mode": "generative-fallback", "timings": merged,
                        "usage": usage or final.usage})

    # --- status ----------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        st = index_status(self.settings.index_dir)
        st["dense_available"] = self.retriever.store is not None
        st["mode"] = self.settings.mode
        return st
