"""The tolerant question-file reader: only `question` required, aliases, JSONL and CSV, bad rows skipped
with their line numbers, the team's strict set read identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.gold import QUESTIONS_PATH, load_questions
from eval.needs import not_computable
from eval.questions import canonical, read_question_file

# Real questions of the gold set (their papers are Karlsruhe Drucksachen 2016/0737 and 2023/0325).
FASTNACHT = "Warum findet der Fastnachtsumzug 2017 in Daxlanden nicht statt?"
UHR = "Wann wurde die Genehmigung für die Uhr am Entenfang erteilt?"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_minimal_file_needs_only_the_question(tmp_path: Path) -> None:
    qfile = read_question_file(write(tmp_path / "fragen.jsonl", [json.dumps({"question": q}, ensure_ascii=False)
                                                                  for q in (FASTNACHT, UHR)]))
    assert not qfile.problems
    first, second = qfile.items
    assert (first.id, second.id) == ("zeile-1", "zeile-2") and first.question == FASTNACHT
    assert first.answerable and not first.answerable_known and first.type == ""
    assert first.gold_refs == () and first.key_facts == () and first.history == ()
    missing = not_computable(qfile.items)
    assert "keine Gold-Referenzen" in missing["Treffer (hit@k, recall@k, MRR, nDCG)"]
    assert "facts, key_facts" in missing["Schlüsselfakten"]
    assert "answerable: false" in missing["Ablehnung unbeantwortbarer Fragen"]
    assert "Fehlablehnung beantwortbarer Fragen" in missing


def test_aliases_and_unknown_fields(tmp_path: Path) -> None:
    rows = [
        {"ID": 7, "question": FASTNACHT, "refs": ["2016/0737"], "facts": "nie beantragt", "answer": "Er wurde nie "
         "beantragt.", "evidence": "nicht abgelehnt, sondern nie beantragt", "City": "Karlsruhe",
         "Kategorie": "Feste", "Quelle": {"von": "Ortsverwaltung"}},
        {"id": "u2", "question": UHR, "references": "2023/0325", "key-facts": ["12. August 2019"],
         "history": [{"frage": "Gibt es am Entenfang eine Uhr?", "antwort": "Ja."}], "type": "amount_date"},
        {"id": "u3", "frage": "Wie viele Pinguine hält der Zoo 2031?", "answerable": "nein"},
    ]
    qfile = read_question_file(write(tmp_path / "f.jsonl", [json.dumps(r, ensure_ascii=False) for r in rows]))
    assert not qfile.problems
    a, b, c = qfile.items
    assert (a.id, a.gold_refs, a.key_facts, a.city) == ("7", ("2016/0737",), ("nie beantragt",), "Karlsruhe")
    assert a.reference_answer == "Er wurde nie beantragt." and a.evidence_quote.startswith("nicht abgelehnt")
    assert a.answerable and a.answerable_known  # implied by its gold reference
    assert dict(a.extra) == {"Kategorie": "Feste", "Quelle": {"von": "Ortsverwaltung"}}
    assert b.gold_refs == ("2023/0325",) and b.type == "amount_date"
    assert [(t.question, t.answer) for t in b.history] == [("Gibt es am Entenfang eine Uhr?", "Ja.")]
    assert not c.answerable and c.answerable_known and c.type == "unanswerable"
    assert qfile.unknown_fields == ("Kategorie", "Quelle")
    assert {"gold_refs", "key_facts", "reference_answer", "evidence_quote", "history"} <= qfile.fields
    assert not_computable(qfile.items) == {
        "Quellen je Datei (Präzision, Recall)": "keine Gold-Dateien (Feld gold_file_ids)"}
    assert canonical("Key Facts") == "key_facts" and canonical("REFERENCES") == "gold_refs"


def test_csv_from_excel_with_semicolons_and_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "fragen.csv", [
        "Frage;Drucksachen;Fakten;beantwortbar;Bearbeiter",
        f"{FASTNACHT};2016/0737;nie beantragt | Daxlanden;ja;Müller",
        f'"{UHR}";["2023/0325"];12. August 2019;;Schäfer',
        "Wie viele Pinguine hält der Zoo 2031?;;;nein;",
    ], encoding="cp1252")
    qfile = read_question_file(path)
    assert not qfile.problems
    assert qfile.notes == ("kein UTF-8: als Windows-1252 gelesen (Excel-Export?)",)
    a, b, c = qfile.items
    assert a.key_facts == ("nie beantragt", "Daxlanden") and a.gold_refs == ("2016/0737",)
    assert dict(a.extra) == {"Bearbeiter": "Müller"}
    assert b.gold_refs == ("2023/0325",) and b.question == UHR and b.id == "zeile-3"
    assert not c.answerable


def test_bad_rows_are_reported_with_line_numbers_and_skipped(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "question": FASTNACHT}, ensure_ascii=False),
        '{"id": "b", "question": "abgeschnitten',
        "",
        json.dumps({"id": "c", "refs": ["2016/0737"]}),
        json.dumps({"id": "d", "question": UHR, "answerable": "vielleicht"}, ensure_ascii=False),
        json.dumps({"id": "a", "question": UHR}, ensure_ascii=False),
        json.dumps(["keine", "Frage"]),
        json.dumps({"id": "e", "question": UHR, "facts": {"a": 1}}, ensure_ascii=False),
        json.dumps({"id": "f", "question": UHR, "facts": ["x"], "key_facts": ["y"]}, ensure_ascii=False),
        json.dumps({"id": "g", "question": UHR}, ensure_ascii=False),
    ]
    qfile = read_question_file(write(tmp_path / "f.jsonl", lines))
    assert [it.id for it in qfile.items] == ["a", "g"]
    problems = {p.line: p.reason for p in qfile.problems}
    assert sorted(problems) == [2, 4, 5, 6, 7, 8, 9]
    assert problems[2].startswith("kein gültiges JSON")
    assert problems[4] == "Feld question fehlt oder ist leer (auch: frage)"
    assert "'vielleicht' ist kein Wahrheitswert" in problems[5]
    assert problems[6] == "doppelte id 'a' (zuerst in Zeile 1)"
    assert problems[7] == "kein JSON-Objekt"
    assert problems[8] == "Feld key_facts: Liste von Texten erwartet"
    assert problems[9].startswith("Feld key_facts doppelt angegeben")
    assert str(qfile.problems[0]).startswith("Zeile 2 übersprungen: ")


def test_csv_bad_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", [
        "id,question,refs",
        f'x1,"{FASTNACHT}",2016/0737',
        'x2,"Eine Frage über',
        'zwei Zeilen",2023/0325',
        "x3,,2023/0325",
        f'x4,"{UHR}",2023/0325,zu viel',
    ])
    qfile = read_question_file(path)
    assert [it.id for it in qfile.items] == ["x1", "x2"]
    assert qfile.items[1].question == "Eine Frage über\nzwei Zeilen"
    assert [(p.line, p.reason) for p in qfile.problems] == [
        (5, "Feld question fehlt oder ist leer (auch: frage)"), (6, "4 Zellen, aber nur 3 Spaltenüberschriften")]


@pytest.mark.parametrize("name", ["questions.jsonl", "fresh_questions.jsonl"])
def test_the_teams_sets_read_exactly_as_the_strict_loader_reads_them(name: str) -> None:
    path = QUESTIONS_PATH.parent / name
    if not path.is_file():
        pytest.skip(f"{name} not in this checkout")
    qfile = read_question_file(path)
    assert not qfile.problems and not qfile.unknown_fields
    assert list(qfile.items) == load_questions(path)
    assert not_computable(qfile.items) == {}
