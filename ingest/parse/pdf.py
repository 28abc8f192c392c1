"""PDF text extraction: pypdf text layer per page, Tesseract OCR for pages without text."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from pypdf import PdfReader

from ingest.parse.clean import clean_text, remove_repeated_lines
from ingest.records import Page
from ingest.sources.base import ProblemLog

log = logging.getLogger(__name__)

MIN_LETTERS = 20  # below this a page counts as "no text layer"
MIN_LETTERS_WITH_IMAGES = 200  # a page with images and little text is probably scanned
OCR_WORKERS = 2
OCR_DPI = 200
OCR_TIMEOUT = 180
DEFAULT_MAX_OCR_PAGES = 60

_LETTERS = re.compile(r"[^\W\d_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract_pdf(
    data: bytes | Path,
    location: str,
    problems: ProblemLog,
    ocr: bool = True,
    max_ocr_pages: int | None = DEFAULT_MAX_OCR_PAGES,
) -> list[Page]:
    """Text of each PDF page (1-based numbers, empty pages left out); problems are reported."""
    raw = _read_bytes(data, location, problems)
    if raw is None:
        return []
    reader = _open_reader(raw, location, problems)
    if reader is None:
        return []
    try:
        pdf_pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many exception types on broken files
        problems.report(location, f"PDF beschädigt, Seiten nicht lesbar: {_short(exc)}", stage="parse")
        return []
    texts: list[str] = []
    ocr_candidates: list[int] = []
    for index, page in enumerate(pdf_pages):
        text = _page_text(page, index + 1, location, problems)
        texts.append(text)
        if _needs_ocr(text, page):
            ocr_candidates.append(index)
    if ocr_candidates and ocr:
        _apply_ocr(raw, ocr_candidates, texts, location, problems, max_ocr_pages)
    elif ocr_candidates:
        problems.report(
            location, f"{len(ocr_candidates)} Seite(n) ohne Textebene, OCR abgeschaltet", stage="ocr", fatal=False
        )
    cleaned = remove_repeated_lines([clean_text(t) for t in texts])
    pages = [Page(number=i + 1, text=t) for i, t in enumerate(cleaned) if t.strip()]
    if not pages:
        problems.report(location, "kein Text im PDF gefunden", stage="parse", fatal=False)
    return pages


def _short(exc: BaseException) -> str:
    """One-line description of an exception for a problem report."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _read_bytes(data: bytes | Path, location: str, problems: ProblemLog) -> bytes | None:
    """Load and sanity-check the bytes: readable, not empty, a PDF header, an end marker."""
    if isinstance(data, Path):
        try:
            data = data.read_bytes()
        except OSError as exc:
            problems.report(location, f"Datei nicht lesbar: {_short(exc)}", stage="parse")
            return None
    if not data:
        problems.report(location, "leere Datei (0 Byte)", stage="parse")
        return None
    if b"%PDF-" not in data[:1024]:
        problems.report(location, "keine PDF-Datei (PDF-Kennung fehlt)", stage="parse")
        return None
    if b"%%EOF" not in data[-2048:]:
        problems.report(location, "PDF unvollständig oder abgeschnitten (Dateiende fehlt)", stage="parse")
        return None
    return data


def _open_reader(raw: bytes, location: str, problems: ProblemLog) -> PdfReader | None:
    """Open the PDF with pypdf; decrypt with the empty password when needed."""
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            problems.report(location, "PDF ist verschlüsselt (Passwort erforderlich)", stage="parse")
            return None
        return reader
    except Exception as exc:  # noqa: BLE001
        if "crypt" in type(exc).__name__.lower() or "crypt" in str(exc).lower():
            problems.report(location, f"PDF ist verschlüsselt und nicht lesbar: {_short(exc)}", stage="parse")
        else:
            problems.report(location, f"PDF beschädigt: {_short(exc)}", stage="parse")
        return None


def _page_text(page: object, number: int, location: str, problems: ProblemLog) -> str:
    """Text layer of one page; an unreadable page is reported and yields ''."""
    try:
        return page.extract_text() or ""  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001
        problems.report(location, f"Seite {number}: Text nicht lesbar: {_short(exc)}", stage="parse", fatal=False)
        return ""


