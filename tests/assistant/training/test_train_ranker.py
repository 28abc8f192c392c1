"""The paper ranker's training stage on real papers: a group per question with its paper among the candidates, the
paper's family left out, a listwise fit that puts the answering paper first, and the weights the search reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.question import Question
from assistant.retrieval.ranker import FEATURES, PaperRanker
from assistant.retrieval.retriever import Retriever
from assistant.training import train_ranker
from assistant.training.examples import Pair
from ingest.records import Document
from tests.assistant.conftest import KOFFER_PAPERS, document_from_json


@pytest.fixture(scope="module")
def docs(corpus: Path) -> list[Document]:
    return [document_from_json(corpus, n) for n in KOFFER_PAPERS]


def _pairs(docs: list[Document], split: str, prefix: str) -> list[Pair]:
    """A question per paper from its title's words (as people name a topic), its paper the answer."""
    return [Pair(f"{prefix}{i}", f"Was steht zu {d.title}?", "", d.id, frozenset([d.id]), split)
            for i, d in enumerate(docs)]


def test_collect_groups_each_question_with_its_paper_and_leaves_out_its_family(koffer_index: Path,
                                                                               docs: list[Document]) -> None:
    retriever = Retriever(koffer_index)
    pairs = _pairs(docs, "train", "a")
    groups = train_ranker.collect(pairs, retriever)
    assert [g.pair_id for g in groups] == [p.pair_id for p in pairs]  # each title finds its own paper
    for g in groups:
        assert g.positive.sum() == 1 and g.x.shape == (len(g.positive), len(FEATURES)) and g.kind == "anfrage"
    # a family member of the answer is neither positive nor negative: it leaves the group
    family = Pair("f", pairs[0].question, "", docs[0].id, frozenset([docs[0].id, docs[1].id]), "train")
    (with_family,) = train_ranker.collect([family], retriever)
    assert len(with_family.positive) == len(groups[0].positive) - 1


def test_the_fit_puts_the_answering_paper_first_and_the_search_uses_it(koffer_index: Path, docs: list[Document],
                                                                        tmp_path: Path) -> None:
    retriever = Retriever(koffer_index)
    pairs = _pairs(docs, "train", "t") + _pairs(docs, "validation", "v")
    out = tmp_path / "ranker.json"
    ranker = train_ranker.run_stage(pairs, retriever, out, seed=0, report=lambda _line: None)
    assert ranker.info["validation_first"]["anfrage"]["ranker"] == 1.0
    loaded = PaperRanker.load(out)
    assert np.allclose(loaded.weights, ranker.weights) and loaded.info["train_questions"] == {"anfrage": len(docs)}
    searching = Retriever(koffer_index, ranker=loaded)
    for d in docs:
        assert searching.search(Question.of(f"Was steht zu {d.title}?"), k=3, mode="bm25")[0].doc_id == d.id


def test_weights_of_other_features_name_the_file_and_the_command(tmp_path: Path) -> None:
    bad = tmp_path / "ranker.json"
    bad.write_text('{"features": ["chunk"], "mean": [0], "scale": [1], "weights": [1], "bias": 0}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"ranker\.json.*--ranker-only"):
        PaperRanker.load(bad)
