"""Where the answers of a Stellungnahme start: markers ("Zu Frage 1", "Zu 1.:", "Frage 1:", "Zu Punkt 1 und 2"),
numbered or lettered repetitions of the questions ("1. Wie viele ...?", "B. ..."), or the Anfrage's questions
repeated without a number. Numbered lines must repeat (or at least ask) a question: answers contain numbered
lists too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.layout import HEADER, REPEATED_HEAD, clean_lines, content_tokens

Key = tuple[int, int]  # (question number, sub-question letter as 1, 2, ... or 0)


@dataclass(frozen=True)
class Start:
    """Where one answer item starts."""

    line: int
    keys: tuple[Key, ...]
    rest: str  # the text after the marker on the marker's line


_MONTH = re.compile(r"(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|quartal"
                    r"|halbjahr|ebene|stock|og\b|klasse|platz|mal\b)", re.I)

_KEY = r"\d{1,2}(?:\s*[a-h](?![a-zäöü])|\.\d(?!\d))?"

_KEYS = rf"(?P<keys>{_KEY}(?:\s*[.)]+)?(?:\s*(?:,|und|u\.|bis|-|–|/|&|\+)\s*{_KEY}(?:\s*[.)]+)?)*)"

ZU = re.compile(
    r"^(?:antwort\s+)?(?:zu|ad)\s+(?:den\s+|der\s+)?(?:fragen?|punkte?n?|ziff(?:er)?n?\.?|nr\.?|nummern?)?\s*"
    + _KEYS + r"\s*[:.)]*(?:\s*\([^)]{0,40}\))?\s*:?\s*", re.I)

_FRAGE = re.compile(r"^fragen?\s+" + _KEYS + r"\s*[:.)]+\s*", re.I)

NUM = re.compile(r"^(?P<num>\d{1,2})\s*(?:\.\s*(?=[a-h]\s*\)))?(?P<sub>[a-h])?\s*(?:\.\)|[.):])(?!\d)\s*")

_UPPER = re.compile(r"^(?:zu\s+)?(?P<up>[A-H])\s*[.):]\s*(?:(?:und|,)\s*(?P<up2>[A-H])\s*[.):]\s*)?")

LOWER = re.compile(r"^(?:zu\s+)?(?P<sub>[a-h])\s*[.)]\s+")


def body_start(lines: list[str]) -> int:
    """Index of the first line after the letterhead and the consultation table."""
    last = -1
    for i, line in enumerate(lines[:45]):
        if i > 0 and _first_question_marker(line):
            break
        if HEADER.search(line):
            last = i
    return last + 1


def body_lines(text: str) -> list[str]:
    """The lines after the letterhead, without the letterhead's title repeated on later pages."""
    lines = clean_lines(text)
    return [line for line in lines[body_start(lines):] if not REPEATED_HEAD.match(line)]


def _first_question_marker(line: str) -> bool:
    m = NUM.match(line)
    return bool(ZU.match(line) or _FRAGE.match(line) or (m and m.group("num") == "1" and "?" in line))


def _parse_keys(text: str) -> tuple[Key, ...]:
    keys: list[Key] = []
    parts = re.findall(rf"({_KEY})|(bis|-|–)", text)
    pending_range = False
    for key_text, dash in parts:
        if dash:
            pending_range = bool(keys)
            continue
        m = re.match(r"(\d{1,2})\s*(?:([a-h])|\.(\d))?", key_text)
        assert m is not None
        key = (int(m.group(1)), ord(m.group(2)) - 96 if m.group(2) else int(m.group(3) or 0))
        if pending_range and keys and key[1] == 0 and keys[-1][1] == 0:
            keys.extend((n, 0) for n in range(keys[-1][0] + 1, key[0]))
        keys.append(key)
        pending_range = False
    return tuple(keys)


