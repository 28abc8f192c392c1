"""Extractive answers without an index: sentence choice, refusal signals, follow-up rewriting.

The passages are short excerpts of real Karlsruhe council documents (Stellungnahmen, Anfragen,
the synthetic overview chunk); idf weights are uniform (no index), so only the scoring rules act.
"""

from __future__ import annotations

from typing import Any

from assistant.answer.citations import split_sentences
from assistant.answer.query import IdfLookup
from assistant.answer.rules import (
    answer_confidence,
    extractive_answer,
    missing_years,
    score_sentences,
    topic_coverage,
)
from assistant.question import Question
from assistant.types import ChunkMeta, Hit
from ingest.language import is_form_like, is_letterhead, is_question_like

IDF = IdfLookup(None)
Q = Question.of

KOFFER_META = {"title": "Karlsruher RegenbogenKinderBücherKoffer", "reference": "2026/0503", "paper_type": "Anfrage",
               "file_name": "Stellungnahme Anfrage", "date": "2026-06-23", "file_id": "f1"}
KOFFER = (
    "1. Wie oft wurde der RegenbogenKinderBücherKoffer (Kita- und Grundschulversion) seit seiner\n"
    "Einführung im Juni 2023 insgesamt ausgeliehen und wie hat sich die Nachfrage seither\nentwickelt?\n"
    "In Karlsruhe können die RegenbogenKinderBücherKoffer kostenfrei für einen Zeitraum von vier bis\n"
    "sechs Wochen ausgeliehen werden. Die Ausleihe ist möglich über das städtische Kinderbüro, die\n"
    "Initiative Regenbogenfamilien Karlsruhe (ilse*) sowie die Kinder- und Jugendbibliothek.\n"
    "Seitens des Kinderbüros wurde der Koffer seit seiner Einführung 15-mal verliehen. Die Nachfrage ist\n"
    "eher als rückläufig zu betrachten."
)
LETTERHEAD = (
    "Anfrage Gedruckt auf 100 Prozent Recyclingpapier Vorlage Nr.: 2026/0503 Eingang: 23.06.2026 Karlsruher "
    "RegenbogenKinderBücherKoffer Anfrage: GRÜNE Gremien Termin TOP Ö / N Zuständigkeit Gemeinderat 28.07.2026 47 Ö "
    "Kenntnisnahme\n\nMit der Anfrage möchten wir uns ein umfassendes Bild über Nachfrage und Nutzung der Koffer "
    "machen und prüfen, wie das Potenzial des Angebots gehoben werden kann."
)


def hit(text: str, doc: str = "d1", chunk: str = "c1", **meta: Any) -> Hit:
    return Hit(chunk_id=chunk, doc_id=doc, text=text, score=1.0, meta=ChunkMeta.of({**KOFFER_META, **meta}))


def test_answer_after_a_restated_question_is_chosen_and_the_question_is_not() -> None:
    question = "Wie oft hat das Kinderbüro den Bücherkoffer verliehen, und wie entwickelt sich die Nachfrage?"
    text, sentences, citations, *_ = extractive_answer(Q(question), [hit(KOFFER)], IDF)
    assert "15-mal verliehen" in text
    assert "rückläufig" in text  # the short follow-up sentence inherits its neighbour's score
    assert not any(s.text.endswith("?") for s in sentences)
    assert [c.n for c in citations] == [1] and all(s.citations == (1,) for s in sentences)


def test_statement_beats_letterhead_and_the_request_text() -> None:
    question = "Wie oft wurde der Bücherkoffer des Kinderbüros verliehen?"
    hits = [hit(LETTERHEAD, chunk="a", file_name="Anfrage"), hit(KOFFER, chunk="s")]
    best = score_sentences(Q(question), hits, IDF)[0]
    assert best.sentence.startswith("Seitens des Kinderbüros wurde der Koffer")
    assert is_form_like(LETTERHEAD.split("\n\n")[0])
    assert not is_form_like(best.sentence)


def test_a_letterheads_numbers_do_not_answer_a_count() -> None:
    """A paper's head holds "100 Prozent Recyclingpapier" and a session date; for "Wie viele …?" it was
    exempt from the form penalty like a table row with amounts, and led answers (2026/0355 on the archive)."""
    head = ("Stellungnahme zur Anfrage Gedruckt auf 100 Prozent Recyclingpapier Vorlage Nr.: 2026/0355 Verantwortlich: "
            "Dez. 2 Dienststelle: Ordnungs- und Bürgeramt Einbürgerungen in Karlsruhe Anfrage: AfD Gremien Termin TOP "
            "Ö / N Zuständigkeit Gemeinderat 23.06.2026 35 Ö Kenntnisnahme")
    statement = "Im Jahr 2023 wurden 834 Anträge auf Einbürgerung in Karlsruhe gestellt."
    question = "Wie viele Menschen haben 2023 in Karlsruhe die Einbürgerung beantragt?"
    ranked = score_sentences(Q(question), [hit(head + "\n\n" + statement, file_name="Stellungnahme Anfrage")], IDF)
    assert ranked[0].sentence == statement
    by_text = {c.sentence: c.score for c in ranked}
    assert by_text[head] < 0.5 * by_text[statement]
    assert is_letterhead(head) and is_letterhead(LETTERHEAD.split("\n\n")[0])
    # a form row of the financial effects still answers "Was kostet …?"
    assert not is_letterhead("Gesamtkosten: 8.000 € THH IT Jährliche/r Budgetbedarf/Folgekosten: 8.000 € Gesamteinzahlung:")
    # for an outcome question, the title run into the consultation table's header is no answer either
    table = "Zukunftsfähiges Plätzekonzept für den Christkindlesmarkt Ergänzungsantrag: FDP/FW Gremien Termin TOP Ö / N Zuständigkeit"
    said = "Der Gemeinderat hat das Plätzekonzept für den Christkindlesmarkt mehrheitlich abgelehnt."
    ranked = score_sentences(Q("Hat der Gemeinderat dem Plätzekonzept für den Christkindlesmarkt zugestimmt?"),
                             [hit(table + "\n\n" + said, file_name="Antrag")], IDF)
    score = {c.sentence: c.score for c in ranked}
    assert is_letterhead(table) and score[table] < 0.25 * score[said]  # below the answer's cut-off share


