"""Tests for text cleaning with snippets from the real corpus."""

from __future__ import annotations

from pathlib import Path

from ingest.parse.clean import clean_text, remove_repeated_lines


def test_nfc_and_controls() -> None:
    assert clean_text("A\u0308nderung der Sat\x03zung\tneu") == "Änderung der Satzung neu"


def test_mojibake_repaired_only_when_present() -> None:
    assert clean_text("Ã„nderung der GebÃ¼hren â€žneuâ€œ") == "Änderung der Gebühren „neu“"
    assert clean_text("„Maß“ und groß“") == "„Maß“ und groß“"


def test_split_umlauts_joined_but_real_standalone_kept() -> None:
    assert clean_text("S ä mtliche Unterlagen f ü r die Sitzung") == "Sämtliche Unterlagen für die Sitzung"
    assert clean_text("und ä hnliche Fälle") == "und ähnliche Fälle"
    # Karlsruhe: "TOP ö nö" table header and "m ü NN" (über Normalnull) are real text.
    assert clean_text("Gremium Termin TOP ö nö") == "Gremium Termin TOP ö nö"
    assert clean_text("auf ein Niveau von 106,40 m ü NN aufgefüllt") == "auf ein Niveau von 106,40 m ü NN aufgefüllt"


def test_letter_spaced_words() -> None:
    assert clean_text("S c h ü t z e n s t r a ß e") == "Schützenstraße"
    assert clean_text("A u g a r t e n s t r a ß e\nW i n t e r s t r a ß e") == "Augartenstraße\nWinterstraße"


def test_hyphenation_rules() -> None:
    assert clean_text("wün-\nschenswert") == "wünschenswert"
    assert clean_text("Maßnahmen-\nerweiterung") == "Maßnahmenerweiterung"
    assert clean_text("Bau-\nund Verkehrsausschuss") == "Bau- und Verkehrsausschuss"
    assert clean_text("Bau- und Verkehrsausschuss") == "Bau- und Verkehrsausschuss"
    assert clean_text("Karl-\nFriedrich-Straße") == "Karl-Friedrich-Straße"
    assert clean_text("CDU-\nFraktion") == "CDU-Fraktion"
    assert clean_text("Ober-\nbürgermeister") == "Oberbürgermeister"
    assert clean_text("staatlich geförderter so-\nwie privatrechtlicher") == "staatlich geförderter sowie privatrechtlicher"
    assert clean_text("Punkte:\n- erstens\n- zweitens") == "Punkte:\n- erstens\n- zweitens"


def test_whitespace_keeps_lines_and_paragraphs() -> None:
    text = " Stadt Karlsruhe \n Der Oberbürgermeister \n \n\n\nANTRAG   neu \n1. Erster Punkt\n2. Zweiter"
    assert clean_text(text) == "Stadt Karlsruhe\nDer Oberbürgermeister\n\nANTRAG neu\n1. Erster Punkt\n2. Zweiter"


def test_real_karlsruhe_minutes(corpus: Path) -> None:
    raw = (corpus / "karlsruhe/file-contents/592009.txt").read_text(encoding="utf-8")
    text = clean_text(raw)
    assert "Nachhaltige Essensversorgung bei der Stadt Karlsruhe" in text
    assert "insbesondere bei Fleisch und Fisch, besonders zu Buche schlagen" in text  # across "- 2 -"
    assert "Außer-Haus-Verpflegung" in text
    assert "- 2 -" not in text
    assert "  " not in text and " \n" not in text


def test_real_karlsruhe_antrag(corpus: Path) -> None:
    text = clean_text((corpus / "karlsruhe/file-contents/593919.txt").read_text(encoding="utf-8"))
    assert "nachhaltigen Essenversorgung an allen städtischen Schulen" in text
    assert "Informations- und Motivationskampagne" in text
    assert "Gremium Termin TOP ö nö" in text


def test_remove_repeated_lines() -> None:
    words = ["Haushalt", "Schule", "Verkehr", "Klima"]
    pages = [
        f"Stadt Karlsruhe\nVorlage 2016/0516\nThema {w}\nBeschluss:\nText über {w}\nmehr zu {w}\nEnde {w}\n- {i} -"
        for i, w in enumerate(words, start=1)
    ] + ["Anhang\nBeschluss:\nSeite 5 von 5"]
    result = remove_repeated_lines(pages)
    assert result[0] == "Thema Haushalt\nBeschluss:\nText über Haushalt\nmehr zu Haushalt\nEnde Haushalt"
    assert result[4] == "Anhang\nBeschluss:"


def test_remove_repeated_lines_needs_three_pages() -> None:
    pages = ["Kopf\nInhalt eins", "Kopf\nInhalt zwei"]
    assert remove_repeated_lines(pages) == pages
