"""Parse a council Anfrage: numbered questions, submitter, date, title and Drucksache number.

Works on the text layer of real Anfragen (Karlsruhe, Braunschweig): question markers "1.", "1)",
"Frage 1:", "A.", "I.", bullets, or questions embedded in prose; wrapped lines and hyphenation
are joined. Everything is heuristic and conservative: a run of markers must count up from its
first value, and after the question list only paragraphs that still ask something are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

MONTHS = {
    "januar": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}
MONTH_NAMES = ["", "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
               "Oktober", "November", "Dezember"]
_DATE_NUM = r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2,4})"
_DATE_LONG = r"(\d{1,2})\.\s?(" + "|".join(m for m in MONTHS) + r")\s+(\d{4})"
_DATE_ANY = re.compile(f"{_DATE_NUM}|{_DATE_LONG}", re.I)
_VOM = re.compile(r"\bvom\s*:?\s*(" + _DATE_NUM + "|" + _DATE_LONG + ")", re.I)
_EINGANG = re.compile(r"\b(?:eingang|eingegangen(?:\s+am)?)\s*:?\s*(" + _DATE_NUM + "|" + _DATE_LONG + ")", re.I)
_REFERENCE = re.compile(r"(?<![\w/])(\d{4}/\d{3,5}|\d{2}-\d{5}(?:-\d{2})?)(?![\w/])")
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
_ORG_WORD = re.compile(r"\S*(?:fraktion|gruppe|gemeinderatsfraktion)\b|\bFraktion\b|\bGruppe\b", re.I)
_PERSON = re.compile(r"^\s*(Stadträtin|Stadtrat|Ortschaftsrätin|Ortschaftsrat|Bezirksrätin|Bezirksrat|Ratsfrau|Ratsherr)\s+"
                     r"([^\n]+?\([^)\n]+\))", re.M)
_BOILERPLATE = re.compile(
    r"^(?:(?:interfraktionelle\s+)?anfrage\b|stellungnahme\b|gedruckt|vorlage|eingang|eingegangen|gremi|termin|top\b|"
    r"stadt karlsruhe|der oberbürgermeister|stadtamt|stadträtin|stadtrat|ortschaftsrat|gemeinderat\b|vom\b|"
    r"öffentlich|nicht öffentlich|verantwortlich|dienststelle|zuständigkeit|ö\s*/\s*n|\d|x\b|☒|☐|"
    r"plenarsitzung|kenntnisnahme|unterzeichnet|reduzieren|beratungsfolge|sachverhalt|allris|rat und|"
    r"karlsruhe\b\s*$|gmbh|dez\.)",
    re.I,
)


@dataclass
class ParsedAnfrage:
    """What the drafting tool needs from an Anfrage."""

    submitter: str | None
    date: str | None  # ISO date (YYYY-MM-DD)
    title: str | None
    questions: list[str] = field(default_factory=list)
    reference: str | None = None


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


def iso_date(match_text: str) -> str | None:
    """"18. Dezember 2013" / "12.03.2024" / "1.2.24" -> ISO date."""
    m = re.search(_DATE_NUM, match_text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year = year + 2000 if year < 100 else year
    else:
        m = re.search(_DATE_LONG, match_text, re.I)
        if not m:
            return None
        day, month, year = int(m.group(1)), MONTHS[m.group(2).lower()], int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def german_date(iso: str | None) -> str:
    """"2013-12-18" -> "18. Dezember 2013" (house style); unknown -> "[Datum]"."""
    if not iso or not re.match(r"\d{4}-\d\d-\d\d", iso):
        return "[Datum]"
    y, m, d = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    return f"{d}. {MONTH_NAMES[m]} {y}"


# --- markers ---------------------------------------------------------------------------------------
def _marker(line: str) -> tuple[str, int, str] | None:
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
        mk = _marker(line)
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
                mk = _marker(following)
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
            if kind == "bullet" and _marker(line) and _marker(line)[0] == "bullet":  # type: ignore[index]
                break
            body.append(line)
            j += 1
        item.lines = body
        item.end = j


def _strip_marker(line: str) -> str:
    mk = _marker(line)
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
    first = _body_start(lines)
    region = lines[first:_question_region_end(lines, first)]
    asked = _prose_questions(_paragraphs(region))
    if asked:
        return asked
    request = _request_paragraph(region)
    return [request] if request else []


def _item_text(item: _Item) -> str:
    return re.sub(r"\s+", " ", item.text).strip()


def _body_start(lines: list[str]) -> int:
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
        if len(para) > 40 and not _BOILERPLATE.match(para):
            return para
    return None


# --- header fields -------------------------------------------------------------------------------------
def _header(lines: list[str]) -> list[str]:
    """Lines before the first question marker or the body (at most 45)."""
    for i, line in enumerate(lines[:60]):
        mk = _marker(line)
        if mk and mk[0] in {"num", "frage", "upper", "roman"} and mk[1] == 1 and i > 3:
            return lines[:i]
    return lines[:max(_body_start(lines), 12)][:45]


def parse_date(lines: list[str]) -> str | None:
    head = "\n".join(_header(lines)[:40])
    for pattern in (re.compile(r"^\s*" + _VOM.pattern, re.I | re.M), _EINGANG, _VOM):
        m = pattern.search(head)
        if m:
            iso = iso_date(m.group(1))
            if iso:
                return iso
    m = re.search(r"Zur Anfrage .{0,120}? vom (" + _DATE_LONG + "|" + _DATE_NUM + ")", head, re.I | re.S)
    return iso_date(m.group(1)) if m else None


def parse_submitter(lines: list[str]) -> str | None:
    head = _header(lines)
    text = "\n".join(head)
    m = re.search(r"(?:Anfrage|Antrag)\s+(?:der|des|von)\s+([^\n]+?)(?:\s+vom\b|\s*\[|\s*$)", text, re.I | re.M)
    if m and 2 < len(m.group(1)) < 80 and not m.group(1).rstrip().endswith("?"):
        return _tidy_org(m.group(1))
    m = re.search(r"^\s*(?:interfraktionelle\s+)?Anfrage\s*:\s*([^\s„\"“][^\n]{1,50})$", text, re.I | re.M)
    if m:
        return _tidy_org(m.group(1))
    m = re.search(r"^\s*Eingang\s*:?\s*[\d.]+\s*,\s*(?:Anfrage\s+(?:der\s+)?)?(\S[^\n]*)$", text, re.I | re.M)
    if m:
        return _tidy_org(m.group(1))
    orgs = []
    for line in head:
        if _ORG_WORD.search(line) and len(line) < 90 and not re.match(r"(die|der|wir|für)\b", line, re.I) \
                and not line.rstrip().endswith(("?", ".", ",")):
            orgs.append(_tidy_org(line))
    if orgs:
        return " und ".join(dict.fromkeys(orgs))
    persons = [f"{m.group(1)} {m.group(2).strip()}" for m in _PERSON.finditer(text)]
    if persons:
        return persons[0] if len(persons) == 1 else ", ".join(persons[:-1]) + " und " + persons[-1]
    return None


def _tidy_org(value: str) -> str:
    value = re.split(r"\s{2,}|\s+Vorlage\b|\s+eingegangen\b", value.strip())[0]
    value = value.strip(" ,:;")
    if value.endswith(")") and "(" not in value:
        value = value[:-1]
    return value.strip()


def parse_title(lines: list[str], reference: str | None) -> str | None:
    head = _header(lines)
    for i, line in enumerate(head):
        if reference and reference in line and not re.sub(r"(?i)vorlage\S*|nr\.?|:|" + re.escape(reference), "", line).strip():
            # Karlsruhe: the title follows the "Vorlage Nr.: 2023/0076" line
            for k, nxt in enumerate(head[i + 1:i + 4], start=i + 1):
                if _is_title(nxt):
                    return _title_with_continuation(head, k)
    for k, line in enumerate(head):
        if _is_title(line):
            return _title_with_continuation(head, k)
    return None


def _title_with_continuation(head: list[str], k: int) -> str:
    """A title wrapped onto a second line ("... mit Behinderungen in" / "städtischen Gesellschaften")."""
    title = head[k]
    nxt = head[k + 1] if k + 1 < len(head) else ""
    if (len(title) > 45 and nxt and not _BOILERPLATE.match(nxt) and not _marker(nxt) and len(nxt) < 80
            and not _ORG_WORD.search(nxt) and not re.search(r"[.?!:]$", title) and not re.match(r"^\S+\s*:", nxt)):
        return join_lines([title, nxt])
    return title


def _is_title(line: str) -> bool:
    if not line or _BOILERPLATE.match(line) or _ORG_WORD.search(line) and len(line) < 60 and "-" in line:
        return False
    if re.match(r"^\S+\s*:", line) or _PERSON.match(line):
        return False
    return len(re.findall(r"[^\W\d_]", line)) >= 12 and len(line.split()) >= 2


def parse_reference(lines: list[str]) -> str | None:
    head = "\n".join(_header(lines))
    m = re.search(r"Vorlage\S*\s*(?:Nr\.?)?\s*:?\s*(\d{4}/\d{3,5})", head, re.I)
    if m:
        return m.group(1)
    m = re.search(r"\bDS\s*(\d{2}-\d{5}(?:-\d{2})?|\d{4}/\d{3,5})", head)
    if m:
        return m.group(1)
    m = _REFERENCE.search(head)
    return m.group(1) if m else None


def parse_anfrage(text: str) -> ParsedAnfrage:
    """Submitter, ISO date, title, questions and Drucksache number of an Anfrage text."""
    lines = clean_lines(text)
    reference = parse_reference(lines)
    return ParsedAnfrage(
        submitter=parse_submitter(lines),
        date=parse_date(lines),
        title=parse_title(lines, reference),
        questions=split_questions(text),
        reference=reference,
    )