def test_an_agenda_heading_of_minutes_is_no_answer() -> None:
    """"Punkt 2 der Tagesordnung: Oberwaldbad" names the item; the statements about it answer."""
    minutes = ("Punkt 2 der Tagesordnung: Oberwaldbad Eigentümer und Betreiber\n\n"
               "Der Eigentümer des Oberwaldbades Wohnstift Karlsruhe e. V. und der Betreiber PSK Südstadt haben "
               "eine Regelung für die nächsten 10 Jahre getroffen.")
    ranked = score_sentences(Q("Wer ist Eigentümer und Betreiber des Oberwaldbades?"), [hit(minutes, file_name="Niederschrift")], IDF)
    assert ranked[0].sentence.startswith("Der Eigentümer des Oberwaldbades")
    assert ranked[-1].sentence.startswith("Punkt 2 der Tagesordnung") and ranked[-1].score < 0.2 * ranked[0].score


def test_question_like_sentences() -> None:
    assert is_question_like("1. Wie oft wurde der Koffer ausgeliehen?")
    assert is_question_like("2. welche konkreten Schritte die Stadtwerke Karlsruhe unternehmen können.")
    assert is_question_like("Einführung der E-Akte in den Dienststellen", section="Einführung der E-Akte in den Dienststellen")
    assert not is_question_like("Die Nachfrage ist eher als rückläufig zu betrachten.")


def test_abbreviations_do_not_split_a_sentence() -> None:
    text = ("Das digitale Dokumentenmanagementsystem enaio OS|ECM (Fa. Optimal Systems) stellt die zentrale Plattform dar. "
            "Die Vergabe erfolgt an die Firma as mediendesign Inh. Andrea Sindermann e.K., Berlin.")
    parts = split_sentences(text)
    assert len(parts) == 2 and "Optimal Systems" in parts[0] and "Sindermann" in parts[1]


def test_a_date_at_the_start_of_a_line_is_no_numbered_item() -> None:
    # the PDF line wraps before the date; "17. Juli 2023." is the end of the sentence, not item 17
    text = ("1. Wann gehen die Arbeiten am Bolzplatz weiter?\n\nGeplanter Beginn der Montage der Zaunpfosten ist am\n"
            "17. Juli 2023.\n2. Was ist der Grund?")
    assert split_sentences(text) == ["1. Wann gehen die Arbeiten am Bolzplatz weiter?",
                                     "Geplanter Beginn der Montage der Zaunpfosten ist am 17. Juli 2023.",
                                     "2. Was ist der Grund?"]


def test_a_lead_in_without_a_figure_announces_nothing() -> None:
    from ingest.language import announces_nothing

    assert announces_nothing("Zur Anfrage der Gruppe Die FRAKTION.BS vom 4. Februar 2025 [DS 25-25182] nimmt die "
                             "Verwaltung wie folgt Stellung:")
    assert not announces_nothing("Die Stadt führt Energieliefer-Contracting in 14 Liegenschaften durch:")
    assert not announces_nothing("In den Jahren 1993 - 2004 waren Einsparungen in Höhe von 5.530.700 Euro erfolgt:")
    assert not announces_nothing("Die Stadt hat 14 Liegenschaften.")


def test_the_rules_start_with_the_sentence_that_gives_the_asked_value() -> None:
    text = ("Wie bereits oben beschrieben werden zunächst Expert:innen zur Buntstadtkonferenz befragt, um die "
            "Handlungsfelder zu erfassen. Der Auftakt für den Beteiligungsprozess erfolgt im Rahmen der "
            "Buntstadtkonferenz am 15. März 2025.\n\nZur Anfrage vom 4. Februar 2025 [DS 25-25182] nimmt die "
            "Verwaltung zur Buntstadtkonferenz wie folgt Stellung:")
    answer = extractive_answer(Q("Wann findet die Buntstadtkonferenz statt?"), [hit(text, title="Buntstadtkonferenz")],
                               IDF).text
    assert answer.startswith("- Der Auftakt") and "Wie bereits oben" in answer
    assert "wie folgt Stellung" not in answer


def test_a_restated_question_ends_before_the_number_that_answers_it() -> None:
    text = "3. Wie hoch ist die Anzahl der noch nicht bearbeiteten Anträge? 1.727 offene Anträge auf Einbürgerung. Nr. 5 folgt."
    assert split_sentences(text) == ["3. Wie hoch ist die Anzahl der noch nicht bearbeiteten Anträge?",
                                     "1.727 offene Anträge auf Einbürgerung.", "Nr. 5 folgt."]


