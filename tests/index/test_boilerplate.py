"""Corpus-level boilerplate: counting per document, thresholds, normalisation, persistence, use in answers.

The corpus is the 60 newest Karlsruhe file texts of the shared mirror, each treated as one document
and cut into chunks at its blank-line groups; 22 of them carry the printer's note
"Gedruckt auf 100 Prozent Recyclingpapier" on a line of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.features import units_of
from assistant.answer.query import IdfLookup
from assistant.answer.rules import extractive_answer, score_sentences
from assistant.question import Question
from assistant.types import ChunkMeta, Hit
from index.boilerplate import (
    FILE_NAME,
    MIN_DOCS,
    Boilerplate,
    build_boilerplate,
    flagged_lines,
    main,
    normalise_unit,
    text_units,
    threshold_for,
)
from ingest.pipeline import Pipeline
from ingest.records import Document, Page, SourceFile
from ingest.sources.base import ProblemLog

Q = Question.of

PRINTER = "Gedruckt auf 100 Prozent Recyclingpapier"
# a real passage of the Stellungnahme 2024/1079 ("Zustand der Brücken in Karlsruhe") as the index holds it
BRIDGES = (
    "Stellungnahme zur Anfrage\n\nGedruckt auf 100 Prozent Recyclingpapier\n\nVorlage Nr.: 2024/1079\n\n"
    "Verantwortlich: Dez. 6\nDienststelle: Tiefbauamt\n\nZustand der Brücken in Karlsruhe\nAnfrage: AfD\n\n"
    "1. Gibt es Brücken in Karlsruhe, die als sanierungsbedürftig oder gar gefährdet eingestuft werden?\n\n"
    "Im Karlsruher Straßen- und Wegenetz gibt es 317 Brücken. Davon sind etwa die Hälfte\n"
    "Straßenbrücken, die übrigen sind Geh- und Radwegbrücken.\n\n"
    "Selbstverständlich sind unter diesen Ingenieurbauwerken auch sanierungsbedürftige Bauwerke."
)


def _files(corpus: Path) -> list[Path]:
    files = sorted((corpus / "karlsruhe" / "file-contents").glob("*.txt"), key=lambda p: int(p.stem))
    return files[-60:]


def _rows(corpus: Path) -> list[tuple[str, str, str]]:
    rows = []
    for path in _files(corpus):
        parts = [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
        rows.extend((f"{path.stem}-{i}", path.stem, part) for i, part in enumerate(parts))
    return rows


@pytest.fixture(scope="module")
def rows(corpus: Path) -> list[tuple[str, str, str]]:
    return _rows(corpus)


@pytest.fixture(scope="module")
def boilerplate(rows: list[tuple[str, str, str]]) -> Boilerplate:
    return build_boilerplate(rows)


def test_printers_note_is_boilerplate_content_is_not(boilerplate: Boilerplate, rows: list[tuple[str, str, str]],
                                                     corpus: Path) -> None:
    assert boilerplate.documents == 60
    assert boilerplate.threshold == MIN_DOCS  # 2 % of 60 documents is below the absolute floor
    assert boilerplate.is_boilerplate(PRINTER)
    text = (corpus / "karlsruhe" / "file-contents" / "679070.txt").read_text(encoding="utf-8")
    assert PRINTER in text
    # a content sentence and a labelled amount of the same paper stay
    assert not boilerplate.is_boilerplate("Gesamtkosten: 82.000.000 Euro")
    assert not boilerplate.is_boilerplate(
        "Der Gemeinderat beschließt, das Bebauungsplanverfahren „Südlich Stuttgarter Straße“, Karlsruhe-Südstadt "
        "mit der Veröffentlichung des Bebauungsplanentwurfes im Internet und der ergänzenden öffentlichen Auslegung "
        "gemäß § 3 Abs. 2 des Baugesetzbuches (BauGB) fortzusetzen.")
    listed = dict((unit, count) for count, unit in flagged_lines(rows, boilerplate, 10))
    assert listed[normalise_unit(PRINTER)] >= MIN_DOCS
    assert len(boilerplate) < 20  # a handful of template lines, not the papers' prose


def test_units_count_once_per_document(rows: list[tuple[str, str, str]]) -> None:
    # the printer's note in every chunk of 19 documents: 19 documents, below the floor of 20
    docs = sorted({doc for _c, doc, _t in rows})[:19]
    repeated = [(f"{d}-{i}", d, PRINTER) for d in docs for i in range(5)]
    assert not build_boilerplate(repeated).is_boilerplate(PRINTER)
    one_more = [*repeated, ("x-0", "x", f"Beschlussvorlage\n{PRINTER}\nVorlage Nr.: 2026/0402")]
    assert build_boilerplate(one_more).is_boilerplate(PRINTER)


def test_thresholds_scale_with_the_corpus() -> None:
    assert threshold_for(60) == 20
    assert threshold_for(566) == 20  # 2 % would be 12: too few for a corpus of a few hundred papers
    assert threshold_for(13_736) == 275


def test_outcome_lines_are_never_boilerplate() -> None:
    outcome = "Die Verwaltung empfiehlt, den Antrag abzulehnen."
    rows = [(f"c{i}", f"d{i}", f"Stellungnahme zum Antrag\n{outcome}\n{PRINTER}") for i in range(25)]
    bp = build_boilerplate(rows)
    assert bp.is_boilerplate(PRINTER) and bp.is_boilerplate("Stellungnahme zum Antrag")
    assert not bp.is_boilerplate(outcome)


def test_normalisation_ignores_spacing_case_wraps_and_list_marks(boilerplate: Boilerplate) -> None:
    for variant in ("gedruckt auf 100 prozent recyclingpapier", "  GEDRUCKT auf 100\nProzent\u00a0 Recyclingpapier. ",
                    "- Gedruckt auf 100 Prozent Recycling-\npapier", "• Gedruckt auf 100 Prozent Recyclingpapier"):
        assert boilerplate.is_boilerplate(variant), variant
    for other in ("Gedruckt auf 50 Prozent Recyclingpapier", "Gedruckt auf 100 Prozent Recyclingpapier und Altpapier",
                  "Recyclingpapier", ""):
        assert not boilerplate.is_boilerplate(other), other
    # a wrapped paragraph counts as the sentence the answerer sees
    assert normalise_unit("Gedruckt auf 100 Prozent\nRecyclingpapier") in text_units(
        "Beschlussvorlage\n\nGedruckt auf 100 Prozent\nRecyclingpapier\n\nVorlage Nr.: 2021/0024")


def test_save_load_round_trip(boilerplate: Boilerplate, tmp_path: Path) -> None:
    path = boilerplate.save(tmp_path / "lexical")
    assert path.name == FILE_NAME
    loaded = Boilerplate.load(tmp_path / "lexical")
    assert loaded.hashes.dtype == np.int64
    assert np.array_equal(loaded.hashes, boilerplate.hashes)
    assert loaded.is_boilerplate(PRINTER) and len(loaded) == len(boilerplate)
    missing = Boilerplate.load(tmp_path / "nothing")
    assert len(missing) == 0 and not missing.is_boilerplate(PRINTER)


def test_candidate_sentences_skip_boilerplate(boilerplate: Boilerplate) -> None:
    meta = {"title": "Zustand der Brücken in Karlsruhe", "reference": "2024/1079", "paper_type": "Anfrage",
            "file_name": "Stellungnahme Anfrage", "date": "2024-09-24", "file_id": "f1"}
    hits = [Hit(chunk_id="c1", doc_id="d1", text=BRIDGES, score=1.0, meta=ChunkMeta.of(meta))]
    plain = [u.text for u in units_of(hits)]
    assert PRINTER in plain  # without the corpus' boilerplate the printer's note is a candidate answer
    skipped = [u.text for u in units_of(hits, boilerplate)]
    assert PRINTER not in skipped and set(skipped) == set(plain) - {PRINTER}
    assert any("317 Brücken" in text for text in skipped)


def test_extractive_answer_skips_boilerplate(boilerplate: Boilerplate) -> None:
    meta = {"title": "Zustand der Brücken in Karlsruhe", "reference": "2024/1079", "paper_type": "Anfrage",
            "file_name": "Stellungnahme Anfrage", "date": "2024-09-24", "file_id": "f1"}
    hits = [Hit(chunk_id="c1", doc_id="d1", text=BRIDGES, score=1.0, meta=ChunkMeta.of(meta))]
    question = "Wie viele Brücken unterhält die Stadt Karlsruhe?"
    idf = IdfLookup(None)
    plain = [c.sentence for c in score_sentences(Q(question), hits, idf)]
    assert PRINTER in plain  # a number in a sentence is what an amount question looks for
    skipped = [c.sentence for c in score_sentences(Q(question), hits, idf, boilerplate)]
    assert PRINTER not in skipped and set(skipped) == set(plain) - {PRINTER}
    text, *_ = extractive_answer(Q(question), hits, idf, boilerplate=boilerplate)
    assert "Recyclingpapier" not in text and "317 Brücken" in text


class _Files:
    name = "files"
    complete_listing = True

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        for i, p in enumerate(self.paths):
            yield Document(id=p.stem, source="test", body="Karlsruhe", title=f"Vorlage {p.stem}",
                           reference=f"2026/{i:04d}", paper_type="Beschlussvorlage", date="2026-07-01",
                           files=(SourceFile(id=p.stem, name=p.name, url=f"https://example.org/{p.stem}.pdf",
                                             pages=(Page(1, p.read_text(encoding="utf-8")),)),))


def test_ingest_builds_and_saves_the_set_and_the_helper_rebuilds_it(corpus: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pipeline = Pipeline(tmp_path, workers=1)
    try:
        summary = pipeline.run([("files", _Files(_files(corpus)))], embed=False)
    finally:
        pipeline.close()
    assert "boilerplate" in summary.timings
    saved = Boilerplate.load(tmp_path / "lexical")
    assert saved.is_boilerplate(PRINTER)
    (tmp_path / "lexical" / FILE_NAME).unlink()
    assert main([str(tmp_path), "--show", "3"]) == 0
    out = capsys.readouterr().out
    assert "of 60 documents" in out and "gedruckt auf 100 prozent recyclingpapier" in out
    assert np.array_equal(Boilerplate.load(tmp_path / "lexical").hashes, saved.hashes)
