"""Composing an answer from given sentence probabilities: the best sentence first, supporting passages only above
the passage threshold, a passage ends at a restated question, an announced list comes whole."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.answer.compose import compose, paper_list
from assistant.answer.features import units_of
from assistant.answer.query import IdfLookup, read_query
from assistant.answer.reader import Reading
from assistant.question import Question
from assistant.types import ChunkMeta, Hit

KOFFER = (
    "1. Wie oft wurde der Koffer seit seiner Einführung ausgeliehen?\n\n"
    "Seitens des Kinderbüros wurde der Koffer seit seiner Einführung 15-mal verliehen. "
    "Die Nachfrage ist eher als rückläufig zu betrachten.\n"
    "2. Welche Arten von Einrichtungen leihen den Koffer hauptsächlich aus?\n\n"
    "Zu den ausleihenden Einrichtungen zählen beispielsweise Grundschulen und Kindertagesstätten."
)
BAD = "Die Sanierung der Turnhalle in Grötzingen kostet nach aktueller Schätzung rund 2,4 Millionen Euro."
LISTING = (
    "Folgende Schritte sind vorgesehen:\n- Bestandsaufnahme der Standorte\n- Befragung der Eltern\n"
    "- Auswertung im Ausschuss\n\nDer Zeitplan wird im Herbst vorgelegt."
)


def _hit(chunk: str, doc: str, text: str, ref: str) -> Hit:
    return Hit(chunk_id=chunk, doc_id=doc, text=text, score=1.0,
               meta=ChunkMeta.of({"reference": ref, "title": f"Vorlage {ref}", "file_name": "Stellungnahme", "file_id": f"f-{chunk}"}))


def _reading(hits: list[Hit], probs: dict[str, float]) -> Reading:
    units = units_of(hits)
    return Reading(units, np.array([probs.get(u.text[:20], 0.01) for u in units], dtype=np.float32), 0.9)


def test_best_sentence_first_and_no_unrelated_paper_below_the_threshold() -> None:
    hits = [_hit("c1", "d1", KOFFER, "2026/0503"), _hit("c2", "d2", BAD, "2024/0001")]
    reading = _reading(hits, {"Seitens des Kinderbü": 0.9, "Die Nachfrage ist eh": 0.3, "Die Sanierung der Tu": 0.2})
    query = read_query(Question.of("Wie oft wurde der Koffer verliehen?"), IdfLookup(None))
    extract = compose(query, hits, reading, passage=0.4)
    first = extract.text.splitlines()[0]
    assert first.startswith("- Seitens des Kinderbüros") and "rückläufig" in first  # its passage reads on
    assert "Turnhalle" not in extract.text and [c.reference for c in extract.citations] == ["2026/0503"]
    assert "Welche Arten" not in extract.text  # the next restated question ends the passage
    wider = compose(query, hits, reading, passage=0.1)
    assert "Turnhalle" in wider.text and len(wider.citations) == 2


def test_an_announced_list_comes_whole() -> None:
    hits = [_hit("c1", "d1", LISTING, "2025/0100")]
    reading = _reading(hits, {"Folgende Schritte si": 0.9})
    query = read_query(Question.of("Welche Schritte sind vorgesehen?"), IdfLookup(None))
    text = compose(query, hits, reading, passage=0.5).text
    for item in ("Bestandsaufnahme", "Befragung der Eltern", "Auswertung im Ausschuss"):
        assert item in text
    assert "Zeitplan" not in text  # the list ended; the next sentence is held irrelevant


def test_paper_list_has_one_line_per_paper_above_the_threshold() -> None:
    hits = [_hit("c1", "d1", KOFFER, "2026/0503"), _hit("c2", "d2", BAD, "2024/0001")]
    reading = _reading(hits, {"Seitens des Kinderbü": 0.9, "Die Sanierung der Tu": 0.6})
    assert len(paper_list(hits, reading, passage=0.5).citations) == 2
    assert len(paper_list(hits, reading, passage=0.7).citations) == 1


COSTS = (
    "Der Verein vertritt die Interessen der Kommunen bei der Digitalisierung. "
    "Die Stadt arbeitet seit Jahren in mehreren Gremien mit.\n\n"
    "Eine Rückmeldung der Landesebene steht noch aus. Offene Fragen werden im Ausschuss beraten. "
    "Zur weiteren Abstimmung ist ein Termin geplant.\n\n"
    "Für die Mitgliedschaft fällt ein jährlicher Beitrag in Höhe von 8.000 Euro an."
)


def test_a_value_question_gets_the_sentence_with_the_value_from_an_admitted_paper_only() -> None:
    """The best sentence does not carry the amount asked for: the most probable sentence of the same paper that
    carries one joins the answer; a paper below the passage threshold never fills it."""
    hits = [_hit("c1", "d1", COSTS, "2026/0100"), _hit("c2", "d2", BAD, "2024/0001")]
    probs = {"Der Verein vertritt ": 0.9, "Die Sanierung der Tu": 0.3, "Für die Mitgliedscha": 0.05}
    query = read_query(Question.of("Wie viel kostet die Mitgliedschaft im Verein jährlich?"), IdfLookup(None))
    text = compose(query, hits, _reading(hits, probs), passage=0.4).text
    assert text.startswith("- Der Verein vertritt") and "8.000 Euro" in text and "Turnhalle" not in text
    # without the amount in the admitted paper, no other paper's amount stands in for it
    without = [_hit("c1", "d1", COSTS.rsplit("\n\n", 1)[0], "2026/0100"), hits[1]]
    text = compose(query, without, _reading(without, probs), passage=0.4).text
    assert "Turnhalle" not in text and "Euro" not in text
    # a question that asks for no value gets no filler
    plain = read_query(Question.of("Was macht der Verein?"), IdfLookup(None))
    assert "8.000" not in compose(plain, hits, _reading(hits, probs), passage=0.4).text


def test_no_supporting_passage_from_another_council() -> None:
    def at(chunk: str, doc: str, text: str, ref: str, body: str) -> Hit:
        return replace(_hit(chunk, doc, text, ref), meta=replace(_hit(chunk, doc, text, ref).meta, body=body))

    probs = {"Seitens des Kinderbü": 0.9, "Die Sanierung der Tu": 0.6}
    query = read_query(Question.of("Wie oft wurde der Koffer verliehen?"), IdfLookup(None))
    same = [at("c1", "d1", KOFFER, "2026/0503", "Karlsruhe"), at("c2", "d2", BAD, "2024/0001", "Karlsruhe")]
    assert "Turnhalle" in compose(query, same, _reading(same, probs), passage=0.4).text
    other = [at("c1", "d1", KOFFER, "2026/0503", "Karlsruhe"), at("c2", "d2", BAD, "25-10000", "Braunschweig")]
    extract = compose(query, other, _reading(other, probs), passage=0.4)
    assert "Turnhalle" not in extract.text and [c.reference for c in extract.citations] == ["2026/0503"]


BUNTSTADT = (
    "Wie bereits oben beschrieben werden zunächst Expert:innen befragt, um die Handlungsfelder zu erfassen. "
    "Der Auftakt für den Beteiligungsprozess der breiten Öffentlichkeit erfolgt im Rahmen der Buntstadtkonferenz am "
    "15. März 2025. Die Auswertung der Interviews soll bis Ende der Sommerferien 2025 abgeschlossen sein.\n\n"
    "Zur Anfrage der Gruppe Die FRAKTION.BS vom 4. Februar 2025 [DS 25-25182] nimmt die Verwaltung wie folgt "
    "Stellung:"  # what it announces stands in the next chunk
)


def test_the_answer_starts_with_the_sentence_that_answers_and_drops_an_empty_lead_in() -> None:
    hits = [_hit("c1", "d1", BUNTSTADT, "25-25182-01")]
    reading = _reading(hits, {"Der Auftakt für den ": 0.9, "Wie bereits oben bes": 0.5, "Zur Anfrage der Grup": 0.4})
    query = read_query(Question.of("Wann findet die Buntstadtkonferenz statt?"), IdfLookup(None))
    lines = compose(query, hits, reading, passage=0.3).text.splitlines()
    assert lines[0].startswith("- Der Auftakt") and "Sommerferien" in lines[0]  # its passage reads on
    assert lines[1].startswith("- Wie bereits oben")  # the context before it follows
    assert not any("wie folgt Stellung" in line for line in lines)  # announces what the answer does not show
