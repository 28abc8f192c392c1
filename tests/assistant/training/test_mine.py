"""The answer-pair miner on real council papers of the evaluation sample (parsing only) and on a tiny
archive copied from it; the train/validation split on real paper JSON.

The evaluation sample is never mined in production (split.py excludes it); its files are used here because
they are the real Stellungnahmen available in CI. The expected texts were checked by reading the files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.layout import clean_lines, is_reference_answer
from assistant.answer.markers import body_lines, find_starts
from assistant.training.mine import Archive, classify_file, main, mine, paper_files
from assistant.training.split import (
    PaperMeta,
    allowed_papers,
    base_reference,
    decide,
    load_meta,
    meta_from_paper,
)
from assistant.training.stellungnahme import AnswerItem, parse_stellungnahme
from ingest.parse.anfrage_questions import split_questions

FURNITURE = ("Recyclingpapier", "Gremien Termin", "Gremium Termin", "Vorlage Nr", "Verantwortlich:",
             "Dienststelle:", "Zuständigkeit", "Ergänzende Erläuterungen", "Seite 2", "– 2 –")


def _karlsruhe(corpus: Path) -> Path:
    return corpus / "karlsruhe"


def _paper(corpus: Path, number: str) -> dict[str, Any]:
    return json.loads((_karlsruhe(corpus) / "papers" / f"{number}.json").read_text(encoding="utf-8"))


def _texts(corpus: Path, number: str) -> dict[str, str]:
    """The paper's files by kind (anfrage / stellungnahme / protokoll), as the miner classifies them."""
    archive = Archive(_karlsruhe(corpus))
    kinds: dict[str, str] = {}
    for file_obj in paper_files(_paper(corpus, number)):
        text = archive.text(str(file_obj["id"]))
        if text and text.strip():
            kinds.setdefault(classify_file(str(file_obj.get("name") or ""), text), text)
    return kinds


def _items(corpus: Path, number: str) -> list[AnswerItem]:
    texts = _texts(corpus, number)
    return parse_stellungnahme(texts["stellungnahme"], split_questions(texts["anfrage"]))


def _no_furniture(items: list[AnswerItem]) -> None:
    for item in items:
        for text in (item.question, item.answer):
            assert not any(word in text for word in FURNITURE), text


# --- parsing real Stellungnahmen ------------------------------------------------------------------------
def test_2025_template_one_pair_per_numbered_question(corpus: Path) -> None:
    # 2025/0159 "Gewalt gegen Obdachlose": five questions repeated with their numbers, each answered below
    items = _items(corpus, "51583")
    assert [item.label for item in items] == ["1", "2", "3", "4", "5"]
    assert items[1].question == ("Gibt es eine statistische Erfassung oder Schätzung zur Anzahl obdachloser "
                                 "Menschen in Karlsruhe? Falls ja, wie hat sich diese Zahl in den letzten "
                                 "Jahren entwickelt?")
    assert items[1].answer == "Die aktuelle Zahl obdachloser Menschen in Karlsruhe beträgt geschätzt 50 Personen."
    assert items[3].answer.endswith("Es hat bereits eine erste Fallbesprechung stattgefunden.")
    assert "Sozial- und Jugendbehörde" in items[3].answer  # "Sozial- und" + line break keeps its hyphen
    _no_furniture(items)


def test_reference_answers_are_flagged(corpus: Path) -> None:
    items = _items(corpus, "51583")
    assert items[4].answer == "Siehe Antwort 3."
    assert [item.is_reference for item in items] == [False, False, False, False, True]
    assert is_reference_answer("Siehe Frage 2.")
    assert is_reference_answer("Nein. Siehe Ziffer 3a und 4.")
    assert not is_reference_answer(items[2].answer)  # a real answer that mentions "(siehe https://...)"


def test_2016_template_page_break_and_sub_questions(corpus: Path) -> None:
    # 2016/0548 "Kombilösung - Kostensteigerungen": letterhead, page-2 header, question 3 with a) and b)
    items = _items(corpus, "35024")
    assert len(items) == 4
    assert items[0].question == "Wann kann voraussichtlich mit den Arbeiten wieder begonnen werden?"
    assert items[0].answer.startswith("Die als zusätzliche Sicherungsmaßnahmen vorgesehenen Rückverankerungen der "
                                      "Südwand werden ausgeführt, sobald die noch erforderlichen Abstimmungen mit "
                                      "der Postgalerie")  # "Post-" / "galerie" joined
    assert items[0].answer.endswith("Nach aktuellem Sachstand soll mit den Arbeiten Mitte Oktober 2016 begonnen werden.")
    # the whole numbered question stays one question, sub-questions included
    assert "a) Förderfähige Zusatzkosten" in items[2].question and "b) Nicht-förderfähige" in items[2].question
    assert items[2].answer == "Siehe Stellungnahme zu Punkt 2." and items[2].is_reference
    assert items[3].answer.startswith("Für die maßgebenden Gewerke")
    _no_furniture(items)


def test_braunschweig_zu_frage_markers(corpus: Path) -> None:
    # an ALLRIS page copy: "Zu Frage 1/2/3" start the answers; the list "1) ... 5)" inside answer 3 does not
    text = (corpus / "braunschweig" / "stellungnahme-25-25182-01.txt").read_text(encoding="utf-8")
    lines = body_lines(text)
    starts = find_starts(lines, [])
    assert [start.keys for start in starts] == [((1, 0),), ((2, 0),), ((3, 0),)]
    assert lines[starts[1].line + 1].startswith("Wie bereits im Ausschuss für Vielfalt und Integration")
    assert "Reduzieren" not in clean_lines(text)


