"""Earlier Anfragen and Stellungnahmen on the topic, each with the administration's answer, and numbers that changed since."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable

from assistant.draft.inputs import file_texts, split_paper_files
from assistant.draft.records import Precedent
from assistant.question import Question
from assistant.service import Assistant
from assistant.types import ChunkMeta, Filters, Hit
from ingest.language import QUESTION_NOISE, base_reference, content_terms, split_sentences
from ingest.parse.anfrage import ParsedAnfrage
from ingest.records import Access

OUTDATED_YEARS = 4
MIN_PRECEDENT_SIMILARITY = 0.08  # absolute floor of the precedent score
RELATIVE_PRECEDENT_SIMILARITY = 0.4  # ... and at least this share of the best precedent's score
MAX_PRECEDENTS = 6
HitPredicate = Callable[[Hit], bool]


# --- precedents ---------------------------------------------------------------------------------------------
def weighted_overlap(query_terms: dict[str, float], text: str) -> float:
    terms = content_terms(text)
    total = sum(query_terms.values()) or 1.0
    return sum(w for t, w in query_terms.items() if t in terms) / total


def _query_weights(assistant: Assistant, title: str, questions: list[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for t in content_terms(" ".join(questions)) - QUESTION_NOISE:
        weights[t] = assistant.idf.get(t, 1.0)
    for t in content_terms(title) - QUESTION_NOISE:
        weights[t] = 2.0 * assistant.idf.get(t, 1.0)
    return weights


def _years_before(iso: str, years: int) -> str:
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return ""
    return d.replace(year=d.year - years, day=min(d.day, 28)).isoformat()


def find_precedents(assistant: Assistant, parsed: ParsedAnfrage, date: str | None, excluded: HitPredicate,
                    clearance: Access,
                    limit: int = MAX_PRECEDENTS) -> list[Precedent]:
    """Earlier Anfragen/Stellungnahmen on the topic, most similar first, each with its answer."""
    catalog = assistant.catalog
    types = tuple(t for t in catalog.counts_by("paper_type") if re.search(r"anfrage|stellungnahme", t, re.I))
    if not types:
        return []
    title = parsed.title or ""
    query = f"{title} {title} " + " ".join(parsed.questions)
    filters = Filters(paper_types=types, date_to=date[:10] if date else None)
    hits = assistant.search(Question.of(query[:2000], filters, clearance), k=60, per_paper=2)
    weights = _query_weights(assistant, title, parsed.questions)
    by_doc: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        if not excluded(h):
            by_doc[h.doc_id].append(h)
    cutoff = _years_before(date, OUTDATED_YEARS) if date else ""
    seen_refs: set[str] = set()
    out: list[Precedent] = []
    for doc_id, doc_hits in by_doc.items():
        m = doc_hits[0].meta
        ref = m.reference
        family = base_reference(ref) or doc_id
        if family in seen_refs:
            continue
        doc_date = m.date
        if date and doc_date and doc_date[:10] > date[:10]:
            continue  # nothing dated after the Anfrage
        sim = weighted_overlap(weights, m.title + " " + " ".join(h.text for h in doc_hits))
        title_sim = weighted_overlap({t: w for t, w in weights.items() if t in content_terms(title)},
                                      m.title) if title else 0.0
        score = 0.6 * sim + 0.4 * title_sim
        if score < MIN_PRECEDENT_SIMILARITY:
            continue
        seen_refs.add(family)
        p = Precedent(doc_id=doc_id, reference=ref, title=m.title, date=doc_date[:10],
                      paper_type=m.paper_type, similarity=round(score, 3),
                      url=m.paper_url or None,
                      outdated=bool(cutoff and doc_date and doc_date[:10] < cutoff))
        _attach_answer(assistant, p, weights, excluded, clearance)
        out.append(p)
    out.sort(key=lambda p: -p.similarity)
    if out:
        floor = RELATIVE_PRECEDENT_SIMILARITY * out[0].similarity
        out = [p for p in out if p.similarity >= floor]
    out = out[:limit]
    flag_number_conflicts(out, set(weights))
    return out


def _attach_answer(assistant: Assistant, p: Precedent, weights: dict[str, float], excluded: HitPredicate,
                   clearance: Access) -> None:
    """The administration's answer: the paper's Stellungnahme file (Karlsruhe) or the linked "-01" paper."""
    catalog = assistant.catalog
    candidates: list[tuple[str, str, str]] = []  # (answer label, file id, text)
    for fid, name, text in split_paper_files(catalog, p.doc_id).get("stellungnahme", []):
        candidates.append((name or "Stellungnahme", fid, text))
    if not candidates:
        for rec in assistant.linked_documents(p.doc_id, clearance):
            kind = str(rec.get("paper_type") or "").lower()
            ref = str(rec.get("reference") or "")
            if "stellungnahme" in kind or re.search(r"-\d{2}$", ref):
                for fid, _name, text in file_texts(catalog, rec["id"]):
                    candidates.append((ref or rec.get("title", ""), fid, text))
                    break
    for label, fid, text in candidates:
        probe = Hit(chunk_id="", doc_id=p.doc_id, text="", score=0.0,
                    meta=ChunkMeta(file_id=fid, reference=p.reference))
        if excluded(probe):
            continue
        p.answer_reference = label
        p.answer_excerpt = _best_sentences(text, weights)
        p.answer_text = text
        return


def _best_sentences(text: str, weights: dict[str, float], n: int = 2, max_chars: int = 420) -> str:
    scored = []
    for i, s in enumerate(split_sentences(text)):
        if len(s) < 30 or s.endswith("?"):
            continue
        scored.append((weighted_overlap(weights, s), -i, s))
    scored.sort(reverse=True)
    best = sorted(scored[:n], key=lambda x: -x[1])
    return " … ".join(s for _w, _i, s in best)[:max_chars]


_NUMBER_NOUN = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*(%|Prozent|Euro|EUR|€|[A-ZÄÖÜ][a-zäöüß]{3,})")


def flag_number_conflicts(precedents: list[Precedent], topic_terms: set[str]) -> None:
    """Cheap contradiction check: two precedents' answers give different numbers for the same topic noun.

    Only nouns that belong to the current Anfrage's topic count; the flag says "prüfen", not "falsch":
    a number that changed over the years is usually just a newer state.
    """
    seen: dict[str, tuple[str, Precedent]] = {}
    for p in precedents:
        text = p.answer_text
        if not text:
            continue
        local: dict[str, str] = {}
        for number, noun in _NUMBER_NOUN.findall(text):
            terms = content_terms(noun)
            if not terms or not terms <= topic_terms:
                continue
            local.setdefault(noun, number)
        for noun, number in local.items():
            if noun in seen and seen[noun][0] != number and seen[noun][1] is not p:
                other_number, other = seen[noun]
                note = (f"abweichende Zahl zu „{noun}“: {number} hier, {other_number} in {other.reference or other.title} "
                        f"– Stand prüfen")
                if len(p.notes) < 2:
                    p.notes.append(note)
            else:
                seen.setdefault(noun, (number, p))
