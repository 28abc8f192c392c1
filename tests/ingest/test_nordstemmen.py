"""Nordstemmen: OParl papers and council minutes with chunk overlaps removed from derived texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.records import Document
from ingest.sources.base import ProblemLog
from ingest.sources.nordstemmen import NordstemmenSource, remove_chunk_overlaps


@pytest.fixture(scope="module")
def nordstemmen(corpus: Path) -> tuple[Path, list[Document], ProblemLog]:
    root = corpus / "nordstemmen" / "documents"
    problems = ProblemLog()
    return root, list(NordstemmenSource(root).documents(problems)), problems


def test_papers_and_minutes(nordstemmen: tuple[Path, list[Document], ProblemLog]) -> None:
    root, docs, problems = nordstemmen
    assert not problems.items
    papers = [d for d in docs if d.paper_type != "Niederschrift"]
    minutes = [d for d in docs if d.paper_type == "Niederschrift"]
    assert len(papers) == len(list((root / "papers").iterdir())) == 39
    assert len(minutes) == len(list((root / "meetings").iterdir())) == 14
    assert {d.body for d in docs} == {"Nordstemmen"}
    assert all(f.pages for d in docs for f in d.files if f.role == "main")


def test_paper_matches_metadata(nordstemmen: tuple[Path, list[Document], ProblemLog]) -> None:
    root, docs, _ = nordstemmen
    meta = json.loads((root / "papers" / "DS_100-2022" / "metadata.json").read_text(encoding="utf-8"))
    doc = next(d for d in docs if d.id == meta["id"])
    assert "Ort-\nschaft" in meta["name"]
    assert doc.title.endswith("für die Ortschaft Groß Escherde")
    assert doc.reference == meta["reference"] and doc.date == meta["date"]
    main = doc.files[0]
    assert main.role == "main" and main.url == meta["mainFile"]["accessUrl"]
    assert [p.number for p in main.pages] == [1, 2, 3]


def test_chunk_overlap_removed_from_real_text(nordstemmen: tuple[Path, list[Document], ProblemLog]) -> None:
    root, docs, _ = nordstemmen
    raw = next((root / "papers" / "DS_100-2022").glob("*.derived-text.txt")).read_text(encoding="utf-8")
    repeated = "veröffentlicht. Die Ortsratsmitglieder, die hierauf keinen Zugriff haben"
    assert raw.count(repeated) == 2
    doc = next(d for d in docs if d.reference == "DS 100/2022")
    assert doc.files[0].text.count(repeated) == 1
    raw_total = sum(len(p.read_text(encoding="utf-8")) for p in root.glob("*/*/*.derived-text.txt"))
    kept_total = sum(len(p.text) for d in docs for f in d.files for p in f.pages)
    assert kept_total < raw_total * 0.95


def test_consultations_resolved_against_meetings(
    nordstemmen: tuple[Path, list[Document], ProblemLog],
) -> None:
    root, docs, _ = nordstemmen
    meetings = {}
    for path in (root / "meetings").glob("*/metadata.json"):
        meeting = json.loads(path.read_text(encoding="utf-8"))
        meetings[meeting["id"]] = meeting
    resolved = [c for d in docs for c in d.consultations if c.meeting_id in meetings]
    assert resolved
    for cons in resolved:
        assert cons.meeting_name == meetings[cons.meeting_id]["name"]
        assert cons.meeting_date == meetings[cons.meeting_id]["start"][:10]
        assert cons.organization == "Rat"


def test_minutes_document(nordstemmen: tuple[Path, list[Document], ProblemLog]) -> None:
    root, docs, _ = nordstemmen
    meta = json.loads(
        (root / "meetings" / "2021-03-23_Rat_(28._Sitzung)" / "metadata.json").read_text("utf-8")
    )
    doc = next(d for d in docs if d.id == meta["id"])
    assert doc.title == "Niederschrift Rat (28. Sitzung) am 23.03.2021"
    assert doc.date == "2021-03-23"
    assert doc.files[0].id == meta["resultsProtocol"]["id"]
    assert doc.files[0].pages[0].number == 1
    assert "Es sind anwesend" in doc.files[0].pages[0].text


def test_remove_chunk_overlaps() -> None:
    block = "Der Ortsrat ist im Rahmen der Haushaltsplanberatung zu hören.\nDie Mittel werden übertragen.\n"
    text = "Anfang der Seite\n" + block + block + "Ende der Seite"
    assert remove_chunk_overlaps(text) == "Anfang der Seite\n" + block + "Ende der Seite"
    short = "Ja\nJa\nNein\nNein\n"  # short repetitions (tables) stay
    assert remove_chunk_overlaps(short) == short
    partial = "erste Zeile mit einem langen Satzanfang und " + "dem Rest, der sich am Übergang wiederholt\n"
    chunked = partial + "dem Rest, der sich am Übergang wiederholt\nneue Zeile"
    assert remove_chunk_overlaps(chunked) == partial + "neue Zeile"
