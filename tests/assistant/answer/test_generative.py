"""Citation checking of generated answers, and the generative path with a real local GGUF model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.answer.citations import NOT_SUPPORTED, check_answer
from assistant.compose import make_assistant
from assistant.settings import Settings
from assistant.types import Answer, ChunkMeta, Filters, Hit
from ingest.records import Access

SOURCES = [
    Hit(chunk_id="c1", doc_id="d1", score=1.0,
        text="Im Karlsruher Straßen- und Wegenetz gibt es 317 Brücken. Als einsturzgefährdet stufen wir momentan kein Bauwerk ein.",
        meta=ChunkMeta.of({"reference": "2024/1079", "paper_type": "Anfrage", "title": "Zustand der Brücken", "date": "2024-09-24"})),
    Hit(chunk_id="c2", doc_id="d2", score=0.5,
        text="Die Live-Übertragung der Sitzungen kostet jährlich rund 25.000 Euro.",
        meta=ChunkMeta.of({"reference": "2025/1126", "paper_type": "Antrag", "title": "Livestream", "date": "2025-10-01"})),
]


def test_supported_sentences_keep_renumbered_citations() -> None:
    text, sentences, citations = check_answer(
        "Die Stadt unterhält 317 Brücken [2]. Die Übertragung kostet jährlich rund 25.000 Euro [2].", SOURCES)
    # the first sentence cites the wrong source: its number is not in source 2 -> marked, not sourced
    assert sentences[0].citations == () and not sentences[0].supported
    assert sentences[1].citations == (1,) and sentences[1].supported
    assert [c.chunk_id for c in citations] == ["c2"] and citations[0].n == 1
    assert NOT_SUPPORTED in text and "[1]" in text and "[2]" not in text


def test_invalid_marker_wrong_number_and_uncited_fact_are_marked() -> None:
    text, sentences, citations = check_answer(
        "Es gibt 318 Brücken [1]. Laut Quelle [7] ist alles gesperrt. Die Stadt plant 40 neue Brücken.", SOURCES)
    assert citations == []
    assert all(not s.supported for s in sentences)
    assert text.count(NOT_SUPPORTED) == 3


def test_quotes_must_be_verbatim() -> None:
    _t, ok, _c = check_answer("Die Verwaltung schreibt: „kein Bauwerk ein“ [1].", SOURCES)
    _t, bad, _c = check_answer("Die Verwaltung schreibt: „alle Bauwerke sind marode“ [1].", SOURCES)
    assert ok[0].supported and not bad[0].supported


@pytest.mark.slow
def test_generative_answer_with_real_local_model(small_index: Path, smollm2_path: Path) -> None:
    settings = Settings().with_(index_dir=small_index, embedder="hash", mode="generative",
                                llm_model_path=str(smollm2_path), llm_base_url="", llm_threads=1, llm_max_tokens=48)
    assistant = make_assistant(settings)
    pieces: list[str] = []
    final: Answer | None = None
    for item in assistant.ask_stream("Was wurde zur Personalsituation bei der Polizei angefragt?"):
        if isinstance(item, Answer):
            final = item
        else:
            pieces.append(item)
    assert final is not None and pieces
    retrieved = {r["chunk_id"] for r in final.retrieved}
    assert {c.chunk_id for c in final.citations} <= retrieved
    for s in final.sentences:  # whatever the small model wrote: a cited sentence is a supported one
        if s.citations:
            assert s.supported and s.support >= 0.6
    if not final.refused:  # SmolLM2's own words rarely survive the check: then the sources' answer stands in
        assert final.mode in ("generative", "generative-fallback") and "first_token" in final.timings


def _final(stream: Any) -> Answer:
    answers = [item for item in stream if isinstance(item, Answer)]
    assert len(answers) == 1
    return answers[0]


QUESTION = "Was wurde zur Personalsituation bei der Polizei angefragt?"


def test_an_unsupported_generated_answer_gives_way_to_the_answer_from_the_sources(small_index: Path) -> None:
    """A 1.5B model here wrote "Die Gegenfinanzierung ist im Erläuterungsteil dargestellt [3]." to a question about a
    Fairteiler: no sentence keeps a supported citation, so the checked extractive answer is shown instead."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    from assistant.messages import FALLBACK_UNSUPPORTED

    model = GenericFakeChatModel(messages=iter([AIMessage(content="Die Polizei bekommt 5.000 neue Stellen [1].")]))
    settings = Settings().with_(index_dir=small_index, embedder="hash", mode="generative")
    final = _final(make_assistant(settings, chat_model=model).ask_stream(QUESTION))
    extractive = _final(make_assistant(settings).ask_stream(QUESTION, mode="extractive"))
    assert not extractive.refused and extractive.citations
    assert final.mode == "generative-fallback" and not final.refused
    assert final.text == f"{FALLBACK_UNSUPPORTED}\n{extractive.text}" and "5.000" not in final.text
    assert [c.chunk_id for c in final.citations] == [c.chunk_id for c in extractive.citations]
    assert "first_token" in final.timings and "generate" in final.timings


def test_a_model_that_is_down_falls_back_with_the_same_filters(small_index: Path) -> None:
    class Down:
        def stream(self, messages: Any) -> Any:
            raise ConnectionError("Verbindung abgelehnt")

    settings = Settings().with_(index_dir=small_index, embedder="hash", mode="generative")
    assistant = make_assistant(settings, chat_model=Down())
    calls: list[tuple[Any, Any]] = []
    original = assistant.ask_stream

    def spy(question: str, history: Any = None, filters: Any = None, mode: Any = None, retrieval: str = "hybrid",
            clearance: Access = Access.PUBLIC) -> Any:
        calls.append((filters, mode))
        return original(question, history, filters, mode, retrieval, clearance)

    assistant.ask_stream = spy  # type: ignore[method-assign]
    only_old = Filters(date_to="2024-12-31")
    final = _final(assistant.ask_stream(QUESTION, filters=only_old))
    assert calls == [(only_old, None), (only_old, "extractive")]
    assert final.mode == "generative-fallback" and "nicht erreichbar" in final.text and final.citations
    assert all(c.date <= "2024-12-31" for c in final.citations)
