"""Browser text copies of ALLRIS pages and protocol texts (Braunschweig)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources.allris.browser_copy import AllrisBrowserCopy
from tests.ingest.allris.pages import parse_page


def test_braunschweig_stellungnahme_text(corpus: Path) -> None:
    doc = parse_page(corpus, "braunschweig/stellungnahme-25-25182-01.txt", body="Braunschweig")
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
    doc = parse_page(corpus, "braunschweig/protokoll-ausschuss-excerpt.txt")
    assert doc.paper_type == "Protokoll"
    assert doc.body == "Braunschweig"
    assert doc.related == ("26-29075", "26-29183", "26-29090-02")
    text = doc.files[0].text
    assert "SAP-Umstellung auf S/4HANA" in text
    assert "Dafür: 8 Dagegen: 0 Enthaltung: 0" in text
    assert "\n5\n" not in text  # bare page number dropped


def test_browser_copy_is_recognised_by_its_chrome_lines() -> None:
    copy = AllrisBrowserCopy()
    assert copy.recognises("ALLRIS - Vorlage\nAnfrage - 25-25182\nBetreff: Radwege")
    assert copy.recognises("Reduzieren\nMitteilung - 25-25182-01\n")
    assert not copy.recognises("Sehr geehrte Damen und Herren,\nanbei die Unterlagen.")
    assert copy.parse("Sehr geehrte Damen und Herren", "brief.txt") is None
