"""ALLRIS net 4 pages of Wolfsburg and Laatzen (Wicket, dt/dd head)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources.allris.net4 import AllrisNet4
from tests.ingest.allris.pages import parse_page


def test_net4_vorlage_wolfsburg(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/wolfsburg_vo020.html")
    assert doc.body == "Wolfsburg"
    assert doc.reference == "K 2026/0725"
    assert doc.paper_type == "Schriftliche Kenntnisgabe"
    assert doc.title == "Einrichtung von Trinkwasserbrunnen im Innenstadtbereich"
    assert doc.submitter == "Geschäftsbereich Straßenbau und Projektkoordination"
    assert doc.web_url == "https://ratsinfob.stadt.wolfsburg.de/vo020?VOLFDNR=1010527"
    (consultation,) = doc.consultations
    assert consultation.organization == "Planungs- und Bauausschuss"
    assert consultation.role == "Kenntnisnahme"
    assert consultation.meeting_date == "2026-01-29"  # shown as "Jan 29, 2026"
    assert consultation.meeting_name == "31. Sitzung des Planungs- und Bauausschusses"
    assert consultation.result == "zur Kenntnis genommen"
    text = doc.files[0].text
    assert "\nBegründung\n" in text and "Trinkwasserbrunnen im Stadtgebiet" in text
    assert "Loading..." not in text and "Reduzieren" not in text
    assert {f.name for f in doc.files[1:]} == {"Vorlage", "Sammeldokument"}


def test_net4_antrag_laatzen(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/laatzen_vo020.html", base_url="https://sitzungsdienst.laatzen.de/")
    assert doc.body == "Laatzen"
    assert (doc.reference, doc.paper_type, doc.submitter) == ("2026/245", "Antrag", "40 Bildung und Sport")
    assert doc.title.startswith("Bildungscampus Laatzen - Abschluss des Partizipationsprozeses")
    assert doc.related == ("2026/235",)
    assert doc.web_url == "https://sitzungsdienst.laatzen.de/vo020?VOLFDNR=1000238"
    orgs = [(c.organization, c.role, c.meeting_date, c.result) for c in doc.consultations]
    assert ("Schulausschuss", "Vorberatung", "2026-06-29", "vertagt") in orgs
    assert ("Rat der Stadt Laatzen", "Entscheidung", "2026-09-03", None) in orgs
    assert ("Verwaltungsausschuss (nicht-öffentlich)", "Vorberatung", None, None) in orgs
    assert "eingegangen ist" in doc.files[0].text
    assert any(f.name == "Anlage zu 2026-245 Antrag Bildungscampus.docx" for f in doc.files)


def test_laatzen_without_url_uses_stable_id(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/laatzen_vo020.html")
    assert doc.web_url is None
    assert doc.id == "allris:Laatzen:2026/245"


def test_net4_agenda_laatzen(corpus: Path) -> None:
    doc = parse_page(corpus, "allris-html/laatzen_to010.html")
    assert doc.paper_type == "Tagesordnung"
    assert doc.title == "Sitzung des Schulausschusses"
    assert doc.date == "2026-09-01"
    assert ("gremium", "Schulausschuss") in doc.extra
    assert "2026/245" in doc.related and "2026/245/1" in doc.related
    assert "Ö 3 Bildungscampus Laatzen" in doc.files[0].text


def test_net4_page_addresses() -> None:
    net4 = AllrisNet4()
    assert net4.recognises("<html>wicket ... volfdnr") and net4.recognises("<html><meta content='allris net'>")
    assert not net4.recognises('<html><td class="kb1">allris .asp')
    assert net4.page_url("https://buergerinfo.example.de/bi/", "", "to010", "SILFDNR", "7") == \
        "https://buergerinfo.example.de/bi/to010?SILFDNR=7"
