"""Split an administration's Stellungnahme into the answers to the Anfrage's numbered questions.

A Stellungnahme answers question by question, introduced either by a marker ("Zu Frage 1", "Zu 1.:",
"Frage 1:", "Zu Punkt 1 und 2") or by the question repeated, numbered ("1. Wie viele ...?") or not.
The Anfrage's own questions (when known) check that a numbered line really repeats a question (answers
contain numbered lists too) and tell where a repeated question ends and its answer begins: the question's
words are consumed in order, so an answer that reuses them ("Ja, innerhalb der Stadtverwaltung gibt es
Überlegungen ...") no longer matches once the question is used up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.layout import END, content_tokens, is_reference_answer, join_passage
from assistant.answer.markers import (
    LOWER,
    NUM,
    ZU,
    Key,
    Start,
    anfrage_question,
    body_lines,
    find_starts,
)

_ANSWER_LABEL = re.compile(r"^(?:antwort(?:\s+der\s+verwaltung)?|stellungnahme(?:\s+der\s+verwaltung)?)\s*:\s*",
                           re.I)
_MAX_QUESTION_LINES = 25
_CONTENT = re.compile(r"^(?![)\]]).*(?:\b(?!(?:und|oder|sowie|bzw)\b)[A-Za-zÄÖÜäöüß]{2,}|\d)", re.S)
_REQUEST = re.compile(r"\b(?:gebeten|bitten|bittet|möge|auskunft|darlegen|dar\b|darzustellen|berichten|berichtet"
                      r"|erläutern|mitteilen|aufstellung|aufzulisten|aufzeigen)", re.I)
_PREAMBLE = re.compile(r"^(?:zu(?:r| der) anfrage|.{0,80}nimmt die verwaltung wie folgt stellung|die verwaltung nimmt"
                       r"|.{0,60}wird wie folgt (?:beantwortet|stellung genommen))", re.I)
_ASKS = re.compile(r"\?[\s)\"“”]*$")
_ENDS_SENTENCE = re.compile(r"[?.:!][\s)\"“”]*$")
_FOLLOW_UP = re.compile(r"^(?:wenn|falls|und|oder|wie|was|welche[rsnm]?|wer|wem|wen|wann|warum|wo|wozu|wieso|weshalb"
                        r"|inwie(?:weit|fern)|gibt|ist|sind|hat|haben|wird|werden|kann|können|bitte)\b", re.I)
_BULLET = re.compile(r"^[-•▪●·*]\s+")
_INLINE_SUB = re.compile(r"(?:^|(?<=\s))([a-h])(?:\)|\.(?=\s+[A-ZÄÖÜ]))\s")


@dataclass(frozen=True)
class AnswerItem:
    """One answer of a Stellungnahme with the question it answers."""

    keys: tuple[Key, ...]  # the (sub-)questions it answers; two or more when answered together
    question: str  # as repeated in the Stellungnahme, else the Anfrage's question
    answer: str  # cleaned passage: furniture removed, whitespace collapsed, hyphenation joined
    is_reference: bool  # "Siehe Frage 2." points elsewhere instead of answering

    @property
    def label(self) -> str:
        return "+".join(f"{n}{chr(96 + s) if s else ''}" for n, s in self.keys)


# --- question and answer of one item --------------------------------------------------------------------
def _in_order_share(tokens: list[str], ref: list[str], pointer: int, first: bool) -> tuple[float, int]:
    """Share of tokens found in ref in order from pointer (a window ahead), and the advanced pointer."""
    matched = 0
    for token in tokens:
        end = len(ref) if first and matched == 0 else min(len(ref), pointer + 15)
        try:
            pointer = ref.index(token, pointer, end) + 1
            matched += 1
        except ValueError:
            continue
    return matched / len(tokens), pointer


def _extent_by_reference(body: list[str], ref: str) -> tuple[int, bool]:
    """Leading lines that repeat the reference question, word order respected; and whether it was used up."""
    ref_tokens = content_tokens(ref)
    pointer, extent = 0, 0
    for j, line in enumerate(body[:_MAX_QUESTION_LINES]):
        tokens = content_tokens(line)
        if len(tokens) <= 1:
            if j > 0 and _ENDS_SENTENCE.search(body[j - 1]):
                break
            extent = j + 1
            continue
        share, pointer = _in_order_share(tokens, ref_tokens, pointer, j == 0)
        continues = j > 0 and not _ENDS_SENTENCE.search(body[j - 1]) and line[:1].islower()
        if share < 0.6 and not continues:  # a sentence left open goes on whatever its words
            break
        extent = j + 1
        if line.endswith("?") and pointer >= len(ref_tokens):
            break
    return extent, pointer >= len(ref_tokens) - 1


def _question_run(body: list[str], j: int) -> int:
    """Lines from j that still belong to a question just asked: another question, a follow-up or sub-question
    ("Wenn ja, welche?", "a) ...?", "1. ...?") up to its "?", or a request ("Bitte ... zu.")."""
    line = body[j]
    if _ASKS.search(line):
        return 1
    if LOWER.match(line) or NUM.match(line) or _FOLLOW_UP.match(line) or _BULLET.match(line):
        asked = next((k for k in range(j, min(len(body), j + 4)) if "?" in body[k]), None)
        return _sentence_end(body, asked) + 1 - j if asked is not None else 0
    if re.match(r"bitte\b", line, re.I):
        return _sentence_end(body, j) + 1 - j
    return 0


def _sentence_end(body: list[str], k: int) -> int:
    """The line that ends the sentence running at the end of line k ("... geschützt? Bitte stellen Sie das")."""
    for stop in range(k, min(len(body), k + 3)):
        if _ENDS_SENTENCE.search(body[stop]):
            return stop
    return k


def _extend_question(body: list[str], extent: int) -> int:
    """Past a line ending in "?", what still belongs to the question (see _question_run)."""
    while extent < min(len(body), _MAX_QUESTION_LINES):
        more = _question_run(body, extent)
        if not more:
            break
        extent += more
    return extent


def _first_question_mark(body: list[str], start: int, window: int) -> int:
    for j in range(start, min(len(body), start + window)):
        if _ASKS.search(body[j]):
            return j + 1
    return 0


def _question_extent(body: list[str], ref: str | None) -> int:
    """How many leading lines of an item repeat its question (0: the answer starts at once)."""
    for j, line in enumerate(body[:_MAX_QUESTION_LINES]):
        if _ANSWER_LABEL.match(line):
            return j
    extent, used_up = _extent_by_reference(body, ref) if ref else (0, False)
    if extent and not _ASKS.search(body[extent - 1]) and used_up:
        # the Anfrage's text of the question was cut short (page break, lost line): read on to its "?"
        extent = _first_question_mark(body, extent, 8) or extent
    if not extent:
        extent = _first_question_mark(body, 0, 6)
    if extent and body[extent - 1].endswith(":") and extent < len(body) and _BULLET.match(body[extent]):
        # "... insbesondere im Hinblick auf:" and a bulleted list that ends in "?"
        extent = _first_question_mark(body, extent, 8) or extent
    return _extend_question(body, extent) if extent and _ASKS.search(body[extent - 1]) else extent


def _strip_label(lines: list[str]) -> list[str]:
    """Without a leading "Antwort:" or a marker repeating the item's number ("Zu 5. + 5a:")."""
    if lines:
        label = _ANSWER_LABEL.match(lines[0]) or ZU.match(lines[0])
        if label:
            rest = lines[0][label.end():].strip()
            return [rest, *lines[1:]] if rest else lines[1:]
    return lines


