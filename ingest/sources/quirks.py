"""Vendor quirks of council systems that the readers repair, each in its own small class.

A repair is never silent: every quirk has a German note that the ingest summary shows under
"Hinweise", so a user sees which files were read only thanks to a repair.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Repair:
    """One kind of repair applied to one input (file or URL); `note` names the vendor quirk."""

    note: str


class RawControlCharacters:
    """CC e-gov ALLRIS emits raw control characters inside JSON strings, which is invalid JSON; the
    reader parses with strict=False (BinaryGarbage then removes the characters)."""

    note = "Herstellerfehler repariert: rohe Steuerzeichen in JSON-Zeichenketten (ungültiges JSON, CC e-gov ALLRIS)"


class BinaryGarbage:
    """Control characters and a trailing line of binary garbage inside text fields (the same ALLRIS
    export appends bytes of its database record to a title)."""

    note = "Herstellerfehler repariert: Steuerzeichen und Binärreste aus Textfeldern entfernt"
    _BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
    # a trailing line with fewer letters than this share is binary garbage, not text
    _LETTERS_OF_TAIL = 0.3

    def applies(self, value: str) -> bool:
        return bool(self._BINARY.search(value))

    def fix(self, value: str) -> str:
        return self._BINARY.sub("", self._drop_binary_tail(value))

    def _drop_binary_tail(self, value: str) -> str:
        """Cut off a trailing line of binary garbage (mostly control characters and symbols)."""
        match = self._BINARY.search(value)
        if match is None:
            return value
        start = value.rfind("\n", 0, match.start()) + 1
        if start == 0:
            return value
        tail = value[start:]
        letters = sum(ch.isalpha() for ch in tail)
        if letters < len(tail) * self._LETTERS_OF_TAIL:
            return value[:start].rstrip()
        return value


class WordBreakCharacters:
    """Text pasted from Word keeps its line and page breaks as \\x0b and \\x0c; they become spaces."""

    note = "Herstellerfehler repariert: Word-Zeilen-/Seitenumbrüche (\\x0b, \\x0c) in Zeichenketten"
    _SPACE_LIKE = re.compile(r"[\x0b\x0c]")

    def applies(self, value: str) -> bool:
        return "\x0b" in value or "\x0c" in value

    def fix(self, value: str) -> str:
        return self._SPACE_LIKE.sub(" ", value)


class Cp850Mojibake:
    """CC e-gov ALLRIS exports text stored as cp850 through cp1252: "beschr„nkter" means "beschränkter"."""

    note = "Herstellerfehler repariert: Umlaute in CP850-Fehlkodierung („beschr„nkter“ → „beschränkter“)"
    _PATTERN = re.compile(r"(?<=[a-zäöüß])[\u201e\u201d\x81](?=[a-zäöüß])")
    _MAP = {"\u201e": "ä", "\u201d": "ö", "\x81": "ü"}

    def applies(self, value: str) -> bool:
        return bool(self._PATTERN.search(value))

    def fix(self, value: str) -> str:
        return self._PATTERN.sub(lambda m: self._MAP[m.group(0)], value)


class Cp1252Bytes:
    """Some endpoints serve Windows-1252 bytes although JSON must be UTF-8."""

    note = "Herstellerfehler repariert: kein UTF-8, als Windows-1252 gelesen"


# Order matters: control characters first (the binary tail is found by them), mojibake last.
STRING_QUIRKS = (BinaryGarbage(), WordBreakCharacters(), Cp850Mojibake())


def repair_string(value: str, found: set[str] | None = None) -> str:
    """Apply every string quirk that applies; the notes of those applied are added to `found`."""
    for quirk in STRING_QUIRKS:
        if quirk.applies(value):
            value = quirk.fix(value)
            if found is not None:
                found.add(quirk.note)
    return value


def repairs(notes: Iterable[str]) -> tuple[Repair, ...]:
    """Notes in a stable order (the order of the quirk classes) as Repair records."""
    order = [RawControlCharacters.note, *(q.note for q in STRING_QUIRKS), Cp1252Bytes.note]
    wanted = set(notes)
    return tuple(Repair(n) for n in order if n in wanted) + tuple(Repair(n) for n in sorted(wanted - set(order)))
