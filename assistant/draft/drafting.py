"""Draft the administration's Stellungnahme to an Anfrage: precedents, per-question answers with sources.

`draft_stellungnahme(assistant, source)` takes a Drucksache number in the index, a file (PDF/TXT) or
pasted text. Answers are extractive (verbatim source sentences with [n]) or generative when a chat
model is configured (checked with `citations.check_answer`); a question the sources do not answer
gets "[offen: Angabe der Fachabteilung]". The draft never cites the Anfrage's own paper.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.answer.citations import check_answer
from assistant.answer.rules import QUESTION_NOISE, extractive_answer, topic_coverage
from assistant.draft.anfrage import ParsedAnfrage, german_date, parse_anfrage
from assistant.types import Citation, Filters, Hit, Sentence
from ingest.language import base_reference, content_terms, find_references, split_sentences

log = logging.getLogger(__name__)

OPEN = "[offen: Angabe der Fachabteilung]"
OUTDATED_YEARS = 4
MIN_PRECEDENT_SIMILARITY = 0.08  # absolute floor of the precedent score
RELATIVE_PRECEDENT_SIMILARITY = 0.4  # ... and at least this share of the best precedent's score
MIN_TOPIC_OVERLAP = 0.5  # answer passages must share this much (idf-weighted) of the Anfrage title's terms
MAX_PRECEDENTS = 6
MIN_ANSWER_COVERAGE = 0.45  # idf-weighted share of the question's topic terms in the best hits
MIN_SENTENCE_COVERAGE = 0.2  # ... and in the best quoted sentence itself
HitPredicate = Callable[[Hit], bool]


class DraftError(Exception):
    """The input names nothing that can be drafted (unknown Drucksache, unreadable file)."""


@dataclass
class Precedent:
    """An earlier Anfrage (or Stellungnahme) on the same topic, with the administration's answer."""

    doc_id: str
    reference: str
    title: str
    date: str
    paper_type: str
    similarity: float
    answer_reference: str | None = None  # where the answer is (reference or file name)
    answer_excerpt: str = ""
    url: str | None = None
    outdated: bool = False
    notes: list[str] = field(default_factory=list)
    answer_text: str = field(default="", repr=False)  # the whole answer, for the number check

    @property
    def kind(self) -> str:
        return f"{self.paper_type or 'Vorlage'} mit Stellungnahme" if self.answer_excerpt else (self.paper_type or "Vorlage")

    @property
    def hint(self) -> str:
        parts = (["möglicherweise veraltet"] if self.outdated else []) + self.notes
        return "; ".join(parts)


@dataclass
class DraftAnswer:
    """The proposed answer to one question."""

    number: int
    question: str
    text: str  # paragraph with global [n] markers, or OPEN
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # global numbering
    open: bool = False
    coverage: float = 0.0


@dataclass
class Draft:
    """A Stellungnahme draft in the house format plus the material it was built from."""

    header: str
    anfrage: ParsedAnfrage
    answers: list[DraftAnswer]
    precedents: list[Precedent]
    sources: list[Citation]
    notes: list[str] = field(default_factory=list)
    mode: str = "extractive"
    doc_id: str | None = None  # the Anfrage's paper in the index, when known

    @property
    def questions(self) -> list[str]:
        return self.anfrage.questions


@dataclass
class AnfrageInput:
    text: str
    doc_id: str | None = None
    record: dict[str, Any] | None = None
    origin: str = "Text"


# --- files of a paper ------------------------------------------------------------------------------
def classify_file(name: str, text_head: str = "") -> str:
    """"stellungnahme", "anfrage", "protokoll", "anlage" or "other" from a file's name (and first lines)."""
    n = (name or "").lower()
    head = re.sub(r"\s+", " ", text_head[:300]).lower()
    if re.search(r"stellungnahme|\bstn\b|^stn[_ ]", n):
        return "stellungnahme"
    if "protokoll" in n:
        return "protokoll"
    if re.search(r"\banlage", n):
        return "anlage"
    if re.search(r"stellungnahme zur anfrage|^stellungnahme\b", head.strip()):
        return "stellungnahme"
    if "anfrage" in n or "anfrage" in head:
        return "anfrage"
    return "other"


