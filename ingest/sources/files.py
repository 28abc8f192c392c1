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
from ingest.sources.city import UNKNOWN_CITY, city_from_text

log = logging.getLogger(__name__)

SUFFIXES = frozenset((".pdf", ".txt", ".md", ".html", ".htm", ".docx"))
INDEX_FILE = "index.json"
UNKNOWN_FORMAT = "Format nicht erkannt"
EMPTY_REASON = "leer"
# Formats users bring that we cannot read, with what to do instead.
_ADVICE = {
    ".doc": "altes Word-Format: als .docx oder PDF speichern",
    ".odt": "als .docx oder PDF speichern",
    ".rtf": "als .docx oder PDF speichern",
    ".xls": "Tabelle: als PDF speichern",
    ".xlsx": "Tabelle: als PDF speichern",
    ".zip": "Archiv: entpacken (OParl-Spiegel als .tar.zst werden gelesen)",
}
_MIME = {
    ".pdf": "application/pdf", ".txt": "text/plain", ".md": "text/markdown", ".html": "text/html",
    ".htm": "text/html", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_LEADING_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$")


def unsupported_reason(path: Path) -> str:
    """"Format nicht erkannt (.xlsx: Tabelle: als PDF speichern)" for a file no reader takes."""
    suffix = path.suffix.lower()
    if not suffix:
        return f"{UNKNOWN_FORMAT} (keine Dateiendung)"
    advice = _ADVICE.get(suffix)
    return f"{UNKNOWN_FORMAT} ({suffix}: {advice})" if advice else f"{UNKNOWN_FORMAT} ({suffix})"


def report_read_as_nothing(location: str, problems: ProblemLog, mark: int) -> None:
    """A file that yielded no document is skipped, and the exit code must say so: when its reader left
    only notes (a PDF without text layer and OCR off), the last note becomes the reason."""
    since = [p for p in problems.since(mark) if p.location == location or p.location.startswith(location + "#")]
    if any(p.fatal for p in since):
        return
    reason = since[-1].reason if since else "kein Dokument erkannt"
    problems.report(location, f"nichts eingelesen: {reason}", stage="parse")


def _read_index(folder: Path, problems: ProblemLog) -> dict[str, dict[str, str]]:
    """index.json entries (Erlangen style: filename, title, date, category, href) by file name."""
    path = folder / INDEX_FILE
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
    """Walks a folder (or one file) and yields one Document per readable file.

    `body` given: every document gets it (a manifest knows its city); else a document takes the city
    its letterhead names, or "unbekannt" (FolderSource then fills it in from the folder).
    """

    name = "files"

    def __init__(self, root: Path, body: str | None = None, ocr: bool = True) -> None:
        self.root = Path(root)
        self.body = body
        self.ocr = ocr
        self._indexes: dict[Path, dict[str, dict[str, str]]] = {}
        self._seen: dict[str, str] = {}

    def _paths(self, problems: ProblemLog) -> list[Path]:
        """Supported files under the root, sorted for stable order; every other file is reported."""
        if self.root.is_file():
            return [self.root]
        paths = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            if path.suffix.lower() in SUFFIXES:
                paths.append(path)
            elif path.name != INDEX_FILE:  # index.json is read as the metadata of its folder's files
                problems.report(str(path), unsupported_reason(path), stage="source")
        return paths

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
        for path in self._paths(problems):
            doc = self.read_path(path, problems)
            if doc is not None:
                yield doc

    def read_path(self, path: Path, problems: ProblemLog) -> Document | None:
        """The Document of one file under the root, or None (the reason is reported)."""
        folder = path.parent
        if folder not in self._indexes:
            self._indexes[folder] = _read_index(folder, problems)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.report(str(path), f"Datei nicht lesbar: {exc}", stage="source")
            return None
        if not data.strip():
            problems.report(str(path), f"{EMPTY_REASON} ({len(data)} Byte)", stage="source")
            return None
        digest = hashlib.sha256(data).hexdigest()
        relative = self._relative(path)
        if digest in self._seen:
            problems.report(str(path), f"inhaltsgleiches Duplikat von {self._seen[digest]}, übersprungen",
                            stage="source", fatal=False)
            return None
        self._seen[digest] = relative
        mark = problems.mark()
        try:
            doc = self._document(path, data, relative, self._indexes[folder].get(path.name), problems)
        except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
            log.exception("file parse failed: %s", path)
            problems.report(str(path), f"nicht auswertbar: {type(exc).__name__}: {exc}", stage="parse")
            return None
        if doc is None:
            report_read_as_nothing(str(path), problems, mark)
        return doc

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
        city = self.body or city_from_text(pages[0].text) or UNKNOWN_CITY
        return Document(
            id=doc_id, source="files", body=city, title=title,
            paper_type=meta.get("category"), date=date,
            web_url=web_url if web_url and web_url.startswith("http") else None,
            files=(source_file,), extra=extra,
        )


def _date_from_name(name: str) -> str | None:
    """ISO date from a leading YYYY-MM-DD in a file name."""
    match = _LEADING_DATE.match(name)
    return "-".join(match.groups()) if match else None
