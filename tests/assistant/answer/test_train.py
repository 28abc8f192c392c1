"""`council train-reader` on a small real slice of the archive: mines, indexes, trains, chooses thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.reader import Reader
from assistant.answer.train import answer_threshold, run


@pytest.mark.slow
def test_training_on_a_small_real_slice(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "reader.json"
    code = run(corpus / "archive" / "karlsruhe-oparl-full.tar.zst", corpus / "karlsruhe" / "papers",
               tmp_path / "work", out, limit=120, seed=0)
    assert code == 0
    info = json.loads(out.read_text(encoding="utf-8"))["info"]
    assert info["pairs"] == 120 + 40  # the mined pairs asked for, and a third as many cloze pairs
    assert info["train_questions"] > 0 and info["validation_questions"] > 0
    # even on a small slice the best-scored sentence is mostly the mined answer (chance: a few percent)
    assert max(info["validation_top1"].values()) > 0.5
    reader = Reader.load(out)
    assert 0.0 < reader.answer_threshold < 1.0


def test_answer_threshold_refuses_the_stated_share_of_answerable_questions() -> None:
    probs = np.linspace(0.01, 1.0, 100)
    labels = np.ones(100)
    threshold = answer_threshold(probs, labels, false_refusals=0.05)
    assert (probs < threshold).mean() == pytest.approx(0.05)


def test_cloze_question_asks_for_the_value_its_sentence_carries() -> None:
    from assistant.answer.cloze import _answerable_sentence, question_for

    sentence = "Die Sanierung der Sporthalle kostet nach der aktuellen Schätzung voraussichtlich rund 2,4 Millionen Euro."
    lead = _answerable_sentence(sentence)
    assert lead == "Wie viel kostet"
    question = question_for(sentence, lead, "Sanierung der Sporthalle Grötzingen", np.random.default_rng(0))
    assert question.startswith("Wie viel kostet ") and question.endswith("?") and "2,4" not in question
    assert _answerable_sentence("Wie viel kostet die Sanierung der Sporthalle in Grötzingen eigentlich genau?") is None
