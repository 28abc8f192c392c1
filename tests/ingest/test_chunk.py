"""Structure-aware chunking on real Stellungnahme text: sections, pages, sizes, overlap, stable ids."""

from __future__ import annotations

from pathlib import Path

from ingest.chunk import MAX_CHARS, chunk_document, index_text
from ingest.parse.clean import clean_text
from ingest.records import Consultation, Document, Page, SourceFile


def _doc(pages: list[Page], **kw: object) -> Document:
    return Document(id="doc", source="test", body="Braunschweig", title="Aktionsplan Demokratie",
                    reference="25-25182-01", paper_type="Stellungnahme", date="2025-03-01",
                    files=(SourceFile(id="f", name="stellungnahme.pdf", url="https://example.org/s.pdf", pages=tuple(pages)),),
                    **kw)  # type: ignore[arg-type]


def test_zu_frage_sections_and_sizes(corpus: Path) -> None:
    text = clean_text((corpus / "braunschweig" / "stellungnahme-25-25182-01.txt").read_text(encoding="utf-8"))
    chunks = chunk_document(_doc([Page(1, text)]))
    sections = [c.section or "" for c in chunks]
    assert any(s.startswith("Zu Frage 1") for s in sections)
    assert any(s.startswith("Zu Frage 2") for s in sections)
    assert all(len(c.text) <= MAX_CHARS + 200 for c in chunks)
    # every answer section starts a chunk of its own: no chunk carries two "Zu Frage" headings
    assert all(c.text.count("Zu Frage") <= 1 for c in chunks)


def test_pages_overlap_and_stable_ids(corpus: Path) -> None:
    raw = (corpus / "karlsruhe" / "file-contents" / "145402.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in clean_text(raw).split("\n\n") if p.strip()]
    half = len(paragraphs) // 2
    pages = [Page(1, "\n\n".join(paragraphs[:half])), Page(2, "\n\n".join(paragraphs[half:]))]
    doc = _doc(pages)
    chunks = chunk_document(doc)
    assert chunks[0].file_id == "overview" and chunks[0].section == "Übersicht"
    body = chunks[1:]
    assert body[0].page_start == 1 and body[-1].page_end == 2
    assert all(c.meta["file_url"].endswith(f"#page={c.page_start}") for c in body)
    assert [c.id for c in chunk_document(doc)] == [c.id for c in chunks]  # re-chunking changes nothing
    for c in chunks:
        assert index_text(c).endswith(c.text)
        assert c.meta["reference"] == "25-25182-01" and c.meta["paper_type"] == "Stellungnahme"


def test_long_section_is_split_with_small_overlap() -> None:
    sentence = "Die Verwaltung prüft die Erweiterung des Radwegenetzes im Stadtteil sorgfältig. "
    text = "Sachverhalt\n\n" + sentence * 60
    chunks = chunk_document(_doc([Page(1, text)]))[1:]
    assert len(chunks) >= 3
    for a, b in zip(chunks, chunks[1:], strict=False):
        tail = a.text[-120:]
        assert b.text.startswith(tail.split(". ")[-1][:40]) or tail[-60:] in b.text  # overlap carried
        assert len(b.text) <= MAX_CHARS


def test_overview_chunk_lists_consultations() -> None:
    doc = _doc([Page(1, "Text")], consultations=(
        Consultation(organization="Ausschuss für Planung und Hochbau", meeting_date="2025-04-02", role="Vorberatung",
                     result="einstimmig beschlossen"),))
    overview = chunk_document(doc)[0]
    assert "Ausschuss für Planung und Hochbau" in overview.text and "einstimmig beschlossen" in overview.text
    assert "2025-04-02" in overview.text
