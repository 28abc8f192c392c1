"""The numbered (or bulleted, or prose) questions of an Anfrage, as its author wrote them, from its text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_END_OF_QUESTIONS = re.compile(
    r"^\s*(?:sachverhalt\s*/\s*begründung|sachverhalt|begründung|unterzeichnet|gezeichnet|"
    r"hauptamt\s*-\s*ratsangelegenheiten|mit freundlichen grüßen|für die [\w\s/-]{0,30}fraktion\w*)\b\s*:?", re.I)
_PAGE_NOISE = re.compile(r"^\s*(?:--\s*\d+\s+of\s+\d+\s*--|[-–]\s*\d+\s*[-–]|seite\s+\d+|_{5,}.*|gedruckt auf .*recyclingpapier)\s*$", re.I)
_BULLET = re.compile(r"^\s*[-•▪●–·*]\s+(?=\S)")
_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
_MARKER = re.compile(
    r"^\s*(?:(?P<frage>Frage\s*(?P<fnum>\d{1,2})\s*[:.)]?)|(?P<roman>(?:X|IX|IV|V?I{1,3}|V|XI{1,2}))\s*[.)]"
    r"|(?P<num>\d{1,2})\s*(?:\.\)|[.)])(?!\d)|(?P<upper>[A-H])\s*[.)]|(?P<lower>[a-h])\s*\))(?=\s|$)"
)
BOILERPLATE = re.compile(
    r"^(?:(?:interfraktionelle\s+)?anfrage\b|stellungnahme\b|gedruckt|vorlage|eingang|eingegangen|gremi|termin|top\b|"
    r"stadt karlsruhe|der oberbürgermeister|stadtamt|stadträtin|stadtrat|ortschaftsrat|gemeinderat\b|vom\b|"
    r"öffentlich|nicht öffentlich|verantwortlich|dienststelle|zuständigkeit|ö\s*/\s*n|\d|x\b|☒|☐|"
    r"plenarsitzung|kenntnisnahme|unterzeichnet|reduzieren|beratungsfolge|sachverhalt|allris|rat und|"
    r"karlsruhe\b\s*$|gmbh|dez\.)",
    re.I,
)


@dataclass
class _Item:
    kind: str  # frage, roman, num, upper, lower, bullet
    value: int
    lines: list[str]
    end: int = 0  # index of the line after the item

    @property
    def text(self) -> str:
        return join_lines(self.lines)


# --- text helpers --------------------------------------------------------------------------------
def clean_lines(text: str) -> list[str]:
    """Lines without page furniture; whitespace runs collapsed; blank lines kept as ""."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\r", "")
    out: list[str] = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        if _PAGE_NOISE.match(line):
            continue
        out.append(line)
    return out


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines; "Quali-\\ntätsverbesserung" -> "Qualitätsverbesserung", "Stadt-\\nund" stays."""
    text = ""
    for line in (ln.strip() for ln in lines):
        if not line:
            continue
        if not text:
            text = line
        elif re.search(r"\w-$", text) and re.match(r"[a-zäöüß]", line) and not re.match(r"(und|oder|bzw|sowie)\b", line):
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return re.sub(r"\s+", " ", text).strip()


# --- markers ---------------------------------------------------------------------------------------
def marker(line: str) -> tuple[str, int, str] | None:
    """(kind, value, rest of line) when `line` starts a list item."""
    b = _BULLET.match(line)
    if b:
        return "bullet", 0, line[b.end():].strip()
    m = _MARKER.match(line)
    if not m:
        return None
    rest = line[m.end():].strip()
    if m.group("frage"):
        return "frage", int(m.group("fnum")), rest
    if m.group("roman"):
        return "roman", _ROMAN.index(m.group("roman")) + 1, rest
    if m.group("num"):
        if re.match(r"(januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember)\b",
                    rest, re.I):
            return None  # "18. Juli bis ..." is a date, not an item
        return "num", int(m.group("num")), rest
    if m.group("upper"):
        return "upper", ord(m.group("upper")) - ord("A") + 1, rest
    return "lower", ord(m.group("lower")) - ord("a") + 1, rest


def _sequential(items: list[_Item]) -> list[_Item]:
    """The longest run of items of one kind counting 1, 2, 3 ... (bullets always count)."""
    if not items or items[0].kind == "bullet":
        return items
    best: list[_Item] = []
    best_score = 0.0
    for start, first in enumerate(items):
        if first.value != 1:
            continue
        run = [first]
        skipped = 0
        for it in items[start + 1:]:
            if it.value == run[-1].value + 1:
                run.append(it)
            elif len(run) < 2 or it.value <= run[-1].value:
                skipped += 1
        score = len(run) - 0.1 * skipped
        if score > best_score:
            best, best_score = run, score
    return best


# --- the question region ----------------------------------------------------------------------------
def _collect_items(lines: list[str]) -> tuple[list[_Item], int]:
    """List items in reading order (top level kinds only) and the index of the line after the list."""
    raw: list[tuple[int, str, int, str]] = []  # (line index, kind, value, rest)
    for i, line in enumerate(lines):
        mk = marker(line)
        if mk:
            raw.append((i, *mk))
    if not raw:
        return [], 0
    # rank kinds: the kind whose sequential run is longest and contains questions is the top level
    kinds = [k for k in ("frage", "num", "upper", "roman", "bullet", "lower") if any(r[1] == k for r in raw)]
    candidates: list[tuple[int, str, list[_Item]]] = []
    for kind in kinds:
        items = [_Item(kind, v, [rest]) for (_i, k, v, rest) in raw if k == kind]
        positions = [i for (i, k, _v, _r) in raw if k == kind]
        for it, pos in zip(items, positions, strict=True):
            it.lines = [lines[pos][len(lines[pos]) - len(lines[pos].lstrip()):]]
        run = _sequential(items)
        if not run:
            continue
        run_pos = [positions[items.index(it)] for it in run]
        _fill(run, run_pos, lines, raw, kind)
        asks = sum("?" in it.text for it in run)
        if kind == "bullet" and asks * 2 < len(run):
            continue
        if kind == "lower" and len(kinds) > 1:
            continue
        candidates.append((len(run) + asks, kind, run))
    if not candidates:
        return [], 0
    best = max(candidates, key=lambda c: c[0])
    items = best[2]
    return items, max(it.end for it in items)


def _fill(run: list[_Item], positions: list[int], lines: list[str], raw: list[tuple[int, str, int, str]],
          kind: str) -> None:
    """Give every item its continuation lines (until the next item, a blank line before prose, or the end)."""
    top_lines = set(positions)
    for n, (item, pos) in enumerate(zip(run, positions, strict=True)):
        stop = positions[n + 1] if n + 1 < len(positions) else len(lines)
        body: list[str] = [_strip_marker(lines[pos])]
        j = pos + 1
        while j < stop:
            line = lines[j]
            if _END_OF_QUESTIONS.match(line) or (j in top_lines):
                break
            if not line:
                nxt = next((k for k in range(j + 1, stop) if lines[k]), None)
                if nxt is None:
                    break
                current = join_lines(body)
                following = lines[nxt]
                mk = marker(following)
                continues = (
                    not current  # "1." alone on its line, the text follows
                    or (mk is not None and mk[0] in {"lower", "bullet"} and kind not in {"lower", "bullet"})
                    or (not re.search(r"[?.:!]\s*$", current) and re.match(r"[a-zäöüß]", following) is not None)
                    or (current.endswith(":") and n + 1 < len(positions))
                )
                if not continues:
                    break
                j = nxt
                continue
            if kind == "bullet" and marker(line) and marker(line)[0] == "bullet":  # type: ignore[index]
                break
            body.append(line)
            j += 1
        item.lines = body
        item.end = j


def _strip_marker(line: str) -> str:
    mk = marker(line)
    return mk[2] if mk else line


def _split_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[?!.])\s+(?=[A-ZÄÖÜ„\"])", text)
    return [p.strip() for p in parts if p.strip()]


def _prose_questions(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for para in paragraphs:
        for sentence in _split_sentences(para):
            if sentence.endswith("?"):
                out.append(sentence)
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    paras: list[str] = []
    buf: list[str] = []
    for line in [*lines, ""]:
        if line:
            buf.append(line)
        elif buf:
            paras.append(join_lines(buf))
            buf = []
    return paras


def _question_region_end(lines: list[str], start: int) -> int:
    for i in range(start, len(lines)):
        if _END_OF_QUESTIONS.match(lines[i]):
            return i
    return len(lines)


def split_questions(text: str) -> list[str]:
    """The Anfrage's questions in order, each as one joined string (without its marker)."""
    lines = clean_lines(text)
    items, end = _collect_items(lines)
    if items:
        questions = [q for q in (_item_text(it) for it in items) if q]
        # questions asked in prose right after the list ("Falls ...: Wird die Verwaltung ...?")
        tail_end = _question_region_end(lines, end)
        for para in _paragraphs(lines[end:tail_end]):
            asked = _prose_questions([para])
            if not asked:
                break
            questions.extend(asked)
        return questions
    # no list: questions embedded in prose, before the Begründung
    first = body_start(lines)
    region = lines[first:_question_region_end(lines, first)]
    asked = _prose_questions(_paragraphs(region))
    if asked:
        return asked
    request = _request_paragraph(region)
    return [request] if request else []


def _item_text(item: _Item) -> str:
    return re.sub(r"\s+", " ", item.text).strip()


def body_start(lines: list[str]) -> int:
    """First line after the letterhead (after "Anfrage:" or the Gremium/Termin table)."""
    for i, line in enumerate(lines):
        if re.match(r"^anfrage\s*:?\s*$", line, re.I) and i > 3:
            return i + 1
    last_head = 0
    for i, line in enumerate(lines[:60]):
        if re.match(r"^(gremi|ortschaftsrat \w+ \d|gemeinderat \d|öffentlich|kenntnisnahme|x\s*$|☐|☒)", line, re.I) \
                or re.search(r"\bkenntnisnahme\s*$|\bÖ\s+\w+\s*$", line):
            last_head = i + 1
    return last_head


def _request_paragraph(region: list[str]) -> str | None:
    for para in _paragraphs(region):
        if len(para) > 40 and not BOILERPLATE.match(para):
            return para
    return None
