"""The text layer of Karlsruhe's Vorlagen as the answer miner sees it: lines without page furniture
("– 2 –", "Gedruckt auf 100 Prozent Recyclingpapier", "Ergänzende Erläuterungen Seite 2"), words hyphenated
across lines joined, content words for matching, and answers that only point elsewhere ("Siehe Frage 2.").
"""

from __future__ import annotations

import re
import unicodedata

_FURNITURE = re.compile(
    r"^(?:[-–—]\s*\d+\s*[-–—]|--\s*\d+\s+of\s+\d+\s*--|seite\s+\d+(?:\s+von\s+\d+)?|_{5,}.*|(?:\.\s*){3}"
    r"|ergänzende erläuterungen:?(?:\s+seite\s+\d+)?|gedruckt auf(?:\s+100 prozent recyclingpapier)?"
    r"|100\s+prozent recyclingpapier|prozent recyclingpapier|reduzieren|loading\.\.\.)$",
    re.I,
)

# Where the answers end: closing formula, sign-off, the template's internal routing block.
END = re.compile(
    r"^(?:die verwaltung betrachtet die anfrage|mit freundlichen grüßen|gez\.|anlagen?\s*:?$|anlagen?\s*\d*\s*:"
    r"|dienststelle datum unterschrift|sachbearbeit|\(nur für die interne|\(bitte unterschrift|zur beurkundung"
    r"|abstimmung mit städtischen gesellschaften|finanzielle auswirkungen|isek-karlsruhe|unterzeichnet"
    r"|anhörung ortschaftsrat|z\.\s?d\.\s?a\.|hauptamt\s*[-–]\s*ratsangelegenheiten)",
    re.I,
)

# The letterhead and consultation table of Karlsruhe's templates (2013-2026).
HEADER = re.compile(
    r"^(?:stadt karlsruhe|der oberbürgermeister|ortsverwaltung|stadtamt|stellungnahme\b|anfrage\b|vorlage nr"
    r"|verantwortlich|dienststelle|gremi|termin|top\b|vom\b|eingegangen|eingang|öffentlich|nicht öffentlich"
    r"|ergebnis$|dez\.|[xX☒☐]\s*$|zuständigkeit|\d{4}/\d{4}$|\d{1,3}(?:\.\d+)?$|\d{1,2}\.\d{1,2}\.\d{4}$)"
    r"|\d{1,2}\.\d{1,2}\.\d{4}\s+\d{1,3}(?:\.\d+)?\b|\b(?:kenntnisnahme|behandlung|beschlussfassung|vorberatung)$",
    re.I,
)

_STOP = frozenset(
    "der die das den dem des ein eine einer eines einem einen und oder sowie bzw ist sind wird werden wurde wurden "
    "hat haben hatte mit von für auf aus bei nach im in zu zum zur wie was wer wann welche welcher welches welchen "
    "warum wieso weshalb es sie er wir ihr nicht auch noch als an am dass daß so sich diese dieser dieses diesen "
    "kann können soll sollen gibt gab dort hier wenn ob durch über unter vor seit bis um nur schon".split())

_REFERENCE = re.compile(  # a sentence that only points elsewhere
    r"^\W*(?:siehe|s\.|vgl\.|vergleiche|wie (?:bereits )?(?:zu|unter|in|bei|oben)|hierzu wird auf|es wird auf"
    r"|auf die (?:antwort|ausführungen|beantwortung|stellungnahme))\b"
    r"|(?:siehe|vgl\.?|verwiesen auf|verweisen auf)\s+(?:auch\s+)?(?:hierzu\s+)?(?:die\s+|den\s+)?(?:antwort"
    r"|ausführungen|beantwortung|frage|punkt|pkt|ziff|nr|stellungnahme|vorlage|anlage|oben|buchst)"
    r"|wird auf .{0,80}verwiesen|(?:in|mit) (?:der|dem) .{0,60}(?:vorlage|stellungnahme|antwort).{0,80}beantwortet",
    re.I,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])")

REPEATED_HEAD = re.compile(r"^stellungnahme zur anfrage$", re.I)


def clean_lines(text: str) -> list[str]:
    """Non-empty lines without page furniture; words hyphenated across lines joined onto the first line."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\r", "").replace("\f", "\n")
    out: list[str] = []
    bullet = ""
    for raw in text.split("\n"):
        line = re.sub(r"\s+", " ", raw).strip()
        if not line or _FURNITURE.match(line):
            continue
        if re.fullmatch(r"[•▪●·]", line):
            bullet = line + " "  # a bullet alone on its line belongs to the next line
            continue
        line, bullet = bullet + line, ""
        if out and re.search(r"\w-$", out[-1]) and re.match(r"[A-Za-zÄÖÜäöüß]", line):
            head, _, tail = line.partition(" ")
            if re.search(r"://|www\.", out[-1].rsplit(" ", 1)[-1]):
                out[-1] = out[-1] + head  # a web address keeps its hyphen
            elif head[0].islower() and not re.match(r"(?:und|oder|bzw|sowie)\b", head):
                out[-1] = out[-1][:-1] + head
            elif head[0].isupper():
                out[-1] = out[-1] + head  # "Baden-" + "Württemberg"
            else:
                out.append(line)
                continue
            line = tail.strip()
            if not line:
                continue
        out.append(line)
    return out


def join_passage(lines: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def content_tokens(text: str) -> list[str]:
    return [t for t in re.findall(r"[a-zäöüß0-9]+", text.lower()) if t not in _STOP and (len(t) > 2 or t.isdigit())]


def is_reference_answer(answer: str) -> bool:
    """An answer whose substance is elsewhere: "Siehe Frage 2.", "Nein. Siehe Ziffer 3a und 4.", "s. Anlage 2"."""
    if len(answer) > 400:
        return False
    sentences = _SENTENCE_END.split(answer)
    pointers = {n for n, s in enumerate(sentences) if len(s) <= 90 and _REFERENCE.search(s)}
    rest = " ".join(s for n, s in enumerate(sentences) if n not in pointers)
    return bool(pointers) and len(rest) < 20
