"""Fast text cleaning for German council documents (PDF text layers, OCR, web copies)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# cp1252 bytes 0x80-0x9f that were decoded as latin-1 C1 controls; the rest are dropped.
_C1_MAP = {
    "\x80": "€", "\x84": "„", "\x85": "…", "\x91": "‘", "\x92": "’", "\x93": "“",
    "\x94": "”", "\x95": "•", "\x96": "–", "\x97": "—",
}
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_SPACES = "\t\xa0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_REMOVED = "\xad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\ufffe"

_ODD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f" + _SPACES + _REMOVED + "\u2028\u2029\ue000-\uf8ff\ufb00-\ufb06]"
)
_CP1252_CONT = "\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
# Mojibake: UTF-8 bytes of a Latin-1/punctuation character read as cp1252 or latin-1.
_MOJIBAKE = re.compile(f"(?:[ÂÃ][{_CP1252_CONT}]|â[{_CP1252_CONT}]{{2}}|Å[{_CP1252_CONT}])")
_MOJIBAKE_HINT = re.compile("[ÂÃâÅ][\x80-\xbf€‚„…“”–—˜™šŸ]")

_NEWLINES = re.compile(r"\r\n?")
_SOFT_HYPHEN_BREAK = re.compile("\xad[ \t]*\n[ \t]*")
_LETTER = r"[^\W\d_]"
# Five or more single letters separated by single spaces: "S c h ü t z e n s t r a ß e".
_LETTER_SPACED = re.compile(rf"[ \n](?:{_LETTER} ){{4,}}{_LETTER}(?!\w)")
# "S ä mtliche", "f ü r": a word fragment, a lone umlaut, a lowercase continuation.
_SPLIT_UMLAUT = re.compile(r"(?<![\w.])([A-ZÄÖÜa-zäöüß][a-zäöüß]*) ([äöüß]) ([a-zäöüß]+)(?![\w])")
_SPLIT_HINT = re.compile(" [äöüß] [a-zäöüß]")
_STOPWORDS = frozenset(
    "und oder der die das den dem des im in zu zum zur für mit von vom bei auf aus an am um als wie "
    "ein eine einer einen einem eines nicht nur auch sich es er sie wir ihr ist sind wird werden so da "
    "bis ab per je pro vor nach über unter durch gegen ohne sowie bzw sehr noch schon hier dort wenn "
    "dass ob weil Die Der Das Den Dem Im In Zu Für Mit Von Bei Auf Aus An Am Und Oder Sowie Ein Eine".split()
)
_SPACE_RUN = re.compile(r" {2,}")
_HYPHEN_BREAK = re.compile(r"-\n(\w+)")
_COMBINING = re.compile("[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff]")
_SUSPENDED_CONT = frozenset(
    ("und", "oder", "bzw", "sowie", "beziehungsweise", "als", "bis", "noch", "u", "o", "resp", "statt")
)
_BLANK_LINES = re.compile(r"\n{3,}")
_WORD_CHAR = re.compile(r"\w")
_DASHED_PAGE_NUMBER = re.compile(r"\n+[-–] ?\d{1,4} ?[-–](?=\n|$)")
_FORMFEED_EDGES = re.compile(r"\s*\f\s*")


def _odd_char(match: re.Match[str]) -> str:
    """Replacement for one control, space-like, private-use or ligature character."""
    ch = match.group(0)
    if ch in _SPACES or ch in "\u2028\u2029":
        return " " if ch not in "\u2028\u2029" else "\n"
    if ch in _C1_MAP:
        return _C1_MAP[ch]
    if ch in _LIGATURES:
        return _LIGATURES[ch]
    if "\ue000" <= ch <= "\uf8ff":
        return "-" if ch == "\uf02d" else "•"  # symbol-font bullets and dashes
    return ""


def _fix_mojibake_piece(match: re.Match[str]) -> str:
    """Re-decode one cp1252-misread UTF-8 sequence; keep it when that fails."""
    piece = match.group(0)
    for encoding in ("cp1252", "latin-1"):
        try:
            fixed = piece.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(fixed) == 1 and ("\xa0" <= fixed <= "\u017f" or "\u2000" <= fixed <= "\u20ac"):
            return fixed
    return piece


def _split_umlaut(match: re.Match[str]) -> str:
    """Join "S ä mtliche" -> "Sämtliche" unless the left part is a real short word."""
    left, umlaut, right = match.groups()
    if right == "nö":  # "ö nö" columns (öffentlich / nicht öffentlich)
        return match.group(0)
    if left in _STOPWORDS:
        return f"{left} {umlaut}{right}"
    return left + umlaut + right


def _hyphen_break(match: re.Match[str]) -> str:
    """Decide how a line-final hyphen joins the next line (German hyphenation rules)."""
    start = match.start()
    following = match.group(1)
    if start == 0 or not _WORD_CHAR.match(match.string[start - 1]):
        return match.group(0)  # a dash or bullet, not a hyphenated word
    if following in _SUSPENDED_CONT:
        return f"- {following}"  # "Bau-\nund Verkehrsausschuss" -> "Bau- und Verkehrsausschuss"
    if following[0].islower():
        return following  # "wün-\nschenswert" -> "wünschenswert"
    return f"-{following}"  # "CDU-\nFraktion" -> "CDU-Fraktion"


def _join_spaced(match: re.Match[str]) -> str:
    """Join a letter-spaced word, keeping the separator before it."""
    piece = match.group(0)
    return piece[0] + piece[1:].replace(" ", "")


def repair_mojibake(text: str) -> str:
    """Repair UTF-8 read as cp1252/latin-1 ("Ã¤" -> "ä", "â€ž" -> "„") when detected."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    return _MOJIBAKE.sub(_fix_mojibake_piece, text)


