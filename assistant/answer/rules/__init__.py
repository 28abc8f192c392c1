"""Extractive answers (no LLM): the most relevant source sentences, each with its citation.

Sentence choice, in short: every sentence of the retrieved chunks is scored by the idf-weighted
share of the question's topic terms it contains (terms of the paper title count less: the paper
was found by its topic, the other terms pick the answer within it), plus bonuses when the sentence
carries what the question asks for (an amount, a date, a decision). A restated question or a
heading is a poor answer but tells where the answer is: the sentence right after it inherits most
of its score. Letterhead and table headers are damped, papers further down the ranking count less."""

from assistant.answer.rules.coverage import answer_confidence, topic_coverage
from assistant.answer.rules.extract import Extract, extractive_answer, with_followers
from assistant.answer.rules.scoring import choose, score_sentences
from assistant.answer.rules.sentences import term_weights
from assistant.answer.rules.slots import fills_slot, missing_years

__all__ = ["Extract", "answer_confidence", "choose", "extractive_answer", "fills_slot", "missing_years",
           "score_sentences", "term_weights", "topic_coverage", "with_followers"]
