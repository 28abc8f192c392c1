"""Question splitting, submitter and date parsing on real Karlsruhe Anfragen (counts read by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse.anfrage import german_date, iso_date, parse_anfrage
from ingest.parse.anfrage_questions import join_lines

# file number -> first two words of every question, in order (count = number of questions in the text)
CASES = [
    ("145385", ["Bei welchen", "Erfolgt eine", "Welche Anpassungen", "Sind aus", "In welcher"]),  # "1." 2013
    ("146986", ["Wie ist", "Wann wird", "Auf welcher", "Wird der", "Wie wird"]),  # prose follows the list
    ("586757", ["Wie viele"] * 5 + ["Welche Kosten", "Plant die", "Wer ist", "Werden der", "Aus welchen"]),  # 10
    ("608234", ["Wie viele", "Wie viele", "Nach welchen", "Bis wann"]),  # "A." .. "D."
    ("610257", ["Wie viele", "Welche Hinderungsgründe", "Welche Hinderungsgründe", "Gibt es", "Wie viele", "Kann nach"]),  # "A)" with a) b) c)
    ("655047", ["Hat die", "Welche Auswirkungen", "Wie hat", "Welche Entwicklung", "Hat die", "Welche Maßnahmen",
                "Wie hoch", "Wie hoch"]),  # "1." alone on its line
    ("647228", ["Sind weitere", "Warum sind", "Wo darf", "Kann in"]),  # "-" bullets
    ("653541", ["Welchen Einfluss", "Wie ist"]),  # bullets with two questions each
    ("646479", ["Die Stadtwerke"]),  # no question mark at all: the request paragraph
    ("668919", ["Welche konkreten", "Wurde die", "Ist die", "Falls bislang"]),  # prose question after the list
    ("654971", ["Welche Mehrwerte", "Auf welchem", "Welchen Mehrwert", "Wie bewertet", "Falls noch", "Wie ist", "Wer ist"]),  # "2.)"
    ("677756", ["wie der", "welche konkreten", "welche Förderprogramme", "bis wann"]),  # "1. Anfrage" heading, then 1.-4.
    ("676497", ["Wie ist", "Welche Straßenzüge", "Gibt es", "Sofern derzeit"]),  # "•" bullets
    ("675770", ["Gibt es", "Welche Redundanzen", "Sind die", "Existieren im", "Gibt es"]),  # bullets + signature line
]


def _text(corpus: Path, number: str) -> str:
    return (corpus / "karlsruhe" / "file-contents" / f"{number}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("number", "starts"), CASES, ids=[c[0] for c in CASES])
def test_split_real_anfragen(corpus: Path, number: str, starts: list[str]) -> None:
    questions = parse_anfrage(_text(corpus, number)).questions
    assert len(questions) == len(starts)
    assert [" ".join(q.split()[:2]) for q in questions] == starts


def test_long_list_over_two_pages(corpus: Path) -> None:
    questions = parse_anfrage(_text(corpus, "669754")).questions  # 25 questions, page break inside
    assert len(questions) == 25
    assert questions[0].startswith("Der Bericht 2024 des Kulturamtes") and questions[-1].startswith("Wie wird")


def test_wrapped_lines_and_hyphenation_are_joined(corpus: Path) -> None:
    questions = parse_anfrage(_text(corpus, "145385")).questions
    assert questions[1] == "Erfolgt eine umfängliche Evaluation der Maßnahmenerweiterungen? Falls nein, warum nicht?"
    assert "Qualitätsverbesserung" in questions[2] and "Fördermittel" in questions[4]
    assert join_lines(["Stadt-", "und Straßenbahnen"]) == "Stadt- und Straßenbahnen"


@pytest.mark.parametrize(
    ("number", "submitter", "date", "reference", "title"),
    [
        ("145385", "CDU-Gemeinderatsfraktion", "2013-12-18", "2013/0317", "Frühe Prävention - Ergebnisse der Maßnahmenerweiterung"),
        ("146986", "Stadträtin Bettina Lisbach (GRÜNE), Stadtrat Johannes Honné (GRÜNE) und Stadtrat Alexander Geiger (GRÜNE)",
         "2014-03-12", "2014/0483", "Sicherung des Beiertheimer Feldes als Grünfläche"),
        ("655047", "SPD", "2023-12-26", "2024/0015", "Auswirkungen der Wohngeldreform auf kommunale Finanzen"),
        ("668919", "GRÜNEN-Ortschaftsratsfraktion", "2025-06-26", "2025/0701", None),
        ("644298", "GRÜNE-Gemeinderatsfraktion und SPD-Gemeinderatsfraktion", "2023-01-24", "2023/0076",
         "Unterstützung queerer Menschen in Karlsruhe"),
        ("610257", "Freie Wähler-OR-Fraktion", "2019-04-02", "2019/0635", "Tarifgestaltung im Stadtbusverkehr Durlach"),
    ],
)
def test_submitter_date_reference_title(corpus: Path, number: str, submitter: str, date: str, reference: str,
                                        title: str | None) -> None:
    parsed = parse_anfrage(_text(corpus, number))
    assert parsed.submitter == submitter
    assert parsed.date == date
    assert parsed.reference == reference
    if title:
        assert parsed.title == title


def test_date_helpers() -> None:
    assert iso_date("vom 18. Dezember 2013") == "2013-12-18"
    assert iso_date("12.03.2024") == "2024-03-12"
    assert german_date("2025-02-04") == "4. Februar 2025"
    assert german_date(None) == "[Datum]"


def test_braunschweig_stellungnahme_header_date(corpus: Path) -> None:
    text = (corpus / "braunschweig" / "stellungnahme-25-25182-01.txt").read_text(encoding="utf-8")
    parsed = parse_anfrage(text)
    assert parsed.date == "2025-02-04"
    assert parsed.submitter == "Gruppe Die FRAKTION.BS"
