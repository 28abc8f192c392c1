"""What is new for a subscription: the papers stored since it was made that a topic, a Drucksache or a committee
finds, and that its owner may read.

A topic uses the chat's retrieval over the new papers alone and keeps a paper that is about it, not one that
mentions a word: the topic's terms (idf-weighted) are covered by its title and best passages to at least
MIN_COVERAGE, and its rarest term stands in the title or in at least two of its sentences."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from assistant.answer.rules import topic_coverage
from assistant.question import Question
from assistant.service import Assistant
from assistant.subscriptions.records import Found, Kind, Subscription
from assistant.types import Filters, Hit
from ingest.language import base_reference, content_terms, find_references, split_sentences, version_base

MIN_COVERAGE = 0.75
MIN_MENTIONS = 2
TOPIC_HITS = 60
QUOTE_CHARS = 300
MEETING_TYPES = ("sitzung", "tagesordnung", "niederschrift", "protokoll")


@dataclass
class Candidate:
    """A paper stored since some subscription was made; its text lines are read once, for all subscriptions."""

    doc_id: str
    version: str
    record: dict[str, Any]
    stored: float
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def access(self) -> str:
        return str(self.record.get("access") or "public")

    def lines(self, assistant: Assistant) -> list[str]:
        if self._lines is None:
            self._lines = [line.strip() for _cid, text, _meta in assistant.catalog.doc_chunks(self.doc_id)
                           for line in text.splitlines()]
        return self._lines


def candidates(assistant: Assistant, since: float) -> list[Candidate]:
    return [Candidate(d, v, r, at) for d, v, r, at in assistant.catalog.changed_since(since)]


def new_for(assistant: Assistant, sub: Subscription, pool: list[Candidate], known: dict[str, set[str]]) -> list[Found]:
    """The papers of `pool` stored since `sub` was made that it finds and has not recorded in this version (`known`:
    doc id -> versions recorded); one recorded in another version is reported as changed."""
    readable = [c for c in pool if c.stored > sub.created and sub.role.allows(c.access)
                and c.version not in known.get(c.doc_id, set())]
    if not readable:
        return []
    if sub.kind is Kind.TOPIC:
        hits = _topic(assistant, sub, readable)
    elif sub.kind is Kind.DRUCKSACHE:
        hits = _drucksache(assistant, sub, readable)
    else:
        hits = _committee(assistant, sub, readable)
    now = time.time()
    by_id = {c.doc_id: c for c in readable}
    return [_found(sub, by_id[doc_id], hit, quote, doc_id in known, now) for doc_id, (hit, quote) in hits.items()]


def _topic(assistant: Assistant, sub: Subscription, pool: list[Candidate]) -> dict[str, tuple[Hit | None, str]]:
    base = Filters(**json.loads(sub.filters)) if sub.filters else Filters()
    filters = replace(base, doc_ids=tuple(c.doc_id for c in pool), paper_types=tuple(base.paper_types))
    question = Question.of(sub.target, filters, sub.role)
    hits = assistant.search(question, k=TOPIC_HITS, per_paper=3)
    by_doc: dict[str, list[Hit]] = {}
    for h in hits:
        by_doc.setdefault(h.doc_id, []).append(h)
    rarest = _rarest(question, assistant)
    out: dict[str, tuple[Hit | None, str]] = {}
    for doc_id, doc_hits in by_doc.items():
        title = doc_hits[0].meta.title
        titled = Hit(doc_hits[0].chunk_id, doc_id, title, 0.0, doc_hits[0].meta)
        if topic_coverage(question, [titled, *doc_hits], assistant.idf, top=4) < MIN_COVERAGE:
            continue
        mentions = _mentions(rarest, doc_hits)
        if rarest and rarest not in content_terms(title) and mentions < MIN_MENTIONS:
            continue  # named in passing: the paper is not about the topic
        best = next((h for h in doc_hits if h.meta.file_id != "overview"), doc_hits[0])
        out[doc_id] = (best, best.text[:2 * QUOTE_CHARS])
    return out


def _mentions(term: str, hits: list[Hit]) -> int:
    """Sentences of the hits that name `term`: sentences, not chunks, and a piece of a sentence that an overlapping
    chunk cut off counts with its whole (a topic named once in passing is no topic)."""
    found = {" ".join(x.split()) for h in hits for x in split_sentences(h.text) if term in content_terms(x)}
    return sum(not any(s != other and s in other for other in found) for s in found)


def _rarest(question: Question, assistant: Assistant) -> str:
    terms = sorted(question.terms, key=lambda t: (-assistant.idf.get(t, 1.0), t))
    return terms[0] if terms else ""


def _drucksache(assistant: Assistant, sub: Subscription, pool: list[Candidate]) -> dict[str, tuple[Hit | None, str]]:
    """The paper's own versions and partners ("-01" Stellungnahmen, "/1" amendments), papers linked to it, and
    meetings or minutes that name it."""
    refs = find_references(sub.target) or [sub.target]
    family = {version_base(base_reference(r)).lower() for r in refs}
    out: dict[str, tuple[Hit | None, str]] = {}
    for c in pool:
        rec = c.record
        own = str(rec.get("reference") or "")
        links = [*rec.get("related", []), *rec.get("superordinated", []), *rec.get("subordinated", [])]
        if own and version_base(base_reference(own)).lower() in family:
            out[c.doc_id] = (None, _consultations(rec) or str(rec.get("title") or ""))
        elif any(version_base(base_reference(str(x))).lower() in family for x in links):
            out[c.doc_id] = (None, f"verweist auf {refs[0]}: {rec.get('title') or ''}")
        else:
            line = _line_naming(assistant, c, refs)
            if line:
                out[c.doc_id] = (None, line)
    return out


def _committee(assistant: Assistant, sub: Subscription, pool: list[Candidate]) -> dict[str, tuple[Hit | None, str]]:
    """New meetings and agendas of the committee, and papers it is to consult."""
    name = sub.target.lower()
    out: dict[str, tuple[Hit | None, str]] = {}
    for c in pool:
        rec = c.record
        lines = [_consultation_line(x) for x in rec.get("consultations", []) if name in str(x.get("organization") or "").lower()]
        if lines:
            out[c.doc_id] = (None, "; ".join(lines)[:QUOTE_CHARS])
        elif str(rec.get("paper_type") or "").lower().startswith(MEETING_TYPES):
            line = _line_naming(assistant, c, [sub.target])
            if line or name in str(rec.get("title") or "").lower():
                out[c.doc_id] = (None, line or str(rec.get("title") or ""))
    return out


def _consultation_line(c: dict[str, Any]) -> str:
    parts = [str(c.get(k) or "") for k in ("organization", "meeting_date", "role", "result")]
    return ", ".join(p for p in parts if p)


def _consultations(rec: dict[str, Any]) -> str:
    return "; ".join(_consultation_line(c) for c in rec.get("consultations", []))[:QUOTE_CHARS]


def _line_naming(assistant: Assistant, c: Candidate, needles: list[str]) -> str:
    wanted = [n.lower() for n in needles]
    return next((line[:QUOTE_CHARS] for line in c.lines(assistant) if any(n in line.lower() for n in wanted)), "")


def _found(sub: Subscription, c: Candidate, hit: Hit | None, quote: str, changed: bool, now: float) -> Found:
    rec = c.record
    files = rec.get("files") or []
    file_url = next((str(f.get("url") or "") for f in files if f.get("url")), "")
    paper_url = str(rec.get("web_url") or "") or (c.doc_id if c.doc_id.startswith(("http://", "https://")) else "")
    return Found(subscription=sub.id, doc_id=c.doc_id, version=c.version, changed=changed,
                 reference=str(rec.get("reference") or ""), paper_type=str(rec.get("paper_type") or ""),
                 title=str(rec.get("title") or ""), date=str(rec.get("date") or ""), body=str(rec.get("body") or ""),
                 paper_url=paper_url, file_url=hit.meta.file_url if hit is not None and hit.meta.file_url else file_url,
                 quote=_shortened(" ".join(quote.split())), access=c.access, found_at=now)


def _shortened(text: str) -> str:
    """At most QUOTE_CHARS, cut at a word with "…"."""
    if len(text) <= QUOTE_CHARS:
        return text
    return text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