def usable_letters(text: str) -> int:
    """Letters of a text layer; 0 when it is mostly control-character garbage (broken fonts)."""
    letters = len(_LETTERS.findall(text))
    controls = len(_CONTROL.findall(text))
    if controls > max(5, letters // 10):
        return 0
    return letters


def _has_images(page: object) -> bool:
    """True when the page draws at least one image XObject."""
    try:
        resources = page.get("/Resources")  # type: ignore[attr-defined]
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if not xobjects:
            return False
        return any(xobjects[key].get_object().get("/Subtype") == "/Image" for key in xobjects.get_object())
    except Exception:  # noqa: BLE001
        return False


def _needs_ocr(text: str, page: object) -> bool:
    """A page needs OCR when it has (almost) no text, or little text and scanned images."""
    letters = usable_letters(text)
    if letters < MIN_LETTERS:
        return True
    return letters < MIN_LETTERS_WITH_IMAGES and _has_images(page)


@lru_cache(maxsize=1)
def ocr_language() -> str | None:
    """Tesseract language to use ('deu' when installed), None when OCR is not available."""
    if not shutil.which("tesseract") or not shutil.which("pdftoppm"):
        return None
    try:
        listing = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    langs = set(listing.stdout.split())
    return "deu" if "deu" in langs else ("eng" if "eng" in langs else None)


def _apply_ocr(
    raw: bytes,
    candidates: list[int],
    texts: list[str],
    location: str,
    problems: ProblemLog,
    max_ocr_pages: int | None,
) -> None:
    """OCR the candidate pages in a small pool; keep OCR text where it has more letters."""
    lang = ocr_language()
    if lang is None:
        problems.report(
            location, f"OCR nicht verfügbar (tesseract/pdftoppm fehlt): {len(candidates)} Seite(n) ohne Text",
            stage="ocr", fatal=False,
        )
        return
    if lang != "deu":
        problems.report(location, "OCR-Sprachpaket 'deu' fehlt, OCR mit 'eng'", stage="ocr", fatal=False)
    selected = candidates if max_ocr_pages is None else candidates[:max_ocr_pages]
    if len(selected) < len(candidates):
        problems.report(
            location, f"OCR-Limit erreicht: {len(candidates) - len(selected)} Seite(n) ohne Texterkennung",
            stage="ocr", fatal=False,
        )
    with tempfile.TemporaryDirectory(prefix="ocr-") as tmp:
        pdf_path = Path(tmp) / "input.pdf"
        pdf_path.write_bytes(raw)
        with ThreadPoolExecutor(max_workers=OCR_WORKERS) as pool:
            results = pool.map(lambda i: (i, _ocr_page(pdf_path, i + 1, lang)), selected)
            for index, (text, error) in results:
                if error:
                    problems.report(location, f"OCR Seite {index + 1} fehlgeschlagen: {error}", stage="ocr", fatal=False)
                elif usable_letters(text) > usable_letters(texts[index]):
                    texts[index] = text


def _ocr_page(pdf_path: Path, number: int, lang: str) -> tuple[str, str | None]:
    """Render one page with pdftoppm and read it with tesseract; returns (text, error)."""
    prefix = pdf_path.parent / f"page-{number}"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        subprocess.run(
            ["pdftoppm", "-r", str(OCR_DPI), "-f", str(number), "-l", str(number), "-png", "-singlefile",
             str(pdf_path), str(prefix)],
            capture_output=True, timeout=OCR_TIMEOUT, check=True,
        )
        done = subprocess.run(
            ["tesseract", f"{prefix}.png", "stdout", "-l", lang],
            capture_output=True, timeout=OCR_TIMEOUT, check=True, env=env,
        )
    except subprocess.CalledProcessError as exc:
        message = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if exc.stderr else []
        return "", (message[0] if message else f"Exit-Code {exc.returncode}")[:200]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", _short(exc)
    finally:
        Path(f"{prefix}.png").unlink(missing_ok=True)
    return done.stdout.decode("utf-8", "replace"), None