def test_amount_question_prefers_the_sentence_with_the_amount() -> None:
    text = ("Das Projekt wurde vom Kulturamt gefördert und im Jahresbericht beschrieben. "
            "Der Bericht 2024 des Kulturamtes weist für das Projekt einen Förderbetrag von 15.993,00 € aus.")
    question = "Mit welchem Betrag wurde das Projekt laut Kulturamt gefördert?"
    best = score_sentences(Q(question), [hit(text, title="Kunstinstallation")], IDF)[0]
    assert "15.993,00 €" in best.sentence


def test_outcome_question_quotes_the_consultation_result() -> None:
    overview = (
        "Günstiger wohnen durch Mietspiegel-Informationen\nAntrag, Drucksache DHH/2025/1202\nDatum: 2025-11-24\n"
        "Beratung: Gemeinderat - Beratungen zum DHH, Antragsliste DHH 2026/2027, am 2025-12-16, TOP 39, "
        "Rolle: Entscheidung, Ergebnis: mehrheitlich beschlossen\nDokumente: Antrag Volt"
    )
    statement = "Zur Veröffentlichung des Mietspiegels wird ein Infoblatt erstellt und bei Anmeldungen beigefügt."
    hits = [hit(statement, chunk="s", title="Günstiger wohnen durch Mietspiegel-Informationen"),
            hit(overview, chunk="o", file_id="overview", file_name="Übersicht",
                title="Günstiger wohnen durch Mietspiegel-Informationen")]
    result = extractive_answer(Q("Wie ist der Antrag zu Mietspiegel-Informationen im Gemeinderat ausgegangen?"), hits, IDF)
    # the question asks what became of it: the decision comes first, compact, with the paper's reference
    assert result.text.startswith("- Beratungsergebnis (2026/0503): Gemeinderat - Beratungen zum DHH, Antragsliste DHH "
                                  "2026/2027, am 2025-12-16, TOP 39: mehrheitlich beschlossen [")
    cited = {c.n: c for c in result.citations}[result.sentences[0].citations[0]]
    assert cited.quote.startswith("Beratung: Gemeinderat - Beratungen zum DHH")  # the card quotes the source line
    # any other question about the paper: the decision closes the answer as its status
    other = extractive_answer(Q("Was wird zur Veröffentlichung des Mietspiegels bei Anmeldungen erstellt?"), hits, IDF)
    assert "Infoblatt" in other.text.splitlines()[0] and "mehrheitlich beschlossen" in other.text.splitlines()[-1]
    # taking note is no decision
    noted = [hits[0], hit(overview.replace("mehrheitlich beschlossen", "Kenntnisnahme"), chunk="o", file_id="overview",
                          title="Günstiger wohnen durch Mietspiegel-Informationen")]
    assert "Beratungsergebnis" not in extractive_answer(Q("Was wird bei Anmeldungen erstellt?"), noted, IDF).text


def test_list_question_names_each_paper() -> None:
    hits = [hit("Die Turmbergbahn soll bis zur Bergwaldstraße verlängert werden.", doc="a", chunk="a",
                reference="2024/0919", title="Verlängerung der Turmbergbahn", paper_type="Beschlussvorlage"),
            hit("Für die Turmbergbahn läuft das Planfeststellungsverfahren.", doc="b", chunk="b",
                reference="2023/0123", title="Turmbergbahn Sachstand", paper_type="Informationsvorlage")]
    text, sentences, citations, *_ = extractive_answer(Q("Welche Vorlagen gab es zur Turmbergbahn?"), hits, IDF)
    assert "2024/0919" in text and "2023/0123" in text and "Planfeststellungsverfahren" in text
    assert len(sentences) == 2 and [c.n for c in citations] == [1, 2]


def test_confidence_is_low_when_the_asked_detail_is_missing() -> None:
    hits = [hit(KOFFER)]
    covered = answer_confidence(Q("Wie oft wurde der Bücherkoffer vom Kinderbüro verliehen?"), hits, hits, IDF)
    missing = answer_confidence(Q("Wie hoch ist der Grundsteuer-Hebesatz der Stadt Mannheim?"), hits, hits, IDF)
    assert covered > 0.6 > 0.2 > missing


def test_missing_years() -> None:
    answer = "- Seitens des Kinderbüros wurde der Koffer seit 2023 15-mal verliehen. [1]"
    assert missing_years(Q("Wie oft wurde der Koffer 2028 verliehen?"), answer) == {"2028"}
    assert missing_years(Q("Wie oft wurde der Koffer seit 2023 verliehen?"), answer) == set()
    assert missing_years(Q("Was steht in Drucksache 2024/0919?"), answer) == set()  # a Drucksache number is no year
    # nor is a budget pair: the Doppelhaushalt 2024/2025 was deliberated in 2023
    assert missing_years(Q("Warum lehnt die Verwaltung das Gießfahrzeug im Haushalt 2024/2025 ab?"), answer) == set()
    # "seit 2019" starts the period asked about: "in oben genanntem Zeitraum" answers it
    assert missing_years(Q("Wie viele Anträge gab es seit 2019?"), "- Es waren ca. 40 Anträge in diesem Zeitraum. [1]") == set()
    assert missing_years(Q("Wie viele Anträge gab es seit März 2019?"), "- ca. 40 Anträge [1]") == set()
    # a point in time is shown by the date of a cited paper of that year, a whole year is not
    state = "- Das Konzept wurde in mehrere Phasen eingeteilt. [1]"
    assert missing_years(Q("Welchen Stand hatte das Konzept im Herbst 2023?"), state, ["2023-10-17"]) == set()
    assert missing_years(Q("Welchen Stand hatte das Konzept im Herbst 2023?"), state, ["2025-01-10"]) == {"2023"}
    assert missing_years(Q("Wie viele Wohnungen wurden im Jahr 2025 fertig?"), state, ["2025-03-01"]) == {"2025"}


