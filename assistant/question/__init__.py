"""The first stage of answering: the question with its conversation and filters, read once (`Question`)."""

from assistant.question.patterns import Ask
from assistant.question.record import History, Question, topic_terms

__all__ = ["Ask", "History", "Question", "topic_terms"]
