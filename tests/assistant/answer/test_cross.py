"""The reranker: its weights survive saving, the shipped file is small and better than the reader alone on the
mined validation questions, and it orders real candidates (the whole path: `test_reader`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answer.cross import TOP, CrossEncoder
from assistant.answer.reader import CROSS_FILE, WEIGHTS_PATH, Reader

LOAN_QUESTION = "Wie oft hat das Kinderbüro den RegenbogenKinderBücherKoffer verliehen?"
CANDIDATES = [
    "1. Wie oft wurde der RegenbogenKinderBücherKoffer bisher verliehen?",
    "Die Veranstaltung wurde im Betrachtungszeitraum von insgesamt 120 Kindern besucht.",
    "Seitens des Kinderbüros wurde der Koffer seit seiner Einführung 15-mal verliehen.",
]


def test_saved_weights_load_to_the_same_scores(tmp_path: Path) -> None:
    import torch

    model = CrossEncoder(trained_layers=1)
    with torch.no_grad():
        for p in [*model.parameters()[0], *model.parameters()[1]]:
            p.add_(0.01 * torch.randn_like(p))
    model.info = {"validation_top1": 0.5}
    model.save(tmp_path / "cross.npz")
    again = CrossEncoder.load(tmp_path / "cross.npz")
    assert again is not None and again.info["validation_top1"] == 0.5 and again.trained_layers == 1
    x, n = model.lower(LOAN_QUESTION, CANDIDATES)
    prior = torch.zeros(len(CANDIDATES))
    with torch.no_grad():
        assert np.allclose(model.upper(x, n, prior).numpy(), again.upper(x, n, prior).numpy(), atol=1e-3)
    assert CrossEncoder.load(tmp_path / "none.npz") is None


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


def test_shipped_reranker_is_small_and_beats_the_reader_on_validation(reader: Reader) -> None:
    path = WEIGHTS_PATH.with_name(CROSS_FILE)
    assert path.stat().st_size < 30 * 2**20
    assert reader.cross is not None
    info = reader.cross.info
    assert info["validation_questions"] >= 250 and info["train_questions"] >= 1500
    assert info["validation_top1"] > info["reader_validation_top1"]
    assert Reader.load(rerank=False).cross is None


def test_reranker_puts_the_restated_question_below_the_answer(reader: Reader) -> None:
    assert reader.cross is not None
    # the reader slightly prefers the restated question, then another paper's figure, then the answer
    probs = np.asarray([0.52, 0.5, 0.48], dtype=np.float32)
    reranked = reader.cross.rerank(LOAN_QUESTION, CANDIDATES, probs)
    assert reranked[2] > reranked[0] and int(np.argmin(reranked)) == 0  # a question does not answer itself
    assert sorted(reranked.tolist()) == sorted(probs.tolist())  # the same values, handed out by the new order
    assert len(CANDIDATES) <= TOP


@pytest.mark.parametrize("n", [0, 1])
def test_nothing_to_order(reader: Reader, n: int) -> None:
    assert reader.cross is not None
    probs = np.full(n, 0.5, dtype=np.float32)
    assert reader.cross.rerank(LOAN_QUESTION, CANDIDATES[:n], probs).tolist() == probs.tolist()