def file_texts(catalog: Any, doc_id: str) -> list[tuple[str, str, str]]:
    """(file id, file name, text) of a document's files, rebuilt from its chunks in order."""
    parts: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for _cid, text, meta in catalog.doc_chunks(doc_id):
        fid = str(meta.get("file_id") or "")
        if fid == "overview":
            continue
        parts[fid].append(text)
        names[fid] = str(meta.get("file_name") or "")
    return [(fid, names[fid], _merge_overlapping(chunks)) for fid, chunks in parts.items()]


def _merge_overlapping(chunks: list[str], max_overlap: int = 1500) -> str:
    """Concatenate chunk texts, dropping the overlap a chunker repeats at chunk borders."""
    text = ""
    for chunk in chunks:
        if not text:
            text = chunk
            continue
        best = 0
        for size in range(min(len(chunk), len(text), max_overlap), 19, -1):
            if text.endswith(chunk[:size]):
                best = size
                break
        if not best:  # overlap that starts at a word inside the previous chunk
            probe = chunk[:60]
            pos = text.rfind(probe, max(0, len(text) - max_overlap))
            if probe.strip() and pos >= 0 and chunk.startswith(text[pos:]):
                best = len(text) - pos
        text = text + "\n" + chunk[best:] if best < len(chunk) else text
    return text


def split_paper_files(catalog: Any, doc_id: str) -> dict[str, list[tuple[str, str, str]]]:
    """A paper's files grouped by `classify_file`."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for fid, name, text in file_texts(catalog, doc_id):
        out[classify_file(name, text)].append((fid, name, text))
    return out


# --- input ----------------------------------------------------------------------------------------------
def read_file_text(path: Path) -> str:
    """Text of a PDF (ingest.parse.pdf, else pypdf) or a text file."""
    if path.suffix.lower() == ".pdf":
        data = path.read_bytes()
        try:
            from ingest.parse.pdf import extract_pdf
            from ingest.sources.base import ProblemLog

            pages = extract_pdf(data, str(path), ProblemLog())
            return "\n\n".join(p.text for p in pages)
        except ImportError:
            import io

            from pypdf import PdfReader

            return "\n\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return path.read_text(encoding="utf-8", errors="replace")


def _is_reference_only(source: str) -> bool:
    refs = find_references(source)
    return bool(refs) and len(source.strip()) <= len(refs[0]) + 6


def _paper_for_reference(catalog: Any, ref: str) -> dict[str, Any] | None:
    docs = catalog.documents_by_reference(ref) or catalog.documents_by_reference(f"DS {ref}")
    if not docs:
        return None
    docs.sort(key=lambda d: 0 if "anfrage" in str(d.get("paper_type") or "").lower() else 1)
    return docs[0]


def anfrage_text_of(catalog: Any, doc_id: str) -> str:
    """The Anfrage's own text in a paper (not the Stellungnahme, minutes or attachments)."""
    groups = split_paper_files(catalog, doc_id)
    for kind in ("anfrage", "other"):
        if groups.get(kind):
            return groups[kind][0][2]
    rest = [t for k, files in groups.items() if k != "stellungnahme" for _f, _n, t in files]
    return rest[0] if rest else ""


def load_anfrage(assistant: Any, source: str) -> AnfrageInput:
    """Resolve a Drucksache number, a file path or pasted text into the Anfrage's text."""
    catalog = assistant.catalog
    source = source.strip()
    if not source:
        raise DraftError("Keine Anfrage angegeben.")
    path = Path(source).expanduser() if len(source) < 400 and "\n" not in source else None
    if path is not None and path.is_file():
        text = read_file_text(path)
        if not text.strip():
            raise DraftError(f"Kein Text in {path} gefunden (Scan ohne Textebene?).")
        return _attach_paper(catalog, AnfrageInput(text, origin=path.name))
    if _is_reference_only(source):
        ref = find_references(source)[0]
        record = _paper_for_reference(catalog, ref)
        if record is None:
            raise DraftError(f"Drucksache {ref} ist nicht im Index.")
        text = anfrage_text_of(catalog, record["id"])
        if not text.strip():
            raise DraftError(f"Drucksache {ref} enthält keinen lesbaren Anfragetext.")
        return AnfrageInput(text, record["id"], record, origin=f"Drucksache {ref}")
    return _attach_paper(catalog, AnfrageInput(source))


