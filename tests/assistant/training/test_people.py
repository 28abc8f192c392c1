"""Questions worded as people ask them: which sentence a question is written for, which replies are kept, resuming
an interrupted run, and the real local model through the same path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.training.people import (
    SHOTS,
    PeopleQuestion,
    answer_sentence,
    chosen_pairs,
    clean_question,
    local_asker,
    messages,
    people_cloze_pairs,
    people_pairs,
    plain_statement,
    read_questions,
    vorlage_records,
    write_questions,
)


def _pair(pair_id: str, answer: str, split: str = "validation", source: str = "anfrage-stellungnahme") -> dict[str, Any]:
    return {"pair_id": pair_id, "paper_id": f"https://example.org/papers/vo/{pair_id}", "split": split,
            "source": source, "question": "Wie viele Linien fahren künftig durch den Tunnel?", "answer": answer,
            "title": "Stadtbahntunnel"}


TUNNEL = ("Zu Frage 1: Die Verwaltung nimmt wie folgt Stellung. "
          "Bei einer reinen Linienbetrachtung werden im zukünftigen Liniennetz 9 Linien im Tunnel verkehren. "
          "Weitere Linien sind nicht vorgesehen.")


def test_answer_sentence_prefers_the_statement_with_a_figure() -> None:
    assert answer_sentence(TUNNEL) == ("Bei einer reinen Linienbetrachtung werden im zukünftigen Liniennetz 9 Linien "
                                       "im Tunnel verkehren.")
    prose = "Die Verwaltung sieht derzeit keinen Anlass, das bestehende Konzept für die Innenstadt zu ändern."
    assert answer_sentence(prose) == prose
    assert answer_sentence("Wie viele Linien fahren durch den Tunnel künftig genau?") is None
    assert answer_sentence("Siehe Frage 2.") is None


def test_clean_question_keeps_short_questions_and_names_why_others_go() -> None:
    assert clean_question("Wie viele Linien fahren im Tunnel?\nErklärung: …") == (
        "Wie viele Linien fahren im Tunnel?", None)
    assert clean_question("Frage: „Wann öffnet der Tunnel?“") == ("Wann öffnet der Tunnel?", None)
    assert clean_question("Die Linien fahren im Tunnel.") == (None, "keine Frage")
    assert clean_question("Wie viele?") == (None, "zu kurz")
    assert clean_question("Wie " + "sehr " * 25 + "?")[1] == "zu lang"
    assert clean_question("Was ist der Titel des Textes?") == (None, "wiederholt die Vorgabe")
    assert clean_question("Was kostet die neue Stadtbibliothek?") == (None, "wiederholt die Vorgabe")


def test_messages_hold_the_examples_then_the_paper() -> None:
    chat = messages("Stadtbahntunnel", "Es werden 9 Linien im Tunnel verkehren.")
    assert len(chat) == 2 + 2 * len(SHOTS)
    assert chat[-1].content == "Thema: Stadtbahntunnel\nSatz: Es werden 9 Linien im Tunnel verkehren."
    assert chat[2].content == SHOTS[0][2]


def test_a_vorlage_question_is_shown_the_value_to_ask_for() -> None:
    chat = messages("Stadtbahntunnel", "Es werden 9 Linien im Tunnel verkehren.")
    asked = messages("Stadtbahntunnel", "Es werden 9 Linien im Tunnel verkehren.", "9 Linien")
    assert asked[-1].content.endswith("\nAntwort: 9 Linien")
    assert asked[1].content.endswith("\nAntwort: rund 28 Mio. Euro")
    assert "Antwort" not in chat[1].content and "genau nach ihr" in asked[0].content


def test_a_vorlage_question_asks_for_the_value_of_its_sentence() -> None:
    from assistant.training.cloze import asked_value

    assert asked_value("Die derzeitige Kassenanlage im Weiherhofbad wurde im Jahre 1997 installiert.") == "1997"
    assert asked_value("Die Ausschreibungsunterlagen wurden von 12 Firmen angefordert.") == "12 Firmen"
    assert asked_value("Demnach erreichen 57,7 % der Haushalte die nächste Haltestelle zu Fuß.") == "57,7 %"
    assert asked_value("Die Sanierung des Daches kostet nach der Schätzung rund 850.000 Euro.") == "850.000 Euro"
    assert asked_value("Die Verwaltung prüft den Antrag sorgfältig und berichtet dem Ausschuss.") is None


def test_chosen_pairs_are_anfrage_pairs_of_the_split_with_a_statement() -> None:
    pairs = [_pair("1", TUNNEL), _pair("2", TUNNEL, split="train"), _pair("3", TUNNEL, source="agenda-outcome"),
             _pair("4", "Siehe Frage 2."), _pair("5", TUNNEL)]
    assert sorted(p["pair_id"] for p in chosen_pairs(pairs, "validation", 10, seed=0)) == ["1", "5"]
    assert chosen_pairs(pairs, "validation", 1, seed=3) == chosen_pairs(list(reversed(pairs)), "validation", 1, seed=3)


def test_write_questions_resumes_without_asking_twice(tmp_path: Path) -> None:
    out = tmp_path / "people.jsonl"
    replies = iter(["Wie viele Linien fahren im Tunnel?", "Die Linien fahren.", "Wann kommt der Tunnel?"])
    asked: list[str] = []

    def ask(chat: list[Any]) -> str:
        asked.append(chat[-1].content)
        return next(replies)

    first = [_pair("1", TUNNEL), _pair("2", TUNNEL)]
    assert write_questions(first, out, ask) == {"behalten": 1, "keine Frage": 1}
    counts = write_questions([*first, _pair("3", TUNNEL)], out, ask)
    assert counts == {"behalten": 2, "keine Frage": 1}
    assert len(asked) == 3
    rows = read_questions(out)
    assert rows == [PeopleQuestion("1", "Wie viele Linien fahren im Tunnel?"), PeopleQuestion("2", None, "keine Frage"),
                    PeopleQuestion("3", "Wann kommt der Tunnel?")]
    assert "Bei einer reinen Linienbetrachtung" in asked[0]


def test_people_pairs_ask_for_the_sentence_in_the_mined_pairs_paper() -> None:
    record = {**_pair("1", TUNNEL), "family": ["https://example.org/papers/vo/9"], "reference": "2019/0042"}
    written = [PeopleQuestion("1", "Wie viele Linien fahren im Tunnel?"), PeopleQuestion("2", None, "keine Frage"),
               PeopleQuestion("3", "Wann kommt der Tunnel?")]
    pairs = people_pairs([record, _pair("2", TUNNEL), _pair("3", "Siehe Frage 2.")], written)
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair.pair_id, pair.question, pair.split, pair.reference) == (
        "people:1", "Wie viele Linien fahren im Tunnel?", "validation", "2019/0042")
    assert pair.answer == answer_sentence(TUNNEL)
    assert pair.family == {record["paper_id"], "https://example.org/papers/vo/9"}


def test_vorlage_questions_ask_for_their_cloze_sentence_one_per_paper() -> None:
    from assistant.training.examples import Pair

    sentence = "Die Sanierung des Daches kostet nach der Schätzung rund 850.000 Euro."
    cloze = [Pair(f"cloze:vo/{k}:{j}", "Wie viel kostet Sanierung Stadtbahntunnels?", sentence, f"vo/{k}",
                  frozenset([f"vo/{k}"]), split, "2021/0007")
             for k, split in enumerate(["validation", "train"] * 3) for j in range(2)]
    records = vorlage_records(cloze, {"vo/0": "Stadtbahntunnel"}, "validation", 5, seed=0)
    assert len(records) == 3 and {r["pair_id"].rsplit(":", 1)[0] for r in records} == {"cloze:vo/0", "cloze:vo/2",
                                                                                       "cloze:vo/4"}
    assert vorlage_records(list(reversed(cloze)), {}, "validation", 2, seed=0) == \
        vorlage_records(cloze, {}, "validation", 2, seed=0)  # the sample does not depend on the order
    assert all(r["answer"] == sentence and r["title"] == ("Stadtbahntunnel" if r["pair_id"].startswith("cloze:vo/0:")
                                                          else "") and r["value"] == "850.000 Euro" for r in records)
    again = vorlage_records(cloze, {}, "validation", 5, seed=0, asked={r["pair_id"] for r in records})
    assert len(again) == 3 and not {r["pair_id"] for r in again} & {r["pair_id"] for r in records}  # the other ones
    written = [PeopleQuestion("cloze:vo/0:0", "Was kostet die Tunnelsanierung?"), PeopleQuestion("cloze:vo/1:0", None,
               "keine Frage"), PeopleQuestion("1", "Wie viele Linien fahren im Tunnel?")]
    pairs = people_cloze_pairs(cloze, written)
    assert [(p.pair_id, p.question, p.answer, p.paper_id, p.split) for p in pairs] == [
        ("people:cloze:vo/0:0", "Was kostet die Tunnelsanierung?", sentence, "vo/0", "validation")]
    assert answer_sentence(sentence) == sentence  # the model gets the cloze sentence itself


def test_vorlage_questions_are_written_for_plain_statements_only() -> None:
    assert plain_statement("Die derzeitige Kassenanlage im Weiherhofbad wurde im Jahre 1997 installiert.")
    # the words of a debate
    assert not plain_statement("Wir finanzieren so eine Kita-Gemeinschaft, wir bekommen 2 Zuschüsse nicht.")
    assert not plain_statement("Meine Fraktion hat Vorschläge gemacht, und das schon seit 10, 15, 20 Jahren.")
    assert not plain_statement("In Durlach wurden 2 weitere Standortvorschläge als geeignet eingestuft:")  # a list
    assert not plain_statement("3.4 Anträge auf Nachfinanzierung werden grundsätzlich nicht berücksichtigt.")
    assert not plain_statement("Gruppen mit 5 und mehr Schülern 30 45 60 keine Begrenzung 247,20 € 370,80 €")
    assert not plain_statement("– 2 – Es werden zusätzliche Wohnflächen auf 300 m² geschaffen.")


def test_vorlage_questions_need_the_training_index_of_a_work_folder(tmp_path: Path) -> None:
    from assistant.training.people import work_cloze

    with pytest.raises(SystemExit, match=r"index: kein Trainingsindex"):
        work_cloze(tmp_path)


def test_read_questions_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text(json.dumps({"pair_id": "1", "sentence": "…"}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"people\.jsonl, Zeile 1"):
        read_questions(path)


@pytest.mark.slow
def test_the_local_model_writes_through_the_same_path(tmp_path: Path, smollm2_path: Path) -> None:
    out = tmp_path / "people.jsonl"
    counts = write_questions([_pair("1", TUNNEL), _pair("2", TUNNEL)], out, local_asker(smollm2_path, threads=2))
    assert sum(counts.values()) == 2
    rows = read_questions(out)
    assert all((r.question is None) != (r.rejected is None) for r in rows)
