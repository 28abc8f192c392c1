"""A tolerant reader for question files written by someone else (JSONL, a JSON list, or CSV).

Only `question` is required. Every other field is optional, under any of its aliases (FIELD_ALIASES,
case-insensitive); fields it does not know are kept and passed through to the results. A bad row is
reported with its line number and skipped, the rest is read. The strict loader for the team's own
gold set stays in `eval.gold.load_questions`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import GoldItem, Turn

# canonical field -> accepted names (the first is the canonical one)
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "qid", "nr"),
    "question": ("question", "frage"),
    "answerable": ("answerable", "beantwortbar"),
    "gold_refs": ("gold_refs", "refs", "references", "drucksachen"),
    "gold_paper_ids": ("gold_paper_ids", "paper_ids"),
    "gold_file_ids": ("gold_file_ids", "file_ids"),
    "key_facts": ("key_facts", "facts", "fakten"),
    "reference_answer": ("reference_answer", "answer", "antwort"),
    "evidence_quote": ("evidence_quote", "evidence", "beleg"),
    "evidence_path": ("evidence_path",),
    "city": ("city", "stadt"),
    "history": ("history", "verlauf"),
    "type": ("type", "typ"),
}
_LOOKUP = {alias: field for field, aliases in FIELD_ALIASES.items() for alias in aliases}
_LIST_FIELDS = ("gold_refs", "gold_paper_ids", "gold_file_ids", "key_facts")
_TRUE = frozenset(("true", "ja", "j", "yes", "y", "1", "wahr", "x"))
_FALSE = frozenset(("false", "nein", "n", "no", "0", "falsch"))
_CSV_SPLIT = re.compile(r"\s*[|;]\s*")


class RowError(ValueError):
    """A row that cannot become a question (the reason names the field)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"Zeile {self.line} übersprungen: {self.reason}"


@dataclass(frozen=True)
class QuestionFile:
    """What was read: the questions, the rows skipped, which fields the file has, notes on reading."""

    path: Path
    items: tuple[GoldItem, ...]
    problems: tuple[RowProblem, ...]
    fields: frozenset[str]  # canonical fields filled in at least one question
    unknown_fields: tuple[str, ...]  # kept as they are under "extra" in the results
    notes: tuple[str, ...] = ()


def canonical(name: str) -> str | None:
    """The canonical field of a column or key name ("Key Facts" -> "key_facts"), None if unknown."""
    return _LOOKUP.get(re.sub(r"[\s-]+", "_", name.strip().casefold()))


def read_question_file(path: Path | str) -> QuestionFile:
    """Read JSONL / JSON / CSV by suffix (else by the first character); raises OSError only."""
    path = Path(path)
    raw = path.read_bytes()
    notes: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        notes.append("kein UTF-8: als Windows-1252 gelesen (Excel-Export?)")
    suffix = path.suffix.lower()
    is_csv = suffix in (".csv", ".tsv") or (suffix not in (".jsonl", ".json", ".ndjson")
                                            and not text.lstrip().startswith(("{", "[")))
    rows = _csv_rows(text) if is_csv else _json_rows(text)
    return _collect(path, rows, tuple(notes))


def _collect(path: Path, rows: Iterator[tuple[int, Any]], notes: tuple[str, ...]) -> QuestionFile:
    items: list[GoldItem] = []
    problems: list[RowProblem] = []
    fields: set[str] = set()
    unknown: dict[str, None] = {}
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            if isinstance(row, RowError):
                raise row
            item, filled, extra = parse_row(row, line)
            if item.id in seen:
                raise RowError(f"doppelte id {item.id!r} (zuerst in Zeile {seen[item.id]})")
        except RowError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        seen[item.id] = line
        items.append(item)
        fields |= filled
        unknown.update(dict.fromkeys(extra))
    return QuestionFile(path, tuple(items), tuple(problems), frozenset(fields), tuple(unknown), notes)


def _json_rows(text: str) -> Iterator[tuple[int, Any]]:
    """(line, object) per JSONL line; a JSON list gives (position, object)."""
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, RowError(f"kein gültiges JSON ({exc.msg}, Spalte {exc.colno})")
            return
        yield from enumerate(data, start=1)
        return
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield line, json.loads(raw)
        except json.JSONDecodeError as exc:
            yield line, RowError(f"kein gültiges JSON ({exc.msg}, Spalte {exc.colno})")