def _attach_paper(catalog: Any, inp: AnfrageInput) -> AnfrageInput:
    """Pasted text or a file of an Anfrage that is already in the index: remember its paper."""
    ref = parse_anfrage(inp.text).reference
    record = _paper_for_reference(catalog, ref) if ref else None
    if record is not None:
        inp.doc_id, inp.record = record["id"], record
    return inp


# --- exclusion --------------------------------------------------------------------------------------------
def make_exclusion(doc_ids: Iterable[str] = (), refs: Iterable[str] = (), file_ids: Iterable[str] = (),
                   extra: HitPredicate | None = None) -> HitPredicate:
    """A predicate that is True for hits the draft must not use (own paper, excluded Drucksachen/files)."""
    docs = set(doc_ids)
    ref_set = {r.strip().lower() for r in refs if r.strip()}
    ref_set |= {base_reference(r) for r in ref_set}
    files = set(file_ids)

    def excluded(hit: Hit) -> bool:
        ref = str(hit.meta.get("reference") or "").lower()
        return (hit.doc_id in docs or (bool(ref) and (ref in ref_set or base_reference(ref) in ref_set))
                or str(hit.meta.get("file_id") or "") in files or (extra is not None and extra(hit)))

    return excluded


# --- precedents ---------------------------------------------------------------------------------------------
def _weighted_overlap(query_terms: dict[str, float], text: str) -> float:
    terms = content_terms(text)
    total = sum(query_terms.values()) or 1.0
    return sum(w for t, w in query_terms.items() if t in terms) / total


def _query_weights(assistant: Any, title: str, questions: list[str]) -> dict[str, float]:
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


def find_precedents(assistant: Any, parsed: ParsedAnfrage, date: str | None, excluded: HitPredicate,
                    limit: int = MAX_PRECEDENTS) -> list[Precedent]:
    """Earlier Anfragen/Stellungnahmen on the topic, most similar first, each with its answer."""
    catalog = assistant.catalog
    types = tuple(t for t in catalog.counts_by("paper_type") if re.search(r"anfrage|stellungnahme", t, re.I))
    if not types:
        return []
    title = parsed.title or ""
    query = f"{title} {title} " + " ".join(parsed.questions)
    filters = Filters(paper_types=types, date_to=date[:10] if date else None)
    hits = assistant.search(query[:2000], filters, k=60, per_paper=2)
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
        ref = str(m.get("reference") or "")
        family = base_reference(ref) or doc_id
        if family in seen_refs:
            continue
        doc_date = str(m.get("date") or "")
        if date and doc_date and doc_date[:10] > date[:10]:
            continue  # nothing dated after the Anfrage
        sim = _weighted_overlap(weights, str(m.get("title") or "") + " " + " ".join(h.text for h in doc_hits))
        title_sim = _weighted_overlap({t: w for t, w in weights.items() if t in content_terms(title)},
                                      str(m.get("title") or "")) if title else 0.0
        score = 0.6 * sim + 0.4 * title_sim
        if score < MIN_PRECEDENT_SIMILARITY:
            continue
        seen_refs.add(family)
        p = Precedent(doc_id=doc_id, reference=ref, title=str(m.get("title") or ""), date=doc_date[:10],
                      paper_type=str(m.get("paper_type") or ""), similarity=round(score, 3),
                      url=str(m.get("paper_url") or "") or None,
                      outdated=bool(cutoff and doc_date and doc_date[:10] < cutoff))
        _attach_answer(assistant, p, weights, excluded)
        out.append(p)
    out.sort(key=lambda p: -p.similarity)
    if out:
        floor = RELATIVE_PRECEDENT_SIMILARITY * out[0].similarity
        out = [p for p in out if p.similarity >= floor]
    out = out[:limit]
    flag_number_conflicts(out, set(weights))
    return out


