"""The shipped reader on real council text: real answers above real non-answers, an unrelated question refused,
and the whole path from index to cited answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answer.compose import compose, selected_passages
from assistant.answer.features import FEATURES, feature_matrix, units_of
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import Reader, ReaderMissingError
from assistant.question import Question
from assistant.retrieval.retriever import Retriever
from assistant.types import ChunkMeta, Hit

Q = Question.of

LOAN_QUESTION = "Wie oft hat das Kinderbüro den RegenbogenKinderBücherKoffer verliehen?"
LOAN_ANSWER = "Seitens des Kinderbüros wurde der Koffer seit seiner Einführung 15-mal verliehen."


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


def _read(reader: Reader, retriever: Retriever, question: str):  # type: ignore[no-untyped-def]
    hits = retriever.search(Q(question), k=10, per_paper=2, mode="bm25")
    pool = hits + retriever.context_hits(question, hits)
    query = read_query(Q(question), IdfLookup(retriever.lexical))
    return query, pool, reader.read(query, pool, units_of(pool, retriever.boilerplate))


def test_shipped_weights_match_the_features(reader: Reader) -> None:
    assert reader.sentence.mean.shape == (len(FEATURES),)
    assert 0.0 < reader.answer_threshold < 1.0 and 0.0 < reader.passage_threshold < 1.0
    assert reader.info["validation_questions"] > 100  # trained on mined pairs, thresholds from their validation split
    closeness = reader.info["closeness"]  # calibrated on validation questions with and without their paper
    assert reader.closeness_threshold == closeness["threshold"] and 0.5 < closeness["threshold"] < 1.0
    assert closeness["answerable"] > 100 and closeness["refused_unanswerable"] > closeness["false_refusals"]


def test_missing_weights_name_the_command(tmp_path: Path) -> None:
    with pytest.raises(ReaderMissingError, match="train-reader"):
        Reader.load(tmp_path / "reader.json")


def test_real_answer_ranks_above_the_restated_question_and_other_answers(reader: Reader, koffer_index: Path) -> None:
    query, pool, reading = _read(reader, Retriever(koffer_index), LOAN_QUESTION)
    texts = [u.text for u in reading.units]
    answer = texts.index(LOAN_ANSWER)
    restated = next(i for i, t in enumerate(texts) if t.startswith("1. Wie oft wurde der RegenbogenKinderBücherKoffer"))
    other_answer = next(i for i, t in enumerate(texts) if t.startswith("Die Veranstaltung wurde im Betrachtungszeitraum"))
    assert reading.probs[answer] > reading.probs[restated]
    assert reading.probs[answer] > reading.probs[other_answer]
    assert reading.answerable >= reader.answer_threshold
    extract = compose(query, pool, reading, reader.passage_threshold)
    assert "15-mal verliehen" in extract.text and extract.citations[0].reference == "2026/0503"


def test_unrelated_question_is_not_answerable(reader: Reader, koffer_index: Path) -> None:
    _query, _pool, reading = _read(reader, Retriever(koffer_index), "Wie hoch ist der Grundsteuer-Hebesatz der Stadt Mannheim?")
    assert reading.answerable < reader.answer_threshold


def test_features_are_finite_and_bounded(reader: Reader, koffer_index: Path) -> None:
    query, pool, reading = _read(reader, Retriever(koffer_index), LOAN_QUESTION)
    x = feature_matrix(query, pool, reading.units)
    assert np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 2.0


def test_generative_sources_are_the_selected_passages(reader: Reader, koffer_index: Path) -> None:
    query, pool, reading = _read(reader, Retriever(koffer_index), LOAN_QUESTION)
    sources = selected_passages(query, pool, reading, reader.passage_threshold)
    assert sources and any(LOAN_ANSWER in s.text for s in sources)
    assert sum(len(s.text) for s in sources) < sum(len(h.text) for h in pool) / 4  # a short prompt


def test_the_assistant_answers_through_the_reader_when_asked_to(koffer_index: Path) -> None:
    from assistant.service import Assistant
    from assistant.settings import Settings

    assistant = Assistant(Settings().with_(index_dir=koffer_index, embedder="", answerer="reader"))
    answer = assistant.ask(LOAN_QUESTION, retrieval="bm25")
    assert not answer.refused and answer.answerability is not None
    assert "15-mal verliehen" in answer.text and answer.citations[0].reference == "2026/0503"
    assert {c.chunk_id for c in answer.citations} <= {r["chunk_id"] for r in answer.retrieved}
    refused = assistant.ask("Wie hoch ist der Grundsteuer-Hebesatz der Stadt Mannheim?", retrieval="bm25")
    assert refused.refused and refused.refusal_reason == "unanswered" and not refused.citations


def test_generative_mode_prompts_with_the_reader_passages_only(koffer_index: Path) -> None:
    from langchain_core.messages import AIMessageChunk

    from assistant.service import Assistant
    from assistant.settings import Settings

    class Recording:
        """A chat model that answers with the loan sentence and keeps the prompt it got."""

        prompts: list[str] = []

        def stream(self, messages: list) -> object:  # type: ignore[type-arg]
            self.prompts.append("\n".join(str(m.content) for m in messages))
            yield AIMessageChunk(content=f"{LOAN_ANSWER} [1]")

    model = Recording()
    settings = Settings().with_(index_dir=koffer_index, embedder="", answerer="reader", mode="generative")
    assistant = Assistant(settings, chat_model=model)
    answer = assistant.ask(LOAN_QUESTION, retrieval="bm25")
    assert not answer.refused and answer.mode == "generative" and answer.answerability is not None
    assert LOAN_ANSWER in model.prompts[0]
    from assistant.answer.prompts import build_messages

    frame = sum(len(str(m.content)) + 1 for m in build_messages(LOAN_QUESTION, [], None))  # instructions, question
    full = sum(len(h.text) for h in assistant.search(Q(LOAN_QUESTION), mode="bm25"))
    assert len(model.prompts[0]) - frame < full / 2  # the selected passages, not every retrieved chunk
    assert answer.citations and answer.citations[0].reference == "2026/0503"
    refused = assistant.ask("Wie hoch ist der Grundsteuer-Hebesatz der Stadt Mannheim?", retrieval="bm25")
    assert refused.refused and refused.refusal_reason == "unanswered" and len(model.prompts) == 1


def test_a_question_is_about_its_nouns_and_years() -> None:
    from ingest.language import noun_terms

    assert noun_terms("Kann die Stadt die Krähen am Bahnhof Durlach vertreiben lassen?") == {"stadt", "krah", "bahnhof",
                                                                                            "durlach"}
    # a capitalised word that begins a sentence is not taken for a noun; years count as things asked about
    assert noun_terms("Wie viele Hundekotbeutel gab es 2025? Und wie viele Stationen?") >= {"hundekotbeutel", "2025"}
    assert not noun_terms("Und wie viele?") and "wie" not in noun_terms("Wie viele Stationen?")


def _chunk(text: str, date: str = "", section: str = "") -> Hit:
    return Hit("c", "d", text, 1.0, ChunkMeta.of({"title": "", "date": date, "section": section}))


def test_a_missing_noun_counts_a_missing_verb_does_not(koffer_index: Path) -> None:
    from assistant.answer.reader import paper_absent

    idf = IdfLookup(Retriever(koffer_index).lexical)
    text = [_chunk("Seitens des Kinderbüros wurde der Koffer seit seiner Einführung 15-mal an Familien verliehen.")]
    worded = read_query(Q("Wie oft wurde der Koffer an Familien herausgegeben?"), idf)
    assert "herausgegeb" in worded.terms and paper_absent(worded, text) == ()  # "herausgegeben": own words
    detail = read_query(Q("Wie oft wurde der Koffer an Familien in Durlach verliehen?"), idf)
    assert [stem for stem, _share in paper_absent(detail, text)] == ["durlach"]  # a detail the text does not name


def test_a_detail_only_a_restated_question_names_is_absent(koffer_index: Path) -> None:
    from assistant.answer.reader import paper_absent

    idf = IdfLookup(Retriever(koffer_index).lexical)
    asked = read_query(Q("Wie oft wurde der Koffer in Durlach verliehen?"), idf)
    restated = _chunk("Wie oft wurde der Koffer in Durlach verliehen? Der Koffer wurde 15-mal verliehen.")
    assert [stem for stem, _share in paper_absent(asked, [restated])] == ["durlach"]
    stated = _chunk("Wie oft wurde der Koffer verliehen? In Durlach wurde der Koffer 15-mal verliehen.")
    assert paper_absent(asked, [stated]) == ()


def test_a_month_asked_for_is_found_in_numeric_dates(koffer_index: Path) -> None:
    from assistant.answer.reader import paper_absent

    idf = IdfLookup(Retriever(koffer_index).lexical)
    asked = read_query(Q("Was hat der Gemeinderat im Oktober 2025 zum Koffer beschlossen?"), idf)
    assert paper_absent(asked, [_chunk("Der Gemeinderat hat am 14.10.2025 den Koffer beschlossen.")]) == ()
    assert paper_absent(asked, [_chunk("Der Gemeinderat hat den Koffer beschlossen.", date="2025-10-21")]) == ()
    absent = paper_absent(asked, [_chunk("Der Gemeinderat hat am 14.11.2025 den Koffer beschlossen.")])
    assert [stem for stem, _share in absent] == ["oktob"]


def test_noun_presence_learns_which_nouns_answers_name() -> None:
    from assistant.answer.presence import MIN_QUESTIONS, learn_presence

    # "geld" is asked for ten times and never named by the answer; "koffer" always; "durlach" too rarely to tell
    observations = [({"geld", "koffer"}, {"koffer"})] * 10 + [({"durlach"}, set())] * (MIN_QUESTIONS - 1)
    presence = learn_presence(observations)
    assert presence("geld") < 0.5 < presence("koffer") and presence("durlach") == presence.default
    assert learn_presence([]).default == 1.0  # no evidence: every absent noun counts fully


def test_a_compound_of_the_question_is_found_in_its_parts() -> None:
    from assistant.answer.query import Query

    query = Query("", "", (("jugend-streetwork", 9.0), ("leseforderprojekt", 9.6), ("hundekotbeutel", 9.6)),
                  frozenset(), frozenset(), frozenset(), ())
    stems = {"jugend", "streetwork", "leseforder", "projekt", "hund", "beutel"}
    assert query.matched(stems) == {"jugend-streetwork", "leseforderprojekt"}  # "Hundebeutel" is no "Hundekotbeutel"


def test_drafting_reads_a_question_with_the_reader(koffer_index: Path) -> None:
    from assistant.draft.answers import read_answer
    from assistant.service import Assistant
    from assistant.settings import Settings

    assistant = Assistant(Settings().with_(index_dir=koffer_index, embedder="", answerer="reader"))
    hits = assistant.search(Q(LOAN_QUESTION), mode="bm25")
    sentences, citations, answerability = read_answer(assistant, Q(LOAN_QUESTION), hits)
    assert answerability >= assistant.reader.answer_threshold
    assert LOAN_ANSWER in [s.text for s in sentences] and citations[0].reference == "2026/0503"
    _s, _c, unrelated = read_answer(assistant, Q("Wie hoch ist der Grundsteuer-Hebesatz der Stadt Mannheim?"), hits)
    assert unrelated < assistant.reader.answer_threshold


def test_what_a_candidate_is_is_weighed_by_what_the_question_asks() -> None:
    from assistant.answer.query import Query

    col = {name: j for j, name in enumerate(FEATURES)}
    overview = Hit("o", "d", "Beratung: Gemeinderat, am 2025-10-14, TOP 3, Ergebnis: einstimmig beschlossen", 1.0,
                   ChunkMeta.of({"file_id": "overview", "title": "Koffer"}))
    body = Hit("b", "d", "Der Koffer wurde 15-mal verliehen. Der Koffer steht im Kinderbüro.", 0.9, ChunkMeta.of({"title": "Koffer"}))
    pool = [overview, body]
    units = units_of(pool)

    def row(question: str, kinds: set[str], text_start: str) -> np.ndarray:
        query = Query(question, question, (("koff", 5.0),), frozenset({"koff"}), frozenset(kinds), frozenset(), (),
                      frozenset({"koff"}))
        x = feature_matrix(query, pool, units)
        return x[next(i for i, u in enumerate(units) if u.text.startswith(text_start))]

    count_line = row("Wie oft wurde der Koffer verliehen?", {"count"}, "Der Koffer wurde")
    assert count_line[col["fills_asked"]] == 1.0 and count_line[col["asks_unfilled"]] == 0.0
    place_line = row("Wie oft wurde der Koffer verliehen?", {"count"}, "Der Koffer steht")
    assert place_line[col["fills_asked"]] == 0.0 and place_line[col["asks_unfilled"]] == 1.0
    # a consultation result answers "was beschlossen?", not "wie oft?"
    asked = row("Was wurde zum Koffer beschlossen?", {"outcome"}, "Beratung")
    unasked = row("Wie oft wurde der Koffer verliehen?", {"count"}, "Beratung")
    assert asked[col["decision_asked"]] == 1.0 and asked[col["overview_unasked"]] == 0.0
    assert unasked[col["decision_asked"]] == 0.0 and unasked[col["overview_unasked"]] == 1.0
    assert count_line[col["cov_nouns_lead"]] == 1.0  # the question's noun, in the lead paper


def test_a_count_question_sees_which_sentence_counts_its_noun() -> None:
    from assistant.answer.query import IdfLookup, read_query
    from assistant.question import Question

    col = {name: j for j, name in enumerate(FEATURES)}
    hit = Hit("b", "d", "Der Stadtverwaltung sind keine Vorfälle bekannt, bei denen obdachlose Menschen Opfer von "
                        "Gewalt wurden. Die aktuelle Zahl obdachloser Menschen beträgt geschätzt 50 Personen. "
                        "Die Stadt betreibt 12 Unterkünfte in der Innenstadt.", 1.0, ChunkMeta.of({"title": "Obdach"}))
    units = units_of([hit])

    def row(question: str, start: str) -> np.ndarray:
        x = feature_matrix(read_query(Question.of(question), IdfLookup(None)), [hit], units)
        return x[next(i for i, u in enumerate(units) if u.text.startswith(start))]

    # "keine Vorfälle" counts incidents, "12 Unterkünfte" counts shelters: neither is a number of people
    people = "Wie viele obdachlose Menschen gibt es in Karlsruhe?"
    assert row(people, "Die Stadt betreibt")[col["counts_other"]] == 1.0
    assert row(people, "Die Stadt betreibt")[col["counts_asked"]] == 0.0
    shelters = "Wie viele Unterkünfte für Obdachlose gibt es?"
    assert row(shelters, "Die Stadt betreibt")[col["counts_asked"]] == 1.0
    assert row(shelters, "Der Stadtverwaltung")[col["counts_other"]] == 1.0
    # a question that counts nothing leaves both at zero
    assert not row("Welche Hilfen gibt es für obdachlose Menschen?", "Die Stadt betreibt")[
        [col["counts_asked"], col["counts_other"]]].any()