def test_a_followup_whose_own_words_are_nowhere_in_the_found_text_is_refused() -> None:
    """the earlier question found the Turmbergbahn papers; "in Betrieb gehen" is in none of them."""
    from types import SimpleNamespace

    from assistant.service import Assistant

    found = [Hit(chunk_id="c", doc_id="d", score=1.0, meta=ChunkMeta.of({"title": "Turmbergbahn"}),
                 text="Das Planfeststellungsverfahren ist noch nicht abgeschlossen. Die VBK erwarten den Beschluss.")]
    fake = SimpleNamespace(idf=IDF)
    assert Assistant.followup_uncovered(fake, Q("Und wann soll die verlängerte Bahn dann in Betrieb gehen?"), found, found)
    opened = [Hit(chunk_id="c2", doc_id="d", score=1.0, meta=ChunkMeta.of({"title": "Turmbergbahn"}),
                  text="Die verlängerte Bahn soll im Jahr 2028 in Betrieb gehen.")]
    assert not Assistant.followup_uncovered(fake, Q("Und wann soll die verlängerte Bahn dann in Betrieb gehen?"),
                                             opened, opened)
    # nothing of its own to check: "Und was ist im Gemeinderat daraus geworden?" is left to the other checks
    assert "geworden" not in Q("Und was ist im Gemeinderat daraus geworden?").own_words
    assert not Assistant.followup_uncovered(fake, Q("Und was ist im Gemeinderat daraus geworden?"), found, found)


def test_a_followup_is_answered_for_what_it_asks_itself() -> None:
    """The rewrite carries the earlier question ("Wie viele Besucher …?"); the follow-up asks who runs the
    theatre: numbers get no bonus and its own words count more."""
    hit = Hit(chunk_id="c", doc_id="d", score=1.0, meta=ChunkMeta.of({"title": "Staatstheater"}),
              text="Das Theater hatte im Jahr 2024 rund 250.000 Besucher. Die Auslastung lag bei 80 Prozent. "
                   "Träger des Theaters ist das Land Baden-Württemberg.")
    rewritten = "Wie viele Besucher hat das Theater? Und wer ist Träger des Theaters?"
    assert score_sentences(Q(rewritten), [hit], IDF)[0].sentence.startswith("Das Theater hatte")
    followup = Question.read("Und wer ist Träger des Theaters?", [("Wie viele Besucher hat das Theater?", "")])
    assert followup.text == rewritten
    best = score_sentences(followup, [hit], IDF)
    assert best[0].sentence.startswith("Träger des Theaters")


# --- the asked kind of value ("slot") ------------------------------------------------------------
LIVESTREAM = (
    "Die Verwaltung plant, die öffentlichen Sitzungen des Gemeinderates ab 2026 live zu übertragen. "
    "Die Übertragung übernimmt eine externe Agentur, die die Technik im Bürgersaal betreibt. "
    "Hierfür werden jährliche Kosten in Höhe von ca. 20.000 Euro sowie einmalige Investitionskosten "
    "in Höhe von ca. 5.000 Euro bereitgestellt."
)


def test_fills_slot_ignores_years_dates_paragraphs_and_paper_numbers() -> None:
    from assistant.answer.rules import fills_slot

    assert not fills_slot("count", "Nach § 53 JWMG gilt dies seit dem 1. April 2024 (Vorlage Nr. 2024/0123).")
    assert fills_slot("count", "In Grötzingen befinden sich insgesamt 24 Stationen.")
    assert fills_slot("money", "Die Kosten betragen 20.000 Euro im Jahr.")
    assert not fills_slot("money", "Die Kosten werden im Jahr 2026 geprüft.")
    assert fills_slot("amount", "Der Anteil liegt bei 17,5 %.")
    assert fills_slot("company", "Den Auftrag erhält die Firma Oettinger GmbH, Malsch.")
    assert not fills_slot("company", "Den Auftrag erhält eine externe Agentur.")


def test_asked_amount_joins_the_answer_even_below_the_best_sentences() -> None:
    question = "Mit welchen Kosten rechnet die Verwaltung für die Live-Übertragung der Gemeinderatssitzungen?"
    result = extractive_answer(Q(question), [hit(LIVESTREAM, title="Live-Übertragung Gemeinderat")], IDF, max_sentences=1)
    assert "20.000 Euro" in result.text  # one sentence allowed: the slot filler still gets in, after the best one


def _slot_answered(question: str, hits: list[Hit]) -> bool:
    """Whether a sentence among the best candidates gives a value that a part of the question asks for."""
    from assistant.answer.rules.extract import SLOT_WINDOW
    from assistant.answer.rules.scoring import score_sentences
    from assistant.answer.rules.slots import answers_slot

    asked = Q(question)
    candidates = score_sentences(asked, hits, IDF)[:SLOT_WINDOW]
    return any(answers_slot(slot.kind, c, set(asked.own_years), slot.noun)
               for slot in asked.slots if slot.kind for c in candidates)