def test_anfrage_and_stellungnahme_files_are_told_apart(corpus: Path) -> None:
    texts = _texts(corpus, "51583")
    assert texts["stellungnahme"].lstrip().startswith("Stellungnahme zur Anfrage")
    assert texts["anfrage"].lstrip().startswith("Anfrage")
    assert set(_texts(corpus, "35024")) == {"anfrage", "stellungnahme", "protokoll"}


# --- the split --------------------------------------------------------------------------------------------
def _copy_papers(corpus: Path, dest: Path, numbers: list[str]) -> Path:
    papers = dest / "papers"
    papers.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        shutil.copy(_karlsruhe(corpus) / "papers" / f"{number}.json", papers / f"{number}.json")
    return papers


def test_split_exclusions_and_families(corpus: Path, tmp_path: Path) -> None:
    # 49756 = 2023/0840/7 (id divisible by 4) and 49757 = 2023/0840/8, another version of the same Drucksache;
    # 41254 = 2021/0167/1 is subordinated to 40846 = 2021/0167; 51583 stands alone
    papers = _copy_papers(corpus, tmp_path, ["49756", "49757", "41254", "40846", "51583"])
    decisions = decide(load_meta(papers), eval_numbers=["40846"])
    assert decisions["49756"].reason == "reserved-id" and decisions["49756"].split is None
    assert decisions["49757"].reason == "family"
    assert decisions["40846"].reason == "eval-sample"
    assert decisions["41254"].reason == "family"  # linked to an evaluation paper
    assert decisions["51583"].reason == "allowed" and decisions["51583"].split in ("train", "validation")
    empty = tmp_path / "no-eval"
    empty.mkdir()
    assert set(allowed_papers(papers, empty)) == {"41254", "40846", "51583"}


def test_links_exclude_in_both_directions(corpus: Path) -> None:
    # 52041 lists 50306 as subordinatedPaper; 50306 itself (not in the sample) has no link back
    child = PaperMeta("50306", "", ())
    parent = meta_from_paper(_paper(corpus, "52041"))
    assert "50306" in parent.links
    metas = {"52041": parent, "50306": child}
    assert decide(metas, ["50306"])["52041"].reason == "family"
    assert decide(metas, ["52041"])["50306"].reason == "family"


def test_versions_of_a_drucksache_share_their_split(corpus: Path) -> None:
    assert base_reference("2025/0891/1") == "2025/0891" == base_reference("2025/0891")
    assert base_reference("DHH/2023/0001/2") == "DHH/2023/0001"
    metas = {n: meta_from_paper(_paper(corpus, n)) for n in ("51377", "51290", "41254", "40846")}
    decisions = decide(metas, [])
    assert decisions["51377"].split == decisions["51290"].split is not None  # 2024/1329/1 and 2024/1329
    assert decisions["41254"].split == decisions["40846"].split is not None


# --- the whole miner on a tiny archive ------------------------------------------------------------------
@pytest.fixture()
def tiny_archive(corpus: Path, tmp_path: Path) -> Path:
    """Two real Anfragen with their files and the meeting that took note of one of them."""
    root = tmp_path / "docs"
    _copy_papers(corpus, root, ["51583", "35024"])
    (root / "file-contents").mkdir()
    for number in ("51583", "35024"):
        for file_obj in paper_files(_paper(corpus, number)):
            name = f"{str(file_obj['id']).rsplit('/', 1)[-1]}.txt"
            source = _karlsruhe(corpus) / "file-contents" / name
            if source.is_file():
                shutil.copy(source, root / "file-contents" / name)
    (root / "meetings").mkdir()
    shutil.copy(_karlsruhe(corpus) / "meetings" / "10046.json", root / "meetings" / "10046.json")
    return root


def test_mine_tiny_archive(tiny_archive: Path, tmp_path: Path) -> None:
    no_eval = tmp_path / "no-eval"
    no_eval.mkdir()
    pairs, summary = mine(tiny_archive, no_eval)
    anfrage = [p for p in pairs if p.source == "anfrage-stellungnahme"]
    assert [p.question_number for p in anfrage] == ["1", "2", "3", "4", "5"]
    assert {p.paper_file for p in pairs} == {"51583"}  # 35024 is divisible by 4: reserved for evaluation
    assert summary.papers["excluded: reserved-id"] == 1
    second = anfrage[1]
    assert second.answer_file_id == "https://web1.karlsruhe.de/oparl/bodies/0001/files/665322"
    assert second.reference == "2025/0159" and second.split in ("train", "validation")
    assert len(second.sibling_answers) == 3  # the other real answers; "Siehe Antwort 3." is no negative
    outcome = [p for p in pairs if p.source == "agenda-outcome"]
    assert len(outcome) == 1 and outcome[0].answer.endswith(": Kenntnisnahme")
    assert outcome[0].question == outcome[0].title


def test_cli_writes_jsonl(tiny_archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    no_eval = tmp_path / "no-eval"
    no_eval.mkdir()
    out = tmp_path / "pairs.jsonl"
    assert main(["--archive", str(tiny_archive), "--eval-sample", str(no_eval), "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6
    assert {"pair_id", "paper_id", "paper_file", "reference", "date", "paper_type", "split", "source", "question",
            "question_number", "answer", "answer_file_id", "is_reference", "sibling_answers", "title"} <= set(records[0])
    assert "anfrage-stellungnahme / " in capsys.readouterr().out