def _attach_answer(assistant: Any, p: Precedent, weights: dict[str, float], excluded: HitPredicate) -> None:
    """The administration's answer: the paper's Stellungnahme file (Karlsruhe) or the linked "-01" paper."""
    catalog = assistant.catalog
    candidates: list[tuple[str, str, str]] = []  # (answer label, file id, text)
    for fid, name, text in split_paper_files(catalog, p.doc_id).get("stellungnahme", []):
        candidates.append((name or "Stellungnahme", fid, text))
    if not candidates:
        for rec in assistant.linked_documents(p.doc_id):
            kind = str(rec.get("paper_type") or "").lower()
            ref = str(rec.get("reference") or "")
            if "stellungnahme" in kind or re.search(r"-\d{2}$", ref):
                for fid, _name, text in file_texts(catalog, rec["id"]):
                    candidates.append((ref or rec.get("title", ""), fid, text))
                    break
    for label, fid, text in candidates:
        probe = Hit(chunk_id="", doc_id=p.doc_id, text="", score=0.0,
                    meta={"file_id": fid, "reference": p.reference})
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
        scored.append((_weighted_overlap(weights, s), -i, s))
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


# --- answers ---------------------------------------------------------------------------------------------------
def _on_topic(title_weights: dict[str, float], rarest: str, text: str) -> bool:
    """The passage names the title's most specific term, or most of the title's weighted terms."""
    return rarest in content_terms(text) or _weighted_overlap(title_weights, text) >= MIN_TOPIC_OVERLAP


def _not_a_statement(hit: Hit) -> bool:
    """Passages a Stellungnahme must not quote as fact: the metadata overview and the factions' Anträge."""
    kind = str(hit.meta.get("paper_type") or "")
    return str(hit.meta.get("file_id") or "") == "overview" or bool(re.search(r"antrag", kind, re.I))


def _answer_hits(assistant: Any, query: str, title: str, excluded: HitPredicate, k: int = 8,
                 as_of: str | None = None) -> list[Hit]:
    filters = Filters(date_to=as_of[:10]) if as_of else None  # nothing the author could not have known
    hits = [h for h in assistant.search(query, filters, k=k * 3, per_paper=2)
            if not excluded(h) and not _not_a_statement(h)]
    title_weights = {t: assistant.idf.get(t, 1.0) for t in content_terms(title) - QUESTION_NOISE}
    if title_weights:  # stay on the Anfrage's topic: a passage that only matches "erwarten" is no answer
        rarest = max(title_weights, key=lambda t: title_weights[t])
        hits = [h for h in hits if _on_topic(title_weights, rarest, h.text + " " + str(h.meta.get("title") or ""))]
    # the administration's statements first: the text of another Anfrage restates, it does not answer
    def is_question_file(h: Hit) -> bool:
        return classify_file(str(h.meta.get("file_name") or ""), h.text[:300]) == "anfrage"

    return sorted(hits, key=is_question_file)[:k]