def test_a_sentence_without_the_asked_value_does_not_answer_its_slot() -> None:
    livestream = [hit(LIVESTREAM, title="Live-Übertragung Gemeinderat")]
    assert _slot_answered("Mit welchen Kosten rechnet die Verwaltung für die Live-Übertragung?", livestream)
    # "eine externe Agentur" names none
    assert not _slot_answered("Welche Agentur wurde mit der Live-Übertragung der Gemeinderatssitzungen beauftragt?",
                              livestream)
    old = [hit("Die Ortsverwaltung hat im Jahr 2024 insgesamt 70.000 Beutel ausgegeben.", title="Hundekotbeutel")]
    assert not _slot_answered("Wie viele Beutel hat die Ortsverwaltung im Jahr 2025 ausgegeben?", old)  # not 2024


def test_each_asked_value_of_a_two_part_question_is_looked_for() -> None:
    plan = hit("Der Energieleitplan wurde vom Gemeinderat am 28. November 2023 beschlossen. Er wird nun um ein "
               "Kapitel zu Wärmepumpen ergänzt.", title="Energieleitplan")
    both = "Wann hat der Gemeinderat den Energieleitplan beschlossen, und welches Büro ergänzt ihn?"
    assert _slot_answered(both, [plan])  # the date is there, the office is not named
    # a follow-up that starts with its second part has an empty first part: no error, the date is checked
    assert _slot_answered(" und wann wurde der Energieleitplan beschlossen?", [plan])
    only_office = "Welches Büro ergänzt den Energieleitplan?"
    assert not _slot_answered(only_office, [plan])


def test_best_sentence_brings_the_next_sentence_of_its_passage() -> None:
    question = "Wie oft hat das Kinderbüro den Bücherkoffer verliehen?"
    alone = extractive_answer(Q(question), [hit(KOFFER)], IDF, max_sentences=1, follow=0)
    passage = extractive_answer(Q(question), [hit(KOFFER)], IDF, max_sentences=1)
    assert "15-mal" in alone.text and "rückläufig" not in alone.text
    # the next sentence reads on in the same line, each sentence with its own marker
    assert "15-mal verliehen. [1] Die Nachfrage ist eher als rückläufig zu betrachten. [1]" in passage.text
    assert passage.text.count("\n") == 0 and len(passage.sentences) == 2
    assert "rückläufig" not in passage.core  # the year check looks at the best sentences only
    assert "15-mal verliehen. Die Nachfrage" in passage.citations[0].quote  # one passage, no ellipsis
    table = hit("Seitens des Kinderbüros wurde der Koffer 15-mal verliehen. Gremien Termin TOP Ö / N Zuständigkeit "
                "Gemeinderat 28.07.2026 47 Ö Kenntnisnahme")
    assert len(extractive_answer(Q(question), [table], IDF, max_sentences=1).sentences) == 1  # a table row ends it


def test_glued_section_heading_is_not_shown_but_stays_in_the_quote() -> None:
    crows = hit("Kurzfassung Die Krähen am Durlacher Bahnhof können aufgrund ihres gesetzlichen Schutzes nicht "
                "verdrängt werden.", title="Krähen-Plage am Durlacher Bahnhof")
    result = extractive_answer(Q("Kann die Stadt die Krähen am Bahnhof Durlach vertreiben lassen?"), [crows], IDF)
    assert result.text.startswith("- Die Krähen am Durlacher Bahnhof können")
    assert result.citations[0].quote.startswith("Kurzfassung Die Krähen")


def test_second_part_of_a_question_gets_its_own_sentence() -> None:
    from assistant.answer.rules import choose, term_weights

    question = "Wie oft hat das Kinderbüro den Bücherkoffer verliehen, und wie entwickelt sich die Nachfrage?"
    cands = score_sentences(Q(question), [hit(KOFFER)], IDF)
    plain = choose(cands, 3)
    greedy = choose(cands, 3, term_weights(set(Q(question).terms), IDF))
    assert not any("rückläufig" in c.sentence for c in plain)  # by score alone, two topic sentences win
    assert any("rückläufig" in c.sentence for c in greedy)  # covering "Nachfrage" is worth more


def test_the_papers_own_short_summary_is_preferred() -> None:
    # two sentences with the same question terms: the one in the paper's Kurzfassung is the administration's answer
    body = "Die Neumarkierung der Bewohnerparkplätze in der Mittelstraße wurde im Ortschaftsrat ausführlich diskutiert."
    summary = "Die Neumarkierung der Bewohnerparkplätze in der Mittelstraße ist Teil des Verkehrskonzepts Durlach."
    hits = [hit(body, chunk="e", section="Erläuterungen"), hit(summary, chunk="k", section="Kurzfassung")]
    best = score_sentences(Q("Werden die Bewohnerparkplätze in der Mittelstraße neu markiert?"), hits, IDF)[0]
    assert best.sentence == summary


BS_OVERVIEW = (
    "Innovationsstrategie für Braunschweig\nBeschlussvorlage, Drucksache 26-29470\nDatum: 2026-09-04\n"
    "Beratung: https://www.ratsinfo.braunschweig.sitzung-online.de/oparl/organizations/gr/3, Rolle: Vorberatung\n"
    "Dokumente: Sammeldokument öffentlich"
)
BS_META = {"title": "Innovationsstrategie für Braunschweig", "reference": "26-29470", "paper_type": "Beschlussvorlage",
           "file_id": "overview", "file_name": "Übersicht", "date": "2026-09-04"}


