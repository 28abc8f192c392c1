"""Structure-aware chunking: headings, "Zu Frage N" and numbered items, pages kept, small overlap."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ingest.records import Chunk, Document, SourceFile

MAX_CHARS = 1400  # ~350-400 e5 tokens, leaves room for the title header within 512 tokens
MIN_CHARS = 350  # sections shorter than this are merged with the next one
OVERLAP_CHARS = 180  # only when one section is split over several chunks

_HEADING_WORDS = (
    "sachverhalt|begründung|beschluss|beschlussvorschlag|beschlussantrag|antrag|anfrage|"
    "stellungnahme|stellungnahme der verwaltung|ergebnis|finanzielle auswirkungen|"
    "finanzielle auswirkung|kosten|anlagen?|problembeschreibung/begründung|problembeschreibung|"
    "sachstand/begründung|sachstand|zusammenfassung|ausgangslage|hintergrund|vorbemerkung|"
    "protokoll|niederschrift|tagesordnung|beratungsfolge|empfehlung|fazit|ausblick|"
    "erläuterungen?|abstimmungsergebnis|kurzfassung|ziel|maßnahmen|alternativen|klimarelevanz"
)
_HEADING = re.compile(
    rf"^\s*(?:(?:{_HEADING_WORDS})\s*:?\s*$"  # a known heading word alone on its line
    r"|zu\s+frage\s+\d+[a-z]?\b.{0,80}$"  # Stellungnahme: "Zu Frage 1"
    r"|frage\s+\d+[a-z]?\s*[:.)].{0,120}$"
    r"|zu\s+\d+[a-z]?[.:)]\s*.{0,80}$"  # "Zu 1.:"
    r"|(?:top|tagesordnungspunkt)\s+\d+(?:\.\d+)*\b.{0,120}$"
    r")",
    re.IGNORECASE,
)
# "2.1 Finanzierung": case-sensitive, short, and not a date such as "9. Januar 2014"
_NUMBERED_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.|\d{1,2}(?:\.\d{1,2}){1,3}|\d{1,2}\))\s+(?!(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
    r"Oktober|November|Dezember)\b)[A-ZÄÖÜ][^\n]{2,}$"
)
_NUMBERED_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z][.)]|[-•▪●–])\s+\S")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÄÖÜ0-9„\"(])")


@dataclass
class _Block:
    """A paragraph with the page it starts on and the section heading above it."""

    text: str
    page: int | None
    section: str | None


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > 130:
        return False
    if _HEADING.match(stripped) is None and _NUMBERED_HEADING.match(stripped) is None:
        return False
    return not stripped.endswith(",")


def _blocks(file: SourceFile) -> Iterator[_Block]:
    """Split a file's pages into paragraphs, tracking the current section heading."""
    section: str | None = None
    for page in file.pages:
        paragraph: list[str] = []
        for line in [*page.text.split("\n"), ""]:  # the sentinel flushes the last paragraph
            heading = bool(line.strip()) and _is_heading(line)
            starts_item = bool(_NUMBERED_ITEM.match(line)) and sum(len(p) for p in paragraph) > 200
            if paragraph and (not line.strip() or heading or starts_item):
                text = "\n".join(paragraph).strip()
                paragraph = []
                if text:
                    yield _Block(text, page.number, section)
            if not line.strip():
                continue
            if heading:
                section = line.strip().rstrip(":").strip()[:120]
                paragraph.append(line.strip())
            else:
                paragraph.append(line.rstrip())


def _split_long(text: str, limit: int) -> list[str]:
    """Split an over-long paragraph at sentence ends (or hard, as a last resort)."""
    sentences = _SENTENCE_END.split(text)
    parts: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + 1 + len(sentence) > limit:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip() if current else sentence
    if current:
        parts.append(current)
    return parts


def _tail(text: str, chars: int) -> str:
    """The last sentence(s) of a chunk, at most `chars` long, used as overlap."""
    if len(text) <= chars:
        return text
    window = text[-chars:]
    match = re.search(r"(?<=[.!?:])\s+", window)
    return window[match.end():] if match else window[window.find(" ") + 1:]


_ANSWER_HEADING = re.compile(r"^\s*(?:zu\s+)?frage\s+\d", re.IGNORECASE)


def _is_heading_block(block: _Block) -> bool:
    return block.section is not None and block.text.strip().rstrip(":").strip()[:120] == block.section


def chunk_file(file: SourceFile) -> Iterator[tuple[str, int | None, int | None, str | None]]:
    """Yield (text, page_start, page_end, section) for one file."""
    buf: list[_Block] = []
    size = 0

    def emit(blocks: list[_Block]) -> tuple[str, int | None, int | None, str | None]:
        pages = [b.page for b in blocks if b.page is not None]
        text = "\n\n".join(b.text for b in blocks)
        section = next((b.section for b in blocks if b.section), None)
        return text, (min(pages) if pages else None), (max(pages) if pages else None), section

    for block in _blocks(file):
        pieces = [block.text] if len(block.text) <= MAX_CHARS else _split_long(block.text, MAX_CHARS - OVERLAP_CHARS)
        for i, piece in enumerate(pieces):
            new_section = block.section is not None and bool(buf) and buf[-1].section != block.section
            hard = new_section and bool(_ANSWER_HEADING.match(block.section or ""))
            too_big = size + len(piece) + 2 > MAX_CHARS
            if buf and (too_big or (new_section and (size >= MIN_CHARS or hard))):
                heading = buf.pop() if too_big and len(buf) > 1 and _is_heading_block(buf[-1]) else None
                yield emit(buf)
                carry = too_big and not new_section and heading is None and (i > 0 or buf[-1].section == block.section)
                prev = buf[-1]
                buf, size = [], 0
                if heading is not None:  # a heading never ends a chunk: it opens the next one
                    buf, size = [heading], len(heading.text) + 2
                if carry:
                    overlap = _tail(prev.text, OVERLAP_CHARS)
                    if overlap and len(overlap) + len(piece) + 2 <= MAX_CHARS:
                        buf.append(_Block(overlap, prev.page, prev.section))
                        size = len(overlap)
            buf.append(_Block(piece, block.page, block.section))
            size += len(piece) + 2
    if buf:
        yield emit(buf)


