"""The question set built from mined validation pairs (eval.mined_questions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.training.people import PeopleQuestion, read_questions
from eval.mined_questions import main, number_facts, outcome_question, people_rows, question_row, sample
from eval.questions import read_question_file


def _pair(pair_id: str, question: str, answer: str, source: str = "anfrage-stellungnahme",
          split: str = "validation", title: str = "") -> dict[str, object]:
    return {"pair_id": pair_id, "paper_id": f"https://example.org/oparl/papers/vo/{pair_id}", "reference": "2024/0815",
            "split": split, "source": source, "question": question, "answer": answer, "title": title}


def test_key_facts_are_the_answers_numbers_the_question_does_not_name() -> None:
    question = "Wie viele öffentliche Brunnen gab es 2023 im Stadtgebiet?"
    answer = ("1. Derzeit befinden sich insgesamt 132 öffentliche Brunnenanlagen im Stadtgebiet. Im Jahr 2023 waren "
              "es 128, davon sind 12 nach Ziff. 3 außer Betrieb; die Sanierung kostet 1.250.000 Euro bis 31.12.2026.")
    assert number_facts(question, answer) == ["132", "128", "12"]
    assert number_facts(question, answer, limit=5) == ["132", "128", "12", "1.250.000", "31.12.2026"]
    assert number_facts("Wie viele Brunnen gibt es?", "Das können wir nicht sagen.") == []


def test_an_outcome_pair_asks_for_the_result_of_its_committee() -> None:
    made = outcome_question("Zukünftige Nutzung der Räumlichkeiten der Sparkasse am Marktplatz",
                            "Gemeinderat (öffentlich/nicht öffentlich) am 24.01.2023, TOP 28: Kenntnisnahme")
    assert made == ("Welches Ergebnis hatte „Zukünftige Nutzung der Räumlichkeiten der Sparkasse am Marktplatz“ im "
                    "Gremium Gemeinderat?", "Kenntnisnahme")
    made = outcome_question("Haushaltsantrag", "Gemeinderat - Beratungen zum DHH (öffentlich/nichtöffentlich) am "
                                               "21.11.2023, TOP 1.84: mehrheitlich zugestimmt")
    assert made is not None and made[1] == "mehrheitlich zugestimmt" and "Gremium Gemeinderat - Beratungen zum DHH?" \
        in made[0]
    assert outcome_question("Titel", "kein Beratungsergebnis") is None


def test_long_passages_and_answers_without_numbers_give_no_question() -> None:
    long_answer = " ".join(f"Satz {n} nennt {n * 11} Fälle." for n in range(1, 7))
    assert question_row(_pair("1", "Wie viele Fälle gab es?", long_answer)) is None
    assert question_row(_pair("2", "Warum nicht?", "Weil der Haushalt es nicht zulässt.")) is None
    row = question_row(_pair("3", "Wie viele Fälle gab es?", "Es gab 42 Fälle."))
    assert row is not None and row["key_facts"] == ["42"] and row["answerable"] and row["type"] == "fact"


def test_the_sample_is_seeded_takes_one_split_and_reads_as_a_question_file(tmp_path: Path) -> None:
    pairs = [_pair(str(n), f"Wie viele Anträge gab es im Quartal {n}?", f"Es gab {n + 10} Anträge.") for n in range(40)]
    pairs += [_pair(f"o{n}", f"Titel {n}", f"Gemeinderat (öffentlich) am 01.02.2020, TOP {n}: einstimmig beschlossen",
                    source="agenda-outcome", title=f"Vorlage {n}") for n in range(20)]
    pairs += [_pair(f"t{n}", "Wie viele?", "Es gab 99 Anträge.", split="train") for n in range(20)]
    first, again = sample(pairs, 20, seed=3), sample(pairs, 20, seed=3)
    assert first == again and len(first) == 20
    assert sum(r["type"] == "outcome" for r in first) == 7  # OUTCOME_SHARE of 20
    assert not any(r["id"].startswith("mined-t") for r in first)
    source, out = tmp_path / "pairs.jsonl", tmp_path / "mined.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    assert main(["--pairs", str(source), "--out", str(out), "--n", "20", "--seed", "3"]) == 0
    read = read_question_file(out)
    assert not read.problems and [q.id for q in read.items] == [r["id"] for r in first]
    assert all(q.answerable and q.key_facts and q.gold_paper_ids for q in read.items)


def test_a_bad_pairs_file_is_named_with_its_line(tmp_path: Path) -> None:
    missing = tmp_path / "fehlt.jsonl"
    with pytest.raises(SystemExit, match="fehlt.jsonl: keine Datei"):
        main(["--pairs", str(missing), "--out", str(tmp_path / "out.jsonl")])
    bad = tmp_path / "pairs.jsonl"
    bad.write_text(json.dumps(_pair("1", "Wie viele?", "Es gab 42.")) + "\n{kaputt\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"pairs.jsonl, Zeile 2: kein JSON"):
        main(["--pairs", str(bad), "--out", str(tmp_path / "out.jsonl")])
    bad.write_text(json.dumps({"pair_id": "1", "question": "Wie viele?"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"Zeile 1: kein Frage-Antwort-Paar \(es fehlt paper_id, split, source, answer\)"):
        main(["--pairs", str(bad), "--out", str(tmp_path / "out.jsonl")])
    assert not (tmp_path / "out.jsonl").exists()


def test_people_questions_ask_the_validation_pairs_with_the_numbers_of_their_sentence(tmp_path: Path) -> None:
    answer = "Im Jahr 2023 wurden 42 Anträge gestellt, davon 17 bewilligt. Die Bearbeitung dauert an."
    pairs = [_pair("1", "Wie viele Anträge auf Förderung wurden 2023 gestellt?", answer),
             _pair("2", "Warum nicht?", "Weil es 12 Gründe gibt."), _pair("3", "Wie viele?", answer, split="train")]
    sentence = "Im Jahr 2023 wurden 42 Anträge gestellt, davon 17 bewilligt."
    pairs[1]["answer"] = "Weil es insgesamt 12 Gründe gibt, die dagegen sprechen, sagt die Verwaltung."
    written = [PeopleQuestion("1", "Wie viele Förderanträge gab es 2023?"),
               PeopleQuestion("2", "Warum gibt es 12 Gründe dagegen?"),
               PeopleQuestion("3", "Wie viele Anträge gab es?"), PeopleQuestion("4", None, "keine Frage")]
    rows = people_rows(pairs, written)
    assert [(r["id"], r["question"], r["key_facts"]) for r in rows] == [
        ("people-1", "Wie viele Förderanträge gab es 2023?", ["42", "17"])]
    assert rows[0]["gold_paper_ids"] == [pairs[0]["paper_id"]] and rows[0]["evidence_quote"] == sentence
    source, people, out = tmp_path / "pairs.jsonl", tmp_path / "people.jsonl", tmp_path / "q.jsonl"
    source.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    people.write_text("".join(json.dumps(w.__dict__, ensure_ascii=False) + "\n" for w in written), encoding="utf-8")
    assert main(["--pairs", str(source), "--out", str(out), "--people", str(people), "--unanswerable"]) == 0
    read = read_question_file(out)
    assert not read.problems and [(q.id, q.answerable) for q in read.items] == [("people-1", False)]


def test_people_questions_about_vorlagen_join_with_their_cloze_sentence() -> None:
    from assistant.training.examples import Pair

    sentence = "Für die Sanierung der Turnhalle sind im Haushalt 2025 insgesamt 850.000 Euro eingeplant."
    paper = "https://example.org/oparl/papers/vo/4711"
    cloze = [Pair(f"cloze:{paper}:3", "Wie viel kostet Sanierung Turnhalle?", sentence, paper, frozenset([paper]),
                  "validation", "2024/0815"),
             Pair("cloze:https://example.org/oparl/papers/vo/4712:0", "Wann …?", sentence,
                  "https://example.org/oparl/papers/vo/4712", frozenset(), "train")]
    written = [PeopleQuestion(f"cloze:{paper}:3", "Was kostet die Sanierung der Turnhalle 2025?"),
               PeopleQuestion("cloze:https://example.org/oparl/papers/vo/4712:0", "Wann kommt die Turnhalle?")]
    rows = people_rows([], written, "validation", cloze)
    assert [(r["id"], r["key_facts"], r["gold_paper_ids"], r["gold_refs"]) for r in rows] == [
        ("people-vorlage-4711-3", ["850.000"], [paper], ["2024/0815"])]  # "2025" is named by the question


def test_the_committed_vorlage_questions_read_and_name_their_archive_paper() -> None:
    written = read_questions(Path(__file__).parents[2] / "eval" / "people_vorlagen.jsonl")
    kept = [w for w in written if w.question is not None]
    assert len(written) == 480 and len(kept) >= 460
    assert all(w.pair_id.startswith("cloze:https://web1.karlsruhe.de/oparl/bodies/0001/papers/") for w in written)
    assert len({w.pair_id for w in written}) == len(written)


def test_a_cloze_limit_without_vorlagen_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(tmp_path / "q.jsonl"), "--cloze-limit", "5"])
    assert "--cloze-limit gilt nur mit --vorlagen" in capsys.readouterr().err