def _extractive(assistant: Any, query: str, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:
    # a draft answers the question; a precedent paper's Beratungsergebnis is not part of that answer
    extract = extractive_answer(query, hits, assistant.idf, max_sentences=3, boilerplate=assistant.boilerplate,
                                decisions=False)
    sentences, citations, best = extract.sentences, extract.citations, extract.best
    keep = [s for s in sentences if not s.text.rstrip().endswith("?")]
    used = {n for s in keep for n in s.citations}
    citations = [c for c in citations if c.n in used]
    coverage = max(best, 0.0)
    return keep, citations, coverage


def _read(assistant: Any, query: str, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:
    """The learned reader's answer (settings.answerer "reader"): its sentences and its answerability, which decides
    whether the question stays open (`answer_question`)."""
    from assistant.answer.compose import compose

    reading, parsed = assistant.read(query, query, hits)
    extract = compose(parsed, hits, reading, assistant.reader.passage_threshold, decisions=False)
    keep = [s for s in extract.sentences if not s.text.rstrip().endswith("?")]
    used = {n for s in keep for n in s.citations}
    return keep, [c for c in extract.citations if c.n in used], reading.answerable


def _generative(assistant: Any, query: str, hits: list[Hit]) -> tuple[list[Sentence], list[Citation], float]:
    from assistant.answer.prompts import build_messages

    sources = hits[:6]
    if assistant.settings.answerer == "reader":  # only the passages the reader selected, when it holds one answers
        from assistant.answer.compose import selected_passages

        reading, parsed = assistant.read(query, query, hits)
        if reading.answerable < assistant.reader.answer_threshold:
            return [], [], 0.0
        sources = selected_passages(parsed, hits, reading, assistant.reader.passage_threshold) or sources
    reply = assistant.chat_model().invoke(build_messages(query, sources))
    raw = reply.content if isinstance(reply.content, str) else str(reply.content)
    _text, sentences, citations = check_answer(raw, sources)
    if re.search(r"beantworten (diese|die) Frage nicht", raw, re.I):
        return [], [], 0.0
    keep = [s for s in sentences if s.citations]
    return keep, citations, 1.0 if keep else 0.0


def answer_question(assistant: Any, number: int, question: str, title: str, excluded: HitPredicate,
                    registry: dict[str, Citation], mode: str, as_of: str | None = None,
                    used: set[str] | None = None) -> DraftAnswer:
    """One question: retrieve (without the own paper), answer with citations, or mark it open.

    `used` holds sentences earlier answers already quote: the same passage is not repeated as the
    answer to every question of a long Anfrage.
    """
    used = used if used is not None else set()
    query = f"{question} {title}".strip()
    hits = _answer_hits(assistant, query, title, excluded, as_of=as_of)
    if not hits:
        return DraftAnswer(number, question, OPEN, open=True)
    by_reader = assistant.settings.answerer == "reader"
    extractive = _read if by_reader else _extractive
    asked = question if by_reader else query  # the reader reads the question alone: the title found the passages
    coverage = topic_coverage(query, hits, assistant.idf)
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    generated = False
    if mode == "generative":
        try:
            sentences, citations, best = _generative(assistant, query, hits)
            generated = True
        except Exception as exc:  # model down: fall back to verbatim sentences, say so
            log.warning("Sprachmodell nicht erreichbar, extraktiver Entwurf: %s", exc)
            sentences, citations, best = extractive(assistant, asked, hits)
    else:
        sentences, citations, best = extractive(assistant, asked, hits)
    sentences = [x for x in sentences if x.text not in used]
    cited = {n for x in sentences for n in x.citations}
    citations = [c for c in citations if c.n in cited]
    if by_reader:  # the reader's answerability (a generated answer: the reader let the model answer)
        coverage = best
        unanswered = not sentences or (not generated and best < assistant.reader.answer_threshold)
    else:
        unanswered = not sentences or max(best, coverage) < MIN_ANSWER_COVERAGE or best < MIN_SENTENCE_COVERAGE
    if unanswered:
        return DraftAnswer(number, question, OPEN, open=True, coverage=round(max(best, coverage), 3))
    local_to_global: dict[int, int] = {}
    global_citations: list[Citation] = []
    for c in citations:
        existing = registry.get(c.chunk_id)
        if existing is None:
            existing = replace(c, n=len(registry) + 1)
            registry[c.chunk_id] = existing
        local_to_global[c.n] = existing.n
        global_citations.append(existing)
    renum = [replace(s, citations=tuple(local_to_global[n] for n in s.citations if n in local_to_global))
             for s in sentences]
    used.update(x.text for x in renum)
    text = " ".join(s.text + " " + "".join(f"[{n}]" for n in s.citations) for s in renum if s.citations)
    return DraftAnswer(number, question, text.strip(), renum, global_citations, False, round(max(best, coverage), 3))


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
def draft_stellungnahme(assistant: Any, source: str, exclude_refs: Iterable[str] = (), mode: str | None = None,
                        exclude_hit: HitPredicate | None = None) -> Draft:
    """Draft the Stellungnahme to the Anfrage named by `source` (Drucksache, file path or text)."""
    mode = mode or str(getattr(assistant.settings, "mode", "extractive") or "extractive")
    inp = load_anfrage(assistant, source)
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
        precedents = find_precedents(assistant, parsed, date, excluded)
        registry = {}
        used: set[str] = set()
        answers = [answer_question(assistant, i + 1, q, parsed.title or "", excluded, registry, mode, date, used)
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
