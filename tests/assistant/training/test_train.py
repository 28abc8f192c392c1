"""`council train-reader` on a small real slice of the archive: mines, indexes, trains, chooses thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.reader import Reader
from assistant.training.train import answer_threshold, run


@pytest.mark.slow
def test_training_on_a_small_real_slice(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "reader.json"
    code = run(corpus / "archive" / "karlsruhe-oparl-full.tar.zst", corpus / "karlsruhe" / "papers",
               tmp_path / "work", out, limit=120, seed=0)
    assert code == 0
    info = json.loads(out.read_text(encoding="utf-8"))["info"]
    # the mined pairs asked for, a third as many cloze pairs, and the questions people would ask for those of the
    # mined pairs that have one in the repository's file
    assert info["people_pairs"] > 0 and info["pairs"] == 120 + 40 + info["people_pairs"]
    assert info["train_questions"] > 0 and info["validation_questions"] > 0
    # even on a small slice the best-scored sentence is mostly the mined answer (chance: a few percent)
    assert max(info["validation_top1"].values()) > 0.5
    reader = Reader.load(out)
    assert 0.0 < reader.answer_threshold < 1.0
    # the reranker, trained on a tenth as many questions, stands beside the weights only where it beats the reader
    # alone on the validation questions
    reranker = info["reranker"]
    assert reranker["train_questions"] > 0 and 0.0 <= reranker["validation_top1"] <= 1.0
    assert reranker["kept"] == (reranker["validation_top1"] > reranker["reader_validation_top1"])
    assert (tmp_path / "cross.npz").is_file() == reranker["kept"] == (reader.cross is not None)


def test_answer_threshold_refuses_the_stated_share_of_answerable_questions() -> None:
    probs = np.linspace(0.01, 1.0, 100)
    labels = np.ones(100)
    threshold = answer_threshold(probs, labels, false_refusals=0.05)
    assert (probs < threshold).mean() == pytest.approx(0.05)


def test_cloze_question_asks_for_the_value_its_sentence_carries() -> None:
    from assistant.training.cloze import answerable_sentence, question_for

    sentence = "Die Sanierung der Sporthalle kostet nach der aktuellen Schätzung voraussichtlich rund 2,4 Millionen Euro."
    lead = answerable_sentence(sentence)
    assert lead == "Wie viel kostet"
    question = question_for(sentence, lead, "Sanierung der Sporthalle Grötzingen", np.random.default_rng(0))
    assert question.startswith("Wie viel kostet ") and question.endswith("?") and "2,4" not in question
    assert answerable_sentence("Wie viel kostet die Sanierung der Sporthalle in Grötzingen eigentlich genau?") is None


def test_near_miss_asks_for_a_year_or_a_detail_the_found_text_lacks() -> None:
    from assistant.training.examples import near_miss
    from ingest.language import sentence_terms

    found = sentence_terms("Aktuell stehen in Karlsruhe 48 ganzjährig buchbare Kurzzeitpflegeplätze zur Verfügung (2023).")
    found |= {"2023", "2024"}
    rng = np.random.default_rng(0)
    by_year = near_miss("Wie viele Kurzzeitpflegeplätze gab es 2023 in Karlsruhe?", found, "", rng)
    assert by_year is not None and "2023" not in by_year
    year = int(by_year.split(" es ")[1][:4])
    assert str(year) not in found and abs(year - 2023) >= 2
    detail = near_miss("Wie viele Kurzzeitpflegeplätze gibt es in Karlsruhe?", found,
                       "Wie hoch waren die Wildschäden im Jagdrevier?", rng)
    assert detail is not None and detail.startswith("Wie viele Kurzzeitpflegeplätze gibt es in Karlsruhe bei ")
    assert detail.endswith(("Wildschäden?", "Jagdrevier?"))
    # a donor whose nouns the found text holds (also inside a compound) gives no near miss
    assert near_miss("Wie viele Plätze gibt es?", found, "Gibt es Kurzzeitpflegeplätze in Karlsruhe?", rng) is None


def test_passage_threshold_keeps_supporting_sentences_of_the_answering_paper() -> None:
    from assistant.answer.reader import Evidence, Network
    from assistant.training.examples import Example
    from assistant.training.train import passage_threshold

    identity = Network(np.zeros(1, np.float32), np.ones(1, np.float32), ((np.ones((1, 1), np.float32), np.zeros(1, np.float32)),))
    # logits: the answer (paper 0), then a sentence of paper 0, then two of an unrelated paper 1
    logits = np.asarray([[3.0], [1.0], [0.5], [-1.0]], dtype=np.float32)
    evidence = Evidence(logits, np.asarray([0, 0, 1, 1], np.int32), np.zeros(2, np.float32), 0.0, 1.0, 0.1, frozenset())
    ex = Example("p", "validation", True, np.asarray([1, 0, 0, 0], np.float32), evidence)
    threshold = passage_threshold(identity, [ex], "validation", precision=0.6)
    probs = 1 / (1 + np.exp(-logits[:, 0]))
    # beyond the best: [paper 0, paper 1, paper 1] -> precision 1, 1/2, 1/3: only the paper-0 sentence clears 0.6
    assert threshold == pytest.approx(probs[1])


def test_missing_people_questions_name_the_file_and_how_to_write_them(tmp_path: Path) -> None:
    from assistant.cli.errors import CliError
    from assistant.training.train import PEOPLE_FILE, people_pairs_for

    assert PEOPLE_FILE.is_file()
    with pytest.raises(CliError, match=r"people\.jsonl fehlt: `python -m assistant\.training\.people --pairs"):
        people_pairs_for(tmp_path / "pairs.jsonl", set(), tmp_path / "people.jsonl")


def test_closeness_only_names_what_is_missing(tmp_path: Path) -> None:
    from assistant.cli.errors import CliError
    from assistant.training.train import recalibrate_closeness, retrain_cross

    with pytest.raises(CliError, match=r"reader\.json fehlt: --closeness-only braucht"):
        recalibrate_closeness(tmp_path, tmp_path / "reader.json", None, 0)
    with pytest.raises(CliError, match=r"reader\.json fehlt: --reranker-only braucht"):
        retrain_cross(tmp_path, tmp_path / "reader.json", None, 0)
