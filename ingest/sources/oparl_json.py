"""Tolerant JSON reading for OParl endpoints that emit broken JSON (raw control characters, cp1252).

The repairs themselves are vendor quirks in `ingest.sources.quirks`; every repair is reported as a
note (non-fatal problem) when the caller passes its problem log, so the summary names it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ingest.sources.quirks import Cp1252Bytes, RawControlCharacters, repair_string, repairs

if TYPE_CHECKING:
    from ingest.sources.base import ProblemLog


class OParlFormatError(ValueError):
    """An OParl response or file that cannot be read as JSON, naming the file or URL."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


def decode_bytes(data: bytes, found: set[str] | None = None) -> str:
    """Decode UTF-8 (with or without BOM), falling back to cp1252 and then latin-1 (noted in `found`)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if found is not None:
        found.add(Cp1252Bytes.note)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean_string(value: str, found: set[str] | None = None) -> str:
    """Remove control characters (keeping tab and newlines), a binary garbage tail and cp850 mojibake."""
    return repair_string(value, found)


def clean_strings(obj: Any, found: set[str] | None = None) -> Any:
    """Apply `clean_string` to every string (keys and values) of a parsed JSON structure."""
    if isinstance(obj, str):
        return repair_string(obj, found)
    if isinstance(obj, list):
        return [clean_strings(item, found) for item in obj]
    if isinstance(obj, dict):
        return {repair_string(k, found): clean_strings(v, found) for k, v in obj.items()}
    return obj


def load_json_repaired(data: bytes | str, location: str) -> tuple[Any, tuple[str, ...]]:
    """Parse JSON, accepting raw control characters in strings and cp1252 bytes; returns the object
    and the notes of the vendor quirks repaired. Raises OParlFormatError naming `location`."""
    found: set[str] = set()
    text = decode_bytes(data, found) if isinstance(data, bytes) else data
    if not text.strip():
        raise OParlFormatError(location, "leere Antwort statt JSON")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError:
        try:
            obj = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            raise OParlFormatError(
                location, f"kein gültiges JSON ({exc.msg}, Zeile {exc.lineno}, Spalte {exc.colno})"
            ) from exc
        found.add(RawControlCharacters.note)
    obj = clean_strings(obj, found)
    return obj, tuple(r.note for r in repairs(found))


def load_json_tolerant(data: bytes | str, location: str, problems: ProblemLog | None = None) -> Any:
    """`load_json_repaired` that reports each repair as a note into `problems` (when given)."""
    obj, notes = load_json_repaired(data, location)
    if problems is not None:
        for note in notes:
            problems.report(location, note, stage="quirk", fatal=False)
    return obj