def test_a_question_about_a_named_paper_gets_its_title_type_and_date() -> None:
    hits = [Hit(chunk_id="o", doc_id="bs", text=BS_OVERVIEW, score=1.0, meta=ChunkMeta.of(BS_META)),
            hit("Die Stellungnahme der Verwaltung liegt vor und wird zur Kenntnis genommen.", doc="x", chunk="x")]
    result = extractive_answer(Q("Von wann ist die Beschlussvorlage 26-29470, und worum geht es?"), hits, IDF)
    first = result.text.splitlines()[0]
    assert first.startswith("- Innovationsstrategie für Braunschweig Beschlussvorlage, Drucksache 26-29470 Datum: 2026-09-04 [")
    # an organisation known only by its URL, and the list of files, say nothing a reader could use
    assert "http" not in result.text and "Sammeldokument" not in result.text
    # a question that names the paper but asks something else does not spend a line on its identity ...
    body = Hit(chunk_id="b", doc_id="bs", text="Für die Innovationsstrategie sind 80.000 Euro eingeplant.", score=1.0,
               meta=ChunkMeta.of({**BS_META, "file_id": "f", "file_name": "Vorlage"}))
    other = extractive_answer(Q("Was kostet laut 26-29470 die Innovationsstrategie?"), [*hits, body], IDF)
    assert "80.000 Euro" in other.text and "Datum: 2026-09-04" not in other.text
    # ... unless the best paper has no text at all: then its title is what there is
    assert "Datum: 2026-09-04" in extractive_answer(Q("Was kostet die Innovationsstrategie?"), hits, IDF).text


def test_outcome_question_shows_the_vote_count() -> None:
    beschluss = ("Die Vertreter der Stadt werden angewiesen, der Verschmelzung der Bistro Klinikum Braunschweig GmbH "
                 "zuzustimmen. Die Geschäftsführung wird beauftragt, die dazu erforderlichen Maßnahmen umzusetzen. "
                 "Der Aufsichtsrat hat sich bereits im Juni damit befasst.\n\nDafür: 9 Dagegen: 0 Enthaltung: 0")
    other = "Die Bistro Klinikum Braunschweig GmbH betreibt die Cafeteria des Klinikums seit vielen Jahren erfolgreich."
    hits = [hit(beschluss, chunk="b", section="Beschluss"), hit(other, chunk="o")]
    result = extractive_answer(Q("Was wurde zur Bistro-Gesellschaft des Klinikums beschlossen?"), hits, IDF)
    assert "Dafür: 9 Dagegen: 0 Enthaltung: 0" in result.text


def test_a_sentence_announcing_a_list_brings_its_items() -> None:
    text = ("Die weitergehende Prüfung einer Erweiterung der Wohnbaufläche an der Albert-Einstein-Straße hat keine "
            "weiteren Restriktionen ergeben. Die Hindernisse, auf die bereits hingewiesen wurden, sind:\n\n"
            "- Änderung des Regionalplanes erforderlich (Lage in einer Grünzäsur)\n- Bebauungsplan erforderlich\n"
            "- Altlastenverdacht\n- Herausfordernde Topografie\n\nDer Ortschaftsrat wird im Herbst erneut beraten.")
    result = extractive_answer(Q("Welche Hindernisse gibt es für eine größere Wohnbaufläche an der Albert-Einstein-Straße?"),
                               [hit(text)], IDF)
    assert "Grünzäsur" in result.text and "Altlastenverdacht" in result.text and "Topografie" in result.text
    assert "Ortschaftsrat" not in result.text  # the list ends the passage


def test_a_number_that_counts_something_else_does_not_answer_how_many() -> None:
    from assistant.question.patterns import counted_noun
    from ingest.language import counts_noun, counts_other_nouns

    bags = counted_noun("Wie viele Hundekotbeutel hat die Ortsverwaltung Grötzingen ausgegeben?")
    assert counts_other_nouns("In Grötzingen befinden sich insgesamt 24 Stationen für die Beutel.", bags)
    assert not counts_other_nouns("Die Ortsverwaltung hat 70.000 Beutel ausgegeben.", bags)
    assert not counts_other_nouns("Die Zahl der ausgegebenen Beutel lag zuletzt bei 70.000.", bags)  # a bare number
    # an amount of money or a share counts no people, unless the question counts euros or percent
    people = counted_noun("Wie viele Menschen haben die Installation gesehen?")
    assert counts_other_nouns("Der Bericht weist einen Förderbetrag von 15.993,00 € und 20 % Eigenanteil aus.", people)
    assert not counts_other_nouns("Die Installation sahen 15.993 Menschen.", people)
    assert not counts_other_nouns("Das kostet 20 Euro.", counted_noun("Wie viele Euro kostet das?"))
    offences = counted_noun("Wie viele Verstöße gab es?")
    assert counts_noun("Bislang hat der KOD lediglich einzelne Verstöße festgestellt.", offences, vague=True)
    assert not counts_noun("Bislang hat der KOD lediglich einzelne Verstöße festgestellt.", offences)
    assert not counts_noun("Vor einigen Monaten ereignete sich ein Todesfall.", counted_noun("Wie viele Todesfälle?"), vague=True)
    # the sentence about the stations does not count bags: it answers no "Wie viele Hundekotbeutel"
    hits = [hit("Die Hundekotbeutel werden von Ehrenamtlichen verteilt. In Grötzingen befinden sich insgesamt 24 "
                "Stationen, an denen die Hundekotbeutel zur Verfügung stehen.")]
    assert not _slot_answered("Wie viele Hundekotbeutel hat Grötzingen ausgegeben?", hits)
    assert _slot_answered("Wie viele Verstöße hat der KOD festgestellt?",
                          [hit("Bislang hat der KOD lediglich einzelne Verstöße gegen die Konsumverbote festgestellt.")])


