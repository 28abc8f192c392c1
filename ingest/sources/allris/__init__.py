"""ALLRIS, the most common council information system: web pages of its two generations (classic .asp,
net 4) and browser text copies, each variant a small class of its own (`classic`, `net4`, `browser_copy`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from ingest.parse.html import decode_html
from ingest.records import Document
from ingest.sources.allris.browser_copy import AllrisBrowserCopy, is_allris_text, parse_allris_text
from ingest.sources.allris.html_pages import html_variant, parse_allris_html
from ingest.sources.base import ProblemLog

log = logging.getLogger(__name__)

__all__ = ["AllrisSource", "detect_variant", "is_allris_text", "parse_allris_file", "parse_allris_html",
           "parse_allris_text"]

BROWSER_COPY = AllrisBrowserCopy()


def detect_variant(data: str | bytes) -> str | None:
    """'classic', 'net4' or 'text' for ALLRIS pages and browser copies; None otherwise."""
    head = data[:200_000] if isinstance(data, str) else decode_html(data[:200_000])
    variant = html_variant(head)
    if variant is not None:
        return variant.name
    lowered = head.lower()
    if "<html" in lowered or "<body" in lowered or "<table" in lowered:
        return None
    return BROWSER_COPY.name if BROWSER_COPY.recognises(head) else None


class AllrisSource:
    """ALLRIS pages and browser copies from files; the variant is detected per file."""

    name = "allris"

    def __init__(self, paths: list[Path], body: str | None = None, base_url: str | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.body = body
        self.base_url = base_url

    def documents(self, problems: ProblemLog) -> Iterator[Document]:
        """Parse each file; unreadable or unrecognised files are reported and skipped."""
        for path in self.paths:
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.report(str(path), f"Datei nicht lesbar: {exc}", stage="source")
                continue
            if not data.strip():
                problems.report(str(path), "leere Datei (0 Byte)", stage="source")
                continue
            try:
                doc = parse_allris_file(data, str(path), self.body, self.base_url)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the batch
                log.exception("ALLRIS parse failed for %s", path)
                problems.report(str(path), f"ALLRIS-Seite nicht auswertbar: {type(exc).__name__}: {exc}", stage="parse")
                continue
            if doc is None:
                problems.report(str(path), "keine ALLRIS-Seite erkannt", stage="parse")
                continue
            yield doc


def parse_allris_file(data: bytes, location: str, body: str | None = None, base_url: str | None = None) -> Document | None:
    """Parse one file's bytes as ALLRIS HTML or ALLRIS browser text."""
    text = decode_html(data)
    variant = detect_variant(text)
    if variant == BROWSER_COPY.name:
        return BROWSER_COPY.parse(text, location, body)
    return parse_allris_html(text, location, body, base_url) if variant else None
