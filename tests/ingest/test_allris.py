"""Tests for the ALLRIS source on real pages of Hildesheim, Wolfsburg, Laatzen and Braunschweig."""

from __future__ import annotations

from pathlib import Path

from ingest.records import Document
from ingest.sources.allris import AllrisSource, detect_variant, parse_allris_file
from ingest.sources.base import ProblemLog


def _parse(corpus: Path, name: str, body: str | None = None, base_url: str | None = None) -> Document:
    path = corpus / name
    doc = parse_allris_file(path.read_bytes(), str(path), body, base_url)
    assert doc is not None
    return doc


def test_detect_variants(corpus: Path) -> None:
    assert detect_variant((corpus / "allris-html/hildesheim_vo020.html").read_bytes()) == "classic"
    assert detect_variant((corpus / "allris-html/wolfsburg_vo020.html").read_bytes()) == "net4"
    assert detect_variant((corpus / "allris-html/laatzen_to010.html").read_bytes()) == "net4"
    assert detect_variant((corpus / "braunschweig/stellungnahme-25-25182-01.txt").read_text()) == "text"
    assert detect_variant("<html><body><p>Hallo</p></body></html>") is None


def test_classic_vorlage_hildesheim(corpus: Path) -> None:
    doc = _parse(corpus, "allris-html/hildesheim_vo020.html")
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


def test_net4_vorlage_wolfsburg(corpus: Path) -> None:
    doc = _parse(corpus, "allris-html/wolfsburg_vo020.html")
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
    doc = _parse(corpus, "allris-html/laatzen_vo020.html", base_url="https://sitzungsdienst.laatzen.de/")
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
    doc = _parse(corpus, "allris-html/laatzen_vo020.html")
    assert doc.web_url is None
    assert doc.id == "allris:Laatzen:2026/245"


def test_classic_agenda_hildesheim(corpus: Path) -> None:
    doc = _parse(corpus, "allris-html/hildesheim_to010.html")
    assert doc.paper_type == "Tagesordnung"
    assert doc.title == "Sitzung des Rates der Stadt Hildesheim"
    assert doc.date == "2025-03-31"
    assert doc.web_url == "https://www.stadt-hildesheim.de/allris/to010.asp?SILFDNR=3712"
    text = doc.files[0].text
    assert "Ö 9 Annahme von Zuwendungen durch den Rat (Referentin: Claudia Maria Wendt) (Vorlage 25/085) – ungeändert beschlossen" in text
    assert "Ö 1 Eröffnung der Sitzung\n" in text
    assert "25/085" in doc.related and "25/073-2" in doc.related


def test_classic_agenda_item_hildesheim(corpus: Path) -> None:
    doc = _parse(corpus, "allris-html/hildesheim_to020.html")
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


def test_net4_agenda_laatzen(corpus: Path) -> None:
    doc = _parse(corpus, "allris-html/laatzen_to010.html")
    assert doc.paper_type == "Tagesordnung"
    assert doc.title == "Sitzung des Schulausschusses"
    assert doc.date == "2026-09-01"
    assert ("gremium", "Schulausschuss") in doc.extra
    assert "2026/245" in doc.related and "2026/245/1" in doc.related
    assert "Ö 3 Bildungscampus Laatzen" in doc.files[0].text


def test_braunschweig_stellungnahme_text(corpus: Path) -> None:
    doc = _parse(corpus, "braunschweig/stellungnahme-25-25182-01.txt", body="Braunschweig")
    assert doc.source == "allris-text"
    assert doc.id == "allris:Braunschweig:25-25182-01"
    assert (doc.reference, doc.paper_type) == ("25-25182-01", "Stellungnahme")
    assert doc.related[0] == "25-25182"
    assert doc.web_url is None
    text = doc.files[0].text
    for chrome in ("Reduzieren", "Loading...", "Erläuterungen und Hinweise", "ALLRIS - Vorlage"):
        assert chrome not in text
    assert "\nZu Frage 1\n" in text and "\nZu Frage 3\n" in text
    assert "Für die Umsetzung des Ratsbeschlusses" in text
    assert "Für die Ausarbeitung des Aktionsplanes" in text
    assert "\nr die" not in text
    assert text.count("Sachverhalt") == 1


def test_braunschweig_protocol_excerpt(corpus: Path) -> None:
    doc = _parse(corpus, "braunschweig/protokoll-ausschuss-excerpt.txt")
    assert doc.paper_type == "Protokoll"
    assert doc.body == "Braunschweig"
    assert doc.related == ("26-29075", "26-29183", "26-29090-02")
    text = doc.files[0].text
    assert "SAP-Umstellung auf S/4HANA" in text
    assert "Dafür: 8 Dagegen: 0 Enthaltung: 0" in text
    assert "\n5\n" not in text  # bare page number dropped


def test_source_reports_non_allris_and_empty(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.html"
    other.write_text("<html><body><p>Kein Ratsinfo</p></body></html>", encoding="utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    problems = ProblemLog()
    docs = list(AllrisSource([corpus / "allris-html/wolfsburg_vo020.html", other, empty]).documents(problems))
    assert len(docs) == 1
    assert {p.location for p in problems.items} == {str(other), str(empty)}
