"""What a draft starts from: an Anfrage named by Drucksache number, file or pasted text, and the files of a paper in the index."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.draft.records import AnfrageInput, DraftError
from assistant.service import Assistant
from ingest.language import find_references
from ingest.parse.anfrage import parse_anfrage
from ingest.records import Access


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


def _paper_for_reference(catalog: Any, ref: str, clearance: Access) -> dict[str, Any] | None:
    docs = catalog.documents_by_reference(ref) or catalog.documents_by_reference(f"DS {ref}")
    docs = [d for d in docs if clearance.allows(str(d.get("access") or "public"))]
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


def load_anfrage(assistant: Assistant, source: str, clearance: Access = Access.PUBLIC,
                 files: bool = True) -> AnfrageInput:
    """Resolve a Drucksache number, a file path (with `files`: the command line and uploads, never what a web
    user types) or pasted text into the Anfrage's text; papers beyond `clearance` are not found."""
    catalog = assistant.catalog
    source = source.strip()
    if not source:
        raise DraftError("Keine Anfrage angegeben.")
    path = Path(source).expanduser() if files and len(source) < 400 and "\n" not in source else None
    if path is not None and path.is_file():
        text = read_file_text(path)
        if not text.strip():
            raise DraftError(f"Kein Text in {path} gefunden (Scan ohne Textebene?).")
        return _attach_paper(catalog, AnfrageInput(text, origin=path.name), clearance)
    if _is_reference_only(source):
        ref = find_references(source)[0]
        record = _paper_for_reference(catalog, ref, clearance)
        if record is None:
            raise DraftError(f"Drucksache {ref} ist nicht im Index.")
        text = anfrage_text_of(catalog, record["id"])
        if not text.strip():
            raise DraftError(f"Drucksache {ref} enthält keinen lesbaren Anfragetext.")
        return AnfrageInput(text, record["id"], record, origin=f"Drucksache {ref}")
    return _attach_paper(catalog, AnfrageInput(source), clearance)


def _attach_paper(catalog: Any, inp: AnfrageInput, clearance: Access) -> AnfrageInput:
    """Pasted text or a file of an Anfrage that is already in the index: remember its paper."""
    ref = parse_anfrage(inp.text).reference
    record = _paper_for_reference(catalog, ref, clearance) if ref else None
    if record is not None:
        inp.doc_id, inp.record = record["id"], record
    return inp