def clean_text(text: str) -> str:
    """Normalise one text: NFC, controls, mojibake, split umlauts, hyphenation, whitespace."""
    if not text:
        return ""
    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    if _COMBINING.search(text):
        text = unicodedata.normalize("NFC", text)
    text = repair_mojibake(text)
    if "\xad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = _ODD_CHARS.sub(_odd_char, text)
    text = _LETTER_SPACED.sub(_join_spaced, "\n" + text)[1:]
    if _SPLIT_HINT.search(text):
        text = _SPLIT_UMLAUT.sub(_split_umlaut, text)
    text = _SPACE_RUN.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    if " -\n" in text:
        text = _DASHED_PAGE_NUMBER.sub("", text)
    if "-\n" in text:
        text = _HYPHEN_BREAK.sub(_hyphen_break, text)
    if "\f" in text:
        text = _FORMFEED_EDGES.sub("\f", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip(" \n")


_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|(?:Seite|S\.|Blatt)\s*\d{1,4}(?:\s*(?:von|/)\s*\d{1,4})?|\d{1,4}"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}\s+von\s+\d{1,4})$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_EDGE_LINES = 3


def _line_key(line: str) -> str:
    """Comparison key of a header/footer line: digits masked, case and spaces folded."""
    return _DIGITS.sub("#", " ".join(line.split()).casefold())


def _edge_positions(lines: list[str]) -> dict[int, int]:
    """Map line index -> position (0, 1, 2 from the top; -1, -2, -3 from the bottom)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    positions: dict[int, int] = {}
    for pos, index in enumerate(reversed(filled[-_EDGE_LINES:]), start=1):
        positions[index] = -pos
    for pos, index in enumerate(filled[:_EDGE_LINES]):
        positions[index] = pos
    return positions


def remove_repeated_lines(pages: list[str]) -> list[str]:
    """Drop running headers/footers (same place on >= 50% and >= 3 pages) and bare page numbers."""
    split_pages = [page.split("\n") for page in pages]
    edges = [_edge_positions(lines) for lines in split_pages]
    counts: Counter[tuple[int, str]] = Counter()
    for lines, positions in zip(split_pages, edges, strict=True):
        counts.update({(pos, _line_key(lines[i])) for i, pos in positions.items()})
    threshold = max(3, (len(pages) + 1) // 2)
    result: list[str] = []
    for lines, positions in zip(split_pages, edges, strict=True):
        drop = {
            i for i, pos in positions.items()
            if counts[(pos, _line_key(lines[i]))] >= threshold or _PAGE_NUMBER.match(lines[i].strip())
        }
        kept = [line for i, line in enumerate(lines) if i not in drop]
        result.append(_BLANK_LINES.sub("\n\n", "\n".join(kept)).strip("\n"))
    return result
