"""Loose files in a folder (PDF, text, HTML, DOCX) -> Documents, with optional index.json metadata."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

from ingest.parse.clean import clean_text
from ingest.parse.html import decode_html, html_to_text
from ingest.parse.pdf import extract_pdf
from ingest.records import Document, Page, SourceFile
from ingest.sources.allris import detect_variant, parse_allris_html, parse_allris_text
from ingest.sources.base import ProblemLog

log = logging.getLogger(__name__)

SUFFIXES = frozenset((".pdf", ".txt", ".md", ".html", ".htm", ".docx"))
_MIME = {
    ".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown", ".html": "text/html",
    ".htm": "text/html", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_LEADING_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$")


def _read_index(folder: Path, problems: ProblemLog) -> dict[str, dict[str, str]]:
    """index.json entries (Erlangen style: filename, title, date, category, href) by file name."""
    path = folder / "index.json"
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.report(str(path), f"index.json nicht lesbar: {exc}", stage="source", fatal=False)
        return {}
    if isinstance(entries, dict):
        entries = entries.get("documents") or entries.get("items") or list(entries.values())
    result: dict[str, dict[str, str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("filename"):
            result[str(entry["filename"])] = {k: str(v) for k, v in entry.items() if v is not None}
    return result


def _read_text_file(path: Path, data: bytes, problems: ProblemLog) -> str:
    """UTF-8 text; cp1252 fallback reported as a non-fatal problem."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.report(str(path), "kein UTF-8, als Windows-1252 gelesen", stage="parse", fatal=False)
        return data.decode("cp1252", errors="replace")


def _docx_text(path: Path, problems: ProblemLog) -> str | None:
    """Paragraphs and table rows of a .docx file (python-docx)."""
    try:
        import docx  # python-docx
    except ImportError:
        problems.report(str(path), "python-docx nicht installiert, DOCX übersprungen", stage="parse")
        return None
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - zip/xml errors of broken files
        problems.report(str(path), f"DOCX beschädigt: {type(exc).__name__}: {exc}", stage="parse")
        return None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return clean_text("\n".join(lines))


def _first_heading(text: str) -> str | None:
    """The first short non-empty line (Markdown heading marks removed) as a title."""
    for line in text.split("\n")[:30]:
        stripped = line.strip()
        match = _HEADING.match(stripped)
        if match:
            return match.group(1).strip()
        if stripped and len(stripped) <= 150 and sum(ch.isalpha() for ch in stripped) >= 3:
            return stripped
    return None


class FilesSource:
    """Walks a folder (or one file) and yields one Document per readable file."""

    name = "files"

    def __init__(self, root: Path, body: str | None = None, ocr: bool = True) -> None:
        self.root = Path(root)
        self.body = body
        self.ocr = ocr

    def _paths(self) -> list[Path]:
        """Supported files under the root, sorted for stable order."""
        if self.root.is_file():
            return [self.root]
        return sorted(p for p in self.root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)

    def _relative(self, path: Path) -> str:
        """Path relative to the root (the file name when the root is a file)."""
        if self.root.is_file():
            return path.name
        return path.relative_to(self.root).as_posix()

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """One Document per file; broken files are reported, identical duplicates skipped."""
        if not self.root.exists():
            problems.report(str(self.root), "Pfad nicht gefunden", stage="source")
            return
        indexes: dict[Path, dict[str, dict[str, str]]] = {}
        seen: dict[str, str] = {}
        for path in self._paths():
            folder = path.parent
            if folder not in indexes:
                indexes[folder] = _read_index(folder, problems)
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.report(str(path), f"Datei nicht lesbar: {exc}", stage="source")
                continue
            if not data:
                problems.report(str(path), "leere Datei (0 Byte)", stage="source")
                continue
            digest = hashlib.sha256(data).hexdigest()
            relative = self._relative(path)
            if digest in seen:
                problems.report(str(path), f"inhaltsgleiches Duplikat von {seen[digest]}, übersprungen",
                                stage="source", fatal=False)
                continue
            seen[digest] = relative
            try:
                doc = self._document(path, data, relative, indexes[folder].get(path.name), problems)
            except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
                log.exception("file parse failed: %s", path)
                problems.report(str(path), f"nicht auswertbar: {type(exc).__name__}: {exc}", stage="parse")
                continue
            if doc is not None:
                yield doc

    def _document(
        self, path: Path, data: bytes, relative: str, meta: dict[str, str] | None, problems: ProblemLog
    ) -> Document | None:
        """Parse one file into a Document (ALLRIS pages and copies go to the ALLRIS parser)."""
        suffix = path.suffix.lower()
        text: str | None = None
        pages: list[Page] = []
        if suffix == ".pdf":
            pages = extract_pdf(data, str(path), problems, ocr=self.ocr)
            if not pages:
                return None
        elif suffix in (".html", ".htm"):
            html = decode_html(data)
            if detect_variant(html) in ("classic", "net4"):
                return parse_allris_html(html, str(path), self.body)
            text = html_to_text(html)
        elif suffix == ".docx":
            text = _docx_text(path, problems)
            if text is None:
                return None
        else:
            text = _read_text_file(path, data, problems)
            if detect_variant(text) == "text":
                doc = parse_allris_text(text, str(path), self.body)
                if doc is not None:
                    return doc
            text = clean_text(text)
        if text is not None:
            if not text.strip():
                problems.report(str(path), "kein Text gefunden", stage="parse")
                return None
            pages = [Page(number=None, text=text)]
        meta = meta or {}
        title = meta.get("title") or _first_heading(pages[0].text) or path.stem
        date = meta.get("date") or _date_from_name(path.name)
        web_url = meta.get("href") or meta.get("url")
        if web_url and not web_url.startswith("http") and meta.get("base_url"):
            web_url = urljoin(meta["base_url"], web_url)
        doc_id = f"file:{relative}"
        extra = tuple((k, meta[k]) for k in ("doc_id", "href") if meta.get(k))
        source_file = SourceFile(
            id=doc_id, name=path.name, url=web_url if web_url and web_url.startswith("http") else None,
            mime_type=_MIME.get(path.suffix.lower()), date=date, pages=tuple(pages), role="main",
        )
        return Document(
            id=doc_id, source="files", body=self.body or "unbekannt", title=title,
            paper_type=meta.get("category"), date=date,
            web_url=web_url if web_url and web_url.startswith("http") else None,
            files=(source_file,), extra=extra,
        )


def _date_from_name(name: str) -> str | None:
    """ISO date from a leading YYYY-MM-DD in a file name."""
    match = _LEADING_DATE.match(name)
    return "-".join(match.groups()) if match else None