def _sub_items(answer: list[str], first_letter: int, labels_only: bool) -> list[tuple[int, int, int]]:
    """(line, letter, question lines) of sub-questions b), c) ... repeated inside an answer, in order.

    A sub-question asks ("?") within its first lines; after a lead-in ending in ":" ("geschätzt für:")
    a short sub-item line ("b) Kriegsstraßentunnel") is a question too.
    """
    found: list[tuple[int, int, int]] = []
    for i, line in enumerate(answer):
        m = LOWER.match(line)
        if not m or ord(m.group("sub")) - 96 != first_letter + len(found):
            continue
        extent = _first_question_mark([line[m.end():], *answer[i + 1:i + 3]], 0, 3)
        if not extent and labels_only and len(line.split()) <= 8:
            extent = 1
        if extent:
            found.append((i, first_letter + len(found), extent))
    return found


def _sub_question(ref: str, letter: int) -> str:
    """The stem of an Anfrage question plus its sub-question `letter` ("Zu 2 b:" answers only that part)."""
    marks = list(_INLINE_SUB.finditer(ref))
    for n, mark in enumerate(marks):
        if ord(mark.group(1)) - 96 == letter:
            stop = marks[n + 1].start() if n + 1 < len(marks) else len(ref)
            return f"{ref[:marks[0].start()].strip()} {ref[mark.start():stop].strip()}".strip()
    return ref


