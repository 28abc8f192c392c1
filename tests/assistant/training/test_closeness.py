"""The closeness floor: calibrated on validation questions with and without their paper, and the reader's refusal
from it wherever an e5 embedder is configured, also before any chunk has a vector (else from the reader's own
answerability)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.answer.reader import Reader
from assistant.question import Question
from assistant.retrieval.dense import WINDOW_CHUNKS
from assistant.retrieval.retriever import Retriever
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.training.closeness import calibrate, closeness
from assistant.training.examples import Pair
from index.embedders import HashEmbedder
from index.vectors import ChromaStore
from ingest.language import sentence_windows
from ingest.records import Document
from tests.assistant.conftest import KOFFER_PAPERS, document_from_json

Q = Question.of


@pytest.fixture(scope="module")
def docs(corpus: Path) -> list[Document]:
    return [document_from_json(corpus, n) for n in KOFFER_PAPERS]


def test_closeness_is_the_best_cosine() -> None:
    emb = HashEmbedder()
    texts = ["Radweg an der Hauptstraße", "Kosten der Sanierung der Grundschule"]
    best = closeness("Was kostet die Sanierung der Grundschule?", texts, emb, emb)
    q = emb.embed_query("Was kostet die Sanierung der Grundschule?")
    assert best == pytest.approx(float(max(emb.embed_passages(texts) @ q)), abs=1e-6)
    assert closeness("Frage", [], emb, emb) is None


def test_closeness_counts_the_sentence_windows_of_the_best_chunks() -> None:
    """A chunk of minutes covers several topics; a question about one of them is as close as its sentences are."""
    emb = HashEmbedder()
    question = "Was kostet die Sanierung der Grundschule?"
    minutes = ("Der Radweg an der Hauptstraße wird im Herbst verbreitert und die Ampel an der Kreuzung erneuert, "
               "wie der Ortsrat es beantragt hatte. Die Sanierung der Grundschule kostet rund 2 Mio. Euro.")
    chunk_only = closeness(question, [minutes], emb, emb)
    with_windows = closeness(question, [minutes], emb, emb, [minutes])
    windows = sentence_windows(minutes)
    q = emb.embed_query(question)
    assert len(windows) == 2 and chunk_only is not None and with_windows is not None
    assert with_windows == pytest.approx(max(chunk_only, float(max(emb.embed_passages(windows) @ q))), abs=1e-6)
    assert with_windows > chunk_only


def test_the_floor_refuses_the_stated_share_of_answerable_questions(koffer_index: Path, docs: list[Document]) -> None:
    retriever = Retriever(koffer_index)
    pairs = [Pair(f"p{i}", f"{d.title}?", "", d.id, frozenset([d.id]), "validation") for i, d in enumerate(docs)]
    pairs.append(Pair("t", "Training?", "", docs[0].id, frozenset([docs[0].id]), "train"))  # not asked
    emb = HashEmbedder()
    found = calibrate(pairs, retriever, retriever.catalog, emb, emb, seed=0, false_refusals=0.2)
    assert found.answerable == len(docs) and found.unanswerable == len(docs)  # each asked with and without its paper
    texts = retriever.catalog.index_texts
    with_paper = []
    for d in docs:
        hits = retriever.search(Q(f"{d.title}?"), k=10, per_paper=2, mode="bm25")
        with_paper.append(closeness(f"{d.title}?", list(texts([h.chunk_id for h in hits]).values()), emb, emb,
                                    [h.text for h in hits[:WINDOW_CHUNKS]]))
    assert found.threshold == pytest.approx(float(np.quantile(with_paper, 0.2)), abs=1e-4)
    assert 0.0 <= found.refused_unanswerable <= 1.0 and found.to_json()["false_refusals"] == 0.2


def test_questions_worded_as_people_ask_calibrate_the_floor_where_there_are_any(koffer_index: Path,
                                                                                docs: list[Document]) -> None:
    retriever = Retriever(koffer_index)
    mined = [Pair(f"p{i}", f"{d.title}?", "", d.id, frozenset([d.id]), "validation") for i, d in enumerate(docs)]
    people = [Pair(f"people:p{i}", f"Was gibt es zu {d.title}?", "", d.id, frozenset([d.id]), "validation")
              for i, d in enumerate(docs[:2])]
    emb = HashEmbedder()
    found = calibrate(mined + people, retriever, retriever.catalog, emb, emb, seed=0, false_refusals=0.2)
    assert found.answerable == 2 and found.unanswerable == 2


def _assistant(index: Path, floor: float | None, monkeypatch: pytest.MonkeyPatch) -> Assistant:
    shipped = Reader.load()
    thresholds = {k: v for k, v in shipped.thresholds.items() if k != "closeness"}
    if floor is not None:
        thresholds["closeness"] = floor
    reader = Reader(shipped.sentence, shipped.answer, thresholds, shipped.info, shipped.presence)
    emb = HashEmbedder()
    monkeypatch.setattr(emb, "space", "multilingual-e5-small", raising=False)  # as if e5: the floor applies
    return Assistant(Settings().with_(index_dir=index, answerer="reader"), embedder=emb,
                     store=ChromaStore(index, HashEmbedder.name), reader=reader)


def test_the_reader_refuses_a_question_far_from_every_passage(koffer_index: Path, docs: list[Document],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    question = f"Was ist zu {docs[0].title} beschlossen worden?"
    strict = _assistant(koffer_index, 0.999, monkeypatch).ask(question)
    assert strict.refused and strict.refusal_reason == "far_from_question" and not strict.citations
    lenient = _assistant(koffer_index, -1.0, monkeypatch).ask(question)
    assert lenient.refusal_reason != "far_from_question"
    # named Drucksache numbers answer whatever the closeness
    pinned = _assistant(koffer_index, 0.999, monkeypatch).ask(f"Was steht in {docs[0].reference}?")
    assert pinned.refusal_reason != "far_from_question"
    # BM25 alone has no closeness: the reader's own answerability decides
    bm25 = _assistant(koffer_index, 0.999, monkeypatch).ask(question, retrieval="bm25")
    assert bm25.refusal_reason != "far_from_question"



def test_the_rules_share_the_calibrated_floor_unless_one_is_set(koffer_index: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 docs: list[Document]) -> None:
    question = f"{docs[0].title}?"  # in the words of the paper: the rules' coverage lets it through
    reader = _assistant(koffer_index, 0.999, monkeypatch).reader
    emb = HashEmbedder()
    monkeypatch.setattr(emb, "space", "multilingual-e5-small", raising=False)

    def rules(**settings: Any) -> Assistant:
        return Assistant(Settings().with_(index_dir=koffer_index, answerer="rules", **settings), embedder=emb,
                         store=ChromaStore(koffer_index, HashEmbedder.name), reader=reader)

    assert rules().settings.min_dense_similarity is None and rules().closeness_floor == 0.999
    assert rules().ask(question).refusal_reason == "far_from_question"
    assert rules(min_dense_similarity=-1.0).closeness_floor == -1.0
    assert rules(min_dense_similarity=-1.0).ask(question).refusal_reason != "far_from_question"


@pytest.fixture(scope="module")
def unembedded_index(tmp_path_factory: pytest.TempPathFactory, docs: list[Document]) -> Path:
    """The same papers ingested without vectors (an index built with BM25 only, or a demo before its background
    embedding stored anything)."""
    from ingest.pipeline import Pipeline
    from ingest.sources.memory import ListSource

    folder = tmp_path_factory.mktemp("koffer-unembedded")
    pipeline = Pipeline(folder, None, None, workers=1)
    try:
        pipeline.run([("karlsruhe", ListSource(docs))], embed=False)
    finally:
        pipeline.close()
    return folder


class _DownStore(ChromaStore):
    """A vector server that does not answer."""

    def count(self) -> int:
        raise ConnectionError("server down")


def test_without_vectors_the_floor_embeds_what_it_compares(unembedded_index: Path, docs: list[Document],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    question = f"Was ist zu {docs[0].title} beschlossen worden?"
    assistant = _assistant(unembedded_index, 0.999, monkeypatch)
    assert not assistant.dense_ready()  # the search is lexical
    made: list[HashEmbedder] = []

    def passages() -> HashEmbedder:
        made.append(HashEmbedder())
        return made[-1]

    monkeypatch.setattr(assistant.retriever.dense, "_passages_factory", passages)
    assistant.warm()  # a server loads the passage embedder at start, not at the first question
    assert len(made) == 1
    strict = assistant.ask(question)
    assert strict.refused and strict.refusal_reason == "far_from_question"
    assert _assistant(unembedded_index, -1.0, monkeypatch).ask(question).refusal_reason != "far_from_question"
    # a store that is down is no index without vectors: nothing is embedded for it, the answerability decides
    down = _assistant(unembedded_index, 0.999, monkeypatch)
    down.retriever.dense.store = _DownStore(unembedded_index, HashEmbedder.name)
    assert down.ask(question).refusal_reason != "far_from_question"
