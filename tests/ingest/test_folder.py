"""`council ingest FOLDER` with real files: every kind a single file can be, nothing dropped without a
reason, cities from the documents themselves, their folder or --body."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import zstandard

from ingest.records import Document, Problem
from ingest.sources.base import ProblemLog
from ingest.sources.folder import FolderSource
from ingest.sources.registry import REGISTRY
from ingest.specs import detect

BAD_JSON = "bad-input/braunschweig-allris-oparl-paper-control-chars.json"
BS_LIST = "braunschweig/oparl-papers-2026-09.json"
ERLANGEN_PDF = "pdf/erlangen/2022-06-29_Niederschrift_Niederschrift_2_Sitzung_Buechenbach.pdf"


def read(root: Path, **options: object) -> tuple[list[Document], ProblemLog]:
    problems = ProblemLog()
    docs = list(FolderSource(root, ocr=False, kinds=REGISTRY, **options).documents(problems))  # type: ignore[arg-type]
    return docs, problems


def by_name(problems: ProblemLog) -> dict[str, Problem]:
    return {Path(p.location).name: p for p in problems.items}


@pytest.fixture()
def mixed(tmp_path: Path, corpus: Path) -> Path:
    """The Braunschweig list, the control-character JSON, a PDF, a text, an empty and an unknown file."""
    folder = tmp_path / "gemischt"
    folder.mkdir()
    for relative in (BS_LIST, BAD_JSON, ERLANGEN_PDF):
        shutil.copy(corpus / relative, folder / Path(relative).name)
    text = (corpus / "karlsruhe/file-contents/146986.txt").read_text(encoding="utf-8")
    start = text.index("\n", 600) + 1
    (folder / "notiz.txt").write_text(text[start:3000], encoding="utf-8")  # without the letterhead
    (folder / "leer.txt").write_bytes(b"")
    (folder / "tabelle.xlsx").write_bytes((corpus / ERLANGEN_PDF).read_bytes()[:2000])
    return folder


def test_braunschweig_folder_reads_all_six_documents_of_one_city(corpus: Path) -> None:
    docs, problems = read(corpus / "braunschweig")
    assert len(docs) == 6 and {d.body for d in docs} == {"Braunschweig"}
    assert not problems.skipped
    ids = {d.id for d in docs}
    # the ids the evaluation manifest gives the same files (its entries name the city)
    assert {"allris:Braunschweig:25-25182-01", "allris:Braunschweig:protokoll-ausschuss-excerpt"} <= ids
    (note,) = problems.items
    assert note.location.endswith("stellungnahme-25-25182-01.txt") and not note.fatal
    assert note.reason == "Stadt Braunschweig aus den anderen Dokumenten des Ordners für 1 Dokument ohne eigene Stadtangabe"


def test_mixed_folder_reads_each_kind_and_names_what_it_skipped(mixed: Path) -> None:
    docs, problems = read(mixed)
    kinds = {d.source for d in docs}
    assert kinds == {"oparl-mirror", "files"}  # OParl papers (list and single object), PDF and text
    assert sum(1 for d in docs if d.source == "oparl-mirror") == 5
    repaired = next(d for d in docs if d.reference == "1664/99")
    assert repaired.body == "Braunschweig" and repaired.title.endswith("(GmbH)")
    pdf = next(d for d in docs if d.id.endswith(".pdf"))
    assert pdf.body == "Erlangen"  # its letterhead: "Stadt Erlangen"
    skipped = {Path(p.location).name: p.reason for p in problems.skipped}
    assert skipped == {"leer.txt": "leer (0 Byte)", "tabelle.xlsx": "Format nicht erkannt (.xlsx: Tabelle: als PDF speichern)"}
    notes = [p for p in problems.items if not p.fatal]
    quirks = [p for p in notes if p.location.endswith("control-chars.json")]
    assert {p.reason for p in quirks} >= {
        "Herstellerfehler repariert: rohe Steuerzeichen in JSON-Zeichenketten (ungültiges JSON, CC e-gov ALLRIS)"}
    note = next(d for d in docs if d.id == "file:notiz.txt")
    assert note.body == "unbekannt"  # two cities in the folder: no guess
    city = by_name(problems)["notiz.txt"]
    assert "Braunschweig, Erlangen" in city.reason and "--body NAME" in city.reason


def test_body_option_names_the_city_of_documents_without_their_own(mixed: Path) -> None:
    docs, problems = read(mixed, body="Nordstemmen")
    cities = {d.id: d.body for d in docs}
    assert cities["file:notiz.txt"] == "Nordstemmen"
    assert cities[next(i for i in cities if i.endswith(".pdf"))] == "Erlangen"  # its own city stays
    assert "aus --body" in by_name(problems)["notiz.txt"].reason


def test_broken_and_foreign_json_are_reported(tmp_path: Path, corpus: Path) -> None:
    raw = (corpus / BS_LIST).read_text(encoding="utf-8")
    (tmp_path / "abgeschnitten.json").write_text(raw[: len(raw) // 2], encoding="utf-8")
    (tmp_path / "einstellungen.json").write_text('{"theme": "dunkel", "zoom": 2}', encoding="utf-8")
    (tmp_path / "demo.json").write_text((Path(__file__).parents[2] / "corpus" / "demo.json").read_text(
        encoding="utf-8"), encoding="utf-8")
    docs, problems = read(tmp_path)
    assert docs == []
    reasons = {Path(p.location).name: p.reason for p in problems.skipped}
    assert reasons["abgeschnitten.json"].startswith("kaputtes JSON: kein gültiges JSON (")
    assert "Zeile" in reasons["abgeschnitten.json"]
    assert reasons["einstellungen.json"] == "Format nicht erkannt (JSON ohne OParl-Objekte)"
    assert reasons["demo.json"].startswith("Korpus-Manifest")


def test_spec_examples_each_object_by_its_type(corpus: Path) -> None:
    docs, problems = read(corpus / "oparl-spec-examples")
    kinds = {d.paper_type: d for d in docs}
    assert set(kinds) >= {"Sitzung", "Gremium", "Person"}
    assert {d.body for d in docs} == {"Köln"}  # Body-01.json names the city of the folder's objects
    assert "TOP" in kinds["Sitzung"].files[0].text or "Tagesordnung" in kinds["Sitzung"].files[0].text
    assert kinds["Person"].title == "Herr Prof. Dr. Max Mustermann"
    skipped = by_name(problems)
    for name in ("System-01.json", "File-01.json", "Location-01.json", "Body-01.json"):
        assert skipped[name].fatal and "ergibt kein Dokument" in skipped[name].reason, name


def test_subfolders_mirror_archive_pdfs_docx_and_markdown(tmp_path: Path, corpus: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    root = tmp_path / "ablage"
    papers = sorted((corpus / "karlsruhe/papers").glob("*.json"))
    _mirror(root / "spiegel", papers[:3], corpus)
    _archive(root / "archiv" / "alt.tar.zst", papers[3:5], corpus)
    erlangen = root / "erlangen"
    erlangen.mkdir(parents=True)
    shutil.copy(corpus / ERLANGEN_PDF, erlangen)
    shutil.copy(corpus / "pdf/erlangen/index.json", erlangen)
    text = (corpus / "braunschweig/stellungnahme-25-25182-01.txt").read_text(encoding="utf-8")
    _docx(root / "entwurf.docx", text)
    notes = (corpus / "karlsruhe/file-contents/146986.txt").read_text(encoding="utf-8")
    (root / "README.md").write_text("# Ablage des Ortsrats\n\n" + notes[:1500], encoding="utf-8")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    docs, problems = read(root, body="Braunschweig")
    ids = {d.id for d in docs}
    assert {json.loads(p.read_text(encoding="utf-8"))["id"] for p in papers[:5]} <= ids
    assert "file:erlangen/" + Path(ERLANGEN_PDF).name in ids
    pdf = next(d for d in docs if d.id.endswith(".pdf"))
    assert pdf.title == "Niederschrift 2. Sitzung Büchenbach"  # from index.json
    assert {"file:entwurf.docx", "file:README.md"} <= ids
    assert not problems.skipped
    assert by_name(problems)[".DS_Store"].reason.startswith("versteckte Datei")


def test_single_file_with_and_without_body(corpus: Path) -> None:
    path = str(corpus / "braunschweig/stellungnahme-25-25182-01.txt")
    ((_, source),) = detect(path, ocr=False)
    problems = ProblemLog()
    (doc,) = source.documents(problems)
    assert doc.body == "unbekannt" and "mit --body NAME angeben" in problems.items[0].reason
    ((_, source),) = detect(path, ocr=False, body="Braunschweig")
    (doc,) = source.documents(ProblemLog())
    assert doc.id == "allris:Braunschweig:25-25182-01" and doc.files[0].id.startswith("allris:Braunschweig:")


def test_a_content_identical_copy_is_a_note_not_a_skip(tmp_path: Path, corpus: Path) -> None:
    """The Erlangen folder holds one set of minutes under two names: its text is indexed once."""
    twins = sorted((corpus / "pdf/erlangen").glob("2020-10-20_Niederschrift_*.pdf"))
    assert len(twins) == 2
    for pdf in twins:
        shutil.copy(pdf, tmp_path)
    docs, problems = read(tmp_path)
    assert len(docs) == 1 and not problems.skipped
    assert [p.reason.startswith("inhaltsgleiches Duplikat von ") for p in problems.items] == [True]


def test_pdf_without_text_is_skipped_not_dropped(tmp_path: Path) -> None:
    """A PDF page without any text and OCR off: read as nothing, so it is listed and the exit code says so."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (tmp_path / "scan.pdf").open("wb") as fh:
        writer.write(fh)
    docs, problems = read(tmp_path)
    assert docs == []
    (problem,) = problems.skipped
    assert problem.location.endswith("scan.pdf") and problem.reason == "nichts eingelesen: kein Text im PDF gefunden"