def test_strong_verb_forms_meet_their_infinitive() -> None:
    from ingest.language import sentence_terms

    assert "empfehl" in sentence_terms("Was empfiehlt die Verwaltung?") & sentence_terms("Wir empfehlen, den Antrag abzulehnen.")
    # "Wann soll der Umbau beginnen?" - "Mit dem Bau soll 2027 begonnen werden"
    assert "beginn" in sentence_terms("Wann soll der Umbau beginnen?") & sentence_terms("Mit dem Bau soll 2027 begonnen werden.")
    assert "gelt" in sentence_terms("Welche Regeln gelten?") & sentence_terms("Seit 2024 gilt eine neue Satzung.")
    hits = [hit("Die Verwaltung hat den Antrag des Vereins im Sommer ausführlich geprüft und beraten."),
            hit("Wir empfehlen vor diesem Hintergrund, den Antrag abzulehnen.", chunk="c2")]
    best = score_sentences(Q("Was empfiehlt die Verwaltung zum Antrag auf einen höheren Zuschuss?"), hits, IDF)[0]
    assert best.sentence.startswith("Wir empfehlen")


def test_a_summary_sentence_brings_the_rest_of_the_summary() -> None:
    summary = ("Die Firma Ströer beabsichtigt weiterhin, die Uhr am Entenfang wieder aufzustellen. Eine Genehmigung "
               "wurde am 12. August 2019 erteilt. Diese Genehmigung wurde im Jahr 2022 verlängert. Wegen der Baustelle "
               "beim Stadtteilzentrum „Golden Gate“ wurde das Vorhaben vorerst zurückgestellt. Weitere Schritte folgen "
               "im nächsten Jahr nach Abschluss der Arbeiten.")
    from assistant.answer.rules import with_followers

    for section, shown in (("Kurzfassung", 4), ("Erläuterungen", 3)):  # three sentences follow a summary anchor, else two
        hits = [hit(summary, section=section)]
        candidates = score_sentences(Q("Wird die öffentliche Uhr am Entenfang wieder aufgestellt?"), hits, IDF)
        anchor = next(c for c in candidates if c.position == 0)
        assert [c.position for c in with_followers([anchor], candidates, hits)] == list(range(shown))


def test_a_named_papers_summary_answers_even_without_shared_words() -> None:
    named = dict(reference="2023/0703", title="Fußgängerleitsystem Innenstadt", section="Kurzfassung")
    hits = [hit("Aus Sicht der Verwaltung ist der aktuelle Zeitpunkt ungünstig, um ein weiteres Leitsystem zu installieren.",
                doc="p", chunk="k", **named),
            hit("Ein neues Parkleitsystem für die Innenstadt hält die Verwaltung für sinnvoll und wünschenswert.",
                doc="other", chunk="o", reference="2019/0001", title="Parkleitsystem", section="")]
    best = score_sentences(Q("Warum hält die Verwaltung in 2023/0703 ein neues Fußgängerleitsystem für unpassend?"), hits, IDF)[0]
    assert best.sentence.startswith("Aus Sicht der Verwaltung ist der aktuelle Zeitpunkt ungünstig")


def test_a_question_about_a_named_paper_is_answered_from_that_paper_and_its_partners() -> None:
    hits = [hit("Die Stadt prüft eine Erweiterung des Angebots im Bereich der Kurzzeitpflege im kommenden Jahr.",
                doc="other", chunk="o", reference="2024/0001"),
            hit("Zur Kurzzeitpflege liegen der Verwaltung derzeit keine eigenen Zahlen vor.", doc="a", chunk="a",
                reference="25-25182"),
            hit("Die Kurzzeitpflege wird im Pflegebericht 2025 gesondert ausgewertet.", doc="s", chunk="s",
                reference="25-25182-01")]
    result = extractive_answer(Q("Was sagt die Verwaltung in 25-25182 zur Kurzzeitpflege?"), hits, IDF)
    assert "keine eigenen Zahlen" in result.text and "Pflegebericht 2025" in result.text  # the Anfrage and its Stellungnahme
    assert "Erweiterung des Angebots" not in result.text
    assert "Erweiterung des Angebots" in extractive_answer(Q("Was sagt die Verwaltung zur Kurzzeitpflege?"), hits, IDF).text