def _split_item(lines: list[str], start: Start, end: int, questions: list[str]) -> list[AnswerItem]:
    body = [start.rest, *lines[start.line + 1:end]] if start.rest else lines[start.line + 1:end]
    ref = anfrage_question(start.keys, questions)
    if ref and len(start.keys) == 1 and start.keys[0][1]:
        ref = _sub_question(ref, start.keys[0][1])
    extent = _question_extent(body, ref)
    question = join_passage(body[:extent]) if extent else (ref or "")
    if start.keys[0][1]:
        question = LOWER.sub("", question, count=1)  # "a) An welchen Schulen ...?" -> "An welchen ..."
    answer = _strip_label(body[extent:])
    if len(start.keys) != 1 or not extent:
        return [_item(start.keys, question, answer)]
    number, own = start.keys[0]  # own: the item is itself sub-question `own` ("1. a)", "5.a)")
    asked = [ord(m.group(1)) - 96 for m in _INLINE_SUB.finditer(question)]
    subs = _sub_items(answer, max([own, *asked]) + 1, question.endswith(":") or bool(asked) or bool(own))
    if not subs:
        return [_item(start.keys, question, answer)]
    keys = ((number, 1),) if asked == [1] and not own else start.keys
    items = [_item(keys, question, answer[:subs[0][0]])]
    stem = "" if own else question[:next(_INLINE_SUB.finditer(question)).start()].strip() if asked else question
    for n, (line, letter, sub_extent) in enumerate(subs):
        stop = subs[n + 1][0] if n + 1 < len(subs) else len(answer)
        sub_body = [LOWER.sub("", answer[line], count=1), *answer[line + 1:stop]]
        sub_question = join_passage([stem, *sub_body[:sub_extent]])
        items.append(_item(((number, letter),), sub_question, _strip_label(sub_body[sub_extent:])))
    return items


def _item(keys: tuple[Key, ...], question: str, answer_lines: list[str]) -> AnswerItem:
    answer = re.sub(r"(?<=[.!?])\s+\d{1,2}\s*[.)]$", "", join_passage(answer_lines))  # next item's bare number
    return AnswerItem(keys, question, answer, is_reference_answer(answer))


def _merge_unanswered(items: list[AnswerItem]) -> list[AnswerItem]:
    """Questions repeated one after another and answered together become one item."""
    out: list[AnswerItem] = []
    pending: list[AnswerItem] = []
    for item in items:
        if not _CONTENT.search(item.answer):  # nothing, or a lone "und" between two repeated questions
            pending.append(item)
            continue
        if pending:
            keys = tuple(k for p in [*pending, item] for k in p.keys)
            question = " ".join(p.question for p in [*pending, item] if p.question)
            item = AnswerItem(keys, question, item.answer, item.is_reference)
            pending = []
        out.append(item)
    return out


def parse_stellungnahme(text: str, questions: list[str]) -> list[AnswerItem]:
    """The answers of a Stellungnahme; `questions` are the Anfrage's questions in order (may be empty)."""
    lines = body_lines(text)
    starts = find_starts(lines, questions)
    if not starts:
        return []
    end_of_answers = next((i for i in range(starts[0].line + 1, len(lines)) if END.match(lines[i])), len(lines))
    starts = [s for s in starts if s.line < end_of_answers]
    items: list[AnswerItem] = []
    for n, start in enumerate(starts):
        end = starts[n + 1].line if n + 1 < len(starts) else end_of_answers
        items.extend(_split_item(lines, start, end, questions))
    return [item for item in _merge_unanswered(items) if item.question]


def whole_answer(text: str, question: str, title: str = "") -> AnswerItem | None:
    """A Stellungnahme to a one-question Anfrage without markers: its whole body answers that question."""
    lines = body_lines(text)
    end = next((i for i, line in enumerate(lines) if END.match(line)), len(lines))
    body = lines[:end]
    heading = content_tokens(title)
    while body and heading and content_tokens(body[0]) and set(content_tokens(body[0])) <= set(heading):
        body = body[1:]  # the title repeated under the letterhead (2013-2020 template)
    while body and _PREAMBLE.match(body[0]):
        body = body[1:]
    if not _usable_request(question, heading) or not body:
        return None
    answer = _strip_label(body[_question_extent(body, question):])
    return _item(((1, 0),), question, answer) if len(join_passage(answer)) >= 20 else None


def _usable_request(question: str, heading: list[str]) -> bool:
    """A question that asks, or a request for information; not the title or the consultation table."""
    if re.search(r"gremi\w* termin|vorlage nr", question, re.I) or set(content_tokens(question)) <= set(heading):
        return False
    return bool(_ASKS.search(question) or _REQUEST.search(question))
