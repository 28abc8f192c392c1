"""Tests for PDF extraction: text layer, OCR, encrypted, truncated and empty files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.parse.pdf import extract_pdf
from ingest.sources.base import ProblemLog

ERLANGEN = "pdf/erlangen"
MINUTES = "2021-04-14_Niederschrift_Niederschrift_1_Sitzung_Buechenbach.pdf"
IMAGE_INVITATION = "2025-10-15_Einladung_Einladung_-oeffentlich-.pdf"


def test_text_pdf_pages(corpus: Path) -> None:
    problems = ProblemLog()
    pages = extract_pdf(corpus / ERLANGEN / MINUTES, MINUTES, problems, ocr=False)
    assert [p.number for p in pages] == [1, 2, 3, 4]
    assert "1. Sitzung des Stadtteilbeirates Büchenbach" in pages[0].text
    assert "TOP 1: Stadtteilhaus" in pages[1].text
    assert len(problems) == 0


def test_bytes_input_same_as_path(corpus: Path) -> None:
    data = (corpus / ERLANGEN / MINUTES).read_bytes()
    assert extract_pdf(data, "x", ProblemLog(), ocr=False) == extract_pdf(corpus / ERLANGEN / MINUTES, "x", ProblemLog(), ocr=False)


def test_image_page_without_ocr_is_reported(corpus: Path) -> None:
    problems = ProblemLog()
    pages = extract_pdf(corpus / ERLANGEN / IMAGE_INVITATION, IMAGE_INVITATION, problems, ocr=False)
    assert "Defibrillatoren" not in " ".join(p.text for p in pages)
    assert any("OCR" in p.reason and not p.fatal for p in problems.items)


@pytest.mark.ocr
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_image_only_invitation_ocr(corpus: Path) -> None:
    problems = ProblemLog()
    pages = extract_pdf(corpus / ERLANGEN / IMAGE_INVITATION, IMAGE_INVITATION, problems)
    text = pages[0].text
    assert "Defibrillatoren retten Leben" in text
    assert "Vermüllung im öffentlichen Raum" in text
    assert "Öffentliche Tagesordnung" in text
    assert problems.skipped == []


def test_ocr_unavailable_reported(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.parse.pdf as pdf

    monkeypatch.setattr(pdf, "ocr_language", lambda: None)
    problems = ProblemLog()
    extract_pdf(corpus / ERLANGEN / IMAGE_INVITATION, "einladung.pdf", problems)
    assert any("OCR nicht verfügbar" in p.reason and p.location == "einladung.pdf" for p in problems.items)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_ocr_page_cap(corpus: Path) -> None:
    problems = ProblemLog()
    extract_pdf(corpus / ERLANGEN / IMAGE_INVITATION, "x.pdf", problems, max_ocr_pages=0)
    assert any("OCR-Limit" in p.reason for p in problems.items)


def _encrypted(corpus: Path, tmp_path: Path, user_password: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(corpus / ERLANGEN / MINUTES))
    writer.encrypt(user_password=user_password, owner_password="geheim", algorithm="RC4-128")
    target = tmp_path / "encrypted.pdf"
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def test_encrypted_pdf_with_password_reported(corpus: Path, tmp_path: Path) -> None:
    problems = ProblemLog()
    assert extract_pdf(_encrypted(corpus, tmp_path, "secret"), "enc.pdf", problems, ocr=False) == []
    assert problems.items[0].location == "enc.pdf"
    assert "verschlüsselt" in problems.items[0].reason
    assert problems.items[0].fatal and problems.items[0].stage == "parse"


def test_encrypted_pdf_with_empty_password_is_read(corpus: Path, tmp_path: Path) -> None:
    problems = ProblemLog()
    pages = extract_pdf(_encrypted(corpus, tmp_path, ""), "enc.pdf", problems, ocr=False)
    assert "Stadtteilhaus" in pages[1].text


def test_truncated_pdf(corpus: Path) -> None:
    data = (corpus / ERLANGEN / MINUTES).read_bytes()
    problems = ProblemLog()
    assert extract_pdf(data[: len(data) // 2], "half.pdf", problems, ocr=False) == []
    assert problems.skipped and "unvollständig" in problems.skipped[0].reason


def test_empty_and_not_pdf(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    problems = ProblemLog()
    assert extract_pdf(empty, str(empty), problems) == []
    assert extract_pdf(b"<html>kein pdf</html>", "fake.pdf", problems) == []
    assert extract_pdf(tmp_path / "missing.pdf", "missing.pdf", problems) == []
    reasons = [p.reason for p in problems.items]
    assert "leere Datei (0 Byte)" in reasons[0]
    assert "keine PDF-Datei" in reasons[1]
    assert "nicht lesbar" in reasons[2]
    assert all(p.fatal for p in problems.items)


def test_corrupt_pdf_body(tmp_path: Path) -> None:
    problems = ProblemLog()
    assert extract_pdf(b"%PDF-1.4\n garbage garbage\n%%EOF\n", "bad.pdf", problems) == []
    assert problems.skipped
