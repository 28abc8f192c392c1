"""ALLRIS classic pages of Hildesheim (.asp, td.kb1 head)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources.allris.classic import AllrisClassic
from tests.ingest.allris.pages import parse_page


def test_classic_vorlage_hildesheim(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/hildesheim_vo020.html")
    assert doc.source == "allris-html" and doc.body == "Hildesheim"
    assert doc.reference == "23/224"
    assert doc.paper_type == "Mitteilungsvorlage"
    assert doc.title.startswith("Bundesprogramm zur Anpassung urbaner Räume an den Klimawandel")
    assert doc.submitter == "61.1 Stadterneuerung"
    assert doc.web_url == "https://www.stadt-hildesheim.de/allris/vo020.asp?VOLFDNR=8000"
    assert doc.id == doc.web_url
    first, second = doc.consultations
    assert first.organization == "Ausschuss für Stadtentwicklung, Umwelt und Mobilität"
    assert (first.role, first.meeting_date, first.result) == ("Information", "2023-06-14", "zur Kenntnis genommen")
    assert second.organization == "Ortsrat Stadtmitte/Neustadt" and second.meeting_date == "2023-06-21"
    text = doc.files[0].text
    assert "\nSachverhalt:\n" in text and "\nProzessbeschreibung\n" in text
    assert "aufgrund der Programmausrichtung" in text  # inline spans not split into lines
    assert "Sitzungskalender" not in text and "Vorlagenübersicht" not in text
    names = [f.name for f in doc.files[1:]]
    assert "Folgekostenabschätzung" in names and "Vorlage" in names
    attachment = next(f for f in doc.files if f.name == "Folgekostenabschätzung")
    assert attachment.url and attachment.url.endswith("/68-Anlagen/04/23_224.pdf")
    assert attachment.url.startswith("https://www.stadt-hildesheim.de/allris/")
    assert attachment.pages == ()


def test_classic_agenda_hildesheim(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/hildesheim_to010.html")
    assert doc.paper_type == "Tagesordnung"
    assert doc.title == "Sitzung des Rates der Stadt Hildesheim"
    assert doc.date == "2025-03-31"
    assert doc.web_url == "https://www.stadt-hildesheim.de/allris/to010.asp?SILFDNR=3712"
    text = doc.files[0].text
    assert "Ö 9 Annahme von Zuwendungen durch den Rat (Referentin: Claudia Maria Wendt) (Vorlage 25/085) – ungeändert beschlossen" in text
    assert "Ö 1 Eröffnung der Sitzung\n" in text
    assert "25/085" in doc.related and "25/073-2" in doc.related


def test_classic_agenda_item_hildesheim(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/hildesheim_to020.html")
    assert doc.paper_type == "Tagesordnungspunkt"
    assert doc.title == "Annahme von Zuwendungen durch den Rat"
    assert doc.date == "2025-03-31"
    assert doc.related == ("25/085",)
    assert doc.web_url == "https://www.stadt-hildesheim.de/allris/to020.asp?TOLFDNR=76127"
    (consultation,) = doc.consultations
    assert consultation.agenda_number == "Ö 9"
    assert consultation.result == "ungeändert beschlossen"
    assert consultation.resolution == "Der Annahme der Zuwendungen wird zugestimmt."
    assert "einstimmig mit zwei Enthaltungen" in doc.files[0].text
    assert "Impressum" not in doc.files[0].text


def test_classic_page_addresses() -> None:
    classic = AllrisClassic()
    assert classic.recognises('<html><td class="kb1">betreff:</td> allris')
    assert not classic.recognises("<html><p>allris</p>")  # the name alone is no ALLRIS page
    page = '<a href="/allris/to010.asp?SILFDNR=1">'
    assert classic.page_url("https://ratsinfo.example.de/", page, "vo020", "VOLFDNR", "42") == \
        "https://ratsinfo.example.de/allris/vo020.asp?VOLFDNR=42"
    assert classic.page_url("https://ratsinfo.example.de/allris/", page, "vo020", "VOLFDNR", "42") == \
        "https://ratsinfo.example.de/allris/vo020.asp?VOLFDNR=42"
