"""A Stellungnahme draft for an Anfrage: precedents, facts with sources, an answer per question, the house style."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.draft.answers import answer_question
from assistant.draft.inputs import load_anfrage
from assistant.draft.precedents import OUTDATED_YEARS, HitPredicate, find_precedents
from assistant.draft.records import OPEN, Draft, DraftAnswer, Precedent
from assistant.service import Assistant
from assistant.types import Citation, Hit
from ingest.language import base_reference
from ingest.parse.anfrage import german_date, parse_anfrage
from ingest.records import Access


# --- exclusion --------------------------------------------------------------------------------------------
def make_exclusion(doc_ids: Iterable[str] = (), refs: Iterable[str] = (), file_ids: Iterable[str] = (),
                   extra: HitPredicate | None = None) -> HitPredicate:
    """A predicate that is True for hits the draft must not use (own paper, excluded Drucksachen/files)."""
    docs = set(doc_ids)
    ref_set = {r.strip().lower() for r in refs if r.strip()}
    ref_set |= {base_reference(r) for r in ref_set}
    files = set(file_ids)

    def excluded(hit: Hit) -> bool:
        ref = hit.meta.reference.lower()
        return (hit.doc_id in docs or (bool(ref) and (ref in ref_set or base_reference(ref) in ref_set))
                or hit.meta.file_id in files or (extra is not None and extra(hit)))

    return excluded


# --- header ---------------------------------------------------------------------------------------------------
def submitter_phrase(submitter: str | None) -> str:
    """"SPD" -> "der SPD-Fraktion"; persons -> "von Stadträtin …"; unknown -> "der [Einreicher]"."""
    if not submitter:
        return "der [Einreicher]"
    if re.match(r"(Stadträtin|Stadtrat|Ortschaftsrätin|Ortschaftsrat|Bezirksrätin|Bezirksrat|Ratsfrau|Ratsherr)\b", submitter):
        return f"von {submitter}"
    if re.search(r"fraktion|gruppe", submitter, re.I):
        return f"der {submitter}"
    if "," in submitter or " und " in submitter:
        return f"der Fraktionen {submitter}"
    if " " in submitter:
        return f"der Fraktion {submitter}"
    return f"der {submitter}-Fraktion"


def house_header(submitter: str | None, date: str | None) -> str:
    return f"Zur Anfrage {submitter_phrase(submitter)} vom {german_date(date)} nimmt die Verwaltung wie folgt Stellung:"


# --- the whole draft -------------------------------------------------------------------------------------------
def draft_stellungnahme(assistant: Assistant, source: str, exclude_refs: Iterable[str] = (), mode: str | None = None,
                        exclude_hit: HitPredicate | None = None, clearance: Access = Access.PUBLIC,
                        files: bool = True) -> Draft:
    """Draft the Stellungnahme to the Anfrage named by `source` (Drucksache, file path when `files`, or text) from
    the papers a reader of `clearance` may read."""
    mode = mode or str(getattr(assistant.settings, "mode", "extractive") or "extractive")
    inp = load_anfrage(assistant, source, clearance, files)
    parsed = parse_anfrage(inp.text)
    record = inp.record or {}
    if record.get("title"):
        parsed.title = str(record["title"])
    if record.get("reference"):
        parsed.reference = str(record["reference"])
    if not parsed.submitter and record.get("submitter"):
        parsed.submitter = str(record["submitter"])
    date = parsed.date or (str(record.get("date"))[:10] if record.get("date") else None)
    parsed.date = date
    notes: list[str] = []
    if not parsed.questions:
        notes.append("Keine Einzelfragen erkannt: der Entwurf behandelt die Anfrage als eine Frage.")
        parsed.questions = [parsed.title or inp.text.strip()[:300]]
    if not date:
        notes.append("Datum der Anfrage nicht erkannt: frühere Anfragen sind nicht nach Datum begrenzt.")
    own_docs = [inp.doc_id] if inp.doc_id else []
    excluded = make_exclusion(own_docs, exclude_refs, extra=exclude_hit)
    if assistant.is_empty:
        notes.append("Der Index ist leer: keine Quellen, alle Antworten offen.")
        precedents: list[Precedent] = []
        answers = [DraftAnswer(i + 1, q, OPEN, open=True) for i, q in enumerate(parsed.questions)]
        registry: dict[str, Citation] = {}
    else:
        precedents = find_precedents(assistant, parsed, date, excluded, clearance)
        registry = {}
        used: set[str] = set()
        answers = [answer_question(assistant, i + 1, q, parsed.title or "", excluded, registry, mode, date, used,
                                   clearance)
                   for i, q in enumerate(parsed.questions)]
    open_count = sum(a.open for a in answers)
    if open_count:
        notes.append(f"{open_count} von {len(answers)} Fragen sind offen: die Quellen im Index beantworten sie nicht.")
    if any(p.outdated for p in precedents):
        notes.append(f"Frühere Anfragen älter als {OUTDATED_YEARS} Jahre sind als „möglicherweise veraltet“ markiert.")
    if any(p.notes for p in precedents):
        notes.append("Abweichende Zahlenangaben in früheren Stellungnahmen: vor Übernahme den aktuellen Stand prüfen.")
    sources = sorted(registry.values(), key=lambda c: c.n)
    return Draft(header=house_header(parsed.submitter, date), anfrage=parsed, answers=answers, precedents=precedents,
                 sources=sources, notes=notes, mode=mode, doc_id=inp.doc_id)