def chunk_file_merged(file: SourceFile) -> list[tuple[str, int | None, int | None, str | None]]:
    """chunk_file, with a tiny trailing piece (a date line, a signature) merged into its predecessor."""
    out = list(chunk_file(file))
    if len(out) >= 2 and len(out[-1][0]) < 120 and len(out[-2][0]) + len(out[-1][0]) < MAX_CHARS + 200:
        (t0, a0, b0, s0), (t1, _a1, b1, _s1) = out[-2], out[-1]
        out[-2:] = [(f"{t0}\n\n{t1}", a0, b1 if b1 is not None else b0, s0)]
    return out


def _flat(value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    return "" if value is None else str(value)


def document_meta(doc: Document) -> dict[str, Any]:
    """Flat metadata every chunk of `doc` carries (Chroma accepts only scalars)."""
    committees = sorted({c.organization for c in doc.consultations if c.organization})
    date_int = int(doc.date[:10].replace("-", "")) if doc.date and re.match(r"\d{4}-\d\d-\d\d", doc.date) else 0
    return {
        "doc_id": doc.id,
        "source": doc.source,
        "body": doc.body,
        "reference": doc.reference or "",
        "paper_type": doc.paper_type or "",
        "title": doc.title,
        "date": doc.date or "",
        "date_int": date_int,
        # without a web page (many OParl mirrors), the public OParl object URL is the next best link
        "paper_url": doc.web_url or (doc.id if doc.id.startswith(("https://", "http://")) else ""),
        "submitter": doc.submitter or "",
        "committees": " | ".join(committees),
        "related": " | ".join(doc.related + doc.superordinated + doc.subordinated),
        **({"access": doc.access} if doc.access != "public" else {}),  # public chunks keep the metadata they had
    }


def overview_text(doc: Document) -> str:
    """A synthetic chunk with the paper's metadata and its Beratungsfolge (consultations, results)."""
    lines = [doc.title]
    head = ", ".join(x for x in (doc.paper_type, doc.reference and f"Drucksache {doc.reference}") if x)
    if head:
        lines.append(head)
    if doc.date:
        lines.append(f"Datum: {doc.date}")
    if doc.submitter:
        lines.append(f"Eingereicht von: {doc.submitter}")
    for c in doc.consultations:
        parts = [c.organization or "Gremium unbekannt"]
        if c.meeting_name and c.meeting_name != c.organization:
            parts.append(c.meeting_name)
        if c.meeting_date:
            parts.append(f"am {c.meeting_date[:10]}")
        if c.agenda_number:
            parts.append(f"TOP {c.agenda_number}")
        if c.role:
            parts.append(f"Rolle: {c.role}")
        if c.result:
            parts.append(f"Ergebnis: {c.result}")
        lines.append("Beratung: " + ", ".join(parts))
        if c.resolution:
            lines.append(f"Beschluss: {c.resolution[:600]}")
    files = [f.name for f in doc.files if f.name]
    if files:
        lines.append("Dokumente: " + "; ".join(files[:12]))
    return "\n".join(lines)


def chunk_document(doc: Document) -> list[Chunk]:
    """All chunks of a document: one overview chunk, then the chunks of each file."""
    base = document_meta(doc)
    chunks: list[Chunk] = []

    def add(file: SourceFile | None, text: str, p0: int | None, p1: int | None, section: str | None) -> None:
        file_id = file.id if file else "overview"
        position = len(chunks)
        meta = dict(base)
        file_url = (file.url or "") if file else ""
        if file_url and p0 and file_url.lower().split("?")[0].endswith(".pdf"):
            file_url = f"{file_url}#page={p0}"
        meta.update(
            file_id=file_id,
            file_name=(file.name if file else "Übersicht") or "",
            file_url=file_url,
            page_start=p0 or 0,
            page_end=p1 or 0,
            section=section or "",
            position=position,
        )
        flat = {k: _flat(v) for k, v in meta.items()}
        # the id covers what is embedded (header + text): a new title means a new vector
        head = index_header(flat, file_id, section, text)
        chunks.append(
            Chunk(
                id=Chunk.make_id(doc.id, file_id, position, head + text),
                doc_id=doc.id,
                file_id=file_id,
                position=position,
                text=text,
                page_start=p0,
                page_end=p1,
                section=section,
                meta=flat,
            )
        )

    add(None, overview_text(doc), None, None, "Übersicht")
    for file in doc.files:
        for text, p0, p1, section in chunk_file_merged(file):
            add(file, text, p0, p1, section)
    return chunks


def index_header(meta: dict[str, Any], file_id: str, section: str | None, text: str) -> str:
    """The line(s) put before a chunk's text for embedding and BM25: type, reference, title, section."""
    if file_id == "overview":
        return ""
    header = " ".join(str(x) for x in (meta.get("paper_type"), meta.get("reference"), meta.get("title")) if x)
    sec = f"\n{section}" if section and section not in text[:200] else ""
    return f"{header}{sec}\n"


def index_text(chunk: Chunk) -> str:
    """The text that is embedded and lexically indexed: title header plus passage."""
    return index_header(chunk.meta, chunk.file_id, chunk.section, chunk.text) + chunk.text
