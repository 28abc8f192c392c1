"""The reranker: its weights survive saving, and a shipped file stands beside the reader's weights only where it is
better than the reader alone on the validation questions (`council train-reader` keeps it only then)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.answer.cross import CrossEncoder
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


def test_a_reranker_stands_beside_the_shipped_weights_only_where_it_beats_the_reader_alone() -> None:
    path = WEIGHTS_PATH.with_name(CROSS_FILE)
    reader = Reader.load()
    assert path.is_file() == (reader.cross is not None)
    if reader.cross is not None:
        info = reader.cross.info
        assert path.stat().st_size < 30 * 2**20 and info["validation_top1"] > info["reader_validation_top1"]
    assert Reader.load(rerank=False).cross is None


@pytest.mark.parametrize("n", [0, 1])
def test_nothing_to_order(n: int) -> None:
    probs = np.full(n, 0.5, dtype=np.float32)
    assert CrossEncoder(trained_layers=1).rerank(LOAN_QUESTION, CANDIDATES[:n], probs).tolist() == probs.tolist()
