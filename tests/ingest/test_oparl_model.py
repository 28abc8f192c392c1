"""OParl object readers: every example of the specification, titles, other vendors' paper lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.records import Page
from ingest.sources.base import ProblemLog
from ingest.sources.oparl_mirror import OParlListSource
from ingest.sources.oparl_model import (
    PaperContext,
    clean_title,
    paper_to_document,
    read_body,
    read_file,
    read_location,
    read_meeting,
    read_organization,
    read_person,
    read_system_bodies,
)


def _examples(corpus: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((corpus / "oparl-spec-examples").glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        out[path.name] = obj
    return out


def test_every_spec_example_is_read(corpus: Path) -> None:
    examples = _examples(corpus)
    assert examples
    kinds = set()
    for name, obj in examples.items():
        kind = obj["type"].rsplit("/", 1)[-1]
        kinds.add(kind)
        if kind == "Paper":
            doc = paper_to_document(obj, PaperContext(body="Köln"))
            assert doc.id == obj["id"] and doc.title == obj["name"], name
        elif kind == "Meeting":
            assert read_meeting(obj).id == obj["id"], name
        elif kind == "Organization":
            assert read_organization(obj) == (obj["id"], obj["name"])
        elif kind == "Person":
            assert read_person(obj) == (obj["id"], obj["name"])
        elif kind == "File":
            assert read_file(obj).url == obj["accessUrl"]
        elif kind == "Body":
            assert read_body(obj).paper == obj["paper"]
        elif kind == "System":
            assert read_system_bodies(obj) == (obj["body"], [])
        elif kind == "Location":
            assert read_location(obj) == obj["description"]
        else:
            pytest.fail(f"unbekannter Beispieltyp {kind} in {name}")
    assert kinds == {"Paper", "Meeting", "Organization", "Person", "File", "Body", "System", "Location"}


def test_spec_paper_fields_and_consultation_resolution(corpus: Path) -> None:
    examples = _examples(corpus)
    paper = examples["Paper-01.json"]
    meeting = read_meeting(examples["Meeting-01.json"])
    item = examples["Meeting-01.json"]["agendaItem"][0]
    org_id, org_name = read_organization(examples["Organization-01.json"])
    person_id, person_name = read_person(examples["Person-01.json"])
    # Point the example consultation at the example meeting, organization and person.
    consultation = dict(
        paper["consultation"][0], id=item["consultation"], meeting=meeting.id, organization=[org_id]
    )
    paper = dict(paper, consultation=[consultation], originatorPerson=[person_id])
    ctx = PaperContext(
        body="Köln",
        pages=lambda f: (Page(None, f["text"]),) if f.get("text") else (),
        meetings={meeting.id: meeting}.get,
        organizations={org_id: org_name},
        persons={person_id: person_name},
    )
    doc = paper_to_document(paper, ctx)
    assert doc.reference == paper["reference"] and doc.paper_type == paper["paperType"]
    assert doc.date == paper["date"]
    assert doc.related == tuple(paper["relatedPaper"])
    assert doc.submitter == person_name
    assert [f.role for f in doc.files] == ["main", "attachment"]
    assert doc.files[0].url == paper["mainFile"]["accessUrl"]
    assert doc.files[1].text == paper["auxiliaryFile"][0]["text"]
    cons = doc.consultations[0]
    assert cons.organization == org_name
    assert cons.meeting_name == meeting.name and cons.meeting_date == meeting.date
    assert cons.agenda_number == item["number"] and cons.result == item["result"]
    assert cons.resolution == item["resolutionText"]
    assert cons.role == paper["consultation"][0]["role"] and cons.authoritative is False
    assert ("location", "Honschaftsstraße 312, Köln") in doc.extra


def test_agenda_item_found_by_id(corpus: Path) -> None:
    meeting = read_meeting(_examples(corpus)["Meeting-01.json"])
    item = meeting.agenda[0]
    assert meeting.agenda_item_for(None, item.id) == item
    assert meeting.agenda_item_for("https://x/consultation/0", None) is None


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Haushalt für die Ort-\nschaft Groß Escherde", "Haushalt für die Ortschaft Groß Escherde"),
        ("Nord-\nSüd-Verbindung", "Nord-Süd-Verbindung"),
        ("  Volkshochschule\r\nUmwandlung  ", "Volkshochschule Umwandlung"),
        ("Karlsruhe-Waldstadt: Beschluss", "Karlsruhe-Waldstadt: Beschluss"),
    ],
)
def test_clean_title(raw: str, title: str) -> None:
    assert clean_title(raw) == title


@pytest.mark.parametrize(
    ("relative", "body"),
    [
        ("braunschweig/oparl-papers-2026-09.json", "Braunschweig"),
        ("oparl-other-cities/langenhagen_papers.json", "Langenhagen"),
        ("oparl-other-cities/peine_papers.json", "Peine"),
        ("oparl-other-cities/potsdam_papers.json", "Potsdam"),
    ],
)
def test_paper_lists_metadata_only(corpus: Path, relative: str, body: str) -> None:
    path = corpus / relative
    raw = json.loads(path.read_text(encoding="utf-8"))
    problems = ProblemLog()
    docs = list(OParlListSource(path).documents(problems))
    assert not problems.items
    assert [d.id for d in docs] == [p["id"] for p in raw]
    for doc, paper in zip(docs, raw, strict=True):
        assert doc.body == body
        assert doc.title == clean_title(paper["name"]) and doc.reference == paper["reference"]
        assert doc.web_url == paper.get("web")
        assert doc.files and all(not f.pages for f in doc.files)
        assert all(f.mime_type == "application/pdf" for f in doc.files)
        assert len(doc.consultations) == len(paper.get("consultation", []))


def test_single_broken_paper_file_as_list_source(corpus: Path) -> None:
    path = corpus / "bad-input" / "braunschweig-allris-oparl-paper-control-chars.json"
    docs = list(OParlListSource(path).documents(ProblemLog()))
    assert len(docs) == 1
    assert docs[0].body == "Braunschweig" and docs[0].reference == "1664/99"
    assert docs[0].web_url == "https://ratsinfo.braunschweig.de/bi/vo020.asp?VOLFDNR=1664"
