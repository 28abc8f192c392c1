"""A question with its conversation, made standalone: a follow-up ("Und was hat der Ausschuss dazu beschlossen?")
gets the earlier question's topic for retrieval, and the previous answer as the context whose papers it favours."""

from __future__ import annotations

import re

from assistant.messages import EMPTY_INDEX, REFUSAL
from assistant.question.patterns import ASK_PATTERNS, Ask
from ingest.language import QUESTION_NOISE, content_terms, find_references

FOLLOWUP_START = re.compile(
    r"^\s*(und|aber|also|dazu|was ist mit|wie ist es mit|wie sieht es|gilt das|wann|wer|welche[rs]?|wie)\b", re.I
)
ANAPHORA = re.compile(r"\b(dazu|dafür|davon|darüber|darauf|dabei|damit|dann|diese[rsmn]?|dies|dort|damals|es|sie|das|er|ihm|ihr|deren|dessen)\b", re.I)
# conversational particles: "Seit wann gibt es die überhaupt?", "Hat das Stadtamt denn selbst Räume dafür?"
PARTICLE = re.compile(r"\b(denn|überhaupt|eigentlich|darüber hinaus|davon|dafür|dazu|daraus|damals)\b", re.I)
EXPLETIVE = re.compile(r"\b(gibt|gab)\s+es\b|\bes\s+(gibt|gab)\b", re.I)  # "gibt es" refers to nothing


def needs_context(question: str) -> bool:
    """A follow-up that cannot stand alone ("Und was hat der Ausschuss dazu beschlossen?")."""
    topic = content_terms(PARTICLE.sub(" ", ANAPHORA.sub(" ", question))) - QUESTION_NOISE
    if find_references(question):
        return False
    refers_back = bool(ANAPHORA.search(EXPLETIVE.sub(" ", question)))
    starts_like_followup = bool(FOLLOWUP_START.match(question)) or bool(PARTICLE.search(question))
    return len(topic) <= 2 or (starts_like_followup and refers_back and len(topic) <= 4)


def followup_own_words(question: str) -> str:
    """A follow-up without its references back, particles and outcome words: what it adds of its own."""
    return ASK_PATTERNS[Ask.OUTCOME].sub(" ", PARTICLE.sub(" ", ANAPHORA.sub(" ", question)))


def rewrite_followup(question: str, history: list[tuple[str, str]] | None) -> str:
    """Standalone retrieval query: the earlier question's topic plus the follow-up (no LLM needed)."""
    if not history or not needs_context(question):
        return question
    previous_q = history[-1][0]
    # the earlier question(s) only: a Drucksache number inside the previous answer is mostly a quoted header
    # or a side reference ("Vorlage Nr.: 2026/0355" in a sentence the answer cited from another paper), and
    # pinning it sent the follow-up there; the papers the answer came from are favoured by `conversation_context`
    carry = previous_q if not needs_context(previous_q) or len(history) < 2 else f"{history[-2][0]} {previous_q}"
    return f"{carry} {question}".strip()


MARKER = re.compile(r"\[\d+\]")


def conversation_context(question: str, history: list[tuple[str, str]] | None) -> str | None:
    """For a follow-up: the previous answer (without citation markers), whose papers the retrieval favours;
    None for a standalone question or when the previous turn was refused or had no answer."""
    if not history or not needs_context(question):
        return None
    answer = MARKER.sub(" ", history[-1][1] or "").strip()
    if not answer or answer.startswith(REFUSAL) or answer == EMPTY_INDEX:
        return None
    return answer
