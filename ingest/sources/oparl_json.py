"""Tolerant JSON reading for OParl endpoints that emit broken JSON (raw control characters, cp1252)."""

from __future__ import annotations

import json
import re
from typing import Any

# Control characters other than \t \n \r; \x0b and \x0c (Word line/page breaks) become spaces.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACE_LIKE = re.compile(r"[\x0b\x0c]")
_LETTERS_OF_TAIL = 0.3
# CC e-gov ALLRIS exports text stored as cp850 through cp1252: "beschr„nkter" means "beschränkter".
_CP850_MOJIBAKE = re.compile(r"(?<=[a-zäöüß])[\u201e\u201d\x81](?=[a-zäöüß])")
_CP850_MAP = {"\u201e": "ä", "\u201d": "ö", "\x81": "ü"}


class OParlFormatError(ValueError):
    """An OParl response or file that cannot be read as JSON, naming the file or URL."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), falling back to cp1252 and then latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean_string(value: str) -> str:
    """Remove control characters (keeping tab and newlines) and a binary garbage tail from a string."""
    if _BINARY.search(value):
        value = _drop_binary_tail(value)
        value = _BINARY.sub("", value)
    if "\x0b" in value or "\x0c" in value:
        value = _SPACE_LIKE.sub(" ", value)
    if "\u201e" in value or "\u201d" in value or "\x81" in value:
        value = _CP850_MOJIBAKE.sub(lambda m: _CP850_MAP[m.group(0)], value)
    return value


def _drop_binary_tail(value: str) -> str:
    """Cut off trailing lines of binary garbage (mostly control characters and symbols)."""
    match = _BINARY.search(value)
    if match is None:
        return value
    start = value.rfind("\n", 0, match.start()) + 1
    if start == 0:
        return value
    tail = value[start:]
    letters = sum(ch.isalpha() for ch in tail)
    if letters < len(tail) * _LETTERS_OF_TAIL:
        return value[:start].rstrip()
    return value


def clean_strings(obj: Any) -> Any:
    """Apply `clean_string` to every string (keys and values) of a parsed JSON structure."""
    if isinstance(obj, str):
        return clean_string(obj)
    if isinstance(obj, list):
        return [clean_strings(item) for item in obj]
    if isinstance(obj, dict):
        return {clean_string(k): clean_strings(v) for k, v in obj.items()}
    return obj


def load_json_tolerant(data: bytes | str, location: str) -> Any:
    """Parse JSON, accepting raw control characters in strings and cp1252 bytes; raise OParlFormatError."""
    text = decode_bytes(data) if isinstance(data, bytes) else data
    if not text.strip():
        raise OParlFormatError(location, "leere Antwort statt JSON")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        try:
            # strict=False accepts raw control characters inside strings (CC e-gov ALLRIS quirk).
            obj = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            raise OParlFormatError(
                location, f"kein gültiges JSON ({exc.msg}, Zeile {exc.lineno}, Spalte {exc.colno})"
            ) from exc
    return clean_strings(obj)
