"""Access levels from the sources: OParl `public` flags, ALLRIS "nichtöffentlich" pages, `ingest --access`."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.records import Access, Document, Page, SourceFile
from ingest.sources.access import AtLeast
from ingest.sources.allris.common import access_of
from ingest.sources.base import ProblemLog
from ingest.sources.memory import ListSource
from ingest.sources.oparl_file import OParlJsonSource
from ingest.sources.oparl_model import PaperContext, paper_to_document


def _paper(**more: object) -> dict[str, object]:
    return {"id": "https://ris.example/paper/1", "type": "https://schema.oparl.org/1.1/Paper", "name": "Grundstück",
            "reference": "2026/0001", "mainFile": {"id": "https://ris.example/file/1", "name": "Vorlage"}, **more}


def test_an_oparl_paper_or_file_marked_non_public_is_council_only() -> None:
    ctx = PaperContext(body="Musterstadt", source="oparl-api")
    assert paper_to_document(_paper(), ctx).access == Access.PUBLIC
    assert paper_to_document(_paper(public=False), ctx).access == Access.COUNCIL
    hidden_file = _paper(auxiliaryFile=[{"id": "https://ris.example/file/2", "name": "Wertgutachten", "public": False}])
    assert paper_to_document(hidden_file, ctx).access == Access.COUNCIL


def test_a_meetings_non_public_items_become_a_council_only_document(tmp_path: Path) -> None:
    meeting = {"id": "https://ris.example/meeting/7", "type": "https://schema.oparl.org/1.1/Meeting",
               "name": "Hauptausschuss", "start": "2026-10-05T17:00:00+02:00",
               "agendaItem": [{"id": "https://ris.example/ai/1", "number": "1", "name": "Haushalt 2027", "public": True},
                              {"id": "https://ris.example/ai/2", "number": "2", "name": "Grundstücksverkauf Rheinhafen",
                               "result": "zugestimmt", "public": False}]}
    path = tmp_path / "meeting.json"
    path.write_text(json.dumps({"data": [meeting]}), encoding="utf-8")
    docs = {d.id: d for d in OParlJsonSource(path).documents(ProblemLog()) if "meeting" in d.id}
    public, hidden = docs["https://ris.example/meeting/7"], docs["https://ris.example/meeting/7#nichtoeffentlich"]
    assert public.access == Access.PUBLIC and hidden.access == Access.COUNCIL
    assert "Haushalt 2027" in public.files[0].text and "Rheinhafen" not in public.files[0].text
    assert "Grundstücksverkauf Rheinhafen – Ergebnis: zugestimmt" in hidden.files[0].text


def test_an_allris_page_marked_nichtoeffentlich_is_council_only() -> None:
    assert access_of("nichtöffentlich") == Access.COUNCIL and access_of("Nicht öffentlich") == Access.COUNCIL
    assert access_of("öffentlich/nichtöffentlich") == Access.PUBLIC  # a meeting with both parts: its public page
    assert access_of("öffentlich") == Access.PUBLIC and access_of(None) == Access.PUBLIC


def test_ingest_access_raises_a_whole_source_but_keeps_stricter_markers() -> None:
    page = (SourceFile(id="f", name="f", pages=(Page(1, "Text"),)),)
    docs = [Document(id="a", source="t", body="X", title="A", files=page),
            Document(id="b", source="t", body="X", title="B", files=page, access=Access.STAFF)]
    source = AtLeast(ListSource(docs), Access.COUNCIL)
    assert [d.access for d in source.documents(ProblemLog())] == [Access.COUNCIL, Access.STAFF]
    assert source.complete_listing  # what the pipeline asks of the source itself still answers


def test_a_public_documents_hash_is_unchanged_by_access_levels() -> None:
    """Indexes built before access levels existed are not processed again."""
    doc = Document(id="a", source="t", body="X", title="A")
    assert doc.content_hash() == "f74f5ea2005e8e7c787d9d4feed07909"
    assert Document(id="a", source="t", body="X", title="A", access=Access.COUNCIL).content_hash() != doc.content_hash()
    assert Access.parse(" Council ") == Access.COUNCIL
