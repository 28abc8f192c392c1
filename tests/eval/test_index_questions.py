"""People-worded questions about an index's documents (other cities): which sentences are asked about, what the
question row holds, and that a rerun asks nothing twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.index_questions import Candidate, candidates, question_row, statements, topic, write
from index.catalog import Catalog
from ingest.pipeline import Pipeline
from ingest.sources.allris import AllrisSource
from ingest.sources.nordstemmen import NordstemmenSource


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("index-questions")
    pipe = Pipeline(folder, embedder=None, workers=1)
    pipe.run([("ns", NordstemmenSource(corpus / "nordstemmen" / "documents")),
              ("bs", AllrisSource([corpus / "braunschweig" / "stellungnahme-25-25182-01.txt"], body="Braunschweig"))],
             embed=False)
    pipe.close()
    return folder


def test_statements_are_prose_sentences_with_a_figure() -> None:
    text = ("Zu Frage 1: Wie viele Plätze gibt es? In der Gemeinde gibt es insgesamt 44 Spiel- und Bolzplätze. "
            "Die Verwaltung prüft die Ausstattung der Plätze fortlaufend und berichtet im Ausschuss.")
    assert statements(text) == ["In der Gemeinde gibt es insgesamt 44 Spiel- und Bolzplätze."]


def test_candidates_come_from_the_chosen_sources_at_most_per_document(index: Path) -> None:
    catalog = Catalog(index / "catalog.sqlite")
    chosen = candidates(catalog, "ns", seed=0, per_doc=2)
    docs = {c.doc_id for c in chosen}
    assert chosen and docs <= catalog.doc_ids("ns")
    assert all(sum(c.doc_id == d for c in chosen) <= 2 for d in docs)
    assert all(c.body == "Nordstemmen" and number_and_prose(c.sentence) for c in chosen)
    assert candidates(catalog, "ns", seed=0, per_doc=2) == chosen  # seeded
    assert {c.body for c in candidates(catalog, "bs", seed=0)} == {"Braunschweig"}
    assert candidates(catalog, "erlangen", seed=0) == []


def number_and_prose(sentence: str) -> bool:
    return any(ch.isdigit() for ch in sentence) and len(sentence) >= 40


def test_a_row_checks_the_numbers_the_question_does_not_name() -> None:
    c = Candidate("doc", "chunk", "Spielplatzkonzept", "Nordstemmen", "12/2024",
                  "In der Gemeinde Nordstemmen gibt es insgesamt 44 Spiel- und Bolzplätze seit 2024.")
    assert topic(c) == "Spielplatzkonzept (Nordstemmen)"
    row = question_row(c, "Wie viele Spielplätze gibt es 2024 in Nordstemmen?")
    assert row is not None and row["key_facts"] == ["44"] and row["gold_paper_ids"] == ["doc"]
    assert row["gold_refs"] == ["12/2024"] and row["city"] == "Nordstemmen" and row["answerable"]
    assert question_row(c, "Wie viele Spielplätze gab es 2024, 44 oder mehr?") is None


def test_write_resumes_and_counts_rejections(tmp_path: Path) -> None:
    made = [Candidate("d", f"c{i}", "Freibad", "Nordstemmen", "", f"Der Zuschussbedarf betrug {i}68.473,05 Euro.")
            for i in range(3)]
    replies = iter(["Wie hoch war der Zuschussbedarf des Freibads?", "Das ist keine Frage.",
                    "Wie hoch war der Zuschuss für das Freibad?"])
    asked: list[Any] = []

    def ask(chat: list[Any]) -> str:
        asked.append(chat)
        return next(replies)

    out = tmp_path / "q.jsonl"
    assert write(made[:2], out, ask) == {"behalten": 1, "keine Frage": 1}
    assert write(made, out, ask) == {"behalten": 2, "keine Frage": 1}
    assert len(asked) == 3  # the first two were not asked again
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == 3 and "Thema: Freibad (Nordstemmen)" in asked[0][-1].content


def test_a_bad_line_names_the_file_and_the_line(tmp_path: Path) -> None:
    out = tmp_path / "q.jsonl"
    out.write_text('{"id": "a", "rejected": "keine Frage"}\n{"question": "ohne id"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"q\.jsonl, Zeile 2: keine geschriebene Frage"):
        write([], out, lambda chat: "")
    out.write_text("kein json\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"q\.jsonl, Zeile 1: kein JSON"):
        write([], out, lambda chat: "")