def marker(line: str, kind: str) -> tuple[tuple[Key, ...], str] | None:
    """(keys, rest of line) when the line starts with a marker of the given kind."""
    if kind == "zu+num":
        return marker(line, "zu") or marker(line, "num")
    if kind == "zu":
        m = ZU.match(line) or _FRAGE.match(line)
        return (_parse_keys(m.group("keys")), line[m.end():]) if m else None
    if kind == "num":
        m = NUM.match(line)
        if not m or (not m.group("sub") and _MONTH.match(line[m.end():])):
            return None  # "1. August 2022", "2. Quartal" are not items
        sub = ord(m.group("sub")) - 96 if m.group("sub") else 0
        return ((int(m.group("num")), sub),), line[m.end():]
    m = _UPPER.match(line)
    if not m or line[m.end():][:1].islower():
        return None
    ups = [u for u in (m.group("up"), m.group("up2")) if u]
    return tuple((ord(u) - 64, 0) for u in ups), line[m.end():]


def anfrage_question(keys: tuple[Key, ...], questions: list[str]) -> str | None:
    found = [questions[n - 1] for n in dict.fromkeys(k[0] for k in keys) if 0 < n <= len(questions)]
    return " ".join(found) if found else None


def _asks(lines: list[str], start: int, rest: str) -> bool:
    return "?" in " ".join([rest, *lines[start + 1:start + 6]])


def _plausible(lines: list[str], start: int, keys: tuple[Key, ...], rest: str, questions: list[str]) -> bool:
    """A numbered line repeats an Anfrage question (or at least asks something)."""
    ref = anfrage_question(keys, questions)
    if ref is not None:
        ref_tokens = set(content_tokens(ref))
        head = content_tokens(" ".join([rest, *lines[start + 1:start + 3]]))[:max(3, len(ref_tokens))]
        if head and sum(t in ref_tokens for t in head) / len(head) >= 0.5:
            return True
    return _asks(lines, start, rest)


def _run(lines: list[str], kind: str, questions: list[str]) -> list[Start]:
    """Markers of one kind in increasing order; bare numbers must start at 1 and repeat a question."""
    starts: list[Start] = []
    for i, line in enumerate(lines):
        found = marker(line, kind)
        if not found or not found[0]:
            continue
        keys, rest = found
        if starts and min(keys) <= max(starts[-1].keys):
            continue
        if kind != "zu" and not (kind == "zu+num" and marker(line, "zu")):
            if not starts and keys[0][0] != 1:
                continue
            if not _plausible(lines, i, keys, rest, questions):
                continue
        starts.append(Start(i, keys, rest))
    return starts


def _starts_like(line: str, question: str) -> bool:
    """The line begins the question (its first words, in order)."""
    for kind in ("num", "zu", "upper"):
        found = marker(line, kind)
        if found:
            line = found[1]
            break
    got, want = content_tokens(line), content_tokens(question)
    if len(got) < 3 or len(want) < 3 or (line.endswith(".") and "?" not in line):
        return False  # a complete statement is an answer's sentence, not the start of a repeated question
    n = min(len(got), len(want), 6)
    return sum(a == b for a, b in zip(got[:n], want[:n], strict=True)) >= max(3, n - 1)


def _repeats(lines: list[str], questions: list[str]) -> list[Start]:
    """Unnumbered repetitions of the Anfrage's questions, in order."""
    starts: list[Start] = []
    position = 0
    for number, question in enumerate(questions, start=1):
        for i in range(position, len(lines)):
            if _starts_like(lines[i], question):
                found = marker(lines[i], "num") or marker(lines[i], "zu") or marker(lines[i], "upper")
                starts.append(Start(i, ((number, 0),), found[1] if found else lines[i]))
                position = i + 1
                break
    return starts


def find_starts(lines: list[str], questions: list[str]) -> list[Start]:
    """The best-covering sequence of answer starts (explicit "Zu Frage N" markers win ties)."""
    candidates = [_run(lines, kind, questions) for kind in ("zu", "zu+num", "num", "upper")]
    if questions:
        candidates.append(_repeats(lines, questions))

    def coverage(starts: list[Start]) -> tuple[int, int]:
        # more questions found first; then finer items ("1." and "2." repeated, then "Zu Punkt 1 und 2")
        return len({k for s in starts for k in s.keys}), len(starts)

    return max(candidates, key=coverage)