def test_a_follower_that_repeats_a_shown_sentence_is_left_out() -> None:
    from assistant.answer.rules import with_followers

    summary = ("Die Ortsverwaltung Wettersbach kann nicht als Betreiber eines Tauschschrankes fungieren. Sie steht "
               "Interessenten aber beratend zur Seite.")
    body = ("Als Standort für einen Tauschschrank eignet sich in Wettersbach keine öffentliche Fläche. Darüber hinaus "
            "kann die Ortsverwaltung Wettersbach nicht als Betreiber eines Tauschschrankes fungieren. Die Finanzierung "
            "ist vor einer Realisierung sicherzustellen.")
    hits = [hit(summary, chunk="k", section="Kurzfassung"), hit(body, chunk="e", section="Erläuterungen")]
    candidates = score_sentences(Q("Richtet die Ortsverwaltung Wettersbach einen Tauschschrank ein?"), hits, IDF)
    anchors = [next(c for c in candidates if c.hit_index == h and c.position == 0) for h in (0, 1)]
    shown = [c.sentence for c in with_followers(anchors, candidates, hits)]
    assert sum("nicht als Betreiber" in x for x in shown) == 1 and "Die Finanzierung ist vor einer Realisierung sicherzustellen." in shown


def test_coverage_counts_compound_parts_with_the_index_vocabulary() -> None:
    """"Schaltung der Stellenanzeigen" is covered by "Anzeigenschaltung von Stellenangeboten"."""
    from index.lexical import LexicalIndex

    vocabulary = " ".join(["Stellen Anzeigen Schaltung Angeboten Firma"] * 3)
    text = ("Das Presseamt vergibt die Anzeigenschaltung von Stellenangeboten an die Firma as mediendesign. "
            + vocabulary)
    lexical = LexicalIndex.build([("c1", "d1", text), ("c2", "d2", "Der Haushalt wird beraten.")])
    question = "Welche Firma übernimmt die Schaltung der Stellenanzeigen?"
    found = [hit(text.split(" Stellen Anzeigen")[0])]
    idf = IdfLookup(lexical)
    assert topic_coverage(Q(question), found, idf) > topic_coverage(Q(question), found, idf, compounds=False)
    assert answer_confidence(Q(question), found, found, idf) > answer_confidence(Q(question), found, found, idf, compounds=False)


def test_a_hyphenated_compound_is_covered_by_its_parts() -> None:
    """"Gas-Arbeitspreis" is covered by "Arbeitspreis für Gas", "KVV-Bus" not by "KVV" alone."""
    from index.lexical import LexicalIndex

    text = "Der Arbeitspreis für Gas wurde zum 01.03.2025 um 16 % angehoben."
    lexical = LexicalIndex.build([("c1", "d1", text), ("c2", "d2", "Der KVV fährt nach Wettersbach.")])
    idf = IdfLookup(lexical)
    found = [hit(text)]
    covered = topic_coverage(Q("Wurde der Gas-Arbeitspreis angehoben?"), found, idf)
    assert covered == 1.0 > topic_coverage(Q("Wurde der Gas-Arbeitspreis angehoben?"), found, idf,
                                           compounds=False)
    bus = [hit("Der KVV fährt nach Wettersbach.", doc="d2")]
    assert topic_coverage(Q("Fährt der KVV-Bus nach Wettersbach?"), bus, idf) < 1.0


def test_a_textless_best_paper_refuses_content_questions_only() -> None:
    """the Ergänzungsvertrag "Am Salgenholz" is in the index with title and dates only; what the developer
    undertakes is not in it, and sentences from other papers must not stand in for it."""
    from assistant.service import Assistant

    overview = Hit(chunk_id="o", doc_id="bs", score=2.0, text="Ergänzungsvertrag zum Städtebaulichen Vertrag „Am Salgenholz“",
                   meta=ChunkMeta.of({"file_id": "overview", "title": "Ergänzungsvertrag „Am Salgenholz“"}))
    other = hit("Alle Verpflichtungen des Vorhabenträgers werden in einem Durchführungsvertrag geregelt.", doc="ka")
    pool = [overview, other]
    assert Assistant.textless_lead(Q("Welche Verpflichtungen übernimmt der Vorhabenträger im Ergänzungsvertrag?"), pool)
    # what the paper is, is about, when it is from or how it was decided: the metadata answer that
    assert not Assistant.textless_lead(Q("Um welches Grundstück geht es bei dem Ergänzungsvertrag?"), pool)
    assert not Assistant.textless_lead(Q("Von wann ist der Ergänzungsvertrag zum Salgenholz?"), pool)
    assert not Assistant.textless_lead(Q("Hat der Rat den Ergänzungsvertrag zum Salgenholz beschlossen?"), pool)
    # a paper with text leads: nothing to say
    assert not Assistant.textless_lead(Q("Welche Verpflichtungen übernimmt der Vorhabenträger?"), [other, overview])


def test_supporting_sentences_come_from_the_lead_papers_council() -> None:
    question = Q("Wie oft wurde der Bücherkoffer des Kinderbüros verliehen, und wie ist die Nachfrage?")
    elsewhere = "Der Bücherkoffer des Stadtteilbüros wurde seit Juni 2023 insgesamt 40-mal verliehen, die Nachfrage steigt."
    same = extractive_answer(question, [hit(KOFFER, body="Karlsruhe"), hit(elsewhere, "d2", "c2", body="Karlsruhe",
                                                                            reference="2025/0100")], IDF)
    assert "40-mal" in same.text  # a paper of the same council supports the answer
    other = extractive_answer(question, [hit(KOFFER, body="Karlsruhe"), hit(elsewhere, "d2", "c2", body="Braunschweig",
                                                                             reference="25-10000")], IDF)
    assert "15-mal verliehen" in other.text and "40-mal" not in other.text
    assert {c.reference for c in other.citations} == {"2026/0503"}
