"""An Anfrage read from its text: date, submitter, title, Drucksache number and its questions (`anfrage_questions`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.parse.anfrage_questions import (
    BOILERPLATE,
    body_start,
    clean_lines,
    join_lines,
    marker,
    split_questions,
)

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
_ORG_WORD = re.compile(r"\S*(?:fraktion|gruppe|gemeinderatsfraktion)\b|\bFraktion\b|\bGruppe\b", re.I)
_PERSON = re.compile(r"^\s*(Stadträtin|Stadtrat|Ortschaftsrätin|Ortschaftsrat|Bezirksrätin|Bezirksrat|Ratsfrau|Ratsherr)\s+"
                     r"([^\n]+?\([^)\n]+\))", re.M)


@dataclass
class ParsedAnfrage:
    """What the drafting tool needs from an Anfrage."""

    submitter: str | None
    date: str | None  # ISO date (YYYY-MM-DD)
    title: str | None
    questions: list[str] = field(default_factory=list)
    reference: str | None = None


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


# --- header fields -------------------------------------------------------------------------------------
def _header(lines: list[str]) -> list[str]:
    """Lines before the first question marker or the body (at most 45)."""
    for i, line in enumerate(lines[:60]):
        mk = marker(line)
        if mk and mk[0] in {"num", "frage", "upper", "roman"} and mk[1] == 1 and i > 3:
            return lines[:i]
    return lines[:max(body_start(lines), 12)][:45]


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
    if (len(title) > 45 and nxt and not BOILERPLATE.match(nxt) and not marker(nxt) and len(nxt) < 80
            and not _ORG_WORD.search(nxt) and not re.search(r"[.?!:]$", title) and not re.match(r"^\S+\s*:", nxt)):
        return join_lines([title, nxt])
    return title


def _is_title(line: str) -> bool:
    if not line or BOILERPLATE.match(line) or _ORG_WORD.search(line) and len(line) < 60 and "-" in line:
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
