"""Tests for the loose-files source on the Erlangen PDFs and small temporary folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.sources.base import ProblemLog
from ingest.sources.files import FilesSource


def test_erlangen_folder_without_ocr(corpus: Path) -> None:
    problems = ProblemLog()
    docs = list(FilesSource(corpus / "pdf/erlangen", body="Erlangen", ocr=False).documents(problems))
    assert len(docs) == 29  # 30 PDFs, one set of minutes twice
    by_id = {d.id: d for d in docs}
    doc = by_id["file:2021-04-14_Niederschrift_Niederschrift_1_Sitzung_Buechenbach.pdf"]
    assert doc.title == "Niederschrift 1. Sitzung Büchenbach"
    assert (doc.date, doc.paper_type, doc.body, doc.source) == ("2021-04-14", "Niederschrift", "Erlangen", "files")
    assert ("doc_id", "18206576") in doc.extra
    assert [p.number for p in doc.files[0].pages] == [1, 2, 3, 4]
    duplicates = [p for p in problems.items if "Duplikat" in p.reason]
    assert len(duplicates) == 1 and not duplicates[0].fatal
    assert not problems.skipped


@pytest.mark.ocr
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_erlangen_image_invitation_with_ocr(corpus: Path, tmp_path: Path) -> None:
    name = "2025-10-15_Einladung_Einladung_-oeffentlich-.pdf"
    shutil.copy(corpus / "pdf/erlangen" / name, tmp_path / name)
    shutil.copy(corpus / "pdf/erlangen/index.json", tmp_path / "index.json")
    (doc,) = FilesSource(tmp_path, body="Erlangen").documents(ProblemLog())
    assert doc.paper_type == "Einladung" and doc.date == "2025-10-15"
    assert "Vermüllung im öffentlichen Raum" in doc.files[0].text


def test_broken_inputs_are_reported_and_rest_goes_on(tmp_path: Path) -> None:
    (tmp_path / "leer.txt").write_bytes(b"")
    (tmp_path / "kaputt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    (tmp_path / "2024-05-06_notiz.txt").write_bytes("Sitzung des Ortsrats\n\nÄnderung der Gebührensatzung für Märkte".encode("cp1252"))
    (tmp_path / "seite.html").write_text(
        "<html><head><title>x</title><script>var a;</script></head><body><nav>Menü</nav>"
        "<h1>Bürgerhaushalt 2025</h1><p>Vorschläge <b>der</b> Bürger</p></body></html>", encoding="utf-8")
    (tmp_path / "ignoriert.json").write_text("{}", encoding="utf-8")
    problems = ProblemLog()
    docs = {d.id: d for d in FilesSource(tmp_path).documents(problems)}
    assert set(docs) == {"file:2024-05-06_notiz.txt", "file:seite.html"}
    note = docs["file:2024-05-06_notiz.txt"]
    assert note.title == "Sitzung des Ortsrats" and note.date == "2024-05-06"
    assert "Änderung der Gebührensatzung für Märkte" in note.files[0].text
    html = docs["file:seite.html"]
    assert html.title == "Bürgerhaushalt 2025"
    assert "Vorschläge der Bürger" in html.files[0].text and "Menü" not in html.files[0].text
    by_location = {Path(p.location).name: p for p in problems.items}
    assert by_location["leer.txt"].fatal and "0 Byte" in by_location["leer.txt"].reason
    assert by_location["kaputt.pdf"].fatal
    assert not by_location["2024-05-06_notiz.txt"].fatal  # cp1252 fallback is only a note


def test_allris_files_are_delegated(corpus: Path, tmp_path: Path) -> None:
    shutil.copy(corpus / "braunschweig/stellungnahme-25-25182-01.txt", tmp_path / "stellungnahme.txt")
    shutil.copy(corpus / "allris-html/wolfsburg_vo020.html", tmp_path / "vorlage.html")
    docs = list(FilesSource(tmp_path, body="Braunschweig").documents(ProblemLog()))
    sources = {d.source: d for d in docs}
    assert sources["allris-text"].reference == "25-25182-01"
    assert sources["allris-html"].reference == "K 2026/0725"


def test_single_file_root(corpus: Path) -> None:
    path = corpus / "pdf/erlangen/2022-06-29_Niederschrift_Niederschrift_2_Sitzung_Buechenbach.pdf"
    (doc,) = FilesSource(path, ocr=False).documents(ProblemLog())
    assert doc.id == "file:2022-06-29_Niederschrift_Niederschrift_2_Sitzung_Buechenbach.pdf"
    assert doc.title == "Niederschrift 2. Sitzung Büchenbach"
    assert doc.date == "2022-06-29"


def test_missing_root_reported(tmp_path: Path) -> None:
    problems = ProblemLog()
    assert list(FilesSource(tmp_path / "fehlt").documents(problems)) == []
    assert problems.skipped
