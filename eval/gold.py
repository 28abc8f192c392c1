"""Gold evaluation set: data model, loader with validation, and text normalisation.

The gold questions live in ``eval/questions.jsonl`` (one JSON object per line).
``normalise_for_match`` is shared by the gold-set validator (tests/eval) and by the
key-fact metric of the batch evaluation, so that both see the same text.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

QUESTIONS_PATH = Path(__file__).resolve().parent / "questions.jsonl"

TYPES = ("fact", "amount_date", "outcome", "reference", "list", "followup", "unanswerable")
CITIES = ("Karlsruhe", "Braunschweig", "Nordstemmen", "Erlangen", "Hildesheim", "Wolfsburg", "Laatzen")


def default_corpus_root() -> Path:
    """The shared corpus: env COUNCIL_CORPUS, else ../shared/corpus beside the repo."""
    env = os.environ.get("COUNCIL_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    type: str
    answerable: bool
    city: str | None
    gold_refs: tuple[str, ...]
    gold_paper_ids: tuple[str, ...]
    gold_file_ids: tuple[str, ...]
    key_facts: tuple[str, ...]
    reference_answer: str
    evidence_quote: str
    evidence_path: str | None
    history: tuple[Turn, ...] = field(default_factory=tuple)
    # False when a question file neither says nor implies (by gold fields) whether the question is
    # answerable (eval.questions): refusal metrics then leave it out
    answerable_known: bool = True
    # fields of a foreign question file that the evaluation does not know, passed through to the results
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


class GoldSetError(ValueError):
    """A malformed line in the gold question file."""


# --------------------------------------------------------------------------- normalisation

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\ufeff"), None)
# a soft hyphen at a line end marks a word split by the PDF layout: "Abrollbehäl\u00ad\ntern"
_SOFT_BREAK = re.compile(r"\u00ad[ \t]*\r?\n\s*")
# "wa-\nrum" / "wa- \n  rum" -> "warum" (only when the next character is lowercase)
_HYPHEN_BREAK = re.compile(r"(\w)-[ \t\u00a0]*\r?\n\s*(?=[a-zäöüß])")
_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)\]%€])")


def normalise_for_match(text: str) -> str:
    """Normalise text for substring matching of quotes and key facts.

    NFC, join words split by a soft hyphen at a line end, drop other soft hyphens
    and zero-width characters, join hyphenated line breaks
    when the next character is lowercase, collapse all whitespace (incl. no-break
    spaces) to single spaces, remove spaces before punctuation and before "%" and "€" ("140.000 €" is "140.000€"), casefold.
    """
    text = _SOFT_BREAK.sub("", unicodedata.normalize("NFC", text)).translate(_INVISIBLE)
    text = _HYPHEN_BREAK.sub(r"\1", text)
    text = _WS.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip().casefold()


def contains_normalised(haystack: str, needle: str) -> bool:
    return normalise_for_match(needle) in normalise_for_match(haystack)


# --------------------------------------------------------------------------- evidence


def _json_strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _json_strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _json_strings(v)]
    return []


def evidence_text(item: GoldItem, corpus_root: Path | str | None = None) -> str:
    """The text of the item's evidence file ("" for unanswerable items).

    JSON files (meetings, OParl lists, metadata) yield the concatenation of all
    their string values, one per line.
    """
    if not item.evidence_path:
        return ""
    root = Path(corpus_root) if corpus_root is not None else default_corpus_root()
    path = root / item.evidence_path
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        return "\n".join(_json_strings(json.loads(raw)))
    return raw


# --------------------------------------------------------------------------- loading

_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "question": str,
    "type": str,
    "answerable": bool,
    "city": (str, type(None)),
    "gold_refs": list,
    "gold_paper_ids": list,
    "gold_file_ids": list,
    "key_facts": list,
    "reference_answer": str,
    "evidence_quote": str,
    "evidence_path": (str, type(None)),
    "history": list,
}


def _parse_item(obj: Any) -> GoldItem:
    if not isinstance(obj, dict):
        raise ValueError("line is not a JSON object")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(obj) - set(_REQUIRED))
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    for key, typ in _REQUIRED.items():
        if not isinstance(obj[key], typ):
            raise ValueError(f"field {key!r} has wrong type {type(obj[key]).__name__}")
    for key in ("gold_refs", "gold_paper_ids", "gold_file_ids", "key_facts"):
        if not all(isinstance(v, str) and v.strip() for v in obj[key]):
            raise ValueError(f"field {key!r} must be a list of non-empty strings")
    if not obj["id"].strip() or not obj["question"].strip():
        raise ValueError("id and question must be non-empty")
    if obj["type"] not in TYPES:
        raise ValueError(f"unknown type {obj['type']!r} (expected one of {', '.join(TYPES)})")
    if obj["city"] is not None and obj["city"] not in CITIES:
        raise ValueError(f"unknown city {obj['city']!r}")
    if (obj["type"] == "unanswerable") == obj["answerable"]:
        raise ValueError("type 'unanswerable' must go with answerable=false and vice versa")
    if obj["answerable"]:
        if not obj["gold_file_ids"] or not obj["key_facts"]:
            raise ValueError("answerable item needs gold_file_ids and key_facts")
        if not obj["evidence_path"] or not obj["evidence_quote"].strip():
            raise ValueError("answerable item needs evidence_path and evidence_quote")
    else:
        if obj["gold_refs"] or obj["gold_paper_ids"] or obj["gold_file_ids"] or obj["key_facts"]:
            raise ValueError("unanswerable item must have empty gold lists and key_facts")
        if obj["evidence_quote"] or obj["evidence_path"] is not None:
            raise ValueError("unanswerable item must have evidence_quote '' and evidence_path null")
    turns = []
    for turn in obj["history"]:
        if not (
            isinstance(turn, dict)
            and isinstance(turn.get("question"), str)
            and isinstance(turn.get("answer"), str)
            and set(turn) == {"question", "answer"}
        ):
            raise ValueError("history entries must be {'question': str, 'answer': str}")
        turns.append(Turn(turn["question"], turn["answer"]))
    if obj["type"] == "followup" and not turns:
        raise ValueError("followup item needs a non-empty history")
    return GoldItem(
        id=obj["id"],
        question=obj["question"],
        type=obj["type"],
        answerable=obj["answerable"],
        city=obj["city"],
        gold_refs=tuple(obj["gold_refs"]),
        gold_paper_ids=tuple(obj["gold_paper_ids"]),
        gold_file_ids=tuple(obj["gold_file_ids"]),
        key_facts=tuple(obj["key_facts"]),
        reference_answer=obj["reference_answer"],
        evidence_quote=obj["evidence_quote"],
        evidence_path=obj["evidence_path"],
        history=tuple(turns),
    )


def load_questions(path: Path | str = QUESTIONS_PATH) -> list[GoldItem]:
    """Load and validate the gold questions; raise GoldSetError naming file and line."""
    path = Path(path)
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = _parse_item(json.loads(line))
            except (json.JSONDecodeError, ValueError) as exc:
                raise GoldSetError(f"{path}:{lineno}: {exc}") from exc
            if item.id in seen:
                raise GoldSetError(
                    f"{path}:{lineno}: duplicate id {item.id!r} (first on line {seen[item.id]})"
                )
            seen[item.id] = lineno
            items.append(item)
    return items


def longest_common_word_run(a: str, b: str) -> int:
    """Length (in words) of the longest run of consecutive words shared by a and b."""
    wa = re.findall(r"\w+", normalise_for_match(a))
    wb = re.findall(r"\w+", normalise_for_match(b))
    best = 0
    prev = [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best
