"""Reading a question once: the conversation, what it asks for, the years and papers it names."""

from __future__ import annotations

from assistant.messages import NO_TEXT, REFUSAL
from assistant.question import Ask, Question
from assistant.question.conversation import conversation_context, needs_context, rewrite_followup
from assistant.question.patterns import answer_slot, answer_slots, counted_noun
from assistant.types import Filters
from ingest.language import counts_noun


def test_followup_rewriting() -> None:
    history = [("Wie viele Kurzzeitpflegeplätze gibt es in Karlsruhe?", "Es gibt 48 Plätze. [1]")]
    assert needs_context("Und wie viele fehlen bis 2040?")
    assert not needs_context("Wie viele Kurzzeitpflegeplätze in Einrichtungen der Diakonie gibt es in Durlach?")
    rewritten = rewrite_followup("Und wie viele fehlen bis 2040?", history)
    assert "Kurzzeitpflegeplätze" in rewritten and "2040" in rewritten
    assert rewrite_followup("Was kostet die Sanierung der Weiherfeldbrücke in Karlsruhe?", history) == \
        "Was kostet die Sanierung der Weiherfeldbrücke in Karlsruhe?"
    # a Drucksache number quoted inside the previous answer is not its topic and is not carried (it would pin
    # that paper first); the papers the answer came from are favoured through `conversation_context`
    quoted = [("Wie viele Menschen haben 2023 die Einbürgerung beantragt?",
               "- 2023 wurden 834 Anträge gestellt. [1]\n- Vorlage Nr.: 2026/0355 Verantwortlich: Dez. 2 [2]")]
    assert rewrite_followup("Und wie viele davon sind noch offen?", quoted) == \
        "Wie viele Menschen haben 2023 die Einbürgerung beantragt? Und wie viele davon sind noch offen?"
    # "dann" refers back (the paid Express-Sperrmüll of the previous answer)
    assert needs_context("Und wie schnell kommt dann der kostenpflichtige Service?")


def test_conversation_context_is_the_previous_answer_of_a_followup() -> None:
    history = [("Was ändert sich 2027 beim Sperrmüll?", "Es gibt einen Express-Sperrmüll. [1] Er kostet extra. [2]")]
    ctx = conversation_context("Und wie schnell kommt dann der kostenpflichtige Service?", history)
    assert ctx is not None and "Express-Sperrmüll" in ctx and "[" not in ctx
    assert conversation_context("Was kostet die Sanierung der Weiherfeldbrücke in Karlsruhe?", history) is None
    assert conversation_context("Und wie schnell geht das?", [("Was ändert sich beim Sperrmüll?", REFUSAL)]) is None
    assert conversation_context("Und wie schnell geht das?", None) is None
    # a refusal with the notice is still a refusal for the conversation
    assert conversation_context("Und wer zahlt?", [("Welche Verpflichtungen …?", f"{REFUSAL} {NO_TEXT}")]) is None


def test_answer_slot_kinds() -> None:
    assert answer_slot("Was kostet die Live-Übertragung der Gemeinderatssitzungen?") == "money"
    assert answer_slot("Wie teuer wird der Umbau des Bahnhofs?") == "money"
    assert answer_slot("Wie hoch ist der Frauenanteil bei der Berufsfeuerwehr?") == "amount"
    assert answer_slot("Wie viele Stolpersteine liegen in Karlsruhe?") == "count"
    assert answer_slot("Bis wann läuft der Vertrag für das Mietradsystem?") == "date"
    assert answer_slot("Welche Agentur wurde mit dem Livestream beauftragt?") == "company"
    assert answer_slot("Warum wird der Bolzplatz nicht gebaut?") is None


def test_each_part_of_a_two_part_question_asks_for_its_own_value() -> None:
    assert answer_slots("Wann hat der Gemeinderat den Plan beschlossen, und welches Büro ergänzt ihn?") == ["date", "company"]
    assert answer_slots("Wie viele Stationen gibt es, und was würde die Stadt sparen?") == ["count", None]
    assert answer_slots("Was kostet der Umbau und wann beginnt er?") == ["money", "date"]
    assert answer_slots("Wie viele Kinder und Jugendliche nutzen das Angebot?") == ["count"]


def test_counted_noun_matches_compounds_and_heads() -> None:
    assert counted_noun("Wie viele hitzebedingte Todesfälle gab es 2024?") == "todesfall"
    stations = counted_noun("Wie viele Ausgabestationen für Hundekotbeutel gibt es?")
    assert stations is not None
    assert counts_noun("In Grötzingen befinden sich insgesamt 24 Stationen.", stations)
    assert not counts_noun("Die Ortsverwaltung hat 70.000 Beutel ausgegeben.", stations)


def test_a_question_is_read_once_into_one_record() -> None:
    filters = Filters(body="Karlsruhe")
    q = Question.of("Wie viele Anträge auf Einbürgerung gab es seit 2019, und wann wurde 2024/0015 beschlossen?",
                    filters)
    assert q.filters == filters and not q.is_followup and q.context is None
    assert q.references == ("2024/0015",)
    assert "0015" not in q.terms and "antrag" in q.terms and "einburger" in q.terms
    assert "wie" not in q.terms  # question words are no topic
    assert q.own_years == {"2019"} and q.period_start_years == {"2019"}  # "seit 2019" starts the period
    assert q.years_written == ()  # "seit 2019" is no year of writing
    assert [slot.kind for slot in q.slots] == ["count", "date"] and q.slots[0].noun == "antrag"
    assert {Ask.AMOUNT, Ask.DATE, Ask.OUTCOME} <= q.asks and {"count", "date", "outcome"} <= q.kinds
    assert q.asks_outcome and q.about_metadata


def test_a_followup_keeps_its_own_words_apart_from_the_earlier_question() -> None:
    history = [("Wie viele Besucher hatte das Staatstheater 2024?", "Es waren 250.000 Besucher. [1]")]
    q = Question.read("Und wer ist dafür zuständig?", history)
    assert q.is_followup and q.asked == "Und wer ist dafür zuständig?"
    assert q.text.startswith("Wie viele Besucher hatte das Staatstheater 2024?")
    assert q.context is not None and "250.000 Besucher" in q.context  # retrieval favours the answer's papers
    assert "staatstheat" in q.terms and "staatstheat" not in q.own_terms
    assert "person" in q.kinds and "count" not in q.kinds  # what the follow-up asks, not the earlier question
    assert q.years == {"2024"} and q.own_years == set()


def test_points_in_time_paper_types_and_year_pairs() -> None:
    autumn = Question.of("Welchen Stand hatte das Konzept im Herbst 2023?")
    assert autumn.point == ("2023-09-01", "2023-12-01") and autumn.point_years == {"2023"}
    budget = Question.of("Warum lehnt die Verwaltung das Gießfahrzeug im Haushalt 2024/2025 ab?")
    assert budget.references == () and budget.own_years == set()  # a budget pair names no year to show
    assert "änderungs-/ergänzungsantrag" in Question.of("Was steht im Änderungsantrag zur Turmbergbahn?").named_types
    assert Ask.LIST in Question.of("Welche Anträge gab es zur Turmbergbahn?").asks


def test_a_firm_is_a_slot_an_association_is_not() -> None:
    # the company slot demands a named company (legal form, "Firma X"); a Verein is named without one
    assert answer_slot("Welche Firma hat den Auftrag erhalten?") == "company"
    assert answer_slot("Welcher Verein betreibt das Tierheim?") is None
    assert answer_slot("Welcher Träger betreibt die Kita?") is None