def _mirror(folder: Path, papers: list[Path], corpus: Path) -> None:
    (folder / "papers").mkdir(parents=True)
    (folder / "file-contents").mkdir()
    for paper in papers:
        shutil.copy(paper, folder / "papers" / paper.name)
        for number in _file_numbers(paper):
            text = corpus / "karlsruhe/file-contents" / f"{number}.txt"
            if text.is_file():
                shutil.copy(text, folder / "file-contents" / text.name)


def _archive(path: Path, papers: list[Path], corpus: Path) -> None:
    """A .tar.zst with the archive's layout (docs/papers, docs/file-contents)."""
    path.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for paper in papers:
            tar.add(paper, f"docs/papers/{paper.name}")
            for number in _file_numbers(paper):
                text = corpus / "karlsruhe/file-contents" / f"{number}.txt"
                if text.is_file():
                    tar.add(text, f"docs/file-contents/{text.name}")
    path.write_bytes(zstandard.ZstdCompressor().compress(buffer.getvalue()))


def _file_numbers(paper: Path) -> list[str]:
    data = json.loads(paper.read_text(encoding="utf-8"))
    files = ([data["mainFile"]] if data.get("mainFile") else []) + data.get("auxiliaryFile", [])
    return [f["id"].rstrip("/").rsplit("/", 1)[-1] for f in files]


def _docx(path: Path, text: str) -> None:
    import docx

    document = docx.Document()
    for paragraph in text.split("\n\n")[:20]:
        document.add_paragraph(paragraph.strip())
    document.save(str(path))