def _csv_rows(text: str) -> Iterator[tuple[int, Any]]:
    """(line of the row's start, {column: cell}) per CSV row; the delimiter (, ; tab) is guessed."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    line = 0
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        if len(cells) > len(header):
            yield start, RowError(f"{len(cells)} Zellen, aber nur {len(header)} Spaltenüberschriften")
            continue
        yield start, {name: _CsvCell(cell) for name, cell in zip(header, cells, strict=False) if cell.strip()}


class _CsvCell(str):
    """A CSV cell: lists are "a | b" or "a; b" or a JSON list, history is JSON."""


def parse_row(row: Any, line: int) -> tuple[GoldItem, set[str], dict[str, Any]]:
    """A question from one row: (item, canonical fields filled in, unknown fields)."""
    if not isinstance(row, Mapping):
        raise RowError("kein JSON-Objekt")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in row.items():
        field = canonical(str(name))
        if field is None:
            extra[str(name)] = value
        elif field in values and not _empty(value) and values[field] != value:
            raise RowError(f"Feld {field} doppelt angegeben (als {name!r} und unter einem anderen Namen)")
        elif not _empty(value):
            values[field] = value
    question = values.get("question")
    if not isinstance(question, str) or not question.strip():
        raise RowError("Feld question fehlt oder ist leer (auch: frage)")
    lists = {f: _strings(values.get(f), f) for f in _LIST_FIELDS}
    answerable, known = _answerable(values, lists)
    item = GoldItem(
        id=str(values.get("id", f"zeile-{line}")).strip(),
        question=question.strip(),
        type=str(values.get("type", "unanswerable" if not answerable else "")).strip(),
        answerable=answerable,
        city=str(values["city"]).strip() if values.get("city") else None,
        gold_refs=lists["gold_refs"], gold_paper_ids=lists["gold_paper_ids"], gold_file_ids=lists["gold_file_ids"],
        key_facts=lists["key_facts"],
        reference_answer=_text(values.get("reference_answer"), "reference_answer"),
        evidence_quote=_text(values.get("evidence_quote"), "evidence_quote"),
        evidence_path=_text(values.get("evidence_path"), "evidence_path") or None,
        history=_history(values.get("history")),
        answerable_known=known,
        extra=extra,
    )
    return item, set(values), extra


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise RowError(f"Feld {field}: Text erwartet, nicht {type(value).__name__}")


def _strings(value: Any, field: str) -> tuple[str, ...]:
    """A list field: a JSON list of texts, one text, or a CSV cell "a | b" / "a; b" / JSON list."""
    if value is None:
        return ()
    if isinstance(value, _CsvCell):
        value = json.loads(value) if value.lstrip().startswith("[") and _is_json(value) else _CSV_SPLIT.split(value)
    if isinstance(value, str | int | float):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise RowError(f"Feld {field}: Liste von Texten erwartet")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except json.JSONDecodeError:
        return False
    return True


def _answerable(values: Mapping[str, Any], lists: Mapping[str, tuple[str, ...]]) -> tuple[bool, bool]:
    """(answerable, whether the file says so): given; type unanswerable; or implied by gold fields."""
    given = values.get("answerable")
    if given is not None:
        if isinstance(given, bool):
            return given, True
        word = str(given).strip().casefold()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE, True
        raise RowError(f"Feld answerable: {given!r} ist kein Wahrheitswert (ja/nein, true/false, 1/0)")
    if str(values.get("type", "")).strip() == "unanswerable":
        return False, True
    implied = any(lists.values()) or bool(values.get("evidence_quote"))
    return True, implied


def _history(value: Any) -> tuple[Turn, ...]:
    """Earlier turns: [{"question", "answer"}] (aliases frage/antwort), or earlier questions as texts."""
    if value is None:
        return ()
    if isinstance(value, _CsvCell):
        value = json.loads(value) if _is_json(value) else [str(value)]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise RowError("Feld history: Liste erwartet")
    turns = []
    for turn in value:
        if isinstance(turn, str):
            turns.append(Turn(turn, ""))
            continue
        if not isinstance(turn, Mapping):
            raise RowError("Feld history: Einträge {question, answer} oder Texte erwartet")
        named = {canonical(str(k)) or str(k): v for k, v in turn.items()}
        question = named.get("question")
        if not isinstance(question, str) or not question.strip():
            raise RowError("Feld history: ein Eintrag ohne question")
        turns.append(Turn(question, str(named.get("reference_answer") or "")))
    return tuple(turns)
