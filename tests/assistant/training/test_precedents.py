"""The precedent model's training data (papers that name earlier papers) on real Karlsruhe papers, and its
threshold.

The evaluation sample stands in for the archive here, as in `test_mine.py`: it is never mined in production
(split.py excludes it), but its papers are the real ones available in CI. The citations were checked by reading
the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.training.precedents import citing_papers, read_citing, threshold_for_f1, write_citing


@pytest.fixture(scope="module")
def citing(corpus: Path) -> dict[str, object]:
    root = corpus / "karlsruhe"
    splits = {p.stem: "train" for p in (root / "papers").glob("*.json")}
    return {c.number: c for c in citing_papers(root, splits)}  # type: ignore[arg-type]


def _reference(corpus: Path, number: str) -> str:
    return str(json.loads((corpus / "karlsruhe" / "papers" / f"{number}.json").read_text(encoding="utf-8"))["reference"])


def test_a_paper_that_names_earlier_papers_cites_them(citing: dict, corpus: Path) -> None:
    # 2023/1405 "Zwischenbericht der AG Werderplatz" names the two earlier Werderplatz papers
    report = citing["49826"]
    assert {_reference(corpus, n) for n in report.cited} == {"2023/1270", "2022/0373"}
    assert report.anfrage.title == "Zwischenbericht der AG Werderplatz"
    # 2025/0845, an Anfrage about ME/CFS, names 2025/0616 on the doctors' supply; its questions are the query
    anfrage = citing["52340"]
    assert {_reference(corpus, n) for n in anfrage.cited} == {"2025/0616"}
    assert len(anfrage.anfrage.questions) >= 5


def test_citations_are_earlier_papers_of_other_drucksachen(citing: dict, corpus: Path) -> None:
    assert citing  # the sample holds papers that name other sample papers
    for c in citing.values():
        own = _reference(corpus, c.number).split("/")[:2]
        for n in c.cited:
            paper = json.loads((corpus / "karlsruhe" / "papers" / f"{n}.json").read_text(encoding="utf-8"))
            assert str(paper["date"])[:10] <= c.date
            assert str(paper["reference"]).split("/")[:2] != own  # never a version of itself
            assert n not in c.family


def test_threshold_has_the_best_f1_of_the_cited_papers() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    labels = np.array([1, 1, 0, 1, 0, 0, 0, 1])
    # keeping the best 4: 3 of 4 cited papers, F1 0.75; the best 2: 0.67; all 8: 0.67
    assert threshold_for_f1(probs, labels) == pytest.approx(0.6)
    # never between two equal probabilities: both are kept or neither
    assert threshold_for_f1(np.array([0.9, 0.5, 0.5, 0.1]), np.array([1, 1, 0, 0])) == pytest.approx(0.5)


def test_citing_papers_survive_the_work_folder(citing: dict, tmp_path: Path) -> None:
    path = tmp_path / "citing.jsonl"
    write_citing(list(citing.values()), path)
    assert read_citing(path) == list(citing.values())
